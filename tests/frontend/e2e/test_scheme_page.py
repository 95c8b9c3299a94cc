"""An organiser opens a new skill's console, follows "set up the marking scheme", builds a small
scheme in the on-screen editor watching the sum against the total, is refused while it does not
add up, fixes it and saves; then checks the blank template in the upload form."""

import io

import openpyxl
from harness import ADMIN_PASSWORD, OUTPUT, Client, new_event, new_skill

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def test_build_a_small_scheme_in_the_editor(sqlite_server, page):
    server = sqlite_server
    admin = Client(server.base_url)
    await admin.login("admin", ADMIN_PASSWORD)
    event = await new_event(admin)
    skill = await new_skill(admin, event["id"], name="网络布线", groups=["employee"])
    eid, sid = event["id"], skill["id"]
    api = f"/api/events/{eid}/skills/{sid}/scheme"
    template = (await admin.get(f"{api}/template")).content

    base = server.base_url
    try:
        await page.goto(base + "/login")
        await page.fill("#login-form [name=username]", "admin")
        await page.fill("#login-form [name=password]", ADMIN_PASSWORD)
        await page.click("#login-form [type=submit]")
        await page.wait_for_url(base + "/")
        await page.goto(f"{base}/events/{eid}/skills/{sid}/console")
        await page.click("#no-scheme a")
        await page.wait_for_url(f"{base}/events/{eid}/skills/{sid}/scheme")
        assert "还没有评分标准" in await page.inner_text("#scheme-status")

        # One criterion, one sub-criterion, two aspects; practical only.
        await page.fill("[data-weight=theory]", "0")
        await page.fill("[data-weight=practical]", "100")
        await page.fill('[data-path="0.name"]', "综合布线")
        await page.fill('[data-path="0.0.name"]', "线缆端接")
        await page.fill('[data-path="0.0.0.description"]', "端接工艺")
        await page.select_option('[data-path="0.0.0.kind"]', "J")
        await page.fill('[data-path="0.0.0.max_mark"]', "40")
        for i, text in enumerate(["低于行业标准", "达到行业标准", "达到并部分超过", "优秀"]):
            await page.fill(f'[data-path="0.0.0.descriptors.{i}"]', text)
        assert "3 人" in await page.inner_text('[data-aspect="A1.1"] .judges')  # the event's panel for judgement
        sums = page.locator("#scheme-sums [data-part=practical]")
        assert "还差 60" in await sums.inner_text()

        await page.click("[data-action=add-aspect]")
        await page.fill('[data-path="0.0.1.description"]', "通断测试")
        await page.fill('[data-path="0.0.1.max_mark"]', "50")
        assert "还差 10" in await sums.inner_text() and await sums.get_attribute("data-diff") == "10"

        await page.click("#scheme-save")
        await page.wait_for_selector("#scheme-problems li")
        problems = await page.inner_text("#scheme-problems")
        assert "实操部分" in problems and "90" in problems and "100" in problems

        await page.fill('[data-path="0.0.1.max_mark"]', "60")
        assert "正好" in await sums.inner_text() and "ok" in (await sums.get_attribute("class") or "")
        await page.screenshot(path=str(OUTPUT / "scheme-editor-before-save.png"), full_page=True)
        await page.click("#scheme-save")
        await page.wait_for_selector("#scheme-saved")
        await page.wait_for_selector("#scheme-export")  # the page reloads with the stored scheme
        assert "第 1 版" in await page.inner_text("#scheme-status")
        assert await page.input_value('[data-path="0.0.1.max_mark"]') == "60"

        stored = (await admin.get(api)).json()["scheme"]
        aspects = stored["criteria"][0]["sub_criteria"][0]["aspects"]
        assert [(a["id"], a["kind"], a["max_mark"]) for a in aspects] == [("A1.1", "J", "40"), ("A1.2", "M", "60")]
        assert aspects[0]["descriptors"][3] == "优秀" and stored["parts"] == {"theory": "0", "practical": "100"}

        # The blank template passes the upload check (nothing is stored until it is saved).
        await page.set_input_files("#scheme-upload [name=file]", files=[{"name": "评分标准模板.xlsx", "mimeType": XLSX, "buffer": template}])
        assert not await page.is_visible("#scheme-upload-save")  # nothing to save before a check
        await page.click("#scheme-upload button[value=check]")
        await page.wait_for_selector("#scheme-report-status.ok")
        assert "5 个评分项" in await page.inner_text("#scheme-report-counts")
        assert await page.is_visible("#scheme-upload-save")
        assert (await admin.get(api)).json()["version"] == 1

        # A sheet with a bad cell: the report names its row and column, and there is nothing to save.
        wb = openpyxl.load_workbook(io.BytesIO(template))
        wb.worksheets[0]["J3"] = "X"  # the type of the second aspect
        buf = io.BytesIO()
        wb.save(buf)
        await page.set_input_files("#scheme-upload [name=file]", files=[{"name": "评分标准.xlsx", "mimeType": XLSX, "buffer": buf.getvalue()}])
        await page.click("#scheme-upload button[value=check]")
        await page.wait_for_selector("#scheme-report-errors table.errors")
        cells = await page.locator("#scheme-report-errors table.errors tbody tr >> nth=0").locator("td").all_inner_texts()
        assert cells[0] == "3" and cells[1] == "类型" and "X" in cells[2], cells
        assert not await page.is_visible("#scheme-upload-save")
        await page.screenshot(path=str(OUTPUT / "scheme-upload-report.png"), full_page=True)
    finally:
        await admin.aclose()
