"""Mark ingest: every mark validated, committed with its audit entry, then acknowledged.

Tablets send marks over the websocket (``ws.py``); each goes to this process's ``MarkWriter``,
which commits whatever has arrived as one write transaction (group commit) in two steps: the
reads of the whole batch at once (the op ids, the locks, the marks committed since the previous
batch, the audit chain's head), then, after validation, the bulk inserts of the marks and their
audit entries together with the commit (``db.batch_transaction``). A mark is acknowledged only
after its transaction has committed, with its server sequence number (its audit entry's).
Re-sending an ``op_id`` answers with the first acknowledgement and stores nothing.

The op id is checked here; everything else a mark must pass is the pure rule
``scoring.acceptance.judge_mark`` (the skill, the seat, the contestant, the aspect, conflict of
interest, the value, the stage of the results by the access policy (``kernel.access``: judges mark
and the chief judge corrects while scoring, after a lock only the chief judge; after sign-off only
an organiser; once the group's results are provisional only the arbitration group, through an
appeal decided for that contestant; once final nothing), reasons, re-marking, a full panel). This
module reads what the rule needs inside the transaction, asks it, and writes what it accepted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import logging
import os
import re
import sys
import time
from typing import Any, Callable

from competition.dayof import face as dayof
from kernel import access, audit
from kernel.db import Query, batch_transaction, rows_in, values_in
from kernel.roles import CHIEF_JUDGE, JUDGE, ORGANISER, Principal
from marking.live.context import ContextCache, SkillContext
from scoring import acceptance
from scoring.messages import Message

log = logging.getLogger("marking.live")

OP_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
#: Longest text each field of a mark may carry (characters), checked before the mark is queued, so
#: nothing a judge sends is kept or echoed at any size: aspect ids are short (``A1.1``), encrypted
#: and workstation numbers shorter, the tablet's reason box holds 500, a value is a number.
MAX_FIELD = {"aspect": 64, "contestant": 32, "reason": 500, "value": 32, "measured": 32}
MAX_BATCH = 256
#: The authority an upheld appeal's corrections carry: the arbitration group's decision.
ARBITRATION = acceptance.ARBITRATION
#: What each authority a mark is entered under asks of the access policy.
AUTHORITY_CAPABILITY = {
    JUDGE: "enter_mark",
    CHIEF_JUDGE: "correct_mark",
    ORGANISER: "correct_mark_after_signoff",
    ARBITRATION: "correct_mark_by_appeal",
}
_PROFILE = bool(os.environ.get("COMPETITION_PROFILE_BATCHES"))
MARK_COLUMNS = ["skill", "contestant", "aspect", "judge", "value", "kind", "reason", "entered_by", "authority", "op_id", "seq", "created_at"]


class MarkRefused(Exception):
    """A mark the server will not store; ``code`` is stable, the message bilingual."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = Message(zh, en)


def refused(code: str, zh: str, en: str) -> MarkRefused:
    return MarkRefused(code, zh, en)


@dataclasses.dataclass
class MarkRequest:
    user: Principal
    actor: audit.Actor
    op_id: str
    skill_id: int
    contestant: str  # encrypted number (or workstation number before encryption)
    aspect: str
    value: Any
    reason: str = ""
    seat: int | None = None  # whose mark; another judge's only for a chief judge or organiser
    authority: str = JUDGE  # judge / chief_judge / organiser / arbitration: the role the user acts in
    measured: Any = None  # a banded measurement's measured deviation, instead of ``value``
    appeal_id: int | None = None  # arbitration only: the upheld appeal whose correction this is (set by marking.release.appeals)


def check_sizes(req: MarkRequest) -> None:
    """Refuse a mark whose text fields exceed :data:`MAX_FIELD` (the reason counted once trimmed)."""
    for name, limit in MAX_FIELD.items():
        value = getattr(req, name)
        if name == "reason" and isinstance(value, str):
            value = value.strip()
        if isinstance(value, str) and len(value) > limit:
            raise refused("too_long", f"{name} 过长（最多 {limit} 个字符）", f"{name} is too long (at most {limit} characters)")


