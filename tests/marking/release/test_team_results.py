"""Teams ranked as teams, end to end over HTTP on both databases (issue 14).

Event A (national) has a two-person skill: five pairs registered by form, one with a member
absent at check-in; the draw gives each pair one workstation, the judge's tablet lists one entry
per pair and marks the pair (a member's own number is refused; a judge whose employer is a
non-captain member's stands aside); the results rank the four pairs that competed, the absent one
unranked; 全国技术能手 goes to the top three pairs (both members), awards to every member by the
pair's place, one certificate per member naming the team.

Event B (national) has a three-person skill: three trios; a member of the winning trio already
holds 全国技术能手 from event A (the same person), so that member gets the award but not the
honour again; a member of the second trio does not take part in the awards (参与评奖: 否) and gets
nothing, the teammates get the trio's award and honour; the honour goes to the top two trios.
"""

from __future__ import annotations

import pytest
from team_world import (
    CITIES,
    approve_and_issue,
    check_in,
    encrypt,
    finalise,
    mark,
    national_event,
    outcomes,
    register,
    register_team,
    score_teams,
    staff,
)  # fmt: skip

pytestmark = pytest.mark.slow


async def test_pairs_then_trios_are_ranked_as_teams_and_every_member_gets_the_outcome(server, admin):
    # ---------------------------------------------------------------- event A: pairs
    event, skill = await national_event(admin, 2)
    eid, sid = event["id"], skill["id"]
    teams = [await register_team(admin, event, skill, f"队{k}", CITIES[k], 2) for k in range(5)]
    members = [p for t in teams for p in t]
    s = await staff(admin, server, event, skill, conflicted_employer=teams[1][1]["employer"])
    # 队4's second member is absent: the pair does not compete (a team is marked as the whole team).
    await check_in(admin, event, members[:-1])
    await check_in(admin, event, members[-1:], "absent")

    r = await admin.post(f"/api/events/{eid}/skills/{sid}/draws", json={"session": "1"})
    assert r.status_code in (200, 201), r.text
    assert len(r.json()["result"]) == 4  # four pairs drawn, the incomplete one not
    people = {p["id"]: p for p in (await admin.get(f"/api/events/{eid}/contestants", params={"skill_id": sid})).json()["items"]}
    for t in teams[:4]:
        assert people[t[0]["id"]]["workstation_no"] is not None
        assert people[t[0]["id"]]["workstation_no"] == people[t[1]["id"]]["workstation_no"]  # one workstation per pair
    assert people[teams[4][0]["id"]]["workstation_no"] is None

    refs = await encrypt(s["encryption_officer"], event, skill)
    captains = [refs[t[0]["id"]] for t in teams]
    # The tablet lists one entry per pair that competes: the captains' numbers.
    tablet = (await s["judge"].get("/api/judge/assignments")).json()["skills"][0]
    assert sorted(c["ref"] for c in tablet["contestants"]) == sorted(captains[:4])
    # A member's own number is not an entry; the absent pair is not competing.
    r = await mark(s["judge"], event, skill, refs[teams[0][1]["id"]], "A1.1", "40")
    assert r.status_code == 422 and r.json()["code"] == "unknown_contestant", r.text
    r = await mark(s["judge"], event, skill, captains[4], "A1.1", "40")
    assert r.json()["code"] == "not_competing", r.text
    # Conflicts are per member: 乙裁判 shares the employer of 队1's second member.
    r = await mark(s["conflicted"], event, skill, captains[1], "A1.1", "40")
    assert r.json()["code"] == "conflict_of_interest", r.text
    conflicted_tablet = (await s["conflicted"].get("/api/judge/assignments")).json()["skills"][0]
    assert captains[1] not in {c["ref"] for c in conflicted_tablet["contestants"]}

    await score_teams(s["judge"], event, skill, captains[:4])
    board = (await admin.get(f"/api/public/skills/{sid}/board")).json()
    assert len(board["rows"] if "rows" in board else board["groups"][0]["rows"]) == 5  # one row per pair

    final = await finalise(s, event, skill)
    rows = final["rows"]
    assert [(r["team"], r["rank"], r["status"]) for r in rows] == [("队0", 1, "competed"), ("队1", 2, "competed"), ("队2", 3, "competed"),
                                                                  ("队3", 4, "competed"), ("队4", None, "absent")]  # fmt: skip
    assert [m["name"] for m in rows[0]["members"]] == ["队00", "队01"] and rows[0]["members"][0]["captain"] is True
    award_of = {r["team"]: r["award"] for r in rows}
    assert award_of["队0"] == "gold" and award_of["队1"] == "silver" and award_of["队2"] == "bronze"

    proposals = (await s["approver"].get(f"/api/events/{eid}/proposals")).json()
    got = outcomes(proposals)
    for k, t in enumerate(teams[:4]):
        for p in t:
            o = got.get(p["id"], {})
            assert o.get("award") == award_of[f"队{k}"], (k, o)
            # 全国技术能手: the top three pairs, both members.
            assert o.get("honour") == ("granted" if k < 3 else None), (k, o)
            assert o.get("team") == (f"队{k}" if o else None)
    assert not any(p["id"] in got for p in teams[4])

    certs = await approve_and_issue(s, event)
    by_member: dict[int, list[str]] = {}
    for c in certs:
        by_member.setdefault(c["contestant_id"], []).append(c["cert_type"])
    for k, t in enumerate(teams[:3]):
        for p in t:
            assert sorted(by_member[p["id"]]) == sorted(["award", "honour", *(["promotion"] if "promotion" in got[p["id"]] else [])])
    # The certificate names the team.
    cert = next(c for c in certs if c["contestant_id"] == teams[0][1]["id"] and c["cert_type"] == "award")
    pdf = await s["organiser"].get(cert["download_url"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    plan = (await s["organiser"].get(f"/api/events/{eid}/certificates")).json()
    assert {c["contestant_id"] for c in plan if c["cert_type"] == "honour"} == {p["id"] for t in teams[:3] for p in t}

    # ---------------------------------------------------------------- event B: trios
    event2, skill2 = await national_event(admin, 3)
    eid2 = event2["id"]
    holder = teams[0][1]  # holds 全国技术能手 from event A now
    trios = [
        await register_team(admin, event2, skill2, "甲队", "广州市", 3, ids={2: holder["id_number"]}),
        await register_team(admin, event2, skill2, "乙队", "深圳市", 3, over={1: {"award_eligible": False}}),
        await register_team(admin, event2, skill2, "丙队", "佛山市", 3),
    ]
    s2 = await staff(admin, server, event2, skill2, conflicted_employer="无关单位")
    await check_in(admin, event2, [p for t in trios for p in t])
    refs2 = await encrypt(s2["encryption_officer"], event2, skill2)
    await score_teams(s2["judge"], event2, skill2, [refs2[t[0]["id"]] for t in trios])
    final2 = await finalise(s2, event2, skill2)
    assert [(r["team"], r["rank"]) for r in final2["rows"]] == [("甲队", 1), ("乙队", 2), ("丙队", 3)]
    assert [m["name"] for m in final2["rows"][1]["members"]] == ["乙队0", "乙队1", "乙队2"]
    award2 = {r["team"]: r["award"] for r in final2["rows"]}
    got2 = outcomes((await s2["approver"].get(f"/api/events/{eid2}/proposals")).json())
    for name, t in zip(("甲队", "乙队", "丙队"), trios):
        for i, p in enumerate(t):
            o = got2.get(p["id"], {})
            if name == "乙队" and i == 1:
                assert o == {}, o  # 不参与评奖: no award, honour or promotion
                continue
            assert o.get("award") == award2[name], (name, i, o)
            if name == "丙队":
                assert "honour" not in o  # the top two trios only
            elif p["id_number"] == holder["id_number"]:
                assert o["honour"] == "already_held"  # the award, not the honour twice
            else:
                assert o["honour"] == "granted", (name, i, o)
    for c in (*s.values(), *s2.values()):
        await c.aclose()


async def test_bad_teams_are_refused_with_the_field_named(admin):
    event, skill = await national_event(admin, 2)
    team = await register_team(admin, event, skill, "满队", "广州市", 2)
    # A third member of a pair.
    r, _ = await register(admin, event, skill, "满队", "广州市", 3, captain=False)
    assert r.status_code == 422 and r.json()["field"] == "team" and "2 人" in r.json()["message"], r.text
    # A second captain; a member of another delegation; no team in a team skill.
    r, _ = await register(admin, event, skill, "二队", "深圳市", 0, captain=True)
    assert r.status_code == 201, r.text
    r, _ = await register(admin, event, skill, "二队", "深圳市", 1, captain=True)
    assert r.status_code == 422 and r.json()["field"] == "team_captain", r.text
    r, _ = await register(admin, event, skill, "二队", "佛山市", 1, captain=False)
    assert r.status_code == 422 and r.json()["field"] == "delegation" and "同一代表队" in r.json()["message"], r.text
    r, _ = await register(admin, event, skill, "", "深圳市", 5, captain=False)
    assert r.status_code == 422 and r.json()["field"] == "team", r.text
    # The draw refuses while 二队 has one member.
    r = await admin.post(f"/api/events/{event['id']}/skills/{skill['id']}/draws", json={"session": "1"})
    assert r.status_code == 409 and r.json()["code"] == "team_incomplete" and "二队" in r.text, r.text
    assert team[0]["team_captain"] is True and team[1]["team_captain"] is False
    # Complete 二队; a member of 满队 withdraws: the draw runs, and 满队 (short of a member) is not drawn.
    r, _ = await register(admin, event, skill, "二队", "深圳市", 1, captain=False)
    assert r.status_code == 201, r.text
    second = r.json()
    r = await admin.patch(f"/api/events/{event['id']}/contestants/{team[1]['id']}", json={"status": "withdrawn", "reason": "退赛"})
    assert r.status_code == 200, r.text
    r = await admin.post(f"/api/events/{event['id']}/skills/{skill['id']}/draws", json={"session": "1"})
    assert r.status_code in (200, 201), r.text
    people = {p["id"]: p for p in (await admin.get(f"/api/events/{event['id']}/contestants", params={"skill_id": skill["id"]})).json()["items"]}
    assert people[team[0]["id"]]["workstation_no"] is None
    assert people[second["id"]]["workstation_no"] == 1 == len(r.json()["result"])
    # Drawn, the team's make-up and captain stay (the captain's record carries the team's entry).
    r = await admin.patch(f"/api/events/{event['id']}/contestants/{second['id']}", json={"team": "三队"})
    assert r.status_code == 409 and r.json()["code"] == "team_frozen", r.text
