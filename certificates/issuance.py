"""Issuing certificates from the approved award proposals of an event.

**What is issued.** Every approved (``approved_at`` set), unstruck ``AwardProposal`` of the event,
in the name, ID number and employer of the proposal's snapshot (taken when the results became
final, ``certificates.proposals``), never the live contestant row: what was approved is what is
issued, and so is what the ledger records. Only the contestant's status is read live (withdrawn or
disqualified since gets nothing):

- ``award`` → 获奖证书 (A);
- ``honour`` with outcome ``granted`` → 荣誉证书 (H) and a ``HonourHeld`` row; ``already_held``
  gets nothing (nobody receives the same honour twice), nor does an honour the person has
  meanwhile received in another event;
- ``promotion`` with outcome ``promoted`` or ``promoted_already_held`` → 职业技能等级证书 entry (P)
  and a ``PromotionLedger`` row; ``no_change`` gets nothing, nor does a person the ledger
  already shows at or above the target level (another event promoted them since), nor a second
  promotion in the same event. The level promoted *from* is the higher of the proposal's and the
  ledger's (see :func:`certificates.ledger.current_level_for`).

Withdrawn or disqualified contestants get nothing. Each skipped proposal has a reason
(:func:`plan` lists them; the page shows them).

**Numbers.** ``certificates.numbering.format_number(event code, type, seq, year of issue)``; the
sequence comes from the event's ``CertificateCounter`` row of that type, incremented with
``UPDATE … RETURNING`` inside the write transaction that also inserts the certificate rows (and
the honour and ledger rows) and the audit entry. On SQLite the transaction is ``BEGIN IMMEDIATE``
(writers queue); on PostgreSQL the event's counter rows are locked ``FOR UPDATE`` first, so a
concurrent issuer waits and then sees the certificates just committed. Before allocating, each
proposal is looked up among the certificates already issued (the unique index ``(contestant,
cert_type, code)`` backs this up), so issuing twice yields the same certificates.

**Record first, render after.** A number exists only together with its certificate row (one
transaction), so a crash can neither lose an allocated number nor hand one out twice; an
interrupted transaction rolls back its allocation too. PDFs are rendered afterwards in batches
(:func:`certificates.render.render_batch`, one multi-page document per batch, split per person),
written atomically to ``<data_dir>/certificates/<event>/<number>.pdf``; ``Certificate.file`` is set
once the file is written. Issuing again (or the CLI, or a download) renders whatever is missing
with the stored data, so the same number always gets the same certificate.

**Progress.** Each run is an ``IssuanceBatch``: ``total`` PDFs to render, ``done`` so far,
``running`` → ``finished`` / ``failed``. Start, allocation and end are audited.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import anyio.to_thread
from piccolo.engine.postgres import PostgresEngine

from certificates import changes, seal, service
from certificates.numbering import format_number
from certificates.render import CertificateData, display_width, make_verify_url, render_batch
from certificates.tables import AwardProposal, Certificate, HonourHeld, IssuanceBatch, PromotionLedger
from kernel import audit
from kernel.db import current_engine, execute_many, write_transaction
from kernel.errors import BilingualError, invalid, not_found
from kernel.i18n import CHINA_TZ, china_time, t
from kernel.settings import Settings
from kernel.tables import Event, User
from scoring.awards import AWARDS, award_label
from scoring.honours import HONOURS
from scoring.identity import DEFAULT_TYPE, person_ref

ALLOCATION_CHUNK = 200  # proposals per allocation transaction (keeps the write lock short)
RENDER_BATCH = 50  # certificates per rendered document
PROMOTING = ("promoted", "promoted_already_held")
_CERT_FIELDS = {f.name for f in dataclasses.fields(CertificateData)}

ProgressCallback = Callable[[int, int], None]

# Batches running in this process, and one render at a time per event (another process may render
# the same missing file at the same time: harmless, the write is atomic and the bytes the same).
_ACTIVE: set[int] = set()
_TASKS: set[asyncio.Task] = set()
_EVENT_LOCKS: dict[int, asyncio.Lock] = {}


# ---- candidates and decisions ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Candidate:
    """An approved, unstruck proposal with what the certificate needs."""

    proposal_id: int
    kind: str
    code: str
    contestant_id: int
    name: str
    id_number: str
    employer: str
    status: str
    skill_id: int
    skill: str
    occupation_code: str
    group_id: int
    group_name: str
    group_kind: str
    rank: int | None
    from_level: int | None
    to_level: int | None
    rule: str
    outcome: str
    approved_by: int | None
    approved_at: dt.datetime | None
    team: str = ""  # the team ranked, in a team skill (one certificate per member names it)
    id_type: str = DEFAULT_TYPE

    @property
    def person(self) -> str:
        """Who the holder is across events: document type + number (``scoring.identity.person_ref``)."""
        return person_ref(self.id_type, self.id_number) if self.id_number else ""


@dataclasses.dataclass
class Decision:
    candidate: Candidate
    action: str  # issue | issued | skip
    reason: str = ""  # for skip: already_held, no_change, already_at_level, promoted_in_event, withdrawn, invalid
    detail: str = ""
    number: str | None = None
    from_level: int | None = None
    cert: CertificateData | None = None

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        c = self.candidate
        return {
            "proposal_id": c.proposal_id,
            "kind": c.kind,
            "code": c.code,
            "what": service.what_label(
                c.kind,
                c.code,
                {"occupation": c.skill, "from_level": self.from_level if self.from_level is not None else c.from_level, "to_level": c.to_level},
                lang,
            ),
            "contestant_id": c.contestant_id,
            "holder_name": c.name,
            "skill": c.skill,
            "group": c.group_name,
            "rank": c.rank,
            "action": self.action,
            "reason": self.reason,
            "reason_text": t(f"cert.reason.{self.reason}", lang, detail=self.detail) if self.reason else "",
            "number": self.number,
        }


async def load_candidates(event_id: int) -> list[Candidate]:
    P = AwardProposal
    rows = await P.select(
        P.id, P.kind, P.code, P.rank, P.from_level, P.to_level, P.rule, P.outcome, P.approved_by, P.approved_at, P.contestant, P.skill,
        P.holder_name, P.holder_id_type, P.holder_id_number, P.holder_employer, P.holder_team,
        P.contestant.status.as_alias("c_status"), P.skill.name.as_alias("s_name"), P.skill.occupation_code.as_alias("s_code"),
        P.group.name.as_alias("g_name"), P.group.kind.as_alias("g_kind"), P.group,
    ).where((P.event == event_id) & (P.struck == False) & P.approved_at.is_not_null())  # noqa: E712  # fmt: skip
    cands = [
        Candidate(
            proposal_id=r["id"],
            kind=r["kind"],
            code=r["code"],
            contestant_id=r["contestant"],
            name=r["holder_name"],
            id_number=(r["holder_id_number"] or "").upper(),
            id_type=r["holder_id_type"] or DEFAULT_TYPE,
            employer=r["holder_employer"] or "",
            status=r["c_status"] or "registered",
            skill_id=r["skill"],
            skill=r["s_name"],
            occupation_code=r["s_code"] or "",
            group_id=r["group"],
            group_name=r["g_name"] or "",
            group_kind=r["g_kind"] or "",
            rank=r["rank"],
            from_level=r["from_level"],
            to_level=r["to_level"],
            rule=r["rule"] or "",
            outcome=r["outcome"] or "",
            team=r["holder_team"] or "",
            approved_by=r["approved_by"],
            approved_at=r["approved_at"],
        )  # fmt: skip
        for r in rows
    ]
    # Numbers follow the results: skill, group, rank, then award → honour → promotion.
    cands.sort(key=lambda c: (c.skill_id, c.group_id, c.rank is None, c.rank or 0, c.contestant_id, service.TYPE_ORDER.get(c.kind, 9), c.code))
    return cands


@dataclasses.dataclass
class _Context:
    existing: dict[tuple[int, str, str], str]  # (contestant, type, code) → number
    honours_held: set[tuple[str, str]]  # (person, honour); a person is person_ref(document type, number)
    promoted_in: set[tuple[str, int]]  # (person, event)
    ledger_level: dict[str, int]  # person → highest to_level (revoked certificates not counted)


async def _context(cands: Sequence[Candidate]) -> _Context:
    cids = sorted({c.contestant_id for c in cands})
    people = sorted({c.person for c in cands if c.person})
    numbers = sorted({c.id_number for c in cands if c.id_number})
    existing: dict[tuple[int, str, str], str] = {}
    held: set[tuple[str, str]] = set()
    promoted: set[tuple[str, int]] = set()
    levels: dict[str, int] = {}
    if cids:
        rows = await Certificate.select(Certificate.contestant, Certificate.cert_type, Certificate.code, Certificate.number).where(
            Certificate.contestant.is_in(cids)
        )
        existing = {(r["contestant"], r["cert_type"], r["code"]): r["number"] for r in rows}
    if people:
        held = {
            (person_ref(r["id_type"], r["id_number"]), r["honour"])
            for r in await HonourHeld.select(HonourHeld.id_type, HonourHeld.id_number, HonourHeld.honour).where(HonourHeld.id_number.is_in(numbers))
        }
        ledger = await PromotionLedger.select(
            PromotionLedger.id_type, PromotionLedger.id_number, PromotionLedger.event, PromotionLedger.to_level, PromotionLedger.certificate_number
        ).where(PromotionLedger.id_number.is_in(numbers))
        revoked = await _revoked_numbers([r["certificate_number"] for r in ledger])
        for r in ledger:
            who = person_ref(r["id_type"], r["id_number"])
            promoted.add((who, r["event"]))
            if r["certificate_number"] not in revoked:
                levels[who] = max(levels.get(who, -1), r["to_level"])
    return _Context(existing, held, promoted, levels)


async def _revoked_numbers(numbers: Iterable[str]) -> set[str]:
    wanted = sorted({n for n in numbers if n})
    if not wanted:
        return set()
    rows = await Certificate.select(Certificate.number).where(Certificate.number.is_in(wanted) & Certificate.revoked_at.is_not_null())
    return {r["number"] for r in rows}


def _fits(text: str, width: float) -> bool:
    return display_width(text) <= width


def _print_data(c: Candidate, event: dict[str, Any], from_level: int | None, number: str, verify_url: str, issued: dt.datetime) -> CertificateData:
    """What goes on the certificate; ValueError (from CertificateData) when something does not fit."""
    host = (event.get("host") or "").strip()
    issuer = host if host and _fits(host, 20) else service.DEFAULT_ISSUER
    fields: dict[str, Any] = dict(
        cert_type=service.CERT_TYPES[c.kind], number=number, holder_name=c.name, event_name=event["name"], skill=c.skill,
        group=c.group_name or None, issuer=issuer, issue_date=issued, verify_url=verify_url,
        id_number_masked=c.id_number or None, organisation=c.employer if c.employer and _fits(c.employer, 30) else None,
        team=c.team if c.team and _fits(c.team, 16) else None,
    )  # fmt: skip
    if c.kind == "award":
        fields["award"] = award_label(c.code, "zh")
    elif c.kind == "honour":
        fields["honour"] = HONOURS[c.code].text("zh")
    else:
        fields.update(
            occupation=c.skill, occupation_code=c.occupation_code or None,
            level_from=service.from_level_text(from_level), level_to=service.level_text(c.to_level),
        )  # fmt: skip
    return CertificateData(**fields)


_PLACEHOLDER_SEQ = 1


def decide(c: Candidate, ctx: _Context, event: dict[str, Any], *, settings: Settings, issued: dt.datetime, taken: set) -> Decision:
    """What issuing does with one candidate (pure: reads the context, changes nothing but ``taken``)."""
    key = (c.contestant_id, c.kind, c.code)
    if key in ctx.existing:
        return Decision(c, "issued", number=ctx.existing[key], from_level=c.from_level)
    if c.status in ("withdrawn", "disqualified"):
        return Decision(c, "skip", "withdrawn")
    from_level = c.from_level
    if c.kind == "honour":
        if c.code not in HONOURS:
            return Decision(c, "skip", "invalid", detail=f"unknown honour {c.code!r}")
        if c.outcome == "already_held" or (c.person, c.code) in ctx.honours_held or ("honour", c.person, c.code) in taken:
            return Decision(c, "skip", "already_held")
    elif c.kind == "promotion":
        if c.outcome not in PROMOTING or c.to_level is None:
            return Decision(c, "skip", "no_change")
        if (c.person, event["id"]) in ctx.promoted_in or ("promotion", c.person) in taken:
            return Decision(c, "skip", "promoted_in_event")
        known = [lvl for lvl in (c.from_level, ctx.ledger_level.get(c.person)) if lvl is not None and lvl >= 0]
        from_level = max(known) if known else None
        if from_level is not None and from_level >= c.to_level:
            return Decision(c, "skip", "already_at_level", from_level=from_level)
    elif c.kind == "award":
        if c.code not in AWARDS:
            return Decision(c, "skip", "invalid", detail=f"unknown award {c.code!r}")
    else:
        return Decision(c, "skip", "invalid", detail=f"unknown kind {c.kind!r}")
    # Check that it can be printed before any number is spent on it.
    try:
        number = format_number(event["code"], service.CERT_TYPES[c.kind], _PLACEHOLDER_SEQ, issued.astimezone(CHINA_TZ).year)
        cert = _print_data(c, event, from_level, number, make_verify_url(settings.public_base_url, number), issued)
    except ValueError as exc:
        return Decision(c, "skip", "invalid", detail=str(exc), from_level=from_level)
    if c.kind == "honour":
        taken.add(("honour", c.person, c.code))
    elif c.kind == "promotion":
        taken.add(("promotion", c.person))
    return Decision(c, "issue", from_level=from_level, cert=cert)


async def _event(event_id: int) -> dict[str, Any]:
    row = await Event.select(Event.id, Event.name, Event.code, Event.host).where(Event.id == event_id).first()
    if row is None:
        raise not_found("event")
    return row


def _check_event_code(event: dict[str, Any], year: int) -> None:
    try:
        format_number(event["code"], "A", 1, year)
    except ValueError:
        raise invalid(
            "code",
            f"赛事代码 {event['code']} 不能用于证书编号：须为 2–12 位大写字母或数字，请先修改赛事代码",
            f"the event code {event['code']} cannot go into certificate numbers: it must be 2-12 capital letters or digits; change the event's code first",
            code="event_code_unusable",
        ) from None


async def plan(event_id: int, settings: Settings, lang: str = "zh") -> dict[str, Any]:
    """What issuing would do now with each approved proposal (read only)."""
    event = await _event(event_id)
    cands = await load_candidates(event_id)
    ctx = await _context(cands)
    now = dt.datetime.now(dt.timezone.utc)
    taken: set = set()
    decisions = [decide(c, ctx, event, settings=settings, issued=now, taken=taken) for c in cands]
    counts = Counter(d.action for d in decisions)
    return {
        "approved": len(decisions),
        "issued": counts["issued"],
        "pending": counts["issue"],
        "skipped": counts["skip"],
        "items": [d.to_json(lang) for d in decisions],
    }


# ---- allocation ------------------------------------------------------------------------------


async def _lock_counters(event_id: int) -> None:
    """Make sure the event's counter rows exist, and (PostgreSQL) lock them for this transaction."""
    await Certificate.raw(
        "INSERT INTO certificate_counter (event, cert_type, next_seq) VALUES ({}, 'award', 1), ({}, 'honour', 1), ({}, 'promotion', 1) "
        "ON CONFLICT (event, cert_type) DO NOTHING",
        event_id, event_id, event_id,
    )  # fmt: skip
    if isinstance(current_engine(), PostgresEngine):
        await Certificate.raw("SELECT id FROM certificate_counter WHERE event = {} ORDER BY cert_type FOR UPDATE", event_id)


