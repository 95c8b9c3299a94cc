"""The judge tablet in Chromium: score online, lose the network, keep scoring, reload offline (the
service worker serves the page, IndexedDB keeps the queue), come back, and every mark is stored
exactly once; a live board in a second browser context shows the new ranking.

Notes on headless Chromium (Debian's, driven by Playwright ≥ 1.5x): service workers run without any
flag on http://127.0.0.1 (a secure context). ``context.set_offline`` now also applies to the
service worker's own fetches (older Playwright needed PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS),
blocks new websockets and fires the page's ``offline`` / ``online`` events; the test proves the
offline reload came from the cache by the page's render stamp.
"""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest
from harness import OUTPUT, unique
from live_world import build  # noqa: E402

pytestmark = pytest.mark.slow  # a minute or more: collected first (tests/conftest.py)

NAMES = ["选手0", "选手1", "选手2", "选手3"]

READ_OPS = """() => new Promise((resolve, reject) => {
  const req = indexedDB.open("judge-tablet", 1);
  req.onerror = () => reject(req.error);
  req.onsuccess = () => {
    const db = req.result;
    const get = db.transaction("ops", "readonly").objectStore("ops").getAll();
    get.onsuccess = () => { db.close(); resolve(get.result); };
    get.onerror = () => reject(get.error);
  };
})"""

PUT_OP = """(op) => new Promise((resolve, reject) => {
  const req = indexedDB.open("judge-tablet", 1);
  req.onerror = () => reject(req.error);
  req.onsuccess = () => {
    const db = req.result;
    const tx = db.transaction("ops", "readwrite");
    tx.objectStore("ops").put(op);
    tx.oncomplete = () => { db.close(); resolve(true); };
    tx.onerror = () => reject(tx.error);
  };
})"""

WATCH_BOARD = """(url) => {
  window.__snaps = [];
  const ws = new WebSocket(url);
  ws.onmessage = (ev) => { const f = JSON.parse(ev.data); if (f.type === "snapshot") window.__snaps.push(f); };
  window.__board = ws;
}"""

BOARD_ORDER = """() => {
  const s = window.__snaps[window.__snaps.length - 1];
  return s ? s.groups.flatMap((g) => g.rows.map((r) => r.ref)) : [];
}"""


async def _score(page, aspect: str, value: str, state: str = "saved") -> None:
    await page.click(f".aspect[data-aspect='{aspect}'] .choice[data-value='{value}']")
    await page.wait_for_selector(f".aspect[data-aspect='{aspect}'][data-state='{state}'] .choice[data-value='{value}'][aria-pressed='true']")


async def _pick(page, ref: str) -> None:
    await page.click(f"[data-contestant='{ref}']")
    await page.wait_for_selector(f".aspects-head[data-current='{ref}']")


async def _queued(page) -> int:
    return int(await page.inner_text("#tablet-queued"))


