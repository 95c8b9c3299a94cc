"""Changing what a foreign key does when its parent row is deleted, on both databases (for migrations).

Piccolo declares every foreign key ``ON DELETE CASCADE`` unless told otherwise, so deleting a
contestant, a skill or a user silently deleted the marks, appeals, proposals and certificates that
name them. The record keeps its rows: its foreign keys are ``ON DELETE RESTRICT``, and a delete of
a parent that the record names fails in the database itself.

- **PostgreSQL** alters a constraint in place: ``ALTER TABLE … DROP CONSTRAINT c, ADD CONSTRAINT c
  FOREIGN KEY … ON DELETE RESTRICT`` (names found in ``information_schema`` at run time, since
  they are whatever the database made them), in one transaction.
- **SQLite** cannot alter a constraint; the table is rebuilt by the procedure of SQLite's manual
  (https://www.sqlite.org/lang_altertable.html#otheralter): foreign keys off, one transaction,
  ``CREATE TABLE new_X`` from X's own ``CREATE`` statement with only the ``ON DELETE`` clauses
  changed (so columns, defaults, ``UNIQUE`` and ``CHECK`` stay exactly as they were), copy every
  row with its id, drop X, rename new_X to X, re-create X's indexes and triggers from their stored
  SQL, ``PRAGMA foreign_key_check``, commit, foreign keys back on. It runs on a connection of its
  own: ``PRAGMA foreign_keys`` cannot change inside a transaction, and the pooled connections
  (``kernel.db``) keep it on. A migration using it sets ``wrap_in_transaction = False``.

SQLite enforces foreign keys only on connections that ask for it (``PRAGMA foreign_keys = 1``); the
server's and the CLI's always do. Both paths are idempotent: a column already as wanted is left alone.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from kernel.db import current_engine

ACTIONS = ("RESTRICT", "CASCADE", "NO ACTION", "SET NULL", "SET DEFAULT")
_ACTION_RE = r"(?:SET\s+NULL|SET\s+DEFAULT|NO\s+ACTION|CASCADE|RESTRICT)"


class ForeignKeyChangeError(RuntimeError):
    """The change could not be made as asked; nothing was changed."""


async def on_delete_actions(table: str) -> dict[str, str]:
    """Each foreign-key column of ``table`` → its ON DELETE action (upper case, e.g. ``RESTRICT``)."""
    engine = current_engine()
    if isinstance(engine, PostgresEngine):
        rows = await engine.run_querystring(_pg_constraints_query(table))
        return {r["column_name"]: r["delete_rule"] for r in rows}
    return await asyncio.to_thread(_sqlite_actions, getattr(engine, "path"), table)


async def set_on_delete(tables: dict[str, list[str]], action: str = "RESTRICT") -> dict[str, list[str]]:
    """Make the foreign keys ``tables`` names (table → columns) ``ON DELETE action``; returns the
    columns changed per table. Every row, index and constraint is kept."""
    action = action.upper()
    if action not in ACTIONS:
        raise ValueError(f"unknown ON DELETE action {action!r}")
    engine = current_engine()
    if isinstance(engine, PostgresEngine):
        return await _postgres(engine, tables, action)
    if isinstance(engine, SQLiteEngine):
        return await asyncio.to_thread(_sqlite, engine.path, tables, action)
    raise ForeignKeyChangeError(f"unsupported engine {type(engine).__name__}")


# ---- PostgreSQL -------------------------------------------------------------------------------


def _pg_constraints_query(table: str) -> Any:
    from piccolo.querystring import QueryString

    return QueryString(
        "SELECT tc.constraint_name, kcu.column_name, ccu.table_name AS ref_table, ccu.column_name AS ref_column, "
        "rc.delete_rule, rc.update_rule "
        "FROM information_schema.table_constraints tc "
        "JOIN information_schema.key_column_usage kcu "
        "  ON kcu.constraint_name = tc.constraint_name AND kcu.constraint_schema = tc.constraint_schema "
        "JOIN information_schema.referential_constraints rc "
        "  ON rc.constraint_name = tc.constraint_name AND rc.constraint_schema = tc.constraint_schema "
        "JOIN information_schema.constraint_column_usage ccu "
        "  ON ccu.constraint_name = tc.constraint_name AND ccu.constraint_schema = tc.constraint_schema "
        "WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_name = {} AND tc.table_schema = current_schema() "
        "ORDER BY kcu.column_name",
        table,
    )


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _postgres(engine: PostgresEngine, tables: dict[str, list[str]], action: str) -> dict[str, list[str]]:
    changed: dict[str, list[str]] = {}
    async with engine.transaction():
        for table, columns in tables.items():
            rows = await engine.run_querystring(_pg_constraints_query(table))
            found = {r["column_name"]: dict(r) for r in rows}
            missing = [c for c in columns if c not in found]
            if missing:
                raise ForeignKeyChangeError(f"{table}: no foreign key on {', '.join(missing)}")
            todo = [found[c] for c in columns if found[c]["delete_rule"] != action]
            if not todo:
                continue
            parts = []
            for r in todo:
                parts.append(f"DROP CONSTRAINT {_q(r['constraint_name'])}")
                parts.append(
                    f"ADD CONSTRAINT {_q(r['constraint_name'])} FOREIGN KEY ({_q(r['column_name'])}) "
                    f"REFERENCES {_q(r['ref_table'])} ({_q(r['ref_column'])}) ON DELETE {action} ON UPDATE {r['update_rule']}"
                )
            await engine.run_ddl(f"ALTER TABLE {_q(table)} " + ", ".join(parts))
            changed[table] = [r["column_name"] for r in todo]
    return changed


# ---- SQLite -----------------------------------------------------------------------------------


def _sqlite_actions(path: str, table: str) -> dict[str, str]:
    con = sqlite3.connect(path, timeout=30)
    try:
        return _fk_actions(con, table)
    finally:
        con.close()


def _fk_actions(con: sqlite3.Connection, table: str) -> dict[str, str]:
    # PRAGMA foreign_key_list: (id, seq, table, from, to, on_update, on_delete, match)
    return {row[3]: row[6].upper() for row in con.execute(f"PRAGMA foreign_key_list({_q(table)})")}


def rewrite_on_delete(create_sql: str, columns: list[str], action: str) -> str:
    """``create_sql`` (a table's stored ``CREATE TABLE``) with the ON DELETE clause of each of
    ``columns`` set to ``action`` (added after ``REFERENCES t (c)`` where there was none)."""
    out = create_sql
    for column in columns:
        pattern = re.compile(
            r'(?P<head>[(,]\s*"?' + re.escape(column) + r'"?\s[^,]*?REFERENCES\s+"?[\w]+"?\s*\(\s*"?\w+"?\s*\))'
            r"(?P<clause>\s+ON\s+DELETE\s+" + _ACTION_RE + r")?",
            re.IGNORECASE,
        )
        out, n = pattern.subn(lambda m: m.group("head") + f" ON DELETE {action}", out, count=1)
        if n != 1:
            raise ForeignKeyChangeError(f"no foreign key column {column!r} in: {create_sql}")
    return out


def _sqlite(path: str, tables: dict[str, list[str]], action: str) -> dict[str, list[str]]:
    con = sqlite3.connect(path, timeout=30, isolation_level=None)
    changed: dict[str, list[str]] = {}
    try:
        con.execute("PRAGMA foreign_keys = OFF")  # outside any transaction, or it does nothing
        con.execute("BEGIN IMMEDIATE")
        try:
            for table, columns in tables.items():
                actions = _fk_actions(con, table)
                missing = [c for c in columns if c not in actions]
                if missing:
                    raise ForeignKeyChangeError(f"{table}: no foreign key on {', '.join(missing)}")
                todo = [c for c in columns if actions[c] != action]
                if todo:
                    _rebuild(con, table, todo, action)
                    changed[table] = todo
            problems = con.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise ForeignKeyChangeError(f"foreign key check failed after the rebuild: {problems[:5]}")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.execute("PRAGMA foreign_keys = ON")
    finally:
        con.close()
    return changed


def _rebuild(con: sqlite3.Connection, table: str, columns: list[str], action: str) -> None:
    row = con.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
    if row is None:
        raise ForeignKeyChangeError(f"no table {table!r}")
    create_sql = row[0]
    temp = f"{table}__new"
    head = re.match(r'\s*CREATE\s+TABLE\s+(?:"[^"]+"|\w+)', create_sql, re.IGNORECASE)
    if head is None:
        raise ForeignKeyChangeError(f"cannot read the definition of {table!r}: {create_sql}")
    new_sql = f"CREATE TABLE {_q(temp)}" + rewrite_on_delete(create_sql, columns, action)[head.end() :]
    # Indexes and triggers that belong to the table, as stored (automatic ones, from UNIQUE and the
    # primary key, have no SQL and come back with the table's own definition).
    extras = con.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name",
        (table,),
    ).fetchall()
    count = con.execute(f"SELECT count(*) FROM {_q(table)}").fetchone()[0]
    con.execute(new_sql)
    con.execute(f"INSERT INTO {_q(temp)} SELECT * FROM {_q(table)}")
    con.execute(f"DROP TABLE {_q(table)}")
    con.execute(f"ALTER TABLE {_q(temp)} RENAME TO {_q(table)}")
    for _, _, sql in extras:
        con.execute(sql)
    copied = con.execute(f"SELECT count(*) FROM {_q(table)}").fetchone()[0]
    if copied != count:
        raise ForeignKeyChangeError(f"{table}: {count} rows before the rebuild, {copied} after")
    after = _fk_actions(con, table)
    wrong = [c for c in columns if after.get(c) != action]
    if wrong:
        raise ForeignKeyChangeError(f"{table}: {', '.join(wrong)} not ON DELETE {action} after the rebuild")


# ---- migrations -------------------------------------------------------------------------------


def migration(
    migration_id: str, app_name: str, description: str, tables: dict[str, tuple[str, list[str]]], action: str = "RESTRICT", previous: str = "CASCADE"
):
    """A Piccolo migration making ``tables`` (table name → (class name, columns)) ``ON DELETE action``,
    and back to ``previous`` when run backwards.

    The work is the raw step (``set_on_delete``, both engines); the migration also lists each
    column as an ``alter_column`` so that Piccolo's schema snapshot — what ``migrations new --auto``
    compares the tables with — knows the new action. Piccolo's own execution of those entries is
    skipped: it would ``ALTER TABLE … DROP CONSTRAINT``, which SQLite cannot do.
    """
    from piccolo.apps.migrations.auto.migration_manager import MigrationManager
    from piccolo.columns.base import OnDelete
    from piccolo.columns.column_types import ForeignKey

    class ForeignKeyMigration(MigrationManager):
        async def _run_alter_columns(self, backwards: bool = False) -> None:
            return None  # done by the raw step

    def on_delete(name: str) -> OnDelete:
        return OnDelete(name.upper().replace("_", " "))

    manager = ForeignKeyMigration(migration_id=migration_id, app_name=app_name, description=description, wrap_in_transaction=False)
    for table, (class_name, columns) in tables.items():
        for column in columns:
            manager.alter_column(
                table_class_name=class_name, tablename=table, column_name=column, db_column_name=column,
                params={"on_delete": on_delete(action)}, old_params={"on_delete": on_delete(previous)},
                column_class=ForeignKey, old_column_class=ForeignKey, schema=None,
            )  # fmt: skip
    plan = {table: columns for table, (_, columns) in tables.items()}

    async def forwards() -> None:
        await set_on_delete(plan, action)

    async def backwards() -> None:
        await set_on_delete(plan, previous)

    manager.add_raw(forwards)
    manager.add_raw_backwards(backwards)
    return manager
