"""/ready: the database, the SQLite file's disk, and Redis when configured, each with a short timeout."""

import socket
import time

import httpx
import ops_services  # noqa: F401
from harness import base_env, run_cli, start_server


def test_ready_checks_the_database(server):
    r = httpx.get(server.base_url + "/ready")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ready" and isinstance(body["worker"], int)
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["database"]["kind"] == ("postgresql" if server.db_kind == "postgres" else "sqlite")
    if server.db_kind == "sqlite":
        assert body["checks"]["storage"]["ok"] is True and body["checks"]["storage"]["free_mb"] > 1
    assert "redis" not in body["checks"]  # not configured
    assert r.headers["cache-control"] == "no-store"


def test_ready_fails_fast_on_a_redis_that_never_answers(tmp_path):
    # A socket that accepts connections (the kernel's backlog) but never speaks: a hung Redis.
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(16)
    port = hung.getsockname()[1]
    env = base_env(tmp_path, f"sqlite:///{tmp_path / 'r.sqlite3'}", redis_url=f"redis://127.0.0.1:{port}/0")
    run_cli(env, "migrate")
    srv = start_server(env, "ops-ready-hung-redis")
    try:
        t0 = time.monotonic()
        r = httpx.get(srv.base_url + "/ready", timeout=10, headers={"Accept-Language": "en"})
        took = time.monotonic() - t0
        assert r.status_code == 503, r.text
        body = r.json()
        assert body["code"] == "unavailable" and body["failed"] == ["redis"], body
        assert "redis" in body["message"] and body["checks"]["database"]["ok"] is True
        assert took < 3, f"/ready took {took:.1f}s"
        assert r.headers["retry-after"] == "5"
        assert httpx.get(srv.base_url + "/health").status_code == 200  # liveness is not readiness
    finally:
        srv.stop()
        hung.close()
