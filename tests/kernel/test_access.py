"""Each role's access to each route: one allowed and one refused case at least, for every route.

Roles are scoped: an organiser of another event is an outsider here, and a judge of one skill
does not reach another skill's routes.
"""

from typing import Any

import pytest
from harness import Client, account, new_event, new_skill

ROLES = ["organiser", "chief_judge", "judge", "encryption_officer", "arbitrator", "approver", "contestant"]
ALL = set(ROLES)
STAFF = ALL - {"contestant"}
ORG = {"organiser"}

# (method, url template, body, roles allowed). {e}: the event, {s}: the judges' skill, {o}: another skill.
ROUTES: list[tuple[str, str, Any, set[str]]] = [
    ("GET", "/api/me", None, ALL),
    ("GET", "/api/events", None, ALL),
    ("GET", "/api/events/{e}", None, ALL),
    ("PATCH", "/api/events/{e}", {"venue": "佛山"}, ORG),
    ("GET", "/api/events/{e}/preset", None, STAFF),
    ("PUT", "/api/events/{e}/preset", {"overrides": {}}, ORG),
    ("GET", "/api/events/{e}/skills", None, ALL),
    ("POST", "/api/events/{e}/skills", "new-skill", ORG),
    ("GET", "/api/events/{e}/skills/{s}", None, ALL),
    ("GET", "/api/events/{e}/skills/{o}", None, ALL - {"judge", "chief_judge"}),
    ("PATCH", "/api/events/{e}/skills/{s}", {"industry_cluster": "智能机器人"}, ORG),
    ("POST", "/api/events/{e}/skills/{s}/groups", {"kind": "teacher"}, ORG),
    ("GET", "/api/events/{e}/accounts", None, ORG),
    ("POST", "/api/events/{e}/accounts", "new-account", ORG),
    ("POST", "/api/events/{e}/roles", "grant", ORG),
    ("POST", "/api/events/{e}/accounts/{judge}/login-code", {}, ORG),
    ("POST", "/api/events/{e}/archive", None, ORG),
    ("POST", "/api/events/{e}/unarchive", None, ORG),
]


@pytest.fixture(scope="module")
async def world(server) -> Any:
    admin = Client(server.base_url)
    await admin.login("admin", "admin-password-123")
    event = await new_event(admin)
    skill = await new_skill(admin, event["id"])
    other_skill = await new_skill(admin, event["id"])
    other_event = await new_event(admin)
    clients: dict[str, Client] = {}
    for role in ROLES:
        clients[role] = await account(admin, server, event["id"], role, skill["id"] if role in ("judge", "chief_judge") else None)
    clients["outsider"] = await account(admin, server, other_event["id"], "organiser")
    clients["anonymous"] = Client(server.base_url)
    me = (await clients["judge"].get("/api/me")).json()["user"]
    yield {"admin": admin, "event": event, "skill": skill, "other": other_skill, "clients": clients, "judge_id": me["id"]}
    for c in [admin, *clients.values()]:
        await c.aclose()


_counter = iter(range(10**6))


def _body(spec: Any, world: dict) -> Any:
    n = next(_counter)
    if spec == "new-skill":
        return {"name": f"项目{n}"}
    if spec == "new-account":
        return {"display_name": "新账号", "role": "arbitrator", "username": f"acc-{n}-{world['event']['id']}", "password": "password-123"}
    if spec == "grant":
        return {"user_id": world["judge_id"], "role": "arbitrator"}
    if isinstance(spec, dict) and spec.get("kind") == "teacher":
        return {"kind": "teacher", "name": f"教师组{n}"}
    return spec


@pytest.mark.parametrize("method, url, body, allowed", ROUTES, ids=[f"{m} {u}" for m, u, _, _ in ROUTES])
async def test_route_access_by_role(world, method, url, body, allowed):
    target = url.format(e=world["event"]["id"], s=world["skill"]["id"], o=world["other"]["id"], judge=world["judge_id"])
    outcomes = {}
    for who, client in world["clients"].items():
        r = await client.request(method, target, json=_body(body, world))
        outcomes[who] = r.status_code
        if who == "anonymous":
            assert r.status_code == 401, (who, r.status_code, r.text)
        elif who in allowed or (who == "outsider" and url in ("/api/me", "/api/events")):
            # Allowed: anything but an access refusal (a conflict on a repeated group is still "allowed").
            assert r.status_code not in (401, 403), (who, r.status_code, r.text)
        else:
            assert r.status_code == 403, (who, r.status_code, r.text)
            assert r.json()["code"] == "forbidden"
    assert any(code not in (401, 403) for code in outcomes.values())
    assert any(code in (401, 403) for code in outcomes.values())


async def test_event_creation_needs_a_global_organiser(world, server):
    for who, client in world["clients"].items():
        r = await client.post("/api/events", json={"name": "新赛事", "code": f"NEW{who[:4].upper()}{world['event']['id']}", "tier": "national"})
        assert r.status_code in (401, 403), who
    r = await world["admin"].post("/api/events", json={"name": "新赛事", "code": f"ADM{world['event']['id']}", "tier": "national"})
    assert r.status_code == 201


async def test_event_list_shows_only_own_events(world):
    listed = (await world["clients"]["judge"].get("/api/events")).json()
    assert [e["id"] for e in listed] == [world["event"]["id"]]
    outsider = (await world["clients"]["outsider"].get("/api/events")).json()
    assert world["event"]["id"] not in [e["id"] for e in outsider]
