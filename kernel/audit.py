"""The audit log: append-only and hash-chained, so an altered or deleted row is detectable.

Each entry's hash covers its content and the previous entry's hash. ``record`` must run inside
the write transaction of the action it records, so an action and its audit entry commit or fail
together; on PostgreSQL an advisory lock serialises appends (SQLite's ``BEGIN IMMEDIATE`` already
does). ``verify`` walks the chain and names the first entry that does not match, then checks
the records that repeat an entry (``RECORD_CHECKS``: a mark row carries its entry's sequence
number), so a mark altered or deleted in the database is named too, not only an audit row.

A hash chain cannot notice its newest entries being cut off together (nothing after them links to
them). So the chain's **head** (an entry's sequence number and hash) is recorded outside the chain
at every step that closes something: the chief judge's submission and re-check, each publication
of results, each backup. ``record_step`` appends the step's entry, which names the head it extends
(``details.chain_head``), and returns the new head for the step's own record (``ScoreSubmission``,
``ResultRelease``: ``HEAD_SOURCES`` lists who keeps them); the notice prints it, backups carry it
beside them. ``verify`` then checks that every recorded head is still in the chain with the same
hash, and that the chain does not end before the highest of them ("truncated after seq N").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from typing import Any, Awaitable, Callable

from piccolo.engine.postgres import PostgresEngine

from kernel.db import current_engine
from kernel.tables import AuditLog

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


@dataclasses.dataclass(frozen=True)
class Head:
    """The chain's head: its newest entry's sequence number and hash."""

    seq: int
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash}


async def record(action: str, actor: Actor, *, event_id: int | None = None, target: str = "", details: dict[str, Any] | None = None) -> int:
    """Append an entry; call inside ``write_transaction()``. Returns its sequence number."""
    return (await _append(action, actor, event_id=event_id, target=target, details=details, with_head=False)).seq


async def record_step(action: str, actor: Actor, *, event_id: int | None = None, target: str = "", details: dict[str, Any] | None = None) -> Head:
    """Append the entry of a step whose record keeps the chain's head (a sign-off, a publication);
    call inside ``write_transaction()``. The entry names the head it extends (``chain_head``);
    the head returned — this entry — goes into the step's own record."""
    return await _append(action, actor, event_id=event_id, target=target, details=details, with_head=True)


async def head() -> Head | None:
    """The chain's head now (inside a write transaction: as this transaction will extend it)."""
    last = await AuditLog.select(AuditLog.seq, AuditLog.hash).order_by(AuditLog.seq, ascending=False).first()
    return Head(last["seq"], last["hash"]) if last else None


async def _append(action: str, actor: Actor, *, event_id: int | None, target: str, details: dict[str, Any] | None, with_head: bool) -> Head:
    engine = current_engine()
    if isinstance(engine, PostgresEngine):
        await engine.run_ddl(f"SELECT pg_advisory_xact_lock({ADVISORY_KEY})")
    last = await AuditLog.select(AuditLog.seq, AuditLog.hash).order_by(AuditLog.seq, ascending=False).first()
    seq = (last["seq"] + 1) if last else 1
    prev = last["hash"] if last else GENESIS
    if with_head:
        details = {**(details or {}), "chain_head": {"seq": seq - 1, "hash": prev}}
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
    return Head(seq, row["hash"])


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
    from kernel.db import insert_many

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
    heads: int = 0  # heads recorded at sign-offs and publications, found in the chain
    head: Head | None = None  # the chain's last entry
    truncated_after: int | None = None  # the chain ends here, before a recorded head


@dataclasses.dataclass(frozen=True)
class RecordedHead:
    """A head some step recorded outside the chain; ``where`` says which (``release:3 final``)."""

    where: str
    seq: int
    hash: str


#: A record check returns how many rows it compared and the first problem: the audit entry's
#: sequence number and what is wrong, or None.
RecordCheck = Callable[[], Awaitable[tuple[int, tuple[int, str] | None]]]
#: Tables whose rows each repeat one audit entry, checked by ``verify`` after the chain. The
#: features that keep such tables register their check when the server wires the app
#: (``server/wiring.py``); the kernel does not know them.
RECORD_CHECKS: list[RecordCheck] = []
#: Who keeps heads recorded at steps (``record_step``): each returns its ``RecordedHead``s.
HEAD_SOURCES: list[Callable[[], Awaitable[list[RecordedHead]]]] = []


def register_record_check(check: RecordCheck) -> None:
    if check not in RECORD_CHECKS:
        RECORD_CHECKS.append(check)


def register_head_source(source: Callable[[], Awaitable[list[RecordedHead]]]) -> None:
    if source not in HEAD_SOURCES:
        HEAD_SOURCES.append(source)


def _record_checks() -> list[RecordCheck]:
    return list(RECORD_CHECKS)


def compare_heads(report: ChainReport, heads: list[RecordedHead], stored: dict[int, str]) -> ChainReport | None:
    """The first recorded head the chain no longer holds, as a failed report (None: all there).

    ``stored`` maps the heads' sequence numbers to the hashes the chain has for them. A chain that
    ends before the highest head was cut off after its last entry: its newest entries were deleted
    together, which the links between entries cannot show.
    """
    if not heads:
        return None
    last = report.head.seq if report.head else 0
    highest = max(heads, key=lambda h: h.seq)
    if highest.seq > last:
        return dataclasses.replace(
            report, ok=False, first_broken_seq=last + 1, truncated_after=last,
            reason=f"truncated after seq {last}: {highest.where} recorded the chain's head at entry {highest.seq}, "
                   f"so entries {last + 1}–{highest.seq} at least are missing",
        )  # fmt: skip
    for h in sorted(heads, key=lambda h: h.seq):
        if stored.get(h.seq) != h.hash:
            return dataclasses.replace(
                report, ok=False, first_broken_seq=h.seq,
                reason=f"entry {h.seq} is not the one {h.where} recorded as the chain's head (its hash differs: the chain was rewritten)",
            )  # fmt: skip
    return None


async def recorded_heads() -> list[RecordedHead]:
    heads: list[RecordedHead] = []
    for source in HEAD_SOURCES:
        heads += await source()
    return heads


async def _stored_hashes(seqs: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    wanted = sorted(set(seqs))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for r in await AuditLog.select(AuditLog.seq, AuditLog.hash).where(AuditLog.seq.is_in(chunk)):
            out[r["seq"]] = r["hash"]
    return out


async def verify_heads(report: ChainReport, heads: list[RecordedHead]) -> ChainReport:
    """``report`` (of an intact chain) checked against ``heads``; ``heads`` counted on success."""
    failed = compare_heads(report, heads, await _stored_hashes([h.seq for h in heads]))
    if failed is not None:
        return failed
    report.heads += len(heads)
    return report


async def verify() -> ChainReport:
    """Walk the whole chain in order (the first mismatch, gap or reordering is reported), check
    that every head recorded at a step is still in it (so it was not cut short), then compare the
    records that repeat entries with them."""
    report = await _verify_chain()
    if not report.ok:
        return report
    report = await verify_heads(report, await recorded_heads())
    if not report.ok:
        return report
    for check in _record_checks():
        checked, problem = await check()
        report.records += checked
        if problem is not None:
            return ChainReport(False, report.entries, problem[0], problem[1], report.records, report.heads, report.head)
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
    return ChainReport(True, count, head=Head(last, prev) if count else None)