async def test_tablet_scores_offline_and_every_mark_is_stored_once(server, page):
    started = time.monotonic()
    world = await build(server)
    base = server.base_url
    eid, sid = world.event["id"], world.skill["id"]
    jid = world.judge_ids[0]  # 甲裁判 (中山市): no conflict with any contestant
    r0, r1, r2, r3 = world.refs
    marks_url = f"/api/events/{eid}/skills/{sid}/marks"
    board_ctx = None
    try:
        # Workstation numbers from the draw: the tablet shows them big, with the encrypted number.
        r = await world.admin.post(f"/api/events/{eid}/skills/{sid}/draws", json={"session": "1"})
        assert r.status_code in (200, 201), r.text
        # A live board in a second browser context, watching the skill's public websocket.
        board_ctx = await page.context.browser.new_context(locale="zh-CN")
        board = await board_ctx.new_page()
        await board.goto(f"{base}/api/public/skills/{sid}/board")
        await board.evaluate(WATCH_BOARD, world.ws_url(f"/ws/board/{sid}"))
        await board.wait_for_function("() => window.__snaps.length > 0")
        board_page = None
        if (await world.admin.get(f"/board/{sid}", headers={"Accept": "text/html"})).status_code == 200:
            board_page = await board_ctx.new_page()  # the board page, where one exists
            await board_page.goto(f"{base}/board/{sid}")

        # Not signed in: the tablet sends the judge to the login page, and back.
        await page.goto(base + "/tablet")
        assert page.url == base + "/login?next=/tablet"
        code = (await world.admin.post(f"/api/events/{eid}/accounts/{jid}/login-code", json={})).json()["code"]
        await page.goto(f"{base}/login?code={code}&next=/tablet")  # the code form submits itself
        await page.wait_for_url(base + "/tablet")
        await page.wait_for_selector("#tablet-status[data-conn='online']")
        await page.wait_for_selector("#tablet[data-offline-ready='1']", timeout=20000)
        # Encrypted and workstation numbers only, never names.
        text = await page.inner_text("main")
        assert all(ref in text for ref in world.refs) and not any(n in text for n in NAMES)
        # Reload once online: the page now comes through the service worker (and refreshes its cache).
        await page.reload()
        await page.wait_for_selector("#tablet-status[data-conn='online']")
        rendered_online = await page.get_attribute("#tablet", "data-rendered")

        # --- Online: marks are saved, each with the time (never the server's sequence number).
        await _pick(page, r1)
        await _score(page, "B1.1", "40")
        await _score(page, "B1.2", "40")
        await _score(page, "A1.1", "3")
        state_text = await page.inner_text(".aspect[data-aspect='B1.1'] [data-aspect-state]")
        assert "已保存" in state_text and "#" not in state_text
        # A correction needs a reason (the server's reason_required), asked before sending.
        await page.click(".aspect[data-aspect='B1.2'] .choice[data-value='0']")
        await page.wait_for_selector("#reason-dialog[open]")
        await page.click("#reason-form [value=confirm]")
        await page.wait_for_selector("#reason-form [data-form-error]:has-text('请填写修改理由')")
        await page.fill("#reason-form [name=reason]", "复核测量记录后更正")
        await page.click("#reason-form [value=confirm]")
        await page.wait_for_selector(".aspect[data-aspect='B1.2'][data-state='saved'] .choice[data-value='0'][aria-pressed='true']")
        # The other two judges score A1.1 two points lower: the spread rule flags it for this judge,
        # who re-scores without a reason; the flag clears.
        for judge in world.judges[1:3]:
            r = await judge.post(marks_url, json={"op_id": unique("api-"), "contestant": r1, "aspect": "A1.1", "value": "1"})
            assert r.status_code in (200, 201), r.text
        await page.wait_for_selector(".aspect[data-aspect='A1.1'].flagged")
        await page.wait_for_selector(f"[data-contestant='{r1}'] .badge.flag")
        await page.click(".aspect[data-aspect='A1.1'] .choice[data-value='2']")
        await page.wait_for_selector(".aspect[data-aspect='A1.1']:not(.flagged)[data-state='saved'] .choice[data-value='2'][aria-pressed='true']")
        assert not await page.is_visible("#reason-dialog[open]")
        await board.wait_for_function(f"(first) => ({BOARD_ORDER})()[0] === first", arg=r1)

        # Another judge takes r3's B1.1 first: the tablet's own mark for it will be refused (panel full).
        r = await world.judges[1].post(marks_url, json={"op_id": unique("api-"), "contestant": r3, "aspect": "B1.1", "value": "40"})
        assert r.status_code in (200, 201), r.text
        # This judge's A1.2 of r2 is committed (through the API, same account, same op id) but its
        # acknowledgement never reached the tablet: the op waits in IndexedDB as "sent".
        lost_op = "lostack" + unique().lower()
        r = await world.judges[0].post(marks_url, json={"op_id": lost_op, "contestant": r2, "aspect": "A1.2", "value": "2"})
        assert r.status_code in (200, 201), r.text
        lost_seq = r.json()["seq"]

        # --- Offline: marks queue on the tablet.
        await page.context.set_offline(True)
        await page.wait_for_selector("#tablet-status[data-conn='offline']")
        await _pick(page, r2)
        await _score(page, "B1.1", "40", "queued")
        await _score(page, "B1.2", "40", "queued")
        await _pick(page, r3)
        await _score(page, "B1.1", "0", "queued")
        await _score(page, "B1.2", "0", "queued")
        await _pick(page, r0)
        await _score(page, "B1.1", "40", "queued")
        # Changed before it ever left the tablet: edited in place, no reason asked, one mark.
        await _score(page, "B1.1", "0", "queued")
        assert not await page.is_visible("#reason-dialog[open]")
        assert await _queued(page) == 5
        await page.evaluate(PUT_OP, {
            "op_id": lost_op, "n": 10**9, "user_id": jid, "state": "sent", "sent": 1, "at": int(time.time() * 1000),
            "frame": {"type": "mark", "op_id": lost_op, "skill_id": sid, "contestant": r2, "aspect": "A1.2", "value": "2"},
        })  # fmt: skip

        # Reload without the network: the service worker serves the page (the same render as the last
        # online load: from its cache), its assets and the assignments; the queue comes back from IndexedDB.
        await page.reload()
        await page.wait_for_selector(f"[data-contestant='{r2}']")
        assert await page.get_attribute("#tablet", "data-rendered") == rendered_online
        await page.wait_for_selector("#tablet-status[data-conn='offline']")
        assert await _queued(page) == 6
        await _pick(page, r2)
        await page.wait_for_selector(".aspect[data-aspect='B1.1'][data-state='queued'] .choice[data-value='40'][aria-pressed='true']")
        await page.wait_for_selector(".aspect[data-aspect='A1.2'][data-state='queued']")
        await page.screenshot(path=str(OUTPUT / "tablet-offline-queued.png"), full_page=True)

        # --- Back online: the queue flushes in order; nothing is stored twice.
        await page.context.set_offline(False)
        await page.wait_for_selector("#tablet-status[data-conn='online']", timeout=15000)
        await page.wait_for_selector("#tablet-status[data-queued='0']", timeout=15000)
        await page.wait_for_selector(".aspect[data-aspect='A1.2'][data-state='saved']")
        assert "重发，未重复保存" in await page.inner_text(".aspect[data-aspect='A1.2'] [data-aspect-state]")
        await _pick(page, r3)
        await page.wait_for_selector(".aspect[data-aspect='B1.1'][data-state='rejected'] .msg[data-code='panel_full']")
        await page.wait_for_selector(".aspect[data-aspect='B1.2'][data-state='saved']")

        ops = await page.evaluate(READ_OPS)
        states = Counter(op["state"] for op in ops)
        assert states == {"saved": 10, "rejected": 1}, states
        saved = {op["op_id"]: op for op in ops if op["state"] == "saved"}
        assert saved[lost_op]["seq"] == lost_seq and saved[lost_op]["duplicate"] is True

        marks = (await world.chief.get(marks_url)).json()["marks"]
        mine = [m for m in marks if m["judge_id"] == jid]
        per = Counter((m["contestant"], m["aspect"]) for m in mine)
        assert per == {
            (r1, "B1.1"): 1, (r1, "B1.2"): 2, (r1, "A1.1"): 2,
            (r2, "B1.1"): 1, (r2, "B1.2"): 1, (r2, "A1.2"): 1,
            (r3, "B1.2"): 1, (r0, "B1.1"): 1,
        }, per  # fmt: skip
        kinds = {(m["contestant"], m["aspect"], m["kind"]): m for m in mine}
        assert kinds[(r1, "B1.2", "correction")]["reason"] == "复核测量记录后更正"
        assert (r1, "A1.1", "remark") in kinds
        assert kinds[(r0, "B1.1", "mark")]["value"] == "0"
        # Exactly once: the marks stored for this judge are exactly the tablet's acknowledged ops.
        assert sorted(m["seq"] for m in mine) == sorted(op["seq"] for op in saved.values())
        if mine and "op_id" in mine[0]:
            assert sorted(m["op_id"] for m in mine) == sorted(saved)

        # The live board (second browser context) shows the new ranking.
        expected = [r2, r1, r3, r0]
        await board.wait_for_function(f"(want) => JSON.stringify(({BOARD_ORDER})()) === JSON.stringify(want)", arg=expected, timeout=15000)
        feed = (await world.admin.get(f"/api/public/skills/{sid}/board")).json()
        assert [row["ref"] for g in feed["groups"] for row in g["rows"]] == expected
        if board_page is not None:
            await board_page.wait_for_function(
                "(refs) => { const t = document.body.innerText; const at = refs.map((r) => t.indexOf(r)); return at.every((p) => p >= 0) && at.every((p, i) => i === 0 || at[i - 1] < p); }",
                arg=expected,
                timeout=15000,
            )

        await page.screenshot(path=str(OUTPUT / "tablet-landscape.png"), full_page=True)
        await page.set_viewport_size({"width": 800, "height": 1280})  # a 10" tablet in portrait
        assert await page.evaluate("() => document.documentElement.scrollWidth") <= 800
        await page.screenshot(path=str(OUTPUT / "tablet-portrait.png"), full_page=True)
        print(f"tablet offline test ({server.db_kind}): {time.monotonic() - started:.1f}s")
    finally:
        if board_ctx is not None:
            await board_ctx.close()
        await world.close()


