"""A new event's creator appoints its people in the browser: an arbitrator (the generated password
is shown once and works), a delegation leader, a contestant account (masked ID number); resets a
password, issues a login code with its QR, removes a role (asked first), and opens the event's
encryption page, where the mapping stays the encryption officer's."""

from __future__ import annotations

import datetime as dt

from harness import OUTPUT, Client, new_contestant, new_event, new_skill, run_cli, unique

from scoring.idcard import make_id

PASSWORD = "password-123"


async def test_people_page(sqlite_server, page, confirm_dialog):
    server = sqlite_server
    creator = unique("creator-").lower()
    run_cli(server.env, "create-user", creator, "--password", PASSWORD, "--name", "赛事创建人")
    api = Client(server.base_url)
    await api.login(creator, PASSWORD)
    event = await new_event(api)
    e = event["id"]
    await new_skill(api, e, name="数控车工")
    id_number = make_id("440604", dt.date(2004, 3, 9), 27, "M")
    person = await new_contestant(api, e, name="陈小明", delegation="佛山市", id_number=id_number)

    base = server.base_url
    await page.goto(base + "/login")
    await page.fill("#login-form [name=username]", creator)
    await page.fill("#login-form [name=password]", PASSWORD)
    await page.click("#login-form [type=submit]")
    await page.wait_for_url(base + "/")
    await page.goto(f"{base}/events/{e}")
    await page.click(f"a[href='/events/{e}/people']")
    await page.wait_for_url(f"{base}/events/{e}/people")

    # The creator is the organiser; nobody else yet.
    assert creator in await page.inner_text("#section-organiser")
    organisers = await page.inner_text("#section-organiser")
    assert "平台账号" in organisers  # the creator's account is the platform's, not the event's
    assert await page.locator("#section-organiser [data-remove-role]").count() == 0  # the last organiser stays

    # An arbitrator: the generated password is shown once, then works.
    section = page.locator("#section-arbitrator")
    await section.locator("summary").click()
    form = section.locator("form[data-appoint]")
    await form.locator("[name=display_name]").fill("大赛监督仲裁组 王仲裁")
    await form.locator("[name=username]").fill("arb-" + creator)
    await form.locator("[type=submit]").click()
    await page.wait_for_selector("#secret:not([hidden])")
    shown = (await page.inner_text("#secret [data-secret-value]")).strip()
    assert len(shown) >= 12 and "王仲裁" in await page.inner_text("#secret")
    assert not await page.locator("#secret [data-secret-qr]").is_visible()  # a password has no QR code
    await page.screenshot(path=str(OUTPUT / "people_secret.png"), full_page=False)
    probe = Client(server.base_url)
    await probe.login("arb-" + creator, shown)
    await probe.aclose()
    await page.click("[data-secret-done]")
    await page.wait_for_selector("#section-arbitrator tr:has-text('王仲裁')")
    assert shown not in await page.content()  # never shown again

    # Bad input is told in words, at the field.
    section = page.locator("#section-delegation_leader")
    await section.locator("summary").click()
    form = section.locator("form[data-appoint]")
    await form.locator("[name=display_name]").fill("佛山市领队 李领队")
    await form.locator("[name=username]").fill("x")
    await form.locator("[name=delegation]").fill("佛山市")
    await form.locator("[type=submit]").click()
    await form.locator("[data-form-error]:has-text('3–80')").wait_for()
    await form.locator("[name=username]").fill("")
    await form.locator("[type=submit]").click()
    await page.wait_for_selector("#secret:not([hidden])")
    await page.click("[data-secret-done]")
    await page.wait_for_selector("#section-delegation_leader tr:has-text('李领队') td:has-text('佛山市')")

    # A contestant account: the contestant is picked by name and masked ID number.
    section = page.locator("#section-contestant")
    await section.locator("summary").click()
    form = section.locator("form[data-appoint]")
    option = form.locator("[name=contestant_id] option", has_text="陈小明")
    label = await option.inner_text()
    assert id_number not in label and id_number[:6] in label and "*" in label
    await form.locator("[name=contestant_id]").select_option(str(person["id"]))
    assert await form.locator("[name=display_name]").input_value() == "陈小明"
    await form.locator("[type=submit]").click()
    await page.wait_for_selector("#secret:not([hidden])")
    await page.click("[data-secret-done]")
    row = page.locator("#section-contestant tr:has-text('陈小明')")
    await row.wait_for()
    assert id_number not in await row.inner_text() and "*" in await row.inner_text()

    # A login code for the arbitrator, with its QR code; then a password reset.
    row = page.locator("#section-arbitrator tr:has-text('王仲裁')")
    assert await row.locator("form[data-secret=code]").get_attribute("data-confirm")
    await row.locator("form[data-secret=code] [type=submit]").click()
    await confirm_dialog(page)
    await page.wait_for_selector("#secret:not([hidden]) img[data-secret-qr]:not([hidden])")
    code = (await page.inner_text("#secret [data-secret-value]")).strip()
    assert len(code) == 9 and code[4] == "-"
    await page.screenshot(path=str(OUTPUT / "people_code.png"), full_page=False)
    await page.click("[data-secret-done]")
    row = page.locator("#section-arbitrator tr:has-text('王仲裁')")
    await row.locator("form[data-secret=password] [type=submit]").click()
    await confirm_dialog(page)
    await page.wait_for_selector("#secret:not([hidden])")
    reset = (await page.inner_text("#secret [data-secret-value]")).strip()
    assert reset and reset != shown
    await page.click("[data-secret-done]")

    # Removing a role is asked first (data-confirm says what happens) and takes the row away.
    row = page.locator("#section-delegation_leader tr:has-text('李领队')")
    remove = row.locator("form:has([data-remove-role])")
    assert "撤销" in (await remove.get_attribute("data-confirm"))
    await remove.locator("[type=submit]").click()
    assert "撤销" in await confirm_dialog(page)
    await page.wait_for_load_state("load")
    await page.locator("#section-delegation_leader tr:has-text('李领队')").wait_for(state="detached")
    await page.screenshot(path=str(OUTPUT / "people_page.png"), full_page=True)

    # The creator's own encryption page opens: progress, and the officer's part explained.
    await page.goto(f"{base}/events/{e}/encryption")
    await page.wait_for_selector("#officer-only")
    assert await page.locator("#round1-form").count() == 0
    await page.screenshot(path=str(OUTPUT / "people_encryption.png"), full_page=True)
    await page.set_viewport_size({"width": 390, "height": 800})
    await page.goto(f"{base}/events/{e}/people")
    await page.screenshot(path=str(OUTPUT / "people_phone.png"), full_page=True)
    await api.aclose()
