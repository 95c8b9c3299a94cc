"""PostgreSQL stops and comes back under a running server (a private cluster, never the shared one).

Proves: while the database is down every request fails cleanly — 503 with a JSON body whose code
is ``unavailable`` (never a 500) — /health and /ready say so, and tablets' marks are refused with
``unavailable`` (not acknowledged, so they stay queued); when it is back (after a clean stop, and
again after a crash stop with recovery) the same server process answers again without a restart
(asyncpg's pool replaces dead connections), the queued marks are stored exactly once, every
acknowledged mark is there and the audit chain verifies.
"""

import asyncio
import time

import httpx
import ops_services  # noqa: F401
from harness import ADMIN_PASSWORD, base_env, run_cli, start_server
from live_world import build
from ops_clients import Marks, Tablet, check_stored
from ops_services import PrivatePostgres


async def _until_ok(get, timeout: float = 20) -> list[int]:
    """Poll until 200; every status seen on the way (only 503s are acceptable)."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = await get()
        seen.append(r.status_code)
        if r.status_code == 200:
            return seen
        await asyncio.sleep(0.2)
    raise AssertionError(f"no recovery in {timeout}s: {seen[-5:]}")


async def test_postgres_restart_fails_cleanly_and_recovers_without_restart(tmp_path):
    pg = PrivatePostgres().init().start()
    url = pg.create_database("competition")
    env = base_env(tmp_path, url)
    run_cli(env, "migrate")
    run_cli(env, "create-user", "admin", "--password", ADMIN_PASSWORD, "--admin")
    srv = start_server(env, "ops-postgres", db_kind="postgres")
    tablet = None
    try:
        world = await build(srv)
        eid, sid = world.event["id"], world.skill["id"]
        pid = httpx.get(srv.base_url + "/health").json()["worker"]
        tablet = await Tablet(world, world.judges[0], "j0").start()
        marks = Marks(world, "p")
        for _ in range(5):
            await tablet.submit(*marks.next(tablet, 0))
        await tablet.wait_all_acked()

        for mode in ("fast", "immediate"):
            pg.stop(mode)
            # Reads, writes, pages' API, health and readiness: 503 + JSON code "unavailable".
            for method, path, body in [
                ("GET", f"/api/events/{eid}", None),
                ("GET", f"/api/events/{eid}/skills/{sid}/marks", None),
                ("POST", f"/api/events/{eid}/skills", {"name": "新项目", "occupation_code": "6-31-01-03", "groups": ["employee"]}),
            ]:
                client = world.admin if method == "GET" else world.chief
                r = await (client.get(path) if method == "GET" else world.admin.post(path, json=body))
                assert r.status_code == 503, (method, path, r.status_code, r.text)
                assert r.json()["code"] == "unavailable", r.text
            health = httpx.get(srv.base_url + "/health", timeout=5)
            assert health.status_code == 503 and health.json()["database_ok"] is False
            ready = httpx.get(srv.base_url + "/ready", timeout=5)
            assert ready.status_code == 503 and ready.json()["failed"] == ["database"], ready.text
            # Marks while the database is down: refused as "unavailable", kept by the tablet.
            queued = [marks.next(tablet, 0) for _ in range(3)]
            for op, frame in queued:
                await tablet.submit(op, frame)
            for _ in range(100):
                if len({e["op_id"] for e in tablet.retried}) >= 3:
                    break
                await asyncio.sleep(0.05)
            assert {op for op, _ in queued} <= {e["op_id"] for e in tablet.retried}, tablet.retried
            assert all(e["code"] == "unavailable" for e in tablet.retried)
            assert not any(op in tablet.acks for op, _ in queued)
            tablet.retried.clear()

            pg.start()
            seen = await _until_ok(lambda: world.admin.get(f"/api/events/{eid}"))
            assert set(seen) <= {200, 503}, seen
            assert httpx.get(srv.base_url + "/ready", timeout=5).status_code == 200
            await tablet.wait_all_acked(30)  # the queued marks went in once the database was back
            assert httpx.get(srv.base_url + "/health").json()["worker"] == pid, "the server process was replaced"

        assert srv.proc.poll() is None
        counts = await check_stored(url, sid, [tablet], set(marks.sent))
        assert counts["stored"] == counts["sent"] == 11
        verify = run_cli(env, "audit", "verify", check=False)
        assert verify.returncode == 0, verify.stdout + verify.stderr
        await world.close()
    finally:
        if tablet:
            await tablet.close()
        srv.stop()
        pg.close()
    assert "unhandled error" not in srv.log(), srv.log()[-3000:]  # what a 500 logs