async def test_a_dropped_socket_is_no_error_and_lost_acks_are_resent(server, page):
    """The socket drops while marks wait for their acks (the network stays up, so no "offline"
    event): the tablet reconnects on its own, sends them again with the same op ids, and the
    server answers with the first acks; each mark is stored once."""
    world = await build(server)
    eid, sid, jid = world.event["id"], world.skill["id"], world.judge_ids[0]
    r1, r2 = world.refs[1], world.refs[2]
    swallow = {"acks": False}
    sockets: list = []

    def route(ws):
        upstream = ws.connect_to_server()
        sockets.append(ws)
        ws.on_message(lambda message: upstream.send(message))

        def down(message):
            if swallow["acks"] and json.loads(message).get("type") == "ack":
                return  # committed on the server, never heard of on the tablet
            ws.send(message)

        upstream.on_message(down)

    try:
        await page.route_web_socket("**/ws/judge", route)
        code = (await world.admin.post(f"/api/events/{eid}/accounts/{jid}/login-code", json={})).json()["code"]
        await page.goto(f"{server.base_url}/login?code={code}&next=/tablet")
        await page.wait_for_url(server.base_url + "/tablet")
        await page.wait_for_selector("#tablet-status[data-conn='online']")
        await _pick(page, r1)
        await _score(page, "B1.1", "40")

        swallow["acks"] = True
        await _score(page, "B1.2", "40", "sent")
        await _pick(page, r2)
        await _score(page, "B1.1", "0", "sent")
        assert await _queued(page) == 2
        marks_url = f"/api/events/{eid}/skills/{sid}/marks"
        # Both are committed already; only their acks are lost.
        for _ in range(50):
            if len((await world.chief.get(marks_url)).json()["marks"]) == 3:
                break
            await page.wait_for_timeout(100)
        swallow["acks"] = False
        await sockets[-1].close(code=1001, reason="venue wifi")  # the drop
        await page.wait_for_selector("#tablet-status[data-conn='online'][data-queued='0']", timeout=15000)
        assert len(sockets) >= 2  # it reconnected by itself
        await page.wait_for_selector(".aspect[data-aspect='B1.1'][data-state='saved']")
        assert "重发，未重复保存" in await page.inner_text(".aspect[data-aspect='B1.1'] [data-aspect-state]")
        assert not await page.is_visible(".state-rejected")
        marks = (await world.chief.get(marks_url)).json()["marks"]
        assert Counter((m["contestant"], m["aspect"]) for m in marks) == {(r1, "B1.1"): 1, (r1, "B1.2"): 1, (r2, "B1.1"): 1}
    finally:
        await world.close()


