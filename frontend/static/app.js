// Shared page behaviour: forms post JSON to the API with the CSRF header and show its errors.
// <form data-api="/api/x" data-method="POST" data-redirect="/things/{id}" | data-reload>
//   inputs: data-int (number), data-array (checkbox group → list), data-null-if-empty,
//   data-json-field="name" (the field holds JSON text and is sent as an object)

export function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

export async function api(method, url, body) {
  const res = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  if (!res.ok) {
    const err = new Error((data && data.message) || res.statusText);
    err.status = res.status; err.field = data && data.field; err.code = data && data.code; err.data = data;
    throw err;
  }
  return data;
}

function formBody(form) {
  const body = {};
  const jsonField = form.dataset.jsonField;
  for (const el of form.elements) {
    if (!el.name || el.disabled || el.type === "submit") continue;
    if (el.dataset.array !== undefined) {
      body[el.name] = body[el.name] || [];
      if (el.checked) body[el.name].push(el.value);
      continue;
    }
    if (el.type === "checkbox") { body[el.name] = el.checked; continue; }
    let v = el.value;
    if (el.name === jsonField) {
      try { v = v.trim() ? JSON.parse(v) : {}; }
      catch (e) { throw Object.assign(new Error("JSON: " + e.message), { field: el.name }); }
    } else if (el.dataset.int !== undefined || el.type === "number") {
      v = v === "" ? null : Number(v);
    } else if (el.dataset.nullIfEmpty !== undefined && v === "") {
      v = null;
    }
    body[el.name] = v;
  }
  return body;
}

function showError(form, err) {
  form.querySelectorAll(".invalid").forEach((el) => el.classList.remove("invalid"));
  const box = form.querySelector("[data-form-error]");
  if (box) box.textContent = err.message;
  if (err.field) {
    const el = form.querySelector(`[name="${err.field.split(".")[0]}"]`);
    if (el) { el.classList.add("invalid"); el.focus(); }
  }
}

const escHtml = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

