"""Bulk recompute (整项重算) with NumPy, in integer units.

The exact path (:class:`scoring.aggregation.Scorer`, :func:`scoring.ranking.rank`) handles a
skill of any realistic size in milliseconds. This module is the same computation vectorised,
for recomputing very large fields at once (and for ``bench/bench_ranking.py``): judges' scores as an
``int64`` array ``scores[contestant, aspect, slot]`` in units of ``10**-places`` (``MISSING`` = -1
for an empty slot), each aggregation rule's ``aggregate_units`` over its aspects, totals by
matrix sums, and a lexicographic sort for competition ranks with the same tie rules.

Every rounding goes through :func:`scoring.numbers.div_round_array`, the vector twin of the
exact path's :func:`~scoring.numbers.div_round`, so both paths agree to the unit; the tests and
the benchmark check they do. Scores are assumed validated on entry (``Scorer.check_score``);
only the range is re-checked here. Reductions run over a leading slot axis (the array is
transposed once), several times faster than over a short trailing axis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from scoring.aggregation import MISSING, STATUS_CODES, Aggregation, Scorer
from scoring.messages import Message, ScoringError
from scoring.numbers import div_round_array
from scoring.ranking import TieBreak
from scoring.scheme import DEDUCTION, MEASUREMENT


@dataclass(frozen=True)
class BulkLayout:
    """A scheme laid out as columns: one per aspect, in scheme order."""

    scorer: Scorer
    aspect_ids: tuple[str, ...]
    max_units: np.ndarray
    scale_units: np.ndarray
    rule_columns: tuple[tuple[Aggregation, Any], ...]  # (rule, slice or index array)
    criterion_ids: tuple[str, ...]
    criterion_matrix: np.ndarray  # (aspects, criteria) 0/1
    part_names: tuple[str, ...]
    part_matrix: np.ndarray  # (criteria, parts) 0/1
    part_weights: tuple[Fraction, ...]
    deduction_mask: np.ndarray  # (aspects,) bool

    @classmethod
    def of(cls, scorer: Scorer) -> BulkLayout:
        scheme = scorer.scheme
        r = scorer.rounding
        aspects = list(scheme.aspects())
        ids = tuple(a.id for a in aspects)
        by_rule: dict[int, tuple[Aggregation, list[int]]] = {}
        for i, a in enumerate(aspects):
            rule = scorer.rule_for(a)
            by_rule.setdefault(id(rule), (rule, []))[1].append(i)
        columns = []
        for rule, cols in by_rule.values():
            # A contiguous run is a view, not a copy.
            sel = slice(cols[0], cols[-1] + 1) if cols == list(range(cols[0], cols[-1] + 1)) else np.array(cols)
            columns.append((rule, sel))
        crit_ids = tuple(c.id for c in scheme.criteria)
        cm = np.zeros((len(aspects), len(crit_ids)), dtype=np.int64)
        i = 0
        for ci, c in enumerate(scheme.criteria):
            for _ in c.aspects():
                cm[i, ci] = 1
                i += 1
        parts = tuple(scheme.parts)
        pm = np.zeros((len(crit_ids), len(parts)), dtype=np.int64)
        for ci, c in enumerate(scheme.criteria):
            if c.part in parts:
                pm[ci, parts.index(c.part)] = 1
        return cls(
            scorer=scorer,
            aspect_ids=ids,
            max_units=np.array([r.units(a.max_mark) for a in aspects], dtype=np.int64),
            scale_units=np.array([r.units(a.scale_max) for a in aspects], dtype=np.int64),
            rule_columns=tuple(columns),
            criterion_ids=crit_ids,
            criterion_matrix=cm,
            part_names=parts,
            part_matrix=pm,
            part_weights=tuple(Fraction(scheme.parts[p]) for p in parts),
            deduction_mask=np.array([a.kind == MEASUREMENT and a.mode == DEDUCTION for a in aspects]),
        )

    def scores_array(
        self, contestant_ids: Sequence[str], marks: Mapping[str, Mapping[str, Mapping[str, Any]]], slots: int | None = None
    ) -> np.ndarray:
        """``contestant → aspect → judge → score`` as a unit array (judges fill slots in id order)."""
        r = self.scorer.rounding
        col = {a: i for i, a in enumerate(self.aspect_ids)}
        if slots is None:
            slots = max((len(s) for m in marks.values() for s in m.values()), default=1)
        out = np.full((len(contestant_ids), len(self.aspect_ids), max(slots, 1)), MISSING, dtype=np.int64)
        for ci, cid in enumerate(contestant_ids):
            for aid, scores in (marks.get(cid) or {}).items():
                a = col[aid]
                for si, judge in enumerate(sorted(scores)):
                    out[ci, a, si] = r.units(self.scorer.check_score(aid, scores[judge]))
        return out


@dataclass(frozen=True)
class BulkResult:
    """All contestants at once, in units (see :class:`scoring.aggregation.ContestantResult`)."""

    marks: np.ndarray  # (C, A), MISSING unless complete
    status: np.ndarray  # (C, A) int8 status codes
    criteria: np.ndarray  # (C, criteria)
    parts: np.ndarray  # (C, P) raw
    weighted: np.ndarray  # (C, P)
    total: np.ndarray  # (C,)
    deductions: np.ndarray  # (C,)
    contestant_status: np.ndarray  # (C,) worst aspect status code


def aggregate(layout: BulkLayout, scores: np.ndarray, *, slot_major: bool = False) -> BulkResult:
    """Every contestant's marks and totals from ``scores[contestant, aspect, slot]``.

    With ``slot_major`` the array is ``scores[slot, contestant, aspect]`` already, which saves
    one transposing copy (the rules reduce over the slot axis).
    """
    r = layout.scorer.rounding
    slots = scores if slot_major else np.moveaxis(scores, -1, 0)
    if slots.ndim != 3 or slots.shape[2] != len(layout.aspect_ids):
        raise ValueError("scores must be (contestants, aspects, slots)")
    # int32 halves the memory traffic of the big reductions; sums come back as int64 and every
    # product with a max mark is taken on the reduced (contestant × aspect) arrays in int64.
    if int(layout.scale_units.max(initial=0)) * max(slots.shape[0], 1) >= 2**31:
        raise ValueError("scores too large for the bulk path")
    slots = np.ascontiguousarray(slots, dtype=np.int32)
    if (slots < MISSING).any() or (slots > layout.scale_units.astype(np.int32)).any():
        raise ScoringError("score_out_of_range", Message("分数超出评分范围", "a score is out of range"))
    n = slots.shape[1]
    marks = np.empty((n, len(layout.aspect_ids)), dtype=np.int64)
    status = np.empty((n, len(layout.aspect_ids)), dtype=np.int8)
    for rule, sel in layout.rule_columns:
        m, s = rule.aggregate_units(slots[:, :, sel], layout.max_units[sel], layout.scale_units[sel], r)
        marks[:, sel] = m
        status[:, sel] = s
    done = status == STATUS_CODES["complete"]
    clean = np.where(done, marks, 0)
    criteria = clean @ layout.criterion_matrix
    parts = criteria @ layout.part_matrix
    weighted = np.empty_like(parts)
    for j, w in enumerate(layout.part_weights):
        weighted[:, j] = div_round_array(parts[:, j] * w.numerator, 100 * w.denominator, r.mode)
    total = weighted.sum(axis=1)
    lost = np.where(done & layout.deduction_mask[None, :], layout.max_units[None, :] - marks, 0).sum(axis=1)
    return BulkResult(marks, status, criteria, parts, weighted, total, lost, status.max(axis=1))


@dataclass(frozen=True)
class TieColumn:
    """A tie-break as an array: ``values`` (int64), ``present`` mask, direction."""

    values: np.ndarray
    present: np.ndarray
    descending: bool


def tie_columns(
    layout: BulkLayout, result: BulkResult, chain: Sequence[TieBreak], extra: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None
) -> list[TieColumn]:
    """The chain's values from a bulk result (``extra`` supplies e.g. ``finish_time``)."""
    extra = extra or {}
    n = result.total.shape[0]
    every = np.ones(n, dtype=bool)
    out = []
    for tb in chain:
        f = tb.field
        if f in extra:
            values, present = extra[f]
        elif f in ("practical_total", "theory_total") or f.startswith("part:"):
            name = {"practical_total": "practical", "theory_total": "theory"}.get(f, f.partition(":")[2])
            if name in layout.part_names:
                values, present = result.parts[:, layout.part_names.index(name)], every
            else:
                values, present = np.zeros(n, dtype=np.int64), ~every
        elif f == "deductions":
            values, present = result.deductions, every
        elif f.startswith("criterion:") and f.partition(":")[2] in layout.criterion_ids:
            values, present = result.criteria[:, layout.criterion_ids.index(f.partition(":")[2])], every
        else:
            values, present = np.zeros(n, dtype=np.int64), ~every
        out.append(TieColumn(np.asarray(values, dtype=np.int64), np.asarray(present, dtype=bool), tb.descending))
    return out


