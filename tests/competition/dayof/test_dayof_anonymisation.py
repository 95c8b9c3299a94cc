"""Anonymisation (加密) and decryption (解密) through the API, and the anonymity of everything a
judge can fetch."""

from __future__ import annotations

import re

from dayof_world import register, world
from harness import account

#: These worlds have no marking scheme: the chief judge signs off anyway, saying why.
NO_SCHEME = {"override_reason": "测试：本项目不设评分标准"}


def _urls(w):
    e, s = w["e"], w["s"]
    return {
        "status": f"/api/events/{e}/skills/{s}/encryption",
        "rounds": f"/api/events/{e}/skills/{s}/encryption/rounds",
        "mapping": f"/api/events/{e}/skills/{s}/encryption/mapping",
        "judging": f"/api/events/{e}/skills/{s}/judging-list",
        "submit": f"/api/events/{e}/skills/{s}/scores/submit",
        "recheck": f"/api/events/{e}/skills/{s}/scores/recheck",
        "decrypt": f"/api/events/{e}/skills/{s}/decrypt",
    }


async def _staff(admin, server, w):
    return {
        "officer": await account(admin, server, w["e"], "encryption_officer"),
        "judge": await account(admin, server, w["e"], "judge", w["s"]),
        "chief": await account(admin, server, w["e"], "chief_judge", w["s"]),
    }


async def _close(*clients):
    for c in clients:
        await c.aclose()


async def test_rounds_unique_and_round_two_needs_round_one(admin, server):
    w = await world(admin, server, count=8)
    st = await _staff(admin, server, w)
    u, officer = _urls(w), st["officer"]

    r = await officer.post(u["rounds"], json={"round": 2})
    assert r.status_code == 409 and r.json()["code"] == "round1_required"
    r = await officer.post(u["rounds"], json={"round": 3})
    assert r.status_code == 422 and r.json()["field"] == "round"

    r = await officer.post(u["rounds"], json={"round": 1})
    assert r.status_code == 201, r.text
    assert r.json()["created"] == 8 and r.json()["rounds"] == {"1": 8, "2": 0} and r.json()["latest_round"] == 1
    m = (await officer.get(u["mapping"])).json()
    first = {i["contestant_id"]: i["round1"] for i in m["items"]}
    assert len(set(first.values())) == 8 and all(re.fullmatch(r"A[1-9]\d{2}", n) for n in first.values())
    # Not in registration order (8! orderings; a rising sequence by chance is 1 in 40,320).
    by_id = [first[k] for k in sorted(first)]
    assert by_id != sorted(by_id) or by_id != sorted(by_id, reverse=True)

    # Generating again tops up only newcomers; existing numbers stay.
    late = await register(admin, w["e"], w["skill"], 2)
    r = await officer.post(u["rounds"], json={"round": 1})
    assert r.json()["created"] == 2 and r.json()["rounds"]["1"] == 10
    m = (await officer.get(u["mapping"])).json()
    again = {i["contestant_id"]: i["round1"] for i in m["items"]}
    assert all(again[k] == v for k, v in first.items()) and len(set(again.values())) == 10
    assert {p["id"] for p in late} <= set(again)

    r = await officer.post(u["rounds"], json={"round": 2})
    assert r.status_code == 201 and r.json()["rounds"] == {"1": 10, "2": 10} and r.json()["latest_round"] == 2
    m = (await officer.get(u["mapping"])).json()
    second = {i["contestant_id"]: i["round2"] for i in m["items"]}
    assert len(set(second.values())) == 10 and all(n.startswith("B") for n in second.values())
    assert all(i["encrypted_no"] == i["round2"] for i in m["items"])

    # Judges now see round-2 numbers only.
    jl = (await st["judge"].get(u["judging"])).json()
    assert jl["round"] == 2 and {i["encrypted_no"] for i in jl["items"]} == set(second.values())
    await _close(*st.values(), w["organiser"])


