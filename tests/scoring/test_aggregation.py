from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.aggregation import AGGREGATIONS, COMPLETE, INCOMPLETE, NEEDS_REMARK, Scorer
from scoring.bulk import BulkLayout, aggregate
from scoring.messages import ScoringError
from scoring.numbers import Rounding
from scoring.presets import base_preset

R = Rounding()


def D(x):
    return Decimal(str(x))


def test_worldskills_judgement(small_scheme):
    rule = AGGREGATIONS.create("worldskills_judgement")
    a = small_scheme.aspect("B1.1")  # max 30
    r = rule.aggregate(a, {"j1": 2, "j2": 3, "j3": 2}, R)
    assert (r.status, r.mark) == (COMPLETE, D("23.33"))  # 7/9 × 30 = 23.333…
    r = rule.aggregate(a, {"j1": 1, "j2": 3, "j3": 2}, R)
    assert (r.status, r.mark) == (NEEDS_REMARK, None)
    assert "re-mark" in r.note.en
    r = rule.aggregate(a, {"j1": 1, "j2": 2}, R)
    assert (r.status, r.mark, r.scores) == (INCOMPLETE, None, 2)
    with pytest.raises(ScoringError) as exc:
        rule.aggregate(a, {"j1": 1, "j2": 2, "j3": 2, "j4": 2}, R)
    assert exc.value.code == "too_many_scores"


def test_trimmed_mean_drops_high_and_low(small_scheme):
    rule = AGGREGATIONS.create("trimmed_mean")  # 5 judges, drop 1 and 1
    a = small_scheme.aspect("B1.2")  # S, max 30
    r = rule.aggregate(a, {"a": 30, "b": 20, "c": 21, "d": 22.5, "e": 5}, R)
    assert (r.status, r.mark) == (COMPLETE, D("21.17"))  # (20 + 21 + 22.5) / 3
    diving = AGGREGATIONS.create("trimmed_mean", {"judges": 7, "drop_high": 2, "drop_low": 2})
    r = diving.aggregate(a, dict(zip("abcdefg", [10, 11, 12, 13, 14, 29, 1], strict=True)), R)
    assert r.mark == D(12)
    with pytest.raises(ScoringError):
        AGGREGATIONS.create("trimmed_mean", {"judges": 2})
    with pytest.raises(ScoringError) as exc:
        AGGREGATIONS.create("trimmed_mean", {"judgez": 5})
    assert exc.value.code == "unknown_params"


def test_measurement_single_or_agreeing_pair(small_scheme):
    a = small_scheme.aspect("A1.2")  # banded 10 / 5
    assert AGGREGATIONS.create("measurement").aggregate(a, {"j": 5}, R).mark == D(5)
    pair = AGGREGATIONS.create("measurement", {"judges": 2})
    assert pair.aggregate(a, {"j1": 5, "j2": 5}, R).mark == D(5)
    assert pair.aggregate(a, {"j1": 5, "j2": 10}, R).status == NEEDS_REMARK


@pytest.mark.parametrize(
    ("aspect", "value", "code"),
    [
        ("B1.1", "1.5", "score_not_whole"),
        ("B1.1", 4, "score_out_of_range"),
        ("B1.2", "30.5", "score_out_of_range"),
        ("B1.2", "7.125", "too_many_decimals"),
        ("A1.1", 5, "mark_not_allowed"),
        ("A1.2", 7, "mark_not_allowed"),
        ("A1.3", 15, "mark_not_allowed"),
        ("B1.2", "abc", "not_a_number"),
    ],
)
def test_bad_scores_are_refused(small_scheme, aspect, value, code):
    scorer = Scorer(small_scheme, base_preset("provincial")["scoring"])
    with pytest.raises(ScoringError) as exc:
        scorer.check_score(aspect, value)
    assert exc.value.code == code
    assert exc.value.message.zh and exc.value.message.en


def _full_marks():
    return {
        "T1.1": {f"t{i}": 80 for i in range(5)},
        "A1.1": {"m": 10},
        "A1.2": {"m": 5},
        "A1.3": {"m": 16},
        "B1.1": {"j1": 2, "j2": 2, "j3": 3},
        "B1.2": {"a": 20, "b": 24, "c": 25, "d": 26, "e": 28},
    }


def test_totals_with_weights(small_scheme):
    scorer = Scorer(small_scheme, base_preset("provincial")["scoring"])
    res = scorer.score("c1", _full_marks())
    assert res.status == COMPLETE
    assert res.aspects["B1.1"].mark == D("23.33")
    assert res.aspects["B1.2"].mark == D(25)
    assert res.sub_criteria == {"T1": D(80), "A1": D(31), "B1": D("48.33")}
    assert res.criteria == {"T": D(80), "A": D(31), "B": D("48.33")}
    assert res.parts == {"theory": D(80), "practical": D("79.33")}
    assert res.weighted_parts == {"theory": D(24), "practical": D("55.53")}  # 79.33 × 0.7 = 55.531
    assert res.total == D("79.53")
    assert res.deductions == D(4)
    assert res.tie_values()["practical_total"] == D("79.33")
    d = res.to_dict()
    assert d["total"] == "79.53" and d["aspects"]["B1.1"]["status"] == "complete"


