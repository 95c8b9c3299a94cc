// The chief judge's console: live ranking over /ws/staff/{skill} (never frozen), re-marking flags
// (from `flag` frames and the snapshots' flag list), progress per aspect and the judge analysis
// (from the console endpoint, refreshed as marks arrive), criterion locks, freezing the public
// board (organisers), corrections and a contestant's marks history.

import { api, toast } from "/static/app.js";
import { icon } from "/static/icons.js";
import { openLiveSocket } from "/static/live_socket.js";

const cfg = JSON.parse(document.getElementById("console-config").textContent);
const S = cfg.strings;
const REFRESH_MS = 2000;
const MAX_BACKOFF_MS = 30000;

const aspects = new Map(); // aspect id → {id, description, kind, judges, criterion}
for (const c of cfg.criteria) for (const a of c.aspects) aspects.set(a.id, { ...a, criterion: c.id });
const seatNames = new Map(cfg.seats.map((s) => [String(s.user_id), s.name]));

let snapshot = null;
let lastSeq = -1;
const flags = new Map(); // "ref|aspect" → {contestant, aspect, scores?}
let live = null; // the live socket (static/live_socket.js)
let refreshTimer = null;
let refreshing = false;
let lastRefresh = 0;

window.__console = { flags, get snapshot() { return snapshot; }, get ws() { return live && live.socket; } };

function esc(v) {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

const timeFmt = new Intl.DateTimeFormat(cfg.lang === "en" ? "en-GB" : "zh-CN", {
  timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
});

function chinaTime(iso) {
  if (!iso) return "";
  return timeFmt.format(new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : iso + "Z"));
}

function setState(name) {
  const el = document.querySelector("[data-status]");
  if (!el) return;
  el.textContent = S["state_" + name] || name;
  el.className = "board-status state-" + name;
  el.dataset.state = name;
}

// ---- ranking --------------------------------------------------------------------------------

function groupLabel(g) {
  return S["group_" + g.kind] || `${S.group_other} ${g.group_id}`;
}

// Nothing marked yet: the server's provisional total is 0; show a dash rather than a score.
function unscored(r) {
  return !r.complete && /^0\//.test(r.progress || "");
}

function renderRanking() {
  const box = document.getElementById("ranking");
  if (!snapshot) return;
  if (!snapshot.groups || !snapshot.groups.length) {
    box.innerHTML = `<p class="muted">${esc(snapshot.has_scheme === false ? S.no_scheme : S.no_rows)}</p>`;
    return;
  }
  box.innerHTML = snapshot.groups.map((g) => `
    <div class="board-panel" data-group="${esc(g.group_id)}"><h3 class="panel-title">${esc(groupLabel(g))}</h3>
    <table class="board-table"><thead><tr><th class="c-rank">${esc(S.rank)}</th><th>${esc(snapshot.decrypted ? S.name : S.number)}</th>
      <th class="c-score">${esc(S.score)}</th><th class="c-progress">${esc(S.progress)}</th></tr></thead><tbody>
    ${g.rows.map((r) => `<tr class="${r.rank && r.rank <= 3 && !unscored(r) ? "top top" + r.rank : ""} ${r.status !== "competed" ? "out" : ""}" data-ref="${esc(r.ref)}">
      <td class="c-rank">${r.status === "absent" ? esc(S.absent) : r.status === "disqualified" ? esc(S.disqualified) : `<span class="rank-badge">${esc(r.rank ?? "–")}</span>`}</td>
      <td><span class="who-ref">${esc(r.ref)}</span>${r.workstation_no ? `<span class="who-sub">${esc(S.workstation)} ${esc(r.workstation_no)}</span>` : ""}
        ${snapshot.decrypted && r.name ? `<span class="who-sub">${esc(r.name)} · ${esc(r.delegation || "")}</span>` : ""}</td>
      <td class="c-score">${unscored(r) ? "–" : esc(r.score ?? r.total ?? "–")}</td>
      <td class="c-progress">${r.complete ? `<span class="done">${icon("check", S.complete || "")}</span>` : esc(r.progress)}</td></tr>`).join("")}
    </tbody></table></div>`).join("");
  const refs = document.getElementById("contestant-refs");
  if (refs) {
    const all = snapshot.groups.flatMap((g) => g.rows.map((r) => r.ref));
    refs.innerHTML = all.map((r) => `<option value="${esc(r)}">`).join("");
  }
}

// ---- flags ----------------------------------------------------------------------------------

function flagKey(ref, aspect) { return `${ref}|${aspect}`; }

