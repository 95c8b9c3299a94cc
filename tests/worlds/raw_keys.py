"""Finding message keys a page shows raw. ``kernel.i18n.t`` renders a key it does not know as the
key itself (``judges.card_code``), so a missing or misspelt key shows on the page as a dotted
lower-case word whose first part is one of the catalogue's namespaces (``judges``, ``dayof``,
``error`` …). The pages' scripts take their texts from ``data-t-*`` attributes and JSON blocks
rendered by the same function, so those are read too."""

from __future__ import annotations

import re
from functools import lru_cache

# A key as the catalogue spells them: namespace.part[.part…], lower case, digits and underscores.
KEY = re.compile(r"(?<![\w.@/:-])([a-z][a-z0-9_]*)((?:\.[a-z0-9_]+)+)(?![\w/@-]|\.[a-z0-9_])")
FILES = ("js", "css", "json", "png", "jpg", "svg", "pdf", "xlsx", "csv", "zip", "html", "txt")

# What a page shows besides its text: attributes people read, and the texts scripts will show.
PAGE_TEXTS = """() => {
  const out = [document.title, document.body ? document.body.innerText : ""];
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      if (["placeholder", "title", "aria-label", "alt", "label"].includes(a.name) || a.name.startsWith("data-t-")) out.push(a.value);
      if (a.name === "value" && el.matches("input[type=submit], input[type=button], button, option")) out.push(a.value);
    }
  }
  // A JSON block's values are texts a script may show; its keys are names (the confirmation
  // dialog's texts are keyed by their message keys), never shown.
  // A value under "path" names a setting (awards.params.ratio), not a text.
  const values = (v) => typeof v === "string" ? [v] : Array.isArray(v) ? v.flatMap(values)
    : v && typeof v === "object" ? Object.entries(v).flatMap(([k, x]) => (k === "path" ? [] : values(x))) : [];
  for (const s of document.querySelectorAll("script[type='application/json']")) {
    try { out.push(...values(JSON.parse(s.textContent))); } catch (e) { out.push(s.textContent); }
  }
  for (const d of document.querySelectorAll("dialog")) out.push(d.textContent);
  return out.join("\\n");
}"""


@lru_cache(maxsize=1)
def catalogue() -> tuple[frozenset[str], frozenset[str]]:
    """Every key and every namespace, after importing what registers messages (the whole app)."""
    import server.routes  # noqa: F401  (every page and controller registers its messages on import)
    from kernel import i18n

    keys = i18n.keys()
    return keys, frozenset(k.split(".", 1)[0] for k in keys)


def raw_keys(text: str) -> list[str]:
    """The message keys (known or not) that ``text`` shows as they are, in order, once each."""
    keys, namespaces = catalogue()
    found: list[str] = []
    for m in KEY.finditer(text):
        key = m.group(1) + m.group(2)
        if key.rsplit(".", 1)[1] in FILES and key not in keys:
            continue
        if (key in keys or m.group(1) in namespaces) and key not in found:
            found.append(key)
    return found


async def page_raw_keys(page) -> list[str]:
    return raw_keys(await page.evaluate(PAGE_TEXTS))