async def _allocate(event_id: int, cert_type: str, count: int) -> int:
    """Reserve ``count`` consecutive sequence numbers; returns the first. Inside the write transaction."""
    rows = await Certificate.raw(
        "UPDATE certificate_counter SET next_seq = next_seq + {} WHERE event = {} AND cert_type = {} RETURNING next_seq",
        count, event_id, cert_type,
    )  # fmt: skip
    return int(rows[0]["next_seq"]) - count


def _basis(c: Candidate, event: dict[str, Any], award_of: dict[int, str]) -> str:
    parts = [event["name"], c.skill, c.group_name]
    if c.rank is not None:
        parts.append(f"第{c.rank}名")
    if award_of.get(c.contestant_id):
        parts.append(award_label(award_of[c.contestant_id], "zh"))
    return " ".join(p for p in parts if p)


def _stored_data(d: Decision, number: str, verify_url: str) -> dict[str, Any]:
    cert = dataclasses.replace(d.cert, number=number, verify_url=verify_url)
    data = {f: getattr(cert, f) for f in _CERT_FIELDS}
    data["cert_type"] = cert.cert_type.value
    data["issue_date"] = cert.issue_date.isoformat()
    c = d.candidate
    data.update(
        proposal_id=c.proposal_id, rank=c.rank, group_kind=c.group_kind, rule=c.rule,
        from_level=d.from_level if c.kind == "promotion" else None, to_level=c.to_level if c.kind == "promotion" else None,
    )  # fmt: skip
    return data