KINDS_SCHEME = {
    "skill": "数控铣",
    "parts": {"practical": "100"},
    "criteria": [
        {
            "id": "A",
            "name": "工艺",
            "part": "practical",
            "mark": "30",
            "sub_criteria": [
                {
                    "id": "A1",
                    "name": "工艺质量",
                    "aspects": [
                        {
                            "id": "A1.1",
                            "description": "工艺合理",
                            "kind": "J",
                            "max_mark": "10",
                            "descriptors": ["不合理", "基本合理", "合理", "优秀"],
                        },
                        {"id": "A1.2", "description": "表面质量", "kind": "S", "max_mark": "20"},
                    ],
                }
            ],
        },
        {
            "id": "B",
            "name": "尺寸",
            "part": "practical",
            "mark": "70",
            "sub_criteria": [
                {
                    "id": "B1",
                    "name": "尺寸精度",
                    "aspects": [
                        {"id": "B1.1", "description": "外形尺寸", "kind": "M", "mode": "full_or_zero", "max_mark": "40"},
                        {
                            "id": "B1.2",
                            "description": "孔距 50±0.1",
                            "kind": "M",
                            "mode": "banded",
                            "max_mark": "30",
                            "requirement": "50 mm",
                            "bands": [{"tolerance": "0.1", "mark": "30"}, {"tolerance": "0.5", "mark": "15"}],
                        },
                    ],
                }
            ],
        },
    ],
}


