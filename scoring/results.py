"""A skill's results in one call (项目成绩汇总): marks → totals → scores → rankings → awards.

The glue the server calls for a skill: it reads each rule from the effective preset
(``scoring``, ``standardisation``, ``ranking``, ``awards``) and runs the pure steps in order.
Standardisation uses the whole skill (all groups together, as the 700 scale's median is the
skill's); rankings and awards are per group. Results of unfinished contestants are provisional.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from scoring.aggregation import COMPLETE, ContestantResult, Scorer
from scoring.awards import assign_awards
from scoring.ranking import COMPETED, Entry, Ranked, RankingRules, rank_by_group
from scoring.scheme import MarkingScheme
from scoring.standardisation import standardiser


@dataclass(frozen=True)
class ContestantInfo:
    contestant_id: str
    group: str = ""
    status: str = COMPETED  # competed | absent | disqualified
    finish_time: Any = None  # anything orderable (datetime, seconds); earlier ranks first in a tie
    award_eligible: bool = True  # may receive an award (see the awards' ``count_among``)


@dataclass(frozen=True)
class SkillResults:
    results: Mapping[str, ContestantResult]
    scores: Mapping[str, Decimal]  # the ranked score: standardised, or the total
    rankings: Mapping[str, list[Ranked]]  # group → ranking
    awards: Mapping[str, str | None]
    complete: bool  # every competing contestant has every aspect marked

    def to_dict(self) -> dict[str, Any]:
        return {
            "complete": self.complete,
            "rankings": {g: [{**r.to_dict(), "award": self.awards.get(r.contestant_id)} for r in ranking] for g, ranking in self.rankings.items()},
            "results": {cid: r.to_dict() for cid, r in self.results.items()},
        }


def compute_skill(
    scheme: MarkingScheme,
    preset: Mapping[str, Any],
    contestants: Iterable[ContestantInfo],
    marks: Mapping[str, Mapping[str, Mapping[str, Any]]],
    *,
    scorer: Scorer | None = None,
    known: Mapping[str, ContestantResult] | None = None,
) -> SkillResults:
    """Everything for one skill. ``marks``: contestant → aspect → judge → score.

    ``known`` holds results already computed for unchanged contestants (a live board re-scores
    only those whose marks changed); ``scorer`` lets a caller reuse one built for the scheme.
    """
    scorer = scorer or Scorer(scheme, preset.get("scoring"))
    people = list(contestants)
    known = known or {}
    results = {
        c.contestant_id: known[c.contestant_id] if c.contestant_id in known else scorer.score(c.contestant_id, marks.get(c.contestant_id, {}))
        for c in people
    }
    competing = [c for c in people if c.status == COMPETED]
    raw = {c.contestant_id: results[c.contestant_id].total for c in competing}
    scores = standardiser(preset.get("standardisation")).apply(raw, scorer.rounding)
    entries = [
        Entry(
            contestant_id=c.contestant_id,
            score=scores.get(c.contestant_id),
            status=c.status,
            tie_values={**results[c.contestant_id].tie_values(), "finish_time": c.finish_time},
            group=c.group,
        )
        for c in people
    ]
    rankings = rank_by_group(entries, RankingRules.from_section(preset.get("ranking")))
    awards: dict[str, str | None] = {}
    ineligible = {c.contestant_id for c in people if not c.award_eligible}
    eligible = None if not ineligible else {c.contestant_id for c in people} - ineligible
    for ranking in rankings.values():
        awards.update(assign_awards(ranking, preset["awards"], eligible) if preset.get("awards") else {})
    complete = all(results[c.contestant_id].status == COMPLETE for c in competing)
    return SkillResults(results, scores, rankings, awards, complete)
