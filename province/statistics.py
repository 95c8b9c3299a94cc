"""The province's figures, added up from the records.

Two grouped reads make the facts: entrants by (event, skill, group, delegation, sex, year of
birth) from registration's face, and the approved, unstruck proposals (prizes, honours granted,
promotions) of the same events with their contestants' delegation, sex and birth year. A fact
carries what every dimension needs; a cut (``by`` some dimensions, ``filters`` on others) rolls
the facts up. Contests and skills are counted as distinct events and skills, so a row's figures
can always be drilled down to the events behind them (``events``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Iterable

from certificates import proposals
from competition import registration
from kernel.errors import invalid
from kernel.i18n import china_time
from kernel.tables import Event, Skill
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


def _label(dimension: str, code: str) -> tuple[str, str]:
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


async def facts() -> list[Fact]:
    """Every fact of every event (archived ones included: they are the record)."""
    events = {e["id"]: e for e in await Event.select(Event.id, Event.tier, Event.starts_on, Event.created_at)}
    skills = {s["id"]: s for s in await Skill.select(Skill.id, Skill.event, Skill.industry_cluster, Skill.occupation_code)}

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

    for r in await registration.entrant_counts():
        if r["event"] in events and r["skill"] in skills:
            fact(base(r["event"], r["skill"], r["group_kind"], r["delegation"], r["sex"], _date(r["birth_date"]))).entrants += r["n"]
    outcomes = await proposals.approved_outcomes()
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
        acc["labels"] = {d: dict(zip(("zh", "en"), _label(d, v))) for d, v in zip(dims, k)}
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


async def figures(by: Iterable[str], filters: dict[str, str] | None = None, all_facts: list[Fact] | None = None) -> dict[str, Any]:
    """One cut of the province's figures, saying when it was computed (China time); ``all_facts``
    when the caller has read them already (a page showing several cuts reads them once)."""
    check_cut(by, {k: v for k, v in (filters or {}).items() if v})  # before the read: a bad cut costs nothing
    computed = dt.datetime.now(dt.timezone.utc)
    out = rollup(await facts() if all_facts is None else all_facts, by, filters)
    ids = out["total"]["events"]
    rows = await Event.select(Event.id, Event.name, Event.tier).where(Event.id.is_in(ids)) if ids else []
    out["event_names"] = {str(e["id"]): e["name"] for e in rows}  # for the drill-down links
    out["computed_at"] = computed.isoformat()
    out["computed_at_china"] = china_time(computed, "%Y-%m-%d %H:%M:%S")
    return out
