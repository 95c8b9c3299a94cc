"""The rules preview's pure part: awards, honours and promotions of a ranking with the reasons."""

from scoring import presets
from scoring.rules_preview import preview_group, sample_ranking


def awards(group):
    return [(r.rank, r.award) for r in group.rows]


def test_national_medals_go_by_place_and_a_tie_for_gold_skips_silver():
    group = preview_group(presets.effective_preset("national", {}), sample_ranking([95, 95, 90, 88, 80, 70, 60, 50]), "employee")
    assert awards(group)[:5] == [(1, "gold"), (1, "gold"), (3, "bronze"), (4, "excellence"), (5, None)]
    assert any("nobody gets the Silver medal" in m.en for m in group.summary)
    assert "ties share" in group.rows[0].to_dict()["reason"]["en"]
    assert "Excellence award line (place 4)" in group.rows[4].to_dict()["reason"]["en"]


def test_worldskills_medallion_reason_names_the_threshold():
    group = preview_group(presets.effective_preset("worldskills", {}), sample_ranking([720, 715, 710, 700, 690]), "employee")
    assert awards(group) == [(1, "gold"), (2, "silver"), (3, "bronze"), (4, "medallion"), (5, None)]
    assert "700" in group.rows[3].to_dict()["reason"]["zh"] and "低于 700" in group.rows[4].to_dict()["reason"]["zh"]


def test_the_honour_is_not_granted_to_a_group_the_rule_leaves_out():
    group = preview_group(presets.effective_preset("provincial.class1", {}), sample_ranking(size=10), "student")
    assert all(r.honour is None for r in group.rows)
    assert any("学生组不授广东省技术能手" in m.zh for m in group.summary)


def test_a_score_below_the_no_award_line_gets_nothing_and_says_why():
    preset = presets.effective_preset("provincial", {"awards": {"params": {"min_score": "60"}}})
    group = preview_group(preset, sample_ranking([99, 98, 97, 96, 95, 59, 58, 57, 56, 55]), "employee")
    assert group.rows[5].award is None and "不评奖分数线 60" in group.rows[5].to_dict()["reason"]["zh"]
