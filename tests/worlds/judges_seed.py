"""Helpers for the judges tests: judges, contestants (through the registration API) and a judge's
own logged-in client (through a printed login card's one-time code)."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

from harness import Client

from scoring.idcard import make_id

_seq = itertools.count(random.randrange(0, 200))


def person_id(region: str = "440106", birth: dt.date = dt.date(1980, 3, 9), sex: str = "M") -> str:
    """A fresh valid ID number, unique within a test session."""
    n = next(_seq)
    return make_id(region, birth + dt.timedelta(days=n // 400), n % 400, sex)


async def add_judge(admin: Client, event_id: int, **over: Any) -> dict[str, Any]:
    body = {
        "name": "陈建华",
        "employer": "广东省机械技师学院",
        "delegation": "广东省机械行业协会",
        "qualifications": "国家级裁判员",
        "phone": "13900001111",
    } | over
    r = await admin.post(f"/api/events/{event_id}/judges", json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def assign(admin: Client, event_id: int, skill_id: int, judge_id: int, **body: Any):
    return await admin.put(f"/api/events/{event_id}/skills/{skill_id}/judges/{judge_id}", json={"role": "judge"} | body)


async def add_contestant(
    admin: Client, event_id: int, skill: dict[str, Any], *, delegation: str, employer: str, name: str = "王小明"
) -> dict[str, Any]:
    group = next(g for g in skill["groups"] if g["kind"] == "employee")
    body = {
        "name": name,
        "id_number": person_id(),
        "skill_id": skill["id"],
        "group_id": group["id"],
        "employer": employer,
        "delegation": delegation,
        "phone": "13800138000",
        "current_level": "高级工",
        "level_certificate_no": "S0000440000123",
    }
    r = await admin.post(f"/api/events/{event_id}/contestants", json=body)
    assert r.status_code == 201, r.text
    return r.json() | {"id_number": body["id_number"]}  # the API shows it masked


async def judge_client(server, admin: Client, event_id: int, judge_id: int) -> Client:
    """Log in as the judge with a one-time code from a login card, as the tablet would."""
    r = await admin.post(f"/api/events/{event_id}/judges/login-cards", json={"judge_ids": [judge_id]})
    assert r.status_code == 200, r.text
    code = r.json()["cards"][0]["code"]
    c = Client(server.base_url)
    r = await c.post("/auth/code", json={"code": code})
    assert r.status_code == 200, r.text
    return c
