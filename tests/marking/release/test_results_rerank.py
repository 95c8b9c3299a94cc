"""A WorldSkills event (700 scale): an appeal upheld by someone who is arbitrator and organiser at
once is corrected at once and re-ranks the final results; the appeal window keeps results
provisional; disqualified contestants are listed unranked, withdrawn ones not at all; the pages
of each role; the results book's standardised-score column."""

from __future__ import annotations

import pytest
from results_world import VALUES, ResultsWorld, decrypt, results_world, sheet_rows, sign_off, wait_until

WINDOWS = {"notice_hours": 0, "appeal_window_hours": 0.0012}


@pytest.fixture(scope="module")
async def rw(server):
    # Six registered, four marked: the fifth is disqualified, the sixth withdraws.
    world = await results_world(server, values=VALUES[:4] + [None, None], provincial=False, windows=WINDOWS)
    yield world
    await world.close()


def code(r) -> str:
    return r.json().get("code")


async def test_upheld_by_an_organiser_is_applied_at_once_and_re_ranks(rw: ResultsWorld):
    w, url, eid, admin = rw.w, rw.group_url, rw.eid, rw.w.admin
    people = {p["name"]: p for p in (await admin.get(f"/api/events/{eid}/contestants", params={"skill_id": rw.sid})).json()["items"]}
    for name, status in (("选手4", "disqualified"), ("选手5", "withdrawn")):
        r = await admin.patch(f"/api/events/{eid}/contestants/{people[name]['id']}", json={"status": status, "reason": "测试"})
        assert r.status_code == 200, r.text
    await sign_off(w)
    await decrypt(w)
    r = await rw.organiser.post(f"{url}/results/provisional")
    assert r.status_code == 200, r.text
    rel = r.json()["release"]
    # The notice is over at once, the appeal window is not.
    r = await rw.organiser.post(f"{url}/results/final")
    assert r.status_code == 409 and code(r) == "appeal_window_open"

    prov = (await rw.anon.get(f"/api/public/events/{eid}/skills/{rw.sid}/results")).json()["groups"][0]["ranking"]
    assert prov["standardised"] is True
    assert [(r["name"], r["rank"], r["status"]) for r in prov["rows"]] == [
        ("选手0", 1, "competed"),
        ("选手1", 2, "competed"),
        ("选手2", 3, "competed"),
        ("选手3", 4, "competed"),
        ("选手4", None, "disqualified"),
    ]
    assert prov["rows"][0]["award"] == "gold" and prov["rows"][0]["total"] == "100" and float(prov["rows"][0]["score"]) > 700

    # The administrator is arbitrator and organiser: the decision's correction is applied with it.
    r = await admin.post(f"{url}/appeals", json={"text": "选手3 领队：B1.2 复测", "filed_by_name": "东莞市领队", "contestant": w.refs[3]})
    assert r.status_code == 201, r.text
    appeal = r.json()
    r = await rw.contestant.post(f"{url}/appeals", json={"text": "对名次有异议", "contestant_id": people["选手2"]["id"]})
    assert r.status_code == 201, r.text
    other = r.json()
    r = await admin.post(
        f"/api/events/{eid}/appeals/{appeal['id']}/decision",
        json={
            "outcome": "upheld",
            "reason": "复测通过",
            "marks": [{"contestant": w.refs[3], "aspect": "B1.2", "seat": w.judge_ids[0], "value": "40"}],
        },
    )
    assert r.status_code == 200, r.text
    decided = r.json()
    assert decided["status"] == "upheld" and decided["corrections_pending"] is False and decided["corrections"][0]["seq"] > 0

    # Pages while the window is open: the contestant's filing form, the arbitrator's decision form.
    page = (await rw.contestant.get(f"/events/{eid}/appeals", headers={"Accept": "text/html"})).text
    assert "data-open-release" in page and "对名次有异议" in page and "选手3 领队" not in page
    page = (await rw.arbitrator.get(f"/events/{eid}/appeals", headers={"Accept": "text/html"})).text
    assert f'data-decide="/api/events/{eid}/appeals/{other["id"]}/decision"' in page and "东莞市领队" in page
    assert (
        await rw.arbitrator.post(
            f"/api/events/{eid}/appeals/{other['id']}/decision",
            json={
                "outcome": "dismissed",
                "reason": "名次依评分计算",
                "marks": [{"contestant": w.refs[2], "aspect": "B1.2", "seat": w.judge_ids[0], "value": "40"}],
            },
        )
    ).status_code == 422
    r = await rw.arbitrator.post(f"/api/events/{eid}/appeals/{other['id']}/decision", json={"outcome": "dismissed", "reason": "名次依评分计算"})
    assert r.status_code == 200, r.text

    await wait_until(rel["appeal_ends_at"])
    r = await admin.post(f"{url}/appeals", json={"text": "迟到的申诉", "filed_by_name": "某领队"})
    assert r.status_code == 409 and code(r) == "appeal_window_closed"
    r = await rw.organiser.post(f"{url}/results/final")
    assert r.status_code == 200, r.text
    assert r.json()["steps"][7]["changed_by_appeal"] is True

    final = (await rw.anon.get(f"/api/public/events/{eid}/skills/{rw.sid}/results")).json()["groups"][0]["ranking"]
    assert [(r["name"], r["rank"]) for r in final["rows"]] == [("选手0", 1), ("选手1", 2), ("选手3", 3), ("选手2", 4), ("选手4", None)]
    changed = {r["name"]: r["provisional"] for r in final["rows"] if r["changed"]}
    assert set(changed) >= {"选手3", "选手2"} and changed["选手3"]["rank"] == 4
    # WorldSkills tier: no honours, no promotion rules; the medals are proposed.
    items = (await admin.get(f"/api/events/{eid}/proposals")).json()
    assert {p["kind"] for p in items} == {"award"}
    medals = {p["name"]: p["code"] for p in items if p["code"] not in ("best_of_nation", "albert_vidal")}
    assert medals["选手0"] == "gold"
    # …and, the skill being the event's only one, its best are the event's (scoring/event_awards.py).
    assert ("albert_vidal", "选手0") in {(p["code"], p["name"]) for p in items}