async def test_everything_a_judge_can_fetch_is_anonymous(admin, server):
    """Every GET route of the API (from the OpenAPI document) and the pages a judge reaches,
    fetched as a judge and as a chief judge of the skill: no name, ID number, delegation or
    employer of any contestant anywhere in a body, before decryption."""
    w = await world(admin, server, count=5)
    st = await _staff(admin, server, w)
    u = _urls(w)
    org = w["organiser"]
    p0 = w["people"][0]
    await org.put(f"/api/events/{w['e']}/checkin/{p0['id']}", json={"status": "present", "id_number": p0["id_number"]})
    d = (await org.post(f"/api/events/{w['e']}/skills/{w['s']}/draws", json={"session": "1"})).json()
    assert (await st["officer"].post(u["rounds"], json={"round": 1})).status_code == 201
    assert (await st["chief"].post(u["submit"], json=NO_SCHEME)).status_code == 200  # submitted, not yet decrypted

    jl = await st["judge"].get(u["judging"])
    assert jl.status_code == 200
    assert jl.json()["decrypted"] is False
    assert all(set(i) == {"encrypted_no", "workstation_no"} for i in jl.json()["items"]) and len(jl.json()["items"]) == 5

    secrets_ = []
    for p in w["people"]:
        secrets_ += [p["name"], p["id_number"], p["id_number"][-8:], p["delegation"], p["employer"], p["phone"]]

    schema = (await admin.get("/schema/openapi.json")).json()
    me = (await st["judge"].get("/api/me")).json()["user"]
    values = {
        "event_id": w["e"],
        "skill_id": w["s"],
        "contestant_id": p0["id"],
        "draw_id": d["id"],
        "group_id": w["skill"]["groups"][0]["id"],
        "user_id": me["id"],
    }
    urls = []
    for path, ops in schema["paths"].items():
        if "get" not in ops or path.startswith("/schema"):
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), 1)), path)
        urls.append(url)
    assert u["judging"] in urls and len(urls) > 10
    pages = [f"/events/{w['e']}", f"/events/{w['e']}/skills/{w['s']}/judging", "/"]
    reached = 0
    for who in ("judge", "chief"):
        for url in urls + pages:
            headers = {"Accept": "text/html"} if url in pages else {}
            r = await st[who].get(url, headers=headers)
            if r.status_code != 200:
                continue
            reached += 1
            body = r.text
            leaked = [s for s in secrets_ if s and s in body]
            assert not leaked, f"{who} sees {leaked} at {url}"
    assert reached >= 8
    page = await st["judge"].get(f"/events/{w['e']}/skills/{w['s']}/judging", headers={"Accept": "text/html"})
    assert page.status_code == 200 and jl.json()["items"][0]["encrypted_no"] in page.text
    await _close(*st.values(), org)


async def test_who_sees_the_mapping(admin, server):
    w = await world(admin, server, count=3)
    st = await _staff(admin, server, w)
    u, org = _urls(w), w["organiser"]
    other_judge = await account(admin, server, w["e"], "judge", (await _other_skill(admin, w))["id"])
    assert (await st["officer"].post(u["rounds"], json={"round": 1})).status_code == 201

    assert (await st["officer"].get(u["mapping"])).status_code == 200
    for who, client in {"organiser": org, "admin": admin, "judge": st["judge"], "chief": st["chief"]}.items():
        assert (await client.get(u["mapping"])).status_code == 403, who
        assert (await client.post(u["rounds"], json={"round": 1})).status_code == 403, who
        # The page opens for the organiser and the chief judge with the progress, never the mapping.
        page = await client.get(f"/events/{w['e']}/encryption", params={"skill_id": w["s"]}, headers={"Accept": "text/html"})
        if who == "judge":
            assert page.status_code == 403, who
        else:
            assert page.status_code == 200 and w["people"][0]["name"] not in page.text and "round1-form" not in page.text, who
    # Organisers and administrators do not get the judges' list either (it pairs numbers with workstations).
    for who, client in {"organiser": org, "admin": admin, "other-skill judge": other_judge}.items():
        assert (await client.get(u["judging"])).status_code == 403, who
    # Counts are no secret.
    for client in (org, st["chief"], st["officer"]):
        r = await client.get(u["status"])
        assert r.status_code == 200 and r.json()["rounds"]["1"] == 3 and "items" not in r.json()
    assert (await st["judge"].get(u["status"])).status_code == 403
    page = await st["officer"].get(f"/events/{w['e']}/encryption", params={"skill_id": w["s"]}, headers={"Accept": "text/html"})
    assert page.status_code == 200 and w["people"][0]["name"] in page.text
    await _close(*st.values(), org, other_judge)


