"""Inline SVG icons (no icon font, no emoji: a kiosk or tablet without an emoji font showed empty
boxes). Each is drawn in ``currentColor`` at the text's size and always comes with a text label
(beside it, or as ``aria-label``/``title`` where there is no room). The same shapes are in
``static/icons.js`` for the scripts (``tests/frontend/test_icons.py`` keeps the two alike)."""

from __future__ import annotations

from markupsafe import Markup, escape

#: name → the SVG's inner markup, on a 24 × 24 grid, stroked.
ICONS: dict[str, str] = {
    "search": '<circle cx="11" cy="11" r="7"/><path d="M20 20l-4-4"/>',
    "warning": '<path d="M12 3l10 18H2z"/><path d="M12 10v5M12 18v.5"/>',
    "check": '<path d="M4 12.5l5 5L20 6.5"/>',
    "lock": '<rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V7a4 4 0 018 0v4"/>',
    "flag": '<path d="M5 21V4M5 4h11l-2 4 2 4H5"/>',
    "snowflake": '<path d="M12 2v20M3.3 7l17.4 10M3.3 17L20.7 7M9 4l3 2 3-2M9 20l3-2 3 2"/>',
    "prev": '<path d="M15 5l-7 7 7 7"/>',
    "next": '<path d="M9 5l7 7-7 7"/>',
}


def icon(name: str, label: str = "") -> Markup:
    """``<svg class="icon">``; with ``label`` the icon speaks it (``role="img"``), otherwise it is
    decoration beside a visible text (``aria-hidden``)."""
    body = ICONS[name]
    a11y = f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>' if label else 'aria-hidden="true" focusable="false">'
    return Markup(
        f'<svg class="icon icon-{name}" viewBox="0 0 24 24" width="1em" height="1em" fill="none" stroke="currentColor" '
        f'stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round" {a11y}{body}</svg>'
    )
