"""The province supervisor's statistics page in a browser: the figures of the hand-counted data
set (``tests/worlds/province_world.py``) in the tiles, the table and the chart; a filter and a
cross-cut; the sex and age-band cuts; the drill-down from a figure to the events behind it, to an
event's figures and team standings, and on to its results; the 情况表 download; in Chinese and
English. After the demo: its two finished events (省赛 2026, 市赛 2025) in the tiles and the charts."""

from __future__ import annotations

import json

import pytest
from harness import OUTPUT
from province_world import SUPERVISOR, province_server

pytestmark = pytest.mark.slow(seconds=240)  # measured, under load: collected first, slowest first (tests/conftest.py)


async def test_the_supervisor_reads_the_province_in_charts_and_tables(page, tmp_path):
    server, db, ids = await province_server(tmp_path, "sqlite")
    try:
        base = server.base_url
        await page.goto(base + "/login")
        await page.fill("#login-form [name=username]", SUPERVISOR[0])
        await page.fill("#login-form [name=password]", SUPERVISOR[1])
        await page.click("#login-form [type=submit]")
        await page.wait_for_url(base + "/")
        await page.click("a[href='/province/statistics']")
        await page.wait_for_selector("#prov-chart[data-ready='1']")
        assert await page.inner_text("[data-measure=entrants]") == "9"
        assert await page.inner_text("[data-measure=prizes]") == "3"
        rows = await page.locator("#prov-table tbody tr").all_inner_texts()
        assert rows[0].startswith("新一代电子信息") and "\t7\t" in rows[0]
        OUTPUT.mkdir(exist_ok=True)
        await page.screenshot(path=str(OUTPUT / "province-statistics-zh.png"), full_page=True)

        # By city, crossed with group, 2026 only: no industry row, and 广州 links to its event.
        await page.select_option("#prov-filters [name=by]", "city")
        await page.select_option("#prov-filters [name=then]", "group")
        await page.select_option("#prov-filters [name=year]", "2026")
        await page.click("#prov-filters [type=submit]")
        await page.wait_for_selector("#prov-chart[data-ready='1']")
        text = await page.inner_text("#prov-table")
        assert "广州市" in text and "行业/企业" not in text and "学生组" in text
        assert await page.inner_text("[data-measure=entrants]") == "7"
        row = page.locator("#prov-table tbody tr", has_text="广州市")
        assert await row.locator("a[data-drill]").first.get_attribute("href") == "/province/events?year=2026&city=440100&group=employee"
        assert await row.locator(f"a[href='/province/events/{ids['a']}']").count() == 1
        # The sex and age-band cuts beside the table.
        assert "男" in await page.inner_text("#prov-sex") and "36-45" in await page.inner_text("#prov-age_band")

        # A figure → the events behind it → one event's figures and team standings → its results.
        await row.locator("a[data-drill=entrants]").click()
        await page.wait_for_selector("#prov-events")
        assert (await page.locator("#prov-events tbody tr").all_inner_texts())[0].startswith("第三届广东省职业技能大赛")
        await page.screenshot(path=str(OUTPUT / "province-events-zh.png"), full_page=True)
        await page.click(f"#prov-events a[href='/province/events/{ids['a']}']")
        await page.wait_for_selector("#team-standings")
        teams = await page.locator("#team-standings tbody tr").all_inner_texts()
        assert teams[0].startswith("1\t广州市代表队\t1\t0") and "优秀组织奖" in teams[0], teams
        assert "深圳市" in teams[2] and "优秀组织奖" not in teams[2]
        await page.screenshot(path=str(OUTPUT / "province-event-zh.png"), full_page=True)
        await page.click(f"a[href='/results/{ids['a']}']")
        await page.wait_for_selector("#team-standings")
        await page.go_back()
        await page.go_back()
        await page.go_back()
        await page.wait_for_selector("#prov-chart[data-ready='1']")

        async with page.expect_download() as info:
            await page.click("a[href^='/api/province/statistics.xlsx']")
        download = await info.value
        assert (await download.path()).stat().st_size > 1000 and download.suggested_filename.endswith("2026.xlsx")

        await page.click("[data-lang-switch]")
        await page.wait_for_selector("#prov-chart[data-ready='1']")
        assert "Guangzhou" in await page.inner_text("#prov-table") and "Province statistics" in await page.inner_text("h1")
        await page.screenshot(path=str(OUTPUT / "province-statistics-en.png"), full_page=True)
    finally:
        server.stop()
        await db.__aexit__(None, None, None)


async def test_after_the_demo_the_supervisor_sees_its_figures(page, tmp_path):
    """The real pipeline: the demo's final results, approved proposals and certificates, counted."""
    import asyncio

    from harness import base_env, run_cli, start_server

    env = base_env(tmp_path, f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    out = (await asyncio.to_thread(run_cli, env, "demo", timeout=600)).stdout
    assert "demo-province" in out
    server = await asyncio.to_thread(start_server, env, "province-demo")
    try:
        base = server.base_url
        await page.goto(base + "/login")
        await page.fill("#login-form [name=username]", "demo-province")
        await page.fill("#login-form [name=password]", "demo-password-2026")
        await page.click("#login-form [type=submit]")
        await page.wait_for_url(base + "/")
        await page.goto(base + "/province/statistics?by=cluster")
        await page.wait_for_selector("#prov-chart[data-ready='1']")
        # Two finished events: the 2026 省赛 and the 2025 市赛.
        assert int(await page.inner_text("[data-measure=contests]")) == 2
        assert int(await page.inner_text("[data-measure=entrants]")) > 0
        assert int(await page.inner_text("[data-measure=prizes]")) > 0
        clusters = await page.locator("#prov-table tbody tr td:first-child").all_inner_texts()
        assert set(clusters) <= {"新能源", "高端装备制造", "新一代电子信息"} and clusters, clusters
        OUTPUT.mkdir(exist_ok=True)
        await page.screenshot(path=str(OUTPUT / "province-statistics-demo.png"), full_page=True)
        for by, labels in (("tier", {"省赛", "市赛"}), ("year", {"2026", "2025"})):
            await page.goto(base + f"/province/statistics?by={by}")
            await page.wait_for_selector("#prov-chart[data-ready='1']")
            chart = json.loads(await page.inner_text("#prov-chart-data"))
            assert set(chart["labels"]) == labels and all(n > 0 for n in chart["entrants"]) and all(n > 0 for n in chart["prizes"]), chart
        await page.screenshot(path=str(OUTPUT / "province-statistics-demo-years.png"), full_page=True)
        # The 2025 市赛's team standings on its public results page.
        await page.click("#prov-table tbody tr:has-text('2025') a[href^='/province/events/']")
        await page.wait_for_selector("#team-standings tbody tr")
        assert "优秀组织奖" in await page.inner_text("#team-standings")
    finally:
        server.stop()
