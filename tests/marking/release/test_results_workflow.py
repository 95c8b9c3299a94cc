"""The results workflow of a provincial event over HTTP: every step by its role and in order
(sign-off → decryption → provisional → notice → appeals → final), appeals filed by a contestant
and on someone's behalf, the arbitrator's decision with corrections an organiser applies, the
re-ranked final results, the public pages, then the approver's review of the proposals and the
spreadsheets. One world per database; the tests run in order and build on each other."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from harness import run_cli
from results_world import ResultsWorld, audit_actions, decrypt, lock_all, results_world, sheet_rows, wait_until

# Windows of 4.3 s: long enough to file appeals, short enough to wait out.
WINDOWS = {"notice_hours": 0.0012, "appeal_window_hours": 0.0012}


@pytest.fixture(scope="module")
async def rw(server):
    world = await results_world(server, windows=WINDOWS)
    yield world
    await world.close()


def code(r) -> str:
    return r.json().get("code")


async def test_steps_are_taken_in_order_and_by_their_roles(rw: ResultsWorld, server):
    w, url = rw.w, rw.group_url
    # Nothing can be published or finalised before the chief judge's sign-off.
    r = await rw.organiser.post(f"{url}/results/provisional")
    assert r.status_code == 409 and code(r) == "not_submitted" and "裁判长提交成绩" in r.json()["message"]
    assert code(await rw.organiser.post(f"{url}/results/final")) == "not_submitted"
    await lock_all(w)
    assert (await w.chief.post(f"/api/events/{rw.eid}/skills/{rw.sid}/scores/submit")).status_code == 200
    assert code(await rw.organiser.post(f"{url}/results/provisional")) == "not_rechecked"
    assert (await w.chief.post(f"/api/events/{rw.eid}/skills/{rw.sid}/scores/recheck")).status_code == 200
    r = await rw.organiser.post(f"{url}/results/provisional")
    assert r.status_code == 409 and code(r) == "not_decrypted"
    # An appeal needs published results.
    r = await rw.contestant.post(f"{url}/appeals", json={"text": "成绩有误"})
    assert r.status_code == 409 and code(r) == "not_decrypted"
    await decrypt(w)
    r = await rw.contestant.post(f"{url}/appeals", json={"text": "成绩有误"})
    assert r.status_code == 409 and code(r) == "not_provisional"
    r = await rw.organiser.post(f"{url}/results/final")
    assert r.status_code == 409 and code(r) == "not_provisional"

    # Wrong roles: refused before anything happens.
    judge = w.judges[0]
    for who, client, status in [
        ("chief", w.chief, 403),
        ("judge", judge, 403),
        ("arbitrator", rw.arbitrator, 403),
        ("approver", rw.approver, 403),
        ("contestant", rw.contestant, 403),
        ("anonymous", rw.anon, 401),
    ]:
        r = await client.post(f"{url}/results/provisional")
        assert r.status_code == status, (who, r.text)
    flow = (await rw.organiser.get(f"{url}/results")).json()
    assert flow["next"] == "provisional" and flow["stage"] is None
    assert [s["step"] for s in flow["steps"] if s["done"]] == ["scoring", "submitted", "rechecked", "decrypted"]

    # Published: the windows come from the preset, counted from now.
    r = await rw.organiser.post(f"{url}/results/provisional")
    assert r.status_code == 200, r.text
    flow = r.json()
    rel = flow["release"]
    assert flow["stage"] == "provisional" and flow["next"] == "final"
    published = dt.datetime.fromisoformat(rel["provisional_at"])
    # Once published, the sign-off can no longer be withdrawn, by anyone.
    r = await rw.organiser.post(f"/api/events/{rw.eid}/skills/{rw.sid}/scores/withdraw", json={"reason": "公示后撤回"})
    assert r.status_code == 409 and code(r) == "results_published", r.text
    for key in ("notice_ends_at", "appeal_ends_at"):
        assert abs((dt.datetime.fromisoformat(rel[key]) - published).total_seconds() - 4.32) < 0.01
    rw.state["release"] = rel
    assert code(await rw.organiser.post(f"{url}/results/provisional")) == "already_published"
    r = await rw.organiser.post(f"{url}/results/final")
    assert r.status_code == 409 and code(r) == "notice_period" and "公示期" in r.json()["message"]

    # Appeals within the window: a contestant in person, an organiser on someone's behalf.
    ref2 = w.refs[2]
    r = await rw.contestant.post(
        f"{url}/appeals", json={"text": "B1.2 安全策略已生效，请复核", "contestant": ref2, "marks": [{"aspect": "B1.2", "contestant": ref2}]}
    )
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["status"] == "pending" and first["filed_by_name"] == "contestant user" and first["contestant"] == ref2
    assert first["marks"] == [{"kind": "named", "aspect": "B1.2", "contestant": ref2}]
    r = await rw.organiser.post(f"{url}/appeals", json={"text": "领队书面申诉：评分标准理解有误"})
    assert r.status_code == 422 and r.json()["field"] == "filed_by_name"
    r = await rw.organiser.post(f"{url}/appeals", json={"text": "领队书面申诉：评分标准理解有误", "filed_by_name": "广州市领队 王五"})
    assert r.status_code == 201, r.text
    second = r.json()
    assert (await rw.arbitrator.post(f"{url}/appeals", json={"text": "x"})).status_code == 403
    assert (await rw.organiser.post(f"{url}/appeals", json={"text": " ", "filed_by_name": "x"})).status_code == 422
    rw.state["appeals"] = (first["id"], second["id"])


async def test_appeals_decided_corrected_and_results_made_final(rw: ResultsWorld):
    w, url, eid = rw.w, rw.group_url, rw.eid
    first, second = rw.state["appeals"]
    rel = rw.state["release"]
    seat = w.judge_ids[0]
    decision = f"/api/events/{eid}/appeals/{first}/decision"
    # Only the arbitrator decides; a decision needs a reason; corrections are checked at once.
    assert (await rw.organiser.post(decision, json={"outcome": "upheld", "reason": "x"})).status_code == 403
    r = await rw.arbitrator.post(decision, json={"outcome": "upheld", "reason": " "})
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = await rw.arbitrator.post(
        decision,
        json={"outcome": "upheld", "reason": "复测通过", "marks": [{"contestant": w.refs[2], "aspect": "B1.2", "seat": seat, "value": "20"}]},
    )
    assert r.status_code == 422 and r.json()["field"] == "marks[0].value"
    r = await rw.arbitrator.post(
        decision,
        json={"outcome": "upheld", "reason": "复测通过", "marks": [{"contestant": w.refs[2], "aspect": "B1.2", "seat": 999999, "value": "40"}]},
    )
    assert r.status_code == 422 and r.json()["field"] == "marks[0].seat"
    r = await rw.arbitrator.post(
        decision,
        json={
            "outcome": "upheld",
            "reason": "复测安全策略生效，应得满分",
            "marks": [{"contestant": w.refs[2], "aspect": "B1.2", "seat": seat, "value": 40}],
        },
    )
    assert r.status_code == 200, r.text
    upheld = r.json()
    # The arbitration group's decision is final: its corrections go in at once, under its authority.
    assert upheld["status"] == "upheld" and upheld["corrections_pending"] is False
    assert upheld["corrections"][0]["value"] == "40" and upheld["corrections"][0]["seq"] > 0
    history = (await rw.organiser.get(f"/api/events/{eid}/skills/{rw.sid}/marks", params={"contestant": w.refs[2]})).json()["marks"]
    last = [m for m in history if m["aspect"] == "B1.2"][-1]
    assert (last["value"], last["kind"], last["authority"]) == ("40", "correction", "arbitration")
    assert last["reason"].startswith(f"申诉裁定 #{first}：复测安全策略生效")
    r = await rw.arbitrator.post(decision, json={"outcome": "dismissed", "reason": "再议"})
    assert r.status_code == 409 and code(r) == "already_decided"

    # The contestant sees their own appeal only; the arbitrator sees both.
    mine = (await rw.contestant.get(f"/api/events/{eid}/appeals")).json()
    assert [a["id"] for a in mine] == [first]
    assert (await rw.contestant.get(f"/api/events/{eid}/appeals/{second}")).status_code == 404
    assert {a["id"] for a in (await rw.arbitrator.get(f"/api/events/{eid}/appeals")).json()} == {first, second}

    # After the window: a late appeal is refused with the reason; final waits for the appeals.
    await wait_until(rel["appeal_ends_at"])
    r = await rw.contestant.post(f"{url}/appeals", json={"text": "补充申诉"})
    assert r.status_code == 409 and code(r) == "appeal_window_closed" and "申诉期已于" in r.json()["message"]
    r = await rw.organiser.post(f"{url}/results/final")
    assert r.status_code == 409 and code(r) == "appeals_pending"
    r = await rw.arbitrator.post(f"/api/events/{eid}/appeals/{second}/decision", json={"outcome": "dismissed", "reason": "评分标准已在赛前公布"})
    assert r.status_code == 200 and r.json()["status"] == "dismissed" and r.json()["corrections_pending"] is False

    # Applying again (the retry path for a correction the writer refused) has nothing left to do; it
    # is the arbitration group's, like the decision (an organiser changes no mark once published).
    assert (await rw.organiser.post(f"/api/events/{eid}/appeals/{first}/apply")).status_code == 403
    assert code(await rw.arbitrator.post(f"/api/events/{eid}/appeals/{first}/apply")) == "nothing_to_apply"

    # The approver cannot approve before the results are final.
    r = await rw.approver.post(f"/api/events/{eid}/proposals/approve", json={})
    assert r.status_code == 409 and code(r) == "results_not_final"

    assert (await rw.approver.post(f"{url}/results/final")).status_code == 403
    r = await rw.organiser.post(f"{url}/results/final")
    assert r.status_code == 200, r.text
    flow = r.json()
    assert flow["stage"] == "final" and flow["next"] is None
    steps = {s["step"]: s for s in flow["steps"]}
    assert steps["final"]["done"] and steps["final"]["changed_by_appeal"] is True
    assert all(steps[k]["done"] for k in ("scoring", "submitted", "rechecked", "decrypted", "provisional", "notice", "appeals"))
    assert code(await rw.organiser.post(f"{url}/results/final")) == "already_final"
    r = await rw.contestant.post(f"{url}/appeals", json={"text": "再次申诉"})
    assert r.status_code == 409 and code(r) == "results_final"


async def test_public_results_show_the_change_and_no_personal_numbers(rw: ResultsWorld):
    w = rw.w
    view = (await rw.anon.get(f"/api/public/events/{rw.eid}/skills/{rw.sid}/results")).json()
    group = view["groups"][0]
    assert group["stage"] == "final" and group["changed_by_appeal"] is True
    rows = group["ranking"]["rows"]
    order = [r["encrypted_no"] for r in rows]
    # Contestant 2's corrected mark lifts them to second place, above contestant 1.
    assert order == [w.refs[0], w.refs[2], w.refs[1], w.refs[3], w.refs[4]]
    by_ref = {r["encrypted_no"]: r for r in rows}
    assert by_ref[w.refs[2]]["score"] == "96.67" and by_ref[w.refs[2]]["award"] == "excellence" and by_ref[w.refs[2]]["changed"]
    assert by_ref[w.refs[2]]["provisional"]["rank"] == 3 and by_ref[w.refs[2]]["provisional"]["score"] == "56.67"
    assert by_ref[w.refs[1]]["award"] is None and by_ref[w.refs[1]]["provisional"]["award"] == "excellence"
    assert (
        by_ref[w.refs[0]]["rank"] == 1
        and by_ref[w.refs[0]]["award_label"] == {"zh": "三等奖", "en": "Third prize"}
        and not by_ref[w.refs[0]]["changed"]
    )
    assert {r["name"] for r in rows} == {f"选手{i}" for i in range(5)} and rows[0]["delegation"] == "广州市"

    people = (await w.admin.get(f"/api/events/{rw.eid}/contestants", params={"skill_id": rw.sid})).json()
    people = people["items"] if isinstance(people, dict) else people
    secrets_ = [p["id_number"] for p in people] + ["13800138000"]
    html = (await rw.anon.get(f"/results/{rw.eid}/skills/{rw.sid}", headers={"Accept": "text/html"})).text
    index = (await rw.anon.get(f"/results/{rw.eid}", headers={"Accept": "text/html"})).text
    body = str(view) + html + index + str((await rw.anon.get(f"/api/public/events/{rw.eid}/results")).json())
    assert not any(s in body for s in secrets_)
    assert "申诉后" in html and "选手2" in html and "三等奖" in html
    en = (await rw.anon.get(f"/results/{rw.eid}/skills/{rw.sid}?lang=en", headers={"Accept": "text/html"})).text
    assert "Changed after appeal" in en and "Third prize" in en


async def test_proposals_struck_and_approved(rw: ResultsWorld):
    eid = rw.eid
    items = (await rw.approver.get(f"/api/events/{eid}/proposals")).json()
    got = sorted((p["kind"], p["name"], p["code"], p["outcome"]) for p in items)
    # Awards from the final ranking (5 ranked: 1 prize within 20 %, 优胜奖 to the top 50 %),
    # 广东省技术能手 to the employee group's top 3, promotion to 技师 for 优胜奖 and above.
    assert got == sorted([
        ("award", "选手0", "third", "granted"), ("award", "选手2", "excellence", "granted"),
        ("honour", "选手0", "guangdong_technical_expert", "granted"), ("honour", "选手2", "guangdong_technical_expert", "granted"),
        ("honour", "选手1", "guangdong_technical_expert", "granted"),
        ("promotion", "选手0", "技师", "promoted"), ("promotion", "选手2", "技师", "promoted"),
    ])  # fmt: skip
    promo = next(p for p in items if p["kind"] == "promotion")
    assert promo["from_level_label"]["zh"] == "学徒工" and promo["to_level_label"]["zh"] == "技师" and promo["rule"] == "award_to_technician"
    assert all("*" in p["id_masked"] and "id_number" not in p for p in items)
    honour1 = next(p for p in items if p["kind"] == "honour" and p["name"] == "选手1")

    strike = f"/api/events/{eid}/proposals/{honour1['id']}/strike"
    assert (await rw.organiser.post(strike, json={"reason": "x"})).status_code == 403
    r = await rw.approver.post(strike, json={"reason": "  "})
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = await rw.approver.post(strike, json={"reason": "未获得奖项，不符合表彰条件"})
    assert r.status_code == 200 and r.json()["struck"] is True
    assert code(await rw.approver.post(strike, json={"reason": "again"})) == "already_struck"
    # The approver's review page and list.
    page = (await rw.approver.get(f"/events/{eid}/proposals", headers={"Accept": "text/html"})).text
    assert "未获得奖项，不符合表彰条件" in page and "广东省技术能手" in page
    xlsx = await rw.approver.get(f"/api/events/{eid}/proposals/export")
    assert xlsx.status_code == 200
    rows = sheet_rows(xlsx.content)
    assert rows[0][:5] == ["竞赛项目", "组别", "类别", "姓名", "身份证号（部分隐藏）"] and rows[0][13:15] == ["状态", "删除理由"]
    struck_row = next(r for r in rows[1:] if r[3] == "选手1" and r[2] == "荣誉称号")
    assert struck_row[13] == "已删除" and struck_row[14] == "未获得奖项，不符合表彰条件"

    # Approval: the organiser may not; the approver approves the skill's list, struck entry excluded.
    assert (await rw.organiser.post(f"/api/events/{eid}/proposals/approve", json={"skill_id": rw.sid})).status_code == 403
    r = await rw.approver.post(f"/api/events/{eid}/proposals/approve", json={"skill_id": rw.sid})
    assert r.status_code == 200, r.text
    assert r.json()["approved"] == 6 and r.json()["struck"] == 1
    after = {p["id"]: p for p in (await rw.organiser.get(f"/api/events/{eid}/proposals")).json()}
    assert (
        after[honour1["id"]]["struck"]
        and not after[honour1["id"]]["approved"]
        and after[honour1["id"]]["strike_reason"] == "未获得奖项，不符合表彰条件"
    )
    assert all(p["approved"] and p["approved_at"] for k, p in after.items() if k != honour1["id"])
    # Approval is final.
    other = next(k for k in after if k != honour1["id"])
    r = await rw.approver.post(f"/api/events/{eid}/proposals/{other}/strike", json={"reason": "改主意"})
    assert r.status_code == 409 and code(r) == "approved"
    assert code(await rw.approver.post(f"/api/events/{eid}/proposals/approve", json={})) == "already_approved"
    flow = (await rw.organiser.get(f"{rw.group_url}/results")).json()
    assert {s["step"]: s for s in flow["steps"]}["approved"]["done"] is True


async def test_results_book_columns(rw: ResultsWorld):
    w, eid = rw.w, rw.eid
    assert (await rw.approver.get(f"/api/events/{eid}/results/export")).status_code == 403
    r = await rw.organiser.get(f"/api/events/{eid}/skills/{rw.sid}/results/export")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = sheet_rows(r.content)
    assert rows[0] == ["名次", "加密号", "工位号", "姓名", "代表队", "工作单位/学校", "A 方案设计", "B 配置实施", "技能操作", "总成绩", "奖项"]
    assert rows[1][:2] == [1, w.refs[0]] and rows[1][3:5] == ["选手0", "广州市"] and rows[1][6:] == [20, 80, 100, 100, "三等奖"]
    assert rows[2][1] == w.refs[2] and float(rows[2][9]) == pytest.approx(96.67) and rows[2][10] == "优胜奖"
    en = await rw.organiser.get(f"/api/events/{eid}/results/export?lang=en")
    header = sheet_rows(en.content)[0]
    assert header[:2] == ["Rank", "Encrypted no."] and header[-2:] == ["Total", "Award"]
    info = sheet_rows(en.content, -1)
    assert info[1][3] == "Final" and info[1][6] == "Yes"


async def test_every_step_is_in_the_audit_log(rw: ResultsWorld, server):
    wanted = {
        "scores.submit",
        "scores.recheck",
        "decryption",
        "results.provisional",
        "appeal.file",
        "appeal.decide",
        "mark.correction",
        "appeal.apply",
        "results.final",
        "proposal.strike",
        "proposals.approve",
    }
    actions = [a for a in await audit_actions(server, rw.eid) if a in wanted]
    assert actions == [
        "scores.submit",
        "scores.recheck",
        "decryption",
        "results.provisional",
        "appeal.file",
        "appeal.file",
        "appeal.decide",
        "mark.correction",
        "appeal.apply",
        "appeal.decide",
        "results.final",
        "proposal.strike",
        "proposals.approve",
    ]
    chain = await asyncio.to_thread(run_cli, server.env, "audit", "verify")
    assert chain.returncode == 0
