"""People and roles, over HTTP on both databases: a freshly created event's organiser (an event
creator, as in production) appoints and removes the event's people, resets passwords and issues
login codes, each shown once; who may appoint whom is the access policy's ``APPOINTING``, and the
refusals (a chief judge appointing an organiser, an account of another event, the last organiser)
say why in words. The creator also opens the event's encryption page (the mapping stays the
encryption officer's) and the people page."""

from __future__ import annotations

from typing import Any

import pytest
from harness import Client, account, new_contestant, new_event, new_skill, run_cli, unique

from kernel import access
from kernel.roles import ROLES, Grant, Principal

PASSWORD = "password-123"


async def _login(server, username: str, password: str = PASSWORD) -> Client:
    c = Client(server.base_url)
    await c.login(username, password)
    return c


@pytest.fixture(scope="module")
async def world(server) -> Any:
    """An event created by an event creator (its organiser), with a skill and a contestant."""
    creator = unique("creator-").lower()
    run_cli(server.env, "create-user", creator, "--password", PASSWORD)
    org = await _login(server, creator)
    event = await new_event(org)
    skill = await new_skill(org, event["id"])
    contestant = await new_contestant(org, event["id"])
    yield {"org": org, "event": event, "skill": skill, "contestant": contestant, "creator": creator}
    await org.aclose()


async def _appoint(org: Client, event_id: int, role: str, **extra: Any) -> dict[str, Any]:
    r = await org.post(f"/api/events/{event_id}/accounts", json={"display_name": f"{role} 某", "role": role, "generate_password": True, **extra})
    assert r.status_code == 201, r.text
    return r.json()


async def test_the_creator_appoints_every_role_with_a_password_shown_once(server, world):
    org, e = world["org"], world["event"]["id"]
    made = {role: await _appoint(org, e, role) for role in ("organiser", "encryption_officer", "arbitrator", "approver", "supervisor")}
    made["delegation_leader"] = await _appoint(org, e, "delegation_leader", delegation="广州市")
    made["contestant"] = await _appoint(org, e, "contestant", contestant_id=world["contestant"]["id"])
    for role, acc in made.items():
        assert len(acc["password"]) >= 12, role
        c = await _login(server, acc["username"], acc["password"])
        roles = (await c.get("/api/me")).json()["user"]["roles"]
        assert [g["role"] for g in roles] == [role]
        await c.aclose()
    listed = {u["username"]: u for u in (await org.get(f"/api/events/{e}/accounts")).json()}
    assert all("password" not in u for u in listed.values())
    assert listed[made["delegation_leader"]["username"]]["roles"][0]["delegation"] == "广州市"
    # A co-organiser runs the event as the creator does: it appoints too.
    co = await _login(server, made["organiser"]["username"], made["organiser"]["password"])
    assert (await co.post(f"/api/events/{e}/accounts", json={"display_name": "第二位监督员", "role": "supervisor"})).status_code == 201
    await co.aclose()
    # Both a generated and a typed password, not both.
    r = await org.post(f"/api/events/{e}/accounts", json={"display_name": "x", "role": "supervisor", "generate_password": True, "password": PASSWORD})
    assert r.status_code == 422 and r.json()["field"] == "password"


async def test_removing_a_role_takes_its_authority_and_the_last_organiser_stays(server, world):
    org, e = world["org"], world["event"]["id"]
    arb = await _appoint(org, e, "arbitrator")
    c = await _login(server, arb["username"], arb["password"])
    assert (await c.get(f"/api/events/{e}/appeals")).status_code == 200
    r = await org.delete(f"/api/events/{e}/roles", params={"user_id": arb["id"], "role": "arbitrator"})
    assert r.status_code == 200, r.text
    assert (await c.get("/api/me")).json()["user"]["roles"] == []
    assert (await c.get(f"/api/events/{e}/appeals")).status_code == 403
    await c.aclose()
    # Removing it again: nothing to remove.
    r = await org.delete(f"/api/events/{e}/roles", params={"user_id": arb["id"], "role": "arbitrator"})
    assert r.status_code == 404
    # The account is still the event's (listed without a role) and may be appointed again.
    listed = {u["id"]: u for u in (await org.get(f"/api/events/{e}/accounts")).json()}
    assert listed[arb["id"]]["roles"] == [] and listed[arb["id"]]["own"]
    assert (await org.post(f"/api/events/{e}/roles", json={"user_id": arb["id"], "role": "arbitrator"})).status_code == 201

    # A leader of two delegations loses only the one removed.
    leader = await _appoint(org, e, "delegation_leader", delegation="广州市")
    assert (
        await org.post(f"/api/events/{e}/roles", json={"user_id": leader["id"], "role": "delegation_leader", "delegation": "佛山市"})
    ).status_code == 201
    r = await org.delete(f"/api/events/{e}/roles", params={"user_id": leader["id"], "role": "delegation_leader", "delegation": "广州市"})
    assert r.status_code == 200
    listed = {u["id"]: u for u in (await org.get(f"/api/events/{e}/accounts")).json()}
    assert [g["delegation"] for g in listed[leader["id"]]["roles"]] == ["佛山市"]

    # A fresh event's only organiser is its creator: it cannot remove itself.
    solo = await new_event(org)
    me = (await org.get("/api/me")).json()["user"]["id"]
    r = await org.delete(f"/api/events/{solo['id']}/roles", params={"user_id": me, "role": "organiser"})
    assert r.status_code == 409 and r.json()["code"] == "last_organiser" and "组织方" in r.json()["message"]
    # With a co-organiser it may step down; the co-organiser then is the last one.
    co = await _appoint(org, solo["id"], "organiser")
    assert (await org.delete(f"/api/events/{solo['id']}/roles", params={"user_id": me, "role": "organiser"})).status_code == 200
    co_client = await _login(server, co["username"], co["password"])
    r = await co_client.delete(f"/api/events/{solo['id']}/roles", params={"user_id": co["id"], "role": "organiser"})
    assert r.status_code == 409
    await co_client.aclose()


