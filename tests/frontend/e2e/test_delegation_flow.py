"""A city's delegation leader registers contestants (one by the form, two by import), the city
reviewer approves, the organiser sends one back and accepts the rest, the leader corrects and
resubmits, the city approves again and the organiser accepts: in the browser, in Chinese."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import secrets

import openpyxl
from harness import ADMIN_PASSWORD, Client, new_event, new_skill, run_cli, unique

from scoring.idcard import make_id

HEADERS = ["姓名", "身份证号", "竞赛项目", "组别", "工作单位/学校", "代表队", "现职业技能等级", "等级证书编号", "手机号"]
PASSWORD = "password-123"


def workbook(rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def login(page, base: str, username: str, password: str) -> None:
    await page.context.clear_cookies()
    await page.goto(base + "/login")
    await page.fill("#login-form [name=username]", username)
    await page.fill("#login-form [name=password]", password)
    await page.click("#login-form [type=submit]")
    await page.wait_for_url(base + "/")


async def test_delegation_registers_city_and_province_review(sqlite_server, page, confirm_dialog):
    server, base = sqlite_server, sqlite_server.base_url
    admin = Client(base)
    await admin.login("admin", ADMIN_PASSWORD)
    event = await new_event(admin)
    e = event["id"]
    await new_skill(admin, e, name="电工")
    now = dt.datetime.now(dt.timezone.utc)
    r = await admin.put(
        f"/api/events/{e}/registration/window",
        json={"opens_at": (now - dt.timedelta(hours=1)).isoformat(), "closes_at": (now + dt.timedelta(days=1)).isoformat()},
    )
    assert r.status_code == 200, r.text
    leader_name = unique("leader-").lower()
    r = await admin.post(
        f"/api/events/{e}/accounts",
        json={"display_name": "广州领队", "role": "delegation_leader", "delegation": "广州市", "username": leader_name, "password": PASSWORD},
    )
    assert r.status_code == 201, r.text
    city_name = "city-" + secrets.token_hex(4)
    await asyncio.to_thread(
        run_cli,
        server.env,
        "create-user",
        city_name,
        "--name",
        "广州市人社局",
        "--password",
        PASSWORD,
        "--role",
        "city_supervisor",
        "--city",
        "440100",
    )
    ids = [make_id("440106", dt.date(1990, 1, 1) + dt.timedelta(days=secrets.randbelow(3000)), 100 + i, "M") for i in range(3)]

    # The leader enters one contestant by the form ...
    await login(page, base, leader_name, PASSWORD)
    await page.goto(f"{base}/events/{e}")
    await page.click(f"a[href='/events/{e}/delegation']")
    assert "报名进行中" in await page.inner_text("#deleg-window")
    form = page.locator("#delegation-form")
    await form.locator("[name=name]").fill("陈表单")
    await form.locator("[name=id_number]").fill(ids[0])
    await form.locator("[name=employer]").fill("广州地铁集团有限公司")
    await form.locator("[name=level_certificate_no]").fill("S0000440000001")
    await form.locator("[name=phone]").fill("13800138001")
    await form.locator("[type=submit]").click()
    await page.wait_for_selector("#deleg-rows tr[data-state=submitted]")
    # ... and two by import (the organiser's report).
    await page.click(f"a[href='/events/{e}/delegation/import']")
    rows = [[f"李导入{i}", ids[i], "电工", "职工组", "广州供电局", "广州市", "高级工", f"S000044000000{i}", f"1380013800{i}"] for i in (1, 2)]
    await page.set_input_files(
        "[name=file]",
        files=[{"name": "报名表.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "buffer": workbook(rows)}],
    )
    await page.click("button[value=check]")
    await page.wait_for_selector("button[value=all]:not([hidden])")
    await page.click("button[value=all]")
    await page.wait_for_selector("#import-stored.ok:has-text('新增 2 人')")
    await page.goto(f"{base}/events/{e}/delegation")
    assert await page.locator("#deleg-rows tr[data-state=submitted]").count() == 3
    assert "*" in await page.inner_text("#deleg-rows")  # masked

    # The city reviewer approves its city's rows.
    await login(page, base, city_name, PASSWORD)
    await page.click("a[href='/city/review']")
    for i in range(3):
        await page.locator("#review-queue tr", has_text=["陈表单", "李导入1", "李导入2"][i]).locator("[data-pick]").check()
    await page.click("#review-accept [type=submit]")
    assert "审核通过" in await confirm_dialog(page)
    await page.wait_for_selector("#review-queue tr:has-text('陈表单')", state="detached")  # the page reloads without them
    await page.goto(f"{base}/city/review?state=city_approved")
    assert await page.locator("#review-queue tr[data-state=city_approved]", has_text="广州市").count() >= 3

    # The organiser sends one back with a reason and accepts the rest.
    await login(page, base, "admin", ADMIN_PASSWORD)
    await page.goto(f"{base}/events/{e}/registration/review")
    await page.locator("#review-queue tr", has_text="陈表单").locator("[data-pick]").check()
    await page.fill("#review-return [name=reason]", "工作单位请写全称")
    await page.click("#review-return [type=submit]")
    await page.wait_for_selector("#review-queue tr[data-state=returned]")
    await page.goto(f"{base}/events/{e}/registration/review?state=city_approved")
    await page.check("[data-select-all]")
    await page.click("#review-accept [type=submit]")
    assert "正式报名" in await confirm_dialog(page)
    await page.wait_for_selector("#review-queue tr:has-text('李导入1')", state="detached")
    await page.goto(f"{base}/events/{e}/registration/review?state=accepted")
    assert await page.locator("#review-queue tr[data-state=accepted]").count() == 2

    # The leader reads the reason, corrects, resubmits.
    await login(page, base, leader_name, PASSWORD)
    await page.goto(f"{base}/events/{e}/delegation")
    row = page.locator("#deleg-rows tr[data-state=returned]")
    assert "工作单位请写全称" in await row.inner_text()
    await row.locator("a.button").click()
    await page.fill("#delegation-form [name=employer]", "广州地铁集团有限公司运营事业总部")
    await page.click("#delegation-form [type=submit]")
    await page.wait_for_url(f"{base}/events/{e}/delegation")
    await page.locator("#deleg-rows tr[data-state=returned] [data-post]").click()
    await page.wait_for_selector("#deleg-rows tr[data-state=submitted]")
    await page.screenshot(path="/tmp/delegation_leader.png", full_page=True)

    # The city approves again, the organiser accepts: three registered.
    city = Client(base)
    await city.login(city_name, PASSWORD)
    queue = (await city.get("/api/city/reviews", params={"state": "submitted"})).json()["items"]
    mine = [c["id"] for c in queue if c["event_id"] == e]
    assert len(mine) == 1 and (await city.post("/api/city/reviews/approve", json={"contestant_ids": mine})).status_code == 200
    await login(page, base, "admin", ADMIN_PASSWORD)
    await page.goto(f"{base}/events/{e}/registration/review?state=city_approved")
    await page.check("[data-select-all]")
    await page.click("#review-accept [type=submit]")
    await confirm_dialog(page)
    await page.wait_for_selector("#review-queue tr:has-text('陈表单')", state="detached")
    listed = (await admin.get(f"/api/events/{e}/contestants")).json()
    assert listed["total"] == 3 and "广州地铁集团有限公司运营事业总部" in {c["employer"] for c in listed["items"]}
    await page.goto(f"{base}/events/{e}/registration/review")
    await page.screenshot(path="/tmp/delegation_review.png", full_page=True)
    # The city's queue in English.
    await login(page, base, city_name, PASSWORD)
    await page.goto(f"{base}/lang/en?next=/city/review%3Fstate%3Daccepted")
    assert "Delegation registrations: city review" in await page.inner_text("h1")
    assert await page.locator("#review-queue tr[data-state=accepted]", has_text="Accepted").count() >= 3
    await page.screenshot(path="/tmp/delegation_city_en.png", full_page=True)
    await city.aclose()
    await admin.aclose()
