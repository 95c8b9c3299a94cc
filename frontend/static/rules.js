// The rules form (/events/{id}/rules): fills the inputs from the effective rules, turns them back
// into the event's overrides (only what differs from the base preset, a swapped strategy whole),
// shows them as JSON in the advanced view (and back: the server merges them, so the form is filled
// from exactly what would be saved), previews and saves through the API.
import { api, toast } from "/static/app.js";

const form = document.getElementById("rules-form");
const DATA = JSON.parse(document.getElementById("rules-data").textContent);
const T = JSON.parse(document.getElementById("rules-i18n").textContent);
const LABELS = JSON.parse(document.getElementById("rules-labels").textContent);
const eventId = form.dataset.event;
const errorBox = document.getElementById("rules-error");
const STRATEGY_SECTIONS = ["awards", "honours", "ranking", "promotion"];

let effective = structuredClone(DATA.effective);
let overrides = structuredClone(DATA.overrides);

const clone = (v) => (v === undefined ? undefined : structuredClone(v));
// JSON with the keys of every object sorted: two settings are the same whatever their key order.
const canonical = (v) => JSON.stringify(v, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
const numeric = (v) => (typeof v === "number" || (typeof v === "string" && v.trim() !== "")) && Number.isFinite(Number(v));
// Decimals are kept as text ("0.20"): 0.2 typed in the form is the same setting.
const equal = (a, b) => (numeric(a) && numeric(b) && typeof a !== typeof b) || (typeof a === "string" && typeof b === "string" && numeric(a) && numeric(b))
  ? Number(a) === Number(b) : canonical(a) === canonical(b);
const get = (tree, path) => path.split(".").reduce((t, k) => (t && typeof t === "object" ? t[k] : undefined), tree);
function put(tree, path, value) {
  const keys = path.split(".");
  let t = tree;
  for (const k of keys.slice(0, -1)) t = t[k] && typeof t[k] === "object" ? t[k] : (t[k] = {});
  t[keys[keys.length - 1]] = value;
}
const fieldEls = () => [...form.querySelectorAll(".rule-field")];
const pct = (text) => { // "0.20" → 20 (no binary noise)
  const n = Number(text); return Number.isFinite(n) ? Math.round(n * 1e6) / 1e4 : "";
};
const fraction = (value) => { // 20 → "0.2"
  const n = Number(value); return String(Math.round(n * 1e4) / 1e6);
};

class FieldError extends Error { constructor(path, message) { super(message); this.field = path; } }

function numberOf(el, path, { integer = false, nullable = false } = {}) {
  const raw = el.value.trim();
  if (raw === "") { if (nullable) return null; throw new FieldError(path, T.invalid_number.replace("{label}", LABELS[path] || path)); }
  const n = Number(raw);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new FieldError(path, T.invalid_number.replace("{label}", LABELS[path] || path));
  return n;
}

// ---- effective → inputs ------------------------------------------------------------------------

function strategyOf(section) { return get(effective, section + ".strategy"); }

function syncVisibility() {
  for (const div of fieldEls()) {
    const wanted = div.dataset.strategies.split(" ").filter(Boolean);
    const section = div.dataset.path.split(".")[0];
    div.hidden = wanted.length > 0 && !wanted.includes(strategyOf(section));
  }
}

function levelOptions(select, value, withAny) {
  select.innerHTML = "";
  if (withAny) select.append(new Option(T.any, ""));
  for (const lv of T.levels) select.append(new Option(lv, lv));
  select.value = value || "";
}

function ruleRow(rule) {
  const div = document.createElement("div");
  div.className = "promotion-rule";
  div.dataset.rule = JSON.stringify(rule);
  const who = rule.who || {};
  const awardSelect = document.createElement("select");
  awardSelect.dataset.r = "min_award";
  awardSelect.append(new Option(T.any, ""));
  for (const [code, text] of Object.entries(T.awards)) awardSelect.append(new Option(text, code));
  awardSelect.value = who.min_award || "";
  const to = document.createElement("select"); to.dataset.r = "to"; levelOptions(to, rule.to, false);
  const held = document.createElement("select"); held.dataset.r = "already_held_to"; levelOptions(held, rule.already_held_to, true);
  const id = Object.assign(document.createElement("input"), { value: rule.id || "", size: 16 }); id.dataset.r = "id";
  const from = Object.assign(document.createElement("input"), { type: "number", min: 1, step: 1, value: who.ranks ? who.ranks[0] : "" }); from.dataset.r = "rank_from";
  const upto = Object.assign(document.createElement("input"), { type: "number", min: 1, step: 1, value: who.ranks ? who.ranks[1] : "" }); upto.dataset.r = "rank_to";
  const lab = (text, ...els) => { const l = document.createElement("label"); l.className = "inline"; l.append(text + " ", ...els); return l; };
  const remove = Object.assign(document.createElement("button"), { type: "button", textContent: T.rule_remove });
  remove.addEventListener("click", () => div.remove());
  const row = document.createElement("div"); row.className = "row";
  row.append(lab(T.rule_id, id), lab(T.rule_min_award, awardSelect), lab(T.rule_ranks, from, "–", upto), lab(T.rule_to, to), lab(T.rule_held_to, held), remove);
  div.append(row);
  return div;
}

function fill() {
  for (const div of fieldEls()) {
    const path = div.dataset.path;
    const value = get(effective, path);
    const input = div.querySelector("[data-input]");
    switch (div.dataset.kind) {
      case "bool": input.checked = !!value; break;
      case "choice": case "award": case "text": case "date": case "decimal": case "hours": case "int":
        input.value = value === null || value === undefined ? "" : String(value); break;
      case "percent": input.value = value === null || value === undefined ? "" : pct(value); break;
      case "ratio": input.value = Array.isArray(value) ? value.join(":") : ""; break;
      case "groups": for (const cb of div.querySelectorAll("[data-group]")) cb.checked = value == null || value.includes(cb.dataset.group); break;
      case "medal_ranks": for (const i of div.querySelectorAll("[data-medal]")) i.value = (value || { gold: 1, silver: 2, bronze: 3 })[i.dataset.medal] ?? ""; break;
      case "team_sizes": for (const i of div.querySelectorAll("[data-team]")) i.value = value ? (value[i.dataset.team] ?? "") : ""; break;
      case "tie_breaks": {
        const list = Array.isArray(value) ? value : [];
        div.querySelectorAll("[data-tb]").forEach((s, i) => {
          const v = list[i];
          if (typeof v === "string" && ![...s.options].some((o) => o.value === v)) s.append(new Option(v, v));
          s.value = typeof v === "string" ? v : "";
        });
        div.dataset.extra = JSON.stringify(list.slice(4).concat(list.slice(0, 4).filter((v) => typeof v !== "string")));
        break;
      }
      case "levels": for (const s of div.querySelectorAll("[data-level-group]")) s.value = (value || {})[s.dataset.levelGroup] || ""; break;
      case "promotion_rules": {
        const box = div.querySelector(".promotion-rules"); box.innerHTML = "";
        for (const rule of value || []) box.append(ruleRow(rule));
        break;
      }
    }
  }
  syncVisibility();
}

// ---- inputs → draft effective → overrides -------------------------------------------------------

function readField(div) {
  const path = div.dataset.path;
  const nullable = div.dataset.nullable !== undefined;
  const input = div.querySelector("[data-input]");
  switch (div.dataset.kind) {
    case "bool": return input.checked;
    case "choice": return input.value;
    case "award": return input.value || null;
    case "text": return input.value.trim() === "" && nullable ? null : input.value.trim();
    case "date": return input.value || null;
    case "decimal": { const n = numberOf(input, path, { nullable }); return n === null ? null : String(n); }
    case "hours": return numberOf(input, path);
    case "int": return numberOf(input, path, { integer: true });
    case "percent": return fraction(numberOf(input, path));
    case "ratio": {
      const parts = input.value.split(/[:：,，\s]+/).filter(Boolean).map(Number);
      if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n) || n < 0)) throw new FieldError(path, T.invalid_ratio.replace("{label}", LABELS[path] || path));
      return parts;
    }
    case "groups": {
      const on = [...div.querySelectorAll("[data-group]")].filter((c) => c.checked).map((c) => c.dataset.group);
      return on.length === 3 ? null : on;
    }
    case "medal_ranks": {
      const out = {};
      for (const i of div.querySelectorAll("[data-medal]")) if (i.value !== "") out[i.dataset.medal] = numberOf(i, path, { integer: true });
      return out;
    }
    case "team_sizes": {
      const out = {};
      for (const i of div.querySelectorAll("[data-team]")) if (i.value !== "") out[i.dataset.team] = numberOf(i, path, { integer: true });
      return Object.keys(out).length ? out : null;
    }
    case "tie_breaks": {
      const chosen = [...div.querySelectorAll("[data-tb]")].map((s) => s.value).filter(Boolean);
      return [...new Set(chosen)].concat(JSON.parse(div.dataset.extra || "[]"));
    }
    case "levels": {
      const out = {};
      for (const s of div.querySelectorAll("[data-level-group]")) if (s.value) out[s.dataset.levelGroup] = s.value;
      return out;
    }
    case "promotion_rules":
      return [...div.querySelectorAll(".promotion-rule")].map((row, i) => {
        const rule = JSON.parse(row.dataset.rule || "{}");
        const v = (k) => row.querySelector(`[data-r="${k}"]`).value.trim();
        const who = { ...(rule.who || {}) };
        delete who.min_award; delete who.ranks;
        if (v("min_award")) who.min_award = v("min_award");
        if (v("rank_from") || v("rank_to")) who.ranks = [Number(v("rank_from") || 1), Number(v("rank_to") || v("rank_from"))];
        const out = { ...rule, id: v("id") || `rule_${i + 1}`, who, to: v("to") };
        if (v("already_held_to")) out.already_held_to = v("already_held_to"); else delete out.already_held_to;
        return out;
      });
  }
  return undefined;
}

