"""Builders shared by the security tests: a world with every role, the app's routes as declared,
raw-cookie helpers for non-harness clients, and servers started with options the harness does
not give (log level, PUBLIC_BASE_URL, workers, rate limits)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import Client, Server, account, new_event, new_skill

#: The roles of DESIGN.md's "Roles", plus an organiser of another event and nobody at all.
ROLES = ("organiser", "chief_judge", "judge", "encryption_officer", "arbitrator", "approver", "supervisor", "delegation_leader", "contestant")
WHO = (*ROLES, "outsider", "anonymous")


@dataclass
class SecWorld:
    server: Server
    admin: Client
    live: Any  # live_world.World
    clients: dict[str, Client]  # WHO → client
    ids: dict[str, Any]  # path parameter name → a real value in this world
    people: list[dict[str, Any]] = field(default_factory=list)

    @property
    def e(self) -> int:
        return self.ids["event_id"]

    @property
    def s(self) -> int:
        return self.ids["skill_id"]

    async def close(self) -> None:
        for c in {id(c): c for c in [self.admin, *self.clients.values()]}.values():
            await c.aclose()
        await self.live.close()


async def build_world(server: Server, contestants: int = 4) -> SecWorld:
    """``live_world.build`` (scheme, contestants, judges by code login, chief judge, encryption
    officer, round-1 numbers) plus every other role, an outsider, a second skill and a draw."""
    import live_world

    w = await live_world.build(server, contestants=contestants)
    admin = w.admin
    eid, sid = w.event["id"], w.skill["id"]
    other_skill = await new_skill(admin, eid, groups=["employee"])
    other_event = await new_event(admin)
    extra = await asyncio.gather(
        *(account(admin, server, eid, role) for role in ("organiser", "arbitrator", "approver", "contestant", "supervisor", "delegation_leader")),
        account(admin, server, other_event["id"], "organiser"),
    )
    clients = {
        "organiser": extra[0], "chief_judge": w.chief, "judge": w.judges[0], "encryption_officer": w.officer,
        "arbitrator": extra[1], "approver": extra[2], "contestant": extra[3], "supervisor": extra[4], "delegation_leader": extra[5],
        "outsider": extra[6], "anonymous": Client(server.base_url),
    }  # fmt: skip
    draw = await admin.post(f"/api/events/{eid}/skills/{sid}/draws", json={"session": "1"})
    assert draw.status_code == 201, draw.text
    # Session 1 is named by the contestants and the draw: routes that renumber or delete it are refused (409).
    session = await admin.post(f"/api/events/{eid}/skills/{sid}/sessions", json={"code": "1", "name": "第一场"})
    assert session.status_code == 201, session.text
    people = (await admin.get(f"/api/events/{eid}/contestants", params={"skill_id": sid})).json()["items"]
    # Lists mask ID numbers; the ledger route takes a real one.
    revealed = await admin.post(f"/api/events/{eid}/contestants/{people[0]['id']}/reveal", json={"reason": "测试：台账查询"})
    assert revealed.status_code == 200, revealed.text
    judges = (await admin.get(f"/api/events/{eid}/judges")).json()
    # The registry entry of the fourth judge (丁裁判): routes that unassign or delete a judge may act on it.
    spare = next(j for j in judges if j["name"] == "丁裁判")
    ids = {
        "event_id": eid, "skill_id": sid, "group_id": w.skill["groups"][0]["id"], "contestant_id": people[-1]["id"],
        "draw_id": draw.json()["id"], "session_id": session.json()["id"], "judge_id": spare["id"], "user_id": w.judge_ids[3], "criterion": "A",
        "appeal_id": 1, "round_id": 999999, "nomination_id": 999999, "objection_id": 1, "proposal_id": 1, "invitation_id": 1, "batch_id": 1, "number": "GD2026000000", "name": "GD2026000000",
        "id_number": revealed.json()["id_number"], "code": "en", "fmt": "csv", "file_path": "app.js", "path": "openapi.json",
        "other_skill_id": other_skill["id"], "other_event_id": other_event["id"],
    }  # fmt: skip
    return SecWorld(server, admin, w, clients, ids, people)


def fill(path: str, ids: dict[str, Any]) -> str:
    """``/api/events/{event_id:int}`` → ``/api/events/12`` with the world's values."""

    def one(m: re.Match) -> str:
        name = m.group(1)
        if name not in ids:
            raise KeyError(f"no value for path parameter {name!r} in {path}: add it to sec_world.build_world's ids")
        return str(ids[name])

    return re.sub(r"\{(\w+)(?::\w+)?\}", one, path)


_ROUTES_SCRIPT = """
import json, sys, tempfile
from litestar.routes import HTTPRoute, WebSocketRoute
from server.app import create_app
from kernel.settings import Settings
settings = Settings.from_env({"COMPETITION_DATA_DIR": tempfile.mkdtemp(prefix="sec-routes-"), "COMPETITION_SECRET": "routes-only"})
out = set()
for route in create_app(settings).routes:
    if isinstance(route, HTTPRoute):
        out.update((m, route.path) for h in route.route_handlers for m in h.http_methods if m != "OPTIONS")
    elif isinstance(route, WebSocketRoute):
        out.add(("WS", route.path))
json.dump(sorted(out), sys.stdout)
"""
_routes_cache: list[tuple[str, str]] | None = None


def app_routes() -> list[tuple[str, str]]:
    """(method, path) of every HTTP route and ("WS", path) of every websocket the app mounts, as
    ``create_app`` builds them (path parameters written ``{name:type}``); OPTIONS left out.
    Built in a subprocess, so the test process's tables stay unbound."""
    global _routes_cache
    if _routes_cache is None:
        import json

        root = Path(__file__).resolve().parent.parent.parent
        proc = subprocess.run(
            [sys.executable, "-c", _ROUTES_SCRIPT], capture_output=True, text=True, cwd=root, timeout=120, env={**os.environ, "PYTHONPATH": str(root)}
        )
        assert proc.returncode == 0, proc.stderr
        _routes_cache = [tuple(x) for x in json.loads(proc.stdout)]
    return _routes_cache


def cookie_header(client: Client) -> str:
    return "; ".join(f"{k}={v}" for k, v in client.http.cookies.items())
