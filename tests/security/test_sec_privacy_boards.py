"""Before decryption nothing lets anyone pair an encrypted number with a person.

The draw's list of who sits at which workstation is public, so wherever an encrypted number stood
beside its workstation number anyone could name its contestant. Before decryption the public
boards (JSON feeds, pages, websockets) and the chief judge's console show one anonymous number per
contestant (the rule in ``marking/live/board.py``); the results preview names rows by the number
judges know, not by internal ids; coverage gives the chief judge encrypted numbers only and
organisers workstations only; a conflict of interest is told to a chief judge without the
contestant's delegation or employer. After decryption names and delegations appear as before.
On SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from typing import Any

import pytest
import websockets
from harness import Client, account, new_event, new_skill, unique
from live_world import SCHEME, build, code_login, person_id
from results_world import decrypt, mark, sign_off

_CONFIG = re.compile(r'<script type="application/json" id="board-config">(.*?)</script>', re.S)


def rows_of(snap: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for g in snap["groups"] for r in g["rows"]]


def natural(numbers: list[str]) -> list[str]:
    return sorted(numbers, key=lambda n: (len(n), n))


def assert_one_number(snap: dict[str, Any], numbers: set[str | None]) -> None:
    """Every row is named by its one anonymous number only, and the rows are these numbers."""
    rows = rows_of(snap)
    assert rows, snap
    for r in rows:
        assert not {"workstation_no", "name", "delegation", "employer", "contestant_id"} & set(r), r
    assert {r["ref"] for r in rows} == numbers


async def board_views(anon: Client, server, e: int, s: int) -> list[dict[str, Any]]:
    """The skill's snapshot as every public surface gives it: both JSON feeds, both pages' first
    snapshot, both websockets' first frame."""
    views = [(await anon.get(f"/api/public/skills/{s}/board")).json()]
    views += [x for x in (await anon.get(f"/api/public/events/{e}/board")).json()["skills"] if x["skill_id"] == s]
    for page in (f"/board/{s}", f"/board/event/{e}"):
        html = (await anon.get(page, headers={"Accept": "text/html"})).text
        views += [x for x in json.loads(_CONFIG.search(html).group(1))["snapshots"] if x["skill_id"] == s]
    base = server.base_url.replace("http://", "ws://")
    for path in (f"/ws/board/{s}", f"/ws/board/event/{e}"):
        async with websockets.connect(base + path, close_timeout=1) as ws:
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if frame.get("type") == "snapshot" and frame["skill_id"] == s:
                    views.append(frame)
                    break
    assert len(views) == 6
    return views


