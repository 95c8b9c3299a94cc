"""One candidate from nomination to a verified honour certificate, in a browser: the nominating
body nominates on its page (the dossier shows both events), a reviewer scores on theirs, the
organiser confirms, publishes and announces (each asked first), the public notice lists the
name, and the certificate's number verifies on the public page."""

from __future__ import annotations

from harness import OUTPUT, Client
from honours_world import PASSWORD, day, honours_server

ROUND = {
    "year": 2026, "name": "2026年南粤技能大师评选（浏览器）", "honours": [{"code": "nanyue_skills_master", "places": 1}],
    "rules": {"min_level": 4, "min_years": 5}, "quotas": [{"body": "广州市", "honour": "nanyue_skills_master", "quota": 1}],
    "stages": {"nomination_ends": day(5), "review_ends": day(10), "publicity_ends": day(15), "announce_on": day(20)},
}  # fmt: skip


async def _login(page, base: str, username: str) -> None:
    await page.context.clear_cookies()
    await page.goto(base + "/login")
    await page.fill("#login-form [name=username]", username)
    await page.fill("#login-form [name=password]", PASSWORD)
    await page.click("#login-form [type=submit]")
    await page.wait_for_url(base + "/")


async def test_a_candidate_from_nomination_to_a_verified_certificate(page, tmp_path, confirm_dialog):
    server, db, w = await honours_server(tmp_path, "sqlite")
    u = w["users"]
    org = Client(server.base_url)
    try:
        base = server.base_url
        await org.login(u["organiser"], PASSWORD)
        rid = (await org.post("/api/honours/rounds", json=ROUND)).json()["id"]
        await org.post(f"/api/honours/rounds/{rid}/members", json={"username": u["gz"], "role": "nominator", "body": "广州市"})
        await org.post(
            f"/api/honours/rounds/{rid}/members", json={"username": u["r2"], "role": "reviewer", "employer": "广东省技师学院", "city": "韶关市"}
        )

        # The nominating body: quota left, the nomination, the dossier from the records.
        await _login(page, base, u["gz"])
        await page.goto(f"{base}/honours/{rid}")
        assert await page.inner_text("[data-left=nanyue_skills_master]") == "1"
        await page.fill("#nominate-form [name=name]", "林志强")
        await page.fill("#nominate-form [name=id_number]", w["lin"])
        await page.fill("#nominate-form [name=years]", "12")
        await page.fill("#nominate-form [name=achievements]", "带徒 20 名")
        await page.click("#nominate-form [type=submit]")
        card = page.locator("[data-nomination]").first
        await card.wait_for()
        text = await card.inner_text()
        assert "第三届广东省职业技能大赛" in text and "第二届广东省职业技能大赛" in text and "技师" in text
        assert await page.inner_text("[data-left=nanyue_skills_master]") == "0"
        OUTPUT.mkdir(exist_ok=True)
        await page.screenshot(path=str(OUTPUT / "honours-nominator.png"), full_page=True)

        # The review opens; the reviewer scores.
        await org.post(
            f"/api/honours/rounds/{rid}/stages",
            json={"nomination_ends": day(-1), "review_ends": day(5), "publicity_ends": day(10), "announce_on": day(12)},
        )
        await _login(page, base, u["r2"])
        await page.goto(f"{base}/honours/{rid}")
        form = page.locator("[data-candidate] form")
        await form.locator("[name=scores]").fill('{"skill": 38, "results": 28, "teaching": 18, "conduct": 9}')
        await form.locator("[type=submit]").click()
        await page.locator("[data-candidate]", has_text="93").wait_for()
        await page.screenshot(path=str(OUTPUT / "honours-reviewer.png"), full_page=True)

        # The organiser confirms, publishes, announces: each step asks first.
        await _login(page, base, u["organiser"])
        await page.goto(f"{base}/honours/{rid}")
        assert "93.00" in await page.inner_text("#approver")
        await page.screenshot(path=str(OUTPUT / "honours-approver.png"), full_page=True)
        await page.click("#approve-list")
        assert "不能撤销" in await confirm_dialog(page)
        await page.locator("#publicise-list").wait_for()
        await page.click("#publicise-list")
        await confirm_dialog(page)
        await page.locator("#announce-list").wait_for()
        await page.wait_for_load_state("load")
        await page.goto(f"{base}/honours/{rid}/notice")
        assert "林*强" in await page.inner_text("table")
        await page.screenshot(path=str(OUTPUT / "honours-notice.png"), full_page=True)
        await page.goto(f"{base}/honours/{rid}")
        await page.click("#announce-list")
        await confirm_dialog(page)
        await page.locator("#announce-list").wait_for(state="detached")
        await page.wait_for_load_state("load")
        await page.goto(f"{base}/honours/{rid}/notice")
        link = page.locator("table a[href^='/verify/']")
        number = await link.inner_text()
        assert "-S-" in number
        await page.screenshot(path=str(OUTPUT / "honours-announcement.png"), full_page=True)

        # Anyone verifies the number.
        await page.context.clear_cookies()
        await link.click()
        await page.wait_for_load_state()
        body = await page.inner_text("main")
        assert number in body and "南粤技能大师" in body and "林*强" in body
        await page.screenshot(path=str(OUTPUT / "honours-verified.png"), full_page=True)
    finally:
        await org.aclose()
        server.stop()
        await db.__aexit__(None, None, None)
