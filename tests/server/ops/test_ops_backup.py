"""``competition backup`` / ``competition restore`` on SQLite and on PostgreSQL.

Proves: a backup taken while judges are scoring is consistent (restored, its audit chain
verifies and its marks are exactly the source's marks up to some point); a backup of a quiet
database restores into an empty database with every table's rows equal to the source's, and the
audit chain verifies on the copy; restore refuses a database holding data unless ``--force`` (which
saves the old data beside it first), accepts a freshly migrated one, and refuses a backup of the
other database kind.
"""

import asyncio
import shutil
import sqlite3
from pathlib import Path

import ops_services  # noqa: F401
import pytest
from harness import ADMIN_PASSWORD, IN_CI, base_env, create_pg_database, drop_pg_database, need_postgres, run_cli, start_server
from live_world import build
from ops_clients import Marks, Tablet, stored_marks

pytestmark = pytest.mark.slow(seconds=630)  # measured, under load: collected first, slowest first (tests/conftest.py)


async def table_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, sorted, straight from the database."""
    if url.startswith("sqlite:"):
        from kernel.settings import sqlite_path

        con = sqlite3.connect(sqlite_path(url))
        try:
            tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
            return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in sorted(tables)}
        finally:
            con.close()
    import asyncpg

    con = await asyncpg.connect(url)
    try:
        tables = [r["tablename"] for r in await con.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")]
        return {t: sorted((tuple(r) for r in await con.fetch(f'SELECT * FROM "{t}"')), key=repr) for t in sorted(tables)}
    finally:
        await con.close()


def _env_for(env: dict, url: str) -> dict:
    return {**env, "DATABASE_URL": url}


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_backup_while_scoring_and_restore_into_an_empty_database(kind, tmp_path):
    made: list[str] = []

    async def new_url(name: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / (name + '.sqlite3')}"
        url = await create_pg_database()
        made.append(url)
        return url

    if kind == "postgres":
        need_postgres()
        if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
            (pytest.fail if IN_CI else pytest.skip)("pg_dump/pg_restore not installed (apt-get install postgresql-client)")
    source = await new_url("source")
    env = base_env(tmp_path, source)
    run_cli(env, "migrate")
    run_cli(env, "create-user", "admin", "--password", ADMIN_PASSWORD, "--admin")
    srv = start_server(env, f"ops-backup-{kind}", db_kind=kind)
    tablet = None
    try:
        world = await build(srv)
        tablet = await Tablet(world, world.judges[0], "j0").start()
        marks = Marks(world, "b")

        # 1. A backup while marks stream in.
        streaming = True

        async def stream() -> None:
            while streaming:
                await tablet.submit(*marks.next(tablet, 0))
                await asyncio.sleep(0.03)  # under the socket's rate limit (50/s)

        task = asyncio.create_task(stream())
        await asyncio.sleep(0.5)
        hot = tmp_path / "hot.backup"
        out = await asyncio.to_thread(run_cli, env, "backup", str(hot))
        await asyncio.sleep(0.3)
        streaming = False
        await task
        await tablet.wait_all_acked()
        assert "backed up" in out.stdout, out.stdout

        hot_url = await new_url("hot")
        out = run_cli(_env_for(env, hot_url), "restore", str(hot))
        assert "audit chain intact" in out.stdout, out.stdout
        source_rows, hot_rows = await table_rows(source), await table_rows(hot_url)
        hot_marks, all_marks = hot_rows["mark"], source_rows["mark"]
        assert 0 < len(hot_marks) < len(all_marks), "the backup should fall in the middle of the stream"
        # A consistent cut: the backup's marks are exactly the source's first N marks (by seq), and
        # its audit log the source's first M entries.
        sid = world.skill["id"]
        hot_seq = sorted((r[2], r[0]) for r in await stored_marks(hot_url, sid))
        all_seq = sorted((r[2], r[0]) for r in await stored_marks(source, sid))
        assert hot_seq == all_seq[: len(hot_seq)]
        assert set(hot_marks) <= set(all_marks)
        assert set(hot_rows["audit_log"]) <= set(source_rows["audit_log"])

        # 2. A quiet backup restores into an empty database, every table equal.
        quiet = tmp_path / "quiet.backup"
        run_cli(env, "backup", str(quiet))
        empty_url = await new_url("empty")
        out = run_cli(_env_for(env, empty_url), "restore", str(quiet))
        assert "audit chain intact" in out.stdout, out.stdout
        restored = await table_rows(empty_url)
        source_rows = await table_rows(source)
        assert set(restored) == set(source_rows)
        for table, rows in source_rows.items():
            assert restored[table] == rows, f"table {table} differs after restore"
        assert sum(len(r) for r in restored.values()) > 100
        verify = run_cli(_env_for(env, empty_url), "audit", "verify", check=False)
        assert verify.returncode == 0, verify.stdout

        # 3. A freshly migrated database counts as empty.
        migrated_url = await new_url("migrated")
        run_cli(_env_for(env, migrated_url), "migrate")
        run_cli(_env_for(env, migrated_url), "restore", str(quiet))
        assert (await table_rows(migrated_url))["mark"] == source_rows["mark"]

        # 4. A database holding data is refused without --force; with it, the old data is kept aside.
        refused = run_cli(_env_for(env, migrated_url), "restore", str(hot), check=False)
        assert refused.returncode == 1 and "--force" in refused.stderr, refused.stderr
        forced = run_cli(_env_for(env, migrated_url), "restore", str(hot), "--force")
        assert "saved as" in forced.stdout, forced.stdout
        saved = Path(forced.stdout.split("saved as ", 1)[1].split()[0])
        assert saved.exists()
        assert (await table_rows(migrated_url))["mark"] == hot_marks

        # 5. A backup of the other kind is refused.
        other = tmp_path / "other.backup"
        if kind == "sqlite":
            other.write_bytes(b"PGDMP" + b"\0" * 64)
        else:
            sqlite3.connect(other).close()
            other.write_bytes(b"SQLite format 3\x00" + b"\0" * 84)
        wrong = run_cli(_env_for(env, await new_url("wrong")), "restore", str(other), check=False)
        assert wrong.returncode == 1 and "restores into a database of its own kind" in wrong.stderr, wrong.stderr
        await world.close()
    finally:
        if tablet:
            await tablet.close()
        srv.stop()
        for url in made:
            await drop_pg_database(url)


async def test_restore_refuses_while_a_server_has_the_sqlite_file_open(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    env = base_env(tmp_path, url)
    run_cli(env, "migrate")
    run_cli(env, "backup", str(tmp_path / "b.sqlite3"))
    srv = start_server(env, "ops-backup-open")
    try:
        r = run_cli(env, "restore", str(tmp_path / "b.sqlite3"), "--force", check=False)
        assert r.returncode == 1 and "stop the server first" in r.stderr, r.stderr
    finally:
        srv.stop()
