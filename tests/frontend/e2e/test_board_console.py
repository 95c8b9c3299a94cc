"""Live pages in the browser: the public board follows the judges' marks over its websocket (and
resumes with ?since=, and polls when websockets fail), the chief judge's console shows a re-marking
flag after a spread, locks, corrects and signs off, and an organiser's freeze shows the board's banner."""

from __future__ import annotations

import asyncio
import pathlib

import pytest
from harness import unique  # noqa: E402
from live_world import World, ack_for, build, connect, mark, recv_until  # noqa: E402

pytestmark = pytest.mark.slow  # a minute or more: collected first (tests/conftest.py)
SHOTS = pathlib.Path("/tmp/e2e-shots-signoff")
SHOTS.mkdir(exist_ok=True)


async def score(world: World, ws, ref: str, aspect: str, value: str) -> dict:
    op = unique("e2e-")
    await ws.send(mark(world, ref, aspect, value, op_id=op))
    reply = await recv_until(ws, ack_for(op))
    assert reply["type"] == "ack", reply
    return reply


async def signed_in(context, client, base: str) -> None:
    """Give the browser the session of an API client (a judge's code login, the administrator)."""
    await context.add_cookies([{"name": k, "value": v, "url": base} for k, v in client.http.cookies.items()])


FIRST_ROW = "(ref) => { const tr = document.querySelector('.board-panel tbody tr'); return tr && tr.dataset.ref === ref; }"


async def test_board_follows_the_judges(server, page):
    world = await build(server)
    sid = world.skill["id"]
    base = server.base_url
    opened: list[str] = []
    page.on("websocket", lambda ws: opened.append(ws.url))
    try:
        await page.goto(f"{base}/board/{sid}?layout=screen")
        await page.wait_for_selector("[data-board].layout-screen[data-state=live]")
        assert await page.locator(".board-panel tbody tr").count() == 4
        text = await page.inner_text(".board-panel")
        assert all(ref in text for ref in world.refs) and "选手" not in text
        assert await page.locator("[data-frozen-banner]").is_hidden()
        assert ":" in await page.inner_text("[data-clock]")

        judge = await connect(world, world.judges[0])
        await judge.recv()
        a1 = await score(world, judge, world.refs[1], "B1.1", "40")
        await page.wait_for_function(FIRST_ROW, arg=world.refs[1])
        await page.wait_for_function("(seq) => Number(document.querySelector('[data-board]').dataset.seq) >= seq", arg=a1["seq"])
        assert "top1" in await page.locator(".board-panel tbody tr").first.get_attribute("class")

        # A snapshot older than the one shown is ignored.
        snap = await page.evaluate("(id) => window.__board.snapshots.get(id)", sid)
        stale = {**snap, "seq": 0, "groups": [{**g, "rows": list(reversed(g["rows"]))} for g in snap["groups"]]}
        assert await page.evaluate("(s) => window.__board.apply(s)", stale) is False
        assert await page.evaluate(FIRST_ROW, world.refs[1])

        # The socket drops; marks go on; the board reconnects with ?since= and catches up.
        await page.evaluate("window.__board.ws.close()")
        await page.wait_for_selector("[data-board][data-state=reconnecting]")
        await score(world, judge, world.refs[2], "B1.1", "40")
        a3 = await score(world, judge, world.refs[2], "B1.2", "40")
        await page.wait_for_function(FIRST_ROW, arg=world.refs[2])
        await page.wait_for_selector("[data-board][data-state=live]")
        assert any(u.endswith(f"/ws/board/{sid}?since={a1['seq']}") or f"/ws/board/{sid}?since=" in u for u in opened[1:]), opened
        assert await page.evaluate("(seq) => Number(document.querySelector('[data-board]').dataset.seq) >= seq", a3["seq"])

        # Without websockets the phone layout polls the JSON feed.
        phone = await page.context.new_page()
        await phone.add_init_script("window.WebSocket = undefined;")
        await phone.goto(f"{base}/board/{sid}?layout=phone")
        await phone.wait_for_selector("[data-board].layout-phone[data-state=polling]")
        a4 = await score(world, judge, world.refs[3], "B1.1", "40")
        await phone.wait_for_function("(seq) => Number(document.querySelector('[data-board]').dataset.seq) >= seq", arg=a4["seq"], timeout=20000)
        await phone.close()
        await judge.close()
    finally:
        await world.close()