async def test_reset_password_and_login_code_are_shown_once_and_end_old_sessions(server, world):
    org, e = world["org"], world["event"]["id"]
    officer = await _appoint(org, e, "encryption_officer")
    old = await _login(server, officer["username"], officer["password"])
    r = await org.post(f"/api/events/{e}/accounts/{officer['id']}/password", json={})
    assert r.status_code == 200, r.text
    new_password = r.json()["password"]
    assert new_password != officer["password"]
    assert (await old.get("/api/me")).status_code == 401  # its sessions ended
    await old.aclose()
    bad = await Client(server.base_url).post("/auth/login", json={"username": officer["username"], "password": officer["password"]})
    assert bad.status_code == 401
    (await _login(server, officer["username"], new_password))
    # A typed password is set and not echoed.
    r = await org.post(f"/api/events/{e}/accounts/{officer['id']}/password", json={"password": "another-pass-1"})
    assert r.status_code == 200 and "password" not in r.json()
    r = await org.post(f"/api/events/{e}/accounts/{officer['id']}/password", json={"password": "short"})
    assert r.status_code == 422 and "8" in r.json()["message"]

    r = await org.post(f"/api/events/{e}/accounts/{officer['id']}/login-code", json={"hours": 12})
    assert r.status_code == 201
    code = r.json()["code"]
    tablet = Client(server.base_url)
    assert (await tablet.post("/auth/code", json={"code": code})).status_code == 200
    assert [g["role"] for g in (await tablet.get("/api/me")).json()["user"]["roles"]] == ["encryption_officer"]
    await tablet.aclose()


async def test_refusals_say_who_may_appoint_whom(server, world):
    org, e, skill = world["org"], world["event"]["id"], world["skill"]["id"]
    chief = await account(org, server, e, "chief_judge", skill)
    officer = await account(org, server, e, "encryption_officer")
    target = await _appoint(org, e, "supervisor")
    try:
        # A chief judge cannot appoint an organiser (nor anyone), remove a role, reset or issue codes.
        r = await chief.post(f"/api/events/{e}/accounts", json={"display_name": "冒名组织方", "role": "organiser", "generate_password": True})
        assert r.status_code == 403 and r.json()["code"] == "forbidden", r.text
        assert (await chief.post(f"/api/events/{e}/roles", json={"user_id": target["id"], "role": "organiser"})).status_code == 403
        assert (await chief.delete(f"/api/events/{e}/roles", params={"user_id": target["id"], "role": "supervisor"})).status_code == 403
        assert (await chief.post(f"/api/events/{e}/accounts/{target['id']}/password", json={})).status_code == 403
        assert (await chief.post(f"/api/events/{e}/accounts/{target['id']}/login-code", json={})).status_code == 403
        assert (await officer.post(f"/api/events/{e}/accounts", json={"display_name": "x", "role": "arbitrator"})).status_code == 403
        # Pages too.
        for c in (chief, officer):
            assert (await c.get(f"/events/{e}/people", headers={"Accept": "text/html"})).status_code == 403
        # Bad input answers in words, naming the field the person filled in.
        r = await org.post(f"/api/events/{e}/accounts", json={"display_name": "x", "role": "king"})
        assert r.status_code == 422 and r.json()["field"] == "role"
        r = await org.post(f"/api/events/{e}/accounts", json={"display_name": "x", "role": "delegation_leader"})
        assert r.status_code == 422 and r.json()["field"] == "delegation" and "代表队" in r.json()["message"]
        someone = (await new_contestant(org, e))["id"]
        await _appoint(org, e, "contestant", contestant_id=someone)
        r = await org.post(f"/api/events/{e}/accounts", json={"display_name": "x", "role": "contestant", "contestant_id": someone})
        assert r.status_code == 409 and r.json()["code"] == "contestant_has_account" and "选手账号" in r.json()["message"]
    finally:
        await chief.aclose()
        await officer.aclose()


