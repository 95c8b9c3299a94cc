// The marking scheme page: edit criteria → sub-criteria → aspects as the API's JSON, show the sums
// against the skill's total as they change, save with PUT …/scheme; check an uploaded workbook
// (…/import?mode=check) and show its row/column report before saving it (mode=save).
import { api, csrfToken, reportTable, toast } from "/static/app.js";

const cfg = JSON.parse(document.getElementById("scheme-config").textContent);
const S = cfg.strings;
const lang = cfg.lang;
const editable = cfg.editable;
const fill = (tpl, o) => tpl.replace(/\{(\w+)\}/g, (_, k) => o[k] ?? "");
const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const KINDS = ["M", "J", "S"];
const MODES = ["full_or_zero", "banded", "deduction"];
const PARTS = ["theory", "practical"];
const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

// ---- decimals: sums are exact in hundredths-of-thousandths (marks allow few decimals) -----------
const SCALE = 10000;
const units = (v) => { const n = Number(String(v ?? "").trim()); return Number.isFinite(n) && String(v ?? "").trim() !== "" ? Math.round(n * SCALE) : null; };
const show = (u) => String(u / SCALE);

// ---- the scheme being edited ---------------------------------------------------------------------
function blankAspect(id) { return { id, description: "", kind: "M", max_mark: "", mode: "full_or_zero", requirement: "" }; }
function blankSub(id) { return { id, name: "", aspects: [blankAspect(`${id}.1`)] }; }
function blankCriterion(id) { return { id, name: "", part: "practical", mark: null, sub_criteria: [blankSub(`${id}1`)] }; }

const scheme = cfg.scheme ? structuredClone(cfg.scheme) : { skill: cfg.skill.name, total: cfg.total, parts: { ...cfg.parts }, criteria: [blankCriterion("A")] };
scheme.total = cfg.total;
scheme.parts = scheme.parts || { ...cfg.parts };
for (const p of PARTS) if (!(p in scheme.parts)) scheme.parts[p] = "0";
for (const c of scheme.criteria) for (const s of c.sub_criteria) for (const a of s.aspects) {
  a.bands_text = (a.bands || []).map((b) => `${b.tolerance}:${b.mark}`).join("; ");
  if (a.kind === "J") a.descriptors = [0, 1, 2, 3].map((i) => (a.descriptors || [])[i] ?? "");
}

function nextId(taken, make) { for (let n = 1; ; n++) { const id = make(n); if (!taken.includes(id)) return id; } }

// ---- rendering -----------------------------------------------------------------------------------
const root = document.getElementById("scheme-editor");
const dis = editable ? "" : " disabled";

function input(path, value, label, extra = "") {
  return `<label class="${extra.includes("wide") ? "wide" : ""}">${esc(label)}<input data-path="${path}" value="${esc(value ?? "")}"${dis}${extra.includes("num") ? ' inputmode="decimal"' : ""}></label>`;
}
function select(path, value, options, label) {
  const opts = options.map(([v, t]) => `<option value="${v}"${v === value ? " selected" : ""}>${esc(t)}</option>`).join("");
  return `<label>${esc(label)}<select data-path="${path}"${dis}>${opts}</select></label>`;
}
function button(action, path, text, cls = "") { return editable ? `<button type="button" class="${cls}" data-action="${action}" data-at="${path}">${esc(text)}</button>` : ""; }

function aspectHtml(a, ci, si, ai) {
  const p = `${ci}.${si}.${ai}`;
  let extra = "";
  if (a.kind === "M") {
    extra += select(`${p}.mode`, a.mode || "full_or_zero", MODES.map((m) => [m, S[`mode_${m}`]]), S.mode);
    if (a.mode === "banded") extra += input(`${p}.bands_text`, a.bands_text, S.bands, "wide");
    if (a.mode === "deduction") extra += input(`${p}.deduction_step`, a.deduction_step, S.step, "num");
  }
  let desc = "";
  if (a.kind === "J") {
    desc = `<div class="descriptors">${[0, 1, 2, 3].map((i) =>
      `<label>${esc(fill(S.descriptor, { n: i }))}<input data-path="${p}.descriptors.${i}" value="${esc(a.descriptors[i])}" placeholder="${esc(S[`descriptor_hint_${i}`])}"${dis}></label>`).join("")}</div>`;
  }
  return `<div class="aspect" data-aspect="${esc(a.id)}">
    <div class="aspect-row">
      ${input(`${p}.id`, a.id, S.id)}
      <label class="grow">${esc(S.description)}<input data-path="${p}.description" value="${esc(a.description)}"${dis}></label>
      ${select(`${p}.kind`, a.kind, KINDS.map((k) => [k, S[`kind_${k}`]]), S.kind)}
      ${input(`${p}.max_mark`, a.max_mark, S.max_mark, "num")}
      <span class="judges" title="${esc(S.judges_help)}">${esc(S.judges)}<br><strong>${esc(fill(S.judges_n, { n: cfg.judges[a.kind] ?? "" }))}</strong></span>
      ${button("remove-aspect", p, S.remove, "link danger")}
    </div>
    <div class="aspect-row">${extra}${input(`${p}.requirement`, a.requirement, S.requirement, "wide")}</div>
    ${desc}
  </div>`;
}

