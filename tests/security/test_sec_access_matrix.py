"""Who may reach what: every route the app mounts (HTTP API, pages, websockets; discovered from
``create_app(...).routes``) × every role, against the intended access declared in ``ACCESS``.

A route the app mounts that ``ACCESS`` does not declare fails ``test_every_route_declares_its_access``
(so a new route must say who may use it), as does a declared route that no longer exists.

Outcome rules, per (route, who):
- allowed: anything but 401/403 (a 400 for the missing body, a 404 for a placeholder id, a 409 for
  the state of the world all mean the guard let the request through), and never a 5xx;
- refused: 401 for the anonymous user, 403 ``forbidden`` for a signed-in user;
- websockets: allowed means the first frame arrives; refused means the handshake is refused or the
  socket is closed with 1008 before anything is sent.

Unsafe requests carry the CSRF header and no body, so handlers that take a body answer 400 after
the guard and change nothing; safe methods run first (their answers must not depend on what the
unsafe ones did to the world).
"""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from sec_world import ROLES, WHO, SecWorld, app_routes, cookie_header, fill

ALL = frozenset(ROLES)  # every role in the event
STAFF = ALL - {"contestant", "delegation_leader"}
LOGIN = frozenset(WHO) - {"anonymous"}  # any signed-in user, whatever event
PUBLIC = frozenset(WHO)
NOBODY = frozenset()  # platform administrators only (and event creators, for creating events)
ORG = frozenset({"organiser"})
CHIEF = frozenset({"chief_judge"})
EO = frozenset({"encryption_officer"})


def r(*roles: str) -> frozenset[str]:
    return frozenset(roles)


