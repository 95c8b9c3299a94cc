"""A new organiser logs in, creates an event, adds a skill and switches the language."""

from harness import ADMIN_PASSWORD, unique


async def test_login_and_create_event(server, page):
    base = server.base_url
    await page.goto(base + "/")  # a visitor gets the public home page, which links to the staff login
    await page.click("text=工作人员登录")
    await page.wait_for_url(lambda url: url.startswith(base + "/login"))
    await page.fill("#login-form [name=username]", "admin")
    await page.fill("#login-form [name=password]", "wrong-password")
    await page.click("#login-form [type=submit]")
    await page.wait_for_selector("#login-form [data-form-error]:has-text('用户名或密码错误')")

    await page.fill("#login-form [name=password]", ADMIN_PASSWORD)
    await page.click("#login-form [type=submit]")
    await page.wait_for_url(base + "/")
    await page.click("text=新建赛事")
    await page.wait_for_url(base + "/events/new")

    code = unique("W")
    await page.fill("[name=name]", "第四届广东省职业技能大赛")
    await page.fill("[name=code]", "bad code")
    await page.select_option("[name=tier]", "provincial")
    await page.select_option("[name=tier_class]", "class1")
    await page.fill("[name=starts_on]", "2026-12-10")
    await page.fill("[name=ends_on]", "2026-12-12")
    await page.fill("[name=venue]", "东莞")
    # The browser's own pattern check would stop a bad code; submit through the API to see ours.
    await page.evaluate("document.querySelector('[name=code]').removeAttribute('pattern')")
    await page.click("#event-form [type=submit]")
    await page.wait_for_selector("[data-form-error]:has-text('赛事代码')")  # the field as a person calls it
    assert "code" not in await page.inner_text("[data-form-error]")
    assert await page.get_attribute("[name=code]", "class") == "invalid"

    await page.fill("[name=code]", code)
    await page.click("#event-form [type=submit]")
    await page.wait_for_url(lambda url: "/events/" in url and not url.endswith("/new"))
    await page.wait_for_selector("h1:has-text('第四届广东省职业技能大赛')")
    assert "省级一类" in await page.inner_text("main")

    await page.click("text=添加竞赛项目")
    await page.fill("details [name=name]", "工业机器人系统运维")
    await page.fill("details [name=occupation_code]", "6-31-07-03")
    await page.click("details [type=submit]")
    await page.wait_for_selector("td:has-text('工业机器人系统运维')")
    assert "职工组" in await page.inner_text("table") and "学生组" in await page.inner_text("table")

    await page.click("[data-lang-switch]")
    await page.wait_for_selector("text=Skills")
    assert "Provincial class 1" in await page.inner_text("main")

    await page.goto(base + "/")
    assert code in await page.inner_text("main")
