"""One of two workers is killed with SIGKILL in the middle of scoring (PostgreSQL + Redis).

Proves: no acknowledged mark is lost and none is stored twice (tablets on the killed worker
reconnect — to the survivor or to the worker uvicorn starts in its place — and re-send their
unacknowledged marks with the same op ids); tablets on the surviving worker never notice; boards
on the killed worker reconnect with ``?since=`` and resume by sequence number (a ``resume`` frame
or a newer snapshot), boards on the survivor keep receiving updates without reconnecting, and
every board ends at the last acknowledged mark; uvicorn replaces the dead worker; the audit chain
verifies.
"""

import asyncio
import os
import signal

import httpx
import ops_services  # noqa: F401
from harness import ADMIN_PASSWORD, REDIS_URL, base_env, create_pg_database, drop_pg_database, need_postgres, need_redis, run_cli, start_server
from live_world import build
from ops_clients import Board, Marks, Tablet, check_stored, spread_boards


async def _spread_tablets(world, tablets: list[Tablet], workers: set[int]) -> None:
    """Reconnect tablets until both workers serve at least one."""
    for _ in range(40):
        if {t.worker for t in tablets} >= workers:
            return
        busiest = max(workers, key=lambda w: sum(t.worker == w for t in tablets))
        victim = next(t for t in tablets if t.worker == busiest)
        await victim.reconnect()
    raise AssertionError(f"tablets stayed on {[t.worker for t in tablets]}")


async def test_sigkill_one_of_two_workers_mid_scoring(tmp_path):
    need_postgres()
    need_redis()
    url = await create_pg_database()
    env = base_env(tmp_path, url, redis_url=REDIS_URL)
    run_cli(env, "migrate")
    run_cli(env, "create-user", "admin", "--password", ADMIN_PASSWORD, "--admin")
    srv = start_server(env, "ops-kill-worker", workers=2)
    tablets: list[Tablet] = []
    boards: list[Board] = []
    spare: list[Board] = []
    try:
        world = await build(srv)
        sid = world.skill["id"]
        boards, spare = await spread_boards(world, 2)
        workers = {b.worker for b in boards}
        tablets = [await Tablet(world, j, f"j{i}").start() for i, j in enumerate(world.judges)]
        await _spread_tablets(world, tablets, workers)
        victim = tablets[0].worker
        assert victim in workers
        on_victim = [t for t in tablets if t.worker == victim]
        survivors = [t for t in tablets if t.worker != victim]
        assert on_victim and survivors

        marks = Marks(world, "k")
        killed = False
        for i in range(120):  # a steady stream from every tablet; the kill lands in the middle
            for j, t in enumerate(tablets):
                await t.submit(*marks.next(t, j))
            if not killed and sum(len(t.acks) for t in tablets) >= 60:
                in_flight = sum(len(t.pending) for t in on_victim)
                os.kill(victim, signal.SIGKILL)
                killed = True
            await asyncio.sleep(0.01)
        assert killed, "the kill never happened"
        for t in tablets:
            await t.wait_all_acked(60)

        # Tablets: the victim's reconnected and re-sent; the survivor's never dropped.
        assert all(t.reconnects >= 1 for t in on_victim), [(t.name, t.workers) for t in on_victim]
        assert all(t.reconnects == 0 for t in survivors), [(t.name, t.workers) for t in survivors]
        assert all(t.workers[-1] != victim for t in on_victim)
        last = max(f["seq"] for t in tablets for f in t.acks.values())

        # Boards: everyone ends at the last mark; the victim's board resumed by sequence number.
        for b in boards:
            await b.wait_seq(last, timeout=20)
        victim_board = next(b for b in boards if b.workers[0] == victim)
        survivor_board = next(b for b in boards if b.workers[0] != victim)
        assert victim_board.reconnects >= 1 and victim_board.resumes, "the victim's board did not reconnect"
        assert survivor_board.reconnects == 0

        # uvicorn's supervisor replaces the dead worker.
        seen = set()
        for _ in range(100):
            seen.add(httpx.get(srv.base_url + "/health", timeout=5).json()["worker"])
            if len(seen - {victim}) >= 2:
                break
            await asyncio.sleep(0.1)
        assert len(seen - {victim}) >= 2 and victim not in seen, seen

        counts = await check_stored(url, sid, tablets, set(marks.sent))
        assert counts["stored"] == counts["sent"] == 360
        dupes = sum(f["duplicate"] for t in on_victim for f in t.acks.values())
        print(f"kill -9: {in_flight} mark(s) in flight on the victim, {dupes} answered as duplicates after the re-send; {counts}")
        verify = run_cli(env, "audit", "verify", check=False)
        assert verify.returncode == 0, verify.stdout + verify.stderr
        await world.close()
    finally:
        for c in [*tablets, *boards, *spare]:
            await c.close()
        srv.stop()
        await drop_pg_database(url)
