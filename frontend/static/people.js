// The people page: a form marked data-secret="password" | "code" posts through app.js; what it
// answers (a generated password, or a login code with its QR) is shown once in #secret, and the
// page reloads when it is closed (the secret is never stored in the page or the browser).

const box = document.getElementById("secret");
const labels = document.getElementById("secret-labels");

function label(kind) {
  const el = labels && labels.content.querySelector(kind === "code" ? "[data-code]" : "[data-password]");
  return el ? el.textContent : "";
}

function show(form, data) {
  if (!box || !data) return;
  const kind = form.dataset.secret;
  const value = kind === "code" ? data.code : data.password;
  if (!value) { location.reload(); return; }
  const who = form.dataset.who || (form.elements.display_name && form.elements.display_name.value) || "";
  box.querySelector("[data-secret-who]").textContent = who;
  box.querySelector("[data-secret-user]").textContent = data.username || form.dataset.username || "";
  box.querySelector("[data-secret-label]").textContent = label(kind);
  box.querySelector("[data-secret-value]").textContent = value;
  const expires = box.querySelector("[data-secret-expires]");
  expires.hidden = !data.expires_at;
  if (data.expires_at) {
    expires.querySelector("span").textContent = new Date(data.expires_at).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
  }
  const qr = box.querySelector("[data-secret-qr]");
  qr.hidden = !data.qr_svg;
  if (data.qr_svg) qr.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(data.qr_svg);
  else qr.removeAttribute("src");
  box.hidden = false;
  box.scrollIntoView({ block: "start" });
  box.querySelector("[data-secret-done]").focus();
}

for (const form of document.querySelectorAll("form[data-secret]")) {
  form.addEventListener("api:done", (ev) => show(form, ev.detail));
}

// Picking a contestant fills in the account's display name (still editable).
for (const select of document.querySelectorAll("select[data-fill-name]")) {
  select.addEventListener("change", () => {
    const opt = select.selectedOptions[0];
    const name = select.form.elements.display_name;
    if (opt && opt.dataset.name && name && !name.value) name.value = opt.dataset.name;
  });
}

if (box) {
  box.querySelector("[data-secret-done]").addEventListener("click", () => {
    box.querySelector("[data-secret-value]").textContent = "";
    box.hidden = true;
    location.reload();
  });
  box.querySelector("[data-print-secret]").addEventListener("click", () => window.print());
}
