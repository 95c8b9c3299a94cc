"""The audit log: append-only and hash-chained, so an altered or deleted row is detectable.

Each entry's hash covers its content and the previous entry's hash. ``record`` must run inside
the write transaction of the action it records, so an action and its audit entry commit or fail
together; on PostgreSQL an advisory lock serialises appends (SQLite's ``BEGIN IMMEDIATE`` already
does). ``verify`` walks the chain and names the first entry that does not match, then checks
the records that repeat an entry (``RECORD_CHECKS``: a mark row carries its entry's sequence
number), so a mark altered or deleted in the database is named too, not only an audit row.

A hash chain cannot notice its newest entries being cut off together (nothing after them links to
them); comparing the entry count with one noted elsewhere (a backup, a printed sign-off) does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib
import json
from typing import Any, Awaitable, Callable

from piccolo.engine.postgres import PostgresEngine

from competition.db import current_engine
from competition.tables import AuditLog

GENESIS = "0" * 64
ADVISORY_KEY = 7_240_001  # any constant; names the audit chain's lock on PostgreSQL


@dataclasses.dataclass(frozen=True)
class Actor:
    user_id: int | None
    name: str
    ip: str = ""
    user_agent: str = ""


SYSTEM = Actor(None, "system")


def _canonical_time(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(row: dict[str, Any], at: str | None = None) -> str:
    """The hash of a row (as stored, or about to be); ``at``: its time already in canonical form."""
    payload = {
        "seq": row["seq"],
        "at": at or _canonical_time(row["at"]),
        "actor_id": row["actor_id"],
        "actor": row["actor"],
        "action": row["action"],
        "event_id": row["event_id"],
        "target": row["target"],
        "details": row["details"] if not isinstance(row["details"], str) else json.loads(row["details"] or "{}"),
        "ip": row["ip"],
        "user_agent": row["user_agent"],
        "prev_hash": row["prev_hash"],
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


async def record(action: str, actor: Actor, *, event_id: int | None = None, target: str = "", details: dict[str, Any] | None = None) -> int:
    """Append an entry; call inside ``write_transaction()``. Returns its sequence number."""
    engine = current_engine()
    if isinstance(engine, PostgresEngine):
        await engine.run_ddl(f"SELECT pg_advisory_xact_lock({ADVISORY_KEY})")
    last = await AuditLog.select(AuditLog.seq, AuditLog.hash).order_by(AuditLog.seq, ascending=False).first()
    seq = (last["seq"] + 1) if last else 1
    prev = last["hash"] if last else GENESIS
    # Microsecond precision survives both databases, so the stored time hashes the same when re-read.
    row = {
        "seq": seq,
        "at": dt.datetime.now(dt.timezone.utc),
        "actor_id": actor.user_id,
        "actor": actor.name[:100],
        "action": action,
        "event_id": event_id,
        "target": target[:200],
        "details": json.loads(json.dumps(details or {}, ensure_ascii=False, default=str)),
        "ip": actor.ip[:64],
        "user_agent": actor.user_agent[:300],
        "prev_hash": prev,
    }
    row["hash"] = entry_hash(row)
    await AuditLog.insert(AuditLog(**row))
    return seq


@dataclasses.dataclass(frozen=True)
class Entry:
    action: str
    actor: Actor
    event_id: int | None = None
    target: str = ""
    details: dict[str, Any] | None = None


COLUMNS = ["seq", "at", "actor_id", "actor", "action", "event_id", "target", "details", "ip", "user_agent", "prev_hash", "hash"]


#: The chain's head: read inside the write transaction that appends to it.
HEAD_SQL = 'SELECT "seq", "hash" FROM "audit_log" ORDER BY "seq" DESC LIMIT 1'


def _plain(details: dict[str, Any]) -> bool:
    """A flat dict of strings, whole numbers and None reads back from JSON exactly as it is."""
    return all(type(k) is str and (v is None or type(v) in (str, int)) for k, v in details.items())


def chain(entries: list[Entry], head: dict[str, Any] | None, now: dt.datetime | None = None) -> tuple[list[tuple], list[int]]:
    """Rows (in ``COLUMNS`` order) that append ``entries`` after ``head`` (the last row's seq and
    hash, None for an empty log), and their sequence numbers."""
    seq = head["seq"] if head else 0
    prev = head["hash"] if head else GENESIS
    now = now or dt.datetime.now(dt.timezone.utc)
    at = _canonical_time(now)
    rows, seqs = [], []
    for e in entries:
        seq += 1
        details = e.details or {}
        if not _plain(details):  # as it will read back: what JSON cannot hold becomes text
            details = json.loads(json.dumps(details, ensure_ascii=False, default=str))
        row = {
            "seq": seq, "at": now, "actor_id": e.actor.user_id, "actor": e.actor.name[:100], "action": e.action,
            "event_id": e.event_id, "target": e.target[:200], "details": details,
            "ip": e.actor.ip[:64], "user_agent": e.actor.user_agent[:300], "prev_hash": prev,
        }  # fmt: skip
        row["hash"] = prev = entry_hash(row, at)
        row["details"] = json.dumps(details, ensure_ascii=False)
        rows.append(tuple(row[c] for c in COLUMNS))
        seqs.append(seq)
    return rows, seqs


async def record_many(entries: list[Entry]) -> list[int]:
    """Append several entries in one go (bulk insert); call inside ``write_transaction()``.

    For batched work such as marks arriving from many tablets at once: one look-up of the chain's
    head and one bulk insert instead of a round trip per entry.
    """
    from competition.db import insert_many

    if not entries:
        return []
    engine = current_engine()
    if isinstance(engine, PostgresEngine):
        await engine.run_ddl(f"SELECT pg_advisory_xact_lock({ADVISORY_KEY})")
    last = await AuditLog.select(AuditLog.seq, AuditLog.hash).order_by(AuditLog.seq, ascending=False).first()
    rows, seqs = chain(entries, last)
    await insert_many("audit_log", COLUMNS, rows)
    return seqs


@dataclasses.dataclass
class ChainReport:
    ok: bool
    entries: int
    first_broken_seq: int | None = None
    reason: str = ""
    records: int = 0  # rows of other tables checked against their entries


#: A record check returns how many rows it compared and the first problem: the audit entry's
#: sequence number and what is wrong, or None.
RecordCheck = Callable[[], Awaitable[tuple[int, tuple[int, str] | None]]]
#: Tables whose rows each repeat one audit entry, checked by ``verify`` after the chain.
RECORD_CHECKS = ("scoring.live.ingest:check_marks",)


def _record_checks() -> list[RecordCheck]:
    checks = []
    for name in RECORD_CHECKS:
        module, attr = name.split(":")
        checks.append(getattr(importlib.import_module(module), attr))
    return checks


async def verify() -> ChainReport:
    """Walk the whole chain in order (the first mismatch, gap or reordering is reported), then
    compare the records that repeat entries with them."""
    report = await _verify_chain()
    if not report.ok:
        return report
    for check in _record_checks():
        checked, problem = await check()
        report.records += checked
        if problem is not None:
            return ChainReport(False, report.entries, problem[0], problem[1], report.records)
    return report


async def _verify_chain() -> ChainReport:
    prev = GENESIS
    expected_seq = 1
    count = 0
    last = 0
    page = 5000
    while True:
        # Keyset pages (seq > last): the walk stays linear however long the log is.
        rows = await AuditLog.select().where(AuditLog.seq > last).order_by(AuditLog.seq).limit(page)
        if not rows:
            break
        for row in rows:
            count += 1
            if row["seq"] != expected_seq:
                return ChainReport(False, count, expected_seq, f"entry {expected_seq} is missing")
            if row["prev_hash"] != prev:
                return ChainReport(False, count, row["seq"], "previous-hash link does not match")
            if entry_hash(row) != row["hash"]:
                return ChainReport(False, count, row["seq"], "content does not match its hash")
            prev = row["hash"]
            expected_seq += 1
        last = rows[-1]["seq"]
    return ChainReport(True, count)