// An import's report: one table row per problem, { row, column, message_zh, message_en }, under a
// heading with the count (T: the headers' texts, { row, column, reason }). "" when there is none.
export function reportTable(title, items, cls, T, lang) {
  if (!items || !items.length) return "";
  const rows = items.map((e) => `<tr><td>${escHtml(e.row ?? "")}</td><td>${escHtml(e.column ?? "")}</td><td>${escHtml(lang === "zh" ? e.message_zh : e.message_en)}</td></tr>`).join("");
  return `<h2>${escHtml(title)} (${items.length})</h2><div class="table-wrap"><table class="table ${cls}"><thead><tr><th>${escHtml(T.row)}</th><th>${escHtml(T.column)}</th><th>${escHtml(T.reason)}</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

export function toast(text) {
  const el = document.getElementById("toast");
  if (!el) return;
  el.textContent = text; el.classList.add("show");
  setTimeout(() => el.classList.remove("show"), 2500);
}

async function submit(form) {
  let body;
  try { body = formBody(form); } catch (err) { showError(form, err); return; }
  if (form.dataset.jsonField) body = { [form.dataset.jsonField]: body[form.dataset.jsonField] };
  const button = form.querySelector("[type=submit]");
  if (button) button.disabled = true;
  try {
    const data = await api(form.dataset.method || "POST", form.dataset.api, body);
    showError(form, { message: "" });
    form.dispatchEvent(new CustomEvent("api:done", { detail: data }));
    if (form.dataset.redirect) {
      const id = data && (data.id ?? (data.user && data.user.id));
      location.assign(form.dataset.redirect.replace("{id}", id ?? ""));
    } else if (form.dataset.reload !== undefined) {
      location.reload();
    }
  } catch (err) {
    showError(form, err);
  } finally {
    if (button) button.disabled = false;
  }
}

// ---- Irreversible steps ask first -------------------------------------------------------------
// Any button, link or form with data-confirm="<message key or text>" opens #confirm-dialog (base.html)
// saying what will happen and what cannot be undone; with data-confirm-code="<event code>" its confirm
// button is enabled only once that code is typed exactly. The click (or, for a form, the submit, so the
// browser's own checks come first) is held in the capture phase before any page script sees it, and
// replayed once confirmed: data-api forms, data-post buttons, plain forms and the handlers of every page
// script ask the same way. A step a script starts otherwise calls `await confirmStep(el)` (also
// `window.confirmStep`): true at once when el's step was just confirmed, else it asks.

const confirmTexts = (() => {
  try { return JSON.parse(document.getElementById("confirm-texts")?.textContent || "{}"); } catch { return {}; }
})();
const confirmText = (key) => confirmTexts[key] ?? key;
const replaying = new WeakSet(); // elements whose next click or submit goes through unasked
const justConfirmed = new WeakSet(); // elements confirmed by the event being replayed now
let asking = null; // the open dialog's promise

function stepLabel(el) {
  if (el.dataset.confirmTitle) return confirmText(el.dataset.confirmTitle);
  if (el instanceof HTMLFormElement) {
    const b = el.querySelector("[type=submit]");
    return b ? (b.value && b.tagName === "INPUT" ? b.value : b.textContent.trim()) : confirmText("confirm.title");
  }
  return (el.tagName === "INPUT" ? el.value : el.textContent.trim()) || confirmText("confirm.title");
}

function askInDialog(el) {
  const dialog = document.getElementById("confirm-dialog");
  const code = el.dataset.confirmCode || "";
  const message = confirmText(el.dataset.confirm || "").replaceAll("{code}", code);
  if (!dialog || typeof dialog.showModal !== "function") return Promise.resolve(window.confirm(message));
  const q = (sel) => dialog.querySelector(sel);
  const ok = q("[data-confirm-ok]"), cancel = q("[data-confirm-cancel]"), input = q("[data-confirm-code-input]");
  const hint = q("[data-confirm-code-hint]");
  q("[data-confirm-title]").textContent = stepLabel(el);
  q("[data-confirm-message]").textContent = message;
  q("[data-confirm-code-box]").hidden = !code;
  const [before, after = ""] = confirmText("confirm.code_prompt").split("{code}");
  const shown = document.createElement("b"); shown.className = "mono confirm-code-shown"; shown.textContent = code;
  q("[data-confirm-code-prompt]").replaceChildren(before, shown, after);
  input.value = ""; hint.textContent = ""; input.removeAttribute("aria-invalid");
  dialog.dataset.code = code; // what the e2e helper types
  const matches = () => !code || input.value.trim() === code;
  ok.disabled = !matches();
  return new Promise((resolve) => {
    const focusable = () => [...dialog.querySelectorAll("button, input, [href], [tabindex]:not([tabindex='-1'])")]
      .filter((n) => !n.disabled && !n.closest("[hidden]"));
    const onInput = () => {
      ok.disabled = !matches();
      const wrong = input.value.trim() !== "" && !matches();
      hint.textContent = wrong ? confirmText("confirm.code_mismatch") : "";
      if (wrong) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    };
    const onKey = (ev) => {
      if (ev.key !== "Tab") return; // Esc is the dialog's own cancel
      const f = focusable(); if (!f.length) return;
      const i = f.indexOf(document.activeElement);
      const next = ev.shiftKey ? (i <= 0 ? f.length - 1 : i - 1) : (i === f.length - 1 ? 0 : i + 1);
      ev.preventDefault(); f[next].focus();
    };
    const onSubmit = (ev) => { ev.preventDefault(); if (matches()) finish(true); };
    const onCancel = (ev) => { ev.preventDefault(); finish(false); };
    const onCancelClick = () => finish(false);
    function finish(result) {
      input.removeEventListener("input", onInput); dialog.removeEventListener("keydown", onKey);
      q("form").removeEventListener("submit", onSubmit); dialog.removeEventListener("cancel", onCancel);
      cancel.removeEventListener("click", onCancelClick);
      dialog.close(result ? "confirm" : "cancel");
      if (el.isConnected && typeof el.focus === "function") el.focus();
      resolve(result);
    }
    input.addEventListener("input", onInput); dialog.addEventListener("keydown", onKey);
    q("form").addEventListener("submit", onSubmit); dialog.addEventListener("cancel", onCancel);
    cancel.addEventListener("click", onCancelClick);
    dialog.showModal();
    (code ? input : cancel).focus(); // an irreversible step never starts from a stray Enter
  });
}

/** Ask about el's step (el carries data-confirm); resolves true to go on, false to stop. */
export function confirmStep(el) {
  if (!el || el.dataset.confirm === undefined) return Promise.resolve(true);
  if (justConfirmed.has(el)) return Promise.resolve(true);
  if (asking) return Promise.resolve(false); // one question at a time: a second click while it is open is dropped
  asking = askInDialog(el).finally(() => { asking = null; });
  return asking;
}
window.confirmStep = confirmStep;

function replay(marks, run) {
  for (const m of marks) justConfirmed.add(m);
  try { run(); } finally { for (const m of marks) justConfirmed.delete(m); }
}

const isSubmitButton = (el) => (el instanceof HTMLButtonElement || el instanceof HTMLInputElement) && el.form && (el.type === "submit" || el.type === "image");

window.addEventListener("click", (ev) => {
  const el = ev.target instanceof Element ? ev.target.closest("[data-confirm]") : null;
  // Forms and their submit buttons ask at submit, after the browser's checks of the fields.
  if (!el || el instanceof HTMLFormElement || isSubmitButton(el) || el.disabled) return;
  if (replaying.has(el)) { replaying.delete(el); return; }
  ev.preventDefault(); ev.stopImmediatePropagation();
  confirmStep(el).then((yes) => { if (yes && el.isConnected) replay([el], () => { replaying.add(el); el.click(); replaying.delete(el); }); });
}, true);

window.addEventListener("submit", (ev) => {
  const form = ev.target;
  if (!(form instanceof HTMLFormElement)) return;
  const submitter = ev.submitter && ev.submitter.dataset.confirm !== undefined ? ev.submitter : null;
  const el = submitter || (form.dataset.confirm !== undefined ? form : null);
  if (!el) return;
  if (replaying.has(form)) { replaying.delete(form); return; }
  ev.preventDefault(); ev.stopImmediatePropagation();
  const by = ev.submitter && ev.submitter.isConnected ? ev.submitter : undefined;
  confirmStep(el).then((yes) => {
    if (yes && form.isConnected) replay([el, form], () => { replaying.add(form); form.requestSubmit(by); replaying.delete(form); });
  });
}, true);

document.addEventListener("submit", (ev) => {
  const form = ev.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.api) return;
  ev.preventDefault();
  submit(form);
});

document.addEventListener("click", async (ev) => {
  // A button whose page script handles it itself (data-own-script) is left to that script.
  const el = ev.target.closest("[data-post]:not([data-own-script]),[data-logout],[data-delete]:not([data-own-script])");
  if (!el) return;
  ev.preventDefault();
  try {
    if (el.dataset.logout !== undefined) { await api("POST", "/auth/logout"); location.assign("/login"); return; }
    if (el.dataset.delete) {
      if (!(await confirmStep(el))) return;
      await api("DELETE", el.dataset.delete);
      if (el.dataset.then) { location.assign(el.dataset.then); return; }
    } else {
      await api("POST", el.dataset.post);
    }
    if (el.dataset.reload !== undefined) location.reload();
  } catch (err) { toast(err.message); }
});

// Tier → class: only the classes of the chosen tier are offered.
for (const select of document.querySelectorAll("[data-tier-select]")) {
  const classSelect = select.form.querySelector("[name=tier_class]");
  const sync = () => {
    for (const opt of classSelect.options) {
      if (!opt.dataset.tier) continue;
      opt.hidden = opt.dataset.tier !== select.value;
      if (opt.hidden && opt.selected) classSelect.value = "";
    }
  };
  select.addEventListener("change", sync); sync();
}

for (const form of document.querySelectorAll("form[data-autosubmit]")) submit(form);

// The language switch keeps the page's query (its filters) — added here, at the click, so a search
// typed into the page (a full ID number, say) is never written into the page's HTML.
document.addEventListener("click", (ev) => {
  const a = ev.target instanceof Element ? ev.target.closest("a[data-lang-switch]") : null;
  if (!a || !location.search) return;
  const url = new URL(a.href, location.href);
  url.searchParams.set("next", location.pathname + location.search);
  a.href = url.pathname + url.search;
});