function syncFlagsFromSnapshot(list) {
  const keep = new Set();
  for (const f of list || []) {
    const key = flagKey(f.contestant, f.aspect);
    keep.add(key);
    // The snapshot's flags carry the panel's scores too; a flag frame may come before or after it.
    flags.set(key, { contestant: f.contestant, aspect: f.aspect, scores: f.scores || (flags.get(key) || {}).scores });
  }
  for (const key of [...flags.keys()]) if (!keep.has(key)) flags.delete(key);
}

function onFlagFrame(f) {
  const key = flagKey(f.contestant, f.aspect);
  if (f.status === "needs_remark") flags.set(key, { contestant: f.contestant, aspect: f.aspect, scores: f.scores });
  else flags.delete(key);
  renderFlags();
}

function renderFlags() {
  const ul = document.getElementById("flags");
  const items = [...flags.values()].sort((a, b) => (a.contestant + a.aspect).localeCompare(b.contestant + b.aspect));
  document.querySelector("[data-flag-count]").textContent = String(items.length);
  document.getElementById("flags-card").classList.toggle("has-flags", items.length > 0);
  if (!items.length) { ul.innerHTML = `<li class="muted">${esc(S.flags_none)}</li>`; return; }
  ul.innerHTML = items.map((f) => {
    const a = aspects.get(f.aspect);
    const scores = f.scores ? Object.entries(f.scores).map(([j, v]) => `${esc(seatNames.get(j) || j)} ${esc(v)}`).join(" · ") : "";
    return `<li data-flag="${esc(f.contestant)}|${esc(f.aspect)}"><span class="flag-ref">${esc(f.contestant)}</span>
      <span><b>${esc(f.aspect)}</b> ${esc(a ? a.description : "")}</span>
      ${scores ? `<span class="flag-scores">${esc(S.flag_scores)}: ${scores}</span>` : ""}
      <button type="button" class="link" data-history-of="${esc(f.contestant)}">${esc(S.open_history)}</button></li>`;
  }).join("");
}

// ---- console endpoint: progress, judges, locks, board state --------------------------------------

function competing() {
  if (!snapshot || !snapshot.groups) return 0;
  return snapshot.groups.reduce((n, g) => n + g.rows.filter((r) => r.status === "competed").length, 0);
}

function renderProgress(progress) {
  const body = document.querySelector("#progress tbody");
  const n = competing();
  const rows = [];
  for (const c of cfg.criteria) {
    for (const a of c.aspects) {
      const p = progress[a.id] || { scored: 0, judges: 0 };
      const expected = n * a.judges;
      const pct = expected ? Math.min(100, Math.round((p.judges / expected) * 100)) : 0;
      rows.push(`<tr data-aspect="${esc(a.id)}"><td><b>${esc(a.id)}</b> ${esc(a.description)}</td><td><span class="tag">${esc(S["kind_" + a.kind] || a.kind)}</span></td>
        <td><div class="bar" title="${pct}%"><span style="width:${pct}%"></span></div></td><td class="num" data-progress>${p.judges}/${expected}</td></tr>`);
    }
  }
  body.innerHTML = rows.join("");
}

function fmtDev(v) {
  if (v == null) return "–";
  const n = Number(v);
  return (n > 0 ? "+" : "") + n.toFixed(1);
}

function renderJudges(judges) {
  const body = document.querySelector("#judges tbody");
  if (!judges.length) {
    body.innerHTML = `<tr><td colspan="6" class="muted">${esc(S.judges_none)}</td></tr>`;
    document.getElementById("judges-chart").innerHTML = "";
    return;
  }
  body.innerHTML = judges.map((j) => `<tr data-judge="${esc(j.judge_id)}"><td>${esc(j.name)}</td><td class="num">${esc(j.panels)}</td>
    <td class="num">${fmtDev(j.mean_deviation)}</td><td class="num">${j.mean_abs_deviation == null ? "–" : Number(j.mean_abs_deviation).toFixed(1)}</td>
    <td class="num">${esc(j.remarks)}</td><td class="num">${esc(j.open_remarks)}</td></tr>`).join("");
  document.getElementById("judges-chart").innerHTML = judgesChart(judges);
}

