from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.awards import AWARDS, ProvincialAwards, assign_awards, award_label, split_counts
from scoring.messages import ScoringError
from scoring.presets import base_preset
from scoring.ranking import ABSENT, Entry, rank

D = Decimal


def ranking(scores, statuses=None):
    statuses = statuses or {}
    return rank([Entry(f"c{i:03d}", None if s is None else D(str(s)), statuses.get(i, "competed")) for i, s in enumerate(scores)])


def by_award(awards):
    out = {}
    for cid, code in sorted(awards.items()):
        out.setdefault(code, []).append(cid)
    return out


WS = {"strategy": "worldskills", "params": {"medal_margin": "2", "excellence_threshold": "700"}}


# ---- WorldSkills ----------------------------------------------------------------------


def test_worldskills_one_gold_one_silver_bronze():
    a = by_award(assign_awards(ranking([740, 735, 730, 720, 702, 690]), WS))
    assert a == {"gold": ["c000"], "silver": ["c001"], "bronze": ["c002"], "medallion": ["c003", "c004"], None: ["c005"]}


def test_worldskills_two_golds_no_silver():
    a = by_award(assign_awards(ranking([740, 739, 730, 729, 720]), WS))
    assert a["gold"] == ["c000", "c001"]
    assert "silver" not in a
    assert a["bronze"] == ["c002", "c003"]  # one or more bronze: 729 is within 2 of 730


def test_worldskills_three_golds_bronze_only_within_margin_of_last_gold():
    # 740, 739, 738 share gold (within 2 of 740); 737 is within 2 of the last gold (738): bronze.
    a = by_award(assign_awards(ranking([740, 739, 738, 737, 735]), WS))
    assert a["gold"] == ["c000", "c001", "c002"] and "silver" not in a
    assert a["bronze"] == ["c003"]
    # Nobody within the margin of the last gold: no bronze at all.
    a = by_award(assign_awards(ranking([740, 739, 738, 730]), WS))
    assert "bronze" not in a and a["medallion"] == ["c003"]


def test_worldskills_one_gold_two_silvers_no_bronze_and_shared_bronze():
    a = by_award(assign_awards(ranking([750, 740, 739, 730]), WS))
    assert a == {"gold": ["c000"], "silver": ["c001", "c002"], "medallion": ["c003"]}
    a = by_award(assign_awards(ranking([750, 740, 730, 729, 728.5, 700]), WS))
    assert a["bronze"] == ["c002", "c003", "c004"]  # shared bronze: all of them
    assert a["medallion"] == ["c005"]  # at 700 exactly


def test_worldskills_margin_zero_shares_only_exact_ties():
    a = by_award(assign_awards(ranking([720, 720, 710, 690]), base_preset("worldskills")["awards"]))
    assert a == {"gold": ["c000", "c001"], "bronze": ["c002"], None: ["c003"]}


# ---- provincial -----------------------------------------------------------------------

PROV = base_preset("provincial")["awards"]


def test_provincial_1_2_3_within_20_percent():
    a = by_award(assign_awards(ranking(range(100, 70, -1)), PROV))  # 30 entrants, distinct scores
    assert [len(a[k]) for k in ("first", "second", "third")] == [1, 2, 3]  # 6 = 20 % of 30
    assert len(a["excellence"]) == 9  # the rest of the top 15 (50 %)
    assert a["first"] == ["c000"] and a["excellence"][-1] == "c014"
    assert ProvincialAwards(PROV["params"]).quotas(100) == [3, 7, 10]
    # floor(9.4) = 9 → shares 1.5, 3, 4.5: the spare one goes to the lower prize on equal remainders
    assert ProvincialAwards(PROV["params"]).quotas(47) == [1, 3, 5]


def test_absent_do_not_count_as_entrants_by_default():
    scores = list(range(100, 70, -1)) + [None] * 5
    statuses = {i: ABSENT for i in range(30, 35)}
    a = by_award(assign_awards(ranking(scores, statuses), PROV))
    assert len(a["first"]) + len(a["second"]) + len(a["third"]) == 6
    listed = {**PROV, "params": {**PROV["params"], "basis": "listed"}}
    a = by_award(assign_awards(ranking(scores, statuses), listed))
    assert len(a["first"]) + len(a["second"]) + len(a["third"]) == 7  # 20 % of 35