async def test_pages_and_the_standardised_results_book(rw: ResultsWorld):
    eid, sid, gid = rw.eid, rw.sid, rw.gid
    hub = await rw.organiser.get(f"/events/{eid}/results", headers={"Accept": "text/html"})
    assert hub.status_code == 200 and f'data-group="{gid}"' in hub.text and "成绩确定" in hub.text
    detail = await rw.organiser.get(f"/events/{eid}/results/skills/{sid}/groups/{gid}", headers={"Accept": "text/html"})
    assert detail.status_code == 200 and 'data-step="final" data-done="yes"' in detail.text and "申诉后变动" in detail.text
    assert (await rw.contestant.get(f"/events/{eid}/results/skills/{sid}/groups/{gid}", headers={"Accept": "text/html"})).status_code == 403
    assert (await rw.approver.get(f"/events/{eid}/proposals", headers={"Accept": "text/html"})).status_code == 200
    assert (await rw.contestant.get(f"/events/{eid}/proposals", headers={"Accept": "text/html"})).status_code == 403
    event_page = (await rw.arbitrator.get(f"/events/{eid}", headers={"Accept": "text/html"})).text
    assert f'href="/events/{eid}/results"' in event_page
    index = (await rw.anon.get(f"/results/{eid}?lang=en", headers={"Accept": "text/html"})).text
    assert "Final" in index and "Changed after appeal" in index

    r = await rw.organiser.get(f"/api/events/{eid}/results/export")
    assert r.status_code == 200
    rows = sheet_rows(r.content)
    assert rows[0] == [
        "名次",
        "加密号",
        "工位号",
        "姓名",
        "代表队",
        "工作单位/学校",
        "A 方案设计",
        "B 配置实施",
        "技能操作",
        "总成绩",
        "标准分",
        "奖项",
    ]
    assert [row[3] for row in rows[1:]] == ["选手0", "选手1", "选手3", "选手2", "选手4"]
    assert rows[1][-1] == "金牌" and rows[5][0] == "取消资格" and float(rows[1][10]) > 700


ORG, CHIEF, JUDGE, ARB, APPR, CON = "organiser", "chief", "judge", "arbitrator", "approver", "contestant"
ROUTES = [
    ("GET", "/api/events/{e}/results", None, {ORG, ARB, APPR}),
    ("GET", "{g}/results", None, {ORG, CHIEF, ARB, APPR}),
    ("GET", "{g}/results/preview", None, {ORG, CHIEF}),
    ("POST", "{g}/results/provisional", None, {ORG}),
    ("POST", "{g}/results/final", None, {ORG}),
    ("GET", "/api/events/{e}/results/export", None, {ORG}),
    ("GET", "/api/events/{e}/skills/{s}/results/export", None, {ORG}),
    ("POST", "{g}/appeals", {"text": "x"}, {ORG, CON}),
    ("GET", "/api/events/{e}/appeals", None, {ORG, ARB, CON}),
    ("POST", "/api/events/{e}/appeals/999999/decision", {"outcome": "dismissed", "reason": "x"}, {ARB}),
    ("POST", "/api/events/{e}/appeals/999999/apply", None, {ARB}),  # once published only arbitration changes marks
    ("GET", "/api/events/{e}/proposals", None, {ORG, APPR}),
    ("GET", "/api/events/{e}/proposals/export", None, {ORG, APPR}),
    ("POST", "/api/events/{e}/proposals/999999/strike", {"reason": "x"}, {APPR}),
    ("POST", "/api/events/{e}/proposals/approve", {"skill_id": 999999}, {APPR}),
    ("GET", "/events/{e}/results", None, {ORG, CHIEF, JUDGE, ARB, APPR, CON}),
    ("GET", "/events/{e}/results/skills/{s}/groups/{gid}", None, {ORG, CHIEF}),
    ("GET", "/events/{e}/appeals", None, {ORG, ARB, CON}),
    ("GET", "/events/{e}/proposals", None, {ORG, APPR}),
]


async def test_each_route_admits_its_roles_only(rw: ResultsWorld):
    clients = {ORG: rw.organiser, CHIEF: rw.w.chief, JUDGE: rw.w.judges[0], ARB: rw.arbitrator, APPR: rw.approver, CON: rw.contestant}
    names = {"e": rw.eid, "s": rw.sid, "gid": rw.gid, "g": rw.group_url}
    for method, url, body, allowed in ROUTES:
        target = url.format(**names)
        for who, client in clients.items():
            r = await client.request(method, target, json=body)
            if who in allowed:
                assert r.status_code not in (401, 403) and r.status_code < 500, (method, target, who, r.status_code, r.text)
            else:
                assert r.status_code == 403 and r.json()["code"] == "forbidden", (method, target, who, r.status_code)
        assert (await rw.anon.request(method, target, json=body)).status_code == 401, (method, target)
    for url in (
        f"/api/public/events/{rw.eid}/results",
        f"/api/public/events/{rw.eid}/skills/{rw.sid}/results",
        f"/results/{rw.eid}",
        f"/results/{rw.eid}/skills/{rw.sid}",
    ):
        assert (await rw.anon.get(url)).status_code == 200, url
