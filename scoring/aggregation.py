"""Aggregation (评分汇总): judges' scores → aspect marks → totals.

One strategy per rule, chosen per aspect kind by the preset's ``scoring`` section
(``judgement`` / ``subjective`` / ``measurement``, each ``{"strategy", "params"}``):

- ``worldskills_judgement`` (世赛评价分): ``judges`` (3) scores 0–3; when any two differ by more
  than ``max_spread`` (1) the aspect *needs re-marking* (须复评) and has no mark until the judges
  re-score; otherwise mark = mean / 3 × max.
- ``trimmed_mean`` (去掉最高最低分取平均): of ``judges`` (5) scores drop ``drop_high`` (1) highest
  and ``drop_low`` (1) lowest and average the rest; optional ``max_spread``.
- ``mean`` (平均分): plain mean of ``judges`` scores; optional ``max_spread``.
- ``measurement`` (测量分): one entry, or ``judges`` entries that must agree (else re-marking).

Judges' scores are on the aspect's scale: 0–3 for judgement aspects (whole numbers), marks
0 … max for subjective and measurement aspects. An aspect with fewer scores than the rule's
``judges`` is *incomplete*; more is an error. Every aspect result says ``status``
(``complete`` / ``incomplete`` / ``needs_remark``) and ``mark`` (``None`` unless complete).

Totals (sub-criterion, criterion, part, weighted part, overall) follow the rounding rule of
:mod:`scoring.numbers`: each aspect mark is rounded once, sums are exact, each weighted part is
rounded once. Totals of an unfinished contestant are provisional: the sum of the marks there are.

Each strategy also has a NumPy form (``aggregate_units``) over integer units, used by
:mod:`scoring.bulk` for large recomputes; tests and ``bench/bench_ranking.py`` check both agree.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any, Callable

from scoring.messages import Message, ScoringError
from scoring.numbers import Rounding, decimal_str, to_decimal
from scoring.scheme import DEDUCTION, JUDGEMENT, KIND_SECTION, KINDS, MEASUREMENT, PRACTICAL, THEORY, Aspect, MarkingScheme
from scoring.strategy import Registry, Strategy

COMPLETE = "complete"
INCOMPLETE = "incomplete"
NEEDS_REMARK = "needs_remark"
STATUSES = (COMPLETE, INCOMPLETE, NEEDS_REMARK)
STATUS_LABELS = {
    COMPLETE: Message("已完成", "Complete"),
    INCOMPLETE: Message("未评完", "Incomplete"),
    NEEDS_REMARK: Message("须复评", "Needs re-marking"),
}
#: Integer codes the NumPy path uses for the statuses above.
STATUS_CODES = {COMPLETE: 0, INCOMPLETE: 1, NEEDS_REMARK: 2}
#: Marker for a missing score / mark in unit arrays.
MISSING = -1


@dataclass(frozen=True)
class AspectResult:
    """One aspect of one contestant: ``mark`` is set only when ``status`` is complete."""

    aspect_id: str
    status: str
    mark: Decimal | None
    scores: int = 0  # how many judge scores were given
    note: Message | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "aspect_id": self.aspect_id,
            "status": self.status,
            "mark": decimal_str(self.mark),
            "scores": self.scores,
            "note": self.note.to_dict() if self.note else None,
        }


class Aggregation(Strategy):
    """Base of aggregation rules: validate each judge's score, then combine a full panel."""

    def expected_judges(self) -> int:
        return int(self.params.judges)

    def check_params(self) -> None:
        if self.params.judges < 1:
            raise ScoringError("bad_param", Message("评分裁判人数须至少 1 人", "judges must be at least 1"))

    # -- exact path -----------------------------------------------------------------------

    def check_score(self, aspect: Aspect, value: Any, rounding: Rounding) -> Decimal:
        """One judge's entry, validated against the aspect; raises :class:`ScoringError`."""
        what = f"评分项 {aspect.id} 的分数 / score for {aspect.id}"
        d = to_decimal(value, what=what)
        rounding.units(d, what=what)  # at most `places` decimals
        top = aspect.scale_max
        if d < 0 or d > top:
            raise ScoringError(
                "score_out_of_range",
                Message(f"评分项 {aspect.id} 的分数须在 0–{decimal_str(top)} 之间", f"score for {aspect.id} must be 0–{decimal_str(top)}"),
                aspect_id=aspect.id,
            )
        if aspect.kind == JUDGEMENT and d != d.to_integral_value():
            raise ScoringError(
                "score_not_whole",
                Message(f"评价类评分项 {aspect.id} 只能打 0、1、2、3 分", f"judgement aspect {aspect.id} takes whole scores 0–3"),
                aspect_id=aspect.id,
            )
        if aspect.kind == MEASUREMENT and not aspect.allows_mark(d):
            raise ScoringError(
                "mark_not_allowed",
                Message(f"评分项 {aspect.id} 不能给 {decimal_str(d)} 分", f"aspect {aspect.id} cannot earn {decimal_str(d)}"),
                aspect_id=aspect.id,
            )
        return d

    def aggregate(self, aspect: Aspect, scores: Mapping[str, Any] | None, rounding: Rounding) -> AspectResult:
        """The aspect's result from ``judge id → score`` (order never matters)."""
        values = [self.check_score(aspect, v, rounding) for v in (scores or {}).values()]
        want = self.expected_judges()
        if len(values) > want:
            raise ScoringError(
                "too_many_scores",
                Message(
                    f"评分项 {aspect.id} 有 {len(values)} 个分数，规则只要 {want} 个",
                    f"aspect {aspect.id} has {len(values)} scores; the rule takes {want}",
                ),
                aspect_id=aspect.id,
            )
        if len(values) < want:
            return AspectResult(aspect.id, INCOMPLETE, None, len(values))
        return self.combine(aspect, sorted(values), rounding)

    @abc.abstractmethod
    def combine(self, aspect: Aspect, values: list[Decimal], rounding: Rounding) -> AspectResult:
        """The aspect's result from a full panel's scores (sorted ascending)."""

    @staticmethod
    def to_mark(aspect: Aspect, scale_value: Fraction, rounding: Rounding) -> Decimal:
        """A value on the judges' scale → the aspect mark, rounded once."""
        return rounding.quantize(scale_value * Fraction(aspect.max_mark) / Fraction(aspect.scale_max))

    def _spread_check(self, aspect: Aspect, values: list[Decimal], limit: Decimal | None) -> AspectResult | None:
        if limit is not None and values[-1] - values[0] > limit:
            return AspectResult(
                aspect.id,
                NEEDS_REMARK,
                None,
                len(values),
                Message(
                    f"裁判分差 {decimal_str(values[-1] - values[0])} 超过 {decimal_str(limit)}，须复评",
                    f"judges differ by {decimal_str(values[-1] - values[0])}, more than {decimal_str(limit)}: re-mark",
                ),
            )
        return None

    # -- NumPy path -----------------------------------------------------------------------

    def aggregate_units(self, slots: Any, max_units: Any, scale_units: Any, rounding: Rounding) -> tuple[Any, Any]:
        """Vectorised :meth:`aggregate` over ``slots[slot, contestant, aspect]`` in units.

        Slot-major, because reductions over a short leading axis are several times faster than
        over a short trailing one. ``MISSING`` (-1) marks an empty slot. Returns
        ``(marks, status)``: marks in units, ``MISSING`` where not complete; status as
        :data:`STATUS_CODES`.
        """
        import numpy as np

        panels = UnitPanels(np, slots, self.expected_judges())
        if (panels.count > panels.want).any():
            raise ScoringError("too_many_scores", Message("分数个数多于规则要求", "more scores than the rule takes"))
        complete = panels.count == panels.want
        marks, remark = self.combine_units(np, panels, max_units, scale_units, rounding)
        status = np.where(complete, np.where(remark, 2, 0), 1).astype(np.int8)
        marks = np.where(status == 0, marks, MISSING)
        return marks, status

    @abc.abstractmethod
    def combine_units(self, np: Any, panels: UnitPanels, max_units: Any, scale_units: Any, rounding: Rounding) -> tuple[Any, Any]:
        """``(marks, needs re-marking)`` for every panel; only complete panels are read."""

    @staticmethod
    def _units_mark(np: Any, numerator: Any, count: Any, max_units: Any, scale_units: Any, rounding: Rounding) -> Any:
        from scoring.numbers import div_round_array

        # mean on the judges' scale × max / scale, as one exact fraction, rounded once.
        q = np.maximum(count, 1) * scale_units
        return div_round_array(numerator * max_units, q, rounding.mode)

    @staticmethod
    def _spread_units(np: Any, panels: UnitPanels, limit: Decimal | None, rounding: Rounding) -> Any:
        if limit is None:
            return np.zeros(panels.count.shape, dtype=bool)
        return (panels.hi - panels.lo) > rounding.units(limit)