function render() {
  root.innerHTML = scheme.criteria.map((c, ci) => `
    <fieldset class="criterion" data-criterion="${esc(c.id)}">
      <legend>${esc(S.criterion)} ${esc(c.id)} <span class="muted" data-crit-sum="${ci}"></span></legend>
      <div class="aspect-row">
        ${input(`${ci}.id`, c.id, S.id)}
        <label class="grow">${esc(S.name)}<input data-path="${ci}.name" value="${esc(c.name)}"${dis}></label>
        ${select(`${ci}.part`, c.part || "practical", PARTS.map((p) => [p, S[`part_${p}`]]), S.part)}
        ${input(`${ci}.mark`, c.mark, S.crit_mark, "num")}
        ${button("remove-criterion", `${ci}`, S.remove, "link danger")}
      </div>
      ${c.sub_criteria.map((s, si) => `
        <fieldset class="sub" data-sub="${esc(s.id)}">
          <legend>${esc(S.sub_criterion)} ${esc(s.id)}</legend>
          <div class="aspect-row">
            ${input(`${ci}.${si}.id`, s.id, S.id)}
            <label class="grow">${esc(S.name)}<input data-path="${ci}.${si}.name" value="${esc(s.name)}"${dis}></label>
            ${button("remove-sub", `${ci}.${si}`, S.remove, "link danger")}
          </div>
          ${s.aspects.map((a, ai) => aspectHtml(a, ci, si, ai)).join("")}
          ${button("add-aspect", `${ci}.${si}`, S.add_aspect)}
        </fieldset>`).join("")}
      ${button("add-sub", `${ci}`, S.add_sub)}
    </fieldset>`).join("");
  renderWeights();
  sums();
}

function renderWeights() {
  const box = document.getElementById("scheme-weights");
  if (box.childElementCount) return; // typed into: keep the inputs (and the cursor)
  box.innerHTML = PARTS.map((p) => `<label class="inline">${esc(S[`part_${p}`])}<input data-weight="${p}" value="${esc(scheme.parts[p])}" inputmode="decimal"${dis}></label>`).join("");
}

// ---- the live sums -------------------------------------------------------------------------------
function sums() {
  const total = units(scheme.total);
  const byPart = Object.fromEntries(PARTS.map((p) => [p, 0]));
  scheme.criteria.forEach((c, ci) => {
    let sum = 0;
    for (const s of c.sub_criteria) for (const a of s.aspects) sum += units(a.max_mark) ?? 0;
    byPart[c.part || "practical"] = (byPart[c.part || "practical"] ?? 0) + sum;
    const el = root.querySelector(`[data-crit-sum="${ci}"]`);
    const mark = units(c.mark);
    if (el) {
      const bad = mark !== null && mark !== sum;
      el.textContent = bad ? fill(S.crit_sum_bad, { sum: show(sum), mark: show(mark) }) : fill(S.crit_sum, { sum: show(sum) });
      el.classList.toggle("bad", bad);
    }
  });
  const lines = [];
  let weights = 0;
  for (const p of PARTS) {
    const w = units(scheme.parts[p]) ?? 0;
    weights += w;
    const got = byPart[p] ?? 0;
    if (w > 0) {
      const diff = total - got;
      const state = diff === 0 ? S.sum_ok : diff > 0 ? fill(S.sum_missing, { diff: show(diff) }) : fill(S.sum_over, { diff: show(-diff) });
      lines.push(`<div class="sum ${diff === 0 ? "ok" : "bad"}" data-part="${p}" data-diff="${show(diff)}">${esc(fill(S.sum_part, { part: S[`part_${p}`], sum: show(got), total: show(total) }))} · <strong>${esc(state)}</strong></div>`);
    } else if (got) {
      lines.push(`<div class="sum bad" data-part="${p}">${esc(fill(S.sum_unused, { part: S[`part_${p}`] }))}</div>`);
    }
  }
  if (weights !== 100 * SCALE) lines.push(`<div class="sum bad">${esc(fill(S.weights_bad, { sum: show(weights) }))}</div>`);
  document.getElementById("scheme-sums").innerHTML = lines.join("");
}

