"""Every irreversible step asks first: walks the templates and the page scripts and finds every element
that starts one of the steps below (by the API address it posts to), and asserts it carries
``data-confirm`` with a known message — and ``data-confirm-code`` for the most consequential ones.
A new button, form or script call for one of these steps without a confirmation fails here; a new
kind of irreversible step belongs in ``STEPS``."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from frontend import messages  # noqa: F401  (registers the texts)
from kernel import i18n

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
TEMPLATES = FRONTEND / "templates"
STATIC = FRONTEND / "static"

# step: (the API address it posts to, ends with; the event code must be typed)
STEPS: dict[str, tuple[str, bool]] = {
    "draw": (r"/draws", False),
    "encryption": (r"/encryption/rounds", False),
    "decryption": (r"/decrypt", True),
    "sign-off: submit": (r"/scores/submit", False),
    "sign-off: re-check": (r"/scores/recheck", False),
    "sign-off: withdrawal": (r"/scores/withdraw", False),
    "publication": (r"/results/provisional", False),
    "final": (r"/results/final", True),
    "archive": (r"/archive", False),
    "certificate issuance": (r"/certificates/issue", True),
    "certificate revocation": (r"/revoke", True),
    "appeal decision": (r"/decision", False),
    "appeal corrections applied": (r"/appeals/[^/]+/apply", False),
    "approval of proposals": (r"/proposals/approve", False),
    "striking a proposal": (r"/strike", False),
    "accepting delegation registrations": (r"/registration/reviews/accept", False),
    "city approval of registrations": (r"/city/reviews/approve", False),
    "national record batch marked as sent": (r"/national-record/send", False),
}
# Attributes that name the address an element posts to (app.js, results.js, plain forms).
ADDRESS_ATTRS = ("data-api", "data-post", "data-delete", "data-decide", "data-review", "action", "formaction")
# Steps a page script starts from its own handler: the script's address → the element that triggers it.
SCRIPT_TRIGGERS = {"/certificates/issue": ("certificates_event.html", "data-issue")}


def _step(address: str) -> str | None:
    path = address.split("?")[0].rstrip("/")
    for name, (suffix, _) in STEPS.items():
        if re.search(f"{suffix}$", path):
            return name
    return None


class _Walker(HTMLParser):
    """Collects (step, element attributes, the enclosing form's submit buttons) per template."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, dict[str, str | None], list[dict[str, str | None]]]] = []
        self.forms: list[tuple[str | None, dict[str, str | None], list[dict[str, str | None]]]] = []
        self.triggers: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.triggers.append(a)
        step = next((s for k in ADDRESS_ATTRS if a.get(k) and (s := _step(a[k] or ""))), None)
        if tag == "form":
            self.forms.append((step, a, []))
            return
        if self.forms and tag in ("button", "input") and (a.get("type") or "submit") == "submit":
            self.forms[-1][2].append(a)
        if step:
            self.found.append((step, tag, a, []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.forms:
            step, a, buttons = self.forms.pop()
            if step:
                self.found.append((step, "form", a, buttons))


def _walk(path: Path) -> _Walker:
    w = _Walker()
    w.feed(path.read_text(encoding="utf-8"))
    return w


def _confirmation(attrs: dict[str, str | None], buttons: list[dict[str, str | None]]) -> dict[str, str | None] | None:
    for a in (attrs, *buttons):
        if a.get("data-confirm"):
            return a
    return None


def _check_message(where: str, value: str) -> None:
    """A message key (``confirm.draw``, or rendered with ``t('confirm.revoke', …)``) must be in the catalogue."""
    keys = re.findall(r"confirm\.[a-z0-9_]+", value)
    assert keys or "{{" not in value, f"{where}: data-confirm={value!r} renders no confirm.* message"
    for key in keys:
        assert i18n.has(key), f"{where}: data-confirm names {key!r}, which is not in the message catalogue"


def test_every_irreversible_element_asks_first() -> None:
    seen: set[str] = set()
    problems: list[str] = []
    for path in sorted(TEMPLATES.glob("*.html")):
        for step, tag, attrs, buttons in _walk(path).found:
            seen.add(step)
            where = f"{path.name}: <{tag} {' '.join(f'{k}={v!r}' for k, v in attrs.items() if k in ADDRESS_ATTRS)}> ({step})"
            c = _confirmation(attrs, buttons)
            if c is None:
                problems.append(f"{where} has no data-confirm")
                continue
            _check_message(where, c["data-confirm"] or "")
            if STEPS[step][1] and not (c.get("data-confirm-code") or "").strip():
                problems.append(f"{where} must have the event code typed: data-confirm-code")
    assert not problems, "\n".join(problems)
    # The walk still finds the steps (a renamed attribute would otherwise pass silently).
    scripted = {_step(a) for a in SCRIPT_TRIGGERS}
    assert set(STEPS) - scripted <= seen, f"steps not found in any template: {set(STEPS) - scripted - seen}"


def _scripts() -> list[tuple[str, str]]:
    out = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(STATIC.glob("*.js"))]
    for p in sorted(TEMPLATES.glob("*.html")):
        for body in re.findall(r"<script(?![^>]*application/json)[^>]*>(.*?)</script>", p.read_text(encoding="utf-8"), re.S):
            out.append((p.name, body))
    return out


def test_every_irreversible_script_call_asks_first() -> None:
    problems: list[str] = []
    for name, body in _scripts():
        for address in re.findall(r"""[`"'](/api/[^`"']*)[`"']""", body):
            step = _step(address)
            if not step:
                continue
            suffix = next((s for s in SCRIPT_TRIGGERS if address.rstrip("/").endswith(s)), None)
            if suffix is None:
                problems.append(f"{name} posts to {address} ({step}): add its trigger to SCRIPT_TRIGGERS and give it data-confirm")
                continue
            if "confirmStep(" not in body:
                problems.append(f"{name} posts to {address} ({step}) without `await confirmStep(el)`")
            template, trigger = SCRIPT_TRIGGERS[suffix]
            elements = [a for a in _walk(TEMPLATES / template).triggers if trigger in a]
            assert elements, f"{template}: no element with {trigger}"
            for a in elements:
                if not a.get("data-confirm"):
                    problems.append(f"{template}: [{trigger}] ({step}) has no data-confirm")
                elif STEPS[step][1] and not a.get("data-confirm-code"):
                    problems.append(f"{template}: [{trigger}] ({step}) must have data-confirm-code")
                else:
                    _check_message(f"{template} [{trigger}]", a["data-confirm"] or "")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_the_dialog_and_every_step_have_both_languages(lang: str) -> None:
    texts = i18n.texts("confirm.", lang)
    for key in ("confirm.cancel", "confirm.ok", "confirm.code_prompt"):
        assert texts.get(key), key
    assert "{code}" in texts["confirm.code_prompt"]
    undone = ("不能", "不可") if lang == "zh" else ("cannot", "can never")
    steps = [
        k
        for k in texts
        if k not in ("confirm.title", "confirm.cancel", "confirm.ok", "confirm.code_prompt", "confirm.code_label", "confirm.code_mismatch")
    ]
    assert len(steps) >= len(STEPS) - 1
    for key in steps:
        assert any(u in texts[key] for u in undone), f"{key} ({lang}) does not say what cannot be undone"
