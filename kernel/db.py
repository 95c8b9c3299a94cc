"""The database engine: chosen from ``DATABASE_URL``, bound to every table, migrated on demand.

SQLite (the embedded default) runs in WAL mode so readers never wait for the writer, with a
generous busy timeout; write transactions are ``BEGIN IMMEDIATE`` (``write_transaction``) so two
writers queue instead of failing on a lock upgrade. PostgreSQL is used through asyncpg's pool.
"""

from __future__ import annotations

import abc
import asyncio
import json
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable, Callable

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

from kernel.settings import sqlite_path

SQLITE_TIMEOUT_S = 30
SQLITE_POOL_SIZE = 4
#: FULL: every commit reaches the disk before it returns, so an acknowledged mark survives a power
#: cut or a failing disk, not only a crashed process. The mark writer commits in batches, so this
#: costs one fsync per batch, not per mark.
SQLITE_SYNCHRONOUS = "FULL"


class PooledSQLiteTransaction(SQLiteTransaction):
    """A transaction on a pooled connection, given back to the pool instead of closed."""

    engine: PooledSQLiteEngine

    async def get_connection(self):
        return await self.engine.acquire()

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        broken = False
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        except Exception:
            broken = True
            raise
        finally:
            self.engine.release(self.connection, broken=broken)
            self.engine.current_transaction.reset(self.context)
        return exception is None


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine with a small pool of open connections.

    Piccolo opens a new connection (and aiosqlite a new thread) for every query outside a
    transaction and for every transaction, and re-sends ``PRAGMA foreign_keys`` before every
    statement. Under live scoring that overhead dominates; here connections are opened once with
    their pragmas (foreign keys on, ``synchronous`` as ``SQLITE_SYNCHRONOUS`` says, and a busy
    timeout) and reused.
    """

    def __init__(self, path: str, pool_size: int = SQLITE_POOL_SIZE, **kwargs) -> None:
        super().__init__(path=path, **kwargs)
        self.pool_size = pool_size
        self._idle: list = []
        self._count = 0
        self._waiters: list[asyncio.Future] = []

    async def _open(self):
        import aiosqlite

        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory
        await connection.execute("PRAGMA foreign_keys = 1")
        await connection.execute(f"PRAGMA synchronous = {SQLITE_SYNCHRONOUS}")
        await connection.execute(f"PRAGMA busy_timeout = {SQLITE_TIMEOUT_S * 1000}")
        return connection

    async def acquire(self):
        while True:
            if self._idle:
                return self._idle.pop()
            if self._count < self.pool_size:
                self._count += 1
                try:
                    return await self._open()
                except BaseException:
                    self._count -= 1
                    raise
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            await waiter

    def release(self, connection, *, broken: bool = False) -> None:
        if broken or connection is None:
            self._count -= 1
            if connection is not None:
                asyncio.ensure_future(connection.close())
        else:
            self._idle.append(connection)
        while self._waiters:
            waiter = self._waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)
                break

    async def close_pool(self) -> None:
        idle, self._idle = self._idle, []
        self._count -= len(idle)
        for connection in idle:
            await connection.close()
        if self._batch_thread is not None:
            await self._batch_thread.close()
            self._batch_thread = None

    _batch_thread: "SQLiteThread | None" = None

    def batch_thread(self) -> "SQLiteThread":
        if self._batch_thread is None:
            self._batch_thread = SQLiteThread(self.connection_kwargs)
        return self._batch_thread

    def transaction(self, transaction_type: TransactionType = TransactionType.deferred, allow_nested: bool = True) -> SQLiteTransaction:
        return PooledSQLiteTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def _run_in_existing_connection(self, connection, query, args=None, query_type="generic", table=None):
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):
        # Outside a transaction: a pooled connection in autocommit mode (isolation_level None).
        connection = await self.acquire()
        broken = False
        try:
            return await self._run_in_existing_connection(connection, query, args, query_type, table)
        except (OSError, ValueError):
            broken = True
            raise
        finally:
            self.release(connection, broken=broken)


class BatchingPostgresEngine(PostgresEngine):
    """PostgreSQL, with connections of the mark writer's own beside the pool.

    A pooled connection is reset on every release (a round trip: ``RESET ALL``, unlisten, unlock),
    and the writer releases one per batch, before it answers the tablets. Its own connections stay
    open between batches instead: two, as one batch commits while the next reads.
    """

    BATCH_CONNECTIONS = 2

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._batch_idle: list[Any] = []
        self._batch_loop: asyncio.AbstractEventLoop | None = None

    async def batch_connection(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._batch_loop is not loop:  # connections belong to the event loop that opened them
            self._batch_idle, self._batch_loop = [], loop
        while self._batch_idle:
            connection = self._batch_idle.pop()
            if not connection.is_closed():
                return connection
        return await self.get_new_connection()

    def batch_connection_done(self, connection: Any, *, reusable: bool) -> None:
        if reusable and not connection.is_closed() and not connection.is_in_transaction() and len(self._batch_idle) < self.BATCH_CONNECTIONS:
            self._batch_idle.append(connection)
        else:
            connection.terminate()

    async def close_batch_connections(self) -> None:
        idle, self._batch_idle = self._batch_idle, []
        for connection in idle:
            await connection.close()


class SQLiteThread:
    """A plain ``sqlite3`` connection of its own, used from one thread of its own.

    For ``batch_transaction``: a whole step of a transaction (``BEGIN IMMEDIATE`` and five reads,
    or the writes and ``COMMIT``) runs as one call on the thread, so the event loop is visited
    once per step instead of twice per statement as through aiosqlite. The connection has the
    pool's pragmas; it is reopened after any failure.
    """

    def __init__(self, connection_kwargs: dict[str, Any]) -> None:
        self.connection_kwargs = connection_kwargs
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-batch")
        self._connection: sqlite3.Connection | None = None
        self._lock: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    @property
    def lock(self) -> asyncio.Lock:
        """Held by a transaction on this connection until its last step is handed to the thread (one
        lock per event loop): steps of two transactions never interleave."""
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock[0] is not loop:
            self._lock = (loop, asyncio.Lock())
        return self._lock[1]

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            # No type detection: the batch reads want plain values, and Piccolo's converters would
            # turn every integer read through Decimal (``convert_int_out``).
            con = sqlite3.connect(**{**self.connection_kwargs, "check_same_thread": False, "isolation_level": None, "detect_types": 0})
            con.row_factory = dict_factory
            con.execute("PRAGMA foreign_keys = 1")
            con.execute(f"PRAGMA synchronous = {SQLITE_SYNCHRONOUS}")
            con.execute(f"PRAGMA busy_timeout = {SQLITE_TIMEOUT_S * 1000}")
            self._connection = con
        return self._connection

    def _call(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        con = self._connect()
        try:
            return fn(con)
        except BaseException:
            # Whatever failed (a full disk, a read-only file), start the next call afresh.
            self._connection = None
            try:
                if con.in_transaction:
                    con.rollback()
            except sqlite3.Error:
                pass
            con.close()
            raise

    async def run(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        return await self.submit(fn)

    def submit(self, fn: Callable[[sqlite3.Connection], Any]) -> asyncio.Future:
        """Hand ``fn`` to the thread now (calls run in the order submitted); await the result."""
        return asyncio.get_running_loop().run_in_executor(self._executor, self._call, fn)

    async def close(self) -> None:
        def shut() -> None:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

        await asyncio.get_running_loop().run_in_executor(self._executor, shut)
        self._executor.shutdown(wait=False)


Query = tuple[str, "list[Any] | tuple[Any, ...]"]


def values_in(column: str, sql_type: str, values: list[Any]) -> tuple[str, list[Any]]:
    """``"column" IN (…)`` for a list of values, and its parameters.

    On PostgreSQL the list is one array parameter (``= ANY(?::type[])``), so the statement's text
    does not change with the list's length and its prepared form is reused.
    """
    if _postgres():
        return f'"{column}" = ANY(?::{sql_type}[])', [list(values)]
    if not values:
        return "1 = 0", []
    return f'"{column}" IN ({", ".join("?" * len(values))})', list(values)


def rows_in(columns: dict[str, str], rows: list[tuple]) -> tuple[str, list[Any]]:
    """A condition matching exactly these combinations of ``columns`` (name → SQL type), and its
    parameters (separate ``IN`` lists would match every combination of their values).

    SQLite: ``("a" = ? AND "b" = ?) OR (…)`` (a row-value ``IN (VALUES …)`` is answered with a full
    table scan, this with the index). PostgreSQL: ``("a", "b") IN (SELECT * FROM unnest(?::t[], …))``,
    one array per column, so the text stays the same whatever the number of rows.
    """
    names = list(columns)
    if _postgres():
        cols = ", ".join(f'"{c}"' for c in names)
        arrays = ", ".join(f"?::{t}[]" for t in columns.values())
        return f"({cols}) IN (SELECT * FROM unnest({arrays}))", [list(col) for col in zip(*rows)] if rows else [[] for _ in names]
    if not rows:
        return "1 = 0", []
    one = "(" + " AND ".join(f'"{c}" = ?' for c in names) + ")"
    return "(" + " OR ".join([one] * len(rows)) + ")", [v for row in rows for v in row]


def _postgres() -> bool:
    return isinstance(current_engine(), PostgresEngine)


def insert_sql(table: str, columns: list[str]) -> str:
    """``INSERT INTO "table" ("a", "b") VALUES (?, ?)``."""
    cols = ", ".join(f'"{c}"' for c in columns)
    return f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join("?" * len(columns))})'


def _numbered(sql: str) -> str:
    # ``?`` placeholders (SQLite's) as ``$1, $2 …`` (PostgreSQL's).
    n = 0

    def number(_: re.Match) -> str:
        nonlocal n
        n += 1
        return f"${n}"

    return re.sub(r"\?", number, sql)


class BatchTransaction(abc.ABC):
    """A short write transaction in few round trips (see ``batch_transaction``).

    ``fetch`` runs several reads at once and opens the transaction before the first (rows come back
    as dicts of plain values: numbers, text, None); rows given to ``insert_many`` are written
    together with the ``COMMIT`` when the block ends (executemany on SQLite, COPY on PostgreSQL).
    """

    def __init__(self) -> None:
        self.inserts: list[tuple[str, list[str], list[tuple]]] = []

    @abc.abstractmethod
    async def fetch(self, queries: list[Query]) -> list[list[dict[str, Any]]]:
        """Run the reads in order (opening the transaction first); their rows as dicts."""

    @abc.abstractmethod
    async def finish(self, ok: bool) -> None:
        """Write the inserts and commit (``ok``), or roll back."""

    def insert_many(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        if rows:
            self.inserts.append((table, columns, rows))


class _SQLiteBatch(BatchTransaction):
    def __init__(self, thread: SQLiteThread) -> None:
        super().__init__()
        self.thread = thread
        self.open = False
        self.holds_lock = True

    def release(self) -> None:
        if self.holds_lock:
            self.holds_lock = False
            self.thread.lock.release()

    async def fetch(self, queries: list[Query]) -> list[list[dict[str, Any]]]:
        first = not self.open

        def run(con: sqlite3.Connection) -> list[list[dict[str, Any]]]:
            if first:
                con.execute("BEGIN IMMEDIATE")
            return [con.execute(sql, params).fetchall() for sql, params in queries]

        self.open = True
        return await self.thread.run(run)

    async def finish(self, ok: bool) -> None:
        inserts, opened = self.inserts, self.open

        def run(con: sqlite3.Connection) -> None:
            if not ok:
                if con.in_transaction:
                    con.rollback()
                return
            if not opened:
                con.execute("BEGIN IMMEDIATE")
            for table, columns, rows in inserts:
                con.executemany(insert_sql(table, columns), rows)
            con.execute("COMMIT")

        if ok or opened:
            step = self.thread.submit(run)
            # Handed over: the connection's thread runs steps in the order given, so the next
            # transaction may queue its first step now; it runs once this one has finished.
            self.release()
            await step


class _PostgresBatch(BatchTransaction):
    """Five round trips per transaction: ``BEGIN`` with the advisory lock, all reads as one
    statement, each bulk insert, ``COMMIT``. Under load every round trip also waits for its turn on
    the event loop, so their number, more than the database's work, sets the batch's time."""

    def __init__(self, connection: Any, advisory_lock: int | None) -> None:
        super().__init__()
        self.connection = connection
        self.advisory_lock = advisory_lock
        self.open = False

    async def _open(self) -> None:
        if not self.open:
            begin = "BEGIN"
            if self.advisory_lock is not None:
                begin += f"; SELECT pg_advisory_xact_lock({int(self.advisory_lock)})"
            await self.connection.execute(begin)  # no parameters: both in one simple-protocol message
            self.open = True

    async def fetch(self, queries: list[Query]) -> list[list[dict[str, Any]]]:
        await self._open()
        if not queries:
            return []
        # One statement for all the reads: each query's rows as JSON, tagged with its position.
        parts: list[str] = []
        params: list[Any] = []
        for i, (sql, p) in enumerate(queries):
            parts.append(f"SELECT {i} AS q, row_to_json(__batch_row)::text AS r FROM ({sql}) AS __batch_row")
            params.extend(p)
        out: list[list[dict[str, Any]]] = [[] for _ in queries]
        for row in await self.connection.fetch(_numbered(" UNION ALL ".join(parts)), *params):
            out[row["q"]].append(json.loads(row["r"]))
        return out

    async def finish(self, ok: bool) -> None:
        if not ok:
            if self.open:
                await self.connection.execute("ROLLBACK")
            return
        await self._open()
        try:
            for table, columns, rows in self.inserts:
                await self.connection.copy_records_to_table(table, records=rows, columns=columns)
        except BaseException:
            await self.connection.execute("ROLLBACK")
            raise
        await self.connection.execute("COMMIT")


@asynccontextmanager
async def _batch_of(engine: Engine, advisory_lock: int | None) -> AsyncIterator[BatchTransaction]:
    if isinstance(engine, PooledSQLiteEngine):
        thread = engine.batch_thread()
        await thread.lock.acquire()  # one transaction at a time on its connection, until its last step is handed over
        batch = _SQLiteBatch(thread)
        try:
            yield batch
        finally:
            batch.release()
    elif isinstance(engine, BatchingPostgresEngine):
        connection = await engine.batch_connection()
        reusable = False
        try:
            yield _PostgresBatch(connection, advisory_lock)
            reusable = True
        finally:
            engine.batch_connection_done(connection, reusable=reusable)
    elif isinstance(engine, PostgresEngine):
        if engine.pool is not None:
            async with engine.pool.acquire() as connection:
                yield _PostgresBatch(connection, advisory_lock)
        else:
            connection = await engine.get_new_connection()
            try:
                yield _PostgresBatch(connection, advisory_lock)
            finally:
                await connection.close()
    else:
        raise RuntimeError("batch_transaction needs the pooled SQLite or the PostgreSQL engine")


@asynccontextmanager
async def batch_transaction(*, advisory_lock: int | None = None) -> AsyncIterator[BatchTransaction]:
    """A write transaction for hot paths (the mark writer): reads in one step, writes with the commit.

    On SQLite both steps run on a connection and thread of their own (``BEGIN IMMEDIATE``, so
    writers queue); on PostgreSQL on an asyncpg connection kept for it (``BatchingPostgresEngine``),
    which first takes the advisory lock ``advisory_lock`` if given. Statements use ``?``
    placeholders on both. An exception in the block rolls everything back.
    """
    async with _batch_of(current_engine(), advisory_lock) as tx:
        try:
            yield tx
        except BaseException:
            await tx.finish(False)
            raise
        await tx.finish(True)


def engine_from_url(url: str) -> Engine:
    if url.startswith(("postgres://", "postgresql://")):
        return BatchingPostgresEngine(config={"dsn": url}, log_queries=False)
    path = sqlite_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    _enable_wal(path)
    return PooledSQLiteEngine(path=str(path), timeout=SQLITE_TIMEOUT_S)


def _enable_wal(path) -> None:
    # WAL is a property of the file: set it once with a plain connection before Piccolo opens any.
    con = sqlite3.connect(path, timeout=SQLITE_TIMEOUT_S)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
    finally:
        con.close()


def all_tables() -> list:
    from piccolo.apps.migrations.tables import Migration
    from piccolo.conf.apps import Finder

    return [*Finder().get_table_classes(), Migration]


#: The engine every table uses, set by ``bind_engine``.
_ENGINE: Engine | None = None


def bind_engine(engine: Engine) -> None:
    """Make ``engine`` the one every table, and Piccolo's migration machinery, uses.

    Piccolo's migrations find their engine as ``DB`` in its configuration module (named by
    ``PICCOLO_CONF``, the server's ``piccolo_conf``), so it is set there too."""
    from piccolo.conf.apps import Finder

    global _ENGINE
    _ENGINE = engine
    conf = Finder().get_piccolo_conf_module()
    assert conf is not None, "PICCOLO_CONF names no module (kernel/__init__.py sets server.piccolo_conf)"
    conf.DB = engine
    for table in all_tables():
        table._meta.db = engine