@dataclasses.dataclass
class Ack:
    op_id: str
    seq: int
    duplicate: bool
    kind: str
    skill_id: int
    contestant: str
    aspect: str
    value: str
    aspect_status: str | None = None

    def frame(self) -> dict[str, Any]:
        return {
            "type": "ack", "op_id": self.op_id, "seq": self.seq, "duplicate": self.duplicate, "kind": self.kind,
            "skill_id": self.skill_id, "contestant": self.contestant, "aspect": self.aspect, "value": self.value,
            "aspect_status": self.aspect_status,
        }  # fmt: skip


@dataclasses.dataclass
class _Pending:
    req: MarkRequest
    future: asyncio.Future


@dataclasses.dataclass
class Accepted:
    """What a committed mark changed, for flags and boards."""

    skill_id: int
    contestant_id: int
    contestant_ref: str
    aspect: str
    status: str | None
    previous_status: str | None
    judges: dict[int, str]


Slot = tuple[int, int, str]  # (skill, contestant, aspect)
Panel = dict[int, tuple[int, str]]  # judge → (seq, value) of their latest mark


class CurrentMarks:
    """The latest mark of each judge on every slot this process has written to, kept up to date
    from the database by sequence number, so a batch reads only what changed since the last one
    (the previous batches' marks, and marks committed through other workers) instead of every
    mark ever entered on its slots. A slot is read whole the first time it is written to.

    Filled only from committed rows, read inside the writing transaction (which holds the
    database's write lock, so every mark up to the chain's head is committed): a batch that
    fails to commit leaves nothing behind. Past ``MAX_SLOTS`` it starts again empty.
    """

    MAX_SLOTS = 200_000

    def __init__(self) -> None:
        self.slots: dict[Slot, Panel] = {}
        self.seen_seq: int | None = None  # every mark up to this seq is in ``slots`` (for the slots held)

    def queries(self, wanted: set[Slot]) -> tuple[list[Query], list[Slot]]:
        """The reads that bring ``wanted`` up to date: marks since ``seen_seq``, and the whole
        history of the slots not held yet (returned too)."""
        if len(self.slots) > self.MAX_SLOTS:
            self.slots.clear()
        missing = sorted(s for s in wanted if s not in self.slots)
        columns = '"skill", "contestant", "aspect", "judge", "value", "seq"'
        # Before the first batch nothing is held: every wanted slot is read whole.
        since = (
            (f'SELECT {columns} FROM "mark" WHERE "seq" > ?', [self.seen_seq])
            if self.seen_seq is not None
            else (f'SELECT {columns} FROM "mark" WHERE 1 = 0', [])
        )
        marked, params = rows_in({"skill": "integer", "contestant": "integer", "aspect": "text"}, missing)
        return [since, (f'SELECT {columns} FROM "mark" WHERE {marked}', params)], missing

    def apply(self, missing: list[Slot], since_rows: list[dict[str, Any]], slot_rows: list[dict[str, Any]], head_seq: int) -> None:
        for slot in missing:
            self.slots[slot] = {}
        for m in sorted([*since_rows, *slot_rows], key=lambda m: m["seq"]):  # the latest mark of each judge wins
            panel = self.slots.get((m["skill"], m["contestant"], m["aspect"]))
            if panel is not None:
                panel[m["judge"]] = (m["seq"], m["value"])
        self.seen_seq = max(self.seen_seq or 0, head_seq)

    def panels(self, wanted: set[Slot]) -> dict[Slot, Panel]:
        """A copy of the wanted slots' panels, for a batch's validation to add its marks to."""
        return {slot: dict(self.slots[slot]) for slot in wanted if slot in self.slots}


