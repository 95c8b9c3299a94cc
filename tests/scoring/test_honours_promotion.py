from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.honours import ALREADY_HELD, GRANTED, decide_honours
from scoring.levels import SkillLevel
from scoring.messages import ScoringError
from scoring.presets import base_preset, deep_merge
from scoring.promotion import NO_CHANGE, PROMOTED, PROMOTED_ALREADY_HELD, decide_promotions, parse_rules
from scoring.ranking import Entry, rank
from scoring.standing import Person, Standing, standings_from

NATIONAL = base_preset("national")
CLASS1 = base_preset("provincial.class1")
CLASS2 = base_preset("provincial.class2")


def granted(decisions):
    return sorted(d.person_id for d in decisions if d.outcome == GRANTED)


# ---- honours --------------------------------------------------------------------------


def test_national_top_5_individuals_become_national_technical_experts():
    standings = [Standing(f"p{i}", i) for i in range(1, 9)]
    decisions = decide_honours(standings, NATIONAL["honours"])
    assert granted(decisions) == ["p1", "p2", "p3", "p4", "p5"]
    assert all(d.honour == "national_technical_expert" and d.requires_approval for d in decisions)
    assert decisions[0].to_dict()["honour_label"] == {"zh": "全国技术能手", "en": "National Technical Expert"}


def test_national_team_sizes():
    pairs = [Standing(f"t{r}{m}", r, team_size=2, team_id=f"t{r}") for r in range(1, 6) for m in "ab"]
    trios = [Standing(f"u{r}{m}", r, team_size=3, team_id=f"u{r}") for r in range(1, 6) for m in "abc"]
    assert granted(decide_honours(pairs, NATIONAL["honours"])) == ["t1a", "t1b", "t2a", "t2b", "t3a", "t3b"]
    assert granted(decide_honours(trios, NATIONAL["honours"])) == ["u1a", "u1b", "u1c", "u2a", "u2b", "u2c"]
    four = [Standing("v1", 1, team_size=4)]
    assert decide_honours(four, NATIONAL["honours"]) == []


def test_guangdong_employee_group_top_n_by_class():
    standings = [Standing(f"e{i}", i, group="employee") for i in range(1, 8)] + [Standing(f"s{i}", i, group="student") for i in range(1, 4)]
    assert granted(decide_honours(standings, CLASS1["honours"])) == ["e1", "e2", "e3", "e4", "e5"]
    assert granted(decide_honours(standings, CLASS2["honours"])) == ["e1", "e2", "e3"]
    assert decide_honours(standings, base_preset("worldskills")["honours"]) == []


def test_never_the_same_honour_twice_and_ties_at_the_cut():
    held = frozenset({"guangdong_technical_expert"})
    standings = [
        Standing("e1", 1, group="employee", honours_held=held),
        Standing("e2", 2, group="employee"),
        Standing("e3", 3, group="employee"),
        Standing("e4", 3, group="employee"),
    ]
    decisions = {d.person_id: d.outcome for d in decide_honours(standings, CLASS2["honours"])}
    assert decisions == {"e1": ALREADY_HELD, "e2": GRANTED, "e3": GRANTED, "e4": GRANTED}  # rank 3 tie: both within top 3
    # A person listed twice (two skills) is decided once.
    twice = [Standing("e2", 2, group="employee"), Standing("e2", 1, group="employee")]
    assert [(d.person_id, d.rank) for d in decide_honours(twice, CLASS2["honours"])] == [("e2", 1)]


def test_min_award_can_be_required():
    section = deep_merge(NATIONAL["honours"], {"params": {"min_award": "bronze"}})
    standings = [Standing("a", 1, award="gold"), Standing("b", 4, award="excellence")]
    assert granted(decide_honours(standings, section)) == ["a"]


# ---- promotion ------------------------------------------------------------------------

PROMO = base_preset("provincial")["promotion"]


def test_award_and_above_to_technician_and_already_technician_to_senior_technician():
    standings = [
        Standing("a", 8, award="excellence", level=SkillLevel.SENIOR),
        Standing("b", 1, award="first", level=SkillLevel.TECHNICIAN),
        Standing("c", 2, award="second", level=SkillLevel.SENIOR_TECHNICIAN),
        Standing("d", 20, award=None, level=SkillLevel.SENIOR),
        Standing("e", 3, award="third", level=None),
        Standing("f", 4, award="third", level=SkillLevel.JUNIOR),
    ]
    got = {d.person_id: (d.outcome, d.from_level, d.to_level, d.rule_id) for d in decide_promotions(standings, PROMO)}
    assert got["a"] == (PROMOTED, SkillLevel.SENIOR, SkillLevel.TECHNICIAN, "award_to_technician")
    assert got["b"] == (PROMOTED_ALREADY_HELD, SkillLevel.TECHNICIAN, SkillLevel.SENIOR_TECHNICIAN, "award_to_technician")
    assert got["c"] == (NO_CHANGE, SkillLevel.SENIOR_TECHNICIAN, None, "award_to_technician")
    assert "d" not in got
    assert got["e"][2] == SkillLevel.TECHNICIAN
    assert got["f"][2] == SkillLevel.TECHNICIAN  # the rule grants 技师, whatever the start
    assert decide_promotions(standings, PROMO)[0].to_dict()["to_level"] == "技师"


