// Judges pages: remove/unassign buttons, assignment forms that show coverage warnings after the
// reload, and the printable login cards (codes are issued by a POST, never by loading the page).
import { api, confirmStep, toast } from "/static/app.js";

const FLASH_KEY = "judges-flash";

// A message kept across the reload that follows an assignment.
const flashBox = document.querySelector("[data-flash]");
if (flashBox) {
  const text = sessionStorage.getItem(FLASH_KEY);
  if (text) { flashBox.textContent = text; sessionStorage.removeItem(FLASH_KEY); }
}

document.addEventListener("click", async (ev) => {
  const el = ev.target.closest("[data-delete][data-own-script]");
  if (!el) return;
  ev.preventDefault();
  if (!(await confirmStep(el))) return;
  el.disabled = true;
  try {
    const data = await api("DELETE", el.dataset.delete);
    if (data && data.warning) sessionStorage.setItem(FLASH_KEY, data.warning);
    if (el.dataset.redirect) location.assign(el.dataset.redirect); else location.reload();
  } catch (err) {
    toast(err.message);
    if (flashBox) flashBox.textContent = err.message;
  } finally {
    el.disabled = false;
  }
});

// Assignment forms: the add form's URL follows the chosen judge; after saving, reload and show warnings.
for (const form of document.querySelectorAll("form[data-judges-assign]")) {
  const template = form.dataset.apiTemplate;
  if (template) {
    const select = form.querySelector("[name=judge_id]");
    const sync = () => { form.dataset.api = template.replace("{judge_id}", select.value); };
    select.addEventListener("change", sync); sync();
  }
  form.addEventListener("api:done", (ev) => {
    const data = ev.detail || {};
    if (data.warning) sessionStorage.setItem(FLASH_KEY, data.warning);
    location.reload();
  });
}

// Login cards.
const cardsForm = document.getElementById("cards-form");
const cardsBox = document.getElementById("cards");
if (cardsForm && cardsBox) {
  const T = cardsBox.dataset;
  const boxes = () => [...cardsForm.querySelectorAll("input[name=judge]:not(:disabled)")];
  const all = cardsForm.querySelector("[data-select-all]");
  if (all) all.addEventListener("change", () => boxes().forEach((b) => { b.checked = all.checked; }));
  const printButton = cardsForm.querySelector("[data-print]");
  printButton.addEventListener("click", () => window.print());

  const el = (tag, cls, text) => {
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined) n.textContent = text;
    return n;
  };

  function card(eventName, c) {
    const root = el("article", "login-card");
    root.dataset.judge = c.judge_id;
    root.append(el("div", "event", `${eventName} · ${T.tHeading}`));
    const body = el("div", "body");
    const text = el("div", "text");
    text.append(el("p", "who", c.name));
    const skills = c.assignments.length
      ? c.assignments.map((a) => `${a.skill_name} · ${a.role === "chief_judge" ? T.tChief : T.tJudge}${a.criteria.length ? " · " + a.criteria.join(", ") : ""}`).join("；")
      : T.tUnassigned;
    text.append(el("div", "skill", skills));
    text.append(el("div", "small label", T.tCode), el("div", "code", c.code));
    text.append(el("div", "small", `${T.tExpires} ${c.expires_local}`));
    const qr = el("div", "qr");
    qr.innerHTML = c.qr_svg; // SVG made by our server from the login URL
    body.append(text, qr);
    root.append(body, el("div", "small help", `${T.tHelp} ${c.login_url}`));
    return root;
  }

  cardsForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const errorBox = cardsForm.querySelector("[data-form-error]");
    errorBox.textContent = "";
    const ids = boxes().filter((b) => b.checked).map((b) => Number(b.value));
    if (!ids.length) { errorBox.textContent = T.tNone; return; }
    const hours = Number(cardsForm.querySelector("[name=hours]").value || 12);
    const button = cardsForm.querySelector("[type=submit]");
    button.disabled = true;
    try {
      const body = { judge_ids: ids, hours };
      if (cardsForm.dataset.skill) body.skill_id = Number(cardsForm.dataset.skill);
      const data = await api("POST", `/api/events/${cardsForm.dataset.event}/judges/login-cards`, body);
      cardsBox.replaceChildren(...data.cards.map((c) => card(data.event.name, c)));
      if (data.skipped.length) errorBox.textContent = T.tSkipped.replace("{names}", data.skipped.map((s) => s.name).join("、"));
      printButton.hidden = false;
      if (data.cards.length) window.print();
    } catch (err) {
      errorBox.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  });
}
