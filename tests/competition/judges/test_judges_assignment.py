"""Assignment to skills and criteria, roles granted and revoked, one chief judge per skill,
conflict-of-interest refusals and coverage warnings — through the API, on SQLite and PostgreSQL."""

from harness import new_event, new_skill
from judges_seed import add_contestant, add_judge, assign, judge_client


async def test_assignment_grants_and_unassignment_revokes_the_role(admin, server):
    event = await new_event(admin)
    e = event["id"]
    skill = await new_skill(admin, e, name="电工")
    other = await new_skill(admin, e, name="网络安全")
    j = await add_judge(admin, e, name="周敏")
    client = await judge_client(server, admin, e, j["id"])
    assert (await client.get(f"/api/events/{e}/skills/{skill['id']}")).status_code == 403

    r = await assign(admin, e, skill["id"], j["id"], criteria="a, B1、b1")
    assert r.status_code == 200, r.text
    assert r.json()["assignment"] == {"judge_id": j["id"], "skill_id": skill["id"], "role": "judge", "criteria": ["A", "B1"], "account": True}
    roles = (await client.get("/api/me")).json()["user"]["roles"]
    assert {"role": "judge", "event_id": e, "skill_id": skill["id"]} in roles
    assert (await client.get(f"/api/events/{e}/skills/{skill['id']}")).status_code == 200
    assert (await client.get(f"/api/events/{e}/skills/{other['id']}")).status_code == 403
    mine = (await client.get(f"/api/events/{e}/judges/me")).json()
    assert mine == [
        {
            "judge_id": j["id"],
            "name": "周敏",
            "assignments": [{"skill_id": skill["id"], "skill_name": "电工", "role": "judge", "criteria": ["A", "B1"]}],
        }
    ]

    # Judge → chief judge: the role follows.
    r = await assign(admin, e, skill["id"], j["id"], role="chief_judge", criteria=[])
    assert r.status_code == 200
    roles = (await client.get("/api/me")).json()["user"]["roles"]
    assert [x["role"] for x in roles if x["skill_id"] == skill["id"]] == ["chief_judge"]
    assert (await client.get(f"/api/events/{e}/skills/{skill['id']}/coverage")).status_code == 200

    assert (await admin.delete(f"/api/events/{e}/skills/{skill['id']}/judges/{j['id']}")).status_code == 200
    assert (await client.get("/api/me")).json()["user"]["roles"] == []
    assert (await client.get(f"/api/events/{e}/skills/{skill['id']}")).status_code == 403
    r = await admin.delete(f"/api/events/{e}/skills/{skill['id']}/judges/{j['id']}")
    assert r.status_code == 404 and r.json()["code"] == "not_assigned"

    # An account made later gets the roles of the assignments made before it.
    late = await add_judge(admin, e, name="谢文斌", create_account=False)
    await assign(admin, e, other["id"], late["id"])
    await admin.post(f"/api/events/{e}/judges/{late['id']}/account")
    late_client = await judge_client(server, admin, e, late["id"])
    assert (await late_client.get(f"/api/events/{e}/skills/{other['id']}")).status_code == 200
    for c in (client, late_client):
        await c.aclose()


async def test_assignment_validation(admin):
    event = await new_event(admin)
    skill = await new_skill(admin, event["id"])
    j = await add_judge(admin, event["id"])
    r = await assign(admin, event["id"], skill["id"], j["id"], role="referee")
    assert r.status_code == 422 and r.json()["field"] == "role"
    r = await assign(admin, event["id"], skill["id"], j["id"], criteria=["A", "1B"])
    assert r.status_code == 422 and r.json()["field"] == "criteria" and "1B" in r.json()["message"]
    other_event = await new_event(admin)
    stranger = await add_judge(admin, other_event["id"])
    r = await assign(admin, event["id"], skill["id"], stranger["id"])
    assert r.status_code == 404
    other_skill = await new_skill(admin, other_event["id"])
    r = await assign(admin, event["id"], other_skill["id"], j["id"])
    assert r.status_code == 404


