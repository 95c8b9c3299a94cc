"""Judge analysis (裁判评分分析) for the chief judge's (裁判长) review.

For each judge: on how many panels they scored, their mean signed deviation from the rest of the
panel (positive: more lenient 偏松, negative: stricter 偏严), their mean absolute deviation, how
often their score had to be re-marked (复评), and how many of their panels need re-marking now.

A deviation is the judge's score minus the mean of the *other* judges on the same panel
(contestant × aspect), as a percentage of the aspect's scale (0–3 for judgement, the max mark
otherwise), so aspects of different sizes compare. Panels with a single judge have no deviation.
Results are exact and rounded once (``rounding``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from scoring.numbers import Rounding, decimal_str, to_decimal
from scoring.scheme import MarkingScheme


@dataclass(frozen=True)
class Panel:
    """All scores one contestant received on one aspect."""

    aspect_id: str
    contestant_id: str
    scores: Mapping[str, Decimal]  # judge id → score
    scale_max: Decimal
    remarked_by: frozenset[str] = field(default_factory=frozenset)  # judges whose score was re-marked
    max_spread: Decimal | None = None  # the rule's limit, to count panels needing re-marking now


@dataclass(frozen=True)
class JudgeReview:
    judge_id: str
    panels: int
    mean_deviation: Decimal | None  # percent of scale, signed
    mean_abs_deviation: Decimal | None
    remarks: int
    open_remarks: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "judge_id": self.judge_id,
            "panels": self.panels,
            "mean_deviation": decimal_str(self.mean_deviation),
            "mean_abs_deviation": decimal_str(self.mean_abs_deviation),
            "remarks": self.remarks,
            "open_remarks": self.open_remarks,
        }


def review_judges(panels: Iterable[Panel], rounding: Rounding | None = None) -> list[JudgeReview]:
    """One review per judge, the judge furthest from their panels first."""
    rounding = rounding or Rounding()
    count: dict[str, int] = {}
    signed: dict[str, Fraction] = {}
    absolute: dict[str, Fraction] = {}
    compared: dict[str, int] = {}
    remarks: dict[str, int] = {}
    open_: dict[str, int] = {}
    for p in panels:
        values = {j: Fraction(to_decimal(v)) for j, v in p.scores.items()}
        total = sum(values.values(), Fraction(0))
        n = len(values)
        spread = (max(values.values()) - min(values.values())) if values else 0
        flagged = p.max_spread is not None and spread > Fraction(p.max_spread)
        for j, v in values.items():
            count[j] = count.get(j, 0) + 1
            remarks.setdefault(j, 0)
            open_[j] = open_.get(j, 0) + (1 if flagged else 0)
            if n > 1 and p.scale_max:
                dev = (v - (total - v) / (n - 1)) / Fraction(p.scale_max) * 100
                signed[j] = signed.get(j, Fraction(0)) + dev
                absolute[j] = absolute.get(j, Fraction(0)) + abs(dev)
                compared[j] = compared.get(j, 0) + 1
        for j in p.remarked_by:
            remarks[j] = remarks.get(j, 0) + 1
            count.setdefault(j, 0)
            open_.setdefault(j, 0)
    out = []
    for j in count:
        c = compared.get(j, 0)
        out.append(
            JudgeReview(
                judge_id=j,
                panels=count[j],
                mean_deviation=rounding.quantize(signed[j] / c) if c else None,
                mean_abs_deviation=rounding.quantize(absolute[j] / c) if c else None,
                remarks=remarks.get(j, 0),
                open_remarks=open_.get(j, 0),
            )
        )
    out.sort(key=lambda r: (-(r.mean_abs_deviation or 0), r.judge_id))
    return out


def panels_from_marks(
    scheme: MarkingScheme,
    marks: Mapping[str, Mapping[str, Mapping[str, Any]]],
    *,
    remarked: Mapping[tuple[str, str], Iterable[str]] | None = None,
    max_spread: Mapping[str, Decimal | None] | None = None,
) -> list[Panel]:
    """Panels from ``contestant → aspect → judge → score``.

    ``remarked`` maps ``(contestant, aspect)`` to the judges whose score was re-marked there (the
    audit trail knows); ``max_spread`` maps aspect kind (M/J/S) to its rule's limit.
    """
    remarked = remarked or {}
    max_spread = max_spread or {}
    out = []
    for cid, by_aspect in marks.items():
        for aid, scores in by_aspect.items():
            asp = scheme.aspect(aid)
            out.append(
                Panel(
                    aspect_id=aid,
                    contestant_id=cid,
                    scores={j: to_decimal(v) for j, v in scores.items()},
                    scale_max=asp.scale_max,
                    remarked_by=frozenset(remarked.get((cid, aid), ())),
                    max_spread=max_spread.get(asp.kind),
                )
            )
    return out
