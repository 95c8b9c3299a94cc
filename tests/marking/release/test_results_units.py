"""The results feature's pure helpers: windows from the preset, what changed between two
rankings, spreadsheet sheet names and columns."""

from __future__ import annotations

import pytest

from kernel.errors import AppError, clean_text
from marking.release.export import _sheet_title, results_columns
from marking.release.service import differences, window_hours


def row(cid, rank, score, award=None, status="competed"):
    return {"contestant_id": cid, "rank": rank, "score": score, "award": award, "award_label": None, "status": status}


def test_window_hours_take_fractions_and_never_go_negative():
    assert window_hours({"results": {"notice_hours": 0.001}}, "notice_hours", 72) == 0.001
    assert window_hours({"results": {"notice_hours": 24}}, "notice_hours", 72) == 24
    assert window_hours({"results": {"notice_hours": -3}}, "notice_hours", 72) == 0
    assert window_hours({}, "appeal_window_hours", 2) == 2
    assert window_hours({"results": {"appeal_window_hours": "x"}}, "appeal_window_hours", 2) == 2


def test_differences_name_each_changed_contestant_with_what_it_was():
    before = {"rows": [row(1, 1, "100", "third"), row(2, 2, "93", "excellence"), row(3, 3, "56"), row(4, None, None, status="absent")]}
    same = {"rows": [dict(r) for r in before["rows"]]}
    assert differences(before, same) == {}
    after = {"rows": [row(1, 1, "100", "third"), row(3, 2, "96", "excellence"), row(2, 3, "93")]}
    diff = differences(before, after)
    assert set(diff) == {2, 3, 4}
    assert diff[3]["rank"] == 3 and diff[3]["score"] == "56" and diff[2]["award"] == "excellence" and diff[4]["status"] == "absent"


def test_sheet_titles_are_valid_and_unique():
    taken: set[str] = set()
    long = "网络系统管理与安全运维（含云计算）项目-职工组/学生组"
    first = _sheet_title(long, taken)
    second = _sheet_title(long, taken)
    assert len(first) <= 31 and len(second) <= 31 and first != second and "/" not in first
    assert _sheet_title("a:b*c?", taken) == "a_b_c_"


def test_results_columns_follow_the_scheme_and_the_scale():
    snap = {"criteria": [{"id": "A", "name": "理论"}, {"id": "B", "name": "实操"}], "parts": ["theory", "practical"], "standardised": False}
    assert results_columns(snap, "zh") == [
        "名次",
        "加密号",
        "工位号",
        "姓名",
        "代表队",
        "工作单位/学校",
        "A 理论",
        "B 实操",
        "理论知识",
        "技能操作",
        "总成绩",
        "奖项",
    ]
    assert results_columns({**snap, "standardised": True}, "en")[-3:] == ["Total", "Standardised score", "Award"]


def test_written_text_is_trimmed_and_free_of_control_characters():

    assert clean_text("  申诉\n第二行 ", "text", max_len=100) == "申诉\n第二行"
    for bad, kw in [("a\x00b", {}), ("", {}), ("x" * 11, {}), ("a\nb", {"single_line": True})]:
        with pytest.raises(AppError) as err:
            clean_text(bad, "text", max_len=10, **kw)
        assert err.value.field == "text"
