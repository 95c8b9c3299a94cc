"""Check-in (检录) through the API: the ID check, late and absent, corrections, the tally, roles."""

from __future__ import annotations

from dayof_world import register, world
from harness import account


async def _list(client, w, session="1"):
    r = await client.get(f"/api/events/{w['e']}/skills/{w['s']}/checkin", params={"session": session})
    assert r.status_code == 200, r.text
    return r.json()


async def test_list_shows_masked_ids_and_tally(admin, server):
    w = await world(admin, server, count=3)
    org = w["organiser"]
    data = await _list(org, w)
    assert data["sessions"] == ["1"] and data["summary"] == {"present": 0, "late": 0, "absent": 0, "pending": 3, "total": 3}
    first = data["items"][0]
    person = w["people"][0]
    assert first["name"] == person["name"] and first["delegation"] == person["delegation"]
    assert first["id_masked"] == person["id_number"][:6] + "********" + person["id_number"][-4:]
    assert first["id_tail"] == person["id_number"][-4:] and first["checkin"] is None
    assert person["id_number"] not in str(data)  # the full ID number is never listed
    await org.aclose()


async def test_present_needs_the_matching_id_number(admin, server):
    w = await world(admin, server, count=3)
    org, (a, b, c) = w["organiser"], w["people"]
    url = f"/api/events/{w['e']}/checkin"

    r = await org.put(f"{url}/{a['id']}", json={"status": "present"})
    assert r.status_code == 422 and r.json()["field"] == "id_number"

    wrong = b["id_number"]
    r = await org.put(f"{url}/{a['id']}", json={"status": "present", "id_number": wrong})
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "id_mismatch" and r.json()["field"] == "id_number"
    assert "不符" in r.json()["message"]
    r = await org.put(f"{url}/{a['id']}", json={"status": "present", "id_number": wrong}, headers={"Accept-Language": "en"})
    assert "does not match" in r.json()["message"]
    assert (await _list(org, w))["summary"]["pending"] == 3  # nothing recorded

    # Spaces and a lower-case x are the same number (scanners and people type them).
    typed = a["id_number"].lower()
    typed = typed[:6] + " " + typed[6:14] + " " + typed[14:]
    r = await org.put(f"{url}/{a['id']}", json={"status": "present", "id_number": typed})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["contestant"]["checkin"]["status"] == "present" and body["contestant"]["checkin"]["id_verified"] is True
    assert body["contestant"]["checkin"]["checked_at_china"]
    assert body["summary"] == {"present": 1, "late": 0, "absent": 0, "pending": 2, "total": 3}

    r = await org.put(f"{url}/{b['id']}", json={"status": "late", "id_number": b["id_number"], "note": "开赛后 5 分钟到"})
    assert r.status_code == 200 and r.json()["contestant"]["checkin"]["status"] == "late"
    assert r.json()["contestant"]["checkin"]["note"] == "开赛后 5 分钟到"
    r = await org.put(f"{url}/{c['id']}", json={"status": "absent"})
    assert r.status_code == 200 and r.json()["contestant"]["checkin"]["id_verified"] is False
    assert r.json()["summary"] == {"present": 1, "late": 1, "absent": 1, "pending": 0, "total": 3}

    # Repeating the same status changes nothing and needs no reason.
    r = await org.put(f"{url}/{a['id']}", json={"status": "present", "id_number": a["id_number"]})
    assert r.status_code == 200 and r.json()["summary"]["present"] == 1

    summary = (await org.get(f"/api/events/{w['e']}/checkin")).json()
    assert summary == [
        {"skill_id": w["s"], "skill": w["skill"]["name"], "session": "1", "present": 1, "late": 1, "absent": 1, "pending": 0, "total": 3}
    ]
    await org.aclose()


