"""An organiser imports a workbook with errors, reads the report, fixes the file and imports it."""

import datetime as dt
import io

import openpyxl
from harness import ADMIN_PASSWORD, Client, new_event, new_skill

from scoring.idcard import make_id

HEADERS = ["姓名", "身份证号", "竞赛项目", "组别", "工作单位/学校", "代表队", "现职业技能等级", "等级证书编号", "手机号"]


def workbook(rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def test_import_with_errors_then_fixed(server, page):
    admin = Client(server.base_url)
    await admin.login("admin", ADMIN_PASSWORD)
    event = await new_event(admin)
    await new_skill(admin, event["id"], name="电工")
    await admin.aclose()

    good_id = make_id("440303", dt.date(1992, 4, 8), 77, "M")
    second_id = make_id("440604", dt.date(1990, 9, 1), 78, "F")
    rows = [
        ["黄志强", good_id, "电工", "职工组", "深圳供电局", "深圳市", "高级工", "S1234567", "13800001111"],
        [
            "梁慧敏",
            second_id[:-1] + ("0" if second_id[-1] != "0" else "1"),
            "电工",
            "职工组",
            "佛山供电局",
            "佛山市",
            "高级工",
            "S7654321",
            "13800002222",
        ],
    ]
    base = server.base_url
    await page.goto(base + "/login")
    await page.fill("#login-form [name=username]", "admin")
    await page.fill("#login-form [name=password]", ADMIN_PASSWORD)
    await page.click("#login-form [type=submit]")
    await page.wait_for_url(base + "/")
    await page.goto(f"{base}/events/{event['id']}/contestants/import")

    await page.set_input_files(
        "[name=file]",
        files=[{"name": "报名表.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "buffer": workbook(rows)}],
    )
    await page.click("button[value=check]")
    await page.wait_for_selector("table.errors")
    report = await page.inner_text("#import-report")
    assert "3" in await page.inner_text("table.errors td >> nth=0")  # row 3 of the sheet
    assert "身份证号" in report and "校验" in report
    await page.click("button[value=all]")
    await page.wait_for_selector("#import-stored.form-error")
    assert "未导入" in await page.inner_text("#import-stored")

    rows[1][1] = second_id
    await page.set_input_files(
        "[name=file]",
        files=[{"name": "报名表.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "buffer": workbook(rows)}],
    )
    await page.click("button[value=check]")
    await page.wait_for_selector("button[value=all]:not([hidden])")
    assert await page.locator("table.errors").count() == 0
    await page.click("button[value=all]")
    await page.wait_for_selector("#import-stored.ok:has-text('新增 2')")

    await page.goto(f"{base}/events/{event['id']}/contestants")
    text = await page.inner_text("#contestants")
    assert "黄志强" in text and "梁慧敏" in text
