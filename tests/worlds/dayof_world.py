"""Builders for the competition-day tests: an event with a skill and contestants registered
through the registration API, and accounts holding the day's roles."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from harness import Client, account, new_event, new_skill

from scoring.idcard import make_id

_seq = itertools.count(1)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
CITIES = ["广州市代表队", "深圳市代表队", "佛山市代表队", "东莞市代表队", "珠海市代表队"]


def person(i: int, skill: dict[str, Any], session: str = "1") -> dict[str, Any]:
    n = next(_seq)
    born = date(1990, 1, 1) + timedelta(days=(n * 53) % 3000)
    return {
        "name": SURNAMES[n % len(SURNAMES)] + "测试" + "甲乙丙丁戊己庚辛壬癸"[n % 10] + str(n),
        "id_number": make_id("440106", born, n % 500, "MF"[n % 2]),
        "skill_id": skill["id"],
        "group_id": skill["groups"][0]["id"],
        "employer": f"广东测试单位{n}有限公司",
        "delegation": CITIES[n % len(CITIES)] + str(n),
        "current_level": "学徒工",
        "phone": f"138{n:08d}",
        "session": session,
    }


async def register(admin: Client, event_id: int, skill: dict[str, Any], count: int, session: str = "1") -> list[dict[str, Any]]:
    """Register ``count`` contestants through the API; returns what the API answered, with the full
    ID and phone numbers it shows masked."""
    out = []
    for i in range(count):
        body = person(i, skill, session)
        r = await admin.post(f"/api/events/{event_id}/contestants", json=body)
        assert r.status_code == 201, r.text
        out.append(r.json() | {"id_number": body["id_number"], "phone": body["phone"]})
    return out


async def world(admin: Client, server, count: int = 6, sessions: tuple[str, ...] = ("1",)) -> dict[str, Any]:
    """An event, a skill, ``count`` contestants per session, and an organiser (not an administrator)."""
    event = await new_event(admin)
    skill = await new_skill(admin, event["id"])
    people: list[dict[str, Any]] = []
    for s in sessions:
        people += await register(admin, event["id"], skill, count, s)
    organiser = await account(admin, server, event["id"], "organiser")
    return {"event": event, "skill": skill, "people": people, "organiser": organiser, "e": event["id"], "s": skill["id"]}
