// Check-in on a phone: filter by name, ID tail or workstation (or scan the whole ID number),
// tap a contestant, then one tap on 到场 / 迟到 / 缺考. The server checks the ID number.
import { api, toast } from "/static/app.js";

const list = document.querySelector("[data-checkin]");
const search = document.querySelector("[data-checkin-search]");
const texts = JSON.parse(document.getElementById("dayof-texts")?.textContent || "{}");
const eventId = list?.dataset.event;
const FULL_ID = /^[0-9]{17}[0-9Xx]$/;

function people() { return [...list.querySelectorAll(".person")]; }
function typedId() { const v = search.value.replace(/\s+/g, "").toUpperCase(); return FULL_ID.test(v) ? v : ""; }

function filter() {
  const raw = search.value.trim();
  const q = raw.replace(/\s+/g, "").toUpperCase();
  const full = typedId();
  let shown = [];
  for (const li of people()) {
    const d = li.dataset;
    const hit = !q
      || (full ? full.endsWith(d.tail) : (d.name.includes(raw) || d.tail.endsWith(q) || d.tail === q || d.ws === q));
    li.hidden = !hit;
    if (hit) shown.push(li);
  }
  // A scanned ID that matches exactly one contestant opens them: one more tap checks them in.
  if (full && shown.length === 1) open(shown[0]);
}

function closeAll(except) {
  for (const p of list.querySelectorAll(".panel")) if (!except || !except.contains(p)) p.remove();
}

function open(li) {
  if (li.querySelector(".panel")) return;
  closeAll(li);
  const panel = document.getElementById("checkin-panel").content.firstElementChild.cloneNode(true);
  li.append(panel);
  const idInput = panel.querySelector("[name=id_number]");
  idInput.value = typedId();
  panel.querySelector("[data-reason]").hidden = li.dataset.status === "pending";
  for (const b of panel.querySelectorAll("[data-status]")) {
    b.addEventListener("click", () => send(li, panel, b.dataset.status));
  }
  (idInput.value ? panel.querySelector("button.present") : idInput).focus();
}

async function send(li, panel, status) {
  const error = panel.querySelector("[data-form-error]");
  const body = { status, id_number: panel.querySelector("[name=id_number]").value.trim() || null,
                 reason: panel.querySelector("[name=reason]").value.trim() };
  for (const b of panel.querySelectorAll("button")) b.disabled = true;
  try {
    const data = await api("PUT", `/api/events/${eventId}/checkin/${li.dataset.id}`, body);
    const c = data.contestant.checkin;
    li.dataset.status = c.status;
    const badge = li.querySelector("[data-badge]");
    badge.className = "badge " + c.status;
    badge.textContent = `${texts[c.status] || c.status} ${c.checked_at_china || ""}`.trim();
    for (const [k, v] of Object.entries(data.summary)) {
      const el = document.querySelector(`[data-count="${k}"]`);
      if (el) el.textContent = v;
    }
    panel.remove();
    toast(`${li.dataset.name} · ${texts[c.status] || c.status}`);
    if (typedId()) { search.value = ""; filter(); }
    search.focus();
  } catch (err) {
    error.textContent = err.message;
    const field = err.field && panel.querySelector(`[name="${err.field}"]`);
    if (err.field === "reason") panel.querySelector("[data-reason]").hidden = false;
    if (field) { field.classList.add("invalid"); field.focus(); }
  } finally {
    for (const b of panel.querySelectorAll("button")) b.disabled = false;
  }
}

if (list && search) {
  search.addEventListener("input", filter);
  search.addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter") return;
    const shown = people().filter((li) => !li.hidden);
    if (shown.length === 1) { ev.preventDefault(); open(shown[0]); }
  });
  list.addEventListener("click", (ev) => {
    const row = ev.target.closest("[data-open]");
    if (!row) return;
    const li = row.closest(".person");
    if (li.querySelector(".panel")) li.querySelector(".panel").remove(); else open(li);
  });
  list.dataset.ready = "1";
  if (search.value) filter();
}
