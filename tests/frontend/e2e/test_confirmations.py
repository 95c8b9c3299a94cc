"""Irreversible steps ask first (static/app.js, #confirm-dialog in base.html): cancelling — by the
Cancel button or Esc — sends nothing and changes nothing, confirming does the step; a step that wants
the event code keeps its confirm button disabled until the code is typed exactly. Three kinds of
trigger: a data-api form (the draw), a data-post button (archive) and a page script's own handler
(certificate issuance)."""

from __future__ import annotations

from datetime import date

from harness import OUTPUT, Client, new_event, new_skill

from scoring.idcard import make_id


async def _world(server) -> tuple[Client, dict, dict]:
    admin = Client(server.base_url)
    await admin.login("admin", "admin-password-123")
    event = await new_event(admin)
    skill = await new_skill(admin, event["id"])
    for i, name in enumerate(["陈志强", "李嘉欣"]):
        body = {
            "name": name,
            "id_number": make_id("440305", date(1990, 5, 6 + i), 30 + i, "M" if i else "F"),
            "skill_id": skill["id"],
            "group_id": skill["groups"][0]["id"],
            "employer": "深圳供电局",
            "delegation": "深圳市",
            "current_level": "学徒工",
            "phone": f"1380000000{i}",
            "session": "1",
        }
        r = await admin.post(f"/api/events/{event['id']}/contestants", json=body)
        assert r.status_code == 201, r.text
    return admin, event, skill


def _posts(page, suffix: str) -> list[str]:
    sent: list[str] = []
    page.on("request", lambda req: sent.append(req.url) if req.method == "POST" and req.url.endswith(suffix) else None)
    return sent


async def test_cancel_sends_nothing_confirm_does_the_step(sqlite_server, page, confirm_dialog, cancel_dialog):
    base = sqlite_server.base_url
    admin, event, skill = await _world(sqlite_server)
    e = event["id"]
    try:
        await page.context.add_cookies([{"name": k, "value": v, "url": base} for k, v in admin.http.cookies.items()])
        dialog = page.locator("#confirm-dialog")

        # The draw (a data-api form): Cancel, then Esc, send nothing; Confirm draws.
        draws = _posts(page, "/draws")
        await page.goto(f"{base}/events/{e}/draw")
        await page.click("#draw-form [type=submit]")
        await dialog.locator("[data-confirm-cancel]").wait_for()
        assert await dialog.locator("[data-confirm-title]").inner_text() == "抽签"
        assert not await dialog.locator("[data-confirm-code-box]").is_visible()
        # Focus starts on Cancel and Tab stays inside the dialog.
        assert await page.evaluate("document.activeElement.matches('[data-confirm-cancel]')")
        for _ in range(3):
            await page.keyboard.press("Tab")
            assert await page.evaluate("!!document.activeElement.closest('#confirm-dialog')")
        OUTPUT.mkdir(exist_ok=True)
        await page.screenshot(path=str(OUTPUT / "confirm_dialog_draw.png"))
        message = await cancel_dialog(page)
        assert "不能撤销" in message and "工位号" in message
        await page.click("#draw-form [type=submit]")
        await cancel_dialog(page, escape=True)
        await page.wait_for_timeout(300)
        assert draws == [] and await page.locator("#draw-result").count() == 0
        await page.click("#draw-form [type=submit]")
        await confirm_dialog(page)
        await page.wait_for_selector("#draw-result")
        assert len(draws) == 1

        # Archive (a data-post button): cancel leaves the event open, confirm archives it.
        archives = _posts(page, f"/api/events/{e}/archive")
        await page.goto(f"{base}/events/{e}")
        await page.click("button:has-text('归档')")
        await cancel_dialog(page)
        await page.wait_for_timeout(300)
        assert archives == [] and (await admin.get(f"/api/events/{e}")).json()["archived"] is False
        await page.set_viewport_size({"width": 390, "height": 800})  # a phone
        await page.click("button:has-text('归档')")
        await page.locator("#confirm-dialog[open]").wait_for()
        await page.screenshot(path=str(OUTPUT / "confirm_dialog_phone.png"))
        await confirm_dialog(page)
        await page.set_viewport_size({"width": 1024, "height": 768})
        await page.wait_for_selector("button:has-text('取消归档')")
        assert len(archives) == 1 and (await admin.get(f"/api/events/{e}")).json()["archived"] is True
        # Unarchiving can be undone: it does not ask.
        await page.click("button:has-text('取消归档')")
        await page.wait_for_selector("button:has-text('归档'):not(:has-text('取消'))")
        assert not await dialog.is_visible()

        # Issuance (a page script's handler) wants the event code typed exactly.
        issues = _posts(page, "/certificates/issue")
        await page.goto(f"{base}/events/{e}/certificates")
        await page.click("[data-issue]")
        ok = dialog.locator("[data-confirm-ok]")
        code_input = dialog.locator("[data-confirm-code-input]")
        await code_input.wait_for()
        assert await page.evaluate("document.activeElement.matches('[data-confirm-code-input]')")
        assert event["code"] in await dialog.locator("[data-confirm-code-prompt]").inner_text()
        assert await ok.is_disabled()
        await code_input.fill(event["code"][:-1])
        assert await ok.is_disabled()
        await code_input.fill(event["code"] + "X")
        assert await ok.is_disabled()
        assert "不一致" in await dialog.locator("[data-confirm-code-hint]").inner_text()
        await code_input.press("Enter")  # Enter with the wrong code does nothing either
        assert await dialog.is_visible()
        await code_input.fill(event["code"])
        assert await ok.is_enabled()
        await page.screenshot(path=str(OUTPUT / "confirm_dialog_code.png"))
        await page.keyboard.press("Escape")
        await dialog.wait_for(state="hidden")
        await page.wait_for_timeout(300)
        assert issues == []
        await page.click("[data-issue]")
        assert await code_input.input_value() == ""  # each question starts empty
        # The page watches the batch and reloads itself when it is done: wait for that reload, or it
        # lands on top of the next navigation (and the English page would come back in Chinese).
        async with page.expect_navigation(timeout=60_000):
            await confirm_dialog(page, code=event["code"])
        assert len(issues) == 1

        # In English the dialog speaks English.
        await page.goto(f"{base}/events/{e}/certificates?lang=en")
        await page.click("[data-issue]")
        await dialog.locator("[data-confirm-code-input]").wait_for()
        assert await dialog.locator("[data-confirm-cancel]").inner_text() == "Cancel"
        assert await ok.inner_text() == "Confirm"
        assert "cannot be undone" in await dialog.locator("[data-confirm-message]").inner_text()
        await page.screenshot(path=str(OUTPUT / "confirm_dialog_en.png"))
        await cancel_dialog(page)
        assert len(issues) == 1
    finally:
        await admin.aclose()
