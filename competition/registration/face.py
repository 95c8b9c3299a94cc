"""What other features may read and change of registration's contestants (its tables are its own).

Every read is one query however many people it returns, and the reads of a skill, an event or
the province's counts see only registrations that count (a delegation leader's rows once
accepted); ``columns`` name ``Contestant`` columns
(``"group.kind"`` follows the foreign key to the group), all of them when not given; rows come as
dicts keyed by those names, ordered by id. ``statuses`` keeps only those statuses, ``excluding``
leaves those out (``registered`` / ``withdrawn`` / ``disqualified``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from competition.registration.tables import Contestant, RegistrationReview
from kernel.db import execute_many, lock_row


def _columns(names: Iterable[str] | None) -> list[Any]:
    if not names:
        return [Contestant.all_columns()]
    out = []
    for name in names:
        column: Any = Contestant
        for part in name.split("."):
            column = getattr(column, part)
        out.append(column)
    return out


def _accepted() -> Any:
    """Only registrations that count: a delegation leader's rows once the organiser accepted them
    (``RegistrationReview``), and every row the organiser entered (they have no review)."""
    return Contestant.id.not_in(RegistrationReview.select(RegistrationReview.contestant).where(RegistrationReview.state != "accepted"))


def _where(where: Any, statuses: Iterable[str] | None, excluding: Iterable[str]) -> Any:
    where &= _accepted()
    if statuses is not None:
        where &= Contestant.status.is_in(list(statuses))
    excluded = list(excluding)
    if excluded:
        where &= Contestant.status.not_in(excluded)
    return where


async def contestants_of_skill(
    skill_id: int,
    columns: Iterable[str] | None = None,
    *,
    statuses: Iterable[str] | None = None,
    excluding: Iterable[str] = (),
    session: str | None = None,
) -> list[dict[str, Any]]:
    """The skill's contestants (one session's, when named)."""
    where = _where(Contestant.skill == skill_id, statuses, excluding)
    if session is not None:
        where &= Contestant.session == session
    return await Contestant.select(*_columns(columns)).where(where).order_by(Contestant.id)


async def contestants_of_event(
    event_id: int,
    columns: Iterable[str] | None = None,
    *,
    statuses: Iterable[str] | None = None,
    excluding: Iterable[str] = (),
    delegations: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """The event's contestants (of these delegations, when named)."""
    where = _where(Contestant.event == event_id, statuses, excluding)
    if delegations is not None:
        wanted = sorted(set(delegations))
        if not wanted:
            return []
        where &= Contestant.delegation.is_in(wanted)
    return await Contestant.select(*_columns(columns)).where(where).order_by(Contestant.id)


async def contestants_by_id(contestant_ids: Iterable[int], columns: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """These contestants (unknown ids, and rows not accepted, are left out)."""
    ids = sorted(set(contestant_ids))
    if not ids:
        return []
    return await Contestant.select(*_columns(columns)).where(Contestant.id.is_in(ids) & _accepted()).order_by(Contestant.id)


async def contestant(contestant_id: int, columns: Iterable[str] | None = None, *, event_id: int | None = None) -> dict[str, Any] | None:
    """One contestant (of this event, when named), or None (also for a row not accepted yet)."""
    where = (Contestant.id == contestant_id) & _accepted()
    if event_id is not None:
        where &= Contestant.event == event_id
    return await Contestant.select(*_columns(columns)).where(where).first()


async def sessions_of(skill_id: int, *, statuses: Iterable[str] | None = None) -> set[str]:
    """The sessions (场次) the skill's contestants sit in."""
    rows = await Contestant.select(Contestant.session).where(_where(Contestant.skill == skill_id, statuses, ())).distinct()
    return {r["session"] for r in rows}


async def groups_with_contestants(skill_ids: Iterable[int], *, excluding: Iterable[str] = ()) -> set[int]:
    """The groups of these skills that have contestants."""
    ids = sorted(set(skill_ids))
    if not ids:
        return set()
    rows = await Contestant.select(Contestant.group).where(_where(Contestant.skill.is_in(ids), None, excluding)).distinct()
    return {r["group"] for r in rows}


async def id_number_registered(event_id: int, id_number: str, id_type: str = "id_card") -> bool:
    """Is this document (type and normalised number; a 居民身份证 unless named) a contestant's in the event?"""
    return await Contestant.exists().where((Contestant.event == event_id) & (Contestant.id_type == id_type) & (Contestant.id_number == id_number))


async def contestants_by_identity(
    id_number: str, name: str, columns: Iterable[str] | None = None, *, id_type: str | None = None
) -> list[dict[str, Any]]:
    """Every registration (in any event) of the person with this document and this name as
    registered (both must match: a contestant's self-service look-up). A person is the document's
    type and normalised number: with ``id_type`` only that type's; without it, any type's with this
    number (the name must match as well)."""
    if not id_number or not name:
        return []
    where = (Contestant.id_number == id_number) & (Contestant.name == name) & _accepted()
    if id_type is not None:
        where &= Contestant.id_type == id_type
    return await Contestant.select(*_columns(columns)).where(where).order_by(Contestant.id)


async def is_of_skill(contestant_id: int, skill_id: int) -> bool:
    return await Contestant.exists().where((Contestant.id == contestant_id) & (Contestant.skill == skill_id) & _accepted())


# ---- writing (inside the caller's write transaction) ---------------------------------------------


async def lock_contestant(contestant_id: int) -> None:
    """Serialise writers about one contestant (``kernel.db.lock_row``)."""
    await lock_row(Contestant, contestant_id)


async def set_workstations(skill_id: int, session: str, numbers: dict[int, int]) -> None:
    """The draw's result: every contestant of the skill's session loses their workstation number,
    then each drawn one gets theirs (``{contestant_id: workstation_no}``)."""
    await Contestant.update({Contestant.workstation_no: None}).where((Contestant.skill == skill_id) & (Contestant.session == session))
    await execute_many('UPDATE "contestant" SET "workstation_no" = ? WHERE "id" = ?', [(ws, cid) for cid, ws in numbers.items()])


async def entrant_counts(event_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Entrants (withdrawn ones left out) counted by event, skill, group kind, delegation, sex and
    birth date — what the province's statistics add up (``province``; an age is computed from the
    exact date), one grouped query however many people: rows ``{event, skill, group_kind,
    delegation, sex, birth_date, birth_year, n}`` (``birth_date`` a date or None)."""
    where = "c.status <> 'withdrawn' AND c.id NOT IN (SELECT r.contestant FROM registration_review r WHERE r.state <> 'accepted')"
    args: list[Any] = []
    ids = None if event_ids is None else sorted(set(event_ids))
    if ids is not None:
        if not ids:
            return []
        where += " AND c.event IN (" + ", ".join("{}" for _ in ids) + ")"
        args += ids
    day = "SUBSTR(CAST(c.birth_date AS TEXT), 1, 10)"
    rows = await Contestant.raw(
        f"SELECT c.event AS event, c.skill AS skill, g.kind AS group_kind, c.delegation AS delegation, c.sex AS sex, "
        f'{day} AS birth_day, COUNT(*) AS n FROM contestant c JOIN competition_group g ON g.id = c."group" '
        f"WHERE {where} GROUP BY c.event, c.skill, g.kind, c.delegation, c.sex, {day}",
        *args,
    )
    out = []
    for r in rows:
        text = r.pop("birth_day")
        born = dt.date.fromisoformat(text) if text else None
        out.append({**r, "n": int(r["n"]), "birth_date": born, "birth_year": born.year if born else None})
    return out
