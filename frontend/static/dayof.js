// Shared by the competition-day pages: pickers reload on change, print, draw replay.
import { api, toast } from "/static/app.js";

for (const form of document.querySelectorAll("form[data-autoreload]")) {
  form.addEventListener("change", (ev) => {
    // A new skill starts at its first session.
    if (ev.target.name === "skill_id") { const s = form.querySelector("[name=session]"); if (s) s.disabled = true; }
    form.submit();
  });
}

for (const b of document.querySelectorAll("[data-print]")) b.addEventListener("click", () => window.print());

for (const b of document.querySelectorAll("[data-replay]")) {
  b.addEventListener("click", async () => {
    const out = b.parentElement.querySelector("[data-replay-result]");
    try {
      const r = await api("POST", b.dataset.replay);
      out.textContent = r.verified ? b.dataset.ok : b.dataset.bad;
      out.className = r.verified ? "verified-ok" : "verified-bad";
    } catch (err) { toast(err.message); }
  });
}
document.body.dataset.dayofReady = "1";