def _slots(batch: list[_Pending], contexts: dict[int, SkillContext | None]) -> set[Slot]:
    slots: set[Slot] = set()
    for p in batch:
        ctx = contexts.get(p.req.skill_id)
        if ctx is None or ctx.scheme is None or not isinstance(p.req.aspect, str) or p.req.aspect not in ctx.scheme.places:
            continue  # refused by validation; a slot is only ever one of the scheme's aspects
        c = ctx.contestant_by_ref(str(p.req.contestant))
        if c is not None:
            slots.add((p.req.skill_id, c.id, p.req.aspect))
    return slots


def _reads(batch: list[_Pending], contexts: dict[int, SkillContext | None], marks: list[Query]) -> list[Query]:
    """What a batch's validation reads inside its transaction: earlier uses of its op ids, the
    locks and sign-offs of its skills, the audit chain's head, and the marks on its slots
    (``CurrentMarks.queries``)."""
    ops = sorted({(p.req.user.user_id, p.req.op_id) for p in batch})
    skill_ids = sorted(k for k, v in contexts.items() if v is not None)
    used, used_params = rows_in({"entered_by": "integer", "op_id": "text"}, ops)
    skills, skill_params = values_in("skill", "integer", skill_ids)
    return [
        (f'SELECT "entered_by", "op_id", "seq", "kind", "skill", "aspect", "value", "contestant" FROM "mark" WHERE {used}', used_params),
        (f'SELECT "skill", "criterion" FROM "criterion_lock" WHERE {skills}', skill_params),
        dayof.submitted_query(skills, skill_params),
        (f'SELECT "skill", "group", "stage" FROM "result_release" WHERE {skills}', skill_params),
        (audit.HEAD_SQL, []),
        *marks,
    ]


