"""The province's figures, added up from the records.

Two grouped reads make the facts: entrants by (event, skill, group, delegation, sex, year of
birth) from registration's face, and the approved, unstruck proposals (prizes, honours granted,
promotions) of the same events with their contestants' delegation, sex and birth year. A fact
carries what every dimension needs; a cut (``by`` some dimensions, ``filters`` on others) rolls
the facts up. Contests and skills are counted as distinct events and skills, so a row's figures
can always be drilled down to the events behind them (``events``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from typing import Any, Iterable

from certificates import proposals
from certificates import service as certificates
from competition import registration
from kernel.db import current_engine
from kernel.errors import BilingualError, invalid
from kernel.i18n import china_time
from kernel.roles import PROVINCE_SUPERVISOR, Principal
from kernel.tables import Event, Skill
from province.tables import ProvinceFact
from scoring import codelists as codes
from scoring.eligibility import GROUP_LABELS
from scoring.identity import age_on

#: What a cut may be by, in the order the 情况表 lists them.
DIMENSIONS: dict[str, tuple[str, str]] = {
    "cluster": ("产业集群", "Industry cluster"),
    "city": ("地市", "City"),
    "tier": ("赛事层级", "Tier"),
    "group": ("组别", "Group"),
    "year": ("年度", "Year"),
    "sex": ("性别", "Sex"),
    "age_band": ("年龄段", "Age band"),
    "occupation": ("职业（工种）", "Occupation"),
}
#: The figures of every row.
MEASURES: dict[str, tuple[str, str]] = {
    "contests": ("赛事数", "Contests"),
    "skills": ("竞赛项目数", "Skills"),
    "entrants": ("参赛人数", "Entrants"),
    "prizes": ("获奖人次", "Prizes"),
    "honours": ("授予荣誉人数", "Honours granted"),
    "promotions": ("晋级人数", "Promotions"),
}
_SEX = {"M": ("男", "Male"), "F": ("女", "Female")}


@dataclasses.dataclass
class Fact:
    key: dict[str, str]  # dimension → code
    event_id: int
    skill_id: int
    entrants: int = 0
    prizes: int = 0
    honours: int = 0
    promotions: int = 0


def label(dimension: str, code: str) -> tuple[str, str]:
    if dimension == "cluster":
        c = codes.CLUSTER_BY_CODE.get(code)
        return (c.zh, c.en) if c else (codes.NO_CLUSTER.zh, codes.NO_CLUSTER.en)
    if dimension == "city":
        c = codes.CITY_BY_CODE.get(code) or codes.INDUSTRY_DELEGATION
        return c.zh, c.en
    if dimension == "tier":
        t = codes.TIER_BY_CODE.get(code)
        return (t.zh, t.en) if t else (code, code)
    if dimension == "group":
        g = GROUP_LABELS.get(code)
        return (g.zh, g.en) if g else (code, code)
    if dimension == "sex":
        return _SEX.get(code, ("未知", "unknown"))
    if dimension == "age_band":
        return (code, code) if code != "unknown" else ("未知", "unknown")
    if dimension == "occupation":
        o = codes.occupation(code)
        return (f"{o.zh} {o.code}", f"{o.en} {o.code}") if o else ((code, code) if code else ("未填职业编码", "No occupation code"))
    return code, code


def _reference_day(event: dict[str, Any]) -> dt.date:
    """The day ages are counted on: the event's first day (else the day it was created)."""
    day = event["starts_on"]
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    if isinstance(day, dt.date):
        return day
    created = event["created_at"]
    return created.date() if isinstance(created, dt.datetime) else dt.date.today()


def _year(event: dict[str, Any]) -> int:
    return _reference_day(event).year


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10]) if value else None


