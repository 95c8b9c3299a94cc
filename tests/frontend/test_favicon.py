"""The site icon: ``/favicon.ico`` answers (browsers ask for it whatever the page links) and the
pages link the SVG beside it."""

from __future__ import annotations


async def test_favicon_is_served(anon):
    r = await anon.get("/favicon.ico")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/x-icon")
    assert r.content[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    svg = await anon.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.text.startswith("<svg")
    page = await anon.get("/login", headers={"Accept": "text/html"})
    assert '<link rel="icon" href="/static/favicon.svg"' in page.text
