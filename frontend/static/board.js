// Public live board: renders the server's ranking snapshots and keeps them live.
// - One websocket (/ws/board/{skill} or /ws/board/event/{event}); a snapshot replaces the skill's
//   ranking unless its `seq` is lower than the last one seen for that skill.
// - On disconnect: reconnect with ?since=<last seq> (static/live_socket.js: exponential backoff with
//   jitter, at once when the network comes back); after a few failures poll the JSON feed until a
//   websocket opens again. Without the network the status says "offline".
// - `frozen` frames (and snapshots with frozen: true) show the banner; an unfrozen snapshot hides it.
// - Big-screen layout (16:9): the top three places stay in view, the rest of a long group scrolls
//   beneath them, a page of whole rows at a time; phone layout: one column.
// - No score, no rank: such a row shows "—" in both.
// What a row shows (one anonymous number before decryption, name and delegation after) is what the
// server sent.

import { icon } from "/static/icons.js";
import { openLiveSocket } from "/static/live_socket.js";

const root = document.querySelector("[data-board]");
const cfg = JSON.parse(document.getElementById("board-config").textContent);
const S = cfg.strings;
const RANK_CLASSES = { 1: "top top1", 2: "top top2", 3: "top top3" };
const POLL_MS = 5000;
const FAILURES_BEFORE_POLLING = 3;
const MAX_BACKOFF_MS = 30000;

const snapshots = new Map(); // skill id → last snapshot applied
const seqs = new Map(); // skill id → highest seq seen
const frozen = new Map(); // skill id → frozen?
const lastScores = new Map(); // "skill:ref" → score last rendered (to flash changes)
let live = null; // the live socket (static/live_socket.js)
let pollTimer = null;

export const state = {
  snapshots, seqs, frozen, get ws() { return live && live.socket; }, get failures() { return live ? live.retries : 0; },
  apply(snap) { const ok = applySnapshot(snap); if (ok) render(); return ok; },
  scroll() { autoScroll(); },
};
window.__board = state;

function esc(v) {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function groupLabel(g) {
  return S["group_" + g.kind] || `${S.group_other} ${g.group_id}`;
}

// ---- layout ---------------------------------------------------------------------------------

const screenQuery = window.matchMedia("(min-width: 1280px) and (min-aspect-ratio: 4/3)");

function applyLayout() {
  const forced = cfg.layout;
  const layout = forced || (screenQuery.matches ? "screen" : "phone");
  root.classList.toggle("layout-screen", layout === "screen");
  root.classList.toggle("layout-phone", layout === "phone");
  root.dataset.layout = layout;
  for (const a of document.querySelectorAll("[data-layout-link]")) a.classList.toggle("current", a.dataset.layoutLink === layout);
  layoutGrid();
}

function layoutGrid() {
  const panels = root.querySelectorAll(".board-panel").length;
  const cols = panels <= 1 ? 1 : panels <= 4 ? 2 : panels <= 6 ? 3 : 4;
  root.style.setProperty("--cols", String(cols));
  root.style.setProperty("--rows", String(Math.max(1, Math.ceil(panels / cols))));
}

screenQuery.addEventListener("change", applyLayout);

// ---- clock (China time) -----------------------------------------------------------------------

const timeFmt = new Intl.DateTimeFormat(cfg.lang === "en" ? "en-GB" : "zh-CN", {
  timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
});
const dateFmt = new Intl.DateTimeFormat(cfg.lang === "en" ? "en-GB" : "zh-CN", {
  timeZone: "Asia/Shanghai", year: "numeric", month: "long", day: "numeric", weekday: "short",
});

function tick() {
  const now = new Date();
  const clock = root.querySelector("[data-clock]");
  const date = root.querySelector("[data-date]");
  if (clock) clock.textContent = timeFmt.format(now);
  if (date) date.textContent = dateFmt.format(now);
}

export function chinaTime(iso) {
  if (!iso) return "";
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : iso + "Z");
  return timeFmt.format(d);
}

// ---- rendering --------------------------------------------------------------------------------

function who(row, decrypted) {
  if (decrypted && row.name) {
    return `<span class="who-name">${esc(row.name)}</span><span class="who-sub">${esc(row.delegation || "")}</span>`;
  }
  // Before decryption a row carries one anonymous number, or none (the rule: scoring/board.py).
  return `<span class="who-ref">${esc(row.ref ?? "—")}</span>`;
}

const NONE = "—";
const PINNED = 3; // places kept in view while the rest of a long group scrolls

function rowScore(row) {
  const unscored = !row.complete && /^0\//.test(row.progress || "");
  return unscored ? null : row.score ?? row.total ?? null;
}

// A contestant with no score has no rank, whatever the feed says.
function rankOf(row) {
  return row.status === "competed" && rowScore(row) != null ? row.rank ?? null : null;
}

