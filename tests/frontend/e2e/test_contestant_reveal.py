"""An organiser's contestant form shows masked ID and phone numbers; "显示完整证件号" with a reason
fills in the full numbers (the audited reveal), which can then be corrected and saved."""

import datetime as dt
import json

from harness import ADMIN_PASSWORD, Client, new_event, new_skill, sql

from scoring.idcard import make_id, mask_id, mask_phone


async def test_show_full_id_then_correct_the_phone(server, page):
    admin = Client(server.base_url)
    await admin.login("admin", ADMIN_PASSWORD)
    event = await new_event(admin)
    e = event["id"]
    skill = await new_skill(admin, e, groups=["employee"])
    id_number = make_id("440104", dt.date(1994, 7, 3), 58, "F")
    r = await admin.post(
        f"/api/events/{e}/contestants",
        json={
            "name": "林晓华",
            "id_number": id_number,
            "skill_id": skill["id"],
            "group_id": skill["groups"][0]["id"],
            "employer": "广州某厂",
            "delegation": "广州市",
            "phone": "13712345678",
            "current_level": "学徒工",
        },
    )
    assert r.status_code == 201, r.text
    c = r.json()

    base = server.base_url
    await page.goto(base + "/login")
    await page.fill("#login-form [name=username]", "admin")
    await page.fill("#login-form [name=password]", ADMIN_PASSWORD)
    await page.click("#login-form [type=submit]")
    await page.wait_for_url(base + "/")
    await page.goto(f"{base}/events/{e}/contestants")
    assert mask_id(id_number) in await page.inner_text("#contestants") and id_number not in await page.content()

    await page.goto(f"{base}/events/{e}/contestants/{c['id']}")
    id_input, phone_input = page.locator("#contestant-form [name=id_number]"), page.locator("#contestant-form [name=phone]")
    assert await id_input.input_value() == mask_id(id_number) and await id_input.is_disabled()
    assert await phone_input.input_value() == mask_phone("13712345678") and await phone_input.is_disabled()
    await page.click("#reveal-form [data-reveal]")  # no reason: the browser asks for one, nothing is revealed
    assert await id_input.is_disabled()
    await page.fill("#reveal-form [name=reason]", "选手来电更正手机号")
    await page.click("#reveal-form [data-reveal]")
    await page.wait_for_function("() => !document.querySelector('#contestant-form [name=id_number]').disabled")
    assert await id_input.input_value() == id_number and await phone_input.input_value() == "13712345678"

    await phone_input.fill("13987654321")
    await page.click("#contestant-form [type=submit]")
    await page.wait_for_url(f"{base}/events/{e}/contestants")
    full = (await admin.post(f"/api/events/{e}/contestants/{c['id']}/reveal", json={"reason": "核对更正"})).json()
    assert (full["id_number"], full["phone"]) == (id_number, "13987654321")
    reasons = [
        json.loads(r["details"]) if isinstance(r["details"], str) else r["details"]
        for r in await sql(
            server.env["DATABASE_URL"],
            "SELECT details FROM audit_log WHERE action = ? AND target = ? ORDER BY seq",
            "contestant.reveal",
            f"contestant:{c['id']}",
        )
    ]
    assert [r["reason"] for r in reasons] == ["选手来电更正手机号", "核对更正"]
    await admin.aclose()
