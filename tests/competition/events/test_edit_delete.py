"""Skills, groups and sessions (场次) are edited and deleted through the API, and a delete is
refused, naming what depends, while registrations (or marks, draws, results …) remain."""

from harness import new_contestant, new_event, new_skill


async def test_skill_and_group_delete_refused_while_registrations_depend(admin):
    event = await new_event(admin)
    eid = event["id"]
    skill = await new_skill(admin, eid, name="电工")
    employees, students = skill["groups"]
    await new_contestant(admin, eid, skill_id=skill["id"], group_id=employees["id"])

    r = await admin.delete(f"/api/events/{eid}/skills/{skill['id']}")
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["code"] == "in_use" and "电工" in body["message"] and "1 名报名选手" in body["message"]
    assert body["detail"]["dependants"][0]["en"] == "1 registration(s)"
    r = await admin.delete(f"/api/events/{eid}/skills/{skill['id']}/groups/{employees['id']}", headers={"Accept-Language": "en"})
    assert r.status_code == 409 and "1 registration(s)" in r.json()["message"] and "职工组" in r.json()["message"]
    # A group's kind stays while registrations depend on it; its name may change.
    r = await admin.patch(f"/api/events/{eid}/skills/{skill['id']}/groups/{employees['id']}", json={"kind": "teacher"})
    assert r.status_code == 409 and r.json()["code"] == "in_use"
    r = await admin.patch(f"/api/events/{eid}/skills/{skill['id']}/groups/{employees['id']}", json={"name": "职工组（A 区）"})
    assert r.status_code == 200 and r.json()["name"] == "职工组（A 区）"

    # The student group has nobody: it goes, and then its kind can be added again.
    r = await admin.patch(f"/api/events/{eid}/skills/{skill['id']}/groups/{students['id']}", json={"kind": "teacher"})
    assert r.status_code == 200 and r.json()["kind"] == "teacher" and r.json()["name"] == "学生组"
    assert (await admin.delete(f"/api/events/{eid}/skills/{skill['id']}/groups/{students['id']}")).status_code == 204
    groups = (await admin.get(f"/api/events/{eid}/skills/{skill['id']}")).json()["groups"]
    assert [g["id"] for g in groups] == [employees["id"]]


async def test_a_skill_without_dependants_is_edited_and_deleted(admin):
    event = await new_event(admin)
    eid = event["id"]
    skill = await new_skill(admin, eid, name="焊工")
    r = await admin.patch(f"/api/events/{eid}/skills/{skill['id']}", json={"name": "焊工（改）", "team_size": 2})
    assert r.status_code == 200 and r.json()["name"] == "焊工（改）"
    r = await admin.post(f"/api/events/{eid}/skills/{skill['id']}/sessions", json={"code": "1", "name": "第一场"})
    assert r.status_code == 201
    assert (await admin.delete(f"/api/events/{eid}/skills/{skill['id']}")).status_code == 204
    assert (await admin.get(f"/api/events/{eid}/skills/{skill['id']}")).status_code == 404
    assert (await admin.get(f"/api/events/{eid}/skills")).json() == []
    assert (await admin.delete(f"/api/events/{eid}/skills/{skill['id']}")).status_code == 404


async def test_judge_assignment_keeps_a_skill(admin):
    event = await new_event(admin)
    eid = event["id"]
    skill = await new_skill(admin, eid)
    r = await admin.post(f"/api/events/{eid}/judges", json={"name": "王裁判", "delegation": "深圳市", "employer": "深圳某厂"})
    assert r.status_code == 201, r.text
    r = await admin.put(f"/api/events/{eid}/skills/{skill['id']}/judges/{r.json()['id']}", json={"role": "judge"})
    assert r.status_code in (200, 201), r.text
    r = await admin.delete(f"/api/events/{eid}/skills/{skill['id']}")
    assert r.status_code == 409 and "裁判分配" in r.json()["message"]


async def test_sessions_crud(admin):
    event = await new_event(admin)
    eid = event["id"]
    skill = await new_skill(admin, eid)
    base = f"/api/events/{eid}/skills/{skill['id']}/sessions"
    r = await admin.post(
        base, json={"code": "1", "name": "第一场（上午）", "venue": "A 馆", "starts_at": "2026-12-08T09:00", "ends_at": "2026-12-08T12:00"}
    )
    assert r.status_code == 201, r.text
    first = r.json()
    # Without an offset a time is China time: 09:00 in Guangzhou is 01:00 UTC.
    assert first["starts_at"].startswith("2026-12-08T01:00") and first["starts_at_china"] == "2026-12-08 09:00"
    r = await admin.post(base, json={"code": "2", "name": "第二场"})
    assert r.status_code == 201
    second = r.json()
    assert (await admin.post(base, json={"code": "2"})).status_code == 409
    r = await admin.post(base, json={"code": "3", "starts_at": "2026-12-08T12:00", "ends_at": "2026-12-08T09:00"})
    assert r.status_code == 422 and r.json()["field"] == "ends_at" and "结束时间" in r.json()["message"] and "ends_at" not in r.json()["message"]
    r = await admin.post(base, json={"code": "第 3 场!"})
    assert r.status_code == 422 and r.json()["field"] == "code" and "场次编号" in r.json()["message"]
    assert [s["code"] for s in (await admin.get(base)).json()] == ["1", "2"]

    # A contestant sits in session 1: it keeps its code and cannot go; its name and times change.
    await new_contestant(admin, eid, skill_id=skill["id"], group_id=skill["groups"][0]["id"], session="1")
    r = await admin.patch(f"{base}/{first['id']}", json={"code": "A"})
    assert r.status_code == 409 and "1 名报名选手" in r.json()["message"] and "第一场（上午）" in r.json()["message"]
    r = await admin.delete(f"{base}/{first['id']}")
    assert r.status_code == 409 and r.json()["code"] == "in_use"
    r = await admin.patch(f"{base}/{first['id']}", json={"name": "第一场", "ends_at": "2026-12-08T12:30"})
    assert r.status_code == 200 and r.json()["name"] == "第一场" and r.json()["ends_at_china"] == "2026-12-08 12:30"
    # Nobody sits in session 2: renumbered, then deleted.
    r = await admin.patch(f"{base}/{second['id']}", json={"code": "B"})
    assert r.status_code == 200 and r.json()["code"] == "B"
    assert (await admin.delete(f"{base}/{second['id']}")).status_code == 204
    assert [s["code"] for s in (await admin.get(base)).json()] == ["1"]
    assert (await admin.delete(f"{base}/{second['id']}")).status_code == 404
