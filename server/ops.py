"""Operations: readiness, and surviving the outage of a dependency without a restart.

``/ready`` checks the database, the disk holding the SQLite file (free space, and a small write
next to it: a file system the kernel turned read-only shows up here) and, when configured, Redis,
each with a short timeout, and answers 200 or 503 naming what failed (``/health`` is liveness: the
process answers, the database too).

Redis outages. Litestar's ``ChannelsPlugin`` runs one publishing task and one reading task per
process; with the stock Redis stream backend the first Redis error ends both for good (live updates
stop until the process restarts, and a graceful shutdown then hangs on the undrained publish
queue), and the stock ``RedisStore`` turns every rate-limited request into a 500. Here:

- ``ResilientStreamBackend`` never lets a Redis error escape: while Redis is down, publications are
  dropped (marks are committed and acknowledged regardless: the database is the record), the reader
  retries with backoff, and on recovery ``on_recovered`` runs (the app re-publishes fresh snapshots
  of every board this process knows, so boards that missed updates catch up without a reload). It
  also starts a newly subscribed stream at its current end instead of replaying its whole history
  to the first subscriber of each process, and blocks in ``XREAD`` for 100 ms instead of 1 ms.
- ``FallbackStore`` keeps rate limits working while Redis is down with a per-process memory store
  (limits then apply per worker rather than across workers) and goes back to Redis when it answers.

Pauses. A worker serves hundreds of tablets from one event loop, so anything that stops the loop
delays every acknowledgement. ``settle_heap`` runs once the app has started: a full garbage
collection walks every live container, and start-up leaves ~170,000 of them (modules, routes, the
app) that live as long as the process (a walk over them took 80–90 ms); ``gc.freeze()`` moves
them out of its sight, and full collections run a tenth as often as by default. With
``COMPETITION_PROFILE_BATCHES`` set, ``watch_pauses`` prints loop stalls and collector pauses
longer than a few milliseconds to stderr.

Storage faults reaching an HTTP handler become clear JSON errors (``fault_exception_handlers``):
a full disk 507 ``storage_full``, a read-only database 507 ``storage_read_only``, a database or
Redis that cannot be reached 503 ``unavailable``. Nothing is half-written: each write is one
transaction, rolled back on failure.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sqlite3
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, AsyncGenerator, Callable, Iterable

from litestar import Request, get
from litestar.channels.backends.redis import RedisChannelsStreamBackend
from litestar.response import Response
from litestar.stores.base import NamespacedStore
from litestar.stores.memory import MemoryStore

from kernel import db
from kernel.errors import BilingualError, _is_database_down, app_error_handler
from kernel.redis import REDIS_RETRY_MAX_S, XREAD_BLOCK_MS, RedisHealth, _redis_errors, redis_client  # noqa: F401  (the stores and channels share them)
from kernel.settings import sqlite_path

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from kernel.settings import Settings

log = logging.getLogger("server.ops")

#: Timeouts of the readiness checks (seconds): short, so a hung dependency fails the check fast.
READY_DB_TIMEOUT_S = 2.0
READY_REDIS_TIMEOUT_S = 1.0
#: Below this much free space (MiB) next to the SQLite file, the server is not ready (writes would fail).
MIN_FREE_MB = 1.0


class ResilientStreamBackend(RedisChannelsStreamBackend):
    """The Redis stream channel backend, made to survive Redis going away and coming back."""

    def __init__(self, history: int, *, redis: "Redis", key_prefix: str, stream_ttl: int | timedelta, health: RedisHealth) -> None:
        super().__init__(history, redis=redis, key_prefix=key_prefix, stream_ttl=stream_ttl, stream_sleep_no_subscriptions=XREAD_BLOCK_MS)
        self.health = health
        self.on_recovered: Callable[[], Any] | None = None
        self._stream_ids: dict[str, bytes | str] = {}

    @property
    def redis(self) -> "Redis":
        return self._redis

    async def subscribe(self, channels: Iterable[str]) -> None:
        channels = list(channels)
        for channel in channels:
            key = self._make_key(channel)
            if key in self._stream_ids:
                continue
            # Start at the stream's current end: a subscriber wants what comes next, not the history.
            # With Redis down: roughly now, by the clock Redis stamps entries with (boards get a
            # fresh snapshot when it is back anyway).
            start: bytes | str = f"{int(time.time() * 1000)}-0"
            if self.health.may_try():
                try:
                    last = await self._redis.xrevrange(key, count=1)
                    start = last[0][0] if last else "0-0"
                except _redis_errors() as exc:
                    self.health.failed(exc)
            self._stream_ids[key] = start
        await super().subscribe(channels)

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        channels = list(channels)
        await super().unsubscribe(channels)
        for channel in channels:
            self._stream_ids.pop(self._make_key(channel), None)

    async def publish(self, data: bytes, channels: Iterable[str]) -> None:
        if not self.health.may_try():
            self.health.dropped += 1
            return
        try:
            await super().publish(data, channels)
        except _redis_errors() as exc:
            self.health.failed(exc)
            self.health.dropped += 1
        else:
            self._recovered()

    def _recovered(self) -> None:
        if self.health.recovered() and self.on_recovered is not None:
            try:
                result = self.on_recovered()
                if asyncio.iscoroutine(result):
                    asyncio.ensure_future(result)
            except Exception:  # noqa: BLE001 - recovery help must not break the reader
                log.exception("re-publishing after the Redis outage failed")

    async def stream_events(self) -> AsyncGenerator[tuple[str, Any], None]:
        backoff = 0.1
        while True:
            channels = await self._get_subscribed_channels()
            keys = [self._make_key(c) for c in channels]
            try:
                data = await self._redis.xread({k: self._stream_ids.get(k, "$") for k in keys}, block=self._stream_sleep_no_subscriptions)
            except asyncio.CancelledError:
                raise
            except _redis_errors() as exc:
                self.health.failed(exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, REDIS_RETRY_MAX_S)
                continue
            backoff = 0.1
            self._recovered()
            for stream_key, events in data or ():
                key = stream_key.decode()
                for event_id, fields in events:
                    if key in self._stream_ids:  # not unsubscribed meanwhile
                        self._stream_ids[key] = event_id
                    yield fields[b"channel"].decode(), fields[b"data"]


class FallbackStore(NamespacedStore):
    """A Redis store that falls back to a per-process memory store while Redis is down."""

    def __init__(self, primary: NamespacedStore, health: RedisHealth, fallback: MemoryStore | None = None) -> None:
        self.primary = primary
        self.health = health
        self.fallback = fallback or MemoryStore()

    def with_namespace(self, namespace: str) -> "FallbackStore":
        return FallbackStore(self.primary.with_namespace(namespace), self.health)

    async def _call(self, name: str, *args: Any) -> Any:
        if self.health.may_try():
            try:
                result = await getattr(self.primary, name)(*args)
            except _redis_errors() as exc:
                self.health.failed(exc)
            else:
                self.health.recovered()
                return result
        return await getattr(self.fallback, name)(*args)

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        await self._call("set", key, value, expires_in)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        return await self._call("get", key, renew_for)

    async def delete(self, key: str) -> None:
        await self._call("delete", key)

    async def delete_all(self) -> None:
        await self._call("delete_all")

    async def exists(self, key: str) -> bool:
        return await self._call("exists", key)

    async def expires_in(self, key: str) -> int | None:
        return await self._call("expires_in", key)


# ---------------------------------------------------------------------------------------- readiness


async def _timed_value(check: Callable[[], Any], timeout: float) -> dict[str, Any]:
    try:
        return await asyncio.wait_for(check(), timeout)
    except asyncio.TimeoutError:
        return {"ok": False, "error": f"no answer within {timeout:g} s"}


async def _timed(check: Callable[[], Any], timeout: float) -> dict[str, Any]:
    t0 = time.perf_counter()
    try:
        await asyncio.wait_for(check(), timeout)
    except asyncio.TimeoutError:
        return {"ok": False, "error": f"no answer within {timeout:g} s", "ms": round((time.perf_counter() - t0) * 1000, 1)}
    except Exception as exc:  # noqa: BLE001 - any failure means the dependency is not usable
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300], "ms": round((time.perf_counter() - t0) * 1000, 1)}
    return {"ok": True, "ms": round((time.perf_counter() - t0) * 1000, 1)}


def storage_check(path: Path) -> dict[str, Any]:
    """Free space next to the SQLite file, and whether a file can be written there at all.

    The write probe (a small file created, written and removed) is what notices a file system the
    kernel turned read-only after a disk error: ext4's ``emergency_ro`` does not show in statvfs."""
    directory = path.parent
    try:
        st = os.statvfs(directory)
    except OSError as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    free_mb = st.f_bavail * st.f_frsize / 2**20
    out: dict[str, Any] = {"ok": True, "free_mb": round(free_mb, 1), "read_only": bool(st.f_flag & os.ST_RDONLY)}
    probe = directory / f".ready-probe-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, b"ok")
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        import errno

        out["read_only"] = out["read_only"] or exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)
        out["error"] = f"cannot write next to the database: {exc.strerror}"
    if out["read_only"]:
        out["error"] = out.get("error") or "file system is read-only"
    elif free_mb < MIN_FREE_MB:
        out["error"] = out.get("error") or "disk full"
    out["ok"] = "error" not in out
    return out