def test_provisional_totals_and_status(small_scheme):
    scorer = Scorer(small_scheme, base_preset("provincial")["scoring"])
    marks = _full_marks()
    marks["B1.1"] = {"j1": 0, "j2": 2, "j3": 3}
    del marks["A1.1"]
    res = scorer.score("c1", marks)
    assert res.status == NEEDS_REMARK
    assert res.counts() == {COMPLETE: 4, INCOMPLETE: 1, NEEDS_REMARK: 1}
    assert res.parts["practical"] == D(46)  # 5 + 16 + 25: only the marks there are
    with pytest.raises(ScoringError):
        scorer.score("c1", {"Z9": {"j": 1}})


judge_ids = st.lists(st.text("abcdefgh", min_size=1, max_size=3), min_size=5, max_size=5, unique=True)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=3, max_size=3), st.lists(st.integers(0, 3000), min_size=5, max_size=5), judge_ids, st.randoms())
def test_order_of_judges_never_matters(small_scheme, j_scores, s_units, ids, rnd):
    scorer = Scorer(small_scheme, base_preset("provincial")["scoring"])
    s_scores = [Decimal(u).scaleb(-2) for u in s_units]
    a = dict(zip(ids[:3], j_scores, strict=True))
    b = dict(zip(ids, s_scores, strict=True))
    shuffled_a = list(a.items())
    shuffled_b = list(b.items())
    rnd.shuffle(shuffled_a)
    rnd.shuffle(shuffled_b)
    assert scorer.score_aspect("B1.1", a) == scorer.score_aspect("B1.1", dict(shuffled_a))
    assert scorer.score_aspect("B1.2", b) == scorer.score_aspect("B1.2", dict(shuffled_b))


@pytest.mark.parametrize(
    ("mode", "subjective", "measurement"),
    [
        ("ROUND_HALF_UP", {"strategy": "trimmed_mean", "params": {"judges": 5, "drop_high": 2, "drop_low": 1, "max_spread": "15"}}, 1),
        ("ROUND_HALF_EVEN", {"strategy": "trimmed_mean", "params": {"judges": 4, "drop_high": 1, "drop_low": 1}}, 2),
        ("ROUND_FLOOR", {"strategy": "trimmed_mean", "params": {"judges": 3, "drop_high": 0, "drop_low": 1}}, 1),
        ("ROUND_HALF_UP", {"strategy": "mean", "params": {"judges": 5, "max_spread": "10"}}, 3),
    ],
)
@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_bulk_path_agrees_with_exact_path(small_scheme, mode, subjective, measurement, seed):
    """The NumPy fast path gives the same marks, statuses and totals to the unit."""
    section = {**base_preset("provincial")["scoring"], "rounding": {"places": 2, "mode": mode}}
    section["subjective"] = subjective
    section["measurement"] = {"strategy": "measurement", "params": {"judges": measurement}}
    scorer = Scorer(small_scheme, section)
    rng = np.random.default_rng(seed)
    choices = {
        "T1.1": [Decimal(x).scaleb(-2) for x in range(0, 10001, 7)],
        "A1.1": [0, 10],
        "A1.2": [0, 5, 10],
        "A1.3": [0, 2, 4, 10, 14, 18, 20],
        "B1.1": [0, 1, 2, 3],
        "B1.2": [Decimal(x).scaleb(-2) for x in range(0, 3001, 13)],
    }
    marks = {}
    for c in range(30):
        m = {}
        for aid, opts in choices.items():
            n = scorer.rule_for(small_scheme.aspect(aid)).expected_judges()
            k = int(rng.integers(0, n + 1)) if rng.random() < 0.2 else n  # some incomplete panels
            m[aid] = {f"j{i}": opts[int(rng.integers(0, len(opts)))] for i in range(k)}
        marks[f"c{c}"] = m
    ids = sorted(marks)
    layout = BulkLayout.of(scorer)
    bulk = aggregate(layout, layout.scores_array(ids, marks))
    for i, cid in enumerate(ids):
        exact = scorer.score(cid, marks[cid])
        for j, aid in enumerate(layout.aspect_ids):
            ar = exact.aspects[aid]
            assert bulk.status[i, j] == {"complete": 0, "incomplete": 1, "needs_remark": 2}[ar.status]
            assert (None if bulk.marks[i, j] < 0 else R.from_units(bulk.marks[i, j])) == ar.mark
        assert R.from_units(bulk.total[i]) == exact.total
        assert [R.from_units(x) for x in bulk.parts[i]] == [exact.parts[p] for p in layout.part_names]
        assert R.from_units(bulk.deductions[i]) == exact.deductions