async def eventually(check, timeout: float = 12.0):
    """Retry ``check`` (an async function raising AssertionError) while the server's few-second
    context cache catches up with a change."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            return await check()
        except AssertionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)


@dataclasses.dataclass
class Encrypted:
    """live_world's skill (round-1 numbers) after the draw, with marks for two of its six
    contestants; a panel of four judges, so 丁 (广州市) leaves 选手0 and 选手4 short."""

    w: Any
    organiser: Client
    anon: Client
    people: list[dict[str, Any]]  # in registration order, as ``w.refs``
    short: tuple[int, ...] = (0, 4)

    @property
    def ids(self) -> tuple[int, int, int]:
        return self.w.event["id"], self.w.skill["id"], self.w.skill["groups"][0]["id"]


@pytest.fixture(scope="module")
async def enc(server):
    w = await build(server, contestants=6)
    admin, e, s = w.admin, w.event["id"], w.skill["id"]
    r = await admin.put(f"/api/events/{e}/preset", json={"overrides": {"scoring": {"judgement": {"params": {"judges": 4}}}}})
    assert r.status_code == 200, r.text
    assert (await admin.post(f"/api/events/{e}/skills/{s}/draws", json={"session": "1"})).status_code == 201
    people = (await admin.get(f"/api/events/{e}/contestants", params={"skill_id": s})).json()["items"]
    assert all(p["workstation_no"] for p in people)
    for ref in w.refs[1:3]:
        for judge in w.judges:
            await mark(judge, w, ref, "A1.1", 2)
    world = Encrypted(w, await account(admin, server, e, "organiser"), Client(server.base_url), people)
    assert all(people[i]["delegation"] == "广州市" for i in world.short)
    yield world
    await world.organiser.aclose()
    await world.anon.aclose()
    await w.close()


async def test_public_boards_show_one_anonymous_number(enc: Encrypted, server):
    e, s, _ = enc.ids
    for view in await board_views(enc.anon, server, e, s):
        assert_one_number(view, set(enc.w.refs))
        unranked = [r["ref"] for r in rows_of(view) if r["rank"] is None]
        # The unranked rows by number, not in registration (internal id) order.
        assert len(unranked) == 4 and unranked == natural(unranked)


async def test_console_and_preview_name_rows_by_the_judges_number(enc: Encrypted):
    e, s, g = enc.ids
    console = (await enc.w.chief.get(f"/api/events/{e}/skills/{s}/console")).json()
    assert_one_number(console["snapshot"], set(enc.w.refs))
    for who in (enc.w.chief, enc.organiser):
        preview = (await who.get(f"/api/events/{e}/skills/{s}/groups/{g}/results/preview")).json()
        assert {r["contestant"] for r in preview["rows"]} == set(enc.w.refs)
        assert all("contestant_id" not in r and r["workstation_no"] is None and r["name"] is None for r in preview["rows"]), preview["rows"]


async def test_coverage_gives_each_reader_one_side_of_the_mapping(enc: Encrypted):
    """The chief judge gets the encrypted number, organisers the workstation (and the id)."""
    e, s, _ = enc.ids
    w, people = enc.w, enc.people
    seen = (await w.chief.get(f"/api/events/{e}/skills/{s}/coverage")).json()["shortfalls"]
    assert [(x["encrypted_no"], x["workstation_no"]) for x in seen] == [(n, None) for n in natural([w.refs[i] for i in enc.short])]
    assert not any("contestant_id" in x for x in seen)
    assert w.refs[0] in (await w.chief.get(f"/events/{e}/judges/skills/{s}", headers={"Accept": "text/html"})).text
    seen = (await enc.organiser.get(f"/api/events/{e}/skills/{s}/coverage")).json()["shortfalls"]
    assert sorted((x["encrypted_no"], x["workstation_no"], x["contestant_id"]) for x in seen) == sorted(
        (None, people[i]["workstation_no"], people[i]["id"]) for i in enc.short
    )
    conflicts = (await enc.organiser.get(f"/api/events/{e}/skills/{s}/conflicts")).json()
    assert len(conflicts) == 2 and all(c["encrypted_no"] is None for c in conflicts)
    assert w.refs[0] not in (await enc.organiser.get(f"/events/{e}/judges/skills/{s}", headers={"Accept": "text/html"})).text


async def test_chief_judge_learns_a_conflict_not_the_contestants_delegation(enc: Encrypted):
    e, s, _ = enc.ids
    w, gz = enc.w, enc.people[0]
    ding = w.judge_ids[3]
    check = {"judge_user_id": ding, "contestant_id": gz["id"]}
    r = await w.chief.get(f"/api/events/{e}/skills/{s}/may-score", params=check)
    assert r.status_code == 403 and r.json()["code"] == "conflict_of_interest" and "丁裁判" in r.json()["message"], r.text
    assert "广州" not in r.text and gz["employer"] not in r.text and r.json()["detail"]["reason"] == "conflict"
    r = await w.chief.get(f"/api/events/{e}/skills/{s}/may-score", params=check, headers={"Accept-Language": "en"})
    assert r.status_code == 403 and "广州" not in r.text and "Judge 丁裁判" in r.json()["message"]
    # Correcting 丁's seat tells the chief judge no more.
    r = await w.chief.post(
        f"/api/events/{e}/skills/{s}/marks",
        json={
            "op_id": unique("c-"),
            "contestant": w.refs[0],
            "aspect": "A1.1",
            "value": "1",
            "seat": ding,
            "authority": "chief_judge",
            "reason": "更正",
        },
    )
    assert r.status_code == 403 and r.json()["code"] == "conflict_of_interest" and "广州" not in r.text, r.text
    # Organisers may know why.
    r = await enc.organiser.get(f"/api/events/{e}/skills/{s}/may-score", params=check)
    assert r.status_code == 403 and "广州" in r.json()["message"] and r.json()["detail"]["reason"] == "same_delegation"


async def test_after_decryption_names_delegations_and_both_numbers(enc: Encrypted, server):
    e, s, g = enc.ids
    w, people = enc.w, enc.people
    await sign_off(w, override_reason="测试：只评了两名选手的一个评分项")
    await decrypt(w)
    for view in await board_views(enc.anon, server, e, s):
        rows = rows_of(view)
        assert {r["name"] for r in rows} == {p["name"] for p in people} and all(r["delegation"] and r["workstation_no"] for r in rows)
    preview = (await w.chief.get(f"/api/events/{e}/skills/{s}/groups/{g}/results/preview")).json()
    assert {r["contestant_id"] for r in preview["rows"]} == {p["id"] for p in people}
    seen = (await w.chief.get(f"/api/events/{e}/skills/{s}/coverage")).json()["shortfalls"]
    assert {(x["encrypted_no"], x["workstation_no"]) for x in seen} == {(w.refs[i], people[i]["workstation_no"]) for i in enc.short}
    r = await w.chief.get(f"/api/events/{e}/skills/{s}/may-score", params={"judge_user_id": w.judge_ids[3], "contestant_id": people[0]["id"]})
    assert r.status_code == 403 and "广州" in r.json()["message"]


async def test_before_encryption_the_workstation_alone_then_the_encrypted_number(server):
    """A skill never encrypted shows the workstation number (public anyway, and what judges score
    by); once encrypted, the encrypted number only, and a contestant registered after the round by
    no number at all rather than by the workstation the draw list names."""
    admin = Client(server.base_url)
    await admin.login("admin", "admin-password-123")
    anon = Client(server.base_url)
    event = await new_event(admin, tier="worldskills", tier_class=None)
    e = event["id"]
    skill = await new_skill(admin, e, groups=["employee"])
    s, g = skill["id"], skill["groups"][0]["id"]
    assert (await admin.put(f"/api/events/{e}/skills/{s}/scheme", json={"scheme": SCHEME})).status_code == 200

    async def register(i: int) -> dict[str, Any]:
        r = await admin.post(
            f"/api/events/{e}/contestants",
            json={
                "name": f"未加密{i}",
                "id_number": person_id(),
                "skill_id": s,
                "group_id": g,
                "employer": f"单位{i}",
                "delegation": "深圳市",
                "phone": "13800138000",
                "current_level": "学徒工",
            },
        )
        assert r.status_code == 201, r.text
        return r.json()

    first = [await register(i) for i in range(4)]
    assert (await admin.post(f"/api/events/{e}/skills/{s}/draws", json={"session": "1"})).status_code == 201
    drawn = {p["id"]: p["workstation_no"] for p in (await admin.get(f"/api/events/{e}/contestants", params={"skill_id": s})).json()["items"]}
    officer = await account(admin, server, e, "encryption_officer")
    chief_entry = (await admin.post(f"/api/events/{e}/judges", json={"name": "裁判长乙", "delegation": "惠州市"})).json()
    assert (await admin.put(f"/api/events/{e}/skills/{s}/judges/{chief_entry['id']}", json={"role": "chief_judge"})).status_code == 200
    chief = await code_login(admin, server, e, chief_entry["user"]["id"])
    try:
        workstations = {str(drawn[p["id"]]) for p in first}
        for view in await board_views(anon, server, e, s):
            assert_one_number(view, workstations)
        preview = (await chief.get(f"/api/events/{e}/skills/{s}/groups/{g}/results/preview")).json()
        assert {(r["contestant"], str(r["workstation_no"])) for r in preview["rows"]} == {(n, n) for n in workstations}

        r = await officer.post(f"/api/events/{e}/skills/{s}/encryption/rounds", json={"round": 1})
        assert r.status_code in (200, 201), r.text
        late = await register(9)  # after the round: no encrypted number yet, but a workstation
        r = await admin.post(f"/api/events/{e}/skills/{s}/draws", json={"session": "1", "reason": "补报一人，重新抽签"})
        assert r.status_code == 201, r.text
        assert (await admin.get(f"/api/events/{e}/contestants/{late['id']}")).json()["workstation_no"]
        mapping = (await officer.get(f"/api/events/{e}/skills/{s}/encryption/mapping")).json()["items"]
        numbers = {m["encrypted_no"] for m in mapping if m["encrypted_no"]}
        assert len(numbers) == 4 and not any(m["encrypted_no"] for m in mapping if m["contestant_id"] == late["id"])

        async def encrypted_boards():
            for view in await board_views(anon, server, e, s):
                assert_one_number(view, numbers | {None})

        await eventually(encrypted_boards)
        preview = (await chief.get(f"/api/events/{e}/skills/{s}/groups/{g}/results/preview")).json()
        assert {r["contestant"] for r in preview["rows"]} == numbers | {None} and all(r["workstation_no"] is None for r in preview["rows"])
    finally:
        for c in (admin, anon, officer, chief):
            await c.aclose()