async def readiness(app: Any) -> tuple[bool, dict[str, Any]]:
    settings: Settings = app.state.settings
    checks: dict[str, Any] = {"database": await _timed(lambda: db.current_engine().run_ddl("SELECT 1"), READY_DB_TIMEOUT_S)}
    checks["database"]["kind"] = settings.database_kind
    if settings.database_kind == "sqlite":
        checks["storage"] = await _timed_value(lambda: asyncio.to_thread(storage_check, sqlite_path(settings.database_url)), READY_DB_TIMEOUT_S)
    if settings.redis_url:
        client = getattr(app.state, "redis", None)
        checks["redis"] = await _timed(client.ping, READY_REDIS_TIMEOUT_S) if client is not None else {"ok": False, "error": "no client"}
        health: RedisHealth | None = getattr(app.state, "redis_health", None)
        if health is not None:
            checks["redis"]["dropped_updates"] = health.dropped
            checks["redis"]["outages"] = health.outages
    return all(c["ok"] for c in checks.values()), checks


@get("/ready", summary="Readiness: the database and Redis answer", operation_id="ready", tags=["system"], exclude_from_csrf=True, cache=False)
async def ready(request: Request) -> Response[dict[str, Any]]:
    """200 when every dependency answers within its timeout, else 503 naming the ones that did not.

    A load balancer takes a worker out of rotation on 503 (``/health`` only says the process lives)."""
    ok, checks = await readiness(request.app)
    body: dict[str, Any] = {"status": "ready" if ok else "unavailable", "worker": os.getpid(), "checks": checks}
    if ok:
        return Response(body, headers={"Cache-Control": "no-store"})
    failed = [name for name, c in checks.items() if not c["ok"]]
    from kernel.errors import request_lang

    lang = request_lang(request)
    names = "、".join(failed) if lang == "zh" else ", ".join(failed)
    body.update(
        code="unavailable", failed=failed, message=(f"服务暂时不可用：{names}" if lang == "zh" else f"Service temporarily unavailable: {names}")
    )
    return Response(body, status_code=503, headers={"Cache-Control": "no-store", "Retry-After": "5"})


