"""Whole-sheet validation: one test per error kind, statuses on re-import, row/column reporting."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pandas as pd
import pytest

from competition.registration.sheet import ImportContext, Registered, SheetError, SkillOption, read_table, validate_rows
from scoring.idcard import make_id
from scoring.levels import SkillLevel
from scoring.presets import effective_preset

TODAY = date(2025, 6, 1)
SKILLS = [
    SkillOption(1, "电工", "E01", {"employee": 11, "student": 12}),
    SkillOption(2, "焊工", "W02", {"employee": 21}),
    SkillOption(3, "网络安全", "N03", {"employee": 31, "student": 32, "teacher": 33}),
]
HEADERS = [
    "姓名",
    "身份证号",
    "性别",
    "出生日期",
    "竞赛项目",
    "组别",
    "工作单位/学校",
    "代表队",
    "现职业技能等级",
    "等级证书编号",
    "手机号",
    "团队名称",
]


def person(i: int = 0, **over: str) -> dict[str, str]:
    born = date(1990, 1, 1) + timedelta(days=37 * i)
    sex = "MF"[i % 2]
    row = {
        "姓名": f"选手{i}",
        "身份证号": make_id("440106", born, i % 500, sex),
        "性别": "男" if sex == "M" else "女",
        "出生日期": born.isoformat(),
        "竞赛项目": "电工",
        "组别": "职工组",
        "工作单位/学校": "广州电力有限公司",
        "代表队": "广州市",
        "现职业技能等级": "高级工",
        "等级证书编号": f"S{i:010d}",
        "手机号": f"138{i:08d}",
        "团队名称": "",
    }
    row.update(over)
    return row


def to_csv(rows: list[dict[str, str]], headers: list[str] | None = None) -> bytes:
    headers = headers or HEADERS
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=headers, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def ctx(**kw) -> ImportContext:
    return ImportContext(SKILLS, today=TODAY, **kw)


def check(rows, context=None, headers=None):
    return validate_rows(read_table(to_csv(rows, headers), "报名表.csv"), context or ctx())


def codes(report) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.code) for e in report.errors]


# -------------------------------------------------------------------------------- a clean sheet


def test_clean_sheet_gives_storage_ready_records():
    report = check([person(0), person(1, 竞赛项目="W02", 组别="employee", 团队名称="")])
    assert report.ok and report.errors == []
    assert report.counts == {"total": 2, "valid": 2, "invalid": 0, "new": 2, "update": 0, "unchanged": 0, "errors": 0, "warnings": 0}
    first, second = report.records()
    assert first == {
        "name": "选手0",
        "id_type": "id_card",
        "id_number": person(0)["身份证号"],
        "nationality": "",
        "sex": "M",
        "birth_date": date(1990, 1, 1),
        "skill_id": 1,
        "skill": "电工",
        "group_id": 11,
        "group": "employee",
        "employer": "广州电力有限公司",
        "delegation": "广州市",
        "current_level": int(SkillLevel.SENIOR),
        "level_certificate_no": "S0000000000",
        "phone": "13800000000",
        "team": None,
        "team_captain": False,
        "award_eligible": None,  # the sheet has no 参与评奖 column: a new row takes part, an update keeps its choice
    }
    assert (second["skill_id"], second["group_id"], second["sex"]) == (2, 21, "F")
    assert [r.row for r in report.rows] == [2, 3]
    assert all(r.status == "new" for r in report.rows)


def test_optional_columns_may_be_absent_and_values_are_normalised():
    headers = ["姓名", "身份证号码", "竞赛项目", "组别", "工作单位", "代表队", "现职业技能等级", "手机号"]
    row = person(3, 身份证号码=person(3)["身份证号"].lower(), 工作单位="某某公司", 现职业技能等级="无", 手机号="+86 138-0013-8000")
    report = check([row], headers=headers)
    assert report.ok, report.errors
    rec = report.records()[0]
    assert rec["id_number"] == person(3)["身份证号"].upper()
    assert rec["current_level"] == int(SkillLevel.APPRENTICE)
    assert rec["level_certificate_no"] is None  # none needed for 学徒工
    assert rec["phone"] == "13800138000"
    assert rec["sex"] == "F" and rec["birth_date"] == date(1990, 1, 1) + timedelta(days=111)


def test_error_shape_uses_sheet_row_and_header_text_as_in_file():
    headers = ["姓名", "身份证号码", "竞赛项目", "组别", "工作单位", "代表队", "现职业技能等级", "证书编号", "手机号"]
    rows = [person(0), person(1)]
    rows = [{**r, "身份证号码": r["身份证号"], "工作单位": r["工作单位/学校"], "证书编号": r["等级证书编号"]} for r in rows]
    rows[1]["身份证号码"] = rows[1]["身份证号码"][:-1]
    report = check(rows, headers=headers)
    assert [e.to_dict() for e in report.errors] == [
        {"row": 3, "column": "身份证号码", "code": "id_length", "message_zh": report.errors[0].message_zh, "message_en": report.errors[0].message_en}
    ]
    assert "18" in report.errors[0].message_zh and "18" in report.errors[0].message_en
    assert [r.row for r in report.rows] == [2]
    assert report.invalid_rows == [3]
    assert not report.ok


def test_row_numbers_survive_blank_rows_and_title_rows():
    text = "2025年广东省职业技能大赛报名表,,,,,,,,,,,\n" + to_csv([person(0)]).decode() + ",,,,,,,,,,,\n\n"
    text += to_csv([person(1, 手机号="123")]).decode().split("\n", 1)[1]
    report = validate_rows(read_table(text.encode(), "a.csv"), ctx())
    assert codes(report) == [(6, "手机号", "bad_phone")]
    assert [r.row for r in report.rows] == [3]


def test_plain_dataframe_with_header_texts_is_accepted():
    df = pd.DataFrame([person(0), person(1, 手机号="")])
    report = validate_rows(df, ctx())
    assert codes(report) == [(3, "手机号", "missing")]


# ------------------------------------------------------------------------ one test per error kind


@pytest.mark.parametrize(
    ("over", "column", "code"),
    [
        ({"姓名": ""}, "姓名", "missing"),
        ({"身份证号": ""}, "身份证号", "missing"),
        ({"竞赛项目": ""}, "竞赛项目", "missing"),
        ({"组别": ""}, "组别", "missing"),
        ({"工作单位/学校": ""}, "工作单位/学校", "missing"),
        ({"代表队": ""}, "代表队", "missing"),
        ({"现职业技能等级": ""}, "现职业技能等级", "missing"),
        ({"手机号": ""}, "手机号", "missing"),
        ({"姓名": "张" * 51}, "姓名", "too_long"),
        ({"身份证号": "44010619900101123"}, "身份证号", "id_length"),
        ({"身份证号": "4401061990010112AX"}, "身份证号", "id_characters"),
        ({"身份证号": "990106199001011234"}, "身份证号", "id_region"),
        ({"身份证号": "440106199002301234"}, "身份证号", "id_birth_date"),
        ({"身份证号": "440106199001011234"}, "身份证号", "id_checksum"),
        ({"身份证号": "4.40106199001011e+17"}, "身份证号", "id_as_number"),
        ({"性别": "未知"}, "性别", "bad_sex"),
        ({"性别": "女"}, "性别", "sex_mismatch"),
        ({"出生日期": "一九九零年"}, "出生日期", "bad_date"),
        ({"出生日期": "2030-01-01"}, "出生日期", "birth_date_future"),
        ({"出生日期": "1990-01-02"}, "出生日期", "birth_date_mismatch"),
        ({"竞赛项目": "厨师"}, "竞赛项目", "unknown_skill"),
        ({"组别": "少年组"}, "组别", "bad_group"),
        ({"组别": "教师组"}, "组别", "unknown_group"),
        ({"现职业技能等级": "大师"}, "现职业技能等级", "bad_level"),
        ({"等级证书编号": ""}, "等级证书编号", "missing_certificate_no"),
        ({"等级证书编号": "S 1"}, "等级证书编号", "bad_certificate_no"),
        ({"手机号": "12800138000"}, "手机号", "bad_phone"),
        ({"手机号": "1380013800"}, "手机号", "bad_phone"),
        ({"手机号": "020-12345678"}, "手机号", "bad_phone"),
    ],
)
def test_each_cell_error(over, column, code):
    report = check([person(0), person(2, **over)])
    assert codes(report) == [(3, column, code)]
    err = report.errors[0]
    assert err.message_zh and err.message_en and err.message_zh != err.message_en
    assert [r.row for r in report.rows] == [2]


def test_all_errors_of_a_row_are_reported_at_once():
    report = check([person(0, 姓名="", 手机号="1", 组别="少年组", 性别="女")])
    assert [e.code for e in report.errors] == ["missing", "sex_mismatch", "bad_group", "bad_phone"]
    assert report.counts["invalid"] == 1 and report.rows == []


def test_sex_and_birth_date_are_not_compared_with_a_broken_id():
    report = check([person(0, 身份证号="440106199001011234", 性别="女", 出生日期="1980-01-01")])
    assert [e.code for e in report.errors] == ["id_checksum"]


def test_duplicate_person_in_sheet_flags_every_occurrence():
    twin = person(0)
    again = person(0, 竞赛项目="焊工", 身份证号=person(0)["身份证号"].lower())
    report = check([twin, person(1), again])
    assert codes(report) == [(2, "身份证号", "duplicate_in_sheet"), (4, "身份证号", "duplicate_in_sheet")]
    assert "2, 4" in report.errors[0].message_zh
    assert [r.row for r in report.rows] == [3]


def test_person_registered_elsewhere_in_the_event_is_refused():
    registered = {person(0)["身份证号"]: (2, 21)}  # already in 焊工 职工组
    report = check([person(0)], ctx(registered=registered))
    assert codes(report) == [(2, "身份证号", "registered_elsewhere")]
    assert "焊工" in report.errors[0].message_zh and "职工组" in report.errors[0].message_zh
    assert "employee group" in report.errors[0].message_en
    # Same skill, other group: still one entry per event.
    report = check([person(0, 组别="学生组", 工作单位="广州市技师学院")], ctx(registered={person(0)["身份证号"]: (1, 11)}))
    assert [e.code for e in report.errors] == ["registered_elsewhere"]


#: The skills of the team tests: 电工 in teams of three, 焊工 in pairs, 网络安全 individual.
TEAM_SKILLS = [
    SkillOption(1, "电工", "E01", {"employee": 11, "student": 12}, 3),
    SkillOption(2, "焊工", "W02", {"employee": 21}, 2),
    SkillOption(3, "网络安全", "N03", {"employee": 31, "student": 32, "teacher": 33}),
]


def team_ctx(**kw) -> ImportContext:
    return ImportContext(TEAM_SKILLS, today=TODAY, **kw)


def team_rows(name: str, ids: range, **over: str) -> list[dict[str, str]]:
    return [person(i, 团队名称=name, 队长="是" if i == ids[0] else "", **over) for i in ids]


def test_teams_of_the_skill_size_with_one_captain():
    rows = team_rows("广州一队", range(3)) + team_rows("广州二队", range(3, 5), 竞赛项目="焊工")
    report = check(rows, team_ctx(), HEADERS + ["队长"])
    assert report.ok, report.errors
    assert [r.record["team_captain"] for r in report.rows] == [True, False, False, True, False]


def test_team_too_small_or_too_big():
    rows = team_rows("独行侠", range(1)) + team_rows("大队", range(1, 5))
    report = check(rows, team_ctx(), HEADERS + ["队长"])
    assert codes(report) == [(2, "团队名称", "team_size")] + [(r, "团队名称", "team_size") for r in range(3, 7)]
    assert "1 人" in report.errors[0].message_zh and "每队须为 3 人" in report.errors[0].message_zh
    assert "4 members" in report.errors[1].message_en


def test_team_mixing_skills_or_groups():
    rows = [person(0, 团队名称="混合队"), person(1, 团队名称="混合队", 竞赛项目="焊工")]
    report = check(rows, team_ctx())
    assert [c for c in codes(report) if c[2] == "team_mixed"] == [(2, "团队名称", "team_mixed"), (3, "团队名称", "team_mixed")]
    assert "电工" in report.errors[0].message_zh and "焊工" in report.errors[0].message_zh


def test_team_counts_members_registered_earlier():
    earlier = [person(8), person(9)]
    registered = {
        p["身份证号"]: Registered(1, 11, {"team": "广州一队", "team_captain": i == 0, "delegation": "广州市"}) for i, p in enumerate(earlier)
    }
    report = check([person(0, 团队名称="广州一队")], team_ctx(registered=registered))
    assert report.ok, report.errors


def test_certificate_number_can_be_made_optional():
    report = check([person(0, 等级证书编号="")], ctx(require_certificate_no=False))
    assert report.ok


def test_skill_by_code_and_group_in_english_or_short_form():
    report = check([person(0, 竞赛项目="e01", 组别="Employee"), person(1, 竞赛项目="网络安全", 组别="教师", 工作单位="广东技术师范大学")])
    assert report.ok, report.errors
    assert [(r["skill_id"], r["group_id"]) for r in report.records()] == [(1, 11), (3, 33)]


def test_missing_required_column_is_a_sheet_error():
    headers = [h for h in HEADERS if h != "手机号"]
    with pytest.raises(SheetError) as info:
        validate_rows(pd.DataFrame([person(0)])[headers], ctx())
    assert info.value.details["missing"] == ["phone"]
    assert "手机号" in info.value.message.zh


# ------------------------------------------------------------------------ re-import and statuses


def test_reimport_marks_rows_unchanged_or_update_and_never_new():
    first = check([person(0), person(1), person(2)])
    stored = {r["id_number"]: Registered(r["skill_id"], r["group_id"], r) for r in first.records()}
    again = check([person(0), person(1, 手机号="13900000001"), person(2), person(3)], ctx(registered=stored))
    assert again.ok
    assert [(r.row, r.status) for r in again.rows] == [(2, "unchanged"), (3, "update"), (4, "unchanged"), (5, "new")]
    assert again.rows[1].changed == {"phone": ("13800000001", "13900000001")}
    assert again.counts["new"] == 1 and again.counts["update"] == 1 and again.counts["unchanged"] == 2


def test_registered_without_stored_fields_is_an_update():
    report = check([person(0)], ctx(registered={person(0)["身份证号"]: (1, 11)}))
    assert [r.status for r in report.rows] == ["update"]


def test_stored_values_in_other_spellings_compare_equal():
    stored = {"name": "选手0", "sex": "男", "birth_date": "1990-01-01", "current_level": "高级工", "level_certificate_no": "S0000000000",
              "phone": "13800000000", "team": None, "employer": "广州电力有限公司", "delegation": "广州市"}  # fmt: skip
    report = check([person(0)], ctx(registered={person(0)["身份证号"]: (1, 11, stored)}))
    assert [r.status for r in report.rows] == ["unchanged"]


# ----------------------------------------------------------------------------------- eligibility


def test_eligibility_refusals_are_errors_and_warnings_are_listed():
    preset = effective_preset(
        "worldskills", {"eligibility": {"born_on_or_after": "1995-01-01", "min_level": {"employee": "技师"}, "min_entrants": 3}}
    )
    young = person(200, 现职业技能等级="技师")  # born 2010
    old = person(0, 现职业技能等级="技师")  # born 1990
    low = person(201)  # 高级工, born 2010
    student = person(202, 组别="学生组", 工作单位="某某电子厂", 现职业技能等级="学徒工", 等级证书编号="")
    report = check([young, old, low, student], ctx(eligibility=preset))
    assert codes(report) == [(3, "出生日期", "too_old"), (4, "现职业技能等级", "level_too_low")]
    assert [(w.row, w.column, w.code) for w in report.warnings] == [(5, "工作单位/学校", "not_a_school")] + [(None, None, "few_entrants")] * 6
    few = [w for w in report.warnings if w.code == "few_entrants"]
    assert any("电工" in w.message_zh and "职工组" in w.message_zh and "1 人" in w.message_zh for w in few)


def test_age_refusal_points_at_id_column_when_no_birth_date_column():
    headers = [h for h in HEADERS if h != "出生日期"]
    report = check([person(0)], ctx(eligibility={"born_on_or_after": "2000-01-01"}), headers=headers)
    assert codes(report) == [(2, "身份证号", "too_old")]


# ---------------------------------------------------------------------------------- volume


def test_twenty_thousand_rows_validate_whole():
    """A large sheet validates completely; its speed is measured in bench/bench_import_registrations.py."""
    skills = [SkillOption(i, f"项目{i}", f"S{i:02d}", {"employee": i * 10 + 1, "student": i * 10 + 2}) for i in range(40)]
    rows = []
    for i in range(20_000):
        born = date(1975, 1, 1) + timedelta(days=i % 9000)
        rows.append(person(i, 身份证号=make_id("440106", born, i % 499, "MF"[i % 2]), 性别="", 出生日期=born.isoformat(),
                           竞赛项目=f"项目{i % 40}", 组别="职工组" if i % 2 else "学生组", 工作单位="广州市技师学院"))  # fmt: skip
    df = read_table(to_csv(rows), "big.csv")
    context = ImportContext(skills, today=TODAY, eligibility={"min_level": {"employee": "初级工"}, "min_entrants": 30})
    report = validate_rows(df, context)
    assert report.ok, report.errors[:3]
    assert report.counts["new"] == 20_000
