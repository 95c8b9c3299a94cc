"""Test harness: real servers on real databases.

Database tests run against SQLite and PostgreSQL (the ``server`` fixture is parametrised over
both); live-update tests against the memory and Redis channel backends. The server under test is
the real ``competition serve`` in a subprocess, so tests see exactly what a user would: HTTP,
websockets, the CLI. Without PostgreSQL or Redis the tests that need them skip with the reason;
with ``CI=true`` a missing service is a failure instead.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "test-output"
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ADMIN_PASSWORD = "admin-password-123"
IN_CI = os.environ.get("CI", "").lower() == "true"


def _need(service: str, ok: bool, why: str) -> None:
    if ok:
        return
    message = f"{service} is not reachable ({why})"
    if IN_CI:
        pytest.fail(message + "; CI=true, so this is a failure, not a skip")
    pytest.skip(message)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need_postgres() -> None:
    _need("PostgreSQL", _port_open("127.0.0.1", 5432), "127.0.0.1:5432")


def need_redis() -> None:
    _need("Redis", _port_open("127.0.0.1", 6379), "127.0.0.1:6379")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def create_pg_database() -> str:
    import asyncpg

    name = f"ct_{secrets.token_hex(5)}"
    con = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await con.execute(f'CREATE DATABASE "{name}"')
    finally:
        await con.close()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


async def drop_pg_database(url: str) -> None:
    import asyncpg

    name = url.rsplit("/", 1)[1]
    con = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await con.close()


#: The module ``python -m`` runs as the CLI: ``server`` today; an environment may name another (the
#: upgrade tests run an earlier release, whose CLI was ``competition``).
CLI_MODULE_VAR = "COMPETITION_CLI_MODULE"


def cli_module(env: dict[str, str]) -> str:
    return env.get(CLI_MODULE_VAR, "server")


def run_cli(env: dict[str, str], *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", cli_module(env), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=env.get("COMPETITION_DATA_DIR", ROOT),
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"competition {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


async def sql(database_url: str, query: str, *params: Any) -> list[dict[str, Any]]:
    """Run one statement straight on a server's database (``?`` placeholders on both kinds), for
    tests that look at or tamper with what is stored behind the server's back."""
    if database_url.startswith(("postgres://", "postgresql://")):
        import re

        import asyncpg

        numbered = iter(range(1, query.count("?") + 1))
        con = await asyncpg.connect(database_url)
        try:
            return [dict(r) for r in await con.fetch(re.sub(r"\?", lambda _: f"${next(numbered)}", query), *params)]
        finally:
            await con.close()
    import sqlite3

    from kernel.settings import sqlite_path

    con = sqlite3.connect(sqlite_path(database_url), timeout=30)
    con.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in con.execute(query, params)]
        con.commit()
        return rows
    finally:
        con.close()