def rank_units(
    score: np.ndarray, rankable: np.ndarray, ties: Sequence[TieColumn] = (), margin_units: int = 0, order_hint: np.ndarray | None = None
) -> np.ndarray:
    """Competition ranks (1, 1, 3; 0 = unranked) with the rules of :mod:`scoring.ranking`.

    ``order_hint`` (e.g. the position of each contestant id in sorted order) only fixes the
    display order among equals and does not affect ranks.
    """
    n = score.shape[0]
    idx = np.arange(n) if order_hint is None else order_hint
    neg = -score.astype(np.int64)
    if margin_units:
        order = np.lexsort((idx, neg, ~rankable))
        s_sorted = score[order]
        k = int(rankable.sum())
        group_sorted = np.zeros(n, dtype=np.int64)
        # Anchored groups: each leader's group runs to the last score >= leader - margin.
        desc = -s_sorted[:k]  # ascending, for searchsorted
        i = g = 0
        while i < k:
            j = int(np.searchsorted(desc, desc[i] + margin_units, side="right"))
            group_sorted[i:j] = g
            g += 1
            i = j
        group_sorted[k:] = g
        primary = np.empty(n, dtype=np.int64)
        primary[order] = group_sorted
    else:
        primary = neg
    # Missing tie values sort after present ones: a (missing, value) pair per link.
    comps = []
    for t in ties:
        v = np.where(t.present, -t.values if t.descending else t.values, 0)
        comps.append((~t.present).astype(np.int64))
        comps.append(v)
    # lexsort: the last key is the primary one; score and id only order equals for display.
    keys = [idx, neg, *reversed(comps), primary, (~rankable).astype(np.int64)]
    order = np.lexsort(keys)
    rank_keys = np.stack([primary, *comps], axis=0)[:, order] if comps else primary[order][None, :]
    new_run = np.ones(n, dtype=bool)
    if n > 1:
        new_run[1:] = (rank_keys[:, 1:] != rank_keys[:, :-1]).any(axis=0)
    pos = np.arange(1, n + 1)
    ranks_sorted = np.maximum.accumulate(np.where(new_run, pos, 0))
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = ranks_sorted
    return np.where(rankable, ranks, 0)
