"""The competition-day pages in a browser: check-in on a phone, the draw, the encryption officer."""

from __future__ import annotations

from datetime import date

from harness import Client, new_event, new_skill, unique

from scoring.idcard import make_id


async def _login(page, base, username, password):
    await page.goto(base + "/login")
    await page.fill("#login-form [name=username]", username)
    await page.fill("#login-form [name=password]", password)
    await page.click("#login-form [type=submit]")
    await page.wait_for_url(base + "/")


async def _setup(server):
    admin = Client(server.base_url)
    await admin.login("admin", "admin-password-123")
    event = await new_event(admin)
    skill = await new_skill(admin, event["id"])
    people = []
    for i, name in enumerate(["陈志强", "李嘉欣", "黄俊杰"]):
        body = {
            "name": name,
            "id_number": make_id("440305", date(1992, 3, 4 + i), 20 + i, "M" if i != 1 else "F"),
            "skill_id": skill["id"],
            "group_id": skill["groups"][0]["id"],
            "employer": "深圳供电局",
            "delegation": "深圳市",
            "current_level": "学徒工",
            "phone": f"1390000000{i}",
            "session": "1",
        }
        r = await admin.post(f"/api/events/{event['id']}/contestants", json=body)
        assert r.status_code == 201, r.text
        people.append(r.json() | {"id_number": body["id_number"]})
    users = {}
    for role in ("organiser", "encryption_officer"):
        username = unique(role.replace("_", "-") + "-").lower()
        r = await admin.post(
            f"/api/events/{event['id']}/accounts", json={"display_name": role, "role": role, "username": username, "password": "password-123"}
        )
        assert r.status_code == 201, r.text
        users[role] = username
    await admin.aclose()
    return event, skill, people, users


async def test_checkin_draw_and_encryption_pages(server, page, confirm_dialog):
    base = server.base_url
    event, skill, people, users = await _setup(server)
    await page.set_viewport_size({"width": 390, "height": 844})  # a phone
    await _login(page, base, users["organiser"], "password-123")
    await page.goto(f"{base}/events/{event['id']}")
    await page.click("text=检录")
    await page.wait_for_selector("[data-checkin][data-ready]")
    assert await page.inner_text("[data-count=pending]") == "3"

    chen, li, huang = people
    # Search by the ID's last four, tap, type a wrong ID: refused, nothing recorded.
    await page.fill("[data-checkin-search]", chen["id_number"][-4:])
    assert await page.locator(".person:visible").count() == 1
    await page.click(f".person[data-id='{chen['id']}'] [data-open]")
    # Nothing recorded yet: no correction box (its reason), and no ID typed: the error in words.
    assert await page.locator(f".person[data-id='{chen['id']}'] [name=reason]").is_hidden()
    await page.click(f".person[data-id='{chen['id']}'] button.present")
    await page.wait_for_selector(f".person[data-id='{chen['id']}'] [data-form-error]:has-text('身份证号')")
    assert "id_number" not in await page.inner_text(f".person[data-id='{chen['id']}'] [data-form-error]")
    await page.fill(f".person[data-id='{chen['id']}'] [name=id_number]", li["id_number"])
    await page.click(f".person[data-id='{chen['id']}'] button.present")
    await page.wait_for_selector(f".person[data-id='{chen['id']}'] [data-form-error]:has-text('不符')")
    assert await page.inner_text("[data-count=pending]") == "3"
    await page.fill(f".person[data-id='{chen['id']}'] [name=id_number]", chen["id_number"].lower())
    await page.click(f".person[data-id='{chen['id']}'] button.present")
    await page.wait_for_selector(f".person[data-id='{chen['id']}'] .badge.present")
    assert await page.inner_text("[data-count=present]") == "1"

    # Scanning a whole ID number opens that contestant: one tap to check them in.
    await page.fill("[data-checkin-search]", li["id_number"])
    await page.wait_for_selector(f".person[data-id='{li['id']}'] .panel")
    await page.click(f".person[data-id='{li['id']}'] button.late")
    await page.wait_for_selector(f".person[data-id='{li['id']}'] .badge.late")

    # Absent by name; then a correction needs a reason.
    await page.fill("[data-checkin-search]", "黄")
    await page.click(f".person[data-id='{huang['id']}'] [data-open]")
    await page.click(f".person[data-id='{huang['id']}'] button.absent")
    await page.wait_for_selector(f".person[data-id='{huang['id']}'] .badge.absent")
    await page.click(f".person[data-id='{huang['id']}'] [data-open]")
    assert await page.locator(f".person[data-id='{huang['id']}'] [name=reason]").is_visible()  # a record exists: correcting it
    await page.fill(f".person[data-id='{huang['id']}'] [name=id_number]", huang["id_number"])
    await page.click(f".person[data-id='{huang['id']}'] button.present")
    await page.wait_for_selector(f".person[data-id='{huang['id']}'] [data-form-error]:has-text('原因')")
    await page.fill(f".person[data-id='{huang['id']}'] [name=reason]", "堵车，已到场")
    await page.click(f".person[data-id='{huang['id']}'] button.present")
    await page.wait_for_selector(f".person[data-id='{huang['id']}'] .badge.present")
    assert [await page.inner_text(f"[data-count={k}]") for k in ("present", "late", "absent", "pending")] == ["2", "1", "0", "0"]

    # The draw: run, see the table, redraw needs a reason, replay verifies.
    await page.set_viewport_size({"width": 1024, "height": 768})
    await page.goto(f"{base}/events/{event['id']}/draw")
    await page.click("#draw-form [type=submit]")
    await confirm_dialog(page)
    await page.wait_for_selector("#draw-result")
    text = await page.inner_text("#draw-result")
    assert all(p["name"] in text for p in people)
    await page.click("#draw-form [type=submit]")  # no reason: the browser's required check stops it
    await page.fill("#draw-form [name=reason]", "监督员要求重抽")
    await page.click("#draw-form [type=submit]")
    await confirm_dialog(page)
    await page.wait_for_selector("text=已作废")
    await page.wait_for_selector("body[data-dayof-ready]")
    await page.locator("[data-replay]").first.click()
    await page.wait_for_selector(".verified-ok")

    # The encryption officer generates round 1 and sees the mapping.
    await page.click("[data-logout]")
    await page.wait_for_url(base + "/login")
    await _login(page, base, users["encryption_officer"], "password-123")
    await page.goto(f"{base}/events/{event['id']}")
    await page.click("text=加密与解密")
    await page.click("#round1-form [type=submit]")
    await confirm_dialog(page)
    await page.wait_for_selector("#mapping td.no:has-text('A')")
    mapping = await page.inner_text("#mapping")
    assert all(p["name"] in mapping for p in people)
    await page.wait_for_selector("text=须待裁判长提交并复核成绩后才能解密")
