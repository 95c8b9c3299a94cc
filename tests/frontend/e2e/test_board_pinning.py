"""The big-screen board: the top places stay in view while the rest of a long group scrolls
beneath them, a page of whole rows at a time, and the last row is reached whole; a contestant
with no score has no rank ("—"); the medal badges' text meets WCAG AA contrast (≥ 4.5:1)."""

from __future__ import annotations

import pytest
from harness import OUTPUT
from live_world import build

pytestmark = pytest.mark.slow

CONTRAST = """(el) => {
  const parse = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const st = getComputedStyle(el);
  const [a, b] = [lum(parse(st.color)), lum(parse(st.backgroundColor))].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""

GEOMETRY = """() => {
  const box = document.querySelector('.board-panel [data-scroll]');
  const b = box.getBoundingClientRect();
  const rows = [...box.querySelectorAll('tr')].map((tr) => tr.getBoundingClientRect());
  const lastRow = rows[rows.length - 1];
  const seen = rows.filter((r) => r.bottom > b.top + 1 && r.top < b.bottom - 1);
  const pinned = [...document.querySelectorAll('.board-panel [data-pinned] tr')].map((tr) => tr.getBoundingClientRect());
  return {
    top: box.scrollTop,
    firstCut: seen.length ? seen[0].top < b.top - 1 : false,
    lastWhole: lastRow.top >= b.top - 1 && lastRow.bottom <= b.bottom + 1,
    pinnedInView: pinned.every((r) => r.top >= 0 && r.bottom <= innerHeight),
  };
}"""


async def _settled(page) -> None:
    """Wait until smooth scrolling has stopped."""
    last = None
    for _ in range(40):
        await page.wait_for_timeout(250)
        now = await page.evaluate("() => document.querySelector('.board-panel [data-scroll]').scrollTop")
        if now == last:
            return
        last = now


def _snapshot(skill_id: int, group_id: int, n: int = 30) -> dict:
    rows = [
        {"rank": i + 1, "ref": f"A{i + 1:03d}", "score": f"{95 - i * 0.5:.2f}", "total": f"{95 - i * 0.5:.2f}", "status": "competed",
         "complete": True, "progress": "4/4"}
        for i in range(n)
    ]  # fmt: skip
    # Not marked yet: whatever rank a feed carries, no score means no rank.
    rows.append({"rank": n + 1, "ref": "Z999", "score": None, "total": None, "status": "competed", "complete": False, "progress": "0/4"})
    return {"type": "snapshot", "skill_id": skill_id, "seq": 10**9, "skill": "网络系统管理", "decrypted": False, "has_scheme": True,
            "frozen": False, "groups": [{"group_id": group_id, "kind": "employee", "rows": rows}]}  # fmt: skip


async def test_top_places_stay_pinned_while_the_rest_scrolls(server, browser):
    world = await build(server, contestants=1)
    sid, gid = world.skill["id"], world.skill["groups"][0]["id"]
    context = await browser.new_context(locale="zh-CN", viewport={"width": 1600, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        await page.goto(f"{server.base_url}/board/{sid}?layout=screen")
        await page.wait_for_selector("[data-board].layout-screen[data-state=live]")
        assert await page.evaluate("(s) => window.__board.apply(s)", _snapshot(sid, gid)) is True
        assert await page.locator(".board-panel [data-pinned] tr").count() == 3
        assert await page.locator(".board-panel [data-rest] tr").count() == 28
        last = page.locator(".board-panel [data-rest] tr[data-ref=Z999]")
        assert (await last.locator(".c-rank").inner_text()).strip() == "—"
        assert (await last.locator(".c-score").inner_text()).strip() == "—"
        OUTPUT.mkdir(exist_ok=True)
        await page.screenshot(path=str(OUTPUT / "board_pinned_start.png"))

        pages = 0
        while True:
            await page.evaluate("window.__board.scroll()")
            await _settled(page)
            g = await page.evaluate(GEOMETRY)
            assert g["pinnedInView"], g
            assert not g["firstCut"], g  # each page starts at a whole row
            pages += 1
            if g["lastWhole"]:  # the last page: the last row in full
                break
            assert pages < 20, g
        assert pages >= 2
        await page.screenshot(path=str(OUTPUT / "board_pinned_end.png"))
        await page.evaluate("window.__board.scroll()")  # back to the top after the last page
        await page.wait_for_function("() => document.querySelector('.board-panel [data-scroll]').scrollTop === 0")

        # Medal badges: dark text on gold, silver and bronze, on the big screen and on a phone.
        for place in (1, 2, 3):
            ratio = await page.evaluate(CONTRAST, await page.query_selector(f"tr.top{place} .rank-badge"))
            assert ratio >= 4.5, (place, ratio)
        await page.goto(f"{server.base_url}/board/{sid}?layout=phone")
        await page.wait_for_selector("[data-board].layout-phone[data-state=live]")
        await page.evaluate("(s) => window.__board.apply(s)", _snapshot(sid, gid, 5))
        for place in (1, 2, 3):
            ratio = await page.evaluate(CONTRAST, await page.query_selector(f"tr.top{place} .rank-badge"))
            assert ratio >= 4.5, (place, ratio)
        await page.screenshot(path=str(OUTPUT / "board_phone.png"))
        assert not errors, errors
    finally:
        await context.close()
        await world.close()
