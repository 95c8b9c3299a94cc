"""Team standings (scoring/team_standings.py), every figure counted by hand: the medal table
ordered by best awards, 团体总分 by the preset's points, 优秀组织奖 to the top places (ties share
the last), nothing where the tier keeps none, and bad parameters refused in words."""

from __future__ import annotations

import pytest

from scoring.messages import ScoringError
from scoring.presets import effective_preset
from scoring.team_standings import STANDINGS_RULES, Entry, team_standings

POINTS = {"strategy": "points", "params": {"points": {"first": 7, "second": 5, "third": 3, "excellence": 1}, "organisation_awards": 2}}

#  广州: first, third, third, 2 without an award → 7 + 3 + 3 = 13, 5 entrants
#  深圳: first, second → 7 + 5 = 12, 2 entrants
#  佛山: second, second, second, excellence → 5 × 3 + 1 = 16, 4 entrants
#  韶关: excellence → 1;  汕头: nothing → 0
ENTRIES = (
    [("广州", "first"), ("广州", "third"), ("广州", "third"), ("广州", None), ("广州", None)]
    + [("深圳", "first"), ("深圳", "second")]
    + [("佛山", "second")] * 3 + [("佛山", "excellence")]
    + [("韶关", "excellence"), ("汕头", None)]
)  # fmt: skip


def rows(result) -> dict[str, tuple]:
    return {r.delegation: (r.medal_rank, r.counts, r.total, r.total_rank, r.organisation_award, r.entrants) for r in result.rows}


def test_medal_table_team_total_and_organisation_awards_by_hand():
    result = team_standings(POINTS, ENTRIES)
    assert result.enabled and result.awards == ["first", "second", "third", "excellence"]
    # Medal table: most firsts first (深圳 and 广州 one each: 深圳 has a second), then 佛山 (3 seconds).
    assert [r.delegation for r in result.rows] == ["深圳", "广州", "佛山", "韶关", "汕头"]
    assert rows(result) == {
        "深圳": (1, {"first": 1, "second": 1, "third": 0, "excellence": 0}, 12, 3, False, 2),
        "广州": (2, {"first": 1, "second": 0, "third": 2, "excellence": 0}, 13, 2, True, 5),
        "佛山": (3, {"first": 0, "second": 3, "third": 0, "excellence": 1}, 16, 1, True, 4),
        "韶关": (4, {"first": 0, "second": 0, "third": 0, "excellence": 1}, 1, 4, False, 1),
        "汕头": (5, {"first": 0, "second": 0, "third": 0, "excellence": 0}, 0, 5, False, 1),
    }


def test_equal_totals_share_the_place_and_the_organisation_award():
    section = {"strategy": "points", "params": {"points": {"first": 3, "second": 2, "third": 1}, "organisation_awards": 1}}
    result = team_standings(section, [("甲", "first"), ("乙", "second"), ("乙", "third"), ("丙", "third")])
    got = {r.delegation: (r.total, r.total_rank, r.organisation_award) for r in result.rows}
    assert got == {"甲": (3, 1, True), "乙": (3, 1, True), "丙": (1, 3, False)}
    # 甲 leads the medal table on its first prize although 乙 won as many points.
    assert [r.delegation for r in result.rows] == ["甲", "乙", "丙"]


def test_min_points_and_medals_named_as_the_event_names_them():
    section = {"strategy": "points", "params": {"points": {"gold": 7, "silver": 5, "bronze": 3}, "organisation_awards": 3, "min_points": 4}}
    result = team_standings(section, [Entry("A", "gold"), Entry("B", "bronze"), Entry("C", "medallion")])
    assert result.awards == ["gold", "bronze", "medallion"]
    got = {r.delegation: (r.total, r.organisation_award) for r in result.rows}
    assert got == {"A": (7, True), "B": (3, False), "C": (0, False)}  # the medallion scores 0: not in points
    j = result.to_json()
    assert j["awards"][0] == {"code": "gold", "zh": "金牌", "en": "Gold medal"} and j["rows"][0]["counts"] == {"gold": 1, "bronze": 0, "medallion": 0}


def test_none_keeps_no_standings_and_the_tiers_say_which():
    assert team_standings({"strategy": "none", "params": {}}, ENTRIES).to_json() == {"enabled": False, "awards": [], "rows": []}
    assert team_standings(None, ENTRIES).enabled is False
    provincial = effective_preset("provincial", {})["delegation_standings"]
    assert provincial["strategy"] == "points" and provincial["params"]["points"]["first"] == 7 and provincial["params"]["organisation_awards"] == 10
    assert effective_preset("city", {})["delegation_standings"]["params"]["organisation_awards"] == 3
    assert effective_preset("industry", {})["delegation_standings"]["strategy"] == "none"
    assert effective_preset("enterprise.recognised", {})["delegation_standings"]["strategy"] == "none"
    # An event may tune the points (same strategy: merged key by key).
    tuned = effective_preset("provincial", {"delegation_standings": {"params": {"organisation_awards": 2}}})["delegation_standings"]
    assert tuned["params"]["organisation_awards"] == 2 and tuned["params"]["points"]["second"] == 5


def test_bad_parameters_are_refused_in_words():
    with pytest.raises(ScoringError) as e:
        STANDINGS_RULES.create("points", {"points": {"platinum": 9}})
    assert "platinum" in e.value.message.zh
    with pytest.raises(ScoringError):
        STANDINGS_RULES.create("points", {"organisation_awards": -1})
    with pytest.raises(ScoringError):
        STANDINGS_RULES.create("points", {"colour": "red"})
    with pytest.raises(ScoringError):
        team_standings(POINTS, [("甲", "wooden_spoon")])
