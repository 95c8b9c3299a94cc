"""Eligibility rules read from the preset: refusals and warnings, each naming its rule."""

from __future__ import annotations

from datetime import date

import pytest

from scoring.eligibility import REFUSAL, WARNING, EligibilityRules, check_entrant, check_entrant_counts, looks_like_school
from scoring.levels import SkillLevel
from scoring.presets import base_preset, effective_preset


def entrant(**over):
    args = {"group_kind": "employee", "birth_date": date(2003, 5, 1), "current_level": SkillLevel.SENIOR, "employer": "广州某某有限公司"}
    args.update(over)
    return args


def test_base_presets_read_without_per_person_rules():
    for name in ("provincial", "provincial.class1", "national", "worldskills"):
        rules = EligibilityRules.from_preset(base_preset(name))
        assert rules.born_on_or_after is None and dict(rules.min_level) == {}
        assert check_entrant(rules, **entrant()) == []
    assert EligibilityRules.from_preset(base_preset("provincial")).min_entrants == 30
    assert EligibilityRules.from_preset(base_preset("worldskills")).min_entrants == 15


def test_age_limit_refuses_those_born_before_the_date():
    rules = EligibilityRules.from_preset(effective_preset("worldskills", {"eligibility": {"born_on_or_after": "2003-01-01"}}))
    assert check_entrant(rules, **entrant(birth_date=date(2003, 1, 1))) == []
    (finding,) = check_entrant(rules, **entrant(birth_date=date(2002, 12, 31)))
    assert (finding.code, finding.severity, finding.rule, finding.field) == ("too_old", REFUSAL, "eligibility.born_on_or_after", "birth_date")
    assert "2003-01-01" in finding.message.zh and "2003-01-01" in finding.message.en


@pytest.mark.parametrize("value", [2003, "2003", date(2003, 1, 1), "2003-01-01"])
def test_age_limit_forms(value):
    assert EligibilityRules.from_preset({"born_on_or_after": value}).born_on_or_after == date(2003, 1, 1)


def test_minimum_level_per_group_kind():
    rules = EligibilityRules.from_preset({"min_level": {"employee": "高级工（三级）"}})
    assert check_entrant(rules, **entrant(current_level="高级工")) == []
    assert check_entrant(rules, **entrant(current_level=SkillLevel.TECHNICIAN)) == []
    (finding,) = check_entrant(rules, **entrant(current_level="中级工"))
    assert (finding.code, finding.severity, finding.rule) == ("level_too_low", REFUSAL, "eligibility.min_level")
    assert "高级工" in finding.message.zh and "中级工" in finding.message.zh and "Senior worker" in finding.message.en
    # Other groups are not held to the employee minimum.
    assert check_entrant(rules, **entrant(group_kind="teacher", current_level="学徒工", employer="广州市技师学院")) == []
    assert [f.code for f in check_entrant(rules, **entrant(current_level=None))] == ["level_too_low"]


@pytest.mark.parametrize("employer", ["广州市技师学院", "广东轻工职业技术学院", "华南理工大学", "佛山市高级技工学校", "Guangzhou Vocational College"])
def test_school_names_are_recognised(employer):
    assert looks_like_school(employer)


def test_student_from_a_company_is_a_warning_by_default():
    rules = EligibilityRules.from_preset(base_preset("provincial"))
    (finding,) = check_entrant(rules, **entrant(group_kind="student", employer="某某电子厂"))
    assert (finding.code, finding.severity, finding.rule, finding.field) == ("not_a_school", WARNING, "eligibility.school_check", "employer")
    assert "学生组" in finding.message.zh and "student group" in finding.message.en
    assert [f.code for f in check_entrant(rules, **entrant(group_kind="teacher", employer=""))] == ["not_a_school"]
    assert check_entrant(rules, **entrant(group_kind="student", employer="广州市技师学院")) == []
    assert check_entrant(rules, **entrant(group_kind="employee", employer="广州市技师学院")) == []


def test_school_check_strict_and_off():
    strict = EligibilityRules.from_preset({"school_check": "strict"})
    assert [f.severity for f in check_entrant(strict, **entrant(group_kind="student"))] == [REFUSAL]
    off = EligibilityRules.from_preset({"school_check": "off"})
    assert check_entrant(off, **entrant(group_kind="student")) == []


def test_minimum_entrants_is_a_warning_per_skill_and_group():
    rules = EligibilityRules.from_preset(base_preset("provincial"))
    findings = check_entrant_counts(rules, {("电工", "employee"): 30, ("电工", "student"): 29, ("焊工", "teacher"): 0})
    assert [(f.code, f.severity, f.rule) for f in findings] == [("few_entrants", WARNING, "eligibility.min_entrants")] * 2
    assert "电工" in findings[0].message.zh and "学生组" in findings[0].message.zh and "29" in findings[0].message.zh
    assert "0 entrants" in findings[1].message.en and "teacher group" in findings[1].message.en
    national = EligibilityRules.from_preset(base_preset("national"))
    assert check_entrant_counts(national, {("电工", "employee"): 1}) == []


def test_several_findings_at_once():
    rules = EligibilityRules.from_preset({"born_on_or_after": "2005-01-01", "min_level": {"student": "初级工"}})
    found = check_entrant(rules, **entrant(group_kind="student", current_level="学徒工", employer="某工厂"))
    assert [f.code for f in found] == ["too_old", "level_too_low", "not_a_school"]


@pytest.mark.parametrize(
    "section",
    [{"born_on_or_after": "2003/01/01"}, {"min_level": {"employee": "大师"}}, {"min_level": {"retiree": "技师"}}, {"school_check": "sometimes"}],
)
def test_malformed_sections_are_configuration_errors(section):
    with pytest.raises(ValueError):
        EligibilityRules.from_preset(section)