class MarkWriter:
    """Group commit of marks for one process. ``submit`` returns the ack or raises MarkRefused."""

    def __init__(self, contexts: ContextCache, on_committed: Callable[[list[Accepted]], Any] | None = None) -> None:
        self.contexts = contexts
        self.on_committed = on_committed
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._task: asyncio.Task | None = None
        self._batches: set[asyncio.Task] = set()
        self.current = CurrentMarks()
        self.committed = 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="mark-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        # Batches already on their way finish: their marks commit (and are answered if still possible).
        await asyncio.gather(*self._batches, return_exceptions=True)

    async def submit(self, req: MarkRequest) -> Ack:
        return await self.enqueue(req)

    def enqueue(self, req: MarkRequest) -> asyncio.Future:
        """Queue a mark for the next commit; the future gives its ``Ack`` or raises ``MarkRefused``.
        A malformed op id is refused at once (raised here)."""
        if not isinstance(req.op_id, str) or not OP_ID_RE.fullmatch(req.op_id):
            raise refused("bad_op_id", "op_id 须为 1–64 个字母、数字或 _.:-", "op_id must be 1-64 letters, digits or _.:-")
        check_sizes(req)
        self.start()
        fut = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(req, fut))
        return fut

    async def _run(self) -> None:
        """Two batches overlap: while one commits, the next is gathered, read and validated.

        The database keeps them in order: the next batch's transaction begins only after this one
        has committed (SQLite: the writer's one connection, whose steps run in the order they were
        handed over; PostgreSQL: the audit chain's advisory lock), so its reads see this batch's
        marks and its audit entries follow on the chain. What the overlap saves is the wait for
        the event loop between one commit and the next batch's first read.
        """
        previous: asyncio.Task | None = None
        while True:
            first = await self._queue.get()
            batch = [first]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            writing = asyncio.Event()
            task = asyncio.create_task(self._batch(batch, writing, previous), name="mark-batch")
            self._batches.add(task)
            task.add_done_callback(self._batches.discard)
            # The next batch is gathered once this one's writes are on their way (or it failed).
            signal = asyncio.create_task(writing.wait())
            await asyncio.wait((task, signal), return_when=asyncio.FIRST_COMPLETED)
            signal.cancel()
            previous = task

    async def _batch(self, batch: list[_Pending], writing: asyncio.Event, previous: asyncio.Task | None) -> None:
        try:
            accepted = await self._commit(batch, writing, previous)
        except Exception as exc:  # the transaction failed: nothing of the batch was stored
            writing.set()
            log.exception("mark batch of %d failed", len(batch))
            for p in batch:
                if not p.future.done():
                    p.future.set_exception(
                        refused(
                            "unavailable", "服务器暂时无法保存评分，请稍后重发", "The server could not store the mark just now; it will be re-sent"
                        )
                        if not isinstance(exc, MarkRefused)
                        else exc
                    )
            return
        if accepted and self.on_committed is not None:
            try:
                result = self.on_committed(accepted)
                if asyncio.iscoroutine(result):
                    await result
            except Exception:  # live updates must never undo or delay a committed mark
                log.exception("publishing committed marks failed")

    async def _commit(self, batch: list[_Pending], writing: asyncio.Event, previous: asyncio.Task | None) -> list[Accepted]:
        phases = [time.perf_counter()]  # for the diagnostics: when each step of the batch ended
        # Contexts first, outside the transaction (they are reads of slowly changing data).
        contexts: dict[int, SkillContext | None] = {}
        for p in batch:
            if p.req.skill_id not in contexts:
                contexts[p.req.skill_id] = await self.contexts.get(p.req.skill_id)
        phases.append(time.perf_counter())
        results: list[tuple[_Pending, Ack | MarkRefused]] = []
        accepted: list[Accepted] = []
        rows: list[dict[str, Any]] = []
        # One transaction in two steps: every read the batch needs, then the inserts with the commit.
        async with batch_transaction(advisory_lock=audit.ADVISORY_KEY) as tx:
            slots = _slots(batch, contexts)
            mark_reads, missing = self.current.queries(slots)
            found, lock_rows, signed_rows, release_rows, head, since_rows, slot_rows = await tx.fetch(_reads(batch, contexts, mark_reads))
            phases.append(time.perf_counter())
            self.current.apply(missing, since_rows, slot_rows, head[0]["seq"] if head else 0)
            existing = {(m["entered_by"], m["op_id"]): m for m in found}
            standing = _BatchStanding(lock_rows, signed_rows, release_rows)
            current = self.current.panels(slots)
            entries: list[audit.Entry] = []
            in_batch: dict[tuple[int, str], int] = {}
            for p in batch:
                req = p.req
                key = (req.user.user_id, req.op_id)
                if key in existing:
                    m = existing[key]
                    results.append((p, Ack(req.op_id, m["seq"], True, m["kind"], m["skill"], str(req.contestant), m["aspect"], m["value"])))
                    continue
                if key in in_batch:
                    results.append((p, ("same", in_batch[key])))  # type: ignore[arg-type]
                    continue
                try:
                    row, entry, acc = self._validate(req, contexts.get(req.skill_id), standing, current)
                except MarkRefused as exc:
                    results.append((p, exc))
                    continue
                in_batch[key] = len(rows)
                rows.append(row)
                entries.append(entry)
                accepted.append(acc)
                results.append((p, row))  # type: ignore[arg-type]
            if rows:
                now = dt.datetime.now(dt.timezone.utc)
                audit_rows, seqs = audit.chain(entries, head[0] if head else None, now)
                for row, seq in zip(rows, seqs):
                    row["seq"] = seq
                    row["created_at"] = now
                tx.insert_many("audit_log", audit.COLUMNS, audit_rows)
                tx.insert_many("mark", MARK_COLUMNS, [tuple(r[c] for c in MARK_COLUMNS) for r in rows])
            phases.append(time.perf_counter())
            writing.set()  # the next batch may begin: the database puts it after this commit
        phases.append(time.perf_counter())
        if previous is not None:
            await previous  # answered and published in the order committed
        # Committed: answer every tablet.
        for p, outcome in results:
            if p.future.done():
                continue
            if isinstance(outcome, MarkRefused):
                p.future.set_exception(outcome)
            elif isinstance(outcome, Ack):
                p.future.set_result(outcome)
            elif isinstance(outcome, tuple):
                row = rows[outcome[1]]
                p.future.set_result(
                    Ack(
                        p.req.op_id,
                        row["seq"],
                        True,
                        row["kind"],
                        row["skill"],
                        str(p.req.contestant),
                        row["aspect"],
                        row["value"],
                        row.get("_status"),
                    )
                )
            else:
                row = outcome
                p.future.set_result(
                    Ack(
                        p.req.op_id,
                        row["seq"],
                        False,
                        row["kind"],
                        row["skill"],
                        str(p.req.contestant),
                        row["aspect"],
                        row["value"],
                        row.get("_status"),
                    )
                )
        self.committed += len(rows)
        if _PROFILE:
            phases.append(time.perf_counter())
            ms = [1000 * (b - a) for a, b in zip(phases, phases[1:])]
            print(
                f"batch {len(batch)} {sum(ms):.1f} ms: contexts {ms[0]:.1f} reads {ms[1]:.1f} validation {ms[2]:.1f} "
                f"writes+commit {ms[3]:.1f} answers {ms[4]:.1f}",
                file=sys.stderr,
                flush=True,
            )
        return accepted

    def _validate(
        self, req: MarkRequest, ctx: SkillContext | None, standing: _BatchStanding, current: dict[Slot, Panel]
    ) -> tuple[dict[str, Any], audit.Entry, Accepted]:
        """The pure rule (``scoring.acceptance.judge_mark``) on what this batch read; the panel of
        the slot takes the accepted mark, so a later mark of the same batch sees it."""
        contestant = ctx.contestant_by_ref(str(req.contestant)) if ctx is not None else None
        key = (req.skill_id, contestant.id, req.aspect) if contestant is not None and isinstance(req.aspect, str) else None
        panel = current.get(key, {}) if key is not None else {}
        user = req.user
        mark = acceptance.Mark(
            user.user_id, req.contestant, req.aspect, req.value, req.reason if isinstance(req.reason, str) else "", req.seat,
            req.authority, req.measured, req.appeal_id,
        )  # fmt: skip
        verdict = acceptance.judge_mark(ctx, mark, standing.of(req.skill_id, {j: v for j, (_, v) in panel.items()}), _authority(user, ctx))
        if isinstance(verdict, acceptance.Refusal):
            raise MarkRefused(verdict.code, verdict.message.zh, verdict.message.en)
        assert ctx is not None and key is not None
        current.setdefault(key, {})[verdict.seat] = (0, verdict.value)
        row = {
            "skill": ctx.skill_id, "contestant": verdict.contestant_id, "aspect": verdict.aspect, "judge": verdict.seat, "value": verdict.value,
            "kind": verdict.kind, "reason": verdict.reason, "entered_by": user.user_id, "authority": verdict.authority, "op_id": req.op_id,
            "_status": verdict.status,
        }  # fmt: skip
        entry = audit.Entry(
            f"mark.{verdict.kind}", req.actor, event_id=ctx.event_id, target=f"contestant:{verdict.contestant_id}",
            details={"skill": ctx.skill_id, "aspect": verdict.aspect, "judge": verdict.seat, "value": verdict.value, "reason": verdict.reason,
                     "authority": verdict.authority, "op_id": req.op_id},
        )  # fmt: skip
        acc = Accepted(
            ctx.skill_id, verdict.contestant_id, verdict.contestant_ref, verdict.aspect, verdict.status, verdict.previous_status, verdict.panel
        )
        return row, entry, acc


