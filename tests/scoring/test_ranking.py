from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.bulk import TieColumn, rank_units
from scoring.messages import ScoringError
from scoring.ranking import ABSENT, COMPETED, DISQUALIFIED, Entry, LiveRanking, RankingRules, rank, rank_by_group

D = Decimal
CHAIN = ["practical_total", "theory_total", "fewer_deductions", "earlier_finish"]


def e(cid, score, practical=None, theory=None, deductions=None, finish=None, status=COMPETED, group=""):
    tv = {"practical_total": practical, "theory_total": theory, "deductions": deductions, "finish_time": finish}
    return Entry(cid, None if score is None else D(str(score)), status, tv, group)


def ranks(result):
    return {r.contestant_id: r.rank for r in result}


def test_competition_ranking_shares_and_skips():
    out = rank([e("a", 90), e("b", 95), e("c", 90), e("d", 80)])
    assert [(r.contestant_id, r.rank, r.tied) for r in out] == [("b", 1, False), ("a", 2, True), ("c", 2, True), ("d", 4, False)]


def test_tie_break_chain_separates_in_order():
    rules = {"tie_margin": "0", "tie_break": CHAIN}
    entries = [
        e("a", 90, practical=60, theory=30, deductions=2, finish=100),
        e("b", 90, practical=62, theory=28, deductions=4, finish=200),  # higher practical wins
        e("c", 90, practical=60, theory=30, deductions=1, finish=300),  # same practical/theory, fewer deductions
        e("d", 90, practical=60, theory=30, deductions=2, finish=50),  # same as a but finished earlier
        e("f", 90, practical=60, theory=30, deductions=2, finish=100),  # identical to a: shares
    ]
    out = rank(entries, rules)
    assert [(r.contestant_id, r.rank) for r in out] == [("b", 1), ("c", 2), ("d", 3), ("a", 4), ("f", 4)]
    by = {r.contestant_id: r for r in out}
    assert by["c"].decided_by == "practical_total"
    assert by["d"].decided_by == "deductions"
    assert by["a"].decided_by == "finish_time"
    assert by["f"].decided_by is None and by["f"].tied


def test_missing_tie_values_sort_last():
    out = rank([e("a", 90, practical=None), e("b", 90, practical=10)], {"tie_break": ["practical_total"]})
    assert ranks(out) == {"b": 1, "a": 2}


def test_absent_and_disqualified_are_listed_unranked():
    out = rank([e("a", 90), e("x", None, status=ABSENT), e("q", 99, status=DISQUALIFIED), e("p", None), e("b", 91)])
    assert [(r.contestant_id, r.rank, r.position) for r in out] == [("b", 1, 1), ("a", 2, 2), ("p", None, 3), ("x", None, 4), ("q", None, 5)]


def test_tie_margin_is_anchored_at_the_group_leader():
    rules = {"tie_margin": "1"}
    out = rank([e("a", "90.0"), e("b", "89.4"), e("c", "89.0"), e("d", "88.6"), e("f", "87.5")], rules)
    # a leads: b and c are within 1 of 90; d (88.6) is not and leads its own group with f? 88.6 − 87.5 > 1.
    assert ranks(out) == {"a": 1, "b": 1, "c": 1, "d": 4, "f": 5}
    # Within a margin group the tie-break decides, even against the raw score.
    out = rank([e("a", "90.0", practical=50), e("b", "89.5", practical=55)], {"tie_margin": "1", "tie_break": ["practical_total"]})
    assert ranks(out) == {"b": 1, "a": 2}


def test_groups_rank_separately_and_errors():
    by = rank_by_group([e("a", 90, group="employee"), e("b", 80, group="student"), e("c", 85, group="employee")])
    assert {g: ranks(r) for g, r in by.items()} == {"employee": {"a": 1, "c": 2}, "student": {"b": 1}}
    with pytest.raises(ScoringError):
        rank([e("a", 1), e("a", 2)])
    with pytest.raises(ScoringError):
        RankingRules.from_section({"tie_break": ["fastest_typist"]})
    with pytest.raises(ScoringError):
        rank([e("a", 1, status="withdrawn")])


# ---- properties ------------------------------------------------------------------------