#: route ("METHOD /path" exactly as the app mounts it; "WS /path" for websockets) → who may use it.
ACCESS: dict[str, frozenset[str]] = {
    # --- system, auth, documentation, static files
    "GET /health": PUBLIC,
    "GET /ready": PUBLIC,
    "POST /auth/login": PUBLIC,
    "POST /auth/code": PUBLIC,
    "POST /auth/logout": PUBLIC,
    "GET /api/me": LOGIN,
    "POST /auth/password": LOGIN,
    "GET /api/me/invitations": LOGIN,
    "POST /api/me/invitations/{invitation_id:int}/accept": LOGIN,
    "POST /api/me/invitations/{invitation_id:int}/decline": LOGIN,
    "GET /schema": PUBLIC,
    "GET /schema/openapi.json": PUBLIC,
    "GET /schema/scalar": PUBLIC,
    "GET /schema/swagger": PUBLIC,
    "GET /schema/oauth2-redirect.html": PUBLIC,
    "GET /schema/{path:str}": PUBLIC,
    "GET /static/{file_path:path}": PUBLIC,
    "HEAD /static/{file_path:path}": PUBLIC,
    "GET /sw.js": PUBLIC,
    "GET /favicon.ico": PUBLIC,
    "GET /login": PUBLIC,
    "GET /lang/{code:str}": PUBLIC,
    # --- events, presets, skills, accounts
    "GET /api/events": LOGIN,
    "POST /api/events": NOBODY,
    "GET /api/events/{event_id:int}": ALL,
    "PATCH /api/events/{event_id:int}": ORG,
    "POST /api/events/{event_id:int}/archive": ORG,
    "POST /api/events/{event_id:int}/unarchive": ORG,
    "GET /api/events/{event_id:int}/preset": STAFF,
    "PUT /api/events/{event_id:int}/preset": ORG,
    "GET /api/events/{event_id:int}/skills": ALL,
    "POST /api/events/{event_id:int}/skills": ORG,
    "GET /api/events/{event_id:int}/skills/{skill_id:int}": ALL,
    "PATCH /api/events/{event_id:int}/skills/{skill_id:int}": ORG,
    "POST /api/events/{event_id:int}/skills/{skill_id:int}/groups": ORG,
    # Deletes of what registrations, draws and marks depend on are refused with 409 for the organiser.
    "DELETE /api/events/{event_id:int}/skills/{skill_id:int}": ORG,
    "PATCH /api/events/{event_id:int}/skills/{skill_id:int}/groups/{group_id:int}": ORG,
    "DELETE /api/events/{event_id:int}/skills/{skill_id:int}/groups/{group_id:int}": ORG,
    "GET /api/events/{event_id:int}/skills/{skill_id:int}/sessions": ALL,
    "POST /api/events/{event_id:int}/skills/{skill_id:int}/sessions": ORG,
    "PATCH /api/events/{event_id:int}/skills/{skill_id:int}/sessions/{session_id:int}": ORG,
    "DELETE /api/events/{event_id:int}/skills/{skill_id:int}/sessions/{session_id:int}": ORG,
    "POST /api/events/{event_id:int}/rules/preview": ORG,
    "GET /api/events/{event_id:int}/accounts": ORG,
    "POST /api/events/{event_id:int}/accounts": ORG,
    "POST /api/events/{event_id:int}/roles": ORG,
    "DELETE /api/events/{event_id:int}/roles": ORG,
    "POST /api/events/{event_id:int}/accounts/{user_id:int}/login-code": ORG,
    "POST /api/events/{event_id:int}/accounts/{user_id:int}/password": ORG,
    "POST /api/events/{event_id:int}/accounts/{user_id:int}/activate": ORG,
    "POST /api/events/{event_id:int}/accounts/{user_id:int}/deactivate": ORG,
    "POST /api/events/{event_id:int}/invitations": ORG,
    # --- registration (personal data: organisers only)
    "GET /api/events/{event_id:int}/contestants": ORG,
    "POST /api/events/{event_id:int}/contestants": ORG,
    "GET /api/events/{event_id:int}/contestants/{contestant_id:int}": ORG,
    "PATCH /api/events/{event_id:int}/contestants/{contestant_id:int}": ORG,
    "DELETE /api/events/{event_id:int}/contestants/{contestant_id:int}": ORG,
    "GET /api/events/{event_id:int}/contestants/{contestant_id:int}/photo": ORG,
    "POST /api/events/{event_id:int}/contestants/{contestant_id:int}/photo": ORG,
    "POST /api/events/{event_id:int}/contestants/{contestant_id:int}/reveal": ORG,
    "POST /api/events/{event_id:int}/contestants/{contestant_id:int}/identity-corrections": r("approver"),
    "GET /api/events/{event_id:int}/registration/template": ORG,
    "POST /api/events/{event_id:int}/registration/import": ORG,
    "GET /api/events/{event_id:int}/registration/export": ORG,
    "GET /api/events/{event_id:int}/registration/summary": ORG,
    # --- delegations register their own (leaders, within the window), the review 省 (organiser) and 市 (city supervisors)
    "GET /api/events/{event_id:int}/registration/window": ALL,
    "PUT /api/events/{event_id:int}/registration/window": ORG,
    "GET /api/events/{event_id:int}/delegation/contestants": r("delegation_leader"),
    "POST /api/events/{event_id:int}/delegation/contestants": r("delegation_leader"),
    "PATCH /api/events/{event_id:int}/delegation/contestants/{contestant_id:int}": r("delegation_leader"),
    "POST /api/events/{event_id:int}/delegation/contestants/{contestant_id:int}/resubmit": r("delegation_leader"),
    "POST /api/events/{event_id:int}/delegation/contestants/{contestant_id:int}/coaches": r("delegation_leader"),
    "GET /api/events/{event_id:int}/delegation/template": r("delegation_leader"),
    "POST /api/events/{event_id:int}/delegation/import": r("delegation_leader"),
    "GET /api/events/{event_id:int}/registration/reviews": ORG,
    "POST /api/events/{event_id:int}/registration/reviews/accept": ORG,
    "POST /api/events/{event_id:int}/registration/reviews/return": ORG,
    "POST /api/events/{event_id:int}/registration/reviews/{contestant_id:int}/coaches": ORG,
    "GET /api/city/reviews": NOBODY,
    "POST /api/city/reviews/approve": NOBODY,
    "POST /api/city/reviews/return": NOBODY,
    # --- competition day: check-in, draw, anonymisation
    "GET /api/events/{event_id:int}/checkin": ORG,
    "GET /api/events/{event_id:int}/skills/{skill_id:int}/checkin": ORG,
    "PUT /api/events/{event_id:int}/checkin/{contestant_id:int}": ORG,
    "GET /api/events/{event_id:int}/skills/{skill_id:int}/draws": ORG,
    "POST /api/events/{event_id:int}/skills/{skill_id:int}/draws": ORG,
    "GET /api/events/{event_id:int}/draws/{draw_id:int}": r("organiser", "arbitrator", "supervisor"),
    "GET /api/events/{event_id:int}/draws/{draw_id:int}/replay": r("organiser", "arbitrator", "supervisor"),
    "POST /api/events/{event_id:int}/draws/{draw_id:int}/replay": r("organiser", "arbitrator", "supervisor"),
    "GET /api/events/{event_id:int}/encryption": ORG | CHIEF | EO,
    "GET /api/events/{event_id:int}/skills/{skill_id:int}/encryption": ORG | CHIEF | EO,
    "POST /api/events/{event_id:int}/skills/{skill_id:int}/encryption/rounds": EO,
    # Before decryption the mapping is the encryption officer's alone (safe methods run first).
    "GET /api/events/{event_id:int}/skills/{skill_id:int}/encryption/mapping": EO,
    "GET /api/events/{event_id:int}/skills/{skill_id:int}/judging-list": r("judge", "chief_judge", "encryption_officer"),
    "POST /api/events/{event_id:int}/skills/{skill_id:int}/scores/submit": CHIEF,
    "POST /api/events/{event_id:int}/skills/{skill_id:int}/scores/recheck": CHIEF,
    "GET /api/events/{event_id:int}/skills/{skill_id:int}/scores/completeness": CHIEF | ORG,
    "POST /api/events/{event_id:int}/skills/{skill_id:int}/scores/withdraw": CHIEF | ORG,
    "POST /api/events/{event_id:int}/skills/{skill_id:int}/decrypt": EO,
    # --- judges
    "GET /api/events/{event_id:int}/judges": ORG,
    "POST /api/events/{event_id:int}/judges": ORG,
    "GET /api/events/{event_id:int}/judges/me": r("judge", "chief_judge"),
    "GET /api/events/{event_id:int}/judges/{judge_id:int}": ORG,
    "PATCH /api/events/{event_id:int}/judges/{judge_id:int}": ORG,
    "DELETE /api/events/{event_id:int}/judges/{judge_id:int}": ORG,
    "POST /api/events/{event_id:int}/judges/{judge_id:int}/account": ORG,
    "POST /api/events/{event_id:int}/judges/login-cards": ORG,
    "GET /api/events/{event_id:int}/skills/{skill_id:int}/judges": ORG | CHIEF,
    "PUT /api/events/{event_id:int}/skills/{skill_id:int}/judges/{judge_id:int}": ORG,
    "DELETE /api/events/{event_id:int}/skills/{skill_id:int}/judges/{judge_id:int}": ORG,
    "GET /api/events/{event_id:int}/skills/{skill_id:int}/conflicts": ORG,
    "GET /api/events/{event_id:int}/skills/{skill_id:int}/coverage": ORG | CHIEF,
    "GET /api/events/{event_id:int}/skills/{skill_id:int}/may-score": ORG | CHIEF,
    "GET /api/events/{event_id:int}/skills/{skill_id:int}/contestants/{contestant_id:int}/eligible-judges": ORG | CHIEF,
    # --- marking schemes and live scoring
    "GET /api/events/{event_id:int}/skills/{skill_id:int}/scheme": STAFF,
    "PUT /api/events/{event_id:int}/skills/{skill_id:int}/scheme": ORG | CHIEF,
    "POST /api/events/{event_id:int}/skills/{skill_id:int}/scheme/import": ORG | CHIEF,
    "GET /api/events/{event_id:int}/skills/{skill_id:int}/scheme/export": STAFF,
    "GET /api/events/{event_id:int}/skills/{skill_id:int}/scheme/template": STAFF,
    "POST /api/events/{event_id:int}/skills/{skill_id:int}/marks": r("judge", "chief_judge", "organiser"),
    "GET /api/events/{event_id:int}/skills/{skill_id:int}/marks": ORG | CHIEF,
    "POST /api/events/{event_id:int}/skills/{skill_id:int}/locks": CHIEF,
    "DELETE /api/events/{event_id:int}/skills/{skill_id:int}/locks/{criterion:str}": CHIEF,
    "POST /api/events/{event_id:int}/skills/{skill_id:int}/board/freeze": ORG,
    "POST /api/events/{event_id:int}/skills/{skill_id:int}/board/unfreeze": ORG,
    "GET /api/events/{event_id:int}/skills/{skill_id:int}/console": ORG | CHIEF,
    # Self-scoped: lists only the signed-in user's own judge seats (empty for anyone else).
    "GET /api/judge/assignments": LOGIN,
    "GET /api/public/skills/{skill_id:int}/board": PUBLIC,
    "GET /api/public/events/{event_id:int}/board": PUBLIC,
    # --- results, appeals, award proposals
    "GET /api/events/{event_id:int}/results": r("organiser", "arbitrator", "approver", "supervisor"),
    "GET /api/events/{event_id:int}/results/event-awards": r("organiser", "arbitrator", "approver", "supervisor"),
    "GET /api/events/{event_id:int}/results/export": ORG,
    "GET /api/events/{event_id:int}/skills/{skill_id:int}/results/export": ORG,
    "GET /api/events/{event_id:int}/skills/{skill_id:int}/groups/{group_id:int}/results": r(
        "organiser", "chief_judge", "arbitrator", "approver", "supervisor"
    ),
    "GET /api/events/{event_id:int}/skills/{skill_id:int}/groups/{group_id:int}/results/preview": ORG | CHIEF,
    "POST /api/events/{event_id:int}/skills/{skill_id:int}/groups/{group_id:int}/results/provisional": ORG,
    "POST /api/events/{event_id:int}/skills/{skill_id:int}/groups/{group_id:int}/results/final": ORG,
    "POST /api/events/{event_id:int}/skills/{skill_id:int}/groups/{group_id:int}/appeals": r("organiser", "contestant", "delegation_leader"),
    # A contestant or delegation leader reads only their own (the handler filters; see test_sec_authority).
    "GET /api/events/{event_id:int}/appeals": r("organiser", "arbitrator", "supervisor", "contestant", "delegation_leader"),
    "GET /api/events/{event_id:int}/appeals/{appeal_id:int}": r("organiser", "arbitrator", "supervisor", "contestant", "delegation_leader"),
    "POST /api/events/{event_id:int}/appeals/{appeal_id:int}/decision": r("arbitrator"),
    # Once results are published only the arbitration group changes marks.
    "POST /api/events/{event_id:int}/appeals/{appeal_id:int}/apply": r("arbitrator"),
    "GET /api/events/{event_id:int}/proposals": r("organiser", "approver", "supervisor"),
    "GET /api/events/{event_id:int}/proposals/export": r("organiser", "approver", "supervisor"),
    "POST /api/events/{event_id:int}/proposals/approve": r("approver"),
    "POST /api/events/{event_id:int}/proposals/{proposal_id:int}/strike": r("approver"),
    "GET /api/public/events/{event_id:int}/results": PUBLIC,
    "GET /api/public/events/{event_id:int}/event-awards": PUBLIC,
    "GET /api/public/events/{event_id:int}/skills/{skill_id:int}/results": PUBLIC,
    "GET /api/public/events/{event_id:int}/notice.pdf": PUBLIC,
    # A contestant's own results by name + ID number (rate-limited, audited), and an appeal with it.
    "POST /api/public/lookup": PUBLIC,
    "POST /api/public/appeals": PUBLIC,
    "GET /api/me/results": LOGIN,
    # --- certificates, promotion ledger, verification
    "GET /api/events/{event_id:int}/certificates": r("organiser", "approver"),
    "GET /api/events/{event_id:int}/certificates/plan": r("organiser", "approver"),
    "POST /api/events/{event_id:int}/certificates/issue": ORG,
    "GET /api/events/{event_id:int}/seal": r("organiser", "approver"),
    "POST /api/events/{event_id:int}/seal": ORG,
    "GET /api/events/{event_id:int}/certificates/batches": r("organiser", "approver"),
    "GET /api/events/{event_id:int}/certificates/batches/{batch_id:int}": r("organiser", "approver"),
    "POST /api/events/{event_id:int}/certificates/{number:str}/revoke": ORG,
    "GET /api/events/{event_id:int}/certificates.zip": ORG,
    "GET /api/events/{event_id:int}/ledger": r("organiser", "approver"),
    "GET /api/events/{event_id:int}/ledger.xlsx": r("organiser", "approver"),
    # The national skills-evaluation record (certificates/national.py): the event's organisers and approvers.
    "GET /api/events/{event_id:int}/national-record": r("organiser", "approver"),
    "PUT /api/events/{event_id:int}/national-record/body": r("organiser", "approver"),
    "GET /api/events/{event_id:int}/national-record/pending/xlsx": r("organiser", "approver"),
    "GET /api/events/{event_id:int}/national-record/pending/csv": r("organiser", "approver"),
    "POST /api/events/{event_id:int}/national-record/send": r("organiser", "approver"),
    "GET /api/events/{event_id:int}/national-record/batches": r("organiser", "approver"),
    "GET /api/events/{event_id:int}/national-record/batches/{batch_id:int}": r("organiser", "approver"),
    "GET /api/events/{event_id:int}/national-record/batches/{batch_id:int}/xlsx": r("organiser", "approver"),
    "GET /api/events/{event_id:int}/national-record/batches/{batch_id:int}/csv": r("organiser", "approver"),
    "GET /events/{event_id:int}/national-record": r("organiser", "approver"),
    # A person's ledger across events, by ID number: approvers (who see their events' rows) and
    # administrators only; organisers of this event or another (the outsider) are refused.
    "POST /api/ledger/lookup": r("approver"),
    "GET /api/verify/{number:str}": PUBLIC,
    "GET /certificates/{name:str}": PUBLIC,  # the page; the PDF by GET for the event's organisers only
    "POST /certificates/{name:str}": PUBLIC,  # the PDF with the holder's id6 in the body
    "GET /verify": PUBLIC,
    "GET /verify/{number:str}": PUBLIC,
    # --- the annual selection of honours: platform roles (selection organiser, nominators,
    # reviewers) and administrators; no event role reaches them. The 公示 and objections are public.
    "GET /api/honours/rounds": NOBODY,
    "POST /api/honours/rounds": NOBODY,
    "GET /api/honours/rounds/{round_id:int}": NOBODY,
    "POST /api/honours/rounds/{round_id:int}/stages": NOBODY,
    "POST /api/honours/rounds/{round_id:int}/members": NOBODY,
    "GET /api/honours/rounds/{round_id:int}/nominations": NOBODY,
    "GET /api/honours/rounds/{round_id:int}/mine": NOBODY,
    "GET /api/honours/rounds/{round_id:int}/dossier": NOBODY,
    "POST /api/honours/rounds/{round_id:int}/nominations": NOBODY,
    "POST /api/honours/nominations/{nomination_id:int}/attachments": NOBODY,
    "GET /api/honours/rounds/{round_id:int}/review": NOBODY,
    "POST /api/honours/nominations/{nomination_id:int}/scores": NOBODY,
    "POST /api/honours/rounds/{round_id:int}/second-review": NOBODY,
    "GET /api/honours/rounds/{round_id:int}/list": NOBODY,
    "POST /api/honours/rounds/{round_id:int}/approve": NOBODY,
    "POST /api/honours/rounds/{round_id:int}/publicise": NOBODY,
    "GET /api/honours/rounds/{round_id:int}/objections": NOBODY,
    "POST /api/honours/rounds/{round_id:int}/objections/{objection_id:int}/decision": NOBODY,
    "POST /api/honours/rounds/{round_id:int}/announce": NOBODY,
    "GET /api/honours/referrals/may-day": NOBODY,
    "GET /api/honours/referrals/may-day.xlsx": NOBODY,
    "GET /api/honours/referrals/national": NOBODY,
    "GET /api/honours/referrals/national.xlsx": NOBODY,
    "GET /api/public/honours/{round_id:int}": PUBLIC,
    "POST /api/public/honours/{round_id:int}/objections": PUBLIC,
    "GET /honours": NOBODY,
    "GET /honours/{round_id:int}": NOBODY,
    "GET /honours/{round_id:int}/notice": PUBLIC,
    # --- the province's figures: province supervisors and administrators, no event role
    "GET /api/province/codes": NOBODY,
    "GET /api/province/statistics": NOBODY,
    "GET /api/province/statistics.csv": NOBODY,
    "GET /api/province/statistics.xlsx": NOBODY,
    "GET /province/statistics": NOBODY,
    "GET /api/province/events": NOBODY,
    "GET /api/province/events/{event_id:int}/standings": NOBODY,
    "GET /province/events": NOBODY,
    "GET /province/events/{event_id:int}": NOBODY,
    # --- pages
    "GET /": PUBLIC,  # the public home page for a visitor, the staff's for an account
    "GET /lookup": PUBLIC,
    "POST /lookup": PUBLIC,
    "GET /tablet": LOGIN,
    "GET /events/new": NOBODY,
    "GET /events/{event_id:int}": ALL,
    "GET /events/{event_id:int}/edit": ORG,
    "GET /events/{event_id:int}/rules": STAFF,
    "GET /events/{event_id:int}/contestants": ORG,
    "GET /events/{event_id:int}/contestants/new": ORG,
    "GET /events/{event_id:int}/contestants/import": ORG,
    "GET /events/{event_id:int}/contestants/{contestant_id:int}": ORG,
    "GET /events/{event_id:int}/delegation": r("delegation_leader"),
    "GET /events/{event_id:int}/delegation/import": r("delegation_leader"),
    "GET /events/{event_id:int}/delegation/{contestant_id:int}": r("delegation_leader"),
    "GET /events/{event_id:int}/registration/review": ORG,
    "GET /city/review": NOBODY,
    "GET /events/{event_id:int}/checkin": ORG,
    "GET /events/{event_id:int}/draw": ORG,
    # The organiser and chief judges see the progress there; the mapping stays the officer's (test_people).
    "GET /events/{event_id:int}/encryption": ORG | CHIEF | EO,
    "GET /events/{event_id:int}/people": ORG,
    "GET /events/{event_id:int}/skills/{skill_id:int}/judging": r("judge", "chief_judge", "encryption_officer"),
    "GET /events/{event_id:int}/judges": ORG,
    "GET /events/{event_id:int}/judges/{judge_id:int}/edit": ORG,
    "GET /events/{event_id:int}/judges/skills/{skill_id:int}": ORG | CHIEF,
    "GET /events/{event_id:int}/judges/cards": ORG,
    "GET /events/{event_id:int}/skills/{skill_id:int}/console": ORG | CHIEF,
    "GET /events/{event_id:int}/skills/{skill_id:int}/scheme": STAFF,  # the scheme page (read-only but for organisers and chief judges)
    "GET /events/{event_id:int}/results": ALL,
    "GET /events/{event_id:int}/results/skills/{skill_id:int}/groups/{group_id:int}": ORG | CHIEF,
    "GET /events/{event_id:int}/appeals": r("organiser", "arbitrator", "supervisor", "contestant", "delegation_leader"),
    "GET /events/{event_id:int}/proposals": r("organiser", "approver", "supervisor"),
    "GET /events/{event_id:int}/certificates": r("organiser", "approver"),
    "GET /board/{skill_id:int}": PUBLIC,
    "GET /board/event/{event_id:int}": PUBLIC,
    "GET /results/{event_id:int}": PUBLIC,
    "GET /results/{event_id:int}/skills/{skill_id:int}": PUBLIC,
    # --- websockets
    "WS /ws/judge": LOGIN,  # marks are checked per seat; a user without one gets no skills
    "WS /ws/board/{skill_id:int}": PUBLIC,
    "WS /ws/board/event/{event_id:int}": PUBLIC,
    "WS /ws/staff/{skill_id:int}": ORG | CHIEF,
}

