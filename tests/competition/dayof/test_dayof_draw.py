"""The draw (抽签) through the API: pools, replay, redraw with reason and history, roles."""

from __future__ import annotations

from dayof_world import world
from harness import account


async def _draw(client, w, session="1", reason=""):
    return await client.post(f"/api/events/{w['e']}/skills/{w['s']}/draws", json={"session": session, "reason": reason})


async def test_draw_before_check_in_takes_everyone_and_replays(admin, server):
    w = await world(admin, server, count=7)
    org = w["organiser"]
    r = await _draw(org, w)
    assert r.status_code == 201, r.text
    d = r.json()
    ids = sorted(p["id"] for p in w["people"])
    assert d["pool"] == "registered" and d["input"] == ids and d["algorithm"] == "sha256-ctr-fisher-yates/1"
    assert len(bytes.fromhex(d["seed"])) == 32 and d["superseded"] is False and d["audit_seq"]
    assert sorted(d["result"].values()) == list(range(1, 8)) and sorted(int(k) for k in d["result"]) == ids
    assert [row["workstation_no"] for row in d["table"]] == list(range(1, 8))
    assert {row["name"] for row in d["table"]} == {p["name"] for p in w["people"]}
    assert d["run_by"] == "organiser user" and d["run_at_china"]

    # The contestants carry their workstation (seen through the registration API).
    for p in w["people"]:
        got = (await admin.get(f"/api/events/{w['e']}/contestants/{p['id']}")).json()
        assert got["workstation_no"] == d["result"][str(p["id"])]

    for method in ("POST", "GET"):
        rep = await org.request(method, f"/api/events/{w['e']}/draws/{d['id']}/replay")
        assert rep.status_code == 200, rep.text
        body = rep.json()
        assert body["matches"] is True and body["differences"] == [] and body["recomputed"] == d["result"]
        assert body["audit"]["found"] is True and body["audit"]["matches"] is True and body["verified"] is True

    r = await org.get(f"/api/events/{w['e']}/draws/{d['id']}")
    assert r.status_code == 200 and r.json()["result"] == d["result"]
    assert (await org.get(f"/api/events/{w['e']}/draws/999999")).status_code == 404
    await org.aclose()


async def test_two_draws_differ_and_redraw_needs_reason_and_keeps_history(admin, server):
    w = await world(admin, server, count=12)
    org = w["organiser"]
    first = (await _draw(org, w)).json()
    r = await _draw(org, w)
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = await _draw(org, w, reason="   ")
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = await _draw(org, w, reason="抽签现场设备故障，经监督员同意重抽")
    assert r.status_code == 201, r.text
    second = r.json()
    assert second["seed"] != first["seed"] and second["reason"] == "抽签现场设备故障，经监督员同意重抽"
    assert second["result"] != first["result"]  # 1 in 12! to coincide

    history = (await org.get(f"/api/events/{w['e']}/skills/{w['s']}/draws")).json()
    assert [h["id"] for h in history["draws"]] == [second["id"], first["id"]]
    assert [h["superseded"] for h in history["draws"]] == [False, True]
    assert history["draws"][1]["result"] == first["result"]  # the earlier result is kept
    for h in history["draws"]:
        rep = (await org.post(f"/api/events/{w['e']}/draws/{h['id']}/replay")).json()
        assert rep["verified"] is True
    # Contestants follow the current draw.
    p = w["people"][0]
    got = (await admin.get(f"/api/events/{w['e']}/contestants/{p['id']}")).json()
    assert got["workstation_no"] == second["result"][str(p["id"])]
    await org.aclose()


async def test_after_check_in_only_arrivals_are_drawn(admin, server):
    w = await world(admin, server, count=5, sessions=("1", "2"))
    org = w["organiser"]
    s1 = [p for p in w["people"] if p["session"] == "1"]
    url = f"/api/events/{w['e']}/checkin"
    assert (await org.put(f"{url}/{s1[0]['id']}", json={"status": "present", "id_number": s1[0]["id_number"]})).status_code == 200
    assert (await org.put(f"{url}/{s1[1]['id']}", json={"status": "late", "id_number": s1[1]["id_number"]})).status_code == 200
    assert (await org.put(f"{url}/{s1[2]['id']}", json={"status": "absent"})).status_code == 200
    d = (await _draw(org, w, "1")).json()
    assert d["pool"] == "checked_in" and d["input"] == sorted([s1[0]["id"], s1[1]["id"]])
    assert sorted(d["result"].values()) == [1, 2]
    for p in s1[2:]:
        got = (await admin.get(f"/api/events/{w['e']}/contestants/{p['id']}")).json()
        assert got["workstation_no"] is None

    d2 = (await _draw(org, w, "2")).json()
    assert d2["pool"] == "registered" and len(d2["input"]) == 5 and d2["session"] == "2"
    history = (await org.get(f"/api/events/{w['e']}/skills/{w['s']}/draws", params={"session": "1"})).json()
    assert [h["id"] for h in history["draws"]] == [d["id"]] and history["sessions"] == ["1", "2"]

    r = await _draw(org, w, "9")
    assert r.status_code == 422 and r.json()["field"] == "session"
    # Everyone of a session absent: nothing to draw.
    w2 = await world(admin, server, count=1)
    p = w2["people"][0]
    await w2["organiser"].put(f"/api/events/{w2['e']}/checkin/{p['id']}", json={"status": "absent"})
    r = await _draw(w2["organiser"], w2)
    assert r.status_code == 422
    await w2["organiser"].aclose()
    await org.aclose()


async def test_draw_is_frozen_once_scores_are_submitted(admin, server):
    w = await world(admin, server, count=3)
    org = w["organiser"]
    assert (await _draw(org, w)).status_code == 201
    chief = await account(admin, server, w["e"], "chief_judge", w["s"])
    assert (
        await chief.post(f"/api/events/{w['e']}/skills/{w['s']}/scores/submit", json={"override_reason": "测试：没有评分标准"})
    ).status_code == 200
    r = await _draw(org, w, reason="再抽一次")
    assert r.status_code == 409 and r.json()["code"] == "scores_submitted"
    await chief.aclose()
    await org.aclose()


async def test_draw_roles(admin, server):
    w = await world(admin, server, count=3)
    d = (await _draw(w["organiser"], w)).json()
    judge = await account(admin, server, w["e"], "judge", w["s"])
    officer = await account(admin, server, w["e"], "encryption_officer")
    arbitrator = await account(admin, server, w["e"], "arbitrator")
    for c in (judge, officer, arbitrator):
        assert (await _draw(c, w, reason="x")).status_code == 403
        assert (await c.get(f"/api/events/{w['e']}/skills/{w['s']}/draws")).status_code == 403
    assert (await judge.post(f"/api/events/{w['e']}/draws/{d['id']}/replay")).status_code == 403
    r = await arbitrator.post(f"/api/events/{w['e']}/draws/{d['id']}/replay")
    assert r.status_code == 200 and r.json()["verified"] is True
    # A draw of another event is not reachable through this one.
    other = await world(admin, server, count=1)
    r = await w["organiser"].post(f"/api/events/{other['e']}/draws/{d['id']}/replay")
    assert r.status_code == 403
    r = await admin.post(f"/api/events/{other['e']}/draws/{d['id']}/replay")
    assert r.status_code == 404
    page = await w["organiser"].get(f"/events/{w['e']}/draw", params={"skill_id": w["s"]}, headers={"Accept": "text/html"})
    assert page.status_code == 200 and w["people"][0]["name"] in page.text
    for c in (judge, officer, arbitrator, w["organiser"], other["organiser"]):
        await c.aclose()
