"""The authority model (``kernel.access``), tried as an attacker would, on both databases.

Each test is a hole that existed before the policy: an organiser of one event taking over another
account through a role grant and a tablet code, organisers of every event, sessions that outlived
logout, contestants acting about anyone, marks changed after publication.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from harness import Client, account, new_event, new_skill, run_cli, sql, unique
from results_world import ResultsWorld, decrypt, results_world, sign_off, wait_until

pytestmark = pytest.mark.slow  # a minute or more: collected first (tests/conftest.py)

PASSWORD = "password-123"


async def _own_account(org: Client, event_id: int, role: str, **extra: Any) -> tuple[int, str]:
    username = unique(role.replace("_", "-") + "-").lower()
    r = await org.post(
        f"/api/events/{event_id}/accounts", json={"display_name": "账号", "role": role, "username": username, "password": PASSWORD, **extra}
    )
    assert r.status_code == 201, r.text
    return r.json()["id"], username


async def _login(server, username: str, password: str = PASSWORD) -> Client:
    c = Client(server.base_url)
    await c.login(username, password)
    return c


async def _audit(server, event_id: int) -> list[str]:
    return [r["action"] for r in await sql(server.env["DATABASE_URL"], "SELECT action FROM audit_log WHERE event_id = ? ORDER BY seq", event_id)]


async def test_no_account_takeover_by_grant_or_login_code(server, admin):
    a, b = await new_event(admin), await new_event(admin)
    skill = await new_skill(admin, a["id"])
    org_a = await account(admin, server, a["id"], "organiser")
    org_b = await account(admin, server, b["id"], "organiser")
    b_user = (await org_b.get("/api/me")).json()["user"]["id"]
    admin_user = (await admin.get("/api/me")).json()["user"]["id"]
    creator = unique("creator-").lower()
    run_cli(server.env, "create-user", creator, "--password", PASSWORD)
    creator_user = (await (await _login(server, creator)).get("/api/me")).json()["user"]["id"]

    # Accounts that are not this event's own: an administrator, another event's organiser, a platform account.
    for target in (admin_user, b_user, creator_user):
        r = await org_a.post(f"/api/events/{a['id']}/roles", json={"user_id": target, "role": "judge", "skill_id": skill["id"]})
        assert r.status_code == 403 and r.json()["code"] == "account_not_in_event", r.text
        r = await org_a.post(f"/api/events/{a['id']}/accounts/{target}/login-code", json={})
        assert r.status_code == 403 and r.json()["code"] == "no_code_for_account", r.text
    me = (await admin.get("/api/me")).json()["user"]
    assert [g for g in me["roles"] if g["event_id"] == a["id"] and g["role"] == "judge"] == []

    # The event's own account: a role and a code, fine.
    judge_id, judge_name = await _own_account(org_a, a["id"], "judge", skill_id=skill["id"])
    r = await org_a.post(f"/api/events/{a['id']}/accounts/{judge_id}/login-code", json={})
    assert r.status_code == 201, r.text
    old_code = r.json()["code"]

    # Invited to event B and accepted, the account holds a role elsewhere: no more codes for it,
    # and the code printed before stops working (it would log in with B's role too).
    r = await org_b.post(f"/api/events/{b['id']}/invitations", json={"username": judge_name, "role": "arbitrator"})
    assert r.status_code == 201, r.text
    invited = r.json()["id"]
    judge = await _login(server, judge_name)
    assert [i["id"] for i in (await judge.get("/api/me/invitations")).json()] == [invited]
    assert (await org_a.post(f"/api/me/invitations/{invited}/accept")).status_code == 404  # not theirs to accept
    r = await judge.post(f"/api/me/invitations/{invited}/accept")
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    roles = {(g["role"], g["event_id"]) for g in (await judge.get("/api/me")).json()["user"]["roles"]}
    assert ("arbitrator", b["id"]) in roles
    r = await org_a.post(f"/api/events/{a['id']}/accounts/{judge_id}/login-code", json={})
    assert r.status_code == 403 and r.json()["code"] == "no_code_for_account"
    tablet = Client(server.base_url)
    assert (await tablet.post("/auth/code", json={"code": old_code})).status_code == 401
    # The event B organiser may now grant it more roles in B (it belongs to B too), but not issue codes.
    assert (await org_b.post(f"/api/events/{b['id']}/roles", json={"user_id": judge_id, "role": "approver"})).status_code == 201
    assert (await org_b.post(f"/api/events/{b['id']}/accounts/{judge_id}/login-code", json={})).status_code == 403

    actions = await _audit(server, a["id"])
    assert {"role.grant", "login_code.issue", "user.create"} <= set(actions)
    assert {"invitation.create", "invitation.accept"} <= set(await _audit(server, b["id"]))
    for c in (org_a, org_b, judge, tablet):
        await c.aclose()


async def test_organisers_are_per_event_and_the_cli_says_what_it_creates(server, admin):
    other = await new_event(admin)
    creator = unique("creator-").lower()
    out = run_cli(server.env, "create-user", creator, "--password", PASSWORD).stdout
    assert "event creator" in out and "赛事创建人" in out
    out = run_cli(server.env, "create-user", unique("root-").lower(), "--password", PASSWORD, "--admin").stdout
    assert "platform administrator" in out and "平台管理员" in out
    c = await _login(server, creator)
    try:
        assert [e["id"] for e in (await c.get("/api/events")).json()] == []
        for url in (f"/api/events/{other['id']}", f"/api/events/{other['id']}/contestants", f"/api/events/{other['id']}/accounts"):
            assert (await c.get(url)).status_code == 403, url
        mine = await new_event(c)
        assert [e["id"] for e in (await c.get("/api/events")).json()] == [mine["id"]]
        assert (await c.get(f"/api/events/{mine['id']}/contestants")).status_code == 200
        roles = (await c.get("/api/me")).json()["user"]["roles"]
        assert {(g["role"], g["event_id"]) for g in roles} == {("event_creator", None), ("organiser", mine["id"])}
    finally:
        await c.aclose()


async def test_sessions_end_on_logout_password_change_and_deactivation(server, admin):
    ev = await new_event(admin)
    org = await account(admin, server, ev["id"], "organiser")
    user_id, name = await _own_account(org, ev["id"], "arbitrator")

    # Logout ends every session of the account, a copied cookie included.
    first, second = await _login(server, name), await _login(server, name)
    r = await first.post("/auth/login", json={"username": name, "password": PASSWORD})
    cookie = r.headers.get("set-cookie", "")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("samesite", "SameSite").replace("Lax", "lax")
    copied = Client(server.base_url)
    copied.http.cookies.update(first.http.cookies)
    assert (await copied.get("/api/me")).status_code == 200
    assert (await first.post("/auth/logout")).status_code == 200
    for c in (first, second, copied):
        assert (await c.get("/api/me")).status_code == 401

    # A password change ends the other sessions and keeps the one that made it.
    first, second = await _login(server, name), await _login(server, name)
    r = await first.post("/auth/password", json={"current_password": "wrong-password", "new_password": "new-password-456"})
    assert r.status_code == 422 and r.json()["field"] == "current_password"
    assert (await first.post("/auth/password", json={"current_password": PASSWORD, "new_password": "new-password-456"})).status_code == 200
    assert (await first.get("/api/me")).status_code == 200
    assert (await second.get("/api/me")).status_code == 401
    assert (await Client(server.base_url).post("/auth/login", json={"username": name, "password": PASSWORD})).status_code == 401

    # Deactivation by the event's organiser ends it at once; other events' and platform accounts are out of reach.
    assert (await org.post(f"/api/events/{ev['id']}/accounts/{user_id}/deactivate")).status_code == 200
    assert (await first.get("/api/me")).status_code == 401
    assert (await Client(server.base_url).post("/auth/login", json={"username": name, "password": "new-password-456"})).status_code == 401
    admin_id = (await admin.get("/api/me")).json()["user"]["id"]
    r = await org.post(f"/api/events/{ev['id']}/accounts/{admin_id}/deactivate")
    assert r.status_code == 403 and r.json()["code"] == "account_not_in_event"
    assert (await admin.get("/api/me")).status_code == 200
    # An organiser's password reset works on the event's own account and ends its sessions.
    assert (await org.post(f"/api/events/{ev['id']}/accounts/{user_id}/activate")).status_code == 200
    again = await _login(server, name, "new-password-456")
    assert (await org.post(f"/api/events/{ev['id']}/accounts/{user_id}/password", json={"password": "third-password-789"})).status_code == 200
    assert (await again.get("/api/me")).status_code == 401
    actions = await _audit(server, ev["id"])
    assert {"user.deactivate", "user.activate", "password.reset"} <= set(actions)
    for c in (org, first, second, copied, again):
        await c.aclose()


async def test_a_tablets_socket_closes_when_its_sessions_end(server, admin):
    import json

    import websockets

    ev = await new_event(admin)
    skill = await new_skill(admin, ev["id"])
    org = await account(admin, server, ev["id"], "organiser")
    user_id, name = await _own_account(org, ev["id"], "judge", skill_id=skill["id"])
    tablet, laptop = await _login(server, name), await _login(server, name)
    url = server.base_url.replace("http://", "ws://") + "/ws/judge"
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in tablet.http.cookies.items()), "Origin": server.base_url}
    async with websockets.connect(url, additional_headers=headers, close_timeout=1) as ws:
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "welcome"
        assert (await laptop.post("/auth/logout")).status_code == 200
        frames = []
        with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
            while True:
                frames.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
        assert closed.value.rcvd.code == 4401 and {"type": "session_ended"} in frames
    # And it cannot come back with the old cookie.
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        async with websockets.connect(url, additional_headers=headers, close_timeout=1) as ws:
            await asyncio.wait_for(ws.recv(), 10)
    assert refused.value.response.status_code == 403
    for c in (org, tablet, laptop):
        await c.aclose()


# ---- contestants, delegation leaders and marks once results are published ------------------------

WINDOWS = {"notice_hours": 0.008, "appeal_window_hours": 0.008}  # 29 s: long enough for a loaded machine; the last test waits it out


@pytest.fixture(scope="module")
async def published(server):
    rw = await results_world(server, windows=WINDOWS)
    await sign_off(rw.w)
    await decrypt(rw.w)
    r = await rw.organiser.post(f"{rw.group_url}/results/provisional")
    assert r.status_code == 200, r.text
    rw.state["release"] = r.json()["release"]
    people = (await rw.w.admin.get(f"/api/events/{rw.eid}/contestants", params={"skill_id": rw.sid})).json()["items"]
    rw.state["people"] = {p["name"]: p for p in people}
    yield rw
    await rw.close()


async def test_a_contestant_files_and_reads_only_about_themselves(published: ResultsWorld):
    rw = published
    people = rw.state["people"]
    url = f"{rw.group_url}/appeals"
    r = await rw.contestant.post(url, json={"text": "对他人成绩申诉", "contestant_id": people["选手0"]["id"]})
    assert r.status_code == 403
    r = await rw.contestant.post(url, json={"text": "对他人成绩申诉", "contestant": rw.w.refs[1]})
    assert r.status_code == 403
    r = await rw.contestant.post(url, json={"text": "我的成绩有误"})
    assert r.status_code == 201, r.text
    own = r.json()
    assert own["contestant_id"] == people["选手2"]["id"]
    # Someone else's appeal, recorded by the organiser, is not theirs to read.
    other = await rw.organiser.post(url, json={"text": "书面申诉", "filed_by_name": "佛山市领队", "contestant_id": people["选手1"]["id"]})
    assert other.status_code == 201
    listed = (await rw.contestant.get(f"/api/events/{rw.eid}/appeals")).json()
    assert [a["id"] for a in listed] == [own["id"]]
    assert (await rw.contestant.get(f"/api/events/{rw.eid}/appeals/{other.json()['id']}")).status_code == 404
    # A flood is bounded: a few appeals per contestant and skill.
    codes = [(await rw.contestant.post(url, json={"text": f"申诉 {i}"})).status_code for i in range(4)]
    assert codes == [201, 201, 429, 429]
    rw.state["own_appeal"] = own["id"]


async def test_a_delegation_leader_files_for_the_delegation_only(published: ResultsWorld, server):
    rw = published
    people = rw.state["people"]
    leader = await account(rw.w.admin, server, rw.eid, "delegation_leader", delegation=people["选手0"]["delegation"])
    try:
        url = f"{rw.group_url}/appeals"
        assert (await leader.post(url, json={"text": "代表队申诉", "contestant_id": people["选手1"]["id"]})).status_code == 403
        r = await leader.post(url, json={"text": "代表队申诉", "contestant_id": people["选手0"]["id"]})
        assert r.status_code == 201, r.text
        seen = {a["contestant_id"] for a in (await leader.get(f"/api/events/{rw.eid}/appeals")).json()}
        assert seen == {people["选手0"]["id"]}
    finally:
        await leader.aclose()


async def test_once_published_only_the_arbitration_group_changes_marks_by_appeal(published: ResultsWorld):
    rw = published
    w = rw.w
    marks_url = f"/api/events/{rw.eid}/skills/{rw.sid}/marks"
    seat = w.judge_ids[0]
    body = {"contestant": w.refs[2], "aspect": "B1.2", "value": "40", "seat": seat, "reason": "更正"}
    for who, client, authority in [
        ("organiser", rw.organiser, "organiser"),
        ("admin", w.admin, "organiser"),
        ("chief", w.chief, "chief_judge"),
        ("judge", w.judges[0], "judge"),
    ]:
        r = await client.post(marks_url, json={**body, "op_id": unique("p-"), "authority": authority})
        assert r.status_code == 409 and r.json()["code"] == "results_published", (who, r.text)
    # Arbitration outside an appeal's decision: refused, even for an administrator.
    r = await w.admin.post(marks_url, json={**body, "op_id": unique("p-"), "authority": "arbitration"})
    assert r.status_code == 403 and r.json()["code"] == "appeal_required"
    assert (await rw.arbitrator.post(marks_url, json={**body, "op_id": unique("p-"), "authority": "arbitration"})).status_code == 403

    # The decision on 选手2's own appeal may correct 选手2's marks, nobody else's.
    decision = f"/api/events/{rw.eid}/appeals/{rw.state['own_appeal']}/decision"
    r = await rw.arbitrator.post(
        decision, json={"outcome": "upheld", "reason": "复测", "marks": [{"contestant": w.refs[0], "aspect": "B1.2", "seat": seat, "value": 0}]}
    )
    assert r.status_code == 422 and r.json()["field"] == "marks[0].contestant"
    r = await rw.arbitrator.post(
        decision,
        json={"outcome": "upheld", "reason": "复测安全策略生效", "marks": [{"contestant": w.refs[2], "aspect": "B1.2", "seat": seat, "value": 40}]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["corrections"][0]["seq"] > 0
    history = (await rw.organiser.get(marks_url, params={"contestant": w.refs[2]})).json()["marks"]
    assert [m["authority"] for m in history if m["aspect"] == "B1.2"][-1] == "arbitration"

    # Final: nothing changes a mark any more.
    await wait_until(rw.state["release"]["appeal_ends_at"])
    await wait_until(rw.state["release"]["notice_ends_at"])
    for a in (await rw.arbitrator.get(f"/api/events/{rw.eid}/appeals", params={"status": "pending"})).json():
        r = await rw.arbitrator.post(f"/api/events/{rw.eid}/appeals/{a['id']}/decision", json={"outcome": "dismissed", "reason": "无依据"})
        assert r.status_code == 200, r.text
    r = await rw.organiser.post(f"{rw.group_url}/results/final")
    assert r.status_code == 200, r.text
    for client, authority in [(rw.organiser, "organiser"), (w.admin, "organiser"), (w.chief, "chief_judge")]:
        r = await client.post(marks_url, json={**body, "op_id": unique("f-"), "authority": authority})
        assert r.status_code == 409 and r.json()["code"] == "results_final", r.text


async def test_before_signoff_an_organiser_does_not_mark(server):
    rw = await results_world(server, windows=WINDOWS)
    try:
        w = rw.w
        r = await rw.organiser.post(
            f"/api/events/{rw.eid}/skills/{rw.sid}/marks",
            json={
                "op_id": unique("s-"),
                "contestant": w.refs[0],
                "aspect": "B1.2",
                "value": "0",
                "seat": w.judge_ids[0],
                "authority": "organiser",
                "reason": "x",
            },
        )
        assert r.status_code == 409 and r.json()["code"] == "not_signed_off"
        await sign_off(w)
        r = await rw.organiser.post(
            f"/api/events/{rw.eid}/skills/{rw.sid}/marks",
            json={
                "op_id": unique("s-"),
                "contestant": w.refs[0],
                "aspect": "B1.2",
                "value": "0",
                "seat": w.judge_ids[0],
                "authority": "organiser",
                "reason": "复核更正",
            },
        )
        assert r.status_code == 201, r.text
    finally:
        await rw.close()


def test_the_policy_names_every_capability_once_and_each_guard_uses_one(tmp_path, monkeypatch):
    from kernel import access
    from kernel.settings import Settings
    from server.app import create_app

    names = [row["capability"] for row in access.matrix()]
    assert len(names) == len(set(names))
    monkeypatch.setenv("COMPETITION_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'policy.sqlite3'}")
    app = create_app(Settings.from_env())
    used: set[str] = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for guard in handler.resolve_guards():
                caps = getattr(guard, "capability", None)
                if caps is not None:
                    used |= {caps} if isinstance(caps, str) else set(caps)
                else:
                    assert guard.__name__ == "requires_login", (route.path, guard.__name__)
    assert used <= set(names)
    # Every capability a guard uses is one the policy knows; most of the policy is behind a guard.
    assert len(used) >= len(names) - 12, sorted(set(names) - used)


#: Routes whose handler narrows what the guard lets through (documented in the matrix file).
NARROWED = {
    # Before decryption the mapping is the encryption officer's alone; the guard admits the status readers.
    "GET /api/events/{event_id:int}/skills/{skill_id:int}/encryption/mapping"
}


def test_the_access_table_agrees_with_the_policy(tmp_path, monkeypatch):
    """The route × role table in test_sec_access_matrix.py is written by hand; the policy is code.
    For every guarded route the roles the table admits are the roles of the route's capability."""
    from litestar.routes import HTTPRoute
    from sec_world import ROLES
    from test_sec_access_matrix import ACCESS

    from kernel import access
    from kernel.settings import Settings
    from server.app import create_app

    monkeypatch.setenv("COMPETITION_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'policy.sqlite3'}")
    app = create_app(Settings.from_env())
    checked = 0
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            caps = [getattr(g, "capability", None) for g in handler.resolve_guards()]
            caps = [c for c in caps if c is not None]
            if not caps:
                continue
            # Every guard must pass (a controller's and the route's); one guard may admit any of several.
            policy = set(ROLES)
            for c in caps:
                names = {c} if isinstance(c, str) else set(c)
                policy &= set().union(*(access.capability(n).roles for n in names))
            for method in handler.http_methods - {"OPTIONS"}:
                key = f"{method} {route.path}"
                declared = set(ACCESS[key]) & set(ROLES)
                if key in NARROWED:
                    assert declared <= policy, key
                else:
                    assert declared == policy, (key, sorted(names), sorted(declared ^ policy))
                checked += 1
    assert checked > 80