async def test_console_flags_locks_corrections_and_sign_off(server, page, confirm_dialog):
    world = await build(server)
    eid, sid = world.event["id"], world.skill["id"]
    base = server.base_url
    ref = world.refs[1]
    sockets = []
    try:
        await signed_in(page.context, world.chief, base)
        await page.goto(f"{base}/events/{eid}/skills/{sid}/console")
        await page.wait_for_selector("#console-status[data-state=live]")
        await page.wait_for_selector("#flags li.muted")
        sockets = [await connect(world, j) for j in world.judges]
        for s in sockets:
            await s.recv()

        # A spread of more than one point: the aspect is flagged on the console at once.
        for s, v in zip(sockets, ["0", "1", "3"]):
            await score(world, s, ref, "A1.1", v)
        flag = page.locator(f"#flags li[data-flag='{ref}|A1.1']")
        await flag.wait_for()
        text = await flag.inner_text()
        assert "甲裁判 0" in text and "丙裁判 3" in text and "拓扑设计合理" in text
        assert await page.inner_text("[data-flag-count]") == "1"
        await page.wait_for_selector("#judges tbody tr[data-judge] >> nth=2")
        assert await page.locator("#judges-chart svg .judge-bar").count() == 3
        await page.wait_for_function("() => document.querySelector('#progress tr[data-aspect=\"A1.1\"] [data-progress]')?.textContent === '3/12'")

        # The judges re-mark; the flag goes; the analysis counts their re-marks.
        await score(world, sockets[0], ref, "A1.1", "2")
        await score(world, sockets[2], ref, "A1.1", "2")
        await flag.wait_for(state="detached")
        await page.wait_for_function(
            "() => Array.from(document.querySelectorAll('#judges tbody tr[data-judge]')).reduce((n, tr) => n + Number(tr.children[4].textContent), 0) === 2"
        )

        # Lock criterion A: judges can no longer change it; the chief judge corrects with a reason.
        await page.click("[data-lock='A']")
        await page.wait_for_selector("#locks tr[data-criterion='A'].locked")
        op = unique("e2e-")
        await sockets[1].send(mark(world, ref, "A1.1", "3", op_id=op))
        assert (await recv_until(sockets[1], ack_for(op)))["code"] == "locked"
        await page.fill("#correction-form [name=contestant]", ref)
        await page.select_option("#correction-form [name=aspect]", "A1.1")
        await page.select_option("#correction-form [name=seat]", str(world.judge_ids[1]))
        await page.fill("#correction-form [name=value]", "2")
        await page.fill("#correction-form [name=reason]", "核对纸质评分表：乙裁判录入有误")
        await page.click("#correction-form [type=submit]")
        row = page.locator("#history tr.kind-correction")
        await row.wait_for()
        text = await row.inner_text()
        assert "核对纸质评分表" in text and "更正" in text and "乙裁判" in text and "裁判长" in text
        assert await page.locator("#history tbody tr").count() == 6  # three marks, two re-marks, one correction
        assert await page.locator("#history tr.kind-remark").count() == 2

        # Unlocking asks for a reason.
        await page.click("[data-unlock='A']")
        await page.fill("#unlock-dialog textarea", "复核后需重新开放该模块")
        await page.click("#unlock-dialog [type=submit]")
        await page.wait_for_selector("#locks tr[data-criterion='A']:not(.locked) [data-lock='A']")

        # Sign-off: the panel lists what is left first; each step asks first (the confirm dialog);
        # submitting anyway needs a reason.
        await page.reload()
        await page.wait_for_selector("#completeness[data-complete=false]")
        gaps = await page.inner_text("#completeness")
        assert "未评完" in gaps and "未锁定" in gaps, gaps
        assert await page.get_attribute("#signoff-form", "data-confirm") == "confirm.submit_scores"
        await page.locator("#signoff").screenshot(path=str(SHOTS / "console-signoff-panel.png"))
        await page.click("#submit-scores")
        await confirm_dialog(page)
        await page.wait_for_selector("#signoff-form [data-form-error]:has-text('理由')")
        reason = "端到端测试：只评了一个选手"
        await page.fill("#signoff-form [name=override_reason]", reason)
        await page.click("#submit-scores")
        await confirm_dialog(page)
        await page.wait_for_selector("#recheck-scores")
        assert await page.get_attribute("#withdraw-form", "data-confirm") == "confirm.withdraw_scores"
        await page.locator("#signoff").screenshot(path=str(SHOTS / "console-signoff-submitted.png"))
        # Withdraw, with a reason; the panel offers the sign-off again.
        await page.fill("#withdraw-form [name=reason]", "端到端测试：撤回")
        await page.click("#withdraw-scores")
        await confirm_dialog(page)
        await page.wait_for_selector("#submit-scores")
        await page.fill("#signoff-form [name=override_reason]", reason)
        await page.click("#submit-scores")
        await confirm_dialog(page)
        await page.wait_for_selector("#recheck-scores")
        await page.fill("#signoff-form [name=override_reason]", reason)
        await page.click("#recheck-scores")
        await confirm_dialog(page)
        await page.wait_for_selector("#recheck-scores", state="detached")
        await page.wait_for_selector("#signoff p:has-text('已由') >> nth=1")
        assert await page.locator("#submit-scores, #recheck-scores").count() == 0

        # After decryption the public board shows names and delegations, as the server sends them.
        r = await world.officer.post(f"/api/events/{eid}/skills/{sid}/decrypt", json={})
        assert r.status_code == 200, r.text
        await page.goto(f"{base}/board/{sid}?layout=phone")
        await page.wait_for_selector(f".board-panel tr[data-ref='{ref}'] .who-name:has-text('选手1')")
        assert "深圳市" in await page.inner_text(f".board-panel tr[data-ref='{ref}']")
    finally:
        for s in sockets:
            await s.close()
        await world.close()


