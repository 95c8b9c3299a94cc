"""The province's summary (``province_fact``) kept right: rebuilt per event from the records
whenever what it counts changes, fully by ``competition province rebuild``, and checked against a
fresh count by ``competition province check``.

- ``refresh_event(event_id)`` replaces one event's rows with :func:`province.statistics.facts`
  of that event, inside the caller's transaction when there is one — it answers
  ``marking.release.service.FINALISED`` (a group made final or final again: entrants and the new
  proposals) and ``certificates.changes.OUTCOMES_CHANGED`` (a list approved, an entry struck, a
  certificate issued or revoked), wired in ``server/wiring.py``;
- ``rebuild()`` replaces every row (the first start, a restore, registrations changed afterwards);
- ``check()`` compares the stored rows with a fresh count and lists every difference.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

from piccolo.engine.postgres import PostgresEngine

from kernel.db import current_engine, insert_many, lock_row, write_transaction
from kernel.tables import Event
from province.statistics import COLUMN, Fact, facts
from province.tables import ProvinceFact

_DIMS = tuple(COLUMN)
_COLUMNS = ["event", "skill", *(COLUMN[d] for d in _DIMS), "entrants", "prizes", "honours", "promotions"]


def _row(f: Fact) -> tuple:
    return (f.event_id, f.skill_id, *(f.key[d] for d in _DIMS), f.entrants, f.prizes, f.honours, f.promotions)


async def _store(event_ids: list[int] | None) -> int:
    # Two groups of one event made final at once (each locks its own skill) must not both delete
    # and re-insert the event's rows: the second would keep the first's rows too. Each refresh
    # locks its events first, a full rebuild the whole summary; then counts what is committed.
    if event_ids is None:
        if isinstance(current_engine(), PostgresEngine):
            await ProvinceFact.raw("LOCK TABLE province_fact IN SHARE ROW EXCLUSIVE MODE")
    else:
        for event_id in event_ids:
            await lock_row(Event, event_id)
    fresh = await facts(event_ids)
    if event_ids is None:
        await ProvinceFact.delete(force=True)
    else:
        await ProvinceFact.delete().where(ProvinceFact.event.is_in(event_ids))
    await insert_many("province_fact", _COLUMNS, [_row(f) for f in fresh])
    return len(fresh)


async def _in_transaction(event_ids: list[int] | None) -> int:
    if current_engine().current_transaction.get() is not None:
        return await _store(event_ids)
    async with write_transaction():
        return await _store(event_ids)


async def refresh(event_ids: Iterable[int]) -> int:
    """Replace these events' rows with a fresh count; returns how many rows they have now."""
    ids = sorted(set(int(i) for i in event_ids))
    return await _in_transaction(ids) if ids else 0


async def refresh_event(event_id: int) -> None:
    """``OUTCOMES_CHANGED``'s answer: one event counted afresh."""
    await refresh([event_id])


async def on_final(data: Any, group_id: int, actor: Any, final: dict[str, Any] | None = None) -> dict[str, Any]:
    """``FINALISED``'s answer: the event of the group made final counted afresh (after the
    proposals were stored, in the same transaction). Adds nothing to the audit entry."""
    await refresh([data.event_id])
    return {}


async def rebuild() -> dict[str, int]:
    """Every event counted afresh: ``{"events": n, "rows": n}``."""
    rows = await _in_transaction(None)
    return {"events": await Event.count(), "rows": rows}


def _grain(rows: Iterable[tuple]) -> Counter:
    """Measures by full key (rows of the same key added, so two equal splits compare equal)."""
    out: Counter = Counter()
    for r in rows:
        key = tuple(str(v) for v in r[: 2 + len(_DIMS)])
        for i, m in enumerate(("entrants", "prizes", "honours", "promotions")):
            out[(key, m)] += int(r[2 + len(_DIMS) + i])
    return Counter({k: v for k, v in out.items() if v})


async def check(event_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Every difference between the summary and a fresh count (of these events; every event when
    None): ``{event, skill, key, measure, stored, fresh}``; empty when the summary is right."""
    ids = None if event_ids is None else sorted(set(int(i) for i in event_ids))
    query = ProvinceFact.select(*(getattr(ProvinceFact, c) for c in _COLUMNS))
    if ids is not None:
        query = query.where(ProvinceFact.event.is_in(ids)) if ids else query.where(ProvinceFact.id < 0)
    stored = _grain(tuple(r[c] for c in _COLUMNS) for r in await query)
    fresh = _grain(_row(f) for f in await facts(ids))
    out = []
    for key, measure in sorted(set(stored) | set(fresh)):
        if stored[(key, measure)] != fresh[(key, measure)]:
            out.append({
                "event": int(key[0]), "skill": int(key[1]), "key": dict(zip(_DIMS, key[2:])), "measure": measure,
                "stored": stored[(key, measure)], "fresh": fresh[(key, measure)],
            })  # fmt: skip
    return out
