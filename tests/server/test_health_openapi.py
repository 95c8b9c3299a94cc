"""Health, OpenAPI docs, security headers, and the Redis channel backend."""

import httpx
from harness import REDIS_URL, base_env, need_redis, run_cli, start_server


async def test_health_names_database_and_channels(server):
    r = httpx.get(server.base_url + "/health")
    assert r.status_code == 200
    body = r.json()
    assert isinstance(body.pop("worker"), int)
    assert body == {"status": "ok", "database": "postgresql" if server.db_kind == "postgres" else "sqlite", "channels": "memory", "database_ok": True}


def test_health_with_redis_channels(tmp_path):
    need_redis()
    env = base_env(tmp_path, f"sqlite:///{tmp_path / 'h.sqlite3'}", redis_url=REDIS_URL)
    run_cli(env, "migrate")
    server = start_server(env, "redis-health")
    try:
        body = httpx.get(server.base_url + "/health").json()
        assert body["channels"] == "redis" and body["database"] == "sqlite"
    finally:
        server.stop()


def test_openapi_document_every_operation_has_summary_and_tags(sqlite_server):
    r = httpx.get(sqlite_server.base_url + "/schema/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    ops = [
        (path, method, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(ops) >= 15
    for path, method, op in ops:
        assert op.get("summary"), f"{method.upper()} {path} has no summary"
        assert op.get("tags"), f"{method.upper()} {path} has no tags"
        assert op.get("operationId"), f"{method.upper()} {path} has no operationId"
    # Pages are not API operations.
    assert "/login" not in doc["paths"]
    assert httpx.get(sqlite_server.base_url + "/schema").status_code == 200


def test_security_headers(sqlite_server):
    r = httpx.get(sqlite_server.base_url + "/login")
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    csrf = r.cookies.get("csrftoken")
    assert csrf
