// Judge tablet (/tablet): pick a contestant, score aspect by aspect, every mark over one websocket.
//
// Queue. A mark is an "op": {op_id, n, user_id, frame, state, sent, seq, …} kept in IndexedDB
// (database "judge-tablet", store "ops", key op_id) before it goes anywhere. States:
//   queued   — on the tablet, not (or no longer) on the wire;
//   sent     — written to the socket, waiting for the server's answer;
//   saved    — acknowledged: the server committed it (seq = its server sequence number);
//   rejected — an error frame answered it (a final refusal, with the server's message).
// On every (re)connection the page waits for the server's "welcome", then sends every op not yet
// acknowledged, oldest first; an op whose aspect has an earlier op still unanswered waits for that
// answer, so a correction never overtakes the mark it corrects. The server answers a re-sent op_id
// with the first acknowledgement ("duplicate": true), so nothing is stored twice. A dropped socket
// is no error: its "sent" ops go back to "queued". Reconnects back off from 0.5 s to 5 s, and start
// at once on the browser's "online" event; a ping watchdog drops sockets that stopped answering
// (that life cycle is static/live_socket.js, shared with the board and the console).
// Ops of another account (a shared tablet) stay queued until that judge logs in again.

import { toast } from "/static/app.js";
import { icon } from "/static/icons.js";
import { openLiveSocket } from "/static/live_socket.js";

const T = JSON.parse(document.getElementById("tablet-i18n").textContent);
const LANG = document.documentElement.lang.startsWith("zh") ? "zh" : "en";
const $ = (id) => document.getElementById(id);
const fill = (tpl, o = {}) => String(tpl ?? "").replace(/\{(\w+)\}/g, (_, k) => (o[k] ?? ""));
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

const WINDOW = 16; // ops on the wire at once
const SEND_RATE = 20; // frames a second (the server allows 50, with a burst of 100)
const RESEND_AFTER_MS = 10000; // an op unanswered this long on a live socket is sent again (same op_id)
const PING_IDLE_MS = 15000;
const PONG_TIMEOUT_MS = 6000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 5000;
const RETRY_CODES = new Set(["unavailable", "internal", "rate_limited"]); // not final: send again later
const NEEDS_REMARK = "needs_remark";
const timeFmt = new Intl.DateTimeFormat(LANG === "zh" ? "zh-CN" : "en-GB", { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

// ---------------------------------------------------------------------------------------------
// Storage: IndexedDB, or memory when the browser has none (then a reload loses the queue).

class IdbStore {
  constructor(db) { this.db = db; this.persistent = true; }
  static open() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open("judge-tablet", 1);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains("ops")) db.createObjectStore("ops", { keyPath: "op_id" });
        if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta");
      };
      req.onsuccess = () => resolve(new IdbStore(req.result));
      req.onerror = () => reject(req.error);
      req.onblocked = () => reject(new Error("IndexedDB blocked"));
    });
  }
  run(store, mode, fn) {
    // Resolves once the transaction has committed, not merely when the request succeeded.
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction(store, mode);
      let result;
      const req = fn(tx.objectStore(store));
      if (req) req.onsuccess = () => { result = req.result; };
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error("aborted"));
    });
  }
  allOps() { return this.run("ops", "readonly", (s) => s.getAll()); }
  putOp(op) { return this.run("ops", "readwrite", (s) => s.put(op)); }
  getMeta(key) { return this.run("meta", "readonly", (s) => s.get(key)); }
  setMeta(key, value) { return this.run("meta", "readwrite", (s) => s.put(value, key)); }
}

class MemoryStore {
  constructor() { this.ops = new Map(); this.meta = new Map(); this.persistent = false; }
  async allOps() { return [...this.ops.values()]; }
  async putOp(op) { this.ops.set(op.op_id, structuredClone(op)); }
  async getMeta(key) { return this.meta.get(key); }
  async setMeta(key, value) { this.meta.set(key, value); }
}

async function openStore() {
  try {
    if (self.indexedDB) return await IdbStore.open();
  } catch (err) {
    console.warn("IndexedDB unavailable", err);
  }
  return new MemoryStore();
}

// ---------------------------------------------------------------------------------------------
// Model

const model = {
  store: null,
  userId: null,
  userName: "",
  skills: [],
  skillId: null,
  contestant: null, // the chosen contestant's ref
  ops: new Map(), // op_id → op, every account's
  flags: new Set(), // keys of aspects this judge must re-score
  known: new Map(), // key → {value, seq}: marks the server reports (when assignments carry them)
  fromCache: false,
  notices: {},
  lastN: 0,
};

const keyOf = (skillId, ref, aspect) => `${skillId}|${ref}|${aspect}`;
const opKey = (op) => keyOf(op.frame.skill_id, op.frame.contestant, op.frame.aspect);
const isPending = (op) => op.state === "queued" || op.state === "sent";
const skill = () => model.skills.find((s) => s.skill_id === model.skillId) || null;