function rankCell(row) {
  if (row.status === "absent") return `<span class="status">${esc(S.absent)}</span>`;
  if (row.status === "disqualified") return `<span class="status">${esc(S.disqualified)}</span>`;
  const rank = rankOf(row);
  return rank == null ? `<span class="no-rank">${NONE}</span>` : `<span class="rank-badge">${esc(rank)}</span>`;
}

export function isPinned(row) {
  const rank = rankOf(row);
  return rank != null && rank <= PINNED;
}

function rowHtml(skillId, row, decrypted) {
  const score = rowScore(row);
  const unscored = score == null;
  const key = row.ref == null ? null : `${skillId}:${row.ref}`;
  const changed = key != null && lastScores.has(key) && lastScores.get(key) !== score;
  if (key != null) lastScores.set(key, score);
  const cls = [unscored ? "" : RANK_CLASSES[rankOf(row)] || "", changed ? "changed" : "", row.status !== "competed" ? "out" : ""].join(" ");
  const progress = row.complete ? `<span class="done">${icon("check")} ${esc(S.complete)}</span>` : esc(row.progress || "");
  return `<tr class="${cls}" data-ref="${esc(row.ref ?? "")}">
    <td class="c-rank">${rankCell(row)}</td>
    <td class="c-who">${who(row, decrypted)}</td>
    <td class="c-score" data-score>${score == null ? NONE : esc(score)}</td>
    <td class="c-progress">${progress}</td></tr>`;
}

function panelEl(id, title) {
  let el = root.querySelector(`.board-panel[data-panel="${id}"]`);
  if (!el) {
    el = document.createElement("section");
    el.className = "board-panel";
    el.dataset.panel = id;
    // Two tables with the same columns: the top places (pinned, never scrolled away) and the rest
    // (on the big screen the only part that scrolls).
    const cols = `<colgroup><col class="col-rank"><col class="col-who"><col class="col-score"><col class="col-progress"></colgroup>`;
    el.innerHTML = `<h2 class="panel-title"></h2>
      <div class="panel-body"><table class="board-table board-pinned">${cols}
        <thead><tr><th class="c-rank">${esc(S.rank)}</th><th class="c-who"></th><th class="c-score">${esc(S.score)}</th><th class="c-progress">${esc(S.progress)}</th></tr></thead>
        <tbody data-pinned></tbody></table>
        <div class="panel-scroll" data-scroll><table class="board-table board-rest">${cols}<tbody data-rest></tbody></table><div data-scroll-pad></div></div>
        <p class="panel-empty" hidden></p></div>`;
    root.querySelector("[data-panels]").appendChild(el);
  }
  el.querySelector(".panel-title").textContent = title;
  return el;
}

function render() {
  const wanted = new Set();
  for (const skill of cfg.skills) {
    const snap = snapshots.get(skill.id);
    if (!snap) continue;
    const name = snap.skill || skill.name;
    const groups = snap.groups && snap.groups.length ? snap.groups : [null];
    for (const g of groups) {
      const id = g ? `${skill.id}-${g.group_id}` : `${skill.id}-none`;
      wanted.add(id);
      const title = g ? `${name} · ${groupLabel(g)}` : name;
      const el = panelEl(id, title);
      el.classList.toggle("frozen", !!frozen.get(skill.id));
      el.dataset.skill = skill.id;
      el.querySelector("th.c-who").textContent = snap.decrypted ? `${S.name} / ${S.delegation}` : S.number;
      const empty = el.querySelector(".panel-empty");
      const pinnedBody = el.querySelector("[data-pinned]");
      const restBody = el.querySelector("[data-rest]");
      if (!g) {
        pinnedBody.innerHTML = restBody.innerHTML = "";
        empty.hidden = false;
        empty.textContent = snap.has_scheme === false ? S.no_scheme : S.no_rows;
        continue;
      }
      empty.hidden = g.rows.length > 0;
      empty.textContent = S.no_rows;
      const pinned = g.rows.filter(isPinned);
      const rest = g.rows.filter((r) => !isPinned(r));
      pinnedBody.innerHTML = pinned.map((r) => rowHtml(skill.id, r, snap.decrypted)).join("");
      restBody.innerHTML = rest.map((r) => rowHtml(skill.id, r, snap.decrypted)).join("");
    }
  }
  for (const el of root.querySelectorAll(".board-panel")) if (!wanted.has(el.dataset.panel)) el.remove();
  // Keep panels in skill order, then group order.
  const order = [...wanted];
  const box = root.querySelector("[data-panels]");
  for (const id of order) {
    const el = box.querySelector(`.board-panel[data-panel="${id}"]`);
    if (el) box.appendChild(el);
  }
  layoutGrid();
  renderFrozen();
  const top = Math.max(0, ...[...seqs.values()]);
  root.dataset.seq = String(top);
}