# ---------------------------------------------------------------------------------------- faults


def storage_fault(exc: BaseException) -> BilingualError | None:
    """The user-facing error for a storage or connectivity failure, or None if ``exc`` is not one."""
    text = str(exc).lower()
    if isinstance(exc, sqlite3.Error):
        name = getattr(exc, "sqlite_errorname", "") or ""
        if name.startswith("SQLITE_FULL") or "disk is full" in text:
            return _full()
        if name.startswith("SQLITE_READONLY") or "readonly" in text or "read-only" in text:
            return BilingualError(
                507, "storage_read_only",
                zh="数据库文件只读，无法保存。请通知系统管理员检查数据目录的权限或磁盘状态。已保存的数据不受影响。",
                en="The database file is read-only, so nothing can be saved. Ask the system administrator to check the data directory's permissions or the disk. Data already saved is intact.",
            )  # fmt: skip
        if (
            name.startswith(("SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_CORRUPT", "SQLITE_NOTADB"))
            or "disk i/o error" in text
            or "unable to open database" in text
        ):
            return _down("database storage")
        return None
    module = type(exc).__module__ or ""
    if module.startswith("asyncpg"):
        name = type(exc).__name__
        if name == "DiskFullError":
            return _full()
        if name in ("ReadOnlySQLTransactionError",):
            return _down("database (read-only)")
        if any(
            k.__name__ in ("OperatorInterventionError", "PostgresConnectionError", "InterfaceError", "InsufficientResourcesError")
            for k in type(exc).__mro__
        ):
            return _down("database")
    if module.startswith("redis"):
        return _down("Redis")
    if _is_database_down(exc) if isinstance(exc, Exception) else False:
        return _down("database")
    return None


