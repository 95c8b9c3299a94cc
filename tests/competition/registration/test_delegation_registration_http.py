"""Delegations register their own contestants and coaches within the window; the review 市 → 省
(send back with a reason, resubmit, accept); only accepted rows count; the city role sees and
reviews only its own city; the province figures cut to the city — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets

import pytest
from harness import Client, account, new_event, new_skill, run_cli, sql
from test_registration_http import person, upload, workbook

CITY_PASSWORD = "city-password-123"


async def city_reviewer(server, city: str) -> Client:
    name = "city-" + secrets.token_hex(4)
    await asyncio.to_thread(run_cli, server.env, "create-user", name, "--password", CITY_PASSWORD, "--role", "city_supervisor", "--city", city)
    c = Client(server.base_url)
    await c.login(name, CITY_PASSWORD)
    return c


def window(hours_from: float, hours_to: float) -> dict:
    now = dt.datetime.now(dt.timezone.utc)
    return {"opens_at": (now + dt.timedelta(hours=hours_from)).isoformat(), "closes_at": (now + dt.timedelta(hours=hours_to)).isoformat()}


@pytest.fixture
async def world(admin, server):
    event = await new_event(admin)
    skill = await new_skill(admin, event["id"], name="电工")
    leader = await account(admin, server, event["id"], "delegation_leader", delegation="广州市")
    r = await admin.put(f"/api/events/{event['id']}/registration/window", json=window(-1, 2))
    assert r.status_code == 200 and r.json()["open"], r.text
    return event, skill, leader


def sheet_row(p: dict, skill: dict) -> list:
    return [p["name"], p["id_number"], skill["name"], "职工组", p["employer"], p["delegation"], "高级工", p["level_certificate_no"], p["phone"]]


async def test_leader_enters_only_own_delegation_within_window(admin, server, world):
    event, skill, leader = world
    e = event["id"]
    r = await leader.post(f"/api/events/{e}/delegation/contestants", json=person(skill, name="李四", delegation="深圳市"))
    assert r.status_code == 403 and r.json()["code"] == "other_delegation" and r.json()["field"] == "delegation"
    r = await leader.post(
        f"/api/events/{e}/delegation/contestants", json=person(skill, name="李四", delegation="深圳市"), headers={"Accept-Language": "en"}
    )
    assert "own delegation" in r.json()["message"]
    r = await leader.post(f"/api/events/{e}/delegation/contestants", json=person(skill, name="张三"))
    assert r.status_code == 201, r.text
    mine = r.json()
    assert mine["review"]["state"] == "submitted" and "*" in mine["id_number"] and "*" in mine["phone"]
    # The same validation as the organiser's: a bad ID number is a 422 naming the field.
    r = await leader.post(f"/api/events/{e}/delegation/contestants", json=person(skill, id_number="440106199001011234"))
    assert r.status_code == 422 and r.json()["field"] == "id_number"
    # Not registered yet: the organiser's list, the face's reads and the summary leave it out.
    assert mine["id"] not in [c["id"] for c in (await admin.get(f"/api/events/{e}/contestants")).json()["items"]]
    summary = (await admin.get(f"/api/events/{e}/registration/summary")).json()
    assert sum(g["entrants"] for g in summary["groups"]) == 0
    # A leader has no organiser routes, and sees only their own rows.
    assert (await leader.get(f"/api/events/{e}/contestants")).status_code == 403
    other = await account(admin, server, e, "delegation_leader", delegation="深圳市")
    r = await other.post(f"/api/events/{e}/delegation/contestants", json=person(skill, name="王五", delegation="深圳市"))
    assert r.status_code == 201
    listed = (await leader.get(f"/api/events/{e}/delegation/contestants")).json()
    assert [c["name"] for c in listed["items"]] == ["张三"] and listed["delegations"] == ["广州市"]
    assert (await other.patch(f"/api/events/{e}/delegation/contestants/{mine['id']}", json={"employer": "x"})).status_code == 404
    # A coach linked to the row (phone masked).
    r = await leader.post(
        f"/api/events/{e}/delegation/contestants/{mine['id']}/coaches", json={"name": "刘老师", "employer": "广州市技师学院", "phone": "13900139000"}
    )
    assert r.status_code == 201 and r.json()["phone"] == "139****9000", r.text
    r = await leader.post(f"/api/events/{e}/delegation/contestants/{mine['id']}/coaches", json={"name": "", "phone": "1"})
    assert r.status_code == 422 and r.json()["field"] == "name"
    listed = (await leader.get(f"/api/events/{e}/delegation/contestants")).json()
    assert [c["name"] for c in listed["items"][0]["coaches"]] == ["刘老师"]
    # Outside the window: refused, in both languages.
    assert (await admin.put(f"/api/events/{e}/registration/window", json=window(-3, -1))).status_code == 200
    r = await leader.post(f"/api/events/{e}/delegation/contestants", json=person(skill, name="赵六"))
    assert r.status_code == 422 and r.json()["code"] == "registration_closed" and "报名时间" in r.json()["message"]
    r = await leader.patch(f"/api/events/{e}/delegation/contestants/{mine['id']}", json={"employer": "x"}, headers={"Accept-Language": "en"})
    assert r.status_code == 422 and "registration window" in r.json()["message"]
    r = await admin.put(f"/api/events/{e}/registration/window", json={"opens_at": "2026-12-10T09:00", "closes_at": "2026-12-09T09:00"})
    assert r.status_code == 422 and r.json()["field"] == "closes_at"


async def test_leader_import_reports_other_delegations_by_row(admin, world):
    event, skill, leader = world
    e = event["id"]
    taken = person(skill, name="已报名", delegation="佛山市")
    assert (await admin.post(f"/api/events/{e}/contestants", json=taken)).status_code == 201
    good = [person(skill, name=f"导入{i}") for i in range(2)]
    foreign = person(skill, name="外队", delegation="深圳市")
    content = workbook(
        [sheet_row(good[0], skill), sheet_row(foreign, skill), sheet_row(taken | {"delegation": "广州市"}, skill), sheet_row(good[1], skill)]
    )
    r = await leader.post(f"/api/events/{e}/delegation/import?mode=all", files={"data": ("报名表.xlsx", content)})
    assert r.status_code == 422 and r.json()["refused"], r.text
    errors = {(x["row"], x["column"], x["code"]) for x in r.json()["errors"]}
    assert (3, "代表队", "other_delegation") in errors and (4, "证件号码", "already_registered") in errors
    r = await leader.post(f"/api/events/{e}/delegation/import?mode=valid", files={"data": ("报名表.xlsx", content)})
    assert r.status_code == 200 and r.json()["stored"]["created"] == 2, r.text
    states = {c["name"]: c["review"]["state"] for c in (await leader.get(f"/api/events/{e}/delegation/contestants")).json()["items"]}
    assert states == {"导入0": "submitted", "导入1": "submitted"}
    # The organiser's own import is accepted at once, as before.
    own = person(skill, name="组织方导入")
    r = await upload(admin, e, workbook([sheet_row(own, skill)]), "all")
    assert r.status_code == 200 and r.json()["stored"]["created"] == 1
    names = {c["name"] for c in (await admin.get(f"/api/events/{e}/contestants")).json()["items"]}
    assert names == {"已报名", "组织方导入"}


async def test_review_city_then_province_send_back_resubmit_accept(admin, server, world):
    event, skill, leader = world
    e = event["id"]
    ids = []
    for name in ("甲", "乙", "丙"):
        r = await leader.post(f"/api/events/{e}/delegation/contestants", json=person(skill, name=name))
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    industry = await account(admin, server, e, "delegation_leader", delegation="广东电网有限责任公司")
    r = await industry.post(f"/api/events/{e}/delegation/contestants", json=person(skill, name="电网", delegation="广东电网有限责任公司"))
    ind_id = r.json()["id"]
    gz, sz = await city_reviewer(server, "440100"), await city_reviewer(server, "440300")
    # The organiser cannot accept a city's rows before the city approved them.
    r = await admin.post(f"/api/events/{e}/registration/reviews/accept", json={"contestant_ids": ids})
    assert r.status_code == 409 and r.json()["code"] == "wrong_state"
    # An industry body's rows go straight to the organiser.
    assert (await admin.post(f"/api/events/{e}/registration/reviews/accept", json={"contestant_ids": [ind_id]})).json() == {
        "accepted": 1,
        "city_step_skipped": 0,
    }
    # Another city's reviewer neither sees nor approves Guangzhou's rows.
    assert not {c["id"] for c in (await sz.get("/api/city/reviews")).json()["items"]} & set(ids)
    assert (await sz.post("/api/city/reviews/approve", json={"contestant_ids": ids})).status_code == 404
    assert (await sz.get(f"/api/events/{e}/registration/reviews")).status_code == 403
    seen = (await gz.get("/api/city/reviews", params={"state": "submitted"})).json()
    assert set(ids) <= {c["id"] for c in seen["items"]} and ind_id not in {c["id"] for c in seen["items"]}
    assert all("*" in c["id_number"] for c in seen["items"]) and seen["cities"] == ["440100"]
    assert (await gz.post("/api/city/reviews/approve", json={"contestant_ids": ids})).json() == {"approved": 3}
    # The organiser sends one back (a reason is required), accepts the rest.
    r = await admin.post(f"/api/events/{e}/registration/reviews/return", json={"contestant_ids": [ids[0]], "reason": " "})
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = await admin.post(f"/api/events/{e}/registration/reviews/return", json={"contestant_ids": [ids[0]], "reason": "工作单位写错"})
    assert r.json() == {"returned": 1}
    assert (await admin.post(f"/api/events/{e}/registration/reviews/accept", json={"contestant_ids": ids[1:]})).json() == {
        "accepted": 2,
        "city_step_skipped": 0,
    }
    queue = (await admin.get(f"/api/events/{e}/registration/reviews", params={"delegation": "广州市", "state": "returned"})).json()
    assert [c["id"] for c in queue["items"]] == [ids[0]] and queue["items"][0]["review"]["reason"] == "工作单位写错"
    # Accepted rows are registered; the leader can no longer change them.
    listed = {c["id"] for c in (await admin.get(f"/api/events/{e}/contestants")).json()["items"]}
    assert listed == {ids[1], ids[2], ind_id}
    assert (await leader.patch(f"/api/events/{e}/delegation/contestants/{ids[1]}", json={"employer": "x"})).status_code == 409
    # The leader sees the reason, corrects, resubmits; the city approves again, the organiser accepts.
    mine = {c["id"]: c for c in (await leader.get(f"/api/events/{e}/delegation/contestants")).json()["items"]}
    assert mine[ids[0]]["review"] | {"updated_at": None, "updated_at_china": ""} == {
        "state": "returned", "reason": "工作单位写错", "returned_by": "province", "city": "440100", "updated_at": None, "updated_at_china": ""
    }  # fmt: skip
    assert (await leader.post(f"/api/events/{e}/delegation/contestants/{ids[1]}/resubmit")).status_code == 409
    r = await leader.patch(f"/api/events/{e}/delegation/contestants/{ids[0]}", json={"employer": "广州供电局"})
    assert r.status_code == 200 and r.json()["employer"] == "广州供电局" and r.json()["review"]["state"] == "returned"
    assert (await leader.post(f"/api/events/{e}/delegation/contestants/{ids[0]}/resubmit")).json()["state"] == "submitted"
    assert (await gz.post("/api/city/reviews/approve", json={"contestant_ids": [ids[0]]})).status_code == 200
    assert (await admin.post(f"/api/events/{e}/registration/reviews/accept", json={"contestant_ids": [ids[0]]})).json() == {
        "accepted": 1,
        "city_step_skipped": 0,
    }
    assert (await admin.get(f"/api/events/{e}/contestants")).json()["total"] == 4
    # Every step is in the audit log: who, the states, the reason.
    rows = await sql(server.env["DATABASE_URL"], "SELECT action, actor, details FROM audit_log WHERE target = ? ORDER BY seq", f"contestant:{ids[0]}")
    details = [(r["action"], r["actor"], json.loads(r["details"]) if isinstance(r["details"], str) else r["details"]) for r in rows]
    steps = [(a, d.get("to"), d.get("reason")) for a, _, d in details]
    assert all(actor for _, actor, _ in details)
    for step in [("registration.submit", "submitted", None), ("registration.city_approve", "city_approved", None),
                 ("registration.return", "returned", "工作单位写错"), ("registration.resubmit", "submitted", None),
                 ("registration.accept", "accepted", None)]:  # fmt: skip
        assert step in steps, steps
    await gz.aclose()
    await sz.aclose()


async def test_city_supervisor_needs_a_city_and_reads_only_its_figures(admin, server, world):
    event, skill, leader = world
    bad = await asyncio.to_thread(run_cli, server.env, "create-user", "city-" + secrets.token_hex(4), "--password", CITY_PASSWORD,
                                  "--role", "city_supervisor", check=False)  # fmt: skip
    assert bad.returncode != 0 and "--city" in bad.stderr + bad.stdout
    gz = await city_reviewer(server, "440100")
    r = await gz.get("/api/province/statistics", params={"by": "city"})
    assert r.status_code == 200, r.text
    assert {row["key"]["city"] for row in r.json()["rows"]} <= {"440100"} and r.json()["filters"]["city"] == "440100"
    r = await gz.get("/api/province/statistics", params={"by": "cluster", "city": "440300"})
    assert r.status_code == 403 and r.json()["code"] == "other_city"
    assert (await gz.get(f"/api/events/{event['id']}/contestants")).status_code == 403
    await gz.aclose()


async def test_only_accepted_rows_reach_checkin_and_the_draw(admin, server, world):
    event, skill, leader = world
    e = event["id"]
    industry = await account(admin, server, e, "delegation_leader", delegation="广东电网有限责任公司")
    own = await admin.post(f"/api/events/{e}/contestants", json=person(skill, name="组织方录入"))
    pending = await industry.post(f"/api/events/{e}/delegation/contestants", json=person(skill, name="待审核", delegation="广东电网有限责任公司"))
    assert own.status_code == 201 and pending.status_code == 201
    pid = pending.json()["id"]

    async def listed() -> set[int]:
        r = await admin.get(f"/api/events/{e}/skills/{skill['id']}/checkin")
        assert r.status_code == 200, r.text
        return {c["id"] for c in r.json()["items"]}

    assert own.json()["id"] in await listed() and pid not in await listed()
    r = await admin.put(f"/api/events/{e}/checkin/{pid}", json={"status": "present", "id_number": person(skill)["id_number"]})
    assert r.status_code == 404, r.text  # not a registration yet
    r = await admin.post(f"/api/events/{e}/skills/{skill['id']}/draws", json={"session": "1"})
    assert r.status_code in (200, 201), r.text
    drawn = {int(k) for k in r.json()["result"]}
    assert own.json()["id"] in drawn and pid not in drawn
    assert (await admin.post(f"/api/events/{e}/registration/reviews/accept", json={"contestant_ids": [pid]})).json() == {
        "accepted": 1,
        "city_step_skipped": 0,
    }
    assert pid in await listed()


async def test_organiser_may_skip_the_city_step_with_a_reason_on_record(admin, server, world):
    """A city with no reviewer must not leave its entrants stuck: the organiser accepts a city's
    submitted rows without step 市 only with a reason, which the audit log keeps per row."""
    event, skill, leader = world
    e = event["id"]
    r = await leader.post(f"/api/events/{e}/delegation/contestants", json=person(skill, name="无市级审核"))
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    url = f"/api/events/{e}/registration/reviews/accept"
    r = await admin.post(url, json={"contestant_ids": [cid]})
    assert r.status_code == 409, r.text  # still the city's step first
    r = await admin.post(url, json={"contestant_ids": [cid], "skip_city_reason": "   "})
    assert r.status_code == 422 and r.json()["field"] == "skip_city_reason", r.text
    r = await admin.post(url, json={"contestant_ids": [cid], "skip_city_reason": "广州市未设审核账号，报名截止在即"})
    assert r.status_code == 200 and r.json() == {"accepted": 1, "city_step_skipped": 1}, r.text
    rows = await sql(server.env["DATABASE_URL"], "SELECT action, details FROM audit_log WHERE target = ? ORDER BY seq", f"contestant:{cid}")
    accepted = [r for r in rows if r["action"] == "registration.accept"]
    details = accepted[-1]["details"] if accepted else {}
    details = json.loads(details) if isinstance(details, str) else details
    assert details["reason"].startswith("city_step_skipped: 广州市未设审核账号"), details
    r = await admin.get(f"/api/events/{e}/contestants/{cid}")
    assert r.status_code == 200, r.text  # a registration now