function renderFrozen() {
  const names = cfg.skills.filter((s) => frozen.get(s.id)).map((s) => (snapshots.get(s.id) || {}).skill || s.name);
  const banner = root.querySelector("[data-frozen-banner]");
  banner.hidden = names.length === 0;
  root.classList.toggle("is-frozen", names.length > 0);
  const list = banner.querySelector("[data-frozen-skills]");
  list.textContent = cfg.skills.length > 1 && names.length ? `(${names.join("、")})` : "";
}

// ---- frames -----------------------------------------------------------------------------------

export function applySnapshot(snap) {
  if (!snap || snap.type !== "snapshot") return false;
  const id = snap.skill_id;
  if (!cfg.skills.some((s) => s.id === id)) return false;
  const last = seqs.get(id);
  if (last != null && snap.seq < last) return false; // older than what we show: ignore
  seqs.set(id, snap.seq);
  snapshots.set(id, snap);
  frozen.set(id, !!snap.frozen);
  return true;
}

function handle(frame) {
  if (frame.type === "snapshot") {
    if (applySnapshot(frame)) render();
  } else if (frame.type === "frozen") {
    frozen.set(frame.skill_id, true);
    render();
  } else if (frame.type === "resume") {
    // Nothing missed: keep what we show, take the frozen state.
    frozen.set(frame.skill_id, !!frame.frozen);
    if (frame.seq != null && (seqs.get(frame.skill_id) ?? -1) < frame.seq) seqs.set(frame.skill_id, frame.seq);
    render();
  }
}

// ---- connection -------------------------------------------------------------------------------
// The socket's life cycle (backoff, resume with ?since=, keepalive, offline) is static/live_socket.js.

function setState(name) {
  root.dataset.state = name;
  const el = root.querySelector("[data-status]");
  if (el) {
    el.textContent = S["state_" + name] || name;
    el.className = "board-status state-" + name;
  }
}

// A skill's board resumes from the last seq it showed; an event's board takes a fresh snapshot of each skill.
function resumeFrom() {
  return cfg.mode === "skill" ? seqs.get(cfg.skills[0].id) : null;
}

function onSocketState(name, info) {
  if (name === "open") {
    stopPolling();
    setState("live");
  } else if (name === "unsupported") {
    startPolling();
    setState("polling");
  } else if (name !== "stopped") {
    if (info.retries >= FAILURES_BEFORE_POLLING) startPolling();
    setState(name === "offline" ? "offline" : pollTimer ? "polling" : name);
  }
}

function connect() {
  live = openLiveSocket({
    url: cfg.ws, resumeFrom, onFrame: handle, onState: onSocketState,
    backoff: { minMs: 2000, maxMs: MAX_BACKOFF_MS, jitter: 0.25 }, ping: { idleMs: 25000, timeoutMs: 10000 },
  });
}

async function poll() {
  try {
    const res = await fetch(cfg.feed, { headers: { Accept: "application/json" }, cache: "no-cache" }); // revalidates by ETag: an unchanged board is a 304 without a body
    if (!res.ok) return;
    const data = await res.json();
    const snaps = cfg.mode === "event" ? (data.skills || []) : [data];
    let changed = false;
    for (const s of snaps) changed = applySnapshot(s) || changed;
    if (changed) render();
    else renderFrozen();
  } catch { /* keep polling */ }
}

function startPolling() {
  if (pollTimer) return;
  poll();
  pollTimer = setInterval(poll, POLL_MS);
}

function stopPolling() {
  clearInterval(pollTimer);
  pollTimer = null;
}

// ---- auto-scroll on the big screen -------------------------------------------------------------

// Only the rows below the pinned top places scroll, a page of whole rows at a time: a page starts
// at the first row the last one did not show in full. The last page too (blank space below the
// last row, rather than a first row cut in half), and it ends at the last row, whole.
const DWELL_MS = 6000;
export function autoScroll() {
  if (root.dataset.layout !== "screen") return;
  for (const box of root.querySelectorAll("[data-scroll]")) {
    const table = box.querySelector("table");
    const pad = box.querySelector("[data-scroll-pad]");
    if (table.offsetHeight <= box.clientHeight + 1) { pad.style.height = "0px"; box.scrollTop = 0; continue; }
    const bottom = box.scrollTop + box.clientHeight;
    const cut = [...table.querySelectorAll("tr")].find((tr) => tr.offsetTop + tr.offsetHeight > bottom + 1);
    if (!cut) {  // the last row was in view: start again
      box.scrollTo({ top: 0, behavior: "smooth" });
      continue;
    }
    const next = Math.max(cut.offsetTop, box.scrollTop + 1);
    pad.style.height = `${Math.max(0, next + box.clientHeight - table.offsetHeight)}px`;
    box.scrollTo({ top: next, behavior: "smooth" });
  }
}

// ---- start ------------------------------------------------------------------------------------

for (const snap of cfg.snapshots || []) applySnapshot(snap);
applyLayout();
render();
tick();
setInterval(tick, 1000);
setInterval(autoScroll, DWELL_MS);
connect();