async def _issue_chunk(
    chunk: Sequence[Candidate], event: dict[str, Any], actor: audit.Actor, settings: Settings, batch_id: int, award_of: dict[int, str]
) -> list[Decision]:
    """One write transaction: look up, decide, allocate, insert, audit."""
    async with write_transaction():
        await _lock_counters(event["id"])
        ctx = await _context(chunk)  # read under the lock: sees everything committed before
        now = dt.datetime.now(dt.timezone.utc)
        year = now.astimezone(CHINA_TZ).year
        taken: set = set()
        decisions = [decide(c, ctx, event, settings=settings, issued=now, taken=taken) for c in chunk]
        new = [d for d in decisions if d.action == "issue"]
        if not new:
            return decisions
        by_type: dict[str, list[Decision]] = {}
        for d in new:
            by_type.setdefault(d.candidate.kind, []).append(d)
        for kind, items in by_type.items():
            first = await _allocate(event["id"], kind, len(items))
            for i, d in enumerate(items):
                d.number = format_number(event["code"], service.CERT_TYPES[kind], first + i, year)
        certs, honours, ledger = [], [], []
        seal_name = seal.current(settings, event["id"])  # printed on these certificates, now and when re-rendered
        for d in new:
            c = d.candidate
            url = make_verify_url(settings.public_base_url, d.number)
            certs.append(Certificate(
                number=d.number, event=event["id"], skill=c.skill_id, contestant=c.contestant_id, cert_type=c.kind, code=c.code,
                holder_name=c.name, id_number=c.id_number, data={**_stored_data(d, d.number, url), "seal": seal_name}, file="", issued_at=now,
                issued_by=actor.user_id,
            ))  # fmt: skip
            if c.kind == "honour":
                honours.append(
                    HonourHeld(
                        id_type=c.id_type,
                        id_number=c.id_number,
                        name=c.name,
                        honour=c.code,
                        event=event["id"],
                        certificate_number=d.number,
                        granted_at=now,
                    )
                )
            elif c.kind == "promotion":
                ledger.append(PromotionLedger(
                    id_type=c.id_type, id_number=c.id_number, name=c.name, occupation=c.skill, occupation_code=c.occupation_code,
                    from_level=d.from_level if d.from_level is not None else 0, to_level=c.to_level, rule=c.rule,
                    basis=_basis(c, event, award_of), event=event["id"], approved_by=c.approved_by, approved_at=c.approved_at,
                    certificate_number=d.number, recorded_at=now,
                ))  # fmt: skip
        await Certificate.insert(*certs)
        if honours:
            await HonourHeld.insert(*honours)
        if ledger:
            await PromotionLedger.insert(*ledger)
        await audit.record(
            "certificate.issue",
            actor,
            event_id=event["id"],
            target=f"batch:{batch_id}",
            details={"batch": batch_id, "count": len(new), "numbers": [d.number for d in new],
                     "proposals": [d.candidate.proposal_id for d in new]},
        )  # fmt: skip
    return decisions


