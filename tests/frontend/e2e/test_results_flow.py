"""Results in the browser: the organiser publishes provisional results and records an appeal on a
team leader's behalf, the arbitrator upholds it with a corrected mark, the organiser applies the
correction and makes the results final, the public page shows what changed, and the approver
strikes an entry with a reason and approves the rest."""

from __future__ import annotations

from results_world import decrypt, results_world, sign_off, wait_until  # noqa: E402


async def signed_in(context, client, base: str) -> None:
    """Give the browser the session of an API client."""
    await context.add_cookies([{"name": k, "value": v, "url": base} for k, v in client.http.cookies.items()])


async def test_results_flow_in_the_browser(sqlite_server, browser, page, confirm_dialog):
    base = sqlite_server.base_url
    rw = await results_world(sqlite_server, windows={"notice_hours": 0, "appeal_window_hours": 0.0025})
    w, eid, sid, gid = rw.w, rw.eid, rw.sid, rw.gid
    others = []
    try:
        await sign_off(w)
        await decrypt(w)
        # Organiser: publish from the results page, record an appeal on someone's behalf.
        await signed_in(page.context, rw.organiser, base)
        await page.goto(f"{base}/events/{eid}")
        await page.click(f"a[href='/events/{eid}/results']")
        row = page.locator(f"#results-overview tr[data-group='{gid}']")
        await row.locator("button:has-text('公布暂定成绩')").click()
        await confirm_dialog(page)
        await row.locator("button:has-text('确定最终成绩')").wait_for()
        release = (await rw.organiser.get(f"{rw.group_url}/results")).json()["release"]
        await page.goto(f"{base}/events/{eid}/appeals")
        form = page.locator(f"[data-open-release='{gid}'] form")
        await form.locator("[name=filed_by_name]").fill("佛山市领队 李四")
        await form.locator("[name=contestant_id]").select_option(label="选手2 · 佛山市 · 名次 3")
        await form.locator("[name=text]").fill("B1.2 安全策略已生效，请复测")
        await form.locator("[type=submit]").click()
        await page.wait_for_selector("[data-appeal][data-status=pending]:has-text('佛山市领队 李四')")

        # Arbitrator: uphold with a corrected mark, typed one per line.
        arb_ctx = await browser.new_context(locale="zh-CN")
        others.append(arb_ctx)
        await signed_in(arb_ctx, rw.arbitrator, base)
        arb = await arb_ctx.new_page()
        await arb.goto(f"{base}/events/{eid}/appeals")
        decide = arb.locator("form[data-decide]")
        await decide.locator("[name=outcome][value=upheld]").check()
        await decide.locator("[name=reason]").fill("复测通过，B1.2 应得满分")
        await decide.locator("[name=marks]").fill(f"{w.refs[2]} B1.2 {w.judge_ids[0]}")
        await decide.locator("[type=submit]").click()
        await confirm_dialog(arb)
        await decide.locator("[data-form-error]:has-text('line 1')").wait_for()
        await decide.locator("[name=marks]").fill(f"{w.refs[2]} B1.2 {w.judge_ids[0]} 40")
        await decide.locator("[type=submit]").click()
        await confirm_dialog(arb)
        # The arbitration group's decision applies its correction at once.
        await arb.wait_for_selector("[data-appeal][data-status=upheld] td:has(svg.icon-check)")

        # Organiser: the correction shows as applied; make the results final once the window is over.
        await page.goto(f"{base}/events/{eid}/appeals")
        await page.wait_for_selector("[data-appeal] td:has(svg.icon-check)")
        await wait_until(release["appeal_ends_at"])
        await page.goto(f"{base}/events/{eid}/results/skills/{sid}/groups/{gid}")
        await page.click("button:has-text('确定最终成绩')")
        await confirm_dialog(page, code=rw.w.event["code"])
        await page.wait_for_selector("[data-step=final][data-done=yes]")

        # The public page: final results, the change marked.
        await page.goto(f"{base}/results/{eid}/skills/{sid}")
        await page.wait_for_selector(f"#group-{gid}[data-stage=final] [data-changed-note]")
        changed = await page.locator("tr.changed").all_inner_texts()
        assert any("选手2" in t for t in changed) and any("选手1" in t for t in changed)

        # Approver: strike one entry with a reason, approve the rest.
        app_ctx = await browser.new_context(locale="zh-CN")
        others.append(app_ctx)
        await signed_in(app_ctx, rw.approver, base)
        appr = await app_ctx.new_page()
        await appr.goto(f"{base}/events/{eid}/proposals")
        entry = appr.locator("tr[data-proposal]:has-text('选手1'):has-text('广东省技术能手')")
        await entry.locator("[name=reason]").fill("未获奖项，暂不表彰")
        await entry.locator("[type=submit]").click()
        await confirm_dialog(appr)
        await appr.wait_for_selector("tr[data-struck=yes]:has-text('未获奖项，暂不表彰')")
        await appr.click("#approve-form [type=submit]")
        await confirm_dialog(appr)
        await appr.wait_for_selector("tr[data-proposal] .tag:has-text('已审批')")
        assert await appr.locator("tr[data-struck=yes]").count() == 1
        assert await appr.locator("tr[data-proposal] .tag:has-text('已审批')").count() == 6
    finally:
        for ctx in others:
            await ctx.close()
        await rw.close()