async def test_one_chief_judge_per_skill_and_explicit_change(admin, server):
    event = await new_event(admin)
    e = event["id"]
    skill = await new_skill(admin, e)
    first = await add_judge(admin, e, name="张伟明")
    second = await add_judge(admin, e, name="何志坚")
    assert (await assign(admin, e, skill["id"], first["id"], role="chief_judge")).status_code == 200
    r = await assign(admin, e, skill["id"], second["id"], role="chief_judge")
    assert r.status_code == 409 and r.json()["code"] == "chief_judge_exists" and "张伟明" in r.json()["message"]
    panel = (await admin.get(f"/api/events/{e}/skills/{skill['id']}/judges")).json()
    assert panel["chief_judge"]["judge_id"] == first["id"] and len(panel["members"]) == 1

    r = await assign(admin, e, skill["id"], second["id"], role="chief_judge", replace_chief=True)
    assert r.status_code == 200, r.text
    assert r.json()["replaced"] == {"judge_id": first["id"], "name": "张伟明", "role": "judge"}
    panel = (await admin.get(f"/api/events/{e}/skills/{skill['id']}/judges")).json()
    assert panel["chief_judge"]["judge_id"] == second["id"]
    assert {m["judge_id"]: m["role"] for m in panel["members"]} == {first["id"]: "judge", second["id"]: "chief_judge"}
    c = await judge_client(server, admin, e, first["id"])
    assert [x["role"] for x in (await c.get("/api/me")).json()["user"]["roles"]] == ["judge"]
    await c.aclose()