function newOpId() {
  if (self.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
  const bytes = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs a secure context
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function myOps() {
  return [...model.ops.values()].filter((op) => op.user_id === model.userId).sort((a, b) => a.n - b.n);
}

function opsFor(key) {
  return myOps().filter((op) => opKey(op) === key);
}

function pendingCount() {
  return myOps().filter(isPending).length;
}

async function save(op) {
  try {
    await model.store.putOp(op);
  } catch (err) {
    console.error("could not store the mark", err);
  }
}

function saveFlags() {
  model.store.setMeta(`flags:${model.userId}`, [...model.flags]).catch(() => {});
}

function valueOf(op) {
  return op.saved_value ?? op.frame.value;
}

function aspectOf(skillId, aspectId) {
  const sk = model.skills.find((s) => s.skill_id === Number(skillId));
  return sk ? sk.aspects.find((a) => a.id === aspectId) || null : null;
}

// A mark as the judge reads it: a judgement score with its descriptor, else points.
function describeValue(skillId, aspectId, v) {
  const aspect = aspectOf(skillId, aspectId);
  if (aspect && aspect.kind === "J") {
    const d = aspect.descriptors && aspect.descriptors.length === 4 ? aspect.descriptors : [T.desc_0, T.desc_1, T.desc_2, T.desc_3];
    return d[Number(v)] ? `${v} · ${d[Number(v)]}` : String(v);
  }
  return fill(T.points, { v });
}

function describe(op) {
  const v = valueOf(op);
  if (v !== undefined && v !== null) return describeValue(op.frame.skill_id, op.frame.aspect, v);
  return fill(T.measured_value, { v: op.frame.measured });
}

// ---------------------------------------------------------------------------------------------
// The websocket

// The socket's life cycle (backoff 0.5 s → 5 s with jitter, at once on "online", the ping watchdog)
// is static/live_socket.js; the Link adds what is the tablet's: marks go only once the server has
// welcomed this judge (the backoff starts again then), a socket refused before opening asks whether
// the session ended, and another account's welcome stops it.
class Link {
  constructor() {
    this.live = null;
    this.ready = false; // welcomed by the server: marks may go
    this.status = "connecting";
    this.signedOut = false;
    this.wrongUser = false;
  }

  get ws() {
    return this.live ? this.live.socket : null;
  }

  setStatus(status) {
    this.status = status;
    scheduleRefresh();
  }

  connect() {
    if (this.live || this.signedOut || this.wrongUser) return;
    this.live = openLiveSocket({
      url: "/ws/judge",
      onFrame,
      onState: (state) => this.onState(state),
      onClose: ({ opened }) => this.closed(opened),
      resetOnOpen: false,
      backoff: { minMs: BACKOFF_MIN_MS, maxMs: BACKOFF_MAX_MS, jitter: 0.2 },
      // Marks waiting for an answer ask for a ping at once: a silent socket is dropped sooner.
      ping: { idleMs: PING_IDLE_MS, timeoutMs: PONG_TIMEOUT_MS, due: () => myOps().some((op) => op.state === "sent" && Date.now() - op.sentAt > 4000) },
    });
  }

  onState(state) {
    // "online" is the welcome's to say; until then an open socket is still connecting.
    if (state === "connecting" || state === "reconnecting" || state === "offline") this.setStatus(state);
  }

  closed(opened) {
    this.ready = false;
    requeueSent();
    if (!opened) this.probe(); // refused before opening: signed out, or simply no network?
  }

  // Give up on the socket now (network gone, or it stopped answering) rather than wait for TCP.
  drop() {
    if (this.live) this.live.drop();
  }

  // The network is back (or the page became visible): try at once, backoff reset.
  now() {
    if (this.live) this.live.now();
  }

  stop() {
    if (this.live) this.live.close();
  }

  async probe() {
    try {
      const res = await fetch("/api/me", { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } });
      if (res.status === 401) {
        this.signedOut = true;
        this.stop();
        this.setStatus("login");
      }
    } catch { /* no network: keep retrying */ }
  }

  welcome(frame) {
    const sameUser = frame.user_id !== undefined ? Number(frame.user_id) === model.userId : !frame.user || frame.user === model.userName;
    if (!sameUser) {
      // Another account signed in on this browser meanwhile: never send this judge's marks as theirs.
      this.wrongUser = true;
      model.notices.wrongUser = T.wrong_user;
      this.stop();
      this.setStatus("login");
      return;
    }
    this.ready = true;
    this.live.resetBackoff();
    this.setStatus("online");
    flush();
    loadAssignments({ quiet: true });
  }

  send(frame) {
    if (!this.ready || !this.live) return false;
    return this.live.send(frame);
  }

  // Alive, yet no answer for a while (e.g. dropped by the server's rate limit): send again.
  tick() {
    if (!this.live || !this.live.isOpen) return;
    const now = Date.now();
    let resend = false;
    for (const op of myOps()) {
      if (op.state === "sent" && now - op.sentAt > RESEND_AFTER_MS) { op.state = "queued"; resend = true; }
    }
    if (resend) flush();
  }
}

const link = new Link();

function requeueSent() {
  for (const op of model.ops.values()) if (op.state === "sent") op.state = "queued";
  scheduleRefresh();
}

// ---------------------------------------------------------------------------------------------
// Sending

let flushing = false;
let flushAgain = false;
let flushTimer = null;
let pauseUntil = 0;
const bucket = { tokens: SEND_RATE, at: Date.now() };

function takeToken() {
  const now = Date.now();
  bucket.tokens = Math.min(SEND_RATE, bucket.tokens + ((now - bucket.at) / 1000) * SEND_RATE);
  bucket.at = now;
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

function flushLater(ms) {
  if (flushTimer) return;
  flushTimer = setTimeout(() => { flushTimer = null; flush(); }, Math.max(ms, 20));
}

async function flush() {
  if (flushing) { flushAgain = true; return; }
  flushing = true;
  try {
    do {
      flushAgain = false;
      if (!link.ready) break;
      if (Date.now() < pauseUntil) { flushLater(pauseUntil - Date.now()); break; }
      const ops = myOps();
      const busy = new Set(); // aspects with an earlier op still unanswered
      let inFlight = ops.filter((op) => op.state === "sent").length;
      for (const op of ops) {
        if (!isPending(op)) continue;
        const key = opKey(op);
        if (op.state === "sent" || busy.has(key)) { busy.add(key); continue; }
        busy.add(key);
        if (inFlight >= WINDOW) break;
        if (!takeToken()) { flushLater(1000 / SEND_RATE); break; }
        op.state = "sent";
        op.sent = (op.sent || 0) + 1;
        op.sentAt = Date.now();
        await save(op); // stored as having left before it leaves: it is never edited in place after
        if (op.state !== "sent") break; // the socket closed meanwhile
        if (!link.send(op.frame)) { op.state = "queued"; break; }
        inFlight += 1;
        scheduleRefresh();
      }
    } while (flushAgain);
  } finally {
    flushing = false;
  }
  scheduleRefresh();
}

// ---------------------------------------------------------------------------------------------
// Frames from the server

function onFrame(frame) {
  switch (frame.type) {
    case "welcome": link.welcome(frame); break;
    case "ack": onAck(frame); break;
    case "error": onError(frame); break;
    case "flag": onFlag(frame); break;
    default: break; // pong and anything newer
  }
}

function onAck(frame) {
  const op = model.ops.get(frame.op_id);
  if (!op || op.state === "saved") return;
  Object.assign(op, { state: "saved", seq: frame.seq, duplicate: !!frame.duplicate, saved_value: frame.value, kind: frame.kind, acked_at: Date.now() });
  delete op.code;
  delete op.message;
  if (!frame.duplicate && frame.aspect_status) {
    // The aspect's status after this mark: flagged for re-marking or not (a flag frame says so too).
    const key = opKey(op);
    if (frame.aspect_status === NEEDS_REMARK) model.flags.add(key); else model.flags.delete(key);
    saveFlags();
  }
  save(op);
  flush();
  scheduleRefresh();
}

function onError(frame) {
  if (!frame.op_id) {
    if (frame.code === "rate_limited") {
      // The server dropped a frame without saying which: pause, then send what is unanswered again.
      pauseUntil = Date.now() + 1500;
      requeueSent();
      flushLater(1500);
    }
    return;
  }
  const op = model.ops.get(frame.op_id);
  if (!op || op.state === "saved") return;
  if (RETRY_CODES.has(frame.code)) {
    op.state = "queued";
    pauseUntil = Date.now() + 2000;
    flushLater(2000);
    scheduleRefresh();
    return;
  }
  Object.assign(op, { state: "rejected", code: frame.code, message: frame.message || frame.code, acked_at: Date.now() });
  save(op);
  if (frame.code === "reason_required" && opKey(op).startsWith(`${model.skillId}|${model.contestant}|`)) toast(frame.message);
  flush();
  scheduleRefresh();
}

function onFlag(frame) {
  const judges = (frame.judges || []).map(Number);
  if (!judges.includes(model.userId)) return;
  const key = keyOf(frame.skill_id, frame.contestant, frame.aspect);
  const who = contestantLabel(frame.skill_id, frame.contestant);
  if (frame.status === NEEDS_REMARK) {
    if (!model.flags.has(key)) toast(fill(T.flag_toast, { contestant: who, aspect: frame.aspect }));
    model.flags.add(key);
  } else if (model.flags.delete(key)) {
    toast(fill(T.flag_cleared, { contestant: who, aspect: frame.aspect }));
  }
  saveFlags();
  scheduleRefresh();
}

// ---------------------------------------------------------------------------------------------
// Scoring

async function enqueue(sk, ref, aspect, entry, reason) {
  const op = {
    op_id: newOpId(),
    n: ++model.lastN,
    user_id: model.userId,
    frame: { type: "mark", op_id: "", skill_id: sk.skill_id, contestant: ref, aspect: aspect.id, ...entry },
    state: "queued",
    sent: 0,
    at: Date.now(),
  };
  op.frame.op_id = op.op_id;
  if (reason) op.frame.reason = reason;
  model.ops.set(op.op_id, op);
  await save(op); // on the tablet before it goes anywhere
  scheduleRefresh();
  flush();
}

function sameEntry(op, entry) {
  if (entry.measured !== undefined) return op.frame.measured !== undefined && Number(op.frame.measured) === Number(entry.measured);
  const v = valueOf(op);
  return v !== undefined && v !== null && Number(v) === Number(entry.value);
}

function choose(aspect, entry) {
  const sk = skill();
  const ref = model.contestant;
  if (!sk || !ref) return;
  const key = keyOf(sk.skill_id, ref, aspect.id);
  const live = opsFor(key).filter((op) => op.state !== "rejected");
  const last = live[live.length - 1];
  const flagged = model.flags.has(key);
  if (last && last.state === "queued" && !last.sent) {
    // It never left the tablet: change it in place (no correction, no reason).
    delete last.frame.value;
    delete last.frame.measured;
    Object.assign(last.frame, entry);
    last.at = Date.now();
    save(last).then(() => { scheduleRefresh(); flush(); });
    return;
  }
  if (last && sameEntry(last, entry) && (!flagged || isPending(last))) return;
  const entered = live.length > 0 || model.known.has(key);
  if (entered && !flagged) {
    const old = last ? describe(last) : describeValue(sk.skill_id, aspect.id, model.known.get(key).value);
    const next = entry.measured !== undefined ? fill(T.measured_value, { v: entry.measured }) : describeValue(sk.skill_id, aspect.id, entry.value);
    askReason({ aspect: aspect.id, contestant: contestantLabel(sk.skill_id, ref), old, new: next }, (reason) => enqueue(sk, ref, aspect, entry, reason));
    return;
  }
  enqueue(sk, ref, aspect, entry, "");
}

let reasonThen = null;

function askReason(params, then) {
  const dialog = $("reason-dialog");
  const form = $("reason-form");
  $("reason-help").textContent = fill(T.reason_help, params);
  form.reason.value = "";
  form.querySelector("[data-form-error]").textContent = "";
  reasonThen = then;
  if (dialog.showModal) dialog.showModal(); else dialog.setAttribute("open", "");
  form.reason.focus();
}

$("reason-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const form = ev.target;
  const dialog = $("reason-dialog");
  if (ev.submitter && ev.submitter.value === "confirm") {
    const reason = form.reason.value.trim();
    if (!reason) {
      form.querySelector("[data-form-error]").textContent = T.reason_missing;
      form.reason.focus();
      return;
    }
    const then = reasonThen;
    reasonThen = null;
    dialog.close ? dialog.close() : dialog.removeAttribute("open");
    if (then) then(reason);
    return;
  }
  reasonThen = null;
  dialog.close ? dialog.close() : dialog.removeAttribute("open");
});

// ---------------------------------------------------------------------------------------------
// Rendering

function contestantLabel(skillId, ref) {
  const sk = model.skills.find((s) => s.skill_id === Number(skillId));
  const c = sk && sk.contestants.find((x) => x.ref === ref);
  return c && c.workstation_no ? `${T.workstation} ${c.workstation_no} · ${ref}` : ref;
}

function aspectView(sk, ref, aspect) {
  const key = keyOf(sk.skill_id, ref, aspect.id);
  const ops = opsFor(key);
  const live = ops.filter((op) => op.state !== "rejected");
  const last = ops[ops.length - 1] || null;
  const current = live[live.length - 1] || null;
  const known = model.known.get(key);
  let value = current ? valueOf(current) : known ? known.value : null;
  let state = current ? current.state : known ? "saved" : "none";
  if (last && last.state === "rejected") state = "rejected";
  return { key, ops, last, current, known, value, state, flagged: model.flags.has(key) };
}

function choicesFor(aspect) {
  const max = aspect.max_mark;
  if (aspect.kind === "J") {
    const d = aspect.descriptors && aspect.descriptors.length === 4 ? aspect.descriptors : [T.desc_0, T.desc_1, T.desc_2, T.desc_3];
    return { cls: "choices", items: [0, 1, 2, 3].map((i) => ({ value: String(i), v: String(i), d: d[i] })) };
  }
  if (aspect.kind === "M" && aspect.mode === "full_or_zero") {
    return { cls: "choices two", items: [{ value: max, v: fill(T.points, { v: max }), d: T.full }, { value: "0", v: fill(T.points, { v: 0 }), d: T.zero }] };
  }
  if (aspect.kind === "M" && aspect.mode === "banded" && aspect.bands && aspect.bands.length) {
    const bands = [...aspect.bands].sort((a, b) => Number(a.tolerance) - Number(b.tolerance));
    const items = bands.map((b) => ({ value: b.mark, v: fill(T.points, { v: b.mark }), d: fill(T.band, { tol: b.tolerance }) }));
    items.push({ value: "0", v: fill(T.points, { v: 0 }), d: T.band_out });
    return { cls: "choices", items };
  }
  return null; // subjective, deduction: a number
}

function aspectCard(sk, ref, aspect) {
  const choices = choicesFor(aspect);
  const kind = T[`kind_${aspect.kind}`] || aspect.kind;
  let body = "";
  if (choices) {
    body += `<div class="${choices.cls}">${choices.items.map((c) => `<button type="button" class="choice" data-value="${esc(c.value)}" aria-pressed="false"><span class="v">${esc(c.v)}</span><span class="d">${esc(c.d)}</span></button>`).join("")}</div>`;
  }
  if (aspect.kind === "M" && aspect.mode === "banded") {
    body += `<div class="entry"><label>${esc(T.measured)}<input type="number" step="any" inputmode="decimal" data-measured></label>`
      + `<button type="button" class="primary" data-measure>${esc(T.measured_submit)}</button><p class="form-error" data-entry-error></p></div>`;
  } else if (!choices) {
    body += `<div class="entry"><label>${esc(fill(T.enter_value, { max: aspect.max_mark }))}<input type="number" min="0" max="${esc(aspect.max_mark)}" step="any" inputmode="decimal" data-number></label>`
      + `<button type="button" class="primary" data-submit>${esc(T.submit_value)}</button><p class="form-error" data-entry-error></p></div>`;
  }
  const meta = [kind, fill(T.max_mark, { max: aspect.max_mark }), `${aspect.criterion} ${aspect.criterion_name || ""}`, aspect.sub_criterion].filter(Boolean).join(" · ");
  return `<article class="aspect" data-aspect="${esc(aspect.id)}" data-kind="${esc(aspect.kind)}" data-state="none">
    <div class="aspect-head"><h3><span class="aid">${esc(aspect.id)}</span>${esc(aspect.description)}</h3></div>
    <p class="aspect-meta">${esc(meta)}${aspect.requirement ? ` · ${esc(aspect.requirement)}` : ""}</p>
    <p class="aspect-flag">${icon("flag")} ${esc(T.flagged)}</p>
    ${body}
    <div class="aspect-state" data-aspect-state></div>
  </article>`;
}

function stateBadge(op) {
  const text = T[`state_${op.state}`] || op.state;
  return `<span class="state state-${esc(op.state)}">${esc(text)}</span>`;
}

function updateCard(card, sk, ref, aspect) {
  const view = aspectView(sk, ref, aspect);
  card.dataset.state = view.state;
  card.classList.toggle("flagged", view.flagged);
  const pending = view.current && isPending(view.current);
  for (const btn of card.querySelectorAll(".choice")) {
    const on = view.value !== null && view.value !== undefined && Number(btn.dataset.value) === Number(view.value);
    btn.setAttribute("aria-pressed", on ? "true" : "false");
    btn.classList.toggle("pending", on && !!pending);
  }
  const input = card.querySelector("[data-number]");
  if (input && document.activeElement !== input && !input.dataset.touched && view.value !== null && view.value !== undefined) input.value = view.value;
  const parts = [];
  if (view.current) {
    const c = view.current;
    parts.push(stateBadge(c));
    parts.push(`<span class="val">${esc(describe(c))}</span>`);
    // The time it was saved, never the server's sequence number (it means nothing to a judge).
    if (c.state === "saved") parts.push(`<span class="seq">${esc(fill(T.saved_at, { time: timeFmt.format(new Date(c.acked_at || c.at || Date.now())) }))}${c.duplicate ? esc(T.duplicate) : ""}</span>`);
  } else if (view.known) {
    parts.push(`<span class="state state-saved">${esc(T.state_saved)}</span><span class="val">${esc(describeValue(sk.skill_id, aspect.id, view.known.value))}</span>`);
  } else {
    parts.push(`<span class="state">${esc(T.state_none)}</span>`);
  }
  if (view.last && view.last.state === "rejected") {
    const r = view.last;
    parts.push(`${stateBadge(r)}<span class="val">${esc(describe(r))}</span><span class="msg" data-code="${esc(r.code)}">${esc(r.message)}</span>`);
    if (r.code === "reason_required") parts.push(`<button type="button" data-resend="${esc(r.op_id)}">${esc(T.reason_resend)}</button>`);
  }
  card.querySelector("[data-aspect-state]").innerHTML = parts.join(" ");
}

function renderAspects() {
  const box = $("aspects");
  const sk = skill();
  if (!sk) { box.innerHTML = ""; return; }
  if (!sk.aspects.length) { box.innerHTML = `<p class="card muted">${esc(T.no_aspects)}</p>`; return; }
  const ref = model.contestant;
  if (!ref) { box.innerHTML = `<p class="card muted">${esc(T.pick_contestant)}</p>`; return; }
  const c = sk.contestants.find((x) => x.ref === ref);
  const head = c && c.workstation_no
    ? `<div class="aspects-head" data-current="${esc(ref)}"><h2>${esc(T.workstation_long)} ${esc(c.workstation_no)}</h2><span class="muted">${esc(T.encrypted)} <span class="ref">${esc(ref)}</span></span></div>`
    : `<div class="aspects-head" data-current="${esc(ref)}"><h2><span class="muted">${esc(T.encrypted)}</span> <span class="ref">${esc(ref)}</span></h2></div>`;
  box.innerHTML = head + sk.aspects.map((a) => aspectCard(sk, ref, a)).join("");
  updateAspects();
}

function updateAspects() {
  const sk = skill();
  const ref = model.contestant;
  if (!sk || !ref) return;
  for (const card of $("aspects").querySelectorAll(".aspect")) {
    const aspect = sk.aspects.find((a) => a.id === card.dataset.aspect);
    if (aspect) updateCard(card, sk, ref, aspect);
  }
}

function renderContestants() {
  const box = $("contestants");
  const sk = skill();
  if (!sk) { box.innerHTML = model.skills.length ? "" : `<p class="muted">${esc(T.no_skills)}</p>`; return; }
  if (!sk.contestants.length) { box.innerHTML = `<p class="muted">${esc(T.no_contestants)}</p>`; return; }
  const total = sk.aspects.length;
  box.innerHTML = sk.contestants.map((c) => {
    let done = 0;
    let pending = 0;
    let flagged = false;
    for (const a of sk.aspects) {
      const v = aspectView(sk, c.ref, a);
      if (v.state === "saved" || (v.current && v.current.state === "saved") || (!v.current && v.known)) done += 1;
      pending += v.ops.filter(isPending).length;
      flagged = flagged || v.flagged;
    }
    const cls = ["contestant", done === total && total ? "done" : ""].filter(Boolean).join(" ");
    return `<button type="button" class="${cls}" data-contestant="${esc(c.ref)}" aria-pressed="${c.ref === model.contestant}">`
      + (c.workstation_no
        ? `<span class="ws"><small>${esc(T.workstation)}</small>${esc(c.workstation_no)}</span><span class="ref">${esc(c.ref)}</span>`
        : `<span class="ws ref-only">${esc(c.ref)}</span>`)
      + `<span class="prog">${esc(fill(T.progress, { done, total }))}</span>`
      + (flagged ? `<span class="badge flag">${icon("flag", T.flagged)}</span>` : "")
      + (pending ? `<span class="badge pending" title="${esc(T.queued)}">${pending}</span>` : "")
      + `</button>`;
  }).join("");
}

function renderSkillTabs() {
  const nav = $("skill-tabs");
  nav.hidden = !model.skills.length;
  if (model.skills.length === 1) {
    nav.innerHTML = `<h1 class="skill-name">${esc(model.skills[0].skill)}</h1>`;
    return;
  }
  nav.innerHTML = model.skills.map((s) => `<button type="button" data-skill="${s.skill_id}" aria-pressed="${s.skill_id === model.skillId}">${esc(s.skill)}</button>`).join("");
}

function renderStatus() {
  const bar = $("tablet-status");
  const status = link.status === "online" || link.status === "login" ? link.status : navigator.onLine === false ? "offline" : link.status;
  bar.dataset.conn = status;
  $("conn-pill").textContent = T[`conn_${status}`] || status;
  const n = pendingCount();
  $("tablet-queued").textContent = String(n);
  bar.dataset.queued = String(n);
  const others = [...model.ops.values()].filter((op) => op.user_id !== model.userId && isPending(op)).length;
  model.notices.others = others ? fill(T.other_user, { n: others }) : "";
  model.notices.login = status === "login" && !link.wrongUser ? `${esc(T.login_again)} <a href="/login?next=/tablet">${esc(T.login_link)}</a>` : "";
  const notices = Object.entries(model.notices).filter(([, v]) => v).map(([k, v]) => (k === "login" ? v : esc(v)));
  const box = $("tablet-notice");
  box.hidden = !notices.length;
  box.innerHTML = notices.join("<br>");
}

function renderLog() {
  const body = $("log-body");
  const ops = myOps().reverse().slice(0, 300);
  if (!ops.length) { body.innerHTML = `<p class="muted">${esc(T.log_empty)}</p>`; return; }
  const rows = ops.map((op) => {
    const f = op.frame;
    let info = "";
    if (op.state === "saved") info = T.state_saved + (op.duplicate ? T.duplicate : "");
    if (op.state === "rejected") info = op.message || op.code;
    return `<tr data-op="${esc(op.op_id)}" data-state="${esc(op.state)}"><td>${esc(timeFmt.format(new Date(op.at)))}</td>`
      + `<td>${esc(contestantLabel(f.skill_id, f.contestant))}</td><td>${esc(f.aspect)}</td><td>${esc(describe(op))}</td>`
      + `<td>${esc(f.reason || "")}</td><td>${stateBadge(op)}</td><td class="${op.state === "rejected" ? "msg" : ""}">${esc(info)}</td></tr>`;
  }).join("");
  body.innerHTML = `<div class="table-wrap"><table class="table"><thead><tr><th>${esc(T.log_time)}</th><th>${esc(T.log_contestant)}</th>`
    + `<th>${esc(T.log_aspect)}</th><th>${esc(T.log_value)}</th><th>${esc(T.log_reason)}</th><th>${esc(T.log_state)}</th><th></th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

let refreshQueued = false;

function scheduleRefresh() {
  if (refreshQueued) return;
  refreshQueued = true;
  queueMicrotask(() => {
    refreshQueued = false;
    renderStatus();
    if (model.userId === null) return;
    renderContestants();
    updateAspects();
    renderLog();
  });
}

// ---------------------------------------------------------------------------------------------
// Input

$("skill-tabs").addEventListener("click", (ev) => {
  const btn = ev.target.closest("[data-skill]");
  if (!btn) return;
  model.skillId = Number(btn.dataset.skill);
  model.contestant = null;
  renderSkillTabs();
  renderContestants();
  renderAspects();
});

$("contestants").addEventListener("click", (ev) => {
  const btn = ev.target.closest("[data-contestant]");
  if (!btn) return;
  model.contestant = btn.dataset.contestant;
  renderContestants();
  renderAspects();
  if (!window.matchMedia("(orientation: landscape) and (min-width: 900px)").matches) $("aspects").scrollIntoView({ behavior: "smooth", block: "start" });
});

function readNumber(card, selector, max) {
  const input = card.querySelector(selector);
  const error = card.querySelector("[data-entry-error]");
  const text = input.value.trim();
  const n = Number(text);
  if (text === "" || !Number.isFinite(n) || n < 0 || (max !== null && n > Number(max))) {
    error.textContent = fill(T.bad_number, { max: max ?? "∞" });
    input.focus();
    return null;
  }
  error.textContent = "";
  return text;
}

$("aspects").addEventListener("click", (ev) => {
  const card = ev.target.closest(".aspect");
  const sk = skill();
  if (!card || !sk) return;
  const aspect = sk.aspects.find((a) => a.id === card.dataset.aspect);
  if (!aspect) return;
  const choice = ev.target.closest(".choice");
  if (choice) { choose(aspect, { value: choice.dataset.value }); return; }
  if (ev.target.closest("[data-submit]")) {
    const v = readNumber(card, "[data-number]", aspect.max_mark);
    if (v !== null) { delete card.querySelector("[data-number]").dataset.touched; choose(aspect, { value: v }); }
    return;
  }
  if (ev.target.closest("[data-measure]")) {
    const v = readNumber(card, "[data-measured]", null);
    if (v !== null) choose(aspect, { measured: v });
    return;
  }
  const resend = ev.target.closest("[data-resend]");
  if (resend) {
    const op = model.ops.get(resend.dataset.resend);
    if (!op) return;
    const entry = op.frame.measured !== undefined ? { measured: op.frame.measured } : { value: op.frame.value };
    const live = opsFor(opKey(op)).filter((o) => o.state !== "rejected");
    const prev = live[live.length - 1];
    askReason({ aspect: aspect.id, contestant: contestantLabel(sk.skill_id, model.contestant), old: prev ? describe(prev) : "—", new: describe(op) },
      (reason) => enqueue(sk, model.contestant, aspect, entry, reason));
  }
});

$("aspects").addEventListener("input", (ev) => {
  if (ev.target.matches("[data-number]")) ev.target.dataset.touched = "1";
});

$("aspects").addEventListener("keydown", (ev) => {
  if (ev.key !== "Enter") return;
  const card = ev.target.closest(".aspect");
  if (!card) return;
  const btn = ev.target.matches("[data-number]") ? card.querySelector("[data-submit]") : ev.target.matches("[data-measured]") ? card.querySelector("[data-measure]") : null;
  if (btn) { ev.preventDefault(); btn.click(); }
});

// Logging out with marks still queued: say they stay here; forget the cached assignments.
window.addEventListener("click", (ev) => {
  if (!ev.target.closest || !ev.target.closest("[data-logout]")) return;
  const n = pendingCount();
  if (n && !confirm(fill(T.logout_pending, { n }))) {
    ev.preventDefault();
    ev.stopImmediatePropagation();
    return;
  }
  swMessage({ type: "purge" });
}, true);

// The browser's online / offline / visibility events are handled by the live socket (live_socket.js).
window.addEventListener("offline", () => link.setStatus("offline"));

// ---------------------------------------------------------------------------------------------
// Assignments, service worker, start

let assignmentsJson = "";

async function loadAssignments({ quiet = false } = {}) {
  let res;
  try {
    res = await fetch("/api/judge/assignments", { credentials: "same-origin", headers: { Accept: "application/json" } });
  } catch (err) {
    if (!quiet) failLoading();
    return false;
  }
  if (res.status === 401) {
    if (!quiet) location.assign("/login?next=/tablet");
    return false;
  }
  if (!res.ok) {
    if (!quiet) failLoading();
    return false;
  }
  const data = await res.json();
  model.fromCache = res.headers.get("X-Tablet-Cache") === "hit";
  const text = JSON.stringify(data);
  if (text === assignmentsJson) return true;
  assignmentsJson = text;
  apply(data);
  return true;
}

function apply(data) {
  model.userId = Number(data.user.id);
  model.userName = data.user.name;
  model.skills = data.skills || [];
  // Optional (newer servers): the judge's marks already stored, and their re-marking flags.
  model.known = new Map();
  for (const s of model.skills) {
    for (const m of s.marks || []) model.known.set(keyOf(s.skill_id, m.contestant, m.aspect), { value: m.value, seq: m.seq });
    if (Array.isArray(s.flags) && !model.fromCache) {
      model.serverFlags = true;
      for (const key of [...model.flags]) if (key.startsWith(`${s.skill_id}|`)) model.flags.delete(key);
      for (const f of s.flags) model.flags.add(keyOf(s.skill_id, f.contestant, f.aspect));
    }
  }
  if (!model.skills.some((s) => s.skill_id === model.skillId)) model.skillId = model.skills.length ? model.skills[0].skill_id : null;
  const sk = skill();
  if (sk && model.contestant && !sk.contestants.some((c) => c.ref === model.contestant)) model.contestant = null;
  renderSkillTabs();
  renderContestants();
  renderAspects();
  scheduleRefresh();
}

function failLoading() {
  $("contestants").innerHTML = `<p class="form-error">${esc(T.load_failed)}</p><p><button type="button" id="retry-load" class="big-touch">${esc(T.retry)}</button></p>`;
  $("retry-load").addEventListener("click", () => start());
}

function swMessage(message, timeoutMs = 3000) {
  const sw = navigator.serviceWorker && navigator.serviceWorker.controller;
  if (!sw) return Promise.resolve(null);
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(null), timeoutMs);
    channel.port1.onmessage = (ev) => { clearTimeout(timer); resolve(ev.data); };
    sw.postMessage(message, [channel.port2]);
  });
}

async function checkOfflineReady(tries = 0) {
  const status = await swMessage({ type: "status" });
  const ready = !!(status && status.assets && status.page && status.api);
  $("offline-ready").hidden = !ready;
  $("tablet").dataset.offlineReady = ready ? "1" : "0";
  if (!ready && tries < 20) setTimeout(() => checkOfflineReady(tries + 1), 1500);
}

async function setupServiceWorker() {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) {
    model.notices.noWorker = T.offline_unavailable;
    scheduleRefresh();
    return;
  }
  try {
    await navigator.serviceWorker.register("/sw.js", { scope: "/tablet" });
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => {
        navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true });
        setTimeout(resolve, 5000);
      });
    }
    checkOfflineReady();
  } catch (err) {
    console.warn("service worker not registered", err);
  }
}

let started = false;

async function start() {
  if (!model.store) {
    model.store = await openStore();
    if (!model.store.persistent) model.notices.storage = T.no_storage;
    for (const op of await model.store.allOps().catch(() => [])) {
      if (op.state === "sent") op.state = "queued"; // its answer was lost with the page: send again
      model.ops.set(op.op_id, op);
      model.lastN = Math.max(model.lastN, op.n || 0);
    }
  }
  if (!(await loadAssignments())) {
    if (!started) window.addEventListener("online", () => { if (model.userId === null) start(); }, { once: true });
    return;
  }
  if (started) return;
  started = true;
  if (!model.serverFlags) {
    const flags = await model.store.getMeta(`flags:${model.userId}`).catch(() => null);
    for (const key of flags || []) model.flags.add(key);
  }
  scheduleRefresh();
  link.connect();
  setInterval(() => link.tick(), 2000);
  setupServiceWorker();
}

start();