async def test_every_kind_of_aspect_and_the_english_switch(server, page):
    """Judgement (four descriptors), subjective (a number 0..max, checked on the tablet), full-or-zero
    and banded measurements (a band, or the measured deviation); then the same page in English."""
    world = await build(server, scheme=KINDS_SCHEME)
    eid, sid, jid = world.event["id"], world.skill["id"], world.judge_ids[0]
    ref = world.refs[1]
    try:
        code = (await world.admin.post(f"/api/events/{eid}/accounts/{jid}/login-code", json={})).json()["code"]
        await page.goto(f"{server.base_url}/login?code={code}&next=/tablet")
        await page.wait_for_url(server.base_url + "/tablet")
        await page.wait_for_selector("#tablet-status[data-conn='online']")
        await _pick(page, ref)
        assert "基本合理" in await page.inner_text(".aspect[data-aspect='A1.1']")
        await _score(page, "A1.1", "2")
        # Subjective: out of range is refused on the tablet, a good number is sent.
        await page.fill(".aspect[data-aspect='A1.2'] [data-number]", "25")
        await page.click(".aspect[data-aspect='A1.2'] [data-submit]")
        await page.wait_for_selector(".aspect[data-aspect='A1.2'] [data-entry-error]:has-text('0 到 20')")
        await page.fill(".aspect[data-aspect='A1.2'] [data-number]", "17.5")
        await page.press(".aspect[data-aspect='A1.2'] [data-number]", "Enter")
        await page.wait_for_selector(".aspect[data-aspect='A1.2'][data-state='saved']")
        await _score(page, "B1.1", "0")
        # Banded: by the measured deviation, which the server turns into the band's mark.
        await page.fill(".aspect[data-aspect='B1.2'] [data-measured]", "0.3")
        await page.click(".aspect[data-aspect='B1.2'] [data-measure]")
        await page.wait_for_selector(".aspect[data-aspect='B1.2'][data-state='saved'] .choice[data-value='15'][aria-pressed='true']")
        marks = (await world.chief.get(f"/api/events/{eid}/skills/{sid}/marks")).json()["marks"]
        assert {m["aspect"]: m["value"] for m in marks} == {"A1.1": "2", "A1.2": "17.5", "B1.1": "0", "B1.2": "15"}

        # Touch targets: every button of the tablet is at least 48 px tall.
        heights = await page.evaluate(
            "() => [...document.querySelectorAll('#tablet button')].filter((b) => b.offsetParent).map((b) => b.getBoundingClientRect().height)"
        )
        assert heights and min(heights) >= 48, heights

        await page.click("[data-lang-switch]")
        await page.wait_for_selector("#tablet-status[data-conn='online'] >> text=Online")
        await _pick(page, ref)
        assert "Saved" in await page.inner_text(".aspect[data-aspect='B1.2'] [data-aspect-state]")
        assert "Out of tolerance" in await page.inner_text(".aspect[data-aspect='B1.2']")
        await page.screenshot(path=str(OUTPUT / "tablet-kinds-en.png"), full_page=True)

        # Logging out forgets the cached page and assignments; the worker then passes the login
        # redirect through instead of serving the old page.
        await page.click("[data-logout]")
        await page.wait_for_url(lambda url: "/login" in url)
        for _ in range(50):
            if await page.evaluate("() => caches.open('tablet-data').then((c) => c.keys()).then((k) => k.length)") == 0:
                break
            await page.wait_for_timeout(100)
        else:
            raise AssertionError("the cached page and assignments outlived the logout")
        await page.goto(server.base_url + "/tablet")
        assert page.url == server.base_url + "/login?next=/tablet"
    finally:
        await world.close()
