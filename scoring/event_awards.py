"""Awards across the skills of an event (全场奖项): WorldSkills' Best of Nation and Albert Vidal Award.

Chosen by the preset's ``event_awards`` section (``none`` for every tier but WorldSkills). Unlike
the medals (``scoring.awards``, one ranking at a time) these compare contestants of *different*
skills, which only a common scale allows: the WorldSkills Scale (``standardisation``:
``worldskills_700``), on which every skill's median is 700.

- **Best of Nation** (``best_of_nation``, 国家最佳选手奖): in each delegation (a WorldSkills Member),
  the competitor with the highest score across all skills. A delegation with one competitor has
  that competitor as its best. Competitors sharing the highest score (within ``margin``, default
  0: exactly equal on the scale) all receive it; the members of a team, who share their team's
  score, receive it together.
- **Albert Vidal Award** (``albert_vidal``, 阿尔伯特·维达尔奖): the competitor with the highest score
  of all competitors in all skills; a tie shares it (Leipzig 2013 had two winners, Lyon 2024 a
  team of two).

Source: worldskills.org, "Albert Vidal Award" (it "recognizes the Competitor that achieves the
highest number of points across all skill competitions", determined on the WorldSkills Scale);
WorldSkills Shizuoka 2007's closing ceremony (Best of Nation announced per Member). Whether a
score must reach a floor (say the Medallion's 700) is not in our sources: ``min_score`` (none by
default) sets one *(unverified, varies)*.

Only competitors who competed, have a score and may receive awards (``award_eligible``) count;
with ``count_among: "eligible"`` (the default) an ineligible competitor's higher score does not
keep the award from the next one.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

from scoring.messages import Message, ScoringError
from scoring.strategy import Registry, Strategy

BEST_OF_NATION = "best_of_nation"
ALBERT_VIDAL = "albert_vidal"
EVENT_AWARD_CODES = (BEST_OF_NATION, ALBERT_VIDAL)


@dataclass(frozen=True)
class Entrant:
    """One competitor's final result in one skill: the score on the common scale."""

    contestant_id: str
    delegation: str
    score: Decimal | None
    skill: str = ""
    group: str = ""
    competed: bool = True
    award_eligible: bool = True


@dataclass(frozen=True)
class EventAward:
    code: str  # best_of_nation | albert_vidal
    contestant_id: str
    delegation: str
    score: Decimal
    skill: str = ""
    group: str = ""
    shared: bool = False  # another competitor has the same award for the same delegation (or overall)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "contestant_id": self.contestant_id, "delegation": self.delegation, "score": str(self.score),
            "skill": self.skill, "group": self.group, "shared": self.shared,
        }  # fmt: skip


def _counted(entrants: Sequence[Entrant], min_score: Decimal | None, among_eligible: bool) -> list[Entrant]:
    out = [e for e in entrants if e.competed and e.score is not None and (e.award_eligible or not among_eligible)]
    if min_score is not None:
        out = [e for e in out if e.score is not None and e.score >= min_score]
    return out


def _top(entrants: Sequence[Entrant], margin: Decimal) -> list[Entrant]:
    if not entrants:
        return []
    best = max(e.score for e in entrants if e.score is not None)
    return [e for e in entrants if e.score is not None and best - e.score <= margin]


def _award(code: str, winners: list[Entrant]) -> list[EventAward]:
    shared = len({w.contestant_id for w in winners}) > 1
    return [EventAward(code, w.contestant_id, w.delegation, w.score, w.skill, w.group, shared) for w in winners if w.score is not None]


def best_of_nation(
    entrants: Sequence[Entrant], *, margin: Decimal = Decimal(0), min_score: Decimal | None = None, count_among: str = "eligible"
) -> list[EventAward]:
    """The best of each delegation across skills (ties within ``margin`` share), delegations in name order."""
    counted = _counted(entrants, min_score, count_among == "eligible")
    by_delegation: dict[str, list[Entrant]] = {}
    for e in counted:
        if e.delegation:
            by_delegation.setdefault(e.delegation, []).append(e)
    out: list[EventAward] = []
    for delegation in sorted(by_delegation):
        winners = [w for w in _top(by_delegation[delegation], margin) if w.award_eligible]
        out.extend(_award(BEST_OF_NATION, sorted(winners, key=lambda w: (-(w.score or 0), w.skill, w.contestant_id))))
    return out


def albert_vidal(
    entrants: Sequence[Entrant], *, margin: Decimal = Decimal(0), min_score: Decimal | None = None, count_among: str = "eligible"
) -> list[EventAward]:
    """The highest score of all (ties within ``margin`` share)."""
    counted = _counted(entrants, min_score, count_among == "eligible")
    winners = [w for w in _top(counted, margin) if w.award_eligible]
    return _award(ALBERT_VIDAL, sorted(winners, key=lambda w: (w.skill, w.contestant_id)))


class EventAwardRule(Strategy):
    """Base: ``decide`` gives every award across the event's skills."""

    @abc.abstractmethod
    def decide(self, entrants: Sequence[Entrant]) -> list[EventAward]:
        """The event-wide awards for these final results."""


EVENT_AWARD_RULES: Registry[EventAwardRule] = Registry("event_awards", "全场奖项")


@EVENT_AWARD_RULES.register
class NoEventAwards(EventAwardRule):
    name = "none"

    def decide(self, entrants: Sequence[Entrant]) -> list[EventAward]:
        return []


@EVENT_AWARD_RULES.register
class WorldSkillsEventAwards(EventAwardRule):
    """世赛：Best of Nation per delegation and the Albert Vidal Award (see module doc)."""

    name = "worldskills"

    @dataclass(frozen=True)
    class Params:
        best_of_nation: bool = True
        albert_vidal: bool = True
        margin: Decimal = Decimal(0)
        min_score: Decimal | None = None
        count_among: str = "eligible"

    def check_params(self) -> None:
        if self.params.margin < 0:
            raise ScoringError("bad_param", Message("并列分差不能为负", "margin cannot be negative"), param="margin")
        if self.params.count_among not in ("all", "eligible"):
            raise ScoringError("bad_param", Message("count_among 须为 all 或 eligible", "count_among must be all or eligible"), param="count_among")

    def decide(self, entrants: Sequence[Entrant]) -> list[EventAward]:
        p = self.params
        kw = {"margin": p.margin, "min_score": p.min_score, "count_among": p.count_among}
        out: list[EventAward] = []
        if p.best_of_nation:
            out.extend(best_of_nation(entrants, **kw))
        if p.albert_vidal:
            out.extend(albert_vidal(entrants, **kw))
        return out


def event_award_rule(section: Mapping[str, Any] | None) -> EventAwardRule:
    """The strategy of a preset's ``event_awards`` section (``none`` when the preset has none)."""
    return EVENT_AWARD_RULES.from_section(section or {"strategy": "none", "params": {}})


def decide_event_awards(entrants: Sequence[Entrant], section: Mapping[str, Any] | None) -> list[EventAward]:
    return event_award_rule(section).decide(entrants)