async def test_no_reset_for_accounts_not_the_events_own(server, world):
    org, e = world["org"], world["event"]["id"]
    # The creator's own (platform) account, and an account of another event.
    me = (await org.get("/api/me")).json()["user"]["id"]
    r = await org.post(f"/api/events/{e}/accounts/{me}/password", json={})
    assert r.status_code == 403 and r.json()["code"] == "account_not_in_event"
    other = await new_event(org)
    stranger = await _appoint(org, other["id"], "supervisor")
    r = await org.post(f"/api/events/{e}/accounts/{stranger['id']}/password", json={})
    assert r.status_code == 403 and r.json()["code"] == "account_not_in_event"
    # Leaders and contestants are not invited (an invitation carries no delegation or contestant).
    r = await org.post(f"/api/events/{other['id']}/invitations", json={"username": stranger["username"], "role": "delegation_leader"})
    assert r.status_code == 422 and r.json()["field"] == "role" and "领队" in r.json()["message"]
    # An account of this event invited to another one (and accepting) is no longer this event's alone.
    mine = await _appoint(org, e, "supervisor")
    invite = await org.post(f"/api/events/{other['id']}/invitations", json={"username": mine["username"], "role": "arbitrator"})
    assert invite.status_code == 201, invite.text
    c = await _login(server, mine["username"], mine["password"])
    assert (await c.post(f"/api/me/invitations/{invite.json()['id']}/accept")).status_code == 200
    await c.aclose()
    r = await org.post(f"/api/events/{e}/accounts/{mine['id']}/password", json={})
    assert r.status_code == 403 and r.json()["code"] == "account_elsewhere" and "其他赛事" in r.json()["message"]
    r = await org.post(f"/api/events/{e}/accounts/{mine['id']}/login-code", json={})
    assert r.status_code == 403 and r.json()["code"] == "no_code_for_account"


async def test_a_new_events_creator_opens_its_encryption_and_people_pages(server, world):
    org, e = world["org"], world["event"]["id"]
    html = {"Accept": "text/html"}
    page = await org.get(f"/events/{e}", headers=html)
    assert page.status_code == 200 and f"/events/{e}/encryption" in page.text and f"/events/{e}/people" in page.text
    page = await org.get(f"/events/{e}/encryption", headers=html)
    assert page.status_code == 200, page.text[:300]
    assert 'id="officer-only"' in page.text and "round1-form" not in page.text and "decrypt-form" not in page.text
    # An account of another event invited as approver is listed as waiting until its owner answers.
    other = await new_event(org)
    guest = await _appoint(org, other["id"], "supervisor")
    assert (await org.post(f"/api/events/{e}/invitations", json={"username": guest["username"], "role": "approver"})).status_code == 201
    page = await org.get(f"/events/{e}/people", headers=html)
    assert page.status_code == 200 and f'data-invitation="{guest["username"]}"' in page.text and 'data-invite="approver"' in page.text
    # The encryption officer still has the page's forms, and the mapping.
    officer = await account(org, server, e, "encryption_officer")
    page = await officer.get(f"/events/{e}/encryption", headers=html)
    assert page.status_code == 200 and "round1-form" in page.text and 'id="officer-only"' not in page.text
    await officer.aclose()
    # The mapping itself stays refused to the organiser before decryption (the API's rule).
    r = await org.get(f"/api/events/{e}/skills/{world['skill']['id']}/encryption/mapping")
    assert r.status_code == 403
    en = await org.get(f"/events/{e}/people?lang=en", headers=html)
    assert "People and roles" in en.text and "Appoint a new arbitrator" in en.text
    assert "people." not in en.text.replace("/static/people.js", ""), "a message key without its text"
    zh = await org.get(f"/events/{e}/encryption", headers=html)
    text = zh.text.replace("/static/dayof.", "")
    assert "dayof." not in text and "people." not in text


def test_the_policy_decides_who_appoints_whom():
    """Pure: every role of an event has an appointing capability, and a chief judge or an officer
    holds none of them."""
    assert set(access.APPOINTING) == set(ROLES)
    assert all(name in access.CAPABILITIES for name in access.APPOINTING.values())

    def principal(role: str, skill: int | None = None) -> Principal:
        return Principal(1, "u", "u", False, (Grant(role, 7, skill),), 7)

    organiser, chief, officer = principal("organiser"), principal("chief_judge", 3), principal("encryption_officer")
    assert all(access.may_appoint(organiser, role, 7, 3) for role in ROLES)
    assert not any(access.may_appoint(organiser, role, 8) for role in ROLES)  # another event
    assert not any(access.may_appoint(chief, role, 7, 3) for role in ROLES)
    assert not any(access.may_appoint(officer, role, 7) for role in ROLES)
    assert not access.may_appoint(organiser, "platform_admin", 7)
