"""The rules form: an organiser reads the award rules in words, previews what a tie does on a
sample ranking, is told in words what is wrong, goes to the JSON view and back, and saves; on the
event page a skill's session is added and a skill with registrations refuses to go."""

from harness import ADMIN_PASSWORD, OUTPUT, Client, new_contestant, new_event, new_skill


async def test_rules_form_preview_json_and_save(server, page, confirm_dialog):
    base = server.base_url
    admin = Client(base)
    await admin.login("admin", ADMIN_PASSWORD)
    try:
        event = await new_event(admin)
        eid = event["id"]
        skill = await new_skill(admin, eid, name="电工")
        await new_contestant(admin, eid, skill_id=skill["id"], group_id=skill["groups"][0]["id"])
    finally:
        await admin.aclose()

    await page.goto(base + "/login")
    await page.fill("#login-form [name=username]", "admin")
    await page.fill("#login-form [name=password]", ADMIN_PASSWORD)
    await page.click("#login-form [type=submit]")
    await page.wait_for_url(base + "/")

    await page.goto(f"{base}/events/{eid}/rules")
    # The provincial preset's rules, in the form: 比例 1:2:3, at most 20 %, 优胜奖 to the top 50 %.
    ratio = page.locator("[data-path='awards.params.ratio'] input")
    assert await ratio.input_value() == "1:2:3"
    assert await page.locator("[data-path='awards.params.cap_fraction'] input").input_value() == "20"
    assert await page.locator("[data-path='awards.params.excellence_fraction'] input").input_value() == "50"
    assert await page.locator("[data-path='honours.params.top'] input").input_value() == "3"
    assert await page.locator("[data-path='awards.params.medal_margin']").is_hidden()  # a WorldSkills setting
    assert "并列者总是同奖" in await page.inner_text("[data-path='awards.params.tie_at_boundary']")

    # The preview ran on load: no group has a ranking yet, so a sample of 20 with two tied for 2nd.
    await page.wait_for_selector("#preview-out .preview-table")
    table = await page.inner_text("#preview-out")
    assert "样例" in table and "二等奖名额只到第 2 名" in table and "无人获得" in table
    rows = page.locator("#preview-out tbody tr")
    assert "三等奖" in await rows.nth(1).inner_text() and "三等奖" in await rows.nth(2).inner_text()

    # The higher award for a tie: both 2nd get 二等奖 in the preview, and nothing is saved yet.
    await page.select_option("[data-path='awards.params.tie_at_boundary'] select", "higher")
    await page.click("#preview-button")
    await page.wait_for_function("document.querySelector('#preview-out tbody tr:nth-child(2)').innerText.includes('二等奖')")

    # A wrong value is named in words.
    await page.fill("[data-path='awards.params.cap_fraction'] input", "150")
    await page.click("#preview-button")
    await page.wait_for_selector("#rules-error:has-text('获奖比例上限')")
    assert "params" not in await page.inner_text("#rules-error")
    # The field is marked once the message is shown (the same answer; wait, do not race it).
    await page.wait_for_selector("[data-path='awards.params.cap_fraction'].invalid-field", timeout=10_000)
    assert await page.locator("[data-path='awards.params.cap_fraction'].invalid-field").count() == 1
    await page.fill("[data-path='awards.params.cap_fraction'] input", "30")

    # Advanced: the JSON holds only what differs from the preset; a bad comma is explained; back to the form.
    await page.click("#toggle-json")
    text = await page.input_value("#rules-json")
    assert '"tie_at_boundary": "higher"' in text and '"cap_fraction": "0.3"' in text and "ratio" not in text
    await page.fill("#rules-json", text.replace('"higher"', '"higher",,'))
    await page.click("#toggle-json")
    await page.wait_for_selector("#rules-error:has-text('JSON 格式有误')")
    await page.fill("#rules-json", text.replace('"0.3"', '"0.25"'))
    await page.click("#toggle-json")
    await page.wait_for_selector("#form-view:not([hidden])")
    assert await page.locator("[data-path='awards.params.cap_fraction'] input").input_value() == "25"

    await page.click("#save-button")
    await page.wait_for_selector("#toast.show")
    admin = Client(base)
    await admin.login("admin", ADMIN_PASSWORD)
    try:
        saved = (await admin.get(f"/api/events/{eid}/preset")).json()["overrides"]
        assert saved == {"awards": {"params": {"cap_fraction": "0.25", "tie_at_boundary": "higher"}}}
    finally:
        await admin.aclose()
    await page.reload()
    await page.wait_for_selector("#preview-out .preview-table")
    OUTPUT.mkdir(exist_ok=True)
    await page.screenshot(path=str(OUTPUT / "rules_form.png"), full_page=True)
    # The same in English.
    await page.goto(f"{base}/lang/en?next=/events/{eid}/rules")
    await page.wait_for_selector("#preview-out .preview-table")
    assert "Prizes at most (% of entrants)" in await page.inner_text("#form-view")
    assert "tie across a quota line takes the higher award" in await page.inner_text("#preview-out")
    await page.screenshot(path=str(OUTPUT / "rules_form_en.png"))
    await page.goto(f"{base}/lang/zh?next=/events/{eid}/rules")

    # The event page: a session is added; the skill with a registration cannot be deleted.
    await page.goto(f"{base}/events/{eid}")
    await page.click("text=编辑“电工”")
    details = page.locator("tr.skill-manage details")
    forms = details.locator("form[data-api$='/sessions']")
    await forms.locator("[name=code]").fill("1")
    await forms.locator("[name=name]").fill("第一场（上午）")
    await forms.locator("[name=starts_at]").fill("2026-12-08T09:00")
    await forms.locator("[type=submit]").click()
    await page.wait_for_selector("td .tag:has-text('第一场（上午）')")
    delete = page.locator("tr.skill-manage button[data-delete$='/skills/%d']" % skill["id"])
    assert "不能撤销" in (await delete.get_attribute("data-confirm"))
    await page.click("text=编辑“电工”")
    await delete.click()
    assert "电工" in await confirm_dialog(page)
    await page.wait_for_selector("#toast.show:has-text('报名选手')")
    await page.screenshot(path=str(OUTPUT / "event_skills.png"), full_page=True)
