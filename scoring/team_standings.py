"""Team standings of one event (代表队奖牌榜、团体总分、优秀组织奖): how the delegations did.

Chosen by the preset's ``delegation_standings`` section, ``{"strategy": name, "params": {...}}``:

- ``none``: the event keeps no team standings (a tier without them: 行业/企业 contests).
- ``points``: every award its contestants won counts for their delegation:
  - the **medal table** (奖牌榜) counts each delegation's awards by the event's own award codes
    (金/银/铜牌 or 一/二/三等奖 and 优胜奖, as the awards rule names them) and orders the delegations
    by their best awards first (more of the best award, then more of the next…), then by team
    total, then by name;
  - the **team total** (团体总分) adds ``points`` per award (``{"first": 7, "second": 5, …}``;
    an award not listed scores 0); delegations are ranked by it (equal totals share a rank);
  - **优秀组织奖** goes to the delegations ranked within the top ``organisation_awards`` by team total
    (those sharing the last such rank all receive it; 0 gives none), and only to a delegation
    with at least ``min_points`` points.

Pure: the entries are ``(delegation, award code or None)`` per contestant; nothing is read.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from scoring.awards import AWARDS
from scoring.messages import Message, ScoringError
from scoring.strategy import Registry, Strategy


@dataclass(frozen=True)
class Entry:
    delegation: str
    award: str | None  # an award code of scoring.awards.AWARDS, or None


@dataclass
class TeamRow:
    delegation: str
    entrants: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # award code → how many
    total: int = 0  # 团体总分
    medal_rank: int = 0  # place in the medal table (1 = first)
    total_rank: int = 0  # place by team total (shared on equal totals)
    organisation_award: bool = False  # 优秀组织奖

    def to_json(self) -> dict[str, Any]:
        return {
            "delegation": self.delegation, "entrants": self.entrants, "counts": dict(self.counts), "total": self.total,
            "medal_rank": self.medal_rank, "total_rank": self.total_rank, "organisation_award": self.organisation_award,
        }  # fmt: skip


@dataclass
class Standings:
    enabled: bool
    awards: list[str]  # the award codes shown as columns, best first
    rows: list[TeamRow]  # in medal-table order

    def to_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "awards": [{"code": a, "zh": AWARDS[a].label.zh, "en": AWARDS[a].label.en} for a in self.awards],
            "rows": [r.to_json() for r in self.rows],
        }


class StandingsRule(Strategy):
    """Base: ``compute`` turns an event's entries into its team standings."""

    @abc.abstractmethod
    def compute(self, entries: Iterable[Entry]) -> Standings: ...


STANDINGS_RULES: Registry[StandingsRule] = Registry("delegation standings", "代表队团体成绩")


@STANDINGS_RULES.register
class NoStandings(StandingsRule):
    name = "none"

    def compute(self, entries: Iterable[Entry]) -> Standings:
        return Standings(False, [], [])


@dataclass(frozen=True)
class PointsParams:
    points: dict[str, int] = field(default_factory=dict)  # award code → points for the team total
    organisation_awards: int = 0  # how many places by team total receive 优秀组织奖
    min_points: int = 1  # a delegation needs at least this total for 优秀组织奖


@STANDINGS_RULES.register
class PointsStandings(StandingsRule):
    name = "points"
    Params = PointsParams

    def check_params(self) -> None:
        p: PointsParams = self.params
        unknown = sorted(set(p.points) - set(AWARDS))
        if unknown:
            raise ScoringError(
                "bad_param",
                Message(f"团体总分积分中没有这些奖项：{'、'.join(unknown)}", f"team points name unknown awards: {', '.join(unknown)}"),
                param="points",
            )
        if p.organisation_awards < 0 or p.min_points < 0 or any(v < 0 for v in p.points.values()):
            raise ScoringError("bad_param", Message("积分和名额不能为负数", "points and places cannot be negative"), param="points")

    def compute(self, entries: Iterable[Entry]) -> Standings:
        p: PointsParams = self.params
        rows: dict[str, TeamRow] = {}
        seen: set[str] = set()
        for e in entries:
            row = rows.setdefault(e.delegation, TeamRow(e.delegation))
            row.entrants += 1
            if e.award is None:
                continue
            if e.award not in AWARDS:
                raise ScoringError("unknown_award", Message(f"未知奖项 {e.award!r}", f"unknown award {e.award!r}"), award=e.award)
            seen.add(e.award)
            row.counts[e.award] = row.counts.get(e.award, 0) + 1
            row.total += p.points.get(e.award, 0)
        awards = sorted(seen, key=lambda a: (AWARDS[a].standing, a))
        for row in rows.values():
            row.counts = {a: row.counts.get(a, 0) for a in awards}
        by_total = sorted(rows.values(), key=lambda r: -r.total)
        for i, row in enumerate(by_total):
            row.total_rank = by_total[i - 1].total_rank if i and by_total[i - 1].total == row.total else i + 1
            row.organisation_award = row.total_rank <= p.organisation_awards and row.total >= p.min_points
        table = sorted(rows.values(), key=lambda r: (*(-r.counts[a] for a in awards), -r.total, r.delegation))
        for i, row in enumerate(table):
            row.medal_rank = i + 1
        return Standings(True, awards, table)


def team_standings(section: Any, entries: Iterable[Entry | tuple[str, str | None]]) -> Standings:
    """The standings by the preset's ``delegation_standings`` section (``none`` when absent)."""
    rule = STANDINGS_RULES.from_section(section or {"strategy": "none", "params": {}})
    return rule.compute(e if isinstance(e, Entry) else Entry(*e) for e in entries)
