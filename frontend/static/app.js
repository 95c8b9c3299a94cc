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

document.addEventListener("submit", (ev) => {
  const form = ev.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.api) return;
  ev.preventDefault();
  submit(form);
});

document.addEventListener("click", async (ev) => {
  const el = ev.target.closest("[data-post],[data-logout],[data-delete]");
  if (!el) return;
  ev.preventDefault();
  try {
    if (el.dataset.logout !== undefined) { await api("POST", "/auth/logout"); location.assign("/login"); return; }
    if (el.dataset.delete) {
      if (!confirm(el.textContent.trim() + "?")) return;
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