_SAFE = ("GET", "HEAD", "WS")
_LAST = ("/archive", "/unarchive", "/auth/logout")


def _order(key: str) -> tuple[int, str]:
    method, path = key.split(" ", 1)
    return (0 if method in _SAFE else 2 if path.endswith(_LAST) else 1, key)


KEYS = sorted(ACCESS, key=_order)


def test_every_route_declares_its_access():
    mounted = {f"{m} {p}" for m, p in app_routes()}
    missing = sorted(mounted - ACCESS.keys())
    stale = sorted(ACCESS.keys() - mounted)
    assert not missing, "routes without a declared access (add them to ACCESS in this file):\n  " + "\n  ".join(missing)
    assert not stale, "ACCESS declares routes the app no longer mounts:\n  " + "\n  ".join(stale)


@pytest.fixture
def world(sec_world):
    return sec_world


async def _ws_outcome(world: SecWorld, who: str, path: str) -> str:
    url = world.server.base_url.replace("http://", "ws://") + path
    client = world.clients[who]
    headers = {"Cookie": cookie_header(client)} if client.http.cookies else {}
    try:
        async with websockets.connect(url, additional_headers=headers, open_timeout=5, close_timeout=1) as ws:
            try:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
            except websockets.exceptions.ConnectionClosed as exc:
                return f"refused:{exc.rcvd.code if exc.rcvd else None}"
            return f"allowed:{frame.get('type')}"
    except websockets.exceptions.InvalidStatus as exc:
        return f"refused:http{exc.response.status_code}"


