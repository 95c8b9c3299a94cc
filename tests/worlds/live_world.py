"""A small competition ready to score, built through the public API only."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from dataclasses import dataclass, field
from typing import Any

import websockets
from harness import Client, account, new_event, new_skill, unique

from scoring.idcard import make_id

_seq = itertools.count(random.randrange(0, 200))

SCHEME = {
    "skill": "网络系统管理",
    "parts": {"practical": "100"},
    "criteria": [
        {
            "id": "A",
            "name": "方案设计",
            "part": "practical",
            "mark": "20",
            "sub_criteria": [
                {
                    "id": "A1",
                    "name": "设计质量",
                    "aspects": [
                        {
                            "id": "A1.1",
                            "description": "拓扑设计合理",
                            "kind": "J",
                            "max_mark": "10",
                            "descriptors": ["低于行业标准", "达到行业标准", "达到并部分超过", "优秀"],
                        },
                        {
                            "id": "A1.2",
                            "description": "文档规范",
                            "kind": "J",
                            "max_mark": "10",
                            "descriptors": ["低于行业标准", "达到行业标准", "达到并部分超过", "优秀"],
                        },
                    ],
                }
            ],
        },
        {
            "id": "B",
            "name": "配置实施",
            "part": "practical",
            "mark": "80",
            "sub_criteria": [
                {
                    "id": "B1",
                    "name": "功能测试",
                    "aspects": [
                        {"id": "B1.1", "description": "路由连通", "kind": "M", "mode": "full_or_zero", "max_mark": "40"},
                        {"id": "B1.2", "description": "安全策略", "kind": "M", "mode": "full_or_zero", "max_mark": "40"},
                    ],
                }
            ],
        },
    ],
}
CITIES = ["广州市", "深圳市", "佛山市", "东莞市"]


def person_id() -> str:
    n = next(_seq)
    return make_id("440106", dt.date(2003, 1, 1) + dt.timedelta(days=n // 400), n % 400, "M")


@dataclass
class World:
    server: Any
    admin: Client
    event: dict
    skill: dict
    refs: list[str]  # encrypted numbers, in CITIES order
    judges: list[Client]  # three judges without conflicts
    conflicted: Client  # a judge of 广州市 (conflicts with refs[0])
    chief: Client
    officer: Client
    judge_ids: list[int] = field(default_factory=list)
    cookies: dict[str, str] = field(default_factory=dict)

    def ws_url(self, path: str) -> str:
        return self.server.base_url.replace("http://", "ws://") + path

    async def close(self) -> None:
        for c in [self.admin, *self.judges, self.conflicted, self.chief, self.officer]:
            await c.aclose()


async def code_login(admin: Client, server, event_id: int, user_id: int) -> Client:
    code = (await admin.post(f"/api/events/{event_id}/accounts/{user_id}/login-code", json={})).json()["code"]
    c = Client(server.base_url)
    r = await c.post("/auth/code", json={"code": code})
    assert r.status_code == 200, r.text
    return c


async def build(server, *, contestants: int = 4, scheme: dict | None = None, checked_in: bool = True) -> World:
    """``checked_in``: every contestant checked in present (the tablets list only those)."""
    admin = Client(server.base_url)
    await admin.login("admin", "admin-password-123")
    event = await new_event(admin, tier="worldskills", tier_class=None)
    eid = event["id"]
    skill = await new_skill(admin, eid, name="网络系统管理", groups=["employee"])
    sid = skill["id"]
    r = await admin.put(f"/api/events/{eid}/skills/{sid}/scheme", json={"scheme": scheme or SCHEME})
    assert r.status_code == 200, r.text
    group_id = skill["groups"][0]["id"]
    ids = []
    for i in range(contestants):
        city = CITIES[i % len(CITIES)]
        id_number = person_id()
        r = await admin.post(
            f"/api/events/{eid}/contestants",
            json={
                "name": f"选手{i}",
                "id_number": id_number,
                "skill_id": sid,
                "group_id": group_id,
                "employer": f"{city}网络公司{i}",
                "delegation": city,
                "phone": "13800138000",
                "current_level": "学徒工",
            },
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
        if checked_in:
            r = await admin.put(f"/api/events/{eid}/checkin/{ids[-1]}", json={"status": "present", "id_number": id_number})
            assert r.status_code == 200, r.text
    judges, judge_ids = [], []
    for name, city in [("甲裁判", "中山市"), ("乙裁判", "珠海市"), ("丙裁判", "江门市"), ("丁裁判", "广州市")]:
        j = (await admin.post(f"/api/events/{eid}/judges", json={"name": name, "delegation": city, "employer": f"{city}职业技术学院"})).json()
        r = await admin.put(f"/api/events/{eid}/skills/{sid}/judges/{j['id']}", json={"role": "judge"})
        assert r.status_code == 200, r.text
        judges.append(await code_login(admin, server, eid, j["user"]["id"]))
        judge_ids.append(j["user"]["id"])
    cj = (await admin.post(f"/api/events/{eid}/judges", json={"name": "裁判长", "delegation": "惠州市", "employer": "惠州学院"})).json()
    assert (await admin.put(f"/api/events/{eid}/skills/{sid}/judges/{cj['id']}", json={"role": "chief_judge"})).status_code == 200
    chief = await code_login(admin, server, eid, cj["user"]["id"])
    officer = await account(admin, server, eid, "encryption_officer")
    r = await officer.post(f"/api/events/{eid}/skills/{sid}/encryption/rounds", json={"round": 1})
    assert r.status_code in (200, 201), r.text
    mapping = (await officer.get(f"/api/events/{eid}/skills/{sid}/encryption/mapping")).json()["items"]
    by_id = {m["contestant_id"]: m["encrypted_no"] for m in mapping}
    refs = [by_id[i] for i in ids]
    return World(server, admin, event, skill, refs, judges[:3], judges[3], chief, officer, judge_ids)


def cookie_header(client: Client) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in client.http.cookies.items())}


async def connect(world: World, client: Client, path: str = "/ws/judge"):
    return await websockets.connect(world.ws_url(path), additional_headers=cookie_header(client), max_size=2**22, close_timeout=1)


async def recv_until(ws, predicate, timeout: float = 10.0) -> dict:
    import asyncio

    async def loop():
        while True:
            frame = json.loads(await ws.recv())
            if predicate(frame):
                return frame

    return await asyncio.wait_for(loop(), timeout)


def ack_for(op: str):
    """Matches the answer to the mark ``op``: its ack or its error."""
    return lambda f: f.get("op_id") == op and f["type"] in ("ack", "error")


def mark(world: World, ref: str, aspect: str, value, op_id: str | None = None, **extra) -> str:
    return json.dumps(
        {"type": "mark", "op_id": op_id or unique("op-"), "skill_id": world.skill["id"], "contestant": ref, "aspect": aspect, "value": value, **extra}
    )