class UnitPanels:
    """Slot-major unit scores with the reductions rules need, each computed at most once.

    Only *complete* panels (exactly ``want`` scores) are ever read back, which allows cheap
    reductions: empty slots hold -1 and scores are >= 0, so a plain max ignores them, and when
    there are exactly ``want`` slots a complete panel has no empty slot for the min to see.
    """

    def __init__(self, np: Any, slots: Any, want: int) -> None:
        self.np = np
        self.slots = slots
        self.want = want
        self.width = slots.shape[0]
        self.valid = slots >= 0
        self.count = self.valid.sum(axis=0)
        self.big = np.iinfo(slots.dtype).max  # stands in for empty slots where a min must skip them

    @cached_property
    def total(self) -> Any:
        return self.slots.sum(axis=0) + (self.width - self.count)  # add back the -1 of each empty slot

    @cached_property
    def hi(self) -> Any:
        return self.slots.max(axis=0)

    @cached_property
    def lo(self) -> Any:
        if self.width == self.want:
            return self.slots.min(axis=0)
        return self.np.where(self.valid, self.slots, self.big).min(axis=0)

    def sorted_valid(self) -> Any:
        """Scores sorted along the slot axis, empty slots (as the largest int) last."""
        np = self.np
        return np.sort(np.where(self.valid, self.slots, self.big), axis=0)