def current_engine() -> Engine:
    if _ENGINE is None:
        from piccolo.conf.apps import Finder

        conf = Finder().get_piccolo_conf_module()
        assert conf is not None, "PICCOLO_CONF names no module (kernel/__init__.py sets server.piccolo_conf)"
        return conf.DB
    return _ENGINE


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A write transaction: ``BEGIN IMMEDIATE`` on SQLite, a plain transaction on PostgreSQL."""
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with engine.transaction():
            yield


async def run_with(database_url: str, work: Callable[[], Awaitable[Any]]) -> Any:
    """Run ``work`` with an engine for ``database_url`` bound, started and stopped around it (the
    CLI's commands, one-off scripts)."""
    engine = engine_from_url(database_url)
    bind_engine(engine)
    await start(engine)
    try:
        return await work()
    finally:
        await stop(engine)


#: PostgreSQL connections per server process (``COMPETITION_DB_POOL_SIZE``), beside the mark
#: writer's two. Processes × (pool + 2) must stay under the server's ``max_connections``.
DEFAULT_POOL_SIZE = 20
#: A pooled connection idle this long is closed: a burst's connections go back to PostgreSQL.
POOL_IDLE_S = 60.0


async def start(engine: Engine, pool_size: int = DEFAULT_POOL_SIZE) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=min(2, pool_size), max_size=pool_size, max_inactive_connection_lifetime=POOL_IDLE_S)