// An inline SVG: a diverging bar of each judge's mean deviation from the panel (lenient right,
// strict left) and a bar of their re-marks.
export function judgesChart(judges) {
  const rowH = 30, top = 30, labelW = 130, devW = 380, gap = 30, remW = 200, width = labelW + devW + gap + remW + 10;
  const height = top + judges.length * rowH + 10;
  const maxDev = Math.max(5, ...judges.map((j) => Math.abs(Number(j.mean_deviation || 0))));
  const maxRem = Math.max(1, ...judges.map((j) => Number(j.remarks || 0)));
  const cx = labelW + devW / 2;
  const half = devW / 2 - 40;
  const out = [`<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(S.chart_deviation)}" xmlns="http://www.w3.org/2000/svg">`];
  out.push(`<text x="${cx}" y="14" text-anchor="middle" font-weight="600">${esc(S.chart_deviation)}</text>`);
  out.push(`<text x="${labelW + devW + gap}" y="14" font-weight="600">${esc(S.chart_remarks)}</text>`);
  out.push(`<line x1="${cx}" y1="${top - 8}" x2="${cx}" y2="${height - 6}" stroke="#98a2b3" stroke-dasharray="3 3"/>`);
  judges.forEach((j, i) => {
    const y = top + i * rowH;
    const dev = Number(j.mean_deviation || 0);
    const w = Math.abs(dev) / maxDev * half;
    const x = dev >= 0 ? cx : cx - w;
    const colour = dev >= 0 ? "#d97706" : "#2563eb";
    out.push(`<g class="judge-bar" data-judge="${esc(j.judge_id)}">`);
    out.push(`<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${esc(j.name)}</text>`);
    out.push(`<rect x="${x.toFixed(1)}" y="${y + 4}" width="${Math.max(1, w).toFixed(1)}" height="${rowH - 12}" rx="3" fill="${colour}"><title>${esc(j.name)}: ${fmtDev(j.mean_deviation)}%</title></rect>`);
    const tx = dev >= 0 ? x + w + 4 : x - 4;
    out.push(`<text x="${tx.toFixed(1)}" y="${y + 15}" text-anchor="${dev >= 0 ? "start" : "end"}">${fmtDev(j.mean_deviation)}</text>`);
    const rx = labelW + devW + gap;
    const rw = Number(j.remarks || 0) / maxRem * (remW - 40);
    out.push(`<rect x="${rx}" y="${y + 4}" width="${Math.max(rw, 1).toFixed(1)}" height="${rowH - 12}" rx="3" fill="#b4232a"><title>${esc(j.name)}: ${esc(j.remarks)}</title></rect>`);
    out.push(`<text x="${(rx + rw + 4).toFixed(1)}" y="${y + 15}">${esc(j.remarks)}</text>`);
    out.push(`</g>`);
  });
  out.push(`</svg>`);
  return out.join("");
}

function renderLocks(locked) {
  const set = new Set(locked);
  for (const tr of document.querySelectorAll("#locks tr[data-criterion]")) {
    const c = tr.dataset.criterion;
    const isLocked = set.has(c);
    tr.classList.toggle("locked", isLocked);
    tr.querySelector("[data-lock-state]").innerHTML = isLocked ? `${icon("lock")} ${esc(S.locked)}` : esc(S.unlocked);
    const lock = tr.querySelector("[data-lock]");
    const unlock = tr.querySelector("[data-unlock]");
    if (lock) lock.hidden = isLocked;
    if (unlock) unlock.hidden = !isLocked;
  }
}

function renderBoardState(board) {
  const isFrozen = !!(board && board.frozen);
  const p = document.querySelector("[data-board-state]");
  p.textContent = isFrozen ? S.is_frozen : S.not_frozen;
  p.classList.toggle("frozen-note", isFrozen);
  p.dataset.frozen = String(isFrozen);
  const f = document.querySelector("[data-freeze]");
  const u = document.querySelector("[data-unfreeze]");
  if (f) f.hidden = isFrozen;
  if (u) u.hidden = !isFrozen;
}

async function refresh() {
  clearTimeout(refreshTimer);
  refreshTimer = null;
  if (refreshing) { scheduleRefresh(); return; }
  refreshing = true;
  lastRefresh = Date.now();
  try {
    const data = await api("GET", cfg.console);
    if (data.snapshot) applySnapshot(data.snapshot);
    renderProgress(data.progress_by_aspect || {});
    renderJudges(data.judges || []);
    renderLocks(data.locked || []);
    renderBoardState(data.board);
  } catch (err) {
    toast(err.message);
  } finally {
    refreshing = false;
  }
}

function scheduleRefresh() {
  if (refreshTimer) return;
  const wait = Math.max(0, REFRESH_MS - (Date.now() - lastRefresh));
  refreshTimer = setTimeout(refresh, wait);
}

// ---- staff websocket ----------------------------------------------------------------------------

function applySnapshot(snap) {
  if (!snap || snap.type !== "snapshot" || snap.seq < lastSeq) return false;
  lastSeq = snap.seq;
  snapshot = snap;
  syncFlagsFromSnapshot(snap.flags);
  renderRanking();
  renderFlags();
  return true;
}