def _authority(user: Principal, ctx: SkillContext | None) -> acceptance.Authority:
    """The access policy's answers for ``user`` in ``ctx``'s skill, as the pure rule asks them."""
    event_id, skill_id = (ctx.event_id, ctx.skill_id) if ctx is not None else (None, None)
    return acceptance.Authority(
        holds=lambda authority: access.allows(user, AUTHORITY_CAPABILITY[authority], event_id, skill_id),
        stage_allows=lambda authority, stage: access.stage_allows(AUTHORITY_CAPABILITY[authority], stage),
    )


@dataclasses.dataclass
class _BatchStanding:
    """Each skill's results stages, sign-off and locked criteria as a batch read them, built once
    per batch; each mark adds its slot's panel."""

    def __init__(self, lock_rows: list[dict[str, Any]], signed_rows: list[dict[str, Any]], release_rows: list[dict[str, Any]]) -> None:
        locks: dict[int, set[str]] = {}
        for lk in lock_rows:
            locks.setdefault(lk["skill"], set()).add(lk["criterion"])
        releases: dict[int, dict[int, str]] = {}
        for r in release_rows:
            releases.setdefault(r["skill"], {})[r["group"]] = r["stage"]
        signed = {r["skill"] for r in signed_rows}
        self.skills = {
            skill: acceptance.Standing(releases.get(skill, {}), skill in signed, frozenset(locks.get(skill, ())))
            for skill in locks.keys() | releases.keys() | signed
        }

    def of(self, skill_id: int, panel: dict[int, str]) -> acceptance.Standing:
        return dataclasses.replace(self.skills.get(skill_id, _SCORING), panel=panel)