RICH = {
    "rules": [
        {"id": "award_to_technician", "who": {"min_award": "excellence", "groups": ["employee"]}, "to": "技师", "already_held_to": "高级技师"},
        {"id": "employee_6_20", "who": {"ranks": [6, 20], "groups": ["employee"]}, "to": "高级工", "already_held_to": "技师"},
        {"id": "student_top5", "who": {"ranks": [1, 5], "groups": ["student"]}, "to": "三级"},
    ]
}


def test_rule_variants_and_best_rule_wins():
    standings = [
        Standing("a", 7, award="excellence", group="employee", level=SkillLevel.INTERMEDIATE),  # both first rules match
        Standing("b", 12, group="employee", level=SkillLevel.SENIOR),
        Standing("c", 12, group="employee", level=SkillLevel.TECHNICIAN),
        Standing("s", 3, group="student", level=SkillLevel.SENIOR),
        Standing("t", 6, group="student", level=None),
    ]
    got = {d.person_id: (d.rule_id, d.outcome, d.to_level) for d in decide_promotions(standings, RICH)}
    assert got["a"] == ("award_to_technician", PROMOTED, SkillLevel.TECHNICIAN)
    assert got["b"] == ("employee_6_20", PROMOTED_ALREADY_HELD, SkillLevel.TECHNICIAN)
    assert got["c"] == ("employee_6_20", NO_CHANGE, None)
    assert got["s"] == ("student_top5", NO_CHANGE, None)
    assert "t" not in got


def test_bad_rules_are_named():
    for bad in (
        {"rules": [{"id": "x", "who": {"min_award": "platinum"}, "to": "技师"}]},
        {"rules": [{"id": "x", "who": {}, "to": "大师"}]},
        {"rules": [{"id": "x", "who": {"rank": [1, 3]}, "to": "技师"}]},
        {"rules": [{"id": "x", "who": {}, "to": "技师", "already_held_to": "高级工"}]},
    ):
        with pytest.raises(ScoringError) as exc:
            parse_rules(bad)
        assert "x" in exc.value.message.zh


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 30),
            st.sampled_from([None, "first", "second", "third", "excellence", "gold", "bronze"]),
            st.sampled_from(["employee", "student", "teacher"]),
            st.one_of(st.none(), st.sampled_from(list(SkillLevel))),
        ),
        max_size=20,
    ),
    st.sampled_from([PROMO, RICH]),
)
def test_promotion_never_lowers_nor_passes_the_grant(people, section):
    standings = [Standing(f"p{i}", r, a, g, level=lv) for i, (r, a, g, lv) in enumerate(people)]
    rules = {r.id: r for r in parse_rules(section)}
    for d in decide_promotions(standings, section):
        rule = rules[d.rule_id]
        ceiling = max(rule.to, rule.already_held_to or rule.to)
        if d.to_level is not None:
            assert d.from_level is None or d.to_level > d.from_level
            assert d.to_level <= ceiling
        else:
            assert d.from_level is not None and d.from_level >= rule.to


def test_standings_from_a_team_ranking():
    r = rank([Entry("team1", Decimal(90)), Entry("team2", Decimal(80))])
    members = {"team1": [Person("a", SkillLevel.SENIOR), Person("b")], "team2": [Person("c"), Person("d")]}
    s = standings_from(r, {"team1": "gold", "team2": "silver"}, members, group="employee")
    assert [(x.person_id, x.rank, x.award, x.team_size, x.team_id) for x in s] == [
        ("a", 1, "gold", 2, "team1"),
        ("b", 1, "gold", 2, "team1"),
        ("c", 2, "silver", 2, "team2"),
        ("d", 2, "silver", 2, "team2"),
    ]
    assert granted(decide_honours(s, NATIONAL["honours"])) == ["a", "b", "c", "d"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 12), st.sampled_from([None, "first", "excellence"]), st.sampled_from(["employee", "student"]), st.sampled_from([1, 2, 3])
        ),
        max_size=15,
    ),
    st.randoms(),
)
def test_order_of_standings_never_matters(people, rnd):
    standings = [Standing(f"p{i}", r, a, g, size, level=SkillLevel.SENIOR) for i, (r, a, g, size) in enumerate(people)]
    shuffled = list(standings)
    rnd.shuffle(shuffled)
    for section in (NATIONAL["honours"], CLASS1["honours"]):
        assert decide_honours(shuffled, section) == decide_honours(standings, section)
    assert decide_promotions(shuffled, RICH) == decide_promotions(standings, RICH)