async def facts(event_ids: Iterable[int] | None = None) -> list[Fact]:
    """Every fact of these events (every event when None; archived ones included: they are the
    record), counted afresh from the records — what ``province.summary`` stores. An outcome
    whose certificate was revoked is not counted."""
    ids = None if event_ids is None else sorted(set(event_ids))
    if ids is not None and not ids:
        return []
    ev = Event.select(Event.id, Event.tier, Event.starts_on, Event.created_at)
    sk = Skill.select(Skill.id, Skill.event, Skill.industry_cluster, Skill.occupation_code)
    if ids is not None:
        ev, sk = ev.where(Event.id.is_in(ids)), sk.where(Skill.event.is_in(ids))
    events = {e["id"]: e for e in await ev}
    skills = {s["id"]: s for s in await sk}

    def base(event_id: int, skill_id: int, group_kind: str, delegation: str, sex: str, born: dt.date | None) -> tuple:
        event, skill = events[event_id], skills[skill_id]
        year = _year(event)
        cluster = codes.cluster(skill["industry_cluster"])
        age = age_on(born, _reference_day(event))  # the exact birth date against the event's first day
        return (
            event_id, skill_id, cluster.code if cluster else "", codes.city_of_delegation(delegation).code, event["tier"],
            group_kind, str(year), sex or "", codes.age_band(age), (skill["occupation_code"] or "").strip(),
        )  # fmt: skip

    out: dict[tuple, Fact] = {}

    def fact(k: tuple) -> Fact:
        f = out.get(k)
        if f is None:
            dims = dict(zip(("cluster", "city", "tier", "group", "year", "sex", "age_band", "occupation"), k[2:]))
            f = out[k] = Fact(dims, k[0], k[1])
        return f

    for r in await registration.entrant_counts(ids):
        if r["event"] in events and r["skill"] in skills:
            fact(base(r["event"], r["skill"], r["group_kind"], r["delegation"], r["sex"], _date(r["birth_date"]))).entrants += r["n"]
    revoked = {(r["event"], r["skill"], r["contestant"], r["kind"], r["code"]) for r in await certificates.revoked_outcomes(ids)}
    outcomes = [o for o in await proposals.approved_outcomes(ids) if (o["event"], o["skill"], o["contestant"], o["kind"], o["code"]) not in revoked]
    people = {
        p["id"]: p
        for p in await registration.contestants_by_id(
            sorted({o["contestant"] for o in outcomes}), ("id", "group.kind", "delegation", "sex", "birth_date")
        )
    }
    for o in outcomes:
        p = people.get(o["contestant"])
        if p is None or o["event"] not in events or o["skill"] not in skills:
            continue
        f = fact(base(o["event"], o["skill"], p["group.kind"], p["delegation"], p["sex"], _date(p["birth_date"])))
        if o["kind"] == proposals.AWARD:
            f.prizes += 1
        elif o["kind"] == proposals.HONOUR and o["outcome"] == "granted":
            f.honours += 1
        elif o["kind"] == proposals.PROMOTION:
            f.promotions += 1
    return list(out.values())


def city_cut(p: Principal | None, filters: dict[str, str]) -> dict[str, str]:
    """The filters as this reader may see them: a city supervisor (市) only ever its own city's
    figures — the city filter is set to it, and asking for another city is a 403. Administrators
    and the province's supervisors see every city."""
    if p is None or p.is_admin or p.holds_platform(PROVINCE_SUPERVISOR):
        return filters
    mine = sorted(p.cities())
    asked = filters.get("city")
    if not mine or (asked and asked not in mine):
        raise BilingualError(
            403, "other_city", field="city", zh="只能查看本市的统计数据", en="You may read only your own city's figures",
        )  # fmt: skip
    return {**filters, "city": asked or mine[0]}


def check_cut(by: Iterable[str], filters: dict[str, str]) -> list[str]:
    """The cut's dimensions, once each; a 422 in words for an unknown dimension or more than three."""
    dims = list(dict.fromkeys(by))
    for d in [*dims, *filters]:
        if d not in DIMENSIONS:
            raise invalid(
                "by", f"没有“{d}”这一统计维度；可选：{'、'.join(z for z, _ in DIMENSIONS.values())}",
                f"no such dimension '{d}'; choose from {', '.join(DIMENSIONS)}",
            )  # fmt: skip
    if len(dims) > 3:
        raise invalid("by", "一次最多按三个维度交叉统计", "cross at most three dimensions at once")
    return dims


