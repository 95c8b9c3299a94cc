"""Honours (荣誉称号): who earns 广东省技术能手 or 全国技术能手 from a final ranking.

Chosen by the preset's ``honours`` section:

- ``guangdong_technical_expert`` (广东省技术能手): provincial events, ``groups`` (employee group,
  职工组) ranked within the top ``top`` (by class: 省级一类 5, 二类 3, both *varies*).
- ``national_technical_expert`` (全国技术能手): national events, top ``top_by_team_size`` places:
  5 individuals, 3 two-person teams, 2 three-person teams (a team size not listed earns none).
- ``top_by_rank``: the general rule both of the above are, for other honours.
- ``none``: the event grants no honour (世赛 selections).

"Top N" means rank ≤ N under competition ranking (前 N 名), so a tie at place N includes all of
it. ``count_among`` says who uses up those N places: ``"all"`` (default) counts every ranked
entrant; ``"eligible"`` counts only the candidates (in ``groups``, with ``min_award``, not already
holding the honour) — a student ranked above does not take an employee's place, nor does an
entrant who already holds the honour — so a candidate's place is 1 + the candidates (a team
counted once) ranked above. ``min_award`` optionally also requires an award at least that good. Honours need approval
(须经省人社厅审批) when ``requires_approval``; the decision records it, the certificate issue acts
on it. Nobody receives the same honour twice: a person already holding it gets the outcome
``already_held`` instead of ``granted``.
"""

from __future__ import annotations

import abc
import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scoring.awards import AWARDS, award_standing, check_count_among
from scoring.messages import Message, ScoringError
from scoring.standing import Standing
from scoring.strategy import Registry, Strategy

HONOURS = {
    "guangdong_technical_expert": Message("广东省技术能手", "Guangdong Technical Expert"),
    "national_technical_expert": Message("全国技术能手", "National Technical Expert"),
    "city_technical_expert": Message("市技术能手", "City Technical Expert"),
}
GRANTED = "granted"
ALREADY_HELD = "already_held"
OUTCOME_LABELS = {GRANTED: Message("授予", "Granted"), ALREADY_HELD: Message("已获此称号，不重复授予", "Already held; not granted twice")}


@dataclass(frozen=True)
class HonourDecision:
    person_id: str
    honour: str
    outcome: str  # granted | already_held
    rule_id: str
    requires_approval: bool
    rank: int | None = None

    def to_dict(self) -> dict[str, Any]:
        label = HONOURS.get(self.honour, Message(self.honour, self.honour))
        return {
            "person_id": self.person_id,
            "honour": self.honour,
            "honour_label": label.to_dict(),
            "outcome": self.outcome,
            "rule_id": self.rule_id,
            "requires_approval": self.requires_approval,
            "rank": self.rank,
        }


class HonourRule(Strategy):
    @abc.abstractmethod
    def decide(self, standings: Sequence[Standing]) -> list[HonourDecision]:
        """The honour decisions for these standings."""


HONOUR_RULES: Registry[HonourRule] = Registry("honour", "荣誉")


@HONOUR_RULES.register
class NoHonour(HonourRule):
    name = "none"

    def decide(self, standings: Sequence[Standing]) -> list[HonourDecision]:
        return []


@dataclass(frozen=True)
class TopByRankParams:
    honour: str = ""
    top: int = 0  # individuals (and teams, unless top_by_team_size lists their size)
    top_by_team_size: dict[str, int] | None = None
    groups: tuple[str, ...] | None = None  # None: every group
    min_award: str | None = None
    requires_approval: bool = True
    count_among: str = "all"