AGGREGATIONS: Registry[Aggregation] = Registry("aggregation", "汇总")


@AGGREGATIONS.register
class WorldSkillsJudgement(Aggregation):
    """世赛评价分: mean / scale × max, re-mark when two judges differ by more than ``max_spread``."""

    name = "worldskills_judgement"

    @dataclass(frozen=True)
    class Params:
        judges: int = 3
        max_spread: Decimal = Decimal(1)

    def combine(self, aspect: Aspect, values: list[Decimal], rounding: Rounding) -> AspectResult:
        flagged = self._spread_check(aspect, values, self.params.max_spread)
        if flagged:
            return flagged
        mean = Fraction(sum(values, Decimal(0))) / len(values)
        return AspectResult(aspect.id, COMPLETE, self.to_mark(aspect, mean, rounding), len(values))

    def combine_units(self, np, panels, max_units, scale_units, rounding):
        return (
            self._units_mark(np, panels.total, panels.count, max_units, scale_units, rounding),
            self._spread_units(np, panels, self.params.max_spread, rounding),
        )


@AGGREGATIONS.register
class TrimmedMean(Aggregation):
    """去掉最高分、最低分后取平均 (gymnastics-style): drop ``drop_high`` and ``drop_low``."""

    name = "trimmed_mean"

    @dataclass(frozen=True)
    class Params:
        judges: int = 5
        drop_high: int = 1
        drop_low: int = 1
        max_spread: Decimal | None = None

    def check_params(self) -> None:
        super().check_params()
        p = self.params
        if p.drop_high < 0 or p.drop_low < 0 or p.drop_high + p.drop_low >= p.judges:
            raise ScoringError("bad_param", Message("去掉的最高分与最低分个数之和须小于裁判人数", "drop_high + drop_low must be below judges"))

    def combine(self, aspect: Aspect, values: list[Decimal], rounding: Rounding) -> AspectResult:
        flagged = self._spread_check(aspect, values, self.params.max_spread)
        if flagged:
            return flagged
        kept = values[self.params.drop_low : len(values) - self.params.drop_high]
        mean = Fraction(sum(kept, Decimal(0))) / len(kept)
        return AspectResult(aspect.id, COMPLETE, self.to_mark(aspect, mean, rounding), len(values))

    def combine_units(self, np, panels, max_units, scale_units, rounding):
        p = self.params
        if p.drop_high <= 1 and p.drop_low <= 1:
            # The common 1-and-1 case needs no sort: sum − max − min.
            total = panels.total
            if p.drop_high:
                total = total - panels.hi
            if p.drop_low:
                total = total - panels.lo
        else:
            kept = panels.sorted_valid()[p.drop_low : p.judges - p.drop_high]
            # Only full panels are used; zero the fillers of partial ones so sums cannot overflow.
            total = np.where(kept == panels.big, 0, kept).sum(axis=0)
        kept_n = np.maximum(panels.count - p.drop_high - p.drop_low, 1)
        return (self._units_mark(np, total, kept_n, max_units, scale_units, rounding), self._spread_units(np, panels, p.max_spread, rounding))


