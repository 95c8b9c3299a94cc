"""The national record page in a browser: the organiser reaches it from the certificates page,
sees the batch refused for its missing codes (row and column in words), fills the codes in, downloads
the batch, marks it sent (the dialog asks first; cancelling sends nothing) and finds it under the
batches sent; the English page too."""

from __future__ import annotations

from certificates_world import issued_server
from harness import ADMIN_PASSWORD, OUTPUT, Client, unique


async def _login(page, base: str, username: str, password: str) -> None:
    await page.goto(base + "/login")
    await page.fill("#login-form [name=username]", username)
    await page.fill("#login-form [name=password]", password)
    await page.click("#login-form [type=submit]")
    await page.wait_for_url(base + "/")


async def test_national_record_page(page, tmp_path, confirm_dialog, cancel_dialog):
    server, db, world = await issued_server(tmp_path, "sqlite", "natrec-e2e")
    try:
        base, e = server.base_url, world.event["id"]
        admin = Client(base)
        await admin.login("admin", ADMIN_PASSWORD)
        username = unique("natrec-organiser-").lower()
        r = await admin.post(f"/api/events/{e}/accounts", json={"display_name": "赛事组织方", "role": "organiser", "username": username,
                                                                "password": "password-123"})  # fmt: skip
        assert r.status_code == 201, r.text
        await admin.aclose()
        OUTPUT.mkdir(exist_ok=True)

        await _login(page, base, username, "password-123")
        await page.goto(f"{base}/events/{e}/certificates")
        await page.click("[data-national-record]")
        await page.wait_for_selector("#natrec-pending")
        assert "待上报 6 行（新增 6，更正 0）" in await page.inner_text("[data-pending-count]")
        problems = page.locator("[data-problem]")
        assert await problems.count() == 6
        assert "第 2 行" in await problems.first.inner_text() and "评价机构备案代码未填写" in await problems.first.inner_text()
        assert await page.locator("[data-send]").is_disabled()
        await page.screenshot(path=str(OUTPUT / "national-record-incomplete.png"), full_page=True)

        # A wrong site code is named; the right codes complete every row.
        await page.fill("[name=body_code]", "0000")
        await page.fill("[name=site_code]", "12345")
        await page.evaluate("document.querySelector('[name=site_code]').removeAttribute('pattern')")
        await page.click("#natrec-body [type=submit]")
        await page.wait_for_selector("#natrec-body [data-form-error]:has-text('站点序列码')")
        await page.fill("[name=site_code]", "123456")
        async with page.expect_navigation():
            await page.click("#natrec-body [type=submit]")
        await page.wait_for_selector("[data-complete]")
        numbers = await page.locator("tr[data-row] td.num").all_inner_texts()
        assert any(n.startswith("Y000044123456") and len(n) == 22 for n in numbers)
        async with page.expect_download() as info:
            await page.click("[data-download=xlsx]")
        assert (await info.value).suggested_filename.endswith(".xlsx")
        await page.screenshot(path=str(OUTPUT / "national-record-complete.png"), full_page=True)

        # Marking as sent asks first: cancelled, nothing is sent; confirmed, the batch is recorded.
        await page.click("[data-send]")
        await cancel_dialog(page)
        assert await page.locator("[data-batch]").count() == 0
        await page.click("[data-send]")
        async with page.expect_navigation():
            await confirm_dialog(page)
        await page.wait_for_selector("[data-nothing]")
        assert await page.locator("[data-batch]").count() == 1
        await page.screenshot(path=str(OUTPUT / "national-record-sent.png"), full_page=True)

        await page.goto(f"{base}/events/{e}/national-record?lang=en")
        assert "National skills-evaluation record" in await page.inner_text("h1")
        assert "Nothing to send" in await page.inner_text("[data-nothing]")
        await page.screenshot(path=str(OUTPUT / "national-record-en.png"), full_page=True)
    finally:
        server.stop()
        await db.__aexit__(None, None, None)
