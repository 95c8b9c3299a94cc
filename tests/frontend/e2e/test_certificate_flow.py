"""Certificates in a browser: the organiser issues them (with progress), then one contestant goes from
the public page that lists their certificate to downloading it (with the last 6 characters of the ID
number) and verifies its number on the public verification page.

Approved proposals come from the test's own seeded database (see
``tests/worlds/certificates_world.py``). The public results page
(``/results/{event}/skills/{skill}``) is used as the starting point when the server has it and it
links the certificate; otherwise the contestant starts from the certificate's public page (the
page the results page links to, ``/certificates/{number}``).
"""

from __future__ import annotations

import io
import re

from certificates_world import seeded_server  # noqa: E402
from harness import OUTPUT, Client, unique  # noqa: E402
from pypdf import PdfReader


async def _login(page, base: str, username: str, password: str) -> None:
    await page.goto(base + "/login")
    await page.fill("#login-form [name=username]", username)
    await page.fill("#login-form [name=password]", password)
    await page.click("#login-form [type=submit]")
    await page.wait_for_url(base + "/")


async def test_issue_download_and_verify(page, tmp_path, confirm_dialog):
    from certificates.render import render_png_first_page

    server, db, (world,) = await seeded_server(tmp_path, "sqlite", "e2e")
    try:
        base, e = server.base_url, world.event["id"]
        admin = Client(base)
        await admin.login("admin", "admin-password-123")
        username = unique("cert-organiser-").lower()
        r = await admin.post(f"/api/events/{e}/accounts", json={"display_name": "赛事组织方", "role": "organiser", "username": username,
                                                                "password": "password-123"})  # fmt: skip
        assert r.status_code == 201, r.text
        await admin.aclose()

        # The organiser issues the certificates from the event's page and watches the progress.
        await _login(page, base, username, "password-123")
        await page.goto(f"{base}/events/{e}")
        await page.click(f"a[href='/events/{e}/certificates']")
        await page.wait_for_selector("[data-plan-summary]")
        assert "待签发 16" in await page.inner_text("[data-plan-summary]")
        await page.click("[data-issue]")
        await confirm_dialog(page, code=world.event["code"])
        await page.wait_for_selector("[data-progress]:not([hidden])")
        await page.wait_for_selector("#certificates tr[data-number]", timeout=180_000)
        await page.wait_for_function("!document.querySelector('#certificates .muted')", timeout=180_000)  # every PDF written
        assert await page.locator("#certificates tr[data-number]").count() == 16
        assert "已完成" in await page.inner_text("[data-batch]")
        row = page.locator("#certificates tr", has_text="张晓明").filter(has_text="获奖证书")
        number = (await row.locator("td.num").inner_text()).strip()
        assert re.fullmatch(r"GD\d{4}-[A-Z0-9]+-A-000001-[0-9A-Z]", number)
        OUTPUT.mkdir(exist_ok=True)
        await page.screenshot(path=str(OUTPUT / "certificates-organiser-page.png"), full_page=True)
        await page.click("[data-logout]")
        await page.wait_for_url(re.compile(r".*/login"))

        # The contestant: from the public page listing the certificate to the download page.
        results = await page.goto(f"{base}/results/{e}/skills/{world.skill['id']}")
        link = page.locator(f"a[href='/certificates/{number}']")
        if results is not None and results.ok and await link.count():
            await link.first.click()
        else:
            await page.goto(f"{base}/certificates/{number}")
        await page.wait_for_selector("#download-form")
        assert await page.inner_text("[data-field=holder]") == "张*明"
        id_number = world.contestants["张晓明"]["id_number"]
        wrong = "000000" if id_number[-6:] != "000000" else "111111"
        await page.fill("#download-form [name=id6]", wrong)
        await page.click("#download-form [type=submit]")
        await page.wait_for_selector("#download-form [data-form-error]:has-text('不符')")
        await page.fill("#download-form [name=id6]", id_number[-6:].lower())
        async with page.expect_download() as info:
            await page.click("#download-form [type=submit]")
        download = await info.value
        OUTPUT.mkdir(exist_ok=True)
        saved = OUTPUT / f"certificate-flow-{number}.pdf"
        await download.save_as(str(saved))
        pdf = saved.read_bytes()
        text = re.sub(r"\s+", "", PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
        assert "张晓明" in text and "一等奖" in text and number in text
        png = render_png_first_page(pdf, OUTPUT / "certificate-flow-first-page.png")
        assert png.stat().st_size > 10_000

        # Anyone checks the number on the public verification page.
        await page.click("text=查验此证书")
        await page.wait_for_selector("#verify-result[data-status=genuine]")
        await page.goto(f"{base}/verify")
        await page.fill("#verify-form [name=number]", number.lower())
        await page.click("#verify-form [type=submit]")
        await page.wait_for_selector("#verify-result[data-status=genuine]")
        assert await page.inner_text("[data-field=holder]") == "张*明"
        assert await page.inner_text("[data-field=what]") == "一等奖"
        assert "第三届广东省职业技能大赛" in await page.inner_text("[data-field=event]")
        await page.fill("#verify-form [name=number]", number[:-1] + ("0" if number[-1] != "0" else "1"))
        await page.click("#verify-form [type=submit]")
        await page.wait_for_selector("#verify-result[data-status=malformed]")
        assert "校验位" in await page.inner_text("#verify-result")
    finally:
        server.stop()
        await db.__aexit__(None, None, None)