# ---- batches ---------------------------------------------------------------------------------


def batch_json(row: dict[str, Any], lang: str = "zh") -> dict[str, Any]:
    return {
        "id": row["id"],
        "event_id": row["event"],
        "status": row["status"],
        "status_label": t(f"cert.batch_status.{row['status']}", lang),
        "total": row["total"],
        "done": row["done"],
        "started_at": row["started_at"].isoformat() if row.get("started_at") else None,
        "started_at_china": china_time(row.get("started_at")),
        "finished_at_china": china_time(row.get("finished_at")),
        "started_by": row.get("started_by_name") or "",
        "error": row.get("error") or "",
    }


def _batch_select():
    return IssuanceBatch.select(IssuanceBatch.all_columns(), IssuanceBatch.started_by.display_name.as_alias("started_by_name"))


async def get_batch(event_id: int, batch_id: int, lang: str = "zh") -> dict[str, Any]:
    row = await _batch_select().where((IssuanceBatch.id == batch_id) & (IssuanceBatch.event == event_id)).first()
    if row is None:
        raise not_found("batch")
    return batch_json(row, lang)


async def list_batches(event_id: int, lang: str = "zh", limit: int = 20) -> list[dict[str, Any]]:
    rows = await _batch_select().where(IssuanceBatch.event == event_id).order_by(IssuanceBatch.id, ascending=False).limit(limit)
    return [batch_json(r, lang) for r in rows]