// ---- editing -------------------------------------------------------------------------------------
function at(path) {
  const [ci, si, ai] = path.split(".").map(Number);
  const c = scheme.criteria[ci];
  if (si === undefined || Number.isNaN(si)) return { c };
  const s = c.sub_criteria[si];
  if (ai === undefined || Number.isNaN(ai)) return { c, s };
  return { c, s, a: s.aspects[ai] };
}

root.addEventListener("input", (ev) => {
  const el = ev.target;
  const path = el.dataset.path;
  if (!path) return;
  const parts = path.split(".");
  const field = parts.find((x) => Number.isNaN(Number(x)));
  const idx = parts.slice(0, parts.indexOf(field)).join(".");
  const { c, s, a } = at(idx);
  const target = a || s || c;
  if (field === "descriptors") target.descriptors[Number(parts.at(-1))] = el.value;
  else if (field === "mark") target.mark = el.value.trim() === "" ? null : el.value;
  else target[field] = el.value;
  el.classList.remove("invalid");
  if (el.tagName === "SELECT") {
    if (field === "kind" && target.kind === "J") target.descriptors = [0, 1, 2, 3].map((i) => (target.descriptors || [])[i] ?? "");
    render();
  } else {
    sums();
  }
});

// A renamed criterion, sub-criterion or aspect: the headings and the suggested ids follow once typed.
root.addEventListener("change", (ev) => { if (ev.target.dataset.path?.endsWith(".id")) render(); });

document.addEventListener("input", (ev) => {
  const w = ev.target.dataset?.weight;
  if (!w) return;
  scheme.parts[w] = ev.target.value;
  sums();
});

root.addEventListener("click", (ev) => {
  const b = ev.target.closest("[data-action]");
  if (!b) return;
  const { c, s } = at(b.dataset.at);
  const [ci, si, ai] = b.dataset.at.split(".").map(Number);
  switch (b.dataset.action) {
    case "add-aspect": s.aspects.push(blankAspect(nextId(s.aspects.map((a) => a.id), (n) => `${s.id}.${n}`))); break;
    case "add-sub": c.sub_criteria.push(blankSub(nextId(c.sub_criteria.map((x) => x.id), (n) => `${c.id}${n}`))); break;
    case "remove-aspect": s.aspects.splice(ai, 1); break;
    case "remove-sub": c.sub_criteria.splice(si, 1); break;
    case "remove-criterion": scheme.criteria.splice(ci, 1); break;
  }
  render();
});

document.getElementById("scheme-add-criterion")?.addEventListener("click", () => {
  const taken = scheme.criteria.map((c) => c.id);
  scheme.criteria.push(blankCriterion([...LETTERS].find((l) => !taken.includes(l)) || `C${taken.length + 1}`));
  render();
});

// ---- saving --------------------------------------------------------------------------------------
function parseBands(text, id) {
  const out = [];
  for (const piece of String(text || "").split(/[;；\n]+/)) {
    if (!piece.trim()) continue;
    const m = piece.trim().match(/^(?:±)?\s*([0-9.]+)\s*[:：=]\s*([0-9.]+)$/);
    if (!m) throw new Error(fill(S.bands_bad, { id }));
    out.push({ tolerance: m[1], mark: m[2] });
  }
  return out;
}

function payload() {
  return {
    skill: scheme.skill || cfg.skill.name,
    total: scheme.total,
    parts: Object.fromEntries(PARTS.map((p) => [p, String(scheme.parts[p] ?? "0").trim() || "0"])),
    criteria: scheme.criteria.map((c) => ({
      id: c.id.trim(), name: c.name.trim(), part: c.part || "practical", standards_section: c.standards_section || "",
      mark: c.mark === null || String(c.mark).trim() === "" ? null : String(c.mark).trim(),
      sub_criteria: c.sub_criteria.map((s) => ({
        id: s.id.trim(), name: s.name.trim(),
        aspects: s.aspects.map((a) => {
          const out = { id: a.id.trim(), description: a.description.trim(), kind: a.kind, max_mark: String(a.max_mark ?? "").trim(), requirement: (a.requirement || "").trim() };
          if (a.kind === "M") {
            out.mode = a.mode || "full_or_zero";
            if (out.mode === "banded") out.bands = parseBands(a.bands_text, a.id);
            if (out.mode === "deduction") out.deduction_step = String(a.deduction_step ?? "").trim();
          }
          if (a.kind === "J") out.descriptors = a.descriptors.map((d) => d.trim());
          return out;
        }),
      })),
    })),
  };
}

