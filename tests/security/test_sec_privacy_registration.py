"""Organisers' lists and reads show masked ID and phone numbers; showing one in full is a
deliberate, audited action (显示完整证件号), for organisers only.

Every answer of the registration API and pages that lists or reads contestants (list, search,
read, and what registering, correcting and uploading a photo answer) and the judges' registry
list carry the numbers masked. ``POST …/contestants/{id}/reveal`` with a reason returns them and
writes an audit entry naming who, whom and why, never the numbers. The registration export keeps
full numbers (the organiser's own records) and is audited too. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import random
from typing import Any

import openpyxl
import pytest
from harness import Client, account, new_event, new_skill, sql

from scoring.idcard import make_id, mask_id, mask_phone

_n = itertools.count(random.randrange(0, 300))


def fresh_id() -> str:
    n = next(_n)
    return make_id("440102", dt.date(1996, 5, 1) + dt.timedelta(days=n // 300), n % 300, "F")


def fresh_phone() -> str:
    return f"1371234{next(_n) % 10000:04d}"


async def audit_rows(server, event_id: int, action: str) -> list[dict[str, Any]]:
    return await sql(server.env["DATABASE_URL"], "SELECT * FROM audit_log WHERE event_id = ? AND action = ? ORDER BY seq", event_id, action)


@pytest.fixture
async def world(server, admin):
    """An event with two contestants (their numbers, as registered) and a judge with ID and phone."""
    event = await new_event(admin)
    e = event["id"]
    skill = await new_skill(admin, e, groups=["employee"])
    people = []
    for i in range(2):
        body = {
            "name": f"隐私{i}",
            "id_number": fresh_id(),
            "skill_id": skill["id"],
            "group_id": skill["groups"][0]["id"],
            "employer": "某公司",
            "delegation": "广州市",
            "phone": fresh_phone(),
            "current_level": "学徒工",
        }
        r = await admin.post(f"/api/events/{e}/contestants", json=body)
        assert r.status_code == 201, r.text
        people.append(r.json() | {"full_id": body["id_number"], "full_phone": body["phone"], "answer": r.text})
    judge_body = {"name": "隐私裁判", "id_number": fresh_id(), "phone": fresh_phone(), "delegation": "中山市"}
    r = await admin.post(f"/api/events/{e}/judges", json=judge_body)
    assert r.status_code == 201, r.text
    organiser = await account(admin, server, e, "organiser")
    yield {
        "e": e,
        "skill": skill,
        "people": people,
        "judge": r.json() | {"full_id": judge_body["id_number"], "full_phone": judge_body["phone"]},
        "organiser": organiser,
    }
    await organiser.aclose()


async def test_lists_reads_and_answers_show_masked_numbers(world, server):
    e, org, people, judge = world["e"], world["organiser"], world["people"], world["judge"]
    full = [p["full_id"] for p in people] + [p["full_phone"] for p in people] + [judge["full_id"], judge["full_phone"]]
    html = {"Accept": "text/html"}
    c = people[0]
    texts = [p["answer"] for p in people]  # what registering answered
    texts.append((await org.get(f"/api/events/{e}/contestants")).text)
    found = await org.get(f"/api/events/{e}/contestants", params={"q": c["full_id"]})  # search by the full number still finds
    assert found.json()["total"] == 1 and found.json()["items"][0]["id_number"] == mask_id(c["full_id"])
    texts.append(found.text)
    texts.append((read := await org.get(f"/api/events/{e}/contestants/{c['id']}")).text)
    assert read.json()["id_number"] == mask_id(c["full_id"]) and read.json()["phone"] == mask_phone(c["full_phone"])
    texts.append((await org.patch(f"/api/events/{e}/contestants/{c['id']}", json={"session": "2"})).text)
    texts.append((await org.get(f"/events/{e}/contestants", headers=html)).text)
    texts.append((await org.get(f"/events/{e}/contestants", params={"q": c["full_id"]}, headers=html)).text.replace(f'value="{c["full_id"]}"', ""))
    texts.append(form := (await org.get(f"/events/{e}/contestants/{c['id']}", headers=html)).text)
    assert mask_id(c["full_id"]) in form and "显示完整证件号" in form
    # The judges' registry: the list (API and page) masks; one entry is read for its edit form.
    listed = await org.get(f"/api/events/{e}/judges")
    entry = next(j for j in listed.json() if j["id"] == judge["id"])
    assert entry["id_number"] == mask_id(judge["full_id"]) and entry["phone"] == mask_phone(judge["full_phone"])
    texts.append(listed.text)
    texts.append((await org.get(f"/events/{e}/judges", headers=html)).text)
    leaks = [n for n in full for text in texts if n in text]
    assert not leaks, f"full numbers in organisers' lists and reads: {leaks}"


async def test_saving_the_form_without_the_numbers_keeps_them(world):
    """The edit form sends no ID or phone until they are revealed: a correction keeps them."""
    e, org, c = world["e"], world["organiser"], world["people"][1]
    r = await org.patch(f"/api/events/{e}/contestants/{c['id']}", json={"employer": "另一家公司"})
    assert r.status_code == 200, r.text
    full = (await org.post(f"/api/events/{e}/contestants/{c['id']}/reveal", json={"reason": "核对"})).json()
    assert (full["id_number"], full["phone"]) == (c["full_id"], c["full_phone"])


async def test_reveal_returns_the_full_numbers_and_is_audited(world, server):
    e, org, c = world["e"], world["organiser"], world["people"][0]
    r = await org.post(f"/api/events/{e}/contestants/{c['id']}/reveal", json={"reason": "检录核对证件"})
    assert r.status_code == 200, r.text
    assert r.json() == {"id": c["id"], "id_number": c["full_id"], "phone": c["full_phone"]}
    assert "no-store" in r.headers.get("cache-control", "")
    entries = await audit_rows(server, e, "contestant.reveal")
    assert len(entries) == 1
    entry = entries[0]
    me = (await org.get("/api/me")).json()
    me = me.get("user", me)
    details = entry["details"] if isinstance(entry["details"], dict) else json.loads(entry["details"])
    assert entry["target"] == f"contestant:{c['id']}" and entry["actor_id"] == me["id"] and details["reason"] == "检录核对证件"
    # A number typed into the reason is masked in the log as well.
    r = await org.post(f"/api/events/{e}/contestants/{c['id']}/reveal", json={"reason": f"来电 {c['full_phone']} 核对 {c['full_id']}"})
    assert r.status_code == 200
    entries = await audit_rows(server, e, "contestant.reveal")
    assert len(entries) == 2
    stored = json.dumps(entries, default=str, ensure_ascii=False)
    assert c["full_id"] not in stored and c["full_phone"] not in stored and mask_id(c["full_id"]) in stored


@pytest.mark.parametrize("body, field", [({}, None), ({"reason": ""}, "reason"), ({"reason": "   "}, "reason"), ({"reason": "x" * 201}, "reason")])
async def test_reveal_needs_a_reason(world, server, body, field):
    e, org, c = world["e"], world["organiser"], world["people"][0]
    r = await org.post(f"/api/events/{e}/contestants/{c['id']}/reveal", json=body)
    assert r.status_code in (400, 422) and c["full_id"] not in r.text, r.text
    if field:
        assert r.json()["field"] == field and r.json()["message"]
    en = await org.post(f"/api/events/{e}/contestants/{c['id']}/reveal", json=body, headers={"Accept-Language": "en"})
    assert en.json()["message"] != r.json()["message"] or field is None
    assert not await audit_rows(server, e, "contestant.reveal")


async def test_only_the_events_organisers_may_reveal(world, server, admin):
    e, c = world["e"], world["people"][0]
    skill = world["skill"]
    other = await new_event(admin)
    others = [
        await account(admin, server, e, "judge", skill["id"]),
        await account(admin, server, e, "chief_judge", skill["id"]),
        await account(admin, server, e, "encryption_officer"),
        await account(admin, server, other["id"], "organiser"),
    ]
    anon = Client(server.base_url)
    try:
        for who in others:
            r = await who.post(f"/api/events/{e}/contestants/{c['id']}/reveal", json={"reason": "想看看"})
            assert r.status_code == 403 and c["full_id"] not in r.text, r.text
        assert (await anon.post(f"/api/events/{e}/contestants/{c['id']}/reveal", json={"reason": "想看看"})).status_code in (401, 403)
        # Another event's contestant through this event's path: not found.
        org = world["organiser"]
        stranger = await new_skill(admin, other["id"], groups=["employee"])
        r = await admin.post(
            f"/api/events/{other['id']}/contestants",
            json={
                "name": "别处",
                "id_number": fresh_id(),
                "skill_id": stranger["id"],
                "group_id": stranger["groups"][0]["id"],
                "employer": "别处公司",
                "delegation": "深圳市",
                "phone": fresh_phone(),
                "current_level": "学徒工",
            },
        )
        assert r.status_code == 201, r.text
        assert (await org.post(f"/api/events/{e}/contestants/{r.json()['id']}/reveal", json={"reason": "核对"})).status_code == 404
        assert not await audit_rows(server, e, "contestant.reveal")
    finally:
        for who in [*others, anon]:
            await who.aclose()


async def test_the_registration_export_keeps_full_numbers_and_is_audited(world, server):
    e, org, people = world["e"], world["organiser"], world["people"]
    before = await audit_rows(server, e, "registration.export")
    r = await org.get(f"/api/events/{e}/registration/export")
    assert r.status_code == 200, r.text
    cells = {str(v) for row in openpyxl.load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0].iter_rows(values_only=True) for v in row}
    assert {p["full_id"] for p in people} <= cells
    after = await audit_rows(server, e, "registration.export")
    assert len(after) == len(before) + 1
    stored = json.dumps(after[-1], default=str, ensure_ascii=False)
    assert not any(p["full_id"] in stored or p["full_phone"] in stored for p in people)
