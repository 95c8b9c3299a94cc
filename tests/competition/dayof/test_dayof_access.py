"""Each role's access to each competition-day route (API and pages), in the order of a real day:
check-in, draw, encryption, submission, decryption. Roles are scoped: an organiser of another event
is an outsider, a judge of one skill does not reach another skill's list."""

from __future__ import annotations

from typing import Any

import pytest
from dayof_world import register
from harness import Client, account, new_event, new_skill

ROLES = ["organiser", "chief_judge", "judge", "encryption_officer", "arbitrator", "approver", "contestant"]
ORG = {"organiser"}
EO = {"encryption_officer"}
CHIEF = {"chief_judge"}

# (method, url template, body, roles allowed). {e} event, {s} skill, {o} another skill, {c} contestant, {d} draw.
ROUTES: list[tuple[str, str, Any, set[str]]] = [
    ("GET", "/api/events/{e}/checkin", None, ORG),
    ("GET", "/api/events/{e}/skills/{s}/checkin", None, ORG),
    ("PUT", "/api/events/{e}/checkin/{c}", {"status": "absent", "reason": "测试"}, ORG),
    ("GET", "/events/{e}/checkin", None, ORG),
    ("POST", "/api/events/{e}/skills/{s}/draws", {"session": "1", "reason": "测试重抽"}, ORG),
    ("GET", "/api/events/{e}/skills/{s}/draws", None, ORG),
    ("GET", "/api/events/{e}/draws/{d}", None, ORG | {"arbitrator"}),
    ("POST", "/api/events/{e}/draws/{d}/replay", None, ORG | {"arbitrator"}),
    ("GET", "/api/events/{e}/draws/{d}/replay", None, ORG | {"arbitrator"}),
    ("GET", "/events/{e}/draw", None, ORG),
    ("GET", "/api/events/{e}/encryption", None, ORG | CHIEF | EO),
    ("GET", "/api/events/{e}/skills/{s}/encryption", None, ORG | CHIEF | EO),
    ("POST", "/api/events/{e}/skills/{s}/encryption/rounds", {"round": 1}, EO),
    ("GET", "/api/events/{e}/skills/{s}/encryption/mapping", None, EO),
    ("GET", "/events/{e}/encryption", None, ORG | CHIEF | EO),  # the progress; the mapping and its forms are the officer's
    ("GET", "/api/events/{e}/skills/{s}/judging-list", None, {"judge", "chief_judge"} | EO),
    ("GET", "/api/events/{e}/skills/{o}/judging-list", None, EO),
    ("GET", "/events/{e}/skills/{s}/judging", None, {"judge", "chief_judge"} | EO),
    ("POST", "/api/events/{e}/skills/{s}/scores/submit", None, CHIEF),
    ("POST", "/api/events/{e}/skills/{o}/scores/submit", None, set()),
    ("POST", "/api/events/{e}/skills/{s}/scores/recheck", None, CHIEF),
    ("GET", "/api/events/{e}/skills/{s}/scores/completeness", None, ORG | CHIEF),
    ("POST", "/api/events/{e}/skills/{s}/scores/withdraw", {"reason": "测试"}, ORG | CHIEF),
    ("POST", "/api/events/{e}/skills/{s}/decrypt", {"note": ""}, EO),
]


@pytest.fixture(scope="module")
async def day(server) -> Any:
    admin = Client(server.base_url)
    await admin.login("admin", "admin-password-123")
    event = await new_event(admin)
    skill = await new_skill(admin, event["id"])
    other = await new_skill(admin, event["id"])
    people = await register(admin, event["id"], skill, 3)
    draw = await admin.post(f"/api/events/{event['id']}/skills/{skill['id']}/draws", json={"session": "1"})
    assert draw.status_code == 201, draw.text
    clients: dict[str, Client] = {}
    for role in ROLES:
        clients[role] = await account(admin, server, event["id"], role, skill["id"] if role in ("judge", "chief_judge") else None)
    clients["outsider"] = await account(admin, server, (await new_event(admin))["id"], "organiser")
    clients["anonymous"] = Client(server.base_url)
    yield {"e": event["id"], "s": skill["id"], "o": other["id"], "c": people[0]["id"], "d": draw.json()["id"], "clients": clients}
    for c in [admin, *clients.values()]:
        await c.aclose()


@pytest.mark.parametrize("method, url, body, allowed", ROUTES, ids=[f"{m} {u}" for m, u, _, _ in ROUTES])
async def test_dayof_route_access_by_role(day, method, url, body, allowed):
    target = url.format(**{k: day[k] for k in ("e", "s", "o", "c", "d")})
    outcomes = {}
    for who, client in day["clients"].items():
        r = await client.request(method, target, json=body)
        outcomes[who] = r.status_code
        if who == "anonymous":
            assert r.status_code == 401, (who, r.status_code, r.text)
        elif who in allowed:
            assert r.status_code not in (401, 403), (who, r.status_code, r.text)
            assert r.status_code < 500, (who, r.status_code, r.text)
        else:
            assert r.status_code == 403, (who, r.status_code, r.text)
            assert r.json()["code"] == "forbidden"