async def _http(world: SecWorld, who: str, method: str, path: str):
    client = world.clients[who]
    if path.startswith("/auth/"):
        # Logging out (or in) must not end the session the rest of the matrix uses: a copy of it.
        from harness import Client

        copy = Client(world.server.base_url)
        copy.http.cookies.update(client.http.cookies)
        try:
            return await copy.request(method, path)
        finally:
            await copy.aclose()
    return await client.request(method, path)


@pytest.mark.parametrize("key", KEYS)
async def test_route_access_by_role(world: SecWorld, key: str):
    if key not in {f"{m} {p}" for m, p in _MOUNTED}:
        pytest.skip("not mounted (reported by test_every_route_declares_its_access)")
    method, pattern = key.split(" ", 1)
    path = fill(pattern, world.ids)
    allowed = ACCESS[key]
    wrong: list[str] = []
    for who in WHO:
        if method == "WS":
            outcome = await _ws_outcome(world, who, path)
            ok = outcome.startswith("allowed") if who in allowed else outcome.startswith("refused")
            if not ok:
                wrong.append(f"{who}: {outcome} (expected {'allowed' if who in allowed else 'refused'})")
            continue
        res = await _http(world, who, method, path)
        status = res.status_code
        if status >= 500:
            wrong.append(f"{who}: {status} server error {res.text[:200]}")
        elif who in allowed:
            if status in (401, 403):
                wrong.append(f"{who}: refused with {status} {res.text[:200]} (declared allowed)")
        elif who == "anonymous":
            if status != 401:
                wrong.append(f"{who}: {status} {res.text[:200]} (expected 401)")
        elif status != 403 or res.json().get("code") != "forbidden":
            wrong.append(f"{who}: {status} {res.text[:200]} (expected 403 forbidden)")
    if key.endswith("/archive"):
        await world.admin.post(f"/api/events/{world.e}/unarchive")
    assert not wrong, f"{key} → {path}\n  " + "\n  ".join(wrong)


_MOUNTED = app_routes()
