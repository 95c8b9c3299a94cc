"""Login and certificate-verification rate limits hold across workers: ``competition serve
--workers 2`` with Redis (so the limits' counters are in Redis, under the server's own key prefix)
and low limits. Every request goes on a new connection, so both workers serve them; the limit counts all
of them, a forged ``X-Forwarded-For`` from an untrusted address does not reset it, and the 429 is
the usual JSON error with the security headers."""

from __future__ import annotations

import secrets
import time

import httpx
import pytest
from harness import ADMIN_PASSWORD, REDIS_URL, need_redis, sqlite_env, start_server

LIMIT = 5


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    need_redis()
    env = sqlite_env(
        tmp_path_factory.mktemp("rate"), REDIS_URL=REDIS_URL, COMPETITION_LOGIN_RATE=f"{LIMIT}/minute",
        COMPETITION_VERIFY_RATE=f"{LIMIT}/minute", FORWARDED_ALLOW_IPS="192.0.2.1",  # not us: our X-Forwarded-For is ignored
    )  # fmt: skip
    server = start_server(env, "rate-2w", workers=2)
    yield server
    server.stop()


def _fresh(base: str) -> httpx.Client:
    # No keep-alive: each request on its own connection, spread over the workers by the kernel.
    return httpx.Client(base_url=base, timeout=30, limits=httpx.Limits(max_keepalive_connections=0), headers={"Accept": "application/json"})


def _workers_seen(base: str, tries: int = 100) -> set[int]:
    # A new connection each time (a kept-alive one stays with one worker), and time for the
    # second worker to finish starting.
    seen: set[int] = set()
    for _ in range(tries):
        seen.add(httpx.get(base + "/health", headers={"Connection": "close"}, timeout=5).json()["worker"])
        if len(seen) >= 2:
            break
        time.sleep(0.1)
    return seen


def test_login_limit_is_shared_by_the_workers(two_workers):
    base = two_workers.base_url
    assert len(_workers_seen(base)) == 2, "both workers should be serving"
    with _fresh(base) as c:
        token = c.get("/login").cookies.get("csrftoken")
        headers = {"X-CSRFToken": token, "Cookie": f"csrftoken={token}"}
        statuses = [
            c.post("/auth/login", json={"username": "admin", "password": f"wrong-{i}"}, headers=headers).status_code for i in range(LIMIT * 3)
        ]
        assert statuses[:LIMIT] == [401] * LIMIT and set(statuses[LIMIT:]) == {429}, statuses
        r = c.post("/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}, headers=headers)
        assert r.status_code == 429, "the right password does not get past the limit either"
        assert r.json()["code"] == "rate_limited" and r.json()["message"]
        assert r.headers.get("x-frame-options") == "DENY" and "frame-ancestors" in r.headers.get("content-security-policy", "")
        forged = c.post("/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD},
                        headers={**headers, "X-Forwarded-For": f"203.0.113.{secrets.randbelow(250) + 1}"})  # fmt: skip
        assert forged.status_code == 429, "a forged X-Forwarded-For must not reset the limit"
        code_login = c.post("/auth/code", json={"code": "ABCD-EFGH"}, headers=headers)
        assert code_login.status_code == 401, "code logins have limits of their own: a password lockout leaves the tablets alone"


def test_verification_limit_is_shared_by_the_workers(two_workers):
    base = two_workers.base_url
    with _fresh(base) as c:
        statuses = [c.get(f"/api/verify/GD2026{i:06d}").status_code for i in range(LIMIT * 3)]
        allowed = [s for s in statuses if s != 429]
        assert len(allowed) == LIMIT and statuses[:LIMIT] == allowed and set(statuses[LIMIT:]) == {429}, statuses
        page = c.get("/verify/GD2026000001", headers={"Accept": "text/html"})
        assert page.status_code == 429, "the verification page shares the API's limit"
    assert two_workers.proc.poll() is None
