"""The day's faults: the server killed with SIGKILL mid-stream loses no acknowledged mark; two
workers behind Redis deliver a mark entered on one to boards on the other, and each worker's writer
sees the marks entered through the other."""

import asyncio
import json
import os
import signal

import pytest
import websockets
from harness import (
    ADMIN_PASSWORD,
    REDIS_URL,
    base_env,
    create_pg_database,
    drop_pg_database,
    need_postgres,
    need_redis,
    run_cli,
    start_server,
    unique,
)
from live_world import build, connect, mark, recv_until

pytestmark = pytest.mark.slow(seconds=330)  # measured, under load: collected first, slowest first (tests/conftest.py)


async def test_sigkill_mid_stream_loses_no_acknowledged_mark(tmp_path, request):
    env = base_env(tmp_path, f"sqlite:///{tmp_path / 'kill.sqlite3'}")
    run_cli(env, "migrate")
    run_cli(env, "create-user", "admin", "--password", ADMIN_PASSWORD, "--admin")
    srv = start_server(env, "kill9")
    world = await build(srv, contestants=4)
    eid, sid = world.event["id"], world.skill["id"]
    ws = await connect(world, world.judges[0])
    await ws.recv()
    acked: dict[str, int] = {}
    sent: list[str] = []

    async def reader():
        try:
            async for raw in ws:
                f = json.loads(raw)
                if f.get("type") == "ack":
                    acked[f["op_id"]] = f["seq"]
        except websockets.exceptions.ConnectionClosed:
            pass

    task = asyncio.create_task(reader())
    try:
        # A steady stream: marks and then corrections with reasons, so many ops hit the same aspects.
        for i in range(400):
            ref = world.refs[1 + i % 3]
            aspect = ["B1.1", "B1.2"][i // 3 % 2]
            op = f"k{i}"
            value = "40" if i % 2 else "0"
            await ws.send(mark(world, ref, aspect, value, op_id=op, reason="" if i < 6 else f"更正{i}"))
            sent.append(op)
            if len(acked) >= 60 and srv.proc.poll() is None:
                os.kill(srv.proc.pid, signal.SIGKILL)
                srv.proc.wait(10)
                break
            await asyncio.sleep(0.002)
        await asyncio.wait_for(task, 10)
    finally:
        await ws.close()
    assert acked, "no mark was acknowledged before the kill"
    # Same database, same secret: the server comes back and every acknowledged mark is there.
    srv2 = start_server(env, "kill9-restart")
    try:
        chief = world.chief
        chief.http._base_url = chief.http._merge_url(srv2.base_url)  # same cookies, new server address
        chief.http.base_url = srv2.base_url
        marks = (await chief.get(f"/api/events/{eid}/skills/{sid}/marks")).json()["marks"]
        stored = {m["seq"] for m in marks}
        missing = {op: seq for op, seq in acked.items() if seq not in stored}
        assert not missing, f"acknowledged but lost: {missing}"
        assert len(stored) == len(marks)  # no duplicate sequence numbers
        verify = run_cli(env, "audit", "verify", check=False)
        assert verify.returncode == 0, verify.stdout
    finally:
        srv2.stop()
        await world.close()


@pytest.fixture
async def two_workers(tmp_path, request):
    """``competition serve --workers 2`` on PostgreSQL and Redis."""
    need_redis()
    need_postgres()
    url = await create_pg_database()
    env = base_env(tmp_path, url, redis_url=REDIS_URL)
    run_cli(env, "migrate")
    run_cli(env, "create-user", "admin", "--password", ADMIN_PASSWORD, "--admin")
    srv = start_server(env, request.node.name[5:30], workers=2)
    try:
        yield srv
    finally:
        srv.stop()
        await drop_pg_database(url)


async def test_two_workers_on_redis_share_live_updates(two_workers):
    srv = two_workers
    world = await build(srv)
    sid = world.skill["id"]
    # Open boards until both workers serve at least one.
    boards: dict[int, object] = {}
    spare = []
    for _ in range(40):
        b = await websockets.connect(world.ws_url(f"/ws/board/{sid}"), close_timeout=1)
        first = json.loads(await b.recv())
        if first["worker"] in boards:
            spare.append(b)
        else:
            boards[first["worker"]] = b
        if len(boards) == 2:
            break
    assert len(boards) == 2, "connections never reached a second worker"
    judge = await connect(world, world.judges[0])
    welcome = json.loads(await judge.recv())
    op = unique("w-")
    await judge.send(mark(world, world.refs[1], "B1.1", "40", op_id=op))
    ack = None
    while ack is None:
        f = json.loads(await asyncio.wait_for(judge.recv(), 10))
        if f.get("op_id") == op:
            ack = f
    assert ack["type"] == "ack"
    for worker, b in boards.items():
        while True:
            f = json.loads(await asyncio.wait_for(b.recv(), 10))
            if f["type"] == "snapshot" and f["seq"] >= ack["seq"]:
                rows = {r["ref"]: r for r in f["groups"][0]["rows"]}
                assert rows[world.refs[1]]["score"] not in (None, "0"), f
                break
    other = [w for w in boards if w != welcome["worker"]]
    assert other, "the judge's worker and a board's worker differ"
    for b in [*boards.values(), *spare]:
        await b.close()
    await judge.close()
    await world.close()


async def _judge_on(world, client, worker: int | None, avoid: int | None = None):
    """A judge's socket served by ``worker`` (or by any worker but ``avoid``): new connections
    until one lands there, as a tablet that reconnects lands on whichever worker takes it."""
    for _ in range(60):
        ws = await connect(world, client)
        welcome = json.loads(await ws.recv())
        if (worker is None or welcome["worker"] == worker) and welcome["worker"] != avoid:
            return ws, welcome["worker"]
        await ws.close()
    raise AssertionError("no connection reached the wanted worker")


async def test_marks_through_either_worker_see_each_other(two_workers):
    """Each worker's writer keeps the panels it has written to; a mark entered through the other
    worker in between must count, or a stale panel would be validated and ranked."""
    srv = two_workers
    sockets = []
    try:
        world = await build(srv)
        ref = world.refs[1]

        async def send(ws, value, op=None, **extra):
            op = op or unique("ew-")
            await ws.send(mark(world, ref, "A1.1", value, op_id=op, **extra))
            return await recv_until(ws, lambda f: f.get("op_id") == op and f["type"] in ("ack", "error"))

        first, b = await _judge_on(world, world.judges[0], None)
        sockets.append(first)
        assert (await send(first, "0"))["kind"] == "mark"  # worker b now holds this panel
        other, a = await _judge_on(world, world.judges[0], None, avoid=b)
        sockets.append(other)
        fixed = await send(other, "2", op="ew-fix", reason="看错了")  # through worker a
        assert fixed["type"] == "ack" and fixed["kind"] == "correction", fixed
        # Back on worker b: the correction made through a counts.
        second, _ = await _judge_on(world, world.judges[1], b)
        third, _ = await _judge_on(world, world.judges[2], b)
        sockets += [second, third]
        assert (await send(second, "2"))["aspect_status"] == "incomplete"
        last = await send(third, "3")
        assert last["type"] == "ack" and last["aspect_status"] == "complete", last  # (2, 2, 3), not (0, 2, 3)
        again = await send(first, "2", op="ew-fix", reason="看错了")  # the same op id through b: stored once
        assert again["duplicate"] is True and again["seq"] == fixed["seq"]
        assert (await send(first, "1"))["code"] == "reason_required"
        marks = (await world.chief.get(f"/api/events/{world.event['id']}/skills/{world.skill['id']}/marks", params={"contestant": ref})).json()[
            "marks"
        ]
        assert [(m["value"], m["kind"]) for m in marks if m["aspect"] == "A1.1"] == [("0", "mark"), ("2", "correction"), ("2", "mark"), ("3", "mark")]
        await world.close()
    finally:
        for ws in sockets:
            await ws.close()