def _full() -> BilingualError:
    return BilingualError(
        507, "storage_full",
        zh="服务器磁盘已满，无法保存。请通知系统管理员清理磁盘空间；已保存的数据不受影响，清理后重试即可。",
        en="The server's disk is full, so nothing can be saved. Ask the system administrator to free disk space; data already saved is intact. Retry afterwards.",
    )  # fmt: skip


def _down(what: str) -> BilingualError:
    return BilingualError(
        503, "unavailable", zh=f"服务暂时不可用：{what}，请稍后重试", en=f"Service temporarily unavailable: {what}; please retry shortly"
    )


def fault_handler(request: Request, exc: Exception) -> Response:
    mapped = storage_fault(exc)
    if mapped is None:
        return app_error_handler(request, exc)
    log.error("%s %s: %s (%s)", request.method, request.url.path, mapped.code, f"{type(exc).__name__}: {exc}")
    response = app_error_handler(request, mapped)
    if mapped.status_code == 503:
        response.headers["Retry-After"] = "5"
    return response


def fault_exception_handlers() -> dict[type[Exception], Callable[[Request, Exception], Response]]:
    """Exception handlers for storage faults (more specific than the catch-all, so Litestar picks them)."""
    handlers: dict[type[Exception], Callable[[Request, Exception], Response]] = {sqlite3.Error: fault_handler}
    try:
        import asyncpg

        handlers[asyncpg.PostgresError] = fault_handler
        handlers[asyncpg.InterfaceError] = fault_handler
    except ImportError:  # pragma: no cover
        pass
    try:
        from redis.exceptions import RedisError

        handlers[RedisError] = fault_handler
    except ImportError:  # pragma: no cover
        pass
    return handlers


def channels_backend(settings: "Settings", history: int) -> tuple[ResilientStreamBackend, RedisHealth]:
    health = RedisHealth()
    backend = ResilientStreamBackend(
        history, redis=redis_client(settings.redis_url or ""), key_prefix=f"{settings.redis_prefix}_channels", stream_ttl=86400 * 1000, health=health
    )
    return backend, health


#: ``gc.set_threshold``: the default young-generation thresholds, full collections after 100
#: middle-generation ones instead of 10 (they still need a quarter of the heap to be new, too).
GC_THRESHOLDS = (700, 10, 100)


def settle_heap() -> None:
    """After start-up: collect once, freeze what is left, and make full collections rarer."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def watch_pauses(stall_ms: float = 15.0, gc_ms: float = 5.0) -> asyncio.Task:
    """Diagnostics: print event-loop stalls and garbage-collector pauses (to stderr) as they happen."""
    started: list[float] = []

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started:
            took = (time.perf_counter() - started[0]) * 1000
            if took > gc_ms:
                print(f"pause gc gen{info['generation']} {took:.1f} ms", file=sys.stderr, flush=True)

    gc.callbacks.append(on_gc)

    async def watch() -> None:
        while True:
            t = time.perf_counter()
            await asyncio.sleep(0.001)
            late = (time.perf_counter() - t) * 1000 - 1
            if late > stall_ms:
                print(f"pause loop {late:.1f} ms", file=sys.stderr, flush=True)

    return asyncio.get_running_loop().create_task(watch(), name="watch-pauses")


@get("/health", summary="Liveness and the backends in use", operation_id="health", tags=["system"], exclude_from_csrf=True)
async def health(request: Request) -> Response[dict[str, Any]]:
    settings: Settings = request.app.state.settings
    body: dict[str, Any] = {"status": "ok", "database": settings.database_kind, "channels": settings.channels_kind, "worker": os.getpid()}
    try:
        await db.current_engine().run_ddl("SELECT 1")
        body["database_ok"] = True
    except Exception as exc:  # noqa: BLE001 - any failure means the database is not usable
        body.update(status="unavailable", database_ok=False, database_error=type(exc).__name__)
        return Response(body, status_code=503)
    return Response(body)
