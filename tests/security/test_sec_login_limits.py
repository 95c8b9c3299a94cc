"""Login limits count exactly, per account and per address, under concurrent bursts: on SQLite with
one worker (counters in memory) and on PostgreSQL with two workers sharing Redis (one Lua script
per attempt). Every burst is sent at once on new connections, so both workers serve it.

Each test speaks from addresses of its own: the server trusts ``X-Forwarded-For`` from 127.0.0.1
(as it trusts nginx in production), so the limits see the address in the header. The addresses
are documentation ones (RFC 5737) and only ever written in that header.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time

import httpx
import pytest
from harness import (
    ADMIN_PASSWORD,
    REDIS_URL,
    Burst,
    Client,
    base_env,
    create_pg_database,
    drop_pg_database,
    need_postgres,
    need_redis,
    new_event,
    run_cli,
    start_server,
    statuses,
)  # fmt: skip

ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 10
CODE_TRIES = 5
CODE_ADDRESS_LIMIT = 20
BURST = 40
SETUP, STEADY = "limits-setup", "limits-steady"

_addresses = (f"198.51.100.{i}" for i in itertools.count(1))


def new_address() -> str:
    return next(_addresses)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def limited(request, tmp_path_factory):
    kind = request.param
    tmp = tmp_path_factory.mktemp(f"login-limits-{kind}")
    rates = dict(
        COMPETITION_LOGIN_ACCOUNT_RATE=f"{ACCOUNT_LIMIT}/minute", COMPETITION_LOGIN_RATE=f"{ADDRESS_LIMIT}/minute",
        COMPETITION_CODE_TRY_RATE=f"{CODE_TRIES}/minute", COMPETITION_CODE_LOGIN_RATE=f"{CODE_ADDRESS_LIMIT}/minute",
        FORWARDED_ALLOW_IPS="127.0.0.1",
    )  # fmt: skip
    url = None
    if kind == "postgres":
        need_postgres()
        need_redis()
        url = await create_pg_database()
        env = base_env(tmp, url, redis_url=REDIS_URL, **rates)
        workers = 2
    else:
        env = base_env(tmp, f"sqlite:///{tmp / 'limits.sqlite3'}", **rates)
        workers = 1
    await asyncio.to_thread(run_cli, env, "migrate")
    # "admin" is the account the bursts attack; SETUP sets things up and STEADY logs in again and again.
    for user in ("admin", SETUP, STEADY):
        await asyncio.to_thread(run_cli, env, "create-user", user, "--name", "测试管理员", "--password", ADMIN_PASSWORD, "--admin")
    server = await asyncio.to_thread(start_server, env, f"login-limits-{kind}", workers=workers, db_kind=kind)
    try:
        if workers == 2:
            seen = set()
            for _ in range(100):
                seen.add(httpx.get(server.base_url + "/health", headers={"Connection": "close"}, timeout=5).json()["worker"])
                if len(seen) == 2:
                    break
                time.sleep(0.1)
            assert len(seen) == 2, "both workers should be serving"
        yield server
    finally:
        server.stop()
        if url:
            await drop_pg_database(url)


async def _account(server, admin: Client, event_id: int, role: str = "arbitrator") -> dict:
    username = f"u-{secrets.token_hex(4)}"
    r = await admin.post(f"/api/events/{event_id}/accounts", json={"display_name": "限速测试", "role": role, "username": username,
                                                                  "password": "password-123", "skill_id": None})  # fmt: skip
    assert r.status_code == 201, r.text
    return r.json()


async def test_a_burst_of_wrong_passwords_gets_exactly_the_account_limit_through(limited):
    async with Burst(limited.base_url) as b:
        address = new_address()
        answers = await b.many("/auth/login", [{"username": "admin", "password": f"wrong-{i}"} for i in range(BURST)], address)
        assert statuses(answers) == {401: ACCOUNT_LIMIT, 429: BURST - ACCOUNT_LIMIT}, statuses(answers)
        refused = next(a for a in answers if a.status_code == 429)
        assert refused.json()["code"] == "rate_limited" and refused.json()["message"] == "请求过于频繁，请稍后再试"
        assert 0 < int(refused.headers["retry-after"]) <= 60
        english = await b.post("/auth/login", {"username": "admin", "password": "x"}, address, lang="en")
        assert english.status_code == 429 and english.json()["message"] == "Too many requests; try again later"
        # The account is limited from any address, and the right password waits too.
        r = await b.post("/auth/login", {"username": "admin", "password": ADMIN_PASSWORD}, new_address())
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        # Other accounts from the same address are not (what the account burst did not count is not on the address).
        r = await b.post("/auth/login", {"username": "nobody-" + secrets.token_hex(3), "password": "x"}, address)
        assert r.status_code == 401


async def test_a_burst_over_many_accounts_gets_exactly_the_address_limit_through(limited):
    async with Burst(limited.base_url) as b:
        address = new_address()
        bodies = [{"username": f"guess-{secrets.token_hex(4)}", "password": "x"} for _ in range(BURST)]
        answers = await b.many("/auth/login", bodies, address)
        assert statuses(answers) == {401: ADDRESS_LIMIT, 429: BURST - ADDRESS_LIMIT}, statuses(answers)
        assert (await b.post("/auth/login", {"username": "guess-other", "password": "x"}, new_address())).status_code == 401


async def test_requests_refused_by_csrf_do_not_count(limited):
    async with Burst(limited.base_url) as b:
        address = new_address()
        bodies = [{"username": f"csrf-{i}", "password": "x"} for i in range(20)]
        answers = await b.many("/auth/login", bodies, address, csrf=False)
        assert statuses(answers) == {403: 20} and {a.json()["code"] for a in answers} == {"csrf"}
        answers = await b.many("/auth/login", [{"username": f"csrf-next-{i}", "password": "x"} for i in range(ADDRESS_LIMIT)], address)
        assert statuses(answers) == {401: ADDRESS_LIMIT}, "the CSRF refusals used up the address's allowance"
        assert (await b.post("/auth/login", {"username": "csrf-last", "password": "x"}, address)).status_code == 429


async def test_successful_logins_do_not_use_up_the_allowance(limited):
    address = new_address()
    async with Burst(limited.base_url) as b:
        for _ in range(ADDRESS_LIMIT + ACCOUNT_LIMIT):
            r = await b.post("/auth/login", {"username": STEADY, "password": ADMIN_PASSWORD}, address)
            assert r.status_code == 200, r.text
            b.http.cookies.delete("session")


async def test_one_tablet_retrying_a_wrong_code_does_not_lock_out_the_others_behind_the_same_address(limited):
    admin = Client(limited.base_url)
    try:
        await admin.login(SETUP, ADMIN_PASSWORD)
        event = await new_event(admin)
        judges = [await _account(limited, admin, event["id"]) for _ in range(2)]
        codes = []
        for j in judges:
            r = await admin.post(f"/api/events/{event['id']}/accounts/{j['id']}/login-code", json={"hours": 2})
            assert r.status_code == 201, r.status_code
            codes.append(r.json()["code"])
    finally:
        await admin.aclose()
    venue = new_address()  # every tablet of the venue, behind one NAT address
    async with Burst(limited.base_url) as b:
        stale = "ZZZZ-ZZZZ"
        answers = await b.many("/auth/code", [{"code": stale}] * 30, venue)
        assert statuses(answers) == {401: CODE_TRIES, 429: 30 - CODE_TRIES}, statuses(answers)
        # The stale code is refused however it is typed; the other tablets log in.
        assert (await b.post("/auth/code", {"code": "zzzz zzzz"}, venue)).status_code == 429
        r = await b.post("/auth/code", {"code": codes[0]}, venue)
        assert r.status_code == 200, r.text
        b.http.cookies.delete("session")
        # Many different wrong codes from the address: its own limit, less the stale code's counted tries
        # (the successful login gave its attempt back).
        answers = await b.many("/auth/code", [{"code": f"{secrets.token_hex(2)}-{secrets.token_hex(2)}".upper()} for _ in range(BURST)], venue)
        assert statuses(answers) == {401: CODE_ADDRESS_LIMIT - CODE_TRIES, 429: BURST - CODE_ADDRESS_LIMIT + CODE_TRIES}, statuses(answers)
        # Password logins are counted apart: the venue's code flood does not stop an organiser.
        assert (await b.post("/auth/login", {"username": "nobody-" + secrets.token_hex(3), "password": "x"}, venue)).status_code == 401
        # Another address is not affected at all.
        r = await b.post("/auth/code", {"code": codes[1]}, new_address())
        assert r.status_code == 200, r.text