// The socket's life cycle (backoff, keepalive, offline) is static/live_socket.js. A staff socket
// starts with the whole snapshot, so a reconnected console needs no cursor.
function onFrame(frame) {
  if (frame.type === "snapshot") {
    if (applySnapshot(frame)) scheduleRefresh();
  } else if (frame.type === "flag") {
    onFlagFrame(frame);
    scheduleRefresh();
  }
}

function onSocketState(name) {
  if (name === "open") setState("live");
  else if (name !== "stopped" && name !== "unsupported") setState(name);
}

function connect() {
  live = openLiveSocket({
    url: cfg.ws, onFrame, onState: onSocketState,
    backoff: { minMs: 2000, maxMs: MAX_BACKOFF_MS, jitter: 0.25 }, ping: { idleMs: 25000, timeoutMs: 10000 },
  });
}

// ---- actions --------------------------------------------------------------------------------------

function opId() {
  const r = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now()).replace(/[^A-Za-z0-9]/g, "");
  return "console-" + r.slice(0, 40);
}

const dialog = document.getElementById("unlock-dialog");
let unlocking = null;

document.addEventListener("click", async (ev) => {
  const el = ev.target.closest("[data-lock],[data-unlock],[data-freeze],[data-unfreeze],[data-history-of],[data-cancel]");
  if (!el) return;
  try {
    if (el.dataset.lock) {
      const res = await api("POST", cfg.locks, { criterion: el.dataset.lock });
      renderLocks(res.locked);
    } else if (el.dataset.unlock) {
      unlocking = el.dataset.unlock;
      dialog.querySelector("[data-form-error]").textContent = "";
      dialog.querySelector("textarea").value = "";
      dialog.showModal();
    } else if (el.dataset.cancel !== undefined) {
      dialog.close();
    } else if (el.dataset.freeze !== undefined) {
      renderBoardState(await api("POST", cfg.board + "/freeze"));
    } else if (el.dataset.unfreeze !== undefined) {
      renderBoardState(await api("POST", cfg.board + "/unfreeze"));
    } else if (el.dataset.historyOf) {
      const form = document.getElementById("history-form");
      form.contestant.value = el.dataset.historyOf;
      await loadHistory(el.dataset.historyOf);
      document.getElementById("history").scrollIntoView({ behavior: "smooth", block: "nearest" });
    }
  } catch (err) {
    toast(err.message);
  }
});

if (dialog) {
  dialog.querySelector("form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const reason = dialog.querySelector("textarea").value.trim();
    const box = dialog.querySelector("[data-form-error]");
    try {
      const res = await api("DELETE", `${cfg.locks}/${encodeURIComponent(unlocking)}?reason=${encodeURIComponent(reason)}`);
      renderLocks(res.locked);
      dialog.close();
    } catch (err) {
      box.textContent = err.message;
    }
  });
}

const correction = document.getElementById("correction-form");
if (correction) {
  correction.op_id.value = opId();
  correction.addEventListener("api:done", async (ev) => {
    toast(S.corrected);
    const ref = correction.contestant.value;
    correction.op_id.value = opId();
    correction.reason.value = "";
    document.getElementById("history-form").contestant.value = ref;
    await loadHistory(ref);
    scheduleRefresh();
  });
}

const KIND = { mark: "kind_mark", remark: "kind_remark", correction: "kind_correction" };
const AUTHORITY = { judge: "role_judge", chief_judge: "role_chief", organiser: "role_organiser" };

async function loadHistory(ref) {
  const table = document.getElementById("history");
  const box = document.querySelector("[data-history-error]");
  box.textContent = "";
  try {
    const data = await api("GET", `${cfg.marks}?contestant=${encodeURIComponent(ref.trim())}`);
    const body = table.querySelector("tbody");
    body.innerHTML = data.marks.length ? data.marks.map((m) => `<tr class="kind-${esc(m.kind)}" data-seq="${esc(m.seq)}">
      <td>${esc(m.seq)}</td><td>${esc(chinaTime(m.at))}</td><td>${esc(m.aspect)}</td><td>${esc(m.judge)}</td><td class="num">${esc(m.value)}</td>
      <td>${esc(S[KIND[m.kind]] || m.kind)}</td><td>${esc(m.reason)}</td><td>${esc(S[AUTHORITY[m.authority]] || m.authority)}</td><td>${esc(m.entered_by)}</td></tr>`).join("")
      : `<tr><td colspan="9" class="muted">${esc(S.history_none)}</td></tr>`;
    table.hidden = false;
  } catch (err) {
    box.textContent = err.message;
    table.hidden = true;
  }
}

document.getElementById("history-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  loadHistory(ev.target.contestant.value);
});

renderFlags();
refresh();
connect();