function markInvalid(problems) {
  root.querySelectorAll(".invalid").forEach((el) => el.classList.remove("invalid"));
  const fieldOf = { max_mark: "max_mark", descriptors: "descriptors.0", mode: "mode", bands: "bands_text", deduction_step: "deduction_step", id: "id", kind: "kind" };
  for (const p of problems) {
    let el = null;
    const m = /^criteria\[(\d+)\](?:\.sub_criteria\[(\d+)\])?(?:\.aspects\[(\d+)\])?/.exec(p.path || "");
    if (m) el = root.querySelector(`[data-path="${[m[1], m[2], m[3]].filter((x) => x !== undefined).join(".")}.${fieldOf[p.field] || p.field}"]`);
    else if (p.aspect_id) el = root.querySelector(`[data-aspect="${CSS.escape(p.aspect_id)}"] [data-path$=".${fieldOf[p.field] || "max_mark"}"]`);
    else if (p.criterion_id && p.field === "mark") el = root.querySelector(`[data-criterion="${CSS.escape(p.criterion_id)}"] [data-path$=".mark"]`);
    if (el) el.classList.add("invalid");
  }
}

document.getElementById("scheme-save")?.addEventListener("click", async (ev) => {
  const box = document.getElementById("scheme-problems");
  box.innerHTML = "";
  let body;
  try { body = payload(); } catch (err) { box.textContent = err.message; return; }
  ev.currentTarget.disabled = true;
  try {
    const saved = await api("PUT", cfg.api, { scheme: body });
    toast(fill(S.saved, { version: saved.version }));
    box.innerHTML = `<p class="ok" id="scheme-saved">${esc(fill(S.saved, { version: saved.version }))}</p>`;
    setTimeout(() => location.reload(), 900);
  } catch (err) {
    const problems = Array.isArray(err.data?.detail) ? err.data.detail : [];
    const items = problems.map((p) => `<li>${esc(p.message?.[lang] || p.message?.zh || "")}</li>`).join("");
    box.innerHTML = `<p>${esc(problems.length ? S.problems : err.message)}</p>${items ? `<ul>${items}</ul>` : ""}`;
    markInvalid(problems.length ? problems : [{ path: "", field: err.field }]);
  } finally {
    ev.currentTarget && (ev.currentTarget.disabled = false);
    document.getElementById("scheme-save").disabled = false;
  }
});

// ---- the upload: check, report, save --------------------------------------------------------------
const form = document.getElementById("scheme-upload");
if (form) {
  const saveButton = document.getElementById("scheme-upload-save");
  const T = { row: S["imp.row"], column: S["imp.column"], reason: S["imp.reason"] };
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const mode = ev.submitter?.value || "check";
    const errorBox = form.querySelector("[data-form-error]");
    errorBox.textContent = "";
    const fd = new FormData();
    fd.append("data", form.file.files[0]);
    const res = await fetch(`${cfg.api}/import?mode=${mode}`, {
      method: "POST", body: fd, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    });
    const body = await res.json().catch(() => ({}));
    const report = document.getElementById("scheme-report");
    const status = document.getElementById("scheme-report-status");
    if (mode === "save") {
      if (!res.ok) { errorBox.textContent = body.message || res.statusText; return; }
      status.className = "ok";
      status.textContent = fill(S.uploaded, { version: body.version });
      saveButton.hidden = true;
      toast(status.textContent);
      setTimeout(() => location.reload(), 900);
      return;
    }
    if (!res.ok) { errorBox.textContent = body.message || res.statusText; return; }
    report.hidden = false;
    status.className = body.ok ? "ok" : "form-error";
    status.textContent = body.ok ? S.file_ok : S.file_bad;
    document.getElementById("scheme-report-counts").textContent = body.counts ? fill(S.counts, body.counts) : "";
    document.getElementById("scheme-report-warnings").innerHTML = reportTable(S["imp.warnings"], body.warnings, "warnings", T, lang);
    document.getElementById("scheme-report-errors").innerHTML = reportTable(S["imp.errors"], body.errors, "errors", T, lang);
    saveButton.hidden = !body.ok;
    saveButton.textContent = body.warnings.length ? saveButton.dataset.labelWarned : saveButton.dataset.label;
  });
  form.file.addEventListener("change", () => { saveButton.hidden = true; });
}

render();