def rollup(all_facts: list[Fact], by: Iterable[str], filters: dict[str, str] | None = None) -> dict[str, Any]:
    """The facts added up by ``by`` (a cut), keeping those matching every filter. Rows are
    sorted by entrants (most first), each with its labels and the events behind it."""
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    dims = check_cut(by, filters)
    rows: dict[tuple, dict[str, Any]] = {}
    total: dict[str, Any] = {"entrants": 0, "prizes": 0, "honours": 0, "promotions": 0, "_events": set(), "_skills": set()}
    for f in all_facts:
        if any(f.key[k] != str(v) for k, v in filters.items()):
            continue
        k = tuple(f.key[d] for d in dims)
        row = rows.get(k)
        if row is None:
            row = rows[k] = {"entrants": 0, "prizes": 0, "honours": 0, "promotions": 0, "_events": set(), "_skills": set()}
        for acc in (row, total):
            acc["entrants"] += f.entrants
            acc["prizes"] += f.prizes
            acc["honours"] += f.honours
            acc["promotions"] += f.promotions
            acc["_events"].add(f.event_id)
            acc["_skills"].add(f.skill_id)

    def finish(acc: dict[str, Any]) -> dict[str, Any]:
        events = sorted(acc.pop("_events"))
        acc["contests"], acc["skills"] = len(events), len(acc.pop("_skills"))
        acc["events"] = events
        return acc

    out = []
    for k, acc in rows.items():
        finish(acc)
        acc["key"] = dict(zip(dims, k))
        acc["labels"] = {d: dict(zip(("zh", "en"), label(d, v))) for d, v in zip(dims, k)}
        out.append(acc)
    out.sort(key=lambda r: (-r["entrants"], -r["prizes"], tuple(r["key"].values())))
    return {
        "by": dims,
        "filters": filters,
        "rows": out,
        "total": finish(total),
        "measures": {m: {"zh": z, "en": e} for m, (z, e) in MEASURES.items()},
        "dimensions": {d: {"zh": z, "en": e} for d, (z, e) in DIMENSIONS.items()},
    }


#: The summary's column of each dimension.
COLUMN = {"cluster": "cluster", "city": "city", "tier": "tier", "group": "group_kind", "year": "year", "sex": "sex",
          "age_band": "age_band", "occupation": "occupation"}  # fmt: skip


def _where(filters: dict[str, str]) -> tuple[str, list[Any]]:
    if not filters:
        return "", []
    return " WHERE " + " AND ".join(f"{COLUMN[k]} = {{}}" for k in filters), [str(v) for v in filters.values()]


def _n(value: Any) -> int:
    return int(value or 0)


async def cut(by: Iterable[str], filters: dict[str, str] | None = None, event_id: int | None = None) -> dict[str, Any]:
    """One cut read from the summary (``province_fact``) with SQL ``GROUP BY``: the same shape
    as :func:`rollup` over fresh facts — rows (labels, measures, the events behind them) sorted
    by entrants, and the total. Three grouped queries, however many participations. ``event_id``:
    one event's figures only (its drill-down page)."""
    filters = {k: str(v) for k, v in (filters or {}).items() if v not in (None, "")}
    dims = check_cut(by, filters)
    where, args = _where(filters)
    if event_id is not None:
        where, args = (where + " AND " if where else " WHERE ") + "event = {}", [*args, int(event_id)]
    cols = [COLUMN[d] for d in dims]
    sums = "SUM(entrants) AS entrants, SUM(prizes) AS prizes, SUM(honours) AS honours, SUM(promotions) AS promotions"
    distinct = "COUNT(DISTINCT event) AS contests, COUNT(DISTINCT skill) AS skills"
    sel = ", ".join(f"{c} AS d{i}" for i, c in enumerate(cols))
    queries = [f"SELECT {sums}, {distinct} FROM province_fact{where}"]
    if dims:  # the rows, and the events behind each (whose union is the total's)
        queries += [f"SELECT {sel}, {sums}, {distinct} FROM province_fact{where} GROUP BY {', '.join(cols)}",
                    f"SELECT DISTINCT {sel}, event FROM province_fact{where}"]  # fmt: skip
    else:
        queries.append(f"SELECT DISTINCT event FROM province_fact{where}")
    if current_engine().current_transaction.get() is None:  # independent reads: side by side on the pool
        answers = await asyncio.gather(*(ProvinceFact.raw(q, *args) for q in queries))
    else:
        answers = [await ProvinceFact.raw(q, *args) for q in queries]
    total_row = answers[0][0]
    rows: list[dict[str, Any]] = []
    if dims:
        behind: dict[tuple, list[int]] = {}
        for r in answers[2]:
            behind.setdefault(tuple(r[f"d{i}"] for i in range(len(dims))), []).append(int(r["event"]))
        for r in answers[1]:
            k = tuple(r[f"d{i}"] for i in range(len(dims)))
            rows.append({
                "entrants": _n(r["entrants"]), "prizes": _n(r["prizes"]), "honours": _n(r["honours"]), "promotions": _n(r["promotions"]),
                "contests": _n(r["contests"]), "skills": _n(r["skills"]), "events": sorted(behind.get(k, [])),
                "key": dict(zip(dims, k)), "labels": {d: dict(zip(("zh", "en"), label(d, v))) for d, v in zip(dims, k)},
            })  # fmt: skip
        events = sorted({e for ids in behind.values() for e in ids})
    else:
        events = sorted(int(r["event"]) for r in answers[1])
    rows.sort(key=lambda r: (-r["entrants"], -r["prizes"], tuple(r["key"].values())))
    total = {m: _n(total_row[m]) for m in ("entrants", "prizes", "honours", "promotions", "contests", "skills")} | {"events": events}
    return {
        "by": dims,
        "filters": filters,
        "rows": rows,
        "total": total,
        "measures": {m: {"zh": z, "en": e} for m, (z, e) in MEASURES.items()},
        "dimensions": {d: {"zh": z, "en": e} for d, (z, e) in DIMENSIONS.items()},
    }


