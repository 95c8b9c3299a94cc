// The review queues (代表队报名审核): tick rows, then accept / approve (the form asks first:
// data-confirm) or send them back with a reason. The API answers all or none, and its error names why.
import { api, toast } from "/static/app.js";

const texts = JSON.parse(document.getElementById("review-texts")?.textContent || "{}");
const picks = () => [...document.querySelectorAll("[data-pick]:checked")].map((b) => Number(b.value));

document.querySelector("[data-select-all]")?.addEventListener("change", (ev) => {
  for (const box of document.querySelectorAll("[data-pick]")) box.checked = ev.target.checked;
});

for (const form of document.querySelectorAll("form[data-review]")) {
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const box = form.querySelector("[data-form-error]");
    box.textContent = "";
    const ids = picks();
    if (!ids.length) { box.textContent = texts.nothing || "—"; return; }
    const body = { contestant_ids: ids };
    if (form.reason) body.reason = form.reason.value;
    try {
      await api("POST", form.dataset.review, body);
      location.reload();
    } catch (err) { box.textContent = err.message; toast(err.message); }
  });
}
