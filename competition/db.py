"""The database engine: chosen from ``DATABASE_URL``, bound to every table, migrated on demand.

SQLite (the embedded default) runs in WAL mode so readers never wait for the writer, with a
generous busy timeout; write transactions are ``BEGIN IMMEDIATE`` (``write_transaction``) so two
writers queue instead of failing on a lock upgrade. PostgreSQL is used through asyncpg's pool.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import asynccontextmanager
from typing import AsyncIterator

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

from competition.settings import sqlite_path

SQLITE_TIMEOUT_S = 30
SQLITE_POOL_SIZE = 4
#: FULL: every commit reaches the disk before it returns, so an acknowledged mark survives a power
#: cut or a failing disk, not only a crashed process. The mark writer commits in batches, so this
#: costs one fsync per batch, not per mark.
SQLITE_SYNCHRONOUS = "FULL"


class PooledSQLiteTransaction(SQLiteTransaction):
    """A transaction on a pooled connection, given back to the pool instead of closed."""

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


def engine_from_url(url: str) -> Engine:
    if url.startswith(("postgres://", "postgresql://")):
        return PostgresEngine(config={"dsn": url}, log_queries=False)
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


def bind_engine(engine: Engine) -> None:
    """Make ``engine`` the one every table, and Piccolo's migration machinery, uses."""
    from competition import piccolo_conf

    piccolo_conf.DB = engine
    for table in all_tables():
        table._meta.db = engine


def current_engine() -> Engine:
    from competition import piccolo_conf

    return piccolo_conf.DB


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


async def start(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=2, max_size=20)


async def stop(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
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
        cols = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        await tx.connection.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)


async def execute_many(sql: str, rows: list[tuple]) -> None:
    """Run one statement (``?`` placeholders) for many parameter rows in the current transaction."""
    if not rows:
        return
    engine = current_engine()
    tx = engine.current_transaction.get()
    if tx is None:
        raise RuntimeError("execute_many needs a transaction")
    if isinstance(engine, PostgresEngine):
        n = 0

        def number(_):
            nonlocal n
            n += 1
            return f"${n}"

        import re

        await tx.connection.executemany(re.sub(r"\?", number, sql), rows)
    else:
        await tx.connection.executemany(sql, rows)
