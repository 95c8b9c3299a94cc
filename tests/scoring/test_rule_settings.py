"""Every published rule is a setting (issue 14): strategies swapped by override, a rounding per cut,
unshared ranks, places counted among the eligible, the panel a preset names, the new tiers.

Expected outcomes are worked by hand from each rule's text (the comments show the arithmetic).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scoring.awards import AWARD_RULES, ProvincialAwards, assign_awards, award_rule
from scoring.honours import ALREADY_HELD, GRANTED, HONOURS, decide_honours
from scoring.messages import ScoringError
from scoring.presets import (
    STRATEGY_SECTIONS,
    TIER_CLASSES,
    TIERS,
    base_preset,
    effective_preset,
    needed_panel,
    normalise_overrides,
    preset_name,
    preset_problem,
    strategy_defaults,
)
from scoring.promotion import parse_rules
from scoring.ranking import LOT, Entry, LiveRanking, RankingRules, decided_by_lot, lot_needed, lot_value, rank
from scoring.standardisation import STANDARDISATIONS
from scoring.standing import Standing


def ranking(scores, ids=None):
    ids = ids or [f"c{i:03d}" for i in range(len(scores))]
    return rank([Entry(cid, Decimal(s)) for cid, s in zip(ids, scores, strict=True)])


def by_award(awards):
    out: dict[str, list[str]] = {}
    for cid, code in sorted(awards.items()):
        if code:
            out.setdefault(code, []).append(cid)
    return out


# ---- 1. a section's strategy can be replaced ---------------------------------------------------


def test_an_override_naming_another_strategy_starts_from_its_defaults():
    # Guangdong's 省职业技能大赛: 金/银/铜牌 + 优胜奖 instead of the provincial 一/二/三等奖.
    p = effective_preset("provincial.class2", {"awards": {"strategy": "guangdong", "params": {"excellence_rounding": "ceil"}}})
    assert p["awards"]["strategy"] == "guangdong"
    assert "ratio" not in p["awards"]["params"] and "cap_fraction" not in p["awards"]["params"]  # nothing of the old strategy
    assert p["awards"]["params"] == {**strategy_defaults(AWARD_RULES, "guangdong"), "excellence_rounding": "ceil"}
    award_rule(p["awards"])  # and the new strategy reads it
    # A provincial WorldSkills selection on the 700 scale.
    p = effective_preset("provincial", {"standardisation": {"strategy": "worldskills_700"}, "awards": {"strategy": "worldskills"}})
    assert p["standardisation"]["params"]["centre"] == "700" and p["awards"]["params"]["excellence_threshold"] == "700"
    # The same strategy named again tunes key by key, as before.
    p = effective_preset("provincial", {"awards": {"strategy": "provincial", "params": {"cap_fraction": "0.3"}}})
    assert p["awards"]["params"]["cap_fraction"] == "0.3" and p["awards"]["params"]["ratio"] == [1, 2, 3]


def test_every_rule_section_has_the_strategy_shape():
    for name in base_preset.__globals__["_PRESETS"]:
        preset = base_preset(name)
        for path in STRATEGY_SECTIONS:
            section = preset
            for key in path:
                section = section[key]
            assert set(section) == {"strategy", "params"}, (name, path)
        assert preset_problem(preset) is None, name


def test_old_stored_overrides_are_read_as_the_new_shape():
    old = {"ranking": {"tie_margin": "0.5", "tie_break": ["theory_total"]}, "promotion": {"rules": []}, "awards": {"params": {"rounding": "ceil"}}}
    new = normalise_overrides("provincial", old)
    assert new == {
        "ranking": {"params": {"tie_margin": "0.5", "tie_break": ["theory_total"]}},
        "promotion": {"params": {"rules": []}},
        "awards": {"params": {"cap_rounding": "ceil", "excellence_rounding": "ceil"}},
    }
    p = effective_preset("provincial", old)
    assert RankingRules.from_section(p["ranking"]).tie_margin == Decimal("0.5") and parse_rules(p["promotion"]) == []
    # National awards had one rounding, for the 优胜奖 cut only.
    assert normalise_overrides("national", {"awards": {"params": {"rounding": "ceil"}}}) == {"awards": {"params": {"excellence_rounding": "ceil"}}}
    # The flat sections are still read directly too.
    assert RankingRules.from_section({"tie_margin": "1"}).tie_margin == 1
    assert [r.id for r in parse_rules({"rules": [{"id": "x", "to": "技师"}]})] == ["x"]


def test_a_wrong_parameter_or_strategy_is_named_by_its_path():
    path, exc = preset_problem(effective_preset("provincial", {"awards": {"strategy": "worldskills", "params": {"ratio": [1, 2, 3]}}}))
    assert path == "awards.params.ratio" and exc.code == "unknown_params" and "ratio" in exc.message.zh and "ratio" in exc.message.en
    path, exc = preset_problem(effective_preset("provincial", {"ranking": {"params": {"unshared_by": "coin"}}}))
    assert path == "ranking.params.unshared_by" and exc.code == "bad_param"
    path, _ = preset_problem(effective_preset("provincial", {"awards": {"params": {"cap_rounding": "sideways"}}}))
    assert path == "awards.params.cap_rounding"
    with pytest.raises(ScoringError) as err:
        effective_preset("provincial", {"awards": {"strategy": "olympic"}})
    assert err.value.code == "unknown_strategy"


awards_params = st.fixed_dictionaries(
    {},
    optional={
        "excellence_fraction": st.sampled_from(["0", "0.3", "0.5", "0.6"]),
        "excellence_rounding": st.sampled_from(["floor", "ceil", "half_up"]),
        "tie_at_boundary": st.sampled_from(["lower", "higher"]),
    },
)


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(["provincial", "provincial.class1", "national", "worldskills", "city", "industry.drill"]),
    st.sampled_from(["provincial", "national", "guangdong"]),
    awards_params,
    st.lists(st.integers(0, 30), min_size=1, max_size=40),
)
def test_swapping_a_strategy_by_override_equals_choosing_it_in_a_preset(base, strategy, params, scores):
    assume(base_preset(base)["awards"]["strategy"] != strategy)  # the same strategy is tuned, not swapped
    swapped = effective_preset(base, {"awards": {"strategy": strategy, "params": params}})["awards"]
    chosen = {"strategy": strategy, "params": params}  # a preset naming it with these parameters
    assert award_rule(swapped).params == AWARD_RULES.create(strategy, params).params
    r = ranking(scores)
    assert assign_awards(r, swapped) == assign_awards(r, chosen)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(STANDARDISATIONS.names()), st.sampled_from(["provincial", "national", "worldskills"]))
def test_swapping_standardisation_equals_choosing_it(strategy, base):
    swapped = effective_preset(base, {"standardisation": {"strategy": strategy}})["standardisation"]
    assert STANDARDISATIONS.from_section(swapped).params == STANDARDISATIONS.create(strategy).params


def test_the_preset_names_the_panel_a_mark_needs():
    assert needed_panel(base_preset("provincial")) == ("subjective", 5)
    assert needed_panel(base_preset("worldskills")) == ("judgement", 3)
    # No guess from strategy names: a provincial event standardising on 700 keeps its panel …
    assert needed_panel(effective_preset("provincial", {"standardisation": {"strategy": "worldskills_700"}})) == ("subjective", 5)
    # … until its rules say otherwise.
    assert needed_panel(effective_preset("provincial", {"judging": {"panel": "judgement"}})) == ("judgement", 3)
    assert preset_problem(effective_preset("provincial", {"judging": {"panel": "jury"}}))[0] == "judging.panel"


# ---- the Guangdong awards ----------------------------------------------------------------------


def test_guangdong_medals_then_excellence_to_the_top_half():
    # 9 entrants: gold, silver, bronze to ranks 1–3; 优胜奖 to the rest of the top half, 4.5 places:
    # floor → 4 (rank 4 only), ceil → 5 (ranks 4 and 5).
    r = ranking(range(90, 81, -1))
    floor = by_award(assign_awards(r, {"strategy": "guangdong", "params": {}}))
    assert floor == {"gold": ["c000"], "silver": ["c001"], "bronze": ["c002"], "excellence": ["c003"]}
    ceil = by_award(assign_awards(r, {"strategy": "guangdong", "params": {"excellence_rounding": "ceil"}}))
    assert ceil["excellence"] == ["c003", "c004"]


# ---- 2. each cut rounds its own way ------------------------------------------------------------


def test_the_prize_cap_and_the_excellence_cut_round_separately():
    # 23 entrants. Cap 20 % = 4.6: floor 4, half_up 5. 优胜奖 cut 50 % = 11.5: floor 11, ceil 12.
    # 4 prizes in 1:2:3 → shares 0.67, 1.33, 2 → 0, 1, 2 and the one left to the largest remainder
    # (first) → 1, 1, 2. 5 prizes → 0.83, 1.67, 2.5 → 0, 1, 2 and two left (first, second) → 1, 2, 2.
    rule = ProvincialAwards({"cap_rounding": "floor"})
    assert rule.quotas(23) == [1, 1, 2]
    assert ProvincialAwards({"cap_rounding": "half_up"}).quotas(23) == [1, 2, 2]
    assert ProvincialAwards({"cap_rounding": "ceil"}).quotas(23) == [1, 2, 2]
    r = ranking(range(100, 77, -1))
    today = by_award(assign_awards(r, {"strategy": "provincial", "params": {}}))  # floor and floor
    assert [len(today[c]) for c in ("first", "second", "third", "excellence")] == [1, 1, 2, 11 - 4]
    split = by_award(assign_awards(r, {"strategy": "provincial", "params": {"cap_rounding": "floor", "excellence_rounding": "ceil"}}))
    assert [len(split[c]) for c in ("first", "second", "third", "excellence")] == [1, 1, 2, 12 - 4]
    up = by_award(assign_awards(r, {"strategy": "provincial", "params": {"cap_rounding": "half_up", "excellence_rounding": "ceil"}}))
    assert [len(up[c]) for c in ("first", "second", "third", "excellence")] == [1, 2, 2, 12 - 5]


def test_the_defaults_are_todays_floor_for_both_cuts():
    for name in ("provincial", "city", "industry"):
        params = base_preset(name)["awards"]["params"]
        assert params["cap_rounding"] == "floor" and params["excellence_rounding"] == "floor"
    assert base_preset("national")["awards"]["params"]["excellence_rounding"] == "floor"


# ---- 3. ranks need not be shared ---------------------------------------------------------------

UNSHARED = {"strategy": "competition", "params": {"unshared": True, "lot_seed": "chief judge 7"}}


def test_off_by_default_ties_share_a_rank():
    r = rank(
        [Entry("a", Decimal(90)), Entry("b", Decimal(85)), Entry("c", Decimal(85)), Entry("d", Decimal(80))], base_preset("provincial")["ranking"]
    )
    assert [x.rank for x in r] == [1, 2, 2, 4]


def test_the_lot_decides_what_the_chain_left_tied():
    entries = [Entry("a", Decimal(90)), Entry("b", Decimal(85)), Entry("c", Decimal(85)), Entry("d", Decimal(80))]
    r = rank(entries, UNSHARED)
    assert [x.rank for x in r] == [1, 2, 3, 4] and not any(x.tied for x in r)
    first, second = sorted("bc", key=lambda cid: lot_value("chief judge 7", cid))  # the smaller lot draws first
    assert [x.contestant_id for x in r] == ["a", first, second, "d"]
    assert decided_by_lot(r) == [second] and r[2].decided_by == LOT
    # Without a seed nothing is drawn: the tie stays and is named.
    no_seed = {"strategy": "competition", "params": {"unshared": True}}
    r = rank(entries, no_seed)
    assert [x.rank for x in r] == [1, 2, 2, 4] and lot_needed(r, no_seed) == [["b", "c"]]
    assert lot_needed(rank(entries, UNSHARED), UNSHARED) == []


def test_the_earlier_finish_decides_before_the_lot():
    # The chain (here: none) leaves b and c tied; c finished earlier, so c is 2nd.
    entries = [Entry("b", Decimal(85), tie_values={"finish_time": 10}), Entry("c", Decimal(85), tie_values={"finish_time": 9})]
    rules = {"strategy": "competition", "params": {"tie_break": [], "unshared": True, "unshared_by": "earlier_finish"}}
    r = rank(entries, rules)
    assert [(x.contestant_id, x.rank, x.decided_by) for x in r] == [("c", 1, None), ("b", 2, "finish_time")]
    # Equal or missing finish times: the lot, once a seed is given.
    same = [Entry("b", Decimal(85)), Entry("c", Decimal(85))]
    assert [x.rank for x in rank(same, rules)] == [1, 1]
    assert [x.rank for x in rank(same, {**rules, "params": {**rules["params"], "lot_seed": "s"}})] == [1, 2]


entries_st = st.lists(st.tuples(st.integers(0, 5), st.one_of(st.none(), st.integers(0, 3))), min_size=1, max_size=30).map(
    lambda xs: [Entry(f"p{i}", Decimal(s), tie_values={"finish_time": f}) for i, (s, f) in enumerate(xs)]
)


@settings(max_examples=150, deadline=None)
@given(entries_st, st.text(min_size=1, max_size=12).filter(str.strip), st.sampled_from(["lot", "earlier_finish"]), st.sampled_from(["0", "1"]))
def test_unshared_ranks_are_a_strict_total_order_and_the_seed_fixes_it(entries, seed, by, margin):
    rules = {"strategy": "competition", "params": {"unshared": True, "unshared_by": by, "lot_seed": seed, "tie_margin": margin}}
    r = rank(entries, rules)
    assert sorted(x.rank for x in r) == list(range(1, len(entries) + 1))  # every rank once: strict, total
    assert not any(x.tied for x in r)
    again = rank(list(reversed(entries)), rules)  # same seed, any input order → same order
    assert [x.contestant_id for x in again] == [x.contestant_id for x in r]
    # Better score never ranks below a worse one: the lot only orders ties.
    for a, b in zip(r, r[1:]):
        assert a.score >= b.score or margin != "0"
    assert LiveRanking(entries, rules).ranks() == {x.contestant_id: x.rank for x in r}


# ---- 4. only the eligible use up places ---------------------------------------------------------


def standing(pid, rnk, group="employee", held=()):
    return Standing(pid, rnk, group=group, honours_held=frozenset(held))


def test_honour_places_counted_among_the_eligible():
    # Top 3 of the employee group earn 广东省技术能手. s1 is a student, e2 already holds the honour.
    people = [standing("s1", 1, "student"), standing("e1", 2), standing("e2", 3, held={"guangdong_technical_expert"}),
              standing("e3", 4), standing("e4", 5)]  # fmt: skip
    section = {"strategy": "guangdong_technical_expert", "params": {"top": 3}}
    counted_all = {d.person_id: d.outcome for d in decide_honours(people, section)}
    assert counted_all == {"e1": GRANTED, "e2": ALREADY_HELD}  # ranks 2 and 3 are within 3; e3 is 4th
    eligible = {"strategy": "guangdong_technical_expert", "params": {"top": 3, "count_among": "eligible"}}
    # Among the candidates (employees not holding it): e1 1st, e3 2nd, e4 3rd; e2 is placed 2nd
    # (only e1 is a candidate above) and told it is already held, without taking a place.
    counted = {d.person_id: d.outcome for d in decide_honours(people, eligible)}
    assert counted == {"e1": GRANTED, "e2": ALREADY_HELD, "e3": GRANTED, "e4": GRANTED}


def test_award_places_counted_among_the_eligible():
    # National medals to ranks 1–3, 优胜奖 to the top half. b (rank 2) may not receive an award.
    r = ranking([96, 95, 94, 93, 92, 91], ids=list("abcdef"))
    eligible = set("acdef")
    # Counted among all six: b keeps its place, so there is no silver; cut = max(3, 6 × 0.5) = 3.
    assert assign_awards(r, {"strategy": "national", "params": {}}, eligible) == dict.fromkeys("abcdef", None) | {"a": "gold", "c": "bronze"}
    # Among the five eligible: a, c, d are 1st–3rd; cut = max(3, floor(2.5)) = 3.
    among = assign_awards(r, {"strategy": "national", "params": {"count_among": "eligible"}}, eligible)
    assert among == dict.fromkeys("abcdef", None) | {"a": "gold", "c": "silver", "d": "bronze"}
    with pytest.raises(ScoringError):
        award_rule({"strategy": "national", "params": {"count_among": "some"}})


# ---- 5. the city tier and industry / enterprise contests -----------------------------------------


def test_new_tiers_and_their_presets():
    assert {"city", "industry", "enterprise"} <= set(TIERS)
    assert preset_name("industry", "drill") == "industry.drill" and TIER_CLASSES["enterprise"] == TIER_CLASSES["industry"]
    city = base_preset("city")
    assert city["honours"]["params"]["honour"] == "city_technical_expert" and "city_technical_expert" in HONOURS
    assert [r.to.zh for r in parse_rules(city["promotion"])] == ["高级工"]
    for tier in ("industry", "enterprise"):
        light = base_preset(tier)
        assert light["honours"]["strategy"] == "none" and parse_rules(light["promotion"]) == []
        assert parse_rules(base_preset(f"{tier}.recognised")["promotion"])[0].to.zh == "高级工"
        assert base_preset(f"{tier}.drill")["awards"]["params"]["excellence_fraction"] == "0"
    # 岗位练兵: prizes only. 20 entrants → 4 prizes (1, 1, 2), no 优胜奖.
    got = by_award(assign_awards(ranking(range(20, 0, -1)), base_preset("industry.drill")["awards"]))
    assert sorted(got) == ["first", "second", "third"] and sum(map(len, got.values())) == 4
