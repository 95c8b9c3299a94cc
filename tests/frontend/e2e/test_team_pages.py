"""Team skills in the browser: the registration form's captain box registers a captain, and the
public results of a two-person skill show one row per team, named by the team and its members,
and the proposals page lists every member with the team."""

from __future__ import annotations

from harness import OUTPUT, Client
from team_world import check_in, encrypt, finalise, national_event, register_team, score_teams, staff


async def signed_in(context, client, base: str) -> None:
    await context.add_cookies([{"name": k, "value": v, "url": base} for k, v in client.http.cookies.items()])


async def test_team_registration_and_results_pages(sqlite_server, page):
    base = sqlite_server.base_url
    admin = Client(base)
    await admin.login("admin", "admin-password-123")
    event, skill = await national_event(admin, 2)
    eid, sid = event["id"], skill["id"]
    teams = [await register_team(admin, event, skill, f"第{k}队", city, 2) for k, city in enumerate(("广州市", "深圳市", "佛山市"))]

    # The form: the captain box is there and is stored; a second captain is refused beside the box.
    await signed_in(page.context, admin, base)
    await page.goto(f"{base}/events/{eid}/contestants/{teams[0][0]['id']}")
    assert await page.locator("input[name=team_captain]").is_checked()
    await page.goto(f"{base}/events/{eid}/contestants/{teams[0][1]['id']}")
    assert not await page.locator("input[name=team_captain]").is_checked()
    await page.locator("input[name=team_captain]").check()
    await page.locator("form [type=submit]").first.click()
    await page.locator("[data-form-error]:has-text('队长')").wait_for()
    await page.screenshot(path=str(OUTPUT / "team-registration-form.png"), full_page=True)

    s = await staff(admin, sqlite_server, event, skill, conflicted_employer="无关单位")
    await check_in(admin, event, [p for t in teams for p in t])
    refs = await encrypt(s["encryption_officer"], event, skill)
    await score_teams(s["judge"], event, skill, [refs[t[0]["id"]] for t in teams])
    await finalise(s, event, skill)

    await page.goto(f"{base}/results/{eid}/skills/{sid}")
    body = page.locator("body")
    await body.locator("text=第0队（第0队0、第0队1）").first.wait_for()
    assert await body.locator("text=第2队（第2队0、第2队1）").count() >= 1
    await page.screenshot(path=str(OUTPUT / "team-results.png"), full_page=True)

    await signed_in(page.context, s["approver"], base)
    await page.goto(f"{base}/events/{eid}/proposals")
    await page.locator("text=第0队1").first.wait_for()
    assert await page.locator("td .muted:text-is('第0队')").count() == 6  # award, honour, promotion for each member
    await page.screenshot(path=str(OUTPUT / "team-proposals.png"), full_page=True)
    for c in (admin, *s.values()):
        await c.aclose()