function draft() {
  const out = structuredClone(effective);
  for (const div of fieldEls()) if (!div.hidden) put(out, div.dataset.path, readField(div));
  return out;
}

function sectionReference(section, strategy) {
  const base = DATA.base[section];
  if (!base || base.strategy === strategy || !(DATA.defaults[section] || {})[strategy]) return clone(base);
  return { strategy, params: clone(DATA.defaults[section][strategy]) };
}

function diff(reference, value) {
  if (value && typeof value === "object" && !Array.isArray(value) && reference && typeof reference === "object" && !Array.isArray(reference)) {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      const d = diff(reference[k], v);
      if (d !== undefined) out[k] = d;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return equal(reference, value) ? undefined : clone(value);
}

function toOverrides(rules) {
  const out = structuredClone(overrides);
  const formSections = new Set(fieldEls().map((d) => d.dataset.path.split(".")[0]));
  for (const section of formSections) {
    const value = rules[section];
    let d;
    if (STRATEGY_SECTIONS.includes(section) && value && value.strategy && DATA.base[section] && value.strategy !== DATA.base[section].strategy) {
      // Another strategy than the base's: the section starts from its defaults; name it and what differs.
      d = { strategy: value.strategy, ...(diff(sectionReference(section, value.strategy), value) || {}) };
    } else {
      d = diff(DATA.base[section], value);
    }
    if (section === "results" && d) { delete d.min_notice_hours; delete d.min_appeal_window_hours; if (!Object.keys(d).length) d = undefined; }
    if (d === undefined) delete out[section]; else out[section] = d;
  }
  return out;
}

// ---- errors, JSON view, preview, save ------------------------------------------------------------

function showError(err) {
  form.querySelectorAll(".invalid-field").forEach((el) => el.classList.remove("invalid-field"));
  errorBox.textContent = err ? err.message : "";
  if (err && err.field) {
    const div = fieldEls().find((d) => d.dataset.path === err.field) || fieldEls().find((d) => err.field.startsWith(d.dataset.path + "."));
    if (div) { div.hidden = false; div.classList.add("invalid-field"); div.scrollIntoView({ block: "center" }); (div.querySelector("input,select") || {}).focus?.(); }
  }
}

const jsonView = document.getElementById("json-view");
const formView = document.getElementById("form-view");
const jsonBox = document.getElementById("rules-json");
const toggle = document.getElementById("toggle-json");
const inJson = () => !jsonView.hidden;

function parseJson() {
  const text = jsonBox.value;
  try { return text.trim() ? JSON.parse(text) : {}; } catch (e) {
    const m = /position (\d+)/.exec(e.message);
    const pos = m ? Number(m[1]) : text.length;
    const before = text.slice(0, pos).split("\n");
    throw Object.assign(new Error(T.json_error.replace("{line}", before.length).replace("{col}", before[before.length - 1].length + 1).replace("{msg}", e.message)), { field: null });
  }
}

// The overrides the page would save now, from whichever view is showing.
function currentOverrides() { return inJson() ? parseJson() : toOverrides(draft()); }

function sampleBody() {
  const raw = document.getElementById("sample-scores").value.trim();
  const body = { sample_only: document.getElementById("sample-only").checked };
  if (raw) body.sample_scores = raw.split(/[,，\s]+/).filter(Boolean);
  return body;
}

async function preview() {
  let body;
  try { body = { overrides: currentOverrides(), ...sampleBody() }; } catch (err) { showError(err); return null; }
  try {
    const data = await api("POST", `/api/events/${eventId}/rules/preview`, body);
    showError(null);
    renderPreview(data);
    return data;
  } catch (err) { showError(err); return null; }
}

const text = (m) => (m ? (T.lang === "en" ? m.en : m.zh) : "");

function renderPreview(data) {
  const out = document.getElementById("preview-out");
  out.innerHTML = "";
  const note = document.createElement("p");
  note.className = "muted";
  note.textContent = data.source === "sample" ? T.preview_sample : T.preview_current;
  out.append(note);
  for (const g of data.groups) {
    const box = document.createElement("div"); box.className = "preview-group";
    const h = document.createElement("h3"); h.textContent = [g.skill, g.group].filter(Boolean).join(" · "); box.append(h);
    const ul = document.createElement("ul");
    for (const m of g.summary) { const li = document.createElement("li"); li.textContent = text(m); ul.append(li); }
    box.append(ul);
    const wrap = document.createElement("div"); wrap.className = "table-wrap";
    const table = document.createElement("table"); table.className = "table preview-table";
    const head = table.createTHead().insertRow();
    for (const k of ["col_place", "col_who", "col_score", "col_award", "col_honour", "col_promotion", "col_reason"]) { const th = document.createElement("th"); th.textContent = T[k]; head.append(th); }
    const tbody = table.createTBody();
    for (const r of g.rows) {
      const tr = tbody.insertRow();
      if (r.award) tr.className = "award-" + r.award;
      const cells = [
        r.rank == null ? T.none : String(r.rank) + (r.tied ? ` (${T.tie})` : ""), r.contestant, r.score ?? T.none,
        text(r.award_label) || T.none, text(r.honour_label) || T.none,
        r.promotion_to ? `${r.promotion_to}（${text(r.promotion_label)}）` : T.none, text(r.reason),
      ];
      for (const c of cells) tr.insertCell().textContent = c;
    }
    wrap.append(table); box.append(wrap); out.append(box);
  }
}

toggle.addEventListener("click", async () => {
  if (!inJson()) {
    let o;
    try { o = toOverrides(draft()); } catch (err) { showError(err); return; }
    jsonBox.value = JSON.stringify(o, null, 2);
    jsonView.hidden = false; formView.hidden = true; toggle.textContent = toggle.dataset.formLabel;
    showError(null);
    return;
  }
  // Back to the form: the server merges the JSON into the rules (and refuses it, in words, if wrong).
  const data = await preview();
  if (!data) return;
  overrides = data.overrides; effective = data.effective;
  fill();
  jsonView.hidden = true; formView.hidden = false; toggle.textContent = toggle.dataset.jsonLabel;
});

for (const section of ["awards", "honours"]) {
  const div = fieldEls().find((d) => d.dataset.path === section + ".strategy");
  div?.querySelector("select").addEventListener("change", (ev) => {
    const strategy = ev.target.value;
    // A swapped strategy starts from its own defaults (the base's section when it is the base's).
    const ref = sectionReference(section, strategy) || { strategy, params: {} };
    effective[section] = { ...ref, strategy };
    fill();
  });
}
form.addEventListener("click", (ev) => {
  const add = ev.target.closest("[data-add-rule]");
  if (!add) return;
  add.parentElement.querySelector(".promotion-rules").append(ruleRow({ id: "", who: { min_award: "excellence" }, to: "技师" }));
});
form.addEventListener("change", (ev) => { if (ev.target.closest("#form-view")) syncVisibility(); });
document.getElementById("preview-button").addEventListener("click", preview);
form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  let body;
  try { body = { overrides: currentOverrides() }; } catch (err) { showError(err); return; }
  const button = document.getElementById("save-button");
  if (button) button.disabled = true;
  try {
    const saved = await api("PUT", `/api/events/${eventId}/preset`, body);
    overrides = saved.overrides; effective = saved.effective;
    if (inJson()) jsonBox.value = JSON.stringify(overrides, null, 2); else fill();
    showError(null);
    toast(T.saved);
  } catch (err) { showError(err); } finally { if (button) button.disabled = false; }
});

fill();
preview();
