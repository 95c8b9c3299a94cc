"""Redis dies and comes back during scoring (a private redis-server, never the shared one).

Proves: marks keep committing and being acknowledged while Redis is down (the database is the
record; live fan-out is best effort); /ready names Redis while /health stays up; logins keep
working (rate limits fall back to per-process memory); once Redis is back, boards on *both*
workers get a fresh snapshot without any new mark and without a server restart, and later marks
flow again; every acknowledged mark is stored exactly once; the server still stops promptly.
"""

import asyncio
import time

import httpx
import ops_services  # noqa: F401  (puts tests/ and tests/live on the path)
from harness import ADMIN_PASSWORD, base_env, create_pg_database, drop_pg_database, need_postgres, run_cli, start_server
from live_world import build
from ops_clients import Marks, Tablet, check_stored, spread_boards
from ops_services import PrivateRedis


async def _send_batch(marks: Marks, tablets: list[Tablet], per_tablet: int) -> None:
    for _ in range(per_tablet):
        for j, t in enumerate(tablets):
            op, frame = marks.next(t, j)
            await t.submit(op, frame)
            await asyncio.sleep(0.005)
    for t in tablets:
        await t.wait_all_acked(30)


def _max_ack(tablets: list[Tablet]) -> int:
    return max(f["seq"] for t in tablets for f in t.acks.values())


async def test_redis_restart_during_scoring_loses_nothing_and_live_updates_resume(tmp_path):
    need_postgres()
    redis = PrivateRedis().start()
    url = await create_pg_database()
    env = base_env(tmp_path, url, redis_url=redis.url)
    run_cli(env, "migrate")
    run_cli(env, "create-user", "admin", "--password", ADMIN_PASSWORD, "--admin")
    srv = start_server(env, "ops-redis", workers=2)
    tablets: list[Tablet] = []
    boards = spare = []
    try:
        world = await build(srv)
        sid = world.skill["id"]
        boards, spare = await spread_boards(world, 2)
        tablets = [await Tablet(world, j, f"j{i}").start() for i, j in enumerate(world.judges)]
        marks = Marks(world, "r")

        # Before: marks flow, boards on both workers follow.
        await _send_batch(marks, tablets, 5)
        for b in boards:
            await b.wait_seq(_max_ack(tablets))

        # Redis dies. Marks still commit and are acknowledged.
        redis.kill()
        t_down = time.monotonic()
        await _send_batch(marks, tablets, 5)
        during = _max_ack(tablets)
        assert all(not t.retried for t in tablets), [t.retried[:2] for t in tablets]
        ready = httpx.get(srv.base_url + "/ready", timeout=5)
        assert ready.status_code == 503, ready.text
        body = ready.json()
        assert body["code"] == "unavailable" and body["failed"] == ["redis"] and body["checks"]["database"]["ok"], body
        assert httpx.get(srv.base_url + "/health", timeout=5).status_code == 200
        # Logins are rate limited through Redis; they fall back to per-process limits instead of failing.
        r = await world.admin.post("/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
        assert r.status_code == 200, r.text
        assert time.monotonic() - t_down < 20

        # Redis comes back (empty: no persistence). Without any new mark, boards catch up.
        redis.start()
        for b in boards:
            await b.wait_seq(during, timeout=20)
        for _ in range(50):
            if httpx.get(srv.base_url + "/ready", timeout=5).status_code == 200:
                break
            await asyncio.sleep(0.2)
        else:
            raise AssertionError("/ready did not recover after Redis came back")

        # After: live updates flow again on both workers.
        await _send_batch(marks, tablets, 5)
        for b in boards:
            await b.wait_seq(_max_ack(tablets))
        assert all(b.reconnects == 0 for b in boards), "boards should not have needed to reconnect"

        counts = await check_stored(url, sid, tablets, set(marks.sent))
        assert counts["stored"] == counts["sent"] == 45
        await world.close()
    finally:
        for c in [*tablets, *boards, *spare]:
            await c.close()
        t0 = time.monotonic()
        srv.proc.terminate()
        try:
            srv.proc.wait(15)
        finally:
            srv.stop()
            redis.close()
            await drop_pg_database(url)
    assert time.monotonic() - t0 < 15, "graceful shutdown hung"