async def stop(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        if isinstance(engine, BatchingPostgresEngine):
            await engine.close_batch_connections()
        await engine.close_connection_pool()
    elif isinstance(engine, PooledSQLiteEngine):
        await engine.close_pool()


async def pending_migrations() -> list[str]:
    """IDs of migrations not yet applied, over every app."""
    from piccolo.apps.migrations.commands.base import BaseMigrationManager
    from piccolo.apps.migrations.tables import Migration
    from piccolo.conf.apps import Finder

    await Migration.create_table(if_not_exists=True)
    manager = BaseMigrationManager()
    pending: list[str] = []
    for app_config in Finder().get_app_configs():
        modules = manager.get_migration_modules(app_config.resolved_migrations_folder_path)
        ids = sorted(modules)
        ran = set(await Migration.get_migrations_which_ran(app_name=app_config.app_name))
        pending += [f"{app_config.app_name}:{i}" for i in ids if i not in ran]
    return pending


async def migrate() -> list[str]:
    """Apply every pending migration; returns what was applied."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    pending = await pending_migrations()
    if pending:
        response = await run_forwards(app_name="all")
        if not response.success:
            raise RuntimeError(f"migration failed: {response.message}")
    return pending


async def insert_many(table: str, columns: list[str], rows: list[tuple]) -> None:
    """Bulk insert inside the current write transaction: COPY on PostgreSQL, executemany on SQLite.

    Much faster than ORM inserts for imports (and free of the 32,767-parameter limit of one
    multi-row INSERT). Values must already be of the columns' Python types.
    """
    if not rows:
        return
    engine = current_engine()
    tx = engine.current_transaction.get()
    if tx is None:
        raise RuntimeError("insert_many needs a transaction")
    if isinstance(engine, PostgresEngine):
        await tx.connection.copy_records_to_table(table, records=rows, columns=columns)
    else:
        await tx.connection.executemany(insert_sql(table, columns), rows)


async def execute_many(sql: str, rows: list[tuple]) -> None:
    """Run one statement (``?`` placeholders) for many parameter rows in the current transaction."""
    if not rows:
        return
    engine = current_engine()
    tx = engine.current_transaction.get()
    if tx is None:
        raise RuntimeError("execute_many needs a transaction")
    if isinstance(engine, PostgresEngine):
        await tx.connection.executemany(_numbered(sql), rows)
    else:
        await tx.connection.executemany(sql, rows)


def json_value(value: Any, default: Any) -> Any:
    """A JSON column's value: SQLite and asyncpg hand back text, other paths a parsed value."""
    if value is None:
        return default
    if isinstance(value, (str, bytes)):
        return json.loads(value or "null") if value else default
    return value


async def lock_row(table, row_id: int) -> None:
    """Serialise writers on one row inside a write transaction: ``SELECT … FOR UPDATE`` on
    PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises every writer."""
    if isinstance(current_engine(), PostgresEngine):
        await table.select(table.id).where(table.id == row_id).lock_rows()
