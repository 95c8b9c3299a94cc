"""The audit log over real websockets, on both databases: marks, corrections, locks, sign-off and
logins land in the chain, and ``competition audit verify`` names the first entry behind which a
row was altered or removed in the database — an audit row, or a mark row itself."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from harness import run_cli, sql
from live_world import World, ack_for, build, connect, mark, recv_until

pytestmark = pytest.mark.slow(seconds=135)  # measured, under load: collected first, slowest first (tests/conftest.py)


@pytest.fixture
async def world(server):
    w = await build(server)
    yield w
    await w.close()


@contextlib.asynccontextmanager
async def deleted(url: str, table: str, seq: int):
    """The row of ``table`` with this sequence number deleted behind the server's back, then put back."""
    row = (await sql(url, f"SELECT * FROM {table} WHERE seq = ?", seq))[0]
    await sql(url, f"DELETE FROM {table} WHERE seq = ?", seq)
    try:
        yield
    finally:
        await sql(url, f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", *row.values())


async def verify(world: World):
    return await asyncio.to_thread(run_cli, world.server.env, "audit", "verify", check=False)


async def test_audit_chain_names_an_altered_or_removed_row(world: World):
    eid, sid = world.event["id"], world.skill["id"]
    url = world.server.env["DATABASE_URL"]
    ws = await connect(world, world.judges[0])
    await ws.recv()
    try:
        await ws.send(mark(world, world.refs[1], "B1.1", "0", op_id="au-1"))
        first = await recv_until(ws, ack_for("au-1"))
        await ws.send(mark(world, world.refs[1], "B1.1", "40", op_id="au-2", reason="复测通过"))
        fixed = await recv_until(ws, ack_for("au-2"))
        assert first["type"] == fixed["type"] == "ack" and fixed["kind"] == "correction"
    finally:
        await ws.close()
    assert (await world.chief.post(f"/api/events/{eid}/skills/{sid}/locks", json={"criterion": "B"})).status_code == 201
    assert (
        await world.chief.post(f"/api/events/{eid}/skills/{sid}/scores/submit", json={"override_reason": "测试：只评了部分评分项"})
    ).status_code == 200

    # Every action is in the chain, in order; the judge's one-time-code login too.
    actions = [r["action"] for r in await sql(url, "SELECT action FROM audit_log WHERE event_id = ? ORDER BY seq", eid)]
    tail = [a for a in actions if a in ("mark.mark", "mark.correction", "criterion.lock", "scores.submit")]
    assert tail == ["mark.mark", "mark.correction", "criterion.lock", "scores.submit"]
    judge_user = world.judge_ids[0]
    logins = await sql(url, "SELECT action FROM audit_log WHERE target = ?", f"user:{judge_user}")
    assert "login.code" in [r["action"] for r in logins], logins
    entry = (await sql(url, "SELECT * FROM audit_log WHERE seq = ?", fixed["seq"]))[0]
    assert entry["action"] == "mark.correction" and '"40"' in str(entry["details"]).replace(" ", "")

    ok = await verify(world)
    assert ok.returncode == 0 and "intact" in ok.stdout, ok.stdout + ok.stderr
    seq = fixed["seq"]

    # An audit row altered: its entry is named, then put back.
    await sql(url, "UPDATE audit_log SET target = ? WHERE seq = ?", "contestant:0", seq)
    try:
        bad = await verify(world)
        assert bad.returncode == 1 and f"entry {seq}:" in bad.stdout and "hash" in bad.stdout, bad.stdout
    finally:
        await sql(url, "UPDATE audit_log SET target = ? WHERE seq = ?", entry["target"], seq)

    # A mark row altered (its audit entry untouched): the chain alone would not notice.
    await sql(url, "UPDATE mark SET value = ? WHERE seq = ?", "0", seq)
    try:
        bad = await verify(world)
        assert bad.returncode == 1 and f"entry {seq}:" in bad.stdout and "altered (value)" in bad.stdout, bad.stdout
    finally:
        await sql(url, "UPDATE mark SET value = ? WHERE seq = ?", "40", seq)

    # A mark row deleted, then an audit row deleted (the gap is named).
    for table, says in (("mark", "deleted"), ("audit_log", "missing")):
        async with deleted(url, table, seq):
            bad = await verify(world)
            assert bad.returncode == 1 and f"entry {seq}:" in bad.stdout and says in bad.stdout, (table, bad.stdout)

    again = await verify(world)
    assert again.returncode == 0 and "intact" in again.stdout, again.stdout