async def test_corrections_need_a_reason(admin, server):
    w = await world(admin, server, count=2)
    org, (a, b) = w["organiser"], w["people"]
    url = f"/api/events/{w['e']}/checkin"
    assert (await org.put(f"{url}/{a['id']}", json={"status": "absent"})).status_code == 200

    r = await org.put(f"{url}/{a['id']}", json={"status": "late", "id_number": a["id_number"]})
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = await org.put(f"{url}/{a['id']}", json={"status": "late", "id_number": a["id_number"], "reason": "误点缺考，选手已到"})
    assert r.status_code == 200, r.text
    assert r.json()["contestant"]["checkin"] | {"checked_at": None, "checked_at_china": None} == {
        "status": "late",
        "id_verified": True,
        "note": "误点缺考，选手已到",
        "checked_at": None,
        "checked_at_china": None,
        "checked_by": "organiser user",
    }

    # Once verified, present ↔ late needs no retyping, but still a reason.
    r = await org.put(f"{url}/{a['id']}", json={"status": "present", "reason": "签到时间登记有误"})
    assert r.status_code == 200 and r.json()["contestant"]["checkin"]["status"] == "present"
    # Back to absent drops the verification: present again needs the card.
    assert (await org.put(f"{url}/{a['id']}", json={"status": "absent", "reason": "选手离场弃赛"})).status_code == 200
    r = await org.put(f"{url}/{a['id']}", json={"status": "present", "reason": "回来了"})
    assert r.status_code == 422 and r.json()["field"] == "id_number"

    r = await org.put(f"{url}/{b['id']}", json={"status": "gone"})
    assert r.status_code == 422 and r.json()["field"] == "status"
    await org.aclose()


async def test_withdrawn_not_listed_sessions_and_scope(admin, server):
    w = await world(admin, server, count=2, sessions=("1", "2"))
    org = w["organiser"]
    one, two = await _list(org, w, "1"), await _list(org, w, "2")
    assert one["sessions"] == ["1", "2"] and len(one["items"]) == 2 and len(two["items"]) == 2
    assert {i["id"] for i in one["items"]}.isdisjoint({i["id"] for i in two["items"]})

    gone = w["people"][0]
    r = await admin.patch(f"/api/events/{w['e']}/contestants/{gone['id']}", json={"status": "withdrawn", "reason": "本人申请退赛"})
    assert r.status_code == 200, r.text
    assert gone["id"] not in {i["id"] for i in (await _list(org, w, "1"))["items"]}
    r = await org.put(f"/api/events/{w['e']}/checkin/{gone['id']}", json={"status": "present", "id_number": gone["id_number"]})
    assert r.status_code == 409 and r.json()["code"] == "not_active"

    # A contestant of another event is not found through this event.
    other = await world(admin, server, count=1)
    stranger = other["people"][0]
    r = await org.put(f"/api/events/{w['e']}/checkin/{stranger['id']}", json={"status": "present", "id_number": stranger["id_number"]})
    assert r.status_code == 404
    r = await org.get(f"/api/events/{w['e']}/skills/{other['s']}/checkin")
    assert r.status_code == 404
    await other["organiser"].aclose()
    await org.aclose()


async def test_only_organisers_check_in(admin, server):
    w = await world(admin, server, count=1)
    a = w["people"][0]
    judge = await account(admin, server, w["e"], "judge", w["s"])
    officer = await account(admin, server, w["e"], "encryption_officer")
    for client in (judge, officer):
        assert (await client.get(f"/api/events/{w['e']}/skills/{w['s']}/checkin")).status_code == 403
        r = await client.put(f"/api/events/{w['e']}/checkin/{a['id']}", json={"status": "present", "id_number": a["id_number"]})
        assert r.status_code == 403
        assert (await client.get(f"/events/{w['e']}/checkin")).status_code == 403
    page = await w["organiser"].get(f"/events/{w['e']}/checkin", params={"skill_id": w["s"]}, headers={"Accept": "text/html"})
    assert page.status_code == 200 and a["name"] in page.text and "data-checkin" in page.text
    for c in (judge, officer, w["organiser"]):
        await c.aclose()


async def test_more_registrations_in_a_session(admin, server):
    w = await world(admin, server, count=1)
    await register(admin, w["e"], w["skill"], 2, session="1")
    data = await _list(w["organiser"], w)
    assert data["summary"]["total"] == 3 and [i["id"] for i in data["items"]] == sorted(i["id"] for i in data["items"])
    await w["organiser"].aclose()
