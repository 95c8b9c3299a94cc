// The arbitrator's decision form: outcome, reason and corrected marks (one per line:
// "encrypted-no aspect judge-id value", or a JSON list), posted as JSON to the API.
import { api, toast } from "/static/app.js";

function parseMarks(text) {
  const src = text.trim();
  if (!src) return [];
  if (src.startsWith("[")) return JSON.parse(src);
  return src.split(/\n+/).map((line, i) => {
    const parts = line.trim().split(/[\s,，]+/);
    if (parts.length !== 4) throw Object.assign(new Error(`第 ${i + 1} 行 / line ${i + 1}: ${line}`), { field: "marks" });
    const [contestant, aspect, seat, value] = parts;
    return { contestant, aspect, seat: Number(seat), value };
  });
}

document.addEventListener("submit", async (ev) => {
  const form = ev.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.decide) return;
  ev.preventDefault();
  const box = form.querySelector("[data-form-error]");
  const button = form.querySelector("[type=submit]");
  try {
    const outcome = form.querySelector("[name=outcome]:checked")?.value;
    const body = { outcome, reason: form.elements.reason.value, marks: outcome === "upheld" ? parseMarks(form.elements.marks.value) : [] };
    if (button) button.disabled = true;
    const data = await api("POST", form.dataset.decide, body);
    if (data && data.apply_error) toast(data.apply_error.message[document.documentElement.lang.startsWith("en") ? "en" : "zh"] || "");
    location.reload();
  } catch (err) {
    if (box) box.textContent = err.message;
    if (err.field) form.querySelector(`[name="${err.field.split(/[.[]/)[0]}"]`)?.classList.add("invalid");
  } finally {
    if (button) button.disabled = false;
  }
});