async def test_conflict_of_interest_by_delegation_and_by_employer(admin):
    event = await new_event(admin)
    e = event["id"]
    skill = await new_skill(admin, e)
    s = skill["id"]
    gz = await add_judge(admin, e, name="李志强", delegation="广州市", employer="广州市机电技师学院")
    fs = await add_judge(admin, e, name="梁国栋", delegation="广东省机械行业协会", employer="佛山市　精密机械 有限公司")
    sz = await add_judge(admin, e, name="黄丽娟", delegation="深圳市", employer="深圳技师学院")
    for j in (gz, fs, sz):
        await assign(admin, e, s, j["id"])
    from_gz = await add_contestant(admin, e, skill, delegation="广州市", employer="广州地铁集团有限公司", name="陈建国")
    from_fs_company = await add_contestant(admin, e, skill, delegation="佛山市", employer="佛山市精密机械有限公司", name="何家豪")

    r = await admin.get(f"/api/events/{e}/skills/{s}/may-score", params={"judge_user_id": gz["user"]["id"], "contestant_id": from_gz["id"]})
    assert r.status_code == 403 and r.json()["code"] == "conflict_of_interest", r.text
    assert r.json()["detail"]["reason"] == "same_delegation" and "广州市" in r.json()["message"]
    r = await admin.get(
        f"/api/events/{e}/skills/{s}/may-score",
        params={"judge_id": fs["id"], "contestant_id": from_fs_company["id"]},
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 403 and r.json()["detail"]["reason"] == "same_employer" and "employer" in r.json()["message"]
    r = await admin.get(f"/api/events/{e}/skills/{s}/may-score", params={"judge_user_id": sz["user"]["id"], "contestant_id": from_gz["id"]})
    assert r.status_code == 200 and r.json()["ok"] is True
    # The Guangzhou judge may score the Foshan contestant; an unassigned account may not score anyone.
    r = await admin.get(f"/api/events/{e}/skills/{s}/may-score", params={"judge_id": gz["id"], "contestant_id": from_fs_company["id"]})
    assert r.status_code == 200
    outsider = await add_judge(admin, e, name="未分配")
    r = await admin.get(f"/api/events/{e}/skills/{s}/may-score", params={"judge_id": outsider["id"], "contestant_id": from_gz["id"]})
    assert r.status_code == 403 and r.json()["code"] == "not_assigned"
    # A criterion the judge is not on.
    await assign(admin, e, s, sz["id"], criteria=["A"])
    r = await admin.get(f"/api/events/{e}/skills/{s}/may-score", params={"judge_id": sz["id"], "contestant_id": from_gz["id"], "criterion": "b"})
    assert r.status_code == 403 and r.json()["code"] == "not_assigned_criterion"

    conflicts = (await admin.get(f"/api/events/{e}/skills/{s}/conflicts")).json()
    pairs = {(c["judge_id"], c["contestant_id"], c["reason"]["code"]) for c in conflicts}
    assert pairs == {(gz["id"], from_gz["id"], "same_delegation"), (fs["id"], from_fs_company["id"], "same_employer")}
    eligible = (await admin.get(f"/api/events/{e}/skills/{s}/contestants/{from_gz['id']}/eligible-judges")).json()
    assert {j["judge_id"] for j in eligible} == {fs["id"], sz["id"]}
    eligible = (await admin.get(f"/api/events/{e}/skills/{s}/contestants/{from_gz['id']}/eligible-judges", params={"criterion": "B"})).json()
    assert {j["judge_id"] for j in eligible} == {fs["id"]}


async def test_coverage_warnings_when_too_few_eligible_judges(admin, server):
    event = await new_event(admin)  # provincial: the subjective panel of 5
    e = event["id"]
    skill = await new_skill(admin, e)
    s = skill["id"]
    cities = ["广州市", "深圳市", "佛山市", "东莞市"]
    judges = [await add_judge(admin, e, name=f"裁判{i}", delegation=city, employer=f"{city}技师学院") for i, city in enumerate(cities)]
    gz = await add_contestant(admin, e, skill, delegation="广州市代表队", employer="广州地铁", name="陈建国")
    await add_contestant(admin, e, skill, delegation="湛江市", employer="湛江港", name="林志明")

    r = await admin.get(f"/api/events/{e}/skills/{s}/coverage")
    report = r.json()
    assert report["panel"] == "subjective" and report["needed"] == 5 and report["contestants"] == 2
    assert report["criteria"] == [{"criterion": None, "judges": 0, "needed": 5, "short": True, "short_contestants": 2}]
    for j in judges:
        r = await assign(admin, e, s, j["id"])
    body = r.json()
    assert len(body["warnings"]) == 2 and "5" in body["warning"]
    fifth = await add_judge(admin, e, name="裁判5", delegation="中山市", employer="中山市技师学院")
    r = await assign(admin, e, s, fifth["id"])
    warnings = r.json()["warnings"]
    # Only the Guangzhou contestant is short: the Guangzhou judge stands aside (广州市代表队 = 广州市).
    assert [(w["contestant_id"], w["eligible"], w["needed"], w["criterion"]) for w in warnings] == [(gz["id"], 4, 5, None)]
    assert "warning" in r.json()

    # Criteria: the chief judge marks A only; two judges take B only, so B is short for everyone.
    chief = await add_judge(admin, e, name="裁判长", delegation="江门市", employer="江门职业技术学院")
    await assign(admin, e, s, chief["id"], role="chief_judge", criteria=["A"])
    await assign(admin, e, s, judges[1]["id"], criteria=["B"])
    r = await assign(admin, e, s, judges[2]["id"], criteria=["B"])
    by_criterion = {}
    for w in r.json()["warnings"]:
        by_criterion.setdefault(w["criterion"], []).append(w["eligible"])
    # A: the chief judge + 3 judges of all criteria = 4 (3 for the Guangzhou contestant); B: 5 (4 for Guangzhou).
    assert {k: sorted(v) for k, v in by_criterion.items()} == {"A": [3, 4], "B": [4]}
    report = (await admin.get(f"/api/events/{e}/skills/{s}/coverage")).json()
    assert {c["criterion"]: (c["judges"], c["short"]) for c in report["criteria"]} == {"A": (4, True), "B": (5, False)}
    # Chief judges see workstation and encrypted numbers, never names or ids.
    chief_client = await judge_client(server, admin, e, chief["id"])
    seen = (await chief_client.get(f"/api/events/{e}/skills/{s}/coverage")).json()
    assert seen["shortfalls"] and all(set(w) == {"criterion", "workstation_no", "encrypted_no", "eligible", "needed"} for w in seen["shortfalls"])
    assert "陈建国" not in str(seen)
    await chief_client.aclose()

    # Unassigning warns as well.
    r = await admin.delete(f"/api/events/{e}/skills/{s}/judges/{fifth['id']}")
    assert r.status_code == 200 and r.json()["warnings"]


async def test_panel_size_follows_the_event_preset(admin):
    ws = await new_event(admin, tier="worldskills", tier_class=None)
    skill = await new_skill(admin, ws["id"])
    report = (await admin.get(f"/api/events/{ws['id']}/skills/{skill['id']}/coverage")).json()
    assert report["panel"] == "judgement" and report["needed"] == 3
    prov = await new_event(admin)
    skill = await new_skill(admin, prov["id"])
    r = await admin.put(f"/api/events/{prov['id']}/preset", json={"overrides": {"scoring": {"subjective": {"params": {"judges": 7}}}}})
    assert r.status_code == 200, r.text
    assert (await admin.get(f"/api/events/{prov['id']}/skills/{skill['id']}/coverage")).json()["needed"] == 7


async def test_two_simultaneous_chief_judges_one_wins(admin):
    import asyncio

    event = await new_event(admin)
    skill = await new_skill(admin, event["id"])
    contenders = [await add_judge(admin, event["id"], name=f"候选{i}") for i in range(4)]
    results = await asyncio.gather(*(assign(admin, event["id"], skill["id"], j["id"], role="chief_judge") for j in contenders))
    assert sorted(r.status_code for r in results) == [200, 409, 409, 409], [r.text for r in results]
    panel = (await admin.get(f"/api/events/{event['id']}/skills/{skill['id']}/judges")).json()
    assert [m["role"] for m in panel["members"]] == ["chief_judge"]
