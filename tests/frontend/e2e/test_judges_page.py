"""An organiser adds judges in the browser, fixes a bad ID number, assigns a chief judge and a judge,
reads the coverage warning, prints login cards, and is told why an assigned judge cannot be removed."""

import datetime as dt

from harness import ADMIN_PASSWORD, Client, new_event, new_skill

from scoring.idcard import make_id


async def test_registry_assignment_and_cards(server, page, confirm_dialog):
    admin = Client(server.base_url)
    await admin.login("admin", ADMIN_PASSWORD)
    event = await new_event(admin)
    e = event["id"]
    skill = await new_skill(admin, e, name="数控车工")
    await admin.aclose()

    base = server.base_url
    await page.goto(base + "/login")
    await page.fill("#login-form [name=username]", "admin")
    await page.fill("#login-form [name=password]", ADMIN_PASSWORD)
    await page.click("#login-form [type=submit]")
    await page.wait_for_url(base + "/")
    await page.goto(f"{base}/events/{e}")
    await page.click(f"a[href='/events/{e}/judges']")
    await page.wait_for_url(f"{base}/events/{e}/judges")

    good = make_id("442000", dt.date(1975, 6, 1), 12, "M")
    await page.fill("#judge-form [name=name]", "刘晓峰")
    await page.fill("#judge-form [name=id_number]", good[:-1] + ("1" if good[-1] != "1" else "2"))
    await page.fill("#judge-form [name=employer]", "中山市技师学院")
    await page.fill("#judge-form [name=delegation]", "中山市")
    await page.click("#judge-form [type=submit]")
    await page.wait_for_selector("#judge-form [data-form-error]:has-text('校验位')")
    assert "invalid" in await page.get_attribute("#judge-form [name=id_number]", "class")
    await page.fill("#judge-form [name=id_number]", good)
    await page.click("#judge-form [type=submit]")
    await page.wait_for_selector("#judges-table td:has-text('刘晓峰')")
    await page.click("summary:has-text('添加裁判')")
    await page.fill("#judge-form [name=name]", "郑秀英")
    await page.fill("#judge-form [name=delegation]", "江门市")
    await page.click("#judge-form [type=submit]")
    await page.wait_for_selector("#judges-table td:has-text('郑秀英')")

    await page.click(f"[data-skill-panel='{skill['id']}'] a.primary")
    await page.wait_for_url(f"{base}/events/{e}/judges/skills/{skill['id']}")
    await page.select_option("#assign-form [name=judge_id]", label="刘晓峰 · 中山市 · 中山市技师学院")
    await page.select_option("#assign-form [name=role]", "chief_judge")
    await page.click("#assign-form [type=submit]")
    await page.wait_for_selector("h2:has-text('裁判长：刘晓峰')")
    await page.click("summary:has-text('分配到本项目')")
    await page.fill("#assign-form [name=criteria]", "a, b1")
    await page.click("#assign-form [type=submit]")
    await page.wait_for_selector("#panel-table tr:has-text('郑秀英') input[value='A, B1']")
    assert "A" in await page.inner_text("#coverage") and "B1" in await page.inner_text("#coverage")

    # A second chief judge is refused until the change is made explicit.
    row = page.locator("#panel-table tr:has-text('郑秀英')")
    await row.locator("[name=role]").select_option("chief_judge")
    await row.locator("[type=submit]").click()
    await row.locator("[data-form-error]:has-text('刘晓峰')").wait_for()

    # Cards: issue codes for the skill and see one card per judge with its QR code.
    await page.goto(f"{base}/events/{e}/judges/cards?skill_id={skill['id']}")
    await page.evaluate("window.print = () => { window.__printed = true; }")
    await page.click("#cards-form [type=submit]")
    await page.wait_for_selector("#cards .login-card svg")
    assert await page.locator("#cards .login-card").count() == 2
    assert await page.evaluate("window.__printed === true")
    text = await page.inner_text("#cards")
    assert "刘晓峰" in text and "裁判长" in text and "登录码" in text

    # Removing an assigned judge is refused with the reason.
    await page.goto(f"{base}/events/{e}/judges")
    deletes: list[str] = []
    page.on("request", lambda r: deletes.append(r.url) if r.method == "DELETE" else None)
    await page.click("#judges-table tr:has-text('刘晓峰') [data-delete]")
    await confirm_dialog(page)
    await page.wait_for_selector("[data-flash]:has-text('数控车工')")
    assert len(deletes) == 1, deletes  # one click, one request: app.js leaves the judges' own buttons to judges.js

    await page.set_viewport_size({"width": 390, "height": 800})
    await page.goto(f"{base}/events/{e}/judges/skills/{skill['id']}")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, width
