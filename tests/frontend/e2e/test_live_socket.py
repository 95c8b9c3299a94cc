"""The websocket life cycle the live pages share (static/live_socket.js), in Chromium: the public
board and the chief judge's console say "offline" when the browser loses the network, and come back
live by themselves when it returns, the board resuming with ?since= and both showing a mark made
meanwhile; when the server drops the board's socket, the board says "reconnecting", reconnects
and catches up again."""

from __future__ import annotations

from harness import OUTPUT, unique
from live_world import World, ack_for, build, connect, mark, recv_until  # noqa: E402

FIRST_ROW = "(ref) => { const tr = document.querySelector('.board-panel tbody tr'); return tr && tr.dataset.ref === ref; }"
CONSOLE_FIRST = "(ref) => document.querySelector('#ranking tbody tr')?.dataset.ref === ref"
BOARD_SEQ = "(seq) => Number(document.querySelector('[data-board]').dataset.seq) >= seq"


async def score(world: World, ws, ref: str, aspect: str, value: str) -> dict:
    op = unique("e2e-")
    await ws.send(mark(world, ref, aspect, value, op_id=op))
    reply = await recv_until(ws, ack_for(op))
    assert reply["type"] == "ack", reply
    return reply


async def test_offline_and_dropped_sockets_recover_and_catch_up(server, page):
    world = await build(server)
    eid, sid = world.event["id"], world.skill["id"]
    base = server.base_url
    routes: list = []  # the board's sockets, as routed through Playwright (so the test can drop one)

    def route(ws):
        ws.connect_to_server()  # frames go both ways untouched
        routes.append(ws)

    judge = None
    try:
        await page.context.add_cookies([{"name": k, "value": v, "url": base} for k, v in world.chief.http.cookies.items()])
        console = await page.context.new_page()
        await console.goto(f"{base}/events/{eid}/skills/{sid}/console")
        await console.wait_for_selector("#console-status[data-state=live]")

        await page.route_web_socket(f"**/ws/board/{sid}*", route)
        await page.goto(f"{base}/board/{sid}?layout=screen")
        await page.wait_for_selector("[data-board][data-state=live]")
        assert "实时" in await page.inner_text("[data-status]")
        judge = await connect(world, world.judges[0])
        await judge.recv()
        a1 = await score(world, judge, world.refs[1], "B1.1", "40")
        # The mark's own snapshot, not only its row on top (refs[1] may sort first unmarked too).
        await page.wait_for_function(BOARD_SEQ, arg=a1["seq"])
        await page.wait_for_function(FIRST_ROW, arg=world.refs[1])
        await console.wait_for_function(CONSOLE_FIRST, arg=world.refs[1])

        # The network goes: both pages say so at once (no waiting for TCP); a judge marks meanwhile.
        await page.context.set_offline(True)
        await page.wait_for_selector("[data-board][data-state=offline]")
        await console.wait_for_selector("#console-status[data-state=offline]")
        assert "网络已断开" in await page.inner_text("[data-status]")
        assert "网络已断开" in await console.inner_text("#console-status")
        await page.screenshot(path=str(OUTPUT / "live-socket-board-offline.png"))
        a2 = await score(world, judge, world.refs[2], "B1.1", "40")
        await score(world, judge, world.refs[2], "B1.2", "40")
        assert await page.evaluate(FIRST_ROW, world.refs[1])  # nothing new could come

        # It comes back: live again without a reload, resumed from the last seq shown, caught up.
        await page.context.set_offline(False)
        await page.wait_for_selector("[data-board][data-state=live]", timeout=15000)
        await page.wait_for_function(FIRST_ROW, arg=world.refs[2])
        await page.wait_for_function(BOARD_SEQ, arg=a2["seq"])
        assert routes[-1].url.endswith(f"/ws/board/{sid}?since={a1['seq']}"), [r.url for r in routes]
        await console.wait_for_selector("#console-status[data-state=live]", timeout=15000)
        await console.wait_for_function(CONSOLE_FIRST, arg=world.refs[2])

        # The server drops the board's socket (the network stays): "reconnecting", then live and caught up.
        before = len(routes)
        seen = int(await page.get_attribute("[data-board]", "data-seq"))
        await routes[-1].close(code=1001, reason="server restart")
        # The state and its words are read in the same frame: the retry comes within about two
        # seconds, and a screenshot taken first on a loaded machine can outlast it.
        shown = await page.wait_for_function(
            "() => { const r = document.querySelector('[data-board]');"
            " return r.dataset.state === 'reconnecting' && r.querySelector('[data-status]').textContent; }"
        )
        assert "重新连接中" in await shown.json_value()
        await page.screenshot(path=str(OUTPUT / "live-socket-board-reconnecting.png"))
        await score(world, judge, world.refs[3], "B1.1", "40")
        a4 = await score(world, judge, world.refs[3], "B1.2", "40")
        await page.wait_for_selector("[data-board][data-state=live]", timeout=15000)
        await page.wait_for_function(BOARD_SEQ, arg=a4["seq"])
        # Level with refs[2] now (the order of a tie is the ranking's business, not this test's).
        level = [await page.inner_text(f".board-panel tr[data-ref='{ref}'] [data-score]") for ref in world.refs[2:4]]
        assert level[0] == level[1] != "–", level
        assert len(routes) == before + 1 and routes[-1].url.endswith(f"?since={seen}"), [r.url for r in routes]
        await console.close()
    finally:
        if judge is not None:
            await judge.close()
        await world.close()