_SCORING = acceptance.Standing()


#: What a mark row repeats of its audit entry (``_validate`` writes both): the entry's details
#: key for each column, and the row's contestant as the entry's target.
_AUDITED_COLUMNS = ("skill", "aspect", "judge", "value", "reason", "authority", "op_id")


async def check_marks(page: int = 5000) -> tuple[int, tuple[int, str] | None]:
    """Compare every stored mark with the audit entry of its sequence number, and every mark entry
    with its row: a mark altered, added or deleted in the database (behind the server's back) is
    named by its entry's number. For ``competition audit verify`` (``audit.RECORD_CHECKS``)."""
    from marking.tables import Mark

    checked, last = 0, 0
    while True:
        rows = await Mark.raw(
            'SELECT m."seq", m."skill", m."contestant", m."aspect", m."judge", m."value", m."kind", m."reason", m."authority", '
            'm."op_id", a."action" AS entry_action, a."target" AS entry_target, a."details" AS entry_details '
            'FROM "mark" m LEFT JOIN "audit_log" a ON a."seq" = m."seq" WHERE m."seq" > {} ORDER BY m."seq" LIMIT {}',
            last, page,
        )  # fmt: skip
        if not rows:
            break
        for row in rows:
            checked += 1
            seq = row["seq"]
            if row["entry_action"] is None:
                return checked, (seq, f"a mark row (op {row['op_id']}) has no audit entry: added outside the server")
            details = row["entry_details"]
            details = json.loads(details) if isinstance(details, str) else (details or {})
            differs = [c for c in _AUDITED_COLUMNS if str(details.get(c, "")) != str(row[c] if row[c] is not None else "")]
            if row["entry_action"] != f"mark.{row['kind']}":
                differs.append("kind")
            if row["entry_target"] != f"contestant:{row['contestant']}":
                differs.append("contestant")
            if differs:
                return checked, (seq, f"the mark row recorded by this entry was altered ({', '.join(differs)})")
        last = rows[-1]["seq"]
    orphan = await Mark.raw(
        'SELECT a."seq" FROM "audit_log" a WHERE a."action" LIKE {} '
        'AND NOT EXISTS (SELECT 1 FROM "mark" m WHERE m."seq" = a."seq") ORDER BY a."seq" LIMIT 1',
        "mark.%",
    )
    if orphan:
        return checked, (orphan[0]["seq"], "the mark recorded by this entry is missing from the mark table (deleted)")
    return checked, None


async def record_of(contestant_id: int, skill_id: int) -> list[str]:
    """For registration: has this contestant been marked?"""
    from marking.tables import Mark

    return ["marks"] if await Mark.exists().where(Mark.contestant == contestant_id) else []