async def _start_batch(event_id: int, actor: audit.Actor) -> int:
    async with write_transaction():
        stale = await IssuanceBatch.select(IssuanceBatch.id).where((IssuanceBatch.event == event_id) & (IssuanceBatch.status == "running"))
        started_by = actor.user_id if actor.user_id and await User.exists().where(User.id == actor.user_id) else None
        row = (await IssuanceBatch.insert(IssuanceBatch(event=event_id, started_by=started_by, status="running")).returning(IssuanceBatch.id))[0]
        batch_id = row["id"]
        # Runs of this event marked running but not running in this process were interrupted (a
        # crash or restart): this run picks up their work.
        interrupted = [r["id"] for r in stale if r["id"] not in _ACTIVE]
        if interrupted:
            await IssuanceBatch.update(
                {IssuanceBatch.status: "failed", IssuanceBatch.error: f"interrupted; resumed by batch {batch_id}",
                 IssuanceBatch.finished_at: dt.datetime.now(dt.timezone.utc)}
            ).where(IssuanceBatch.id.is_in(interrupted))  # fmt: skip
        await audit.record(
            "certificate.batch.start", actor, event_id=event_id, target=f"batch:{batch_id}", details={"batch": batch_id, "resumes": interrupted}
        )
    _ACTIVE.add(batch_id)
    return batch_id