async def _other_skill(admin, w):
    r = await admin.post(f"/api/events/{w['e']}/skills", json={"name": "焊工" + str(w["s"]), "groups": ["employee"]})
    assert r.status_code == 201
    return r.json()


async def test_decryption_waits_for_submission_and_recheck(admin, server):
    w = await world(admin, server, count=4)
    st = await _staff(admin, server, w)
    u, org, officer, chief = _urls(w), w["organiser"], st["officer"], st["chief"]

    r = await officer.post(u["decrypt"])
    assert r.status_code == 409 and r.json()["code"] == "not_encrypted"
    assert (await officer.post(u["rounds"], json={"round": 1})).status_code == 201
    r = await officer.post(u["decrypt"])
    assert r.status_code == 409 and r.json()["code"] == "not_submitted" and "提交" in r.json()["message"]
    r = await chief.post(u["recheck"])
    assert r.status_code == 409 and r.json()["code"] == "not_submitted"

    assert (await org.post(u["submit"])).status_code == 403
    assert (await st["judge"].post(u["submit"])).status_code == 403
    r = await chief.post(u["submit"])
    assert r.status_code == 409 and r.json()["code"] == "scores_incomplete" and "评分标准" in r.json()["message"]
    r = await chief.post(u["submit"], json=NO_SCHEME)
    assert r.status_code == 200 and r.json()["submission"]["submitted_by"] == "chief_judge user"
    assert (await chief.post(u["submit"])).status_code == 409
    r = await officer.post(u["decrypt"], headers={"Accept-Language": "en"})
    assert r.status_code == 409 and r.json()["code"] == "not_rechecked" and "re-checked" in r.json()["message"]

    r = await chief.post(u["recheck"], json=NO_SCHEME)
    assert r.status_code == 200 and r.json()["submission"]["rechecked"] is True
    assert (await chief.post(u["recheck"])).status_code == 409

    # Organisers (and administrators) cannot decrypt, nor judges.
    for client in (org, admin, chief, st["judge"]):
        assert (await client.post(u["decrypt"])).status_code == 403
    r = await officer.post(u["decrypt"], json={"note": "裁判长复核完毕，监督员在场"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["decryption"]["by"] == "encryption_officer user" and body["decryption"]["note"] == "裁判长复核完毕，监督员在场"
    assert {i["name"] for i in body["items"]} == {p["name"] for p in w["people"]}
    assert (await officer.post(u["decrypt"])).status_code == 409

    # After decryption: numbers frozen, mapping visible to the organiser and chief judge, names in the judges' list.
    r = await officer.post(u["rounds"], json={"round": 2})
    assert r.status_code == 409 and r.json()["code"] == "decrypted"
    assert (await org.get(u["mapping"])).status_code == 200
    assert (await chief.get(u["mapping"])).status_code == 200
    assert (await st["judge"].get(u["mapping"])).status_code == 403
    jl = (await st["judge"].get(u["judging"])).json()
    assert jl["decrypted"] is True and {i["name"] for i in jl["items"]} == {p["name"] for p in w["people"]}
    await _close(*st.values(), org)


async def test_encryption_needs_contestants(admin, server):
    w = await world(admin, server, count=1)
    st = await _staff(admin, server, w)
    empty = await _other_skill(admin, w)
    r = await st["officer"].post(f"/api/events/{w['e']}/skills/{empty['id']}/encryption/rounds", json={"round": 1})
    assert r.status_code == 409 and r.json()["code"] == "no_contestants"
    await _close(*st.values(), w["organiser"])
