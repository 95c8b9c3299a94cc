"""Server side of the judge tablet: the page (login redirect, texts for the script, no names), the
service worker served from the root with its version, and the offline asset list."""

from __future__ import annotations

import json
import re

import pytest
from harness import Client
from live_world import World, build  # noqa: E402

from frontend.pages_tablet import JS_TEXTS, OFFLINE_ASSETS, STATIC, TEXTS  # noqa: E402

NAMES = ["选手0", "选手1", "选手2", "选手3"]


@pytest.fixture
async def world(server):
    w = await build(server)
    yield w
    await w.close()


def _texts(html: str) -> dict[str, str]:
    m = re.search(r'<script type="application/json" id="tablet-i18n">(.*?)</script>', html, re.S)
    assert m, "the page passes its texts to the script"
    return json.loads(m.group(1))


async def test_tablet_needs_login(anon):
    r = await anon.get("/tablet", headers={"Accept": "text/html"})
    assert r.status_code in (302, 303, 307)
    assert r.headers["location"] == "/login?next=/tablet"


async def test_tablet_page_for_a_judge(world: World, server):
    judge = world.judges[0]
    r = await judge.get("/tablet", headers={"Accept": "text/html"})
    assert r.status_code == 200, r.text
    html = r.text
    texts = _texts(html)
    assert set(texts) == set(JS_TEXTS)
    assert texts["conn_online"] == "在线" and texts["state_saved"] == "已保存"
    assert "/static/tablet.js" in html and "/static/tablet.css" in html
    assert not any(name in html for name in NAMES)
    # The assignments the script loads: encrypted numbers, never names or delegations.
    assignments = (await judge.get("/api/judge/assignments")).json()
    dumped = json.dumps(assignments, ensure_ascii=False)
    assert not any(name in dumped for name in NAMES) and "广州市" not in dumped
    # English on the switch.
    en = Client(server.base_url, lang="en")
    en.http.cookies.update(judge.http.cookies)
    try:
        r = await en.get("/tablet", headers={"Accept": "text/html"})
        assert _texts(r.text)["conn_online"] == "Online"
    finally:
        await en.aclose()
    # The page's asset version is the service worker's.
    version = re.search(r'data-version="([0-9a-f]{12})"', html).group(1)
    sw = (await judge.get("/sw.js")).text
    assert f'const VERSION = "{version}";' in sw


async def test_tablets_list_only_contestants_checked_in(world: World):
    """Not checked in (registered late, never came) or checked in absent: not on the tablet.
    Listed by encrypted number and workstation only, never a server sequence number."""
    import asyncio

    from harness import new_contestant

    eid, sid = world.event["id"], world.skill["id"]
    await new_contestant(world.admin, eid, delegation="珠海市")  # registered, never checked in
    mapping = (await world.officer.get(f"/api/events/{eid}/skills/{sid}/encryption/mapping")).json()["items"]
    gone = next(m["contestant_id"] for m in mapping if m["encrypted_no"] == world.refs[3])
    r = await world.admin.put(f"/api/events/{eid}/checkin/{gone}", json={"status": "absent", "reason": "未到场"})
    assert r.status_code == 200, r.text
    listed: list[dict] = []
    for _ in range(30):  # the live context is cached for a few seconds
        skill = next(s for s in (await world.judges[0].get("/api/judge/assignments")).json()["skills"] if s["skill_id"] == sid)
        listed = skill["contestants"]
        if {c["ref"] for c in listed} == set(world.refs[:3]):
            break
        await asyncio.sleep(0.25)
    assert {c["ref"] for c in listed} == set(world.refs[:3])
    assert all(set(c) == {"ref", "workstation_no"} for c in listed)
    assert "#{seq}" not in "".join(TEXTS[k][0] + TEXTS[k][1] for k in TEXTS)


async def test_service_worker_is_served_from_the_root(anon):
    r = await anon.get("/sw.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["cache-control"] == "no-cache"
    assert "__TABLET_VERSION__" not in r.text
    assets = json.loads(re.search(r"const ASSETS = (\[.*?\]);", r.text).group(1))
    assert sorted(assets) == sorted(f"/static/{name}" for name in OFFLINE_ASSETS)
    for url in assets:  # everything the worker pre-caches exists (a missing one fails its install)
        assert (await anon.get(url)).status_code == 200, url
    manifest = json.loads((await anon.get("/static/manifest.webmanifest")).text)
    assert manifest["start_url"] == "/tablet"


def test_texts_are_bilingual_and_complete():
    for key, (zh, en) in TEXTS.items():
        assert zh.strip() and en.strip() and zh != en, key
        assert set(re.findall(r"\{(\w+)\}", zh)) == set(re.findall(r"\{(\w+)\}", en)), key
    # Every text the script reads is passed to it.
    source = (STATIC / "tablet.js").read_text(encoding="utf-8")
    used = set(re.findall(r"\bT\.(\w+)", source))
    used |= {f"kind_{k}" for k in "JMS"} | {f"state_{s}" for s in ("queued", "sent", "saved", "rejected")}
    used |= {f"conn_{s}" for s in ("online", "offline", "reconnecting", "connecting", "login")}
    assert used <= set(JS_TEXTS), used - set(JS_TEXTS)
