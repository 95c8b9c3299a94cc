"""db.batch_transaction (the mark writer's transaction) on real SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

import pytest
from harness import create_pg_database, drop_pg_database, need_postgres

from kernel import db

pytestmark = pytest.mark.asyncio


@pytest.fixture(params=["sqlite", "postgres"])
async def engine(request, tmp_path) -> AsyncIterator[str]:
    url = f"sqlite:///{tmp_path / 'batch.sqlite3'}"
    if request.param == "postgres":
        need_postgres()
        url = await create_pg_database()
    engine = db.engine_from_url(url)
    db.bind_engine(engine)
    await db.start(engine)
    try:
        await engine.run_ddl('CREATE TABLE "probe" ("k" integer NOT NULL, "t" text NOT NULL)')
        yield request.param
    finally:
        await db.stop(engine)
        if request.param == "postgres":
            await drop_pg_database(url)


async def rows() -> list[tuple[int, str]]:
    return sorted((r["k"], r["t"]) for r in await db.current_engine().run_ddl('SELECT "k", "t" FROM "probe"'))


async def insert(values: list[tuple[int, str]]) -> None:
    async with db.batch_transaction() as tx:
        tx.insert_many("probe", ["k", "t"], values)


async def test_reads_then_writes_commit_together(engine):
    await insert([(1, "a"), (2, "b")])
    async with db.batch_transaction() as tx:
        found, count = await tx.fetch([('SELECT "k", "t" FROM "probe" ORDER BY "k"', []), ('SELECT count(*) AS n FROM "probe"', [])])
        assert found == [{"k": 1, "t": "a"}, {"k": 2, "t": "b"}] and count == [{"n": 2}]
        tx.insert_many("probe", ["k", "t"], [(3, "c")])
        assert await rows() == [(1, "a"), (2, "b")]  # not before the commit
    assert await rows() == [(1, "a"), (2, "b"), (3, "c")]


async def test_an_error_in_the_block_stores_nothing(engine):
    await insert([(1, "a")])
    with pytest.raises(RuntimeError):
        async with db.batch_transaction() as tx:
            await tx.fetch([('SELECT "k" FROM "probe"', [])])
            tx.insert_many("probe", ["k", "t"], [(2, "b")])
            raise RuntimeError("validation failed")
    assert await rows() == [(1, "a")]
    # A failing write rolls back the writes before it, and the next transaction works.
    with pytest.raises(Exception):
        async with db.batch_transaction() as tx:
            tx.insert_many("probe", ["k", "t"], [(5, "e")])
            tx.insert_many("probe", ["k", "t"], [(6, None)])  # NOT NULL
    assert await rows() == [(1, "a")]
    await insert([(7, "g")])
    assert await rows() == [(1, "a"), (7, "g")]


async def test_rows_in_matches_exact_combinations(engine):
    await insert([(1, "a"), (1, "b"), (2, "a"), (2, "b")])
    cond, params = db.rows_in({"k": "integer", "t": "text"}, [(1, "a"), (2, "b")])
    none_cond, none_params = db.rows_in({"k": "integer", "t": "text"}, [])
    some, some_params = db.values_in("k", "integer", [2])
    empty, empty_params = db.values_in("k", "integer", [])
    async with db.batch_transaction() as tx:
        exact, nothing, twos, no_values = await tx.fetch([
            (f'SELECT "k", "t" FROM "probe" WHERE {cond}', params),
            (f'SELECT "k" FROM "probe" WHERE {none_cond}', none_params),
            (f'SELECT "k", "t" FROM "probe" WHERE {some}', some_params),
            (f'SELECT "k" FROM "probe" WHERE {empty}', empty_params),
        ])  # fmt: skip
    assert sorted((r["k"], r["t"]) for r in exact) == [(1, "a"), (2, "b")]  # not (1, "b") nor (2, "a")
    assert nothing == [] and no_values == []
    assert sorted((r["k"], r["t"]) for r in twos) == [(2, "a"), (2, "b")]


async def test_concurrent_transactions_queue(engine):
    """Read-then-write transactions never interleave (BEGIN IMMEDIATE / the advisory lock)."""

    async def next_number(n: int) -> None:
        for _ in range(n):
            async with db.batch_transaction(advisory_lock=4242) as tx:
                (top,) = await tx.fetch([('SELECT max("k") AS m FROM "probe"', [])])
                await asyncio.sleep(0.001)
                tx.insert_many("probe", ["k", "t"], [((top[0]["m"] or 0) + 1, "x")])

    await asyncio.gather(*(next_number(5) for _ in range(4)))
    assert [k for k, _ in await rows()] == list(range(1, 21))