def test_tie_straddling_a_boundary():
    # 30 entrants: 6 prizes. Ranks 6 and 7 are tied (score 95) across the third-prize cap.
    scores = [100, 99, 98, 97, 96, 95, 95] + list(range(90, 67, -1))
    lower = assign_awards(ranking(scores), PROV)
    assert lower["c005"] == lower["c006"] == "excellence"
    assert sum(1 for v in lower.values() if v in ("first", "second", "third")) == 5
    higher = assign_awards(ranking(scores), {**PROV, "params": {**PROV["params"], "tie_at_boundary": "higher"}})
    assert higher["c005"] == higher["c006"] == "third"
    # Two tied at the top with one first prize: under "lower" both get second.
    top = assign_awards(ranking([100, 100] + list(range(90, 62, -1))), PROV)
    assert top["c000"] == top["c001"] == "second" and top["c002"] == "second"


def test_min_score_withholds_awards():
    params = {**PROV["params"], "min_score": "60"}
    a = assign_awards(ranking([90, 80] + [50] * 28), {"strategy": "provincial", "params": params})
    assert a["c000"] == "first" and a["c002"] is None


def test_split_counts():
    assert split_counts(20, (1, 2, 3)) == [3, 7, 10]
    assert split_counts(20, (1, 2, 3), "floor") == [3, 6, 10]
    assert split_counts(20, (1, 2, 3), "unit") == [3, 6, 9]
    assert split_counts(1, (1, 2, 3)) == [0, 0, 1]
    assert split_counts(3, (1, 2, 3)) == [0, 1, 2]
    with pytest.raises(ScoringError):
        split_counts(3, (1, 2, 3), "magic")


# ---- national -------------------------------------------------------------------------

NAT = base_preset("national")["awards"]


def test_national_medals_by_rank_then_excellence():
    a = by_award(assign_awards(ranking(range(100, 80, -1)), NAT))  # 20 entrants
    assert a["gold"] == ["c000"] and a["silver"] == ["c001"] and a["bronze"] == ["c002"]
    assert len(a["excellence"]) == 7  # top 10 (50 %) less the three medallists
    tied = by_award(assign_awards(ranking([99, 99, 98, 97] + list(range(90, 74, -1))), NAT))
    assert tied["gold"] == ["c000", "c001"] and "silver" not in tied and tied["bronze"] == ["c002"]


def test_labels():
    assert award_label("first") == "一等奖" and award_label("excellence", "en") == "Excellence award"
    assert award_label("medallion") == "优胜奖" and award_label(None) == ""
    assert all(k.label.zh and k.label.en for k in AWARDS.values())


# ---- properties -----------------------------------------------------------------------

scores_st = st.lists(st.integers(0, 40), min_size=1, max_size=80)
rules_st = st.sampled_from(
    [
        PROV,
        {**PROV, "params": {**PROV["params"], "tie_at_boundary": "higher"}},
        {**PROV, "params": {**PROV["params"], "split": "floor", "cap_rounding": "half_up", "excellence_rounding": "ceil"}},
        NAT,
        WS,
        {"strategy": "worldskills", "params": {"medal_margin": "0", "excellence_threshold": "20"}},
    ]
)


@settings(max_examples=150, deadline=None)
@given(scores_st, rules_st)
def test_tied_contestants_get_equal_awards_and_better_rank_never_worse_award(scores, rules):
    r = ranking(scores)
    awards = assign_awards(r, rules)
    standing = lambda code: 99 if code is None else AWARDS[code].standing  # noqa: E731
    for x in r:
        for y in r:
            if x.rank == y.rank:
                assert awards[x.contestant_id] == awards[y.contestant_id]
            elif x.rank < y.rank:
                assert standing(awards[x.contestant_id]) <= standing(awards[y.contestant_id])


@settings(max_examples=150, deadline=None)
@given(scores_st)
def test_provincial_counts_respect_ratio_and_caps(scores):
    r = ranking(scores)
    n = len(scores)
    awards = assign_awards(r, PROV)
    quotas = ProvincialAwards(PROV["params"]).quotas(n)
    assert sum(quotas) <= n * D("0.2")
    assert quotas[0] <= quotas[1] <= quotas[2]
    counts = [sum(1 for v in awards.values() if v == k) for k in ("first", "second", "third")]
    cumulative_award = 0
    cumulative_quota = 0
    for got, quota in zip(counts, quotas, strict=True):
        cumulative_award += got
        cumulative_quota += quota
        assert cumulative_award <= cumulative_quota  # ties can only push prizes down, never over a cap
    prized_or_excellent = sum(1 for v in awards.values() if v is not None)
    assert prized_or_excellent <= max(sum(quotas), n // 2)
    if len(set(scores)) == len(scores):  # no ties: the quotas are met exactly
        assert counts == quotas


@settings(max_examples=60, deadline=None)
@given(scores_st, rules_st, st.randoms())
def test_order_of_the_ranking_list_never_matters(scores, rules, rnd):
    r = ranking(scores)
    shuffled = list(r)
    rnd.shuffle(shuffled)
    assert assign_awards(shuffled, rules) == assign_awards(r, rules)
