"""The contestant form with a document other than the 居民身份证: pick 护照, give the nationality,
sex and birth date; the list then shows the number masked like every other."""

from harness import ADMIN_PASSWORD, OUTPUT, Client, new_event, new_skill

from scoring.idcard import mask_id


async def test_register_a_passport_holder_through_the_form(sqlite_server, page):
    server = sqlite_server
    admin = Client(server.base_url)
    await admin.login("admin", ADMIN_PASSWORD)
    event = await new_event(admin)
    e = event["id"]
    await new_skill(admin, e, groups=["employee"])
    base = server.base_url
    await page.goto(base + "/login")
    await page.fill("#login-form [name=username]", "admin")
    await page.fill("#login-form [name=password]", ADMIN_PASSWORD)
    await page.click("#login-form [type=submit]")
    await page.wait_for_url(base + "/")
    await page.goto(f"{base}/events/{e}/contestants/new")
    form = page.locator("#contestant-form")
    assert await form.locator("[data-nationality]").is_hidden()  # asked only with a passport
    await form.locator("[name=name]").fill("John Smith")
    await form.locator("[name=id_type]").select_option("passport")
    assert await form.locator("[data-nationality]").is_visible()
    await form.locator("[name=id_number]").fill("E12345678X")
    await form.locator("[name=employer]").fill("某某科技（广州）有限公司")
    await form.locator("[name=delegation]").fill("广州市")
    await form.locator("[name=phone]").fill("13800138000")
    await page.click("#contestant-form [type=submit]")  # no sex, birth date or nationality: the API names the first
    await page.wait_for_function("() => document.querySelector('#contestant-form [data-form-error]').textContent.trim() !== ''")
    assert "性别" in await form.locator("[data-form-error]").inner_text()
    await form.locator("[name=nationality]").fill("gbr")
    await form.locator("[name=sex]").select_option("M")
    await form.locator("[name=birth_date]").fill("1992-03-04")
    await page.screenshot(path=str(OUTPUT / "registration_passport_form.png"), full_page=True)
    await page.click("#contestant-form [type=submit]")
    await page.wait_for_url(f"{base}/events/{e}/contestants")
    listed = await page.inner_text("#contestants")
    assert mask_id("E12345678X") in listed and "E12345678X" not in await page.content()
    assert await page.locator("#contestants [data-id-type=passport]").inner_text() == "护照"
    await page.screenshot(path=str(OUTPUT / "registration_passport_list.png"), full_page=True)
    items = (await admin.get(f"/api/events/{e}/contestants")).json()["items"]
    assert [(c["id_type"], c["nationality"], c["sex"], c["birth_date"]) for c in items] == [("passport", "GBR", "M", "1992-03-04")]
    await admin.aclose()
