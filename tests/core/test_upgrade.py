"""Upgrading a database made by an earlier release: its code (taken from git) makes and fills the
database, today's ``competition migrate`` carries it forward, and today's server serves it.

``BASE`` is the last commit before accounts belonged to events: its ``create-user`` made organisers
of every event. After the upgrade such an account is an event creator and the organiser of the
events it created, of no other; an account whose roles all lie in one event belongs to that event.
"""

from __future__ import annotations

import asyncio
import subprocess
import tarfile
from pathlib import Path

import pytest
from harness import ADMIN_PASSWORD, ROOT, Client, base_env, create_pg_database, drop_pg_database, need_postgres, run_cli, start_server

BASE = "b4ab2c4"


@pytest.fixture(scope="module")
def old_tree(tmp_path_factory) -> Path:
    """The source tree of ``BASE`` (a shallow clone without that commit skips, outside CI)."""
    out = tmp_path_factory.mktemp("old-tree")
    proc = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", BASE], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"commit {BASE} is not in this checkout: {proc.stderr.decode()[:200]}")
    tar = out / "old.tar"
    tar.write_bytes(proc.stdout)
    with tarfile.open(tar) as t:
        t.extractall(out / "src", filter="data")
    return out / "src"


async def _old_world(server) -> dict:
    """What the old release's users made: an event by a global organiser, a judge account in it."""
    org = Client(server.base_url)
    await org.login("old-organiser", "old-password-123")
    r = await org.post("/api/events", json={"name": "旧赛事", "code": "OLD1", "tier": "provincial", "tier_class": "class2"})
    assert r.status_code == 201, r.text
    event = r.json()
    r = await org.post(f"/api/events/{event['id']}/accounts", json={"display_name": "旧仲裁", "role": "arbitrator", "username": "old-arbitrator", "password": "old-password-123"})
    assert r.status_code == 201, r.text
    await org.aclose()
    return event


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_upgrade_from_the_release_before_event_accounts(kind, old_tree, tmp_path):
    if kind == "postgres":
        need_postgres()
        url = asyncio.run(create_pg_database())
    else:
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    try:
        old_env = base_env(tmp_path, url, PYTHONPATH=str(old_tree))
        run_cli(old_env, "migrate")
        run_cli(old_env, "create-user", "admin", "--password", ADMIN_PASSWORD, "--admin")
        run_cli(old_env, "create-user", "old-organiser", "--password", "old-password-123")
        old = start_server(old_env, f"old-{kind}", db_kind=kind)
        try:
            event = asyncio.run(_old_world(old))
        finally:
            old.stop()

        new_env = base_env(tmp_path, url)
        assert "migration" in run_cli(new_env, "migrate").stdout
        new = start_server(new_env, f"upgraded-{kind}", db_kind=kind)
        try:
            asyncio.run(_check_upgraded(new, event))
        finally:
            new.stop()
        run_cli(new_env, "audit", "verify")  # the chain the old release wrote still verifies
    finally:
        if kind == "postgres":
            asyncio.run(drop_pg_database(url))


async def _check_upgraded(server, event: dict) -> None:
    org = Client(server.base_url)
    arb = Client(server.base_url)
    admin = Client(server.base_url)
    try:
        me = await org.login("old-organiser", "old-password-123")
        assert {(g["role"], g["event_id"]) for g in me["roles"]} == {("event_creator", None), ("organiser", event["id"])}
        assert me["home_event_id"] is None
        await admin.login("admin", ADMIN_PASSWORD)
        r = await admin.post("/api/events", json={"name": "新赛事", "code": "NEW1", "tier": "national"})
        assert r.status_code == 201
        # Organiser of its own event only, no longer of every event.
        assert (await org.get(f"/api/events/{r.json()['id']}")).status_code == 403
        assert [e["id"] for e in (await org.get("/api/events")).json()] == [event["id"]]
        assert (await org.get(f"/api/events/{event['id']}/contestants")).status_code == 200
        # The account made in the event belongs to it: its organiser still manages it.
        me = await arb.login("old-arbitrator", "old-password-123")
        assert me["home_event_id"] == event["id"]
        r = await org.post(f"/api/events/{event['id']}/accounts/{me['id']}/login-code", json={})
        assert r.status_code == 201, r.text
    finally:
        for c in (org, arb, admin):
            await c.aclose()