@dataclass
class Server:
    """A running ``competition serve`` and what it was started with."""

    base_url: str
    env: dict[str, str]
    proc: subprocess.Popen
    log_path: Path
    db_kind: str
    channels_kind: str
    extra: dict[str, Any] = field(default_factory=dict)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def base_env(data_dir: Path, database_url: str, redis_url: str | None = None, **extra: str) -> dict[str, str]:
    # PICCOLO_CONF too: this process set it (kernel/__init__.py) for its own code, and a server of an
    # earlier release must find its own.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "COMPETITION_", "PICCOLO_CONF"))}
    env.update(
        COMPETITION_DATA_DIR=str(data_dir),
        DATABASE_URL=database_url,
        COMPETITION_SECRET="test-secret-" + secrets.token_hex(8),
        PUBLIC_BASE_URL="http://testserver.local",
        # Tests log in, look up and verify far more often than people do: limits tests set their own.
        COMPETITION_LOGIN_RATE="1000/minute",
        COMPETITION_LOGIN_ACCOUNT_RATE="1000/minute",
        COMPETITION_CODE_LOGIN_RATE="1000/minute",
        COMPETITION_CODE_TRY_RATE="1000/minute",
        COMPETITION_VERIFY_RATE="1000/minute",
        COMPETITION_LEDGER_RATE="1000/minute",
        COMPETITION_SELF_LOOKUP_RATE="1000/minute",
        # Tests take results from provisional to final in seconds: the tiers' floors of the notice
        # and appeal windows are lifted (a setting for tests and demos only; see scoring/presets.py).
        COMPETITION_MIN_WINDOW_HOURS="0",
        # The suite makes and logs in thousands of accounts: argon2 at its least cost (a setting for
        # tests and demos only; kernel/passwords.py). test_settings checks the real cost's path.
        COMPETITION_PASSWORD_HASHING="test",
        # Each test process keeps a server per database kind for the session, beside the servers
        # tests start: PostgreSQL's 100 connections are shared by all of them.
        COMPETITION_DB_POOL_SIZE="6",
        # Test runs may overlap on one Redis: each server gets its own key space.
        COMPETITION_REDIS_PREFIX="test-" + secrets.token_hex(4),
        PYTHONPATH=str(ROOT),
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


#: Per test process and database kind, a database migrated and given the harness's administrator by
#: the real CLI (``migrate``, ``create-user``: two Python processes, seconds each, more under load);
#: every further :func:`migrated_env` starts from a copy of it (a SQLite file copy, PostgreSQL's
#: ``CREATE DATABASE … TEMPLATE``) instead of running both again. What they write does not depend
#: on the environment (the administrator's argon2 hash carries its own parameters; the audit chain
#: is not keyed by the secret). Tests of ``migrate`` itself (tests/server/test_cli.py,
#: test_upgrade.py, the ops tests) still run it on empty databases of their own.
_templates: dict[str, str] = {}


def _pg_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _copy_template(kind: str, database_url: str) -> bool:
    """Fill the new, empty ``database_url`` from this process's template of ``kind``; False when
    there is no template yet or the URL is not a fresh one the harness can fill."""
    template = _templates.get(kind)
    if template is None:
        return False
    if kind == "sqlite":
        from kernel.settings import sqlite_path

        target = Path(sqlite_path(database_url))
        if target.exists():
            return False
        import sqlite3

        target.parent.mkdir(parents=True, exist_ok=True)
        source, copy = sqlite3.connect(sqlite_path(template)), sqlite3.connect(target)
        try:
            source.backup(copy)  # the whole database, whatever its journal mode left beside the file
        finally:
            copy.close()
            source.close()
        return True

    async def clone() -> bool:
        import asyncpg

        con = await asyncpg.connect(PG_ADMIN_URL)
        try:
            name = _pg_name(database_url)
            tables = await _pg_table_count(database_url)
            if tables:
                return False
            await con.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await con.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_pg_name(template)}"')
            return True
        finally:
            await con.close()

    return asyncio.run(clone())


async def _pg_table_count(url: str) -> int:
    import asyncpg

    try:
        con = await asyncpg.connect(url)
    except asyncpg.InvalidCatalogNameError:
        return 0
    try:
        return int(await con.fetchval("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"))
    finally:
        await con.close()


def _db_kind(database_url: str) -> str:
    return "postgres" if database_url.startswith(("postgres://", "postgresql://")) else "sqlite"


def _make_template(kind: str, env: dict[str, str]) -> None:
    """Migrate a database of its own with the CLI and keep it as this process's template of ``kind``."""
    import tempfile

    if kind == "postgres":
        url = asyncio.run(create_pg_database())
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='ct-template-')) / 'template.sqlite3'}"
    template_env = dict(env, DATABASE_URL=url)
    run_cli(template_env, "migrate")
    run_cli(template_env, "create-user", "admin", "--name", "测试管理员", "--password", ADMIN_PASSWORD, "--admin")
    _templates[kind] = url
    if kind == "postgres":
        import atexit

        atexit.register(lambda: asyncio.run(drop_pg_database(url)))