async def test_freeze_shows_the_banner(server, page, browser):
    world = await build(server)
    eid, sid = world.event["id"], world.skill["id"]
    base = server.base_url
    staff = await browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        await page.goto(f"{base}/board/{sid}?layout=screen")
        await page.wait_for_selector("[data-board][data-state=live]")
        await signed_in(staff, world.admin, base)
        console = await staff.new_page()
        await console.goto(f"{base}/events/{eid}/skills/{sid}/console")
        await console.wait_for_selector("#console-status[data-state=live]")
        await console.click("[data-freeze]")
        await page.locator("[data-frozen-banner]").wait_for(state="visible")
        assert "冻结" in await page.inner_text("[data-frozen-banner]")
        await console.wait_for_selector("[data-board-state][data-frozen=true]")
        seq_frozen = await page.get_attribute("[data-board]", "data-seq")

        # Marks go on: the console moves, the public board does not.
        judge = await connect(world, world.judges[0])
        await judge.recv()
        await score(world, judge, world.refs[0], "B1.1", "40")
        await console.wait_for_function("(ref) => document.querySelector('#ranking tbody tr')?.dataset.ref === ref", arg=world.refs[0])
        await asyncio.sleep(1.0)
        assert await page.get_attribute("[data-board]", "data-seq") == seq_frozen
        assert await page.inner_text(f".board-panel tr[data-ref='{world.refs[0]}'] [data-score]") == "—"  # no score yet
        event_board = await page.context.new_page()
        await event_board.goto(f"{base}/board/event/{eid}")
        await event_board.locator("[data-frozen-banner]").wait_for(state="visible")
        await event_board.close()

        await console.click("[data-unfreeze]")
        await page.locator("[data-frozen-banner]").wait_for(state="hidden")
        await page.wait_for_function(FIRST_ROW, arg=world.refs[0])
        assert await page.inner_text(f".board-panel tr[data-ref='{world.refs[0]}'] [data-score]") != "–"
        await judge.close()
    finally:
        await staff.close()
        await world.close()