@AGGREGATIONS.register
class Mean(Aggregation):
    """平均分: plain mean of ``judges`` scores."""

    name = "mean"

    @dataclass(frozen=True)
    class Params:
        judges: int = 3
        max_spread: Decimal | None = None

    def combine(self, aspect: Aspect, values: list[Decimal], rounding: Rounding) -> AspectResult:
        flagged = self._spread_check(aspect, values, self.params.max_spread)
        if flagged:
            return flagged
        mean = Fraction(sum(values, Decimal(0))) / len(values)
        return AspectResult(aspect.id, COMPLETE, self.to_mark(aspect, mean, rounding), len(values))

    def combine_units(self, np, panels, max_units, scale_units, rounding):
        return (
            self._units_mark(np, panels.total, panels.count, max_units, scale_units, rounding),
            self._spread_units(np, panels, self.params.max_spread, rounding),
        )


@AGGREGATIONS.register
class Measurement(Aggregation):
    """测量分: one entry, or several judges who must agree exactly."""

    name = "measurement"

    @dataclass(frozen=True)
    class Params:
        judges: int = 1

    def combine(self, aspect: Aspect, values: list[Decimal], rounding: Rounding) -> AspectResult:
        if values[0] != values[-1]:
            return AspectResult(
                aspect.id, NEEDS_REMARK, None, len(values), Message("测量裁判给分不一致，须复核", "measurement judges disagree: re-check")
            )
        return AspectResult(aspect.id, COMPLETE, self.to_mark(aspect, Fraction(values[0]), rounding), len(values))

    def combine_units(self, np, panels, max_units, scale_units, rounding):
        one = np.ones_like(panels.count)
        return self._units_mark(np, panels.hi, one, max_units, scale_units, rounding), panels.hi != panels.lo


#: Rules used when a preset leaves a kind out (the provincial defaults of DOMAIN.md).
DEFAULT_RULES: dict[str, dict[str, Any]] = {
    "judgement": {"strategy": "worldskills_judgement", "params": {"judges": 3, "max_spread": 1}},
    "subjective": {"strategy": "trimmed_mean", "params": {"judges": 5, "drop_high": 1, "drop_low": 1}},
    "measurement": {"strategy": "measurement", "params": {"judges": 1}},
}


@dataclass(frozen=True)
class ContestantResult:
    """Marks and totals of one contestant (provisional while ``status`` is not complete)."""

    contestant_id: str
    aspects: Mapping[str, AspectResult]
    sub_criteria: Mapping[str, Decimal]
    criteria: Mapping[str, Decimal]
    parts: Mapping[str, Decimal]  # raw, each out of the scheme total
    weighted_parts: Mapping[str, Decimal]  # part × weight / 100, rounded once
    total: Decimal
    deductions: Decimal  # marks lost on deduction-mode aspects (扣分合计)
    status: str

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for r in self.aspects.values():
            out[r.status] += 1
        return out

    def tie_values(self) -> dict[str, Any]:
        """Values a tie-break chain may name (see :mod:`scoring.ranking`)."""
        values: dict[str, Any] = {"practical_total": self.parts.get(PRACTICAL), "theory_total": self.parts.get(THEORY), "deductions": self.deductions}
        values.update({f"part:{k}": v for k, v in self.parts.items()})
        values.update({f"criterion:{k}": v for k, v in self.criteria.items()})
        return values

    def to_dict(self) -> dict[str, Any]:
        return {
            "contestant_id": self.contestant_id,
            "status": self.status,
            "total": decimal_str(self.total),
            "deductions": decimal_str(self.deductions),
            "parts": {k: decimal_str(v) for k, v in self.parts.items()},
            "weighted_parts": {k: decimal_str(v) for k, v in self.weighted_parts.items()},
            "criteria": {k: decimal_str(v) for k, v in self.criteria.items()},
            "sub_criteria": {k: decimal_str(v) for k, v in self.sub_criteria.items()},
            "aspects": {k: v.to_dict() for k, v in self.aspects.items()},
            "counts": self.counts(),
        }


#: Entries kept by each of a scorer's memos before it starts afresh.
MEMO_SIZE = 65536


