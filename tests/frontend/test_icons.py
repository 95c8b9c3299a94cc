"""Icons are inline SVG (no emoji, no symbol a kiosk's fonts may lack), the same shapes for the
templates (``frontend/icons.py``) and the scripts (``static/icons.js``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from frontend.icons import ICONS, icon

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
#: Emoji and the symbol blocks (dingbats, misc symbols) fonts without emoji draw as empty boxes.
GLYPHS = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u25a0-\u25ff]")


def test_the_scripts_draw_the_same_icons():
    source = (FRONTEND / "static" / "icons.js").read_text(encoding="utf-8")
    js = json.loads(re.search(r"export const ICONS = (\{.*?\});", source, re.S).group(1))
    assert js == ICONS


def test_an_icon_is_labelled_or_hidden():
    assert 'aria-hidden="true"' in icon("check") and "<title>" not in icon("check")
    labelled = icon("flag", "须复评 <1>")
    assert 'role="img"' in labelled and 'aria-label="须复评 &lt;1&gt;"' in labelled and "<title>须复评 &lt;1&gt;</title>" in labelled


def test_no_emoji_or_symbol_glyphs_in_pages_and_scripts():
    found = []
    for path in [*(FRONTEND / "templates").glob("*.html"), *(FRONTEND / "static").glob("*.js"), *(FRONTEND / "static").glob("*.css")]:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("//")[0] if path.suffix == ".js" else line
            if GLYPHS.search(code):
                found.append(f"{path.name}:{n}: {line.strip()[:80]}")
    assert not found, found
