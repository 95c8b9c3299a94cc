"""The annual selection's pure rules: eligibility, quota, review score, the proposed list, stages."""

import datetime as dt
from decimal import Decimal as D

import pytest

from scoring import selection as sel
from scoring.messages import ScoringError
from scoring.selection import Candidate, Criterion, Rules, eligibility_problems, parse_stages, propose, quota_problem, review_score, reviewer_total


def test_eligible_candidate_has_no_problems():
    assert eligibility_problems(Rules(min_level=4, min_years=5), "nanyue_skills_master", Candidate(4, 5, frozenset())) == []


def test_each_rule_names_its_problem():
    rules = Rules(min_level=4, min_years=8, exclude_held=True)
    problems = eligibility_problems(rules, "nanyue_skills_master", Candidate(3, 2, frozenset({"nanyue_skills_master"})))
    assert [p.zh[:4] for p in problems] == ["技能等级", "从业年限", "已获此荣"]
    assert "Technician" in problems[0].en and "8 years" in problems[1].en


def test_no_level_is_below_any_minimum_and_a_held_other_honour_does_not_count():
    assert len(eligibility_problems(Rules(min_level=0), "x", Candidate(None, 0))) == 1
    assert eligibility_problems(Rules(min_level=0), "nanyue_skills_master", Candidate(0, 0, frozenset({"guangdong_technical_expert"}))) == []
    assert eligibility_problems(Rules(min_level=0, exclude_held=False), "x", Candidate(0, 0, frozenset({"x"}))) == []


def test_rules_from_data_refuse_bad_values():
    assert Rules.from_dict({"min_level": 5, "min_years": 10}).to_dict() == {"min_level": 5, "min_years": 10, "exclude_held": True}
    for bad in ({"min_level": 9}, {"min_level": True}, {"min_years": -1}, {"min_years": "3"}):
        with pytest.raises(ScoringError):
            Rules.from_dict(bad)


def test_quota():
    assert quota_problem(2, 1) is None
    assert "2" in quota_problem(2, 2).zh and "used up" in quota_problem(2, 2).en
    assert quota_problem(None, 0) is not None and quota_problem(0, 0) is not None


def test_reviewer_total_checks_every_score():
    crit = [Criterion("a", "甲", "A", D(40)), Criterion("b", "乙", "B", D(60))]
    assert reviewer_total(crit, {"a": 30, "b": "55.5"}) == D("85.5")
    for bad in ({"a": 30}, {"a": 41, "b": 1}, {"a": 1, "b": 1, "c": 1}, {"a": "x", "b": 1}, {"a": True, "b": 1}, {"a": -1, "b": 1}):
        with pytest.raises(ScoringError):
            reviewer_total(crit, bad)


def test_review_score_trims_with_three_or_more():
    assert review_score([D(70), D(80), D(90), D(85)]) == D("82.50")  # 70 and 90 dropped
    assert review_score([D(80), D(91)]) == D("85.50")  # plain mean
    assert review_score([D(60)]) == D("60.00")
    assert review_score([]) is None


def test_propose_by_rank_and_places_with_ties():
    placed = {p.key: p for p in propose({"a": D(90), "b": D(80), "c": D(80), "d": D(70), "e": None}, 2)}
    assert (placed["a"].rank, placed["a"].proposed) == (1, True)
    assert (placed["b"].rank, placed["b"].proposed, placed["c"].rank, placed["c"].proposed) == (2, False, 2, False)
    assert placed["e"].rank is None and not placed["e"].proposed
    three = {p.key: p.proposed for p in propose({"a": D(90), "b": D(80), "c": D(80), "d": D(70)}, 3)}
    assert three == {"a": True, "b": True, "c": True, "d": False}
    assert [p.proposed for p in propose({"a": D(59), "b": D(61)}, 2, min_score=D(60))] == [True, False]


def test_stages_in_order_and_the_day_they_cover():
    s = parse_stages({"nomination_ends": "2026-03-31", "review_ends": "2026-04-30", "publicity_ends": "2026-05-07", "announce_on": "2026-05-10"})
    assert [stage_for(s, d) for d in ("2026-03-31", "2026-04-01", "2026-05-07", "2026-05-09", "2026-05-10")] == [
        sel.NOMINATION, sel.REVIEW, sel.PUBLICITY, sel.PUBLICITY, sel.ANNOUNCEMENT,
    ]  # fmt: skip
    with pytest.raises(ScoringError):
        parse_stages({"nomination_ends": "2026-03-31", "review_ends": "2026-03-01", "publicity_ends": "2026-05-07", "announce_on": "2026-05-10"})
    with pytest.raises(ScoringError):
        parse_stages({"nomination_ends": "31/03/2026", "review_ends": "2026-04-30", "publicity_ends": "2026-05-07", "announce_on": "2026-05-10"})


def stage_for(stages, day):
    from scoring.selection import stage_on

    return stage_on(stages, dt.date.fromisoformat(day))


def test_first_place_employee_of_a_provincial_contest():
    assert sel.is_first_place_employee("employee", 1, "provincial")
    assert not sel.is_first_place_employee("student", 1, "provincial")
    assert not sel.is_first_place_employee("employee", 2, "provincial")
    assert not sel.is_first_place_employee("employee", 1, "city")