# Who may change a mark in each stage, written from the rules (DOMAIN.md, the authority issue), not from the code.
STAGE_TABLE = {
    # capability: stages where it can be used
    "enter_mark": {"scoring"},
    "correct_mark": {"scoring"},
    "correct_mark_after_signoff": {"signed_off"},
    "correct_mark_by_appeal": {"provisional"},
}


@pytest.mark.parametrize("stage", ["scoring", "signed_off", "provisional", "final"])
def test_marks_change_only_by_the_stages_authority(stage):
    from kernel import access
    from kernel.roles import Grant, Principal

    admin = Principal(1, "root", "root", True, ())
    arbitrator = Principal(2, "arb", "arb", False, (Grant("arbitrator", 7, None),), 7)
    for name, stages in STAGE_TABLE.items():
        assert access.stage_allows(name, stage) == (stage in stages), (name, stage)
        # An administrator is bound by the stages too.
        assert access.allows(admin, name, 7, 3, stage) == (stage in stages)
    assert access.allows(arbitrator, "correct_mark_by_appeal", 7, None, stage) == (stage == "provisional")
    assert not access.allows(arbitrator, "correct_mark_by_appeal", 8, None, "provisional")  # another event
    # Nothing at all changes a mark once final.
    if stage == "final":
        assert not any(access.stage_allows(n, stage) for n in STAGE_TABLE)


def test_the_security_page_lists_every_capability():
    from harness import ROOT

    from kernel import access

    page = (ROOT / "docs" / "SECURITY.md").read_text()
    missing = [row["capability"] for row in access.matrix() if f"`{row['capability']}`" not in page]
    assert not missing, f"docs/SECURITY.md does not list {missing}: regenerate its capability table from kernel.access.matrix()"