def _remember(memo: dict[Any, Any], key: Any, compute: Callable[[], Any]) -> Any:
    """``compute()``, kept in ``memo`` under ``key`` (None: not kept); errors are not kept."""
    if key is None:
        return compute()
    hit = memo.get(key)
    if hit is None:
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        hit = memo[key] = compute()
    return hit


class Scorer:
    """A scheme with its event's aggregation rules: the entry point of this module.

    ``scoring_section`` is the effective preset's ``scoring`` section (judgement / subjective /
    measurement rules and ``rounding``); missing keys take :data:`DEFAULT_RULES`.
    """

    def __init__(self, scheme: MarkingScheme, scoring_section: Mapping[str, Any] | None = None) -> None:
        section = scoring_section or {}
        self.scheme = scheme
        self.rounding = Rounding.from_section(section.get("rounding"))
        self.rules: dict[str, Aggregation] = {
            kind: AGGREGATIONS.from_section(section.get(KIND_SECTION[kind]) or DEFAULT_RULES[KIND_SECTION[kind]]) for kind in KINDS
        }
        # The live server scores the same few panels of text values over and over: a valid entry
        # and a panel's result depend only on the aspect and the values (results are immutable).
        self._checked: dict[tuple[str, str], Decimal] = {}
        self._panels: dict[tuple[str, tuple[str, ...]], AspectResult] = {}

    def rule_for(self, aspect: Aspect) -> Aggregation:
        return self.rules[aspect.kind]

    def check_score(self, aspect_id: str, value: Any) -> Decimal:
        """Validate one judge's entry (the live server calls this before storing a mark)."""

        def check() -> Decimal:
            aspect = self.scheme.aspect(aspect_id)
            return self.rule_for(aspect).check_score(aspect, value, self.rounding)

        return _remember(self._checked, (aspect_id, value) if type(value) is str else None, check)

    def score_aspect(self, aspect_id: str, scores: Mapping[Any, Any] | None) -> AspectResult:
        raw = list(scores.values()) if scores else []

        def score() -> AspectResult:
            aspect = self.scheme.aspect(aspect_id)
            return self.rule_for(aspect).aggregate(aspect, scores, self.rounding)

        return _remember(self._panels, (aspect_id, tuple(sorted(raw))) if all(type(v) is str for v in raw) else None, score)

    def score(self, contestant_id: str, marks: Mapping[str, Mapping[str, Any]]) -> ContestantResult:
        """One contestant from ``aspect id → judge id → score``; missing aspects are incomplete."""
        for aspect_id in marks:
            self.scheme.aspect(aspect_id)  # unknown ids are an error, not silently dropped
        results = {a.id: self.rule_for(a).aggregate(a, marks.get(a.id), self.rounding) for a in self.scheme.aspects()}
        return self.totals(contestant_id, results)

    def totals(self, contestant_id: str, results: Mapping[str, AspectResult]) -> ContestantResult:
        """Totals from aspect results (lets a caller re-total after changing one aspect)."""
        zero = Decimal(0)
        subs: dict[str, Decimal] = {}
        crits: dict[str, Decimal] = {}
        parts: dict[str, Decimal] = dict.fromkeys(self.scheme.parts, zero)
        deductions = zero
        worst = COMPLETE
        for crit in self.scheme.criteria:
            c_sum = zero
            for sub in crit.sub_criteria:
                s_sum = zero
                for asp in sub.aspects:
                    r = results.get(asp.id) or AspectResult(asp.id, INCOMPLETE, None)
                    if r.status == NEEDS_REMARK:
                        worst = NEEDS_REMARK
                    elif r.status == INCOMPLETE and worst == COMPLETE:
                        worst = INCOMPLETE
                    if r.mark is not None:
                        s_sum += r.mark
                        if asp.kind == MEASUREMENT and asp.mode == DEDUCTION:
                            deductions += asp.max_mark - r.mark
                subs[sub.id] = s_sum
                c_sum += s_sum
            crits[crit.id] = c_sum
            parts[crit.part] = parts.get(crit.part, zero) + c_sum
        weighted = {p: self.rounding.quantize(Fraction(parts.get(p, zero)) * Fraction(w) / 100) for p, w in self.scheme.parts.items()}
        total = sum(weighted.values(), zero)
        return ContestantResult(
            contestant_id=contestant_id,
            aspects=dict(results),
            sub_criteria=subs,
            criteria=crits,
            parts=parts,
            weighted_parts=weighted,
            total=total,
            deductions=deductions,
            status=worst,
        )