async def event_figures(filters: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The events behind a figure (the drill-down): each event matching the filters with its own
    figures for them, most entrants first — ``{event_id, name, tier, year, <measures>}``."""
    filters = {k: str(v) for k, v in (filters or {}).items() if v not in (None, "")}
    check_cut([], filters)
    where, args = _where(filters)
    rows = await ProvinceFact.raw(
        "SELECT event, SUM(entrants) AS entrants, SUM(prizes) AS prizes, SUM(honours) AS honours, SUM(promotions) AS promotions, "
        f"COUNT(DISTINCT skill) AS skills, MIN(tier) AS tier, MIN(year) AS year FROM province_fact{where} GROUP BY event",
        *args,
    )
    ids = [int(r["event"]) for r in rows]
    names = {e["id"]: e["name"] for e in await Event.select(Event.id, Event.name).where(Event.id.is_in(ids))} if ids else {}
    out = [
        {"event_id": int(r["event"]), "name": names.get(int(r["event"]), str(r["event"])), "tier": r["tier"], "year": r["year"],
         "tier_label": dict(zip(("zh", "en"), label("tier", r["tier"]))), "contests": 1, "skills": _n(r["skills"]),
         "entrants": _n(r["entrants"]), "prizes": _n(r["prizes"]), "honours": _n(r["honours"]), "promotions": _n(r["promotions"])}
        for r in rows
    ]  # fmt: skip
    out.sort(key=lambda r: (-r["entrants"], r["event_id"]))
    return out


async def years() -> list[str]:
    """The years the summary holds, latest first."""
    return sorted((r["year"] for r in await ProvinceFact.raw("SELECT DISTINCT year FROM province_fact")), reverse=True)


async def figures(by: Iterable[str], filters: dict[str, str] | None = None) -> dict[str, Any]:
    """One cut of the province's figures from the summary, saying when it was computed (China
    time) and naming the events behind it (for the drill-down links)."""
    check_cut(by, {k: v for k, v in (filters or {}).items() if v})  # before the read: a bad cut costs nothing
    computed = dt.datetime.now(dt.timezone.utc)
    out = await cut(by, filters)
    ids = out["total"]["events"]
    rows = await Event.select(Event.id, Event.name, Event.tier).where(Event.id.is_in(ids)) if ids else []
    out["event_names"] = {str(e["id"]): e["name"] for e in rows}  # for the drill-down links
    out["computed_at"] = computed.isoformat()
    out["computed_at_china"] = china_time(computed, "%Y-%m-%d %H:%M:%S")
    return out
