"""The province supervisor's statistics page in a browser: the figures of the hand-counted data
set (``tests/worlds/province_world.py``) in the tiles, the table and the chart; a filter and a
cross-cut; the drill-down link to an event; the 情况表 download; in Chinese and English."""

from __future__ import annotations

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
        link = page.locator("#prov-table tbody tr", has_text="广州市").locator("a").first
        assert await link.get_attribute("href") == f"/results/{ids['a']}"

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
        assert int(await page.inner_text("[data-measure=contests]")) == 1
        assert int(await page.inner_text("[data-measure=entrants]")) > 0
        assert int(await page.inner_text("[data-measure=prizes]")) > 0
        clusters = await page.locator("#prov-table tbody tr td:first-child").all_inner_texts()
        assert set(clusters) <= {"新能源", "高端装备制造", "新一代电子信息"} and clusters, clusters
        OUTPUT.mkdir(exist_ok=True)
        await page.screenshot(path=str(OUTPUT / "province-statistics-demo.png"), full_page=True)
    finally:
        server.stop()