@HONOUR_RULES.register
class TopByRank(HonourRule):
    """Ranks 1…N (N by team size) of the listed groups earn ``honour``."""

    name = "top_by_rank"
    Params = TopByRankParams

    def check_params(self) -> None:
        p = self.params
        if not p.honour:
            raise ScoringError("bad_param", Message("须指明授予的荣誉称号", "honour is required"))
        check_count_among(p.count_among)
        if p.min_award is not None and p.min_award not in AWARDS:
            raise ScoringError("bad_param", Message(f"未知的奖项 {p.min_award!r}", f"unknown award {p.min_award!r}"))
        for size in p.top_by_team_size or {}:
            if not str(size).isdigit():
                raise ScoringError("bad_param", Message("top_by_team_size 的键须为人数", "top_by_team_size keys are team sizes"))

    def limit(self, team_size: int) -> int:
        sizes = self.params.top_by_team_size
        if sizes:
            if str(team_size) in sizes:
                return int(sizes[str(team_size)])
            return self.params.top if team_size == 1 else 0
        return self.params.top

    def qualifies(self, s: Standing) -> bool:
        """In the listed groups, ranked, with the award asked for (place aside)."""
        p = self.params
        if s.rank is None or (p.groups is not None and s.group not in p.groups):
            return False
        if p.min_award is not None:
            got = award_standing(s.award)
            if got is None or got > AWARDS[p.min_award].standing:
                return False
        return True

    def earns(self, s: Standing, place: int | None = None) -> bool:
        """Qualifies, at ``place`` (its rank unless counted among the eligible) within the limit."""
        return self.qualifies(s) and (place if place is not None else s.rank or 0) <= self.limit(s.team_size)

    def places(self, standings: Sequence[Standing]) -> dict[int, int]:
        """Each standing (by index) → its place among the candidates (``count_among: eligible``):
        1 + the candidates not holding the honour, one per team, ranked strictly above."""
        honour = self.params.honour
        taking: dict[str, int] = {}
        for s in standings:
            if self.qualifies(s) and honour not in s.honours_held:
                key = s.team_id or s.person_id
                taking[key] = min(taking.get(key, s.rank or 0), s.rank or 0)
        ranks = sorted(taking.values())
        return {i: 1 + bisect.bisect_left(ranks, s.rank or 0) for i, s in enumerate(standings) if s.rank is not None}

    def decide(self, standings: Sequence[Standing]) -> list[HonourDecision]:
        p = self.params
        out = []
        seen: set[str] = set()
        standings = list(standings)
        places = self.places(standings) if p.count_among == "eligible" else {}
        # Best rank first, so a person listed twice is decided by the better standing, once.
        for i in sorted(range(len(standings)), key=lambda i: (standings[i].rank is None, standings[i].rank or 0, standings[i].person_id)):
            s = standings[i]
            if s.person_id in seen or not self.earns(s, places.get(i)):
                continue
            seen.add(s.person_id)
            outcome = ALREADY_HELD if p.honour in s.honours_held else GRANTED
            out.append(HonourDecision(s.person_id, p.honour, outcome, self.name, p.requires_approval, s.rank))
        return out


@HONOUR_RULES.register
class GuangdongTechnicalExpert(TopByRank):
    """广东省技术能手: employee group, top N by event class."""

    name = "guangdong_technical_expert"

    @dataclass(frozen=True)
    class Params(TopByRankParams):
        honour: str = "guangdong_technical_expert"
        top: int = 3
        groups: tuple[str, ...] | None = ("employee",)


@HONOUR_RULES.register
class NationalTechnicalExpert(TopByRank):
    """全国技术能手: top 5 individuals, top 3 two-person teams, top 2 three-person teams."""

    name = "national_technical_expert"

    @dataclass(frozen=True)
    class Params(TopByRankParams):
        honour: str = "national_technical_expert"
        top: int = 5
        top_by_team_size: dict[str, int] | None = None

    def limit(self, team_size: int) -> int:
        if self.params.top_by_team_size is None:
            return {1: self.params.top, 2: 3, 3: 2}.get(team_size, 0)
        return super().limit(team_size)


def decide_honours(standings: Sequence[Standing], section: Mapping[str, Any] | HonourRule | None) -> list[HonourDecision]:
    """Honour decisions for one ranking under the preset's ``honours`` section."""
    if not section:
        return []
    return HONOUR_RULES.from_section(section).decide(standings)
