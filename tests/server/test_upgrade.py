"""Upgrading a database made by an earlier release: its code (taken from git) makes and fills the
database, today's ``python -m server migrate`` carries it forward, and today's server serves it.

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
from harness import (
    ADMIN_PASSWORD,
    CLI_MODULE_VAR,
    ROOT,
    Client,
    base_env,
    create_pg_database,
    drop_pg_database,
    need_postgres,
    run_cli,
    sql,
    start_server,
)

pytestmark = pytest.mark.slow(seconds=960)  # measured, under load: collected first, slowest first (tests/conftest.py)

BASE = "b4ab2c4"
#: The last commit before the floors (kernel/, server/): judges' and day-of tables were declared in
#: ``competition/registration/tables.py`` and the CLI was ``python -m competition``.
BEFORE_FLOORS = "fa13478"


def _tree(tmp_path_factory, commit: str) -> Path:
    """The source tree of ``commit`` (a shallow clone without that commit skips, outside CI)."""
    out = tmp_path_factory.mktemp(f"tree-{commit}")
    proc = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"commit {commit} is not in this checkout: {proc.stderr.decode()[:200]}")
    tar = out / "old.tar"
    tar.write_bytes(proc.stdout)
    with tarfile.open(tar) as t:
        t.extractall(out / "src", filter="data")
    return out / "src"


@pytest.fixture(scope="module")
def old_tree(tmp_path_factory) -> Path:
    return _tree(tmp_path_factory, BASE)


@pytest.fixture(scope="module")
def before_floors_tree(tmp_path_factory) -> Path:
    return _tree(tmp_path_factory, BEFORE_FLOORS)


def _database(kind: str, tmp_path: Path) -> str:
    if kind == "postgres":
        need_postgres()
        return asyncio.run(create_pg_database())
    return f"sqlite:///{tmp_path / 'old.sqlite3'}"


async def _old_world(server) -> dict:
    """What the old release's users made: an event by a global organiser, a judge account in it."""
    org = Client(server.base_url)
    await org.login("old-organiser", "old-password-123")
    r = await org.post("/api/events", json={"name": "旧赛事", "code": "OLD1", "tier": "provincial", "tier_class": "class2"})
    assert r.status_code == 201, r.text
    event = r.json()
    r = await org.post(
        f"/api/events/{event['id']}/accounts",
        json={"display_name": "旧仲裁", "role": "arbitrator", "username": "old-arbitrator", "password": "old-password-123"},
    )
    assert r.status_code == 201, r.text
    await org.aclose()
    return event


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_upgrade_from_the_release_before_event_accounts(kind, old_tree, tmp_path):
    url = _database(kind, tmp_path)
    try:
        old_env = base_env(tmp_path, url, PYTHONPATH=str(old_tree), **{CLI_MODULE_VAR: "competition"})
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


async def _row_counts(url: str) -> dict[str, int]:
    """Every table's number of rows (Piccolo's own migration table aside)."""
    if url.startswith("postgres"):
        names = [r["n"] for r in await sql(url, "SELECT table_name AS n FROM information_schema.tables WHERE table_schema = 'public'")]
    else:
        names = [r["n"] for r in await sql(url, "SELECT name AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {n: (await sql(url, f'SELECT COUNT(*) AS c FROM "{n}"'))[0]["c"] for n in names if n != "migration"}


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_upgrade_from_the_release_before_the_floors(kind, before_floors_tree, tmp_path):
    """The floors moved the judges' and day-of tables to modules of their own and the CLI to
    ``server``: a whole demo event made by the release before (registrations, judges, check-in, the
    draw, marks, published results, certificates) migrates forward with every row kept, and today's
    server serves it."""
    url = _database(kind, tmp_path)
    try:
        old_env = base_env(tmp_path, url, PYTHONPATH=str(before_floors_tree), **{CLI_MODULE_VAR: "competition"})
        run_cli(old_env, "migrate", timeout=300)
        run_cli(old_env, "demo", timeout=300)
        before = asyncio.run(_row_counts(url))
        for table in ("contestant", "judge", "judge_assignment", "check_in", "draw", "encrypted_number", "mark", "result_release", "certificate"):
            assert before.get(table), f"the old demo left {table} empty: {before}"
        numbers = [r["number"] for r in asyncio.run(sql(url, "SELECT number FROM certificate ORDER BY number"))]

        new_env = base_env(tmp_path, url)
        run_cli(new_env, "migrate")
        after = asyncio.run(_row_counts(url))
        assert {t: after.get(t) for t in before} == before  # nothing lost, no table left behind
        run_cli(new_env, "demo")  # idempotent on the upgraded database: finds its event already there
        run_cli(new_env, "audit", "verify")  # the chain the old release wrote still verifies
        new = start_server(new_env, f"floors-{kind}", db_kind=kind)
        try:
            asyncio.run(_check_demo_served(new, numbers))
        finally:
            new.stop()
    finally:
        if kind == "postgres":
            asyncio.run(drop_pg_database(url))


async def _check_demo_served(server, numbers: list[str]) -> None:
    from competition.demo_data import DEMO_EVENT_CODE, DEMO_PASSWORD, DEMO_USERS

    org = Client(server.base_url)
    public = Client(server.base_url)
    try:
        await org.login(DEMO_USERS["organiser"][0], DEMO_PASSWORD)
        event = next(e for e in (await org.get("/api/events")).json() if e["code"] == DEMO_EVENT_CODE)
        r = await org.get(f"/api/events/{event['id']}/judges")
        assert r.status_code == 200 and r.json(), r.text
        r = await org.get(f"/api/events/{event['id']}/contestants")
        assert r.status_code == 200 and r.json(), r.text
        for number in (numbers[0], numbers[-1]):
            r = await public.get(f"/api/verify/{number}")
            assert r.status_code == 200, r.text
    finally:
        await org.aclose()
        await public.aclose()