maybe = lambda s: st.one_of(st.none(), s)  # noqa: E731
entry_st = st.builds(
    lambda score, p, t, d, f, status: (score, p, t, d, f, status),
    maybe(st.integers(0, 12)),
    maybe(st.integers(0, 4)),
    maybe(st.integers(0, 3)),
    maybe(st.integers(0, 3)),
    maybe(st.integers(0, 5)),
    st.sampled_from([COMPETED] * 8 + [ABSENT, DISQUALIFIED]),
)
fields_st = st.lists(entry_st, min_size=0, max_size=25)
margin_st = st.sampled_from(["0", "0.5", "1", "2.5"])


def build(fields):
    return [e(f"c{i:02d}", None if s is None else D(s) / 2, p, t, d, f, status=stt) for i, (s, p, t, d, f, stt) in enumerate(fields)]


@settings(max_examples=120, deadline=None)
@given(fields_st, margin_st, st.randoms())
def test_input_order_never_changes_the_ranking(fields, margin, rnd):
    entries = build(fields)
    rules = {"tie_margin": margin, "tie_break": CHAIN}
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    assert rank(shuffled, rules) == rank(entries, rules)


@settings(max_examples=150, deadline=None)
@given(fields_st.filter(bool), margin_st, st.data())
def test_gaining_a_mark_never_lowers_rank(fields, margin, data):
    entries = build(fields)
    rules = {"tie_margin": margin, "tie_break": CHAIN}
    candidates = [x for x in entries if x.rankable]
    if not candidates:
        return
    who = data.draw(st.sampled_from(candidates))
    gain = D(data.draw(st.integers(1, 6))) / 2
    # The mark is a practical mark: the total and the practical total both rise.
    tv = dict(who.tie_values)
    if tv["practical_total"] is not None:
        tv["practical_total"] += gain
    better = Entry(who.contestant_id, who.score + gain, who.status, tv)
    before = ranks(rank(entries, rules))[who.contestant_id]
    after = ranks(rank([better if x is who else x for x in entries], rules))[who.contestant_id]
    assert after <= before


@settings(max_examples=80, deadline=None)
@given(fields_st, st.lists(st.tuples(st.integers(0, 30), entry_st), max_size=15), st.sampled_from(["0", "0", "1"]))
def test_live_ranking_agrees_with_full_ranking(fields, updates, margin):
    rules = {"tie_margin": margin, "tie_break": CHAIN}
    entries = {x.contestant_id: x for x in build(fields)}
    live = LiveRanking(entries.values(), rules)
    assert live.ranks() == ranks(rank(entries.values(), rules))
    for idx, f in updates:
        cid = f"c{idx:02d}"
        new = build([f])[0]
        new = Entry(cid, new.score, new.status, new.tie_values)
        before = live.ranks()
        changes = live.update(new)
        entries[cid] = new
        expected = ranks(rank(entries.values(), rules))
        assert live.ranks() == expected
        # The reported changes are exactly the ranks that changed.
        moved = {c.contestant_id: c.new_rank for c in changes}
        assert moved == {k: v for k, v in expected.items() if before.get(k) != v}
    if entries:
        gone = sorted(entries)[0]
        live.remove(gone)
        del entries[gone]
        assert live.ranks() == ranks(rank(entries.values(), rules))
    assert live.top(3) == [(r.contestant_id, r.rank) for r in rank(entries.values(), rules)[:3] if r.rank is not None]


@settings(max_examples=80, deadline=None)
@given(fields_st, margin_st)
def test_numpy_ranks_agree_with_exact_ranks(fields, margin):
    entries = build(fields)
    rules = RankingRules.from_section({"tie_margin": margin, "tie_break": CHAIN})
    expected = ranks(rank(entries, rules))
    n = len(entries)
    score = np.array([int(x.score * 100) if x.score is not None else 0 for x in entries], dtype=np.int64)
    rankable = np.array([x.rankable for x in entries], dtype=bool)
    ties = []
    for tb in rules.tie_break:
        vals = [x.tie_values.get(tb.field) for x in entries]
        ties.append(
            TieColumn(
                np.array([0 if v is None else v for v in vals], dtype=np.int64).reshape(n),
                np.array([v is not None for v in vals], dtype=bool).reshape(n),
                tb.descending,
            )
        )
    got = rank_units(score, rankable, ties, int(D(margin) * 100))
    assert {x.contestant_id: (int(r) or None) for x, r in zip(entries, got, strict=True)} == expected