def migrated_env(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    """A data dir on ``database_url``, migrated, with the harness's administrator (``extra``
    overrides the environment). The database is a copy of the test process's template (see
    ``_templates``); the first call of each kind makes the template with the real CLI."""
    env = base_env(data_dir, database_url, **extra)
    kind = _db_kind(env["DATABASE_URL"])
    if env.get(CLI_MODULE_VAR) is None and kind not in _templates:
        _make_template(kind, env)
    if env.get(CLI_MODULE_VAR) is not None or not _copy_template(kind, env["DATABASE_URL"]):
        # Another release's CLI, or a database that is not empty: the CLI itself, as before.
        run_cli(env, "migrate")
        run_cli(env, "create-user", "admin", "--name", "测试管理员", "--password", ADMIN_PASSWORD, "--admin")
    return env


def sqlite_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """:func:`migrated_env` on a SQLite file in ``data_dir``."""
    return migrated_env(data_dir, f"sqlite:///{data_dir / 'test.sqlite3'}", **extra)


def start_server(
    env: dict[str, str], name: str, *, workers: int = 1, db_kind: str | None = None, log_level: str = "warning", timeout: float = 60
) -> Server:
    """The real server on the database ``env`` names (``db_kind`` told from its URL unless given);
    ``log_level="info"`` also writes uvicorn's access log."""
    if db_kind is None:
        db_kind = "postgres" if env["DATABASE_URL"].startswith(("postgres://", "postgresql://")) else "sqlite"
    OUTPUT.mkdir(exist_ok=True)
    port = free_port()
    log_path = OUTPUT / f"server-{name}-{port}.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", cli_module(env), "serve", "--port", str(port), "--workers", str(workers), "--log-level", log_level],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=env["COMPETITION_DATA_DIR"],
    )
    server = Server(f"http://127.0.0.1:{port}", env, proc, log_path, db_kind, "redis" if env.get("REDIS_URL") else "memory")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n{server.log()}")
        try:
            if httpx.get(server.base_url + "/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise AssertionError(f"server did not start in {timeout}s:\n{server.log()}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    need_postgres()
    url = asyncio.run(create_pg_database())
    yield url
    asyncio.run(drop_pg_database(url))


class _Pool:
    """The servers of one test process (an xdist worker), one per database kind, started when
    first asked for and kept until the session ends. Files take turns on SQLite and PostgreSQL;
    a parametrised session fixture would stop one server and start another at every turn (twice
    per file: migrate, an administrator, a server start, each a Python process)."""

    def __init__(self, tmp_path_factory) -> None:
        self.tmp = tmp_path_factory
        self.servers: dict[str, Server] = {}
        self.urls: dict[str, str] = {}

    def get(self, kind: str) -> Server:
        running = self.servers.get(kind)
        if running is not None and running.proc.poll() is None:
            return running
        if running is not None:  # a test stopped or killed it: a new one, on a database of its own
            self._drop(kind)
        data_dir = self.tmp.mktemp(f"data-{kind}")
        if kind == "postgres":
            need_postgres()
            url = asyncio.run(create_pg_database())
        else:
            url = f"sqlite:///{data_dir / 'test.sqlite3'}"
        self.urls[kind] = url
        try:
            self.servers[kind] = start_server(migrated_env(data_dir, url), kind, db_kind=kind)
        except BaseException:
            self._drop(kind)
            raise
        return self.servers[kind]

    def _drop(self, kind: str) -> None:
        server = self.servers.pop(kind, None)
        if server is not None:
            server.stop()
        url = self.urls.pop(kind, None)
        if kind == "postgres" and url:
            asyncio.run(drop_pg_database(url))

    def close(self) -> None:
        for kind in list(self.urls):
            self._drop(kind)


@pytest.fixture(scope="session")
def server_pool(tmp_path_factory) -> Iterator[_Pool]:
    pool = _Pool(tmp_path_factory)
    yield pool
    pool.close()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request, server_pool: _Pool) -> Server:
    """The server under test, once on SQLite and once on PostgreSQL: the test process's shared one
    of each kind (files share it as users share a deployment: each makes its own events)."""
    return server_pool.get(request.param)


@pytest.fixture(scope="session")
def sqlite_server(server_pool: _Pool) -> Server:
    """A SQLite-only server, for tests whose subject does not depend on the database."""
    return server_pool.get("sqlite")


