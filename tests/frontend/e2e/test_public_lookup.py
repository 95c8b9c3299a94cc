"""The public in the browser: a visitor opens the public home page, follows an event to its
results and the skill's published ranking (with the notice PDF and the periods), then looks
themselves up by name and ID number, sees their own result masked, and files an appeal online."""

from __future__ import annotations

from harness import OUTPUT, sql
from results_world import decrypt, results_world, sign_off


async def test_home_results_lookup_and_appeal(sqlite_server, page, confirm_dialog):
    base = sqlite_server.base_url
    rw = await results_world(sqlite_server, windows={"notice_hours": 0.05, "appeal_window_hours": 0.05})
    try:
        await sign_off(rw.w)
        await decrypt(rw.w)
        assert (await rw.organiser.post(f"{rw.group_url}/results/provisional")).status_code == 200
        [person] = await sql(sqlite_server.env["DATABASE_URL"], "SELECT id_number FROM contestant WHERE event = ? AND name = ?", rw.eid, "选手1")

        await page.goto(base + "/")
        card = page.locator(f"[data-event='{rw.eid}']")
        await card.wait_for()
        assert await card.locator("[data-board-link]").get_attribute("href") == f"/board/event/{rw.eid}"
        assert await card.locator("[data-notice-pdf]").count() == 1
        OUTPUT.mkdir(exist_ok=True)
        await page.screenshot(path=str(OUTPUT / "public_home.png"), full_page=True)

        await card.locator("[data-results-link]").click()
        await page.wait_for_url(f"{base}/results/{rw.eid}")
        await page.click("#public-results a")
        await page.wait_for_selector("[data-results-table]")
        assert "选手0" in await page.inner_text("[data-results-table]")
        assert "公示期至" in await page.inner_text("[data-periods]") and "申诉期至" in await page.inner_text("[data-periods]")
        assert await page.locator("[data-appeal-hint] a[href='/lookup']").count() == 1  # the window is open
        href = await page.get_attribute("[data-notice-pdf]", "href")
        assert href.startswith(f"/api/public/events/{rw.eid}/notice.pdf")
        await page.screenshot(path=str(OUTPUT / "public_results.png"), full_page=True)

        await page.click("[data-lookup-link]")
        await page.wait_for_url(f"{base}/lookup")
        await page.fill("#lookup-form [name=name]", "选手1")
        await page.fill("#lookup-form [name=id_number]", "440106000000000000")
        await page.click("#lookup-form [type=submit]")
        await page.wait_for_selector("#lookup-error:has-text('没有找到')")
        assert await page.locator("#lookup-result").count() == 0

        await page.fill("#lookup-form [name=id_number]", person["id_number"])
        await page.click("#lookup-form [type=submit]")
        await page.wait_for_selector("#lookup-result [data-entry]")
        text = await page.inner_text("#lookup-result")
        assert "选*1" in text and person["id_number"] not in text and person["id_number"][-4:] in text
        assert await page.inner_text("[data-rank]") == "2"
        form = page.locator("[data-appeal-form]")
        await form.locator("[name=text]").fill("A1.2 评分有误，请复核")
        await page.screenshot(path=str(OUTPUT / "public_lookup.png"), full_page=True)
        await form.locator("[type=submit]").click()
        assert "申诉" in await confirm_dialog(page)  # filing is asked first
        await page.wait_for_selector("[data-appeal-filed]")
        appeals = (await rw.organiser.get(f"/api/events/{rw.eid}/appeals")).json()
        assert [a["filed_by_name"] for a in appeals] == ["选手1"]
    finally:
        await rw.close()