async def _missing_files(event_id: int, settings: Settings) -> list[int]:
    """Ids of the event's valid certificates whose PDF is not on disk, in number order."""
    rows = (
        await Certificate.select(Certificate.id, Certificate.file)
        .where((Certificate.event == event_id) & Certificate.revoked_at.is_null())
        .order_by(Certificate.number)
    )
    return [r["id"] for r in rows if service.file_path(settings, r) is None]


async def issue(
    event_id: int,
    actor: audit.Actor,
    settings: Settings,
    *,
    render: str = "background",
    batch_size: int | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Issue what is due and render what is missing; returns the batch and what happened.

    ``render``: ``"background"`` (the server: the PDFs are rendered by a task, watch the batch),
    ``"now"`` (CLI, demo: returns when every PDF is written), ``"none"`` (allocate only; tests use
    it to stand for a crash before rendering).
    """
    if render not in ("background", "now", "none"):
        raise ValueError(f"render={render!r}")
    event = await _event(event_id)
    now = dt.datetime.now(dt.timezone.utc)
    _check_event_code(event, now.astimezone(CHINA_TZ).year)
    batch_id = await _start_batch(event_id, actor)
    try:
        cands = await load_candidates(event_id)
        award_of = {c.contestant_id: c.code for c in cands if c.kind == "award"}
        decisions: list[Decision] = []
        for start in range(0, len(cands), ALLOCATION_CHUNK):
            decisions += await _issue_chunk(cands[start : start + ALLOCATION_CHUNK], event, actor, settings, batch_id, award_of)
        missing = await _missing_files(event_id, settings)
        async with write_transaction():
            await IssuanceBatch.update({IssuanceBatch.total: len(missing), IssuanceBatch.done: 0}).where(IssuanceBatch.id == batch_id)
            await changes.outcomes_changed(event_id)
    except Exception as exc:
        await _finish(batch_id, event_id, actor, error=f"{type(exc).__name__}: {exc}")
        raise
    issued = [d for d in decisions if d.action == "issue"]
    summary = {
        "issued": len(issued),
        "existing": sum(1 for d in decisions if d.action == "issued"),
        "skipped": dict(Counter(d.reason for d in decisions if d.action == "skip")),
        "numbers": [d.number for d in issued],
        "problems": [d.to_json() for d in decisions if d.reason == "invalid"],
    }
    job = _render_run(batch_id, event_id, missing, actor, settings, batch_size or RENDER_BATCH, progress, summary)
    if render == "background":
        task = asyncio.get_running_loop().create_task(job)
        _TASKS.add(task)
        task.add_done_callback(_TASKS.discard)
    elif render == "now":
        await job
    else:
        job.close()
        _ACTIVE.discard(batch_id)  # as if the process had stopped here
    return {"batch": await get_batch(event_id, batch_id), **summary}


async def _render_run(
    batch_id: int, event_id: int, ids: list[int], actor: audit.Actor, settings: Settings, size: int,
    progress: ProgressCallback | None, summary: dict[str, Any],
) -> None:  # fmt: skip
    lock = _EVENT_LOCKS.setdefault(event_id, asyncio.Lock())
    failures: list[str] = []
    try:
        async with lock:
            total = len(ids)
            if progress:
                progress(0, total)
            done = 0
            for start in range(0, total, size):
                chunk = ids[start : start + size]
                rows = await Certificate.select().where(Certificate.id.is_in(chunk) & Certificate.revoked_at.is_null()).output(load_json=True)
                todo = [r for r in rows if service.file_path(settings, r) is None]  # another run may have done some
                failures += await render_rows(todo, settings)
                done += len(chunk)
                async with write_transaction():
                    await IssuanceBatch.update({IssuanceBatch.done: done}).where(IssuanceBatch.id == batch_id)
                if progress:
                    progress(done, total)
        error = f"{len(failures)} PDF(s) could not be rendered: " + "; ".join(failures[:5]) if failures else ""
        await _finish(batch_id, event_id, actor, error=error, summary=summary)
    except Exception as exc:  # noqa: BLE001 - recorded on the batch; the next run resumes
        await _finish(batch_id, event_id, actor, error=f"{type(exc).__name__}: {exc}", summary=summary)
        raise
    finally:
        _ACTIVE.discard(batch_id)


async def _finish(batch_id: int, event_id: int, actor: audit.Actor, *, error: str = "", summary: dict[str, Any] | None = None) -> None:
    status = "failed" if error else "finished"
    details = {"batch": batch_id, "status": status, "error": error}
    if summary:
        details.update(issued=summary["issued"], existing=summary["existing"], skipped=summary["skipped"])
    async with write_transaction():
        await IssuanceBatch.update(
            {IssuanceBatch.status: status, IssuanceBatch.error: error[:2000], IssuanceBatch.finished_at: dt.datetime.now(dt.timezone.utc)}
        ).where(IssuanceBatch.id == batch_id)
        await audit.record(f"certificate.batch.{status}", actor, event_id=event_id, target=f"batch:{batch_id}", details=details)
    _ACTIVE.discard(batch_id)


# ---- rendering -------------------------------------------------------------------------------


def certificate_data(row: dict[str, Any], settings: Settings | None = None) -> CertificateData:
    """The printable certificate of a stored row (the same every time it is rendered), with the
    seal it was issued with (``data["seal"]``, read from the data directory of ``settings``)."""
    data = service._data(row)
    fields = {k: v for k, v in data.items() if k in _CERT_FIELDS}
    fields["issue_date"] = dt.date.fromisoformat(fields["issue_date"])
    if settings is not None and data.get("seal"):
        fields["seal_image"] = seal.data_uri(settings, row["event"], data["seal"])
    return CertificateData(**fields)


def _render_files(certs: list[CertificateData], out_dir) -> tuple[list[str], list[str]]:
    """Render into ``out_dir``; a failing batch is retried one by one so one bad page spoils nothing else."""
    try:
        render_batch(certs, out_dir, batch_size=len(certs))
        return [c.number for c in certs], []
    except Exception:  # noqa: BLE001
        ok, bad = [], []
        for c in certs:
            try:
                render_batch([c], out_dir, batch_size=1)
                ok.append(c.number)
            except Exception as exc:  # noqa: BLE001
                bad.append(f"{c.number}: {exc}")
        return ok, bad


async def render_rows(rows: list[dict[str, Any]], settings: Settings) -> list[str]:
    """Write the PDFs of these certificate rows and record them; returns the failures."""
    failures: list[str] = []
    by_event: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        by_event.setdefault(r["event"], []).append(r)
    for event_id, items in by_event.items():
        certs, ids = [], {}
        for r in items:
            try:
                certs.append(certificate_data(r, settings))
                ids[r["number"]] = r["id"]
            except (ValueError, KeyError, TypeError) as exc:
                failures.append(f"{r['number']}: {exc}")
        if not certs:
            continue
        out_dir = service.pdf_dir(settings, event_id)
        ok, bad = await anyio.to_thread.run_sync(_render_files, certs, out_dir)
        failures += bad
        if ok:
            async with write_transaction():
                await execute_many("UPDATE certificate SET file = ? WHERE id = ?", [(service.relative_file(event_id, n), ids[n]) for n in ok])
    return failures


async def wait_for_background() -> None:
    """Wait for this process's render tasks (tests and shutdown)."""
    while _TASKS:
        await asyncio.gather(*list(_TASKS), return_exceptions=True)


async def ensure_pdf(row: dict[str, Any], settings: Settings) -> Path:
    """The PDF of a certificate, rendered now if it is not on disk yet (e.g. a batch still running)."""
    path = service.file_path(settings, row)
    if path is not None:
        return path
    await render_rows([row], settings)
    fresh = await Certificate.select(Certificate.file).where(Certificate.id == row["id"]).first()
    path = service.file_path(settings, {"file": fresh["file"]}) if fresh else None
    if path is None:
        raise BilingualError(503, "unavailable", zh="证书文件暂不可用，请稍后再试", en="The certificate file is not available yet; try again shortly")
    return path


# ---- demo ------------------------------------------------------------------------------------


async def demo(event_id: int) -> str | None:
    """Issue certificates for whatever approved proposals the demo event has (idempotent)."""

    approved = await AwardProposal.count().where(
        (AwardProposal.event == event_id) & (AwardProposal.struck == False) & AwardProposal.approved_at.is_not_null()  # noqa: E712
    )
    if not approved:
        return "证书：尚无已审批的获奖名单，未签发 / certificates: no approved results yet, none issued"
    settings = Settings.from_env()
    result = await issue(event_id, audit.Actor(None, "demo"), settings, render="now")
    total = await Certificate.count().where(Certificate.event == event_id)
    return (
        f"证书：本次新签发 {result['issued']} 张，共 {total} 张 / certificates: {result['issued']} newly issued, {total} in all "
        f"(PDF: {service.pdf_dir(settings, event_id)})"
    )