class Client:
    """An HTTP client that behaves like the pages' JavaScript: session cookie + CSRF header."""

    def __init__(self, base_url: str, lang: str | None = None):
        headers = {"Accept": "application/json"}
        if lang:
            headers["Accept-Language"] = lang
        self.http = httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30, follow_redirects=False)

    async def _csrf(self) -> str:
        token = self.http.cookies.get("csrftoken")
        if not token:
            await self.http.get("/login")
            token = self.http.cookies.get("csrftoken")
        return token or ""

    async def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        if method.upper() not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(kw.pop("headers", {}) or {})
            headers.setdefault("X-CSRFToken", await self._csrf())
            kw["headers"] = headers
        return await self.http.request(method, url, **kw)

    async def get(self, url: str, **kw: Any) -> httpx.Response:
        return await self.request("GET", url, **kw)

    async def post(self, url: str, **kw: Any) -> httpx.Response:
        return await self.request("POST", url, **kw)

    async def patch(self, url: str, **kw: Any) -> httpx.Response:
        return await self.request("PATCH", url, **kw)

    async def put(self, url: str, **kw: Any) -> httpx.Response:
        return await self.request("PUT", url, **kw)

    async def delete(self, url: str, **kw: Any) -> httpx.Response:
        return await self.request("DELETE", url, **kw)

    async def login(self, username: str, password: str) -> dict[str, Any]:
        r = await self.post("/auth/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return r.json()["user"]

    async def aclose(self) -> None:
        await self.http.aclose()


def unique(prefix: str = "") -> str:
    return prefix + uuid.uuid4().hex[:8].upper()


@pytest.fixture
async def anon(server: Server) -> AsyncIterator[Client]:
    c = Client(server.base_url)
    yield c
    await c.aclose()


@pytest.fixture
async def admin(server: Server) -> AsyncIterator[Client]:
    c = Client(server.base_url)
    await c.login("admin", ADMIN_PASSWORD)
    yield c
    await c.aclose()


async def new_event(admin: Client, **over: Any) -> dict[str, Any]:
    body = {
        "name": "第三届广东省职业技能大赛",
        "code": unique("E"),
        "tier": "provincial",
        "tier_class": "class2",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-03",
        "venue": "广州",
        "host": "广东省人社厅",
    } | over
    r = await admin.post("/api/events", json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def new_skill(admin: Client, event_id: int, **over: Any) -> dict[str, Any]:
    body = {"name": unique("电工"), "occupation_code": "6-31-01-03", "groups": ["employee", "student"]} | over
    r = await admin.post(f"/api/events/{event_id}/skills", json=body)
    assert r.status_code == 201, r.text
    return r.json()


_person = iter(range(1, 10**6))


async def new_contestant(admin: Client, event_id: int, **over: Any) -> dict[str, Any]:
    """A registered contestant of the event, in its first skill and group (a skill is made if none)."""
    import datetime as dt

    from scoring.idcard import make_id

    skills = (await admin.get(f"/api/events/{event_id}/skills")).json()
    skill = skills[0] if skills else await new_skill(admin, event_id)
    n = next(_person) + os.getpid() % 1000 * 1000
    body = {
        "name": f"选手{n % 1000}",
        "id_number": make_id("440106", dt.date(1990, 1, 1) + dt.timedelta(days=n // 400), n % 400, "F"),
        "skill_id": skill["id"],
        "group_id": skill["groups"][0]["id"],
        "delegation": "广州市",
        "employer": "广州某公司",
        "phone": "13800138000",
        "current_level": "学徒工",
    } | over
    r = await admin.post(f"/api/events/{event_id}/contestants", json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def account(admin: Client, server: Server, event_id: int, role: str, skill_id: int | None = None, **extra: Any) -> Client:
    """A logged-in client holding ``role`` in the event (and skill). A contestant account is linked
    to ``contestant_id`` (a new contestant when none is given); a delegation leader leads ``delegation``."""
    username = unique(role.replace("_", "-") + "-").lower()
    if role == "contestant" and "contestant_id" not in extra:
        extra["contestant_id"] = (await new_contestant(admin, event_id))["id"]
    if role == "delegation_leader":
        extra.setdefault("delegation", "广州市")
    r = await admin.post(
        f"/api/events/{event_id}/accounts",
        json={"display_name": f"{role} user", "role": role, "skill_id": skill_id, "username": username, "password": "password-123", **extra},
    )
    assert r.status_code == 201, r.text
    c = Client(server.base_url)
    await c.login(username, "password-123")
    return c


class Burst:
    """Requests sent together, each on a new connection (so several workers serve them), with the
    CSRF token of one visit, from a client address given per request in ``X-Forwarded-For`` (which
    the server trusts from 127.0.0.1, as it trusts nginx): rate-limit tests, each from addresses
    of its own."""

    def __init__(self, base_url: str, cookies: Any = None) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=60, limits=httpx.Limits(max_keepalive_connections=0),
                                      headers={"Accept": "application/json"}, cookies=cookies)  # fmt: skip
        self.token = ""

    async def __aenter__(self) -> "Burst":
        await self.http.get("/login")
        self.token = self.http.cookies.get("csrftoken") or ""
        return self

    async def __aexit__(self, *exc) -> None:
        await self.http.aclose()

    async def send(self, method: str, path: str, address: str, *, csrf: bool = True, lang: str | None = None, **kw: Any) -> httpx.Response:
        headers = {"X-Forwarded-For": address, "Connection": "close", **kw.pop("headers", {})}
        if csrf and method != "GET":
            headers["X-CSRFToken"] = self.token
        if lang:
            headers["Accept-Language"] = lang
        return await self.http.request(method, path, headers=headers, **kw)

    async def post(self, path: str, body: dict, address: str, **kw: Any) -> httpx.Response:
        return await self.send("POST", path, address, json=body, **kw)

    async def get(self, path: str, address: str, **kw: Any) -> httpx.Response:
        return await self.send("GET", path, address, **kw)

    async def many(self, path: str, bodies: list[dict], address: str, **kw: Any) -> list[httpx.Response]:
        """POST each body, all at once."""
        return list(await asyncio.gather(*(self.post(path, b, address, **kw) for b in bodies)))

    async def many_get(self, path: str, n: int, address: str, **kw: Any) -> list[httpx.Response]:
        return list(await asyncio.gather(*(self.get(path, address, **kw) for _ in range(n))))


def statuses(answers: list[httpx.Response]) -> dict[int, int]:
    """How many answers had each status code."""
    out: dict[int, int] = {}
    for a in answers:
        out[a.status_code] = out.get(a.status_code, 0) + 1
    return out
