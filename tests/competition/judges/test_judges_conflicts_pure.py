"""The pure conflict-of-interest and coverage rules (competition/judges/conflicts.py)."""

import pytest

from competition.judges import conflicts as c
from scoring import presets


@pytest.mark.parametrize(
    "judge, contestant, code",
    [
        ({"delegation": "广州市", "employer": "A"}, {"delegation": "广州市", "employer": "B"}, "same_delegation"),
        ({"delegation": "广州", "employer": ""}, {"delegation": "广州市代表队", "employer": ""}, "same_delegation"),
        ({"delegation": " 深圳　市 ", "employer": ""}, {"delegation": "深圳市", "employer": ""}, "same_delegation"),
        (
            {"delegation": "x", "employer": "佛山市（顺德）精密机械有限公司"},
            {"delegation": "y", "employer": "佛山市(顺德)精密机械 有限公司"},
            "same_employer",
        ),
        ({"delegation": "x", "employer": "ＡＢＣ Co."}, {"delegation": "y", "employer": "abc co."}, "same_employer"),
        ({"delegation": "广州市", "employer": "广州地铁"}, {"delegation": "深圳市", "employer": "广州地铁集团"}, None),
        ({"delegation": "", "employer": ""}, {"delegation": "", "employer": ""}, None),
        ({"delegation": "中山市", "employer": "x"}, {"delegation": "佛山市", "employer": "y"}, None),
    ],
)
def test_conflict_reason(judge, contestant, code):
    reason = c.conflict_reason(judge, contestant)
    assert (reason.code if reason else None) == code
    if reason:
        assert reason.zh and reason.en and reason.get("en") == reason.en and reason.get("zh") == reason.zh


def test_both_reasons_delegation_first_and_objects_work():
    class P:
        delegation, employer = "东莞市", "东莞市技师学院"

    reasons = c.conflict_reasons(P(), {"delegation": "东莞", "employer": "东莞市技师学院"})
    assert [r.code for r in reasons] == ["same_delegation", "same_employer"]


def test_criteria_cleaning_and_splitting():
    assert c.clean_criteria(["a", " B1 ", "ｃ２.1", "A", ""]) == (["A", "B1", "C2.1"], None)
    assert c.clean_criteria(["A", "1B"])[1] == "1B"
    assert c.split_criteria("A, B1、c；D  E") == ["A", "B1", "c", "D", "E"]


def test_shortfalls_and_panels():
    judges = [
        {"id": 1, "role": "judge", "criteria": [], "delegation": "广州市", "employer": ""},
        {"id": 2, "role": "judge", "criteria": ["A"], "delegation": "深圳市", "employer": ""},
        {"id": 3, "role": "chief_judge", "criteria": [], "delegation": "佛山市", "employer": ""},
        {"id": 4, "role": "chief_judge", "criteria": ["B"], "delegation": "东莞市", "employer": ""},
    ]
    people = [{"id": 10, "delegation": "广州市", "employer": ""}, {"id": 11, "delegation": "湛江市", "employer": ""}]
    assert c.panel_sizes(judges) == [("A", 2), ("B", 2)]
    got = [(s.criterion, s.contestant_id, s.eligible) for s in c.shortfalls(judges, people, 2)]
    assert got == [("A", 10, 1), ("B", 10, 1)]
    assert c.shortfalls(judges[:1], people, 1) == [c.Shortfall(None, 10, 0, 1)]
    assert c.panel_sizes([]) == [(None, 0)]


def test_needed_judges_from_presets():
    assert c.needed_judges(presets.effective_preset("provincial.class1", {})) == ("subjective", 5)
    assert c.needed_judges(presets.effective_preset("national", {})) == ("subjective", 5)
    assert c.needed_judges(presets.effective_preset("worldskills", {})) == ("judgement", 3)
    assert c.needed_judges(presets.effective_preset("worldskills", {"scoring": {"judgement": {"params": {"judges": 4}}}})) == ("judgement", 4)
    # The preset names the panel (judging.panel), not a guess from the strategies' names.
    assert c.needed_judges(presets.effective_preset("provincial", {"awards": {"strategy": "worldskills"}})) == ("subjective", 5)
    assert c.needed_judges(presets.effective_preset("provincial", {"judging": {"panel": "judgement"}})) == ("judgement", 3)
    assert c.needed_judges(presets.effective_preset("city", {})) == ("subjective", 5)
