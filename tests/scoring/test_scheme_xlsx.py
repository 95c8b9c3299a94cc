import io

import openpyxl
import pytest

from scoring.scheme_xlsx import COLUMNS, read_scheme_xlsx, write_scheme_xlsx


@pytest.mark.parametrize("lang", ["zh", "en", "both"])
def test_round_trip(small_scheme, lang):
    data = write_scheme_xlsx(small_scheme, lang=lang)
    result = read_scheme_xlsx(data)
    assert result.errors == []
    assert result.ok
    assert result.scheme == small_scheme


def _sheet(rows, title_rows=(), settings=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "评分标准"
    for r in title_rows:
        ws.append(r)
    for r in rows:
        ws.append(r)
    if settings:
        st = wb.create_sheet("设置")
        for r in settings:
            st.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


HEADER = ["评分模块", "模块名称", "部分", "子标准编号", "评分项描述", "类型", "配分", "0分描述", "1分描述", "2分描述", "3分描述"]
DESC = ["差", "合格", "良好", "优秀"]
WS_SETTINGS = [["项目名称", "数控铣"], ["总分", 100], ["理论权重(%)", 0], ["实操权重(%)", 100]]


def test_merged_style_sheet_with_title_row_and_english_headers():
    rows = [
        ["Criterion", "Criterion name", "Part", "Sub-criterion", "Aspect description", "Type", "Max mark"],
        ["A", "Measurement", "practical", "A1", "Length", "M", 40],
        [None, None, None, None, "Width", "M", 30],  # blank = same criterion and sub-criterion
        [None, None, None, "A2", "Finish", "S", 30.0],
    ]
    result = read_scheme_xlsx(_sheet(rows, title_rows=[["Milling — marking scheme"], []], settings=WS_SETTINGS))
    assert result.errors == []
    s = result.scheme
    assert s.skill == "数控铣"
    assert [a.id for a in s.aspects()] == ["A1.1", "A1.2", "A2.1"]
    assert [sub.id for sub in s.criteria[0].sub_criteria] == ["A1", "A2"]


def test_error_report_names_row_and_column_and_loads_nothing():
    rows = [
        HEADER,
        ["A", "测量", "实操", "A1", "长度", "M", 50],
        ["A", "测量", "实操", "A1", "宽度", "X", 20],  # row 3: bad type
        ["A", "测量", "实操", "A1", "", "M", "二十"],  # row 4: no description, bad mark
        ["A", "测量", "笔试", "A2", "平面度", "J", 30, *DESC],  # row 5: bad part
    ]
    result = read_scheme_xlsx(_sheet(rows, settings=WS_SETTINGS))
    assert result.scheme is None and not result.ok
    got = {(e.row, e.column) for e in result.errors}
    assert got == {(3, "类型"), (4, "评分项描述"), (4, "配分"), (5, "部分")}
    as_dicts = [e.to_dict() for e in result.errors]
    assert all(set(d) >= {"row", "column", "message"} and set(d["message"]) == {"zh", "en"} for d in as_dicts)


def test_validation_problems_are_mapped_to_the_aspect_row():
    rows = [
        HEADER,
        ["A", "测量", "实操", "A1", "长度", "M", 50],
        ["B", "外观", "实操", "B1", "焊缝", "J", 50, "差", "合格", "", ""],  # row 3: two descriptors missing
    ]
    result = read_scheme_xlsx(_sheet(rows, settings=WS_SETTINGS))
    assert result.scheme is None
    [err] = result.errors
    assert (err.row, err.column) == (3, "0分描述")
    assert "B1.1" in err.message.zh and "B1.1" in err.message.en


def test_sum_mismatch_is_reported():
    rows = [HEADER, ["A", "测量", "实操", "A1", "长度", "M", 50], ["A", "测量", "实操", "A1", "宽度", "M", 45]]
    result = read_scheme_xlsx(_sheet(rows, settings=WS_SETTINGS))
    assert result.scheme is None
    [err] = result.errors
    assert err.row is None and err.column == "配分"
    assert "95" in err.message.zh and "100" in err.message.en


def test_missing_column_and_not_a_workbook():
    result = read_scheme_xlsx(_sheet([["评分模块", "评分项描述", "配分"], ["A", "x", 100]]))
    assert result.scheme is None
    missing = {e.column for e in result.errors}
    assert missing == {"子标准编号", "类型"}
    assert all(e.row == 1 for e in result.errors)
    bad = read_scheme_xlsx(b"not a zip file")
    assert bad.scheme is None and bad.errors[0].row is None


def test_headers_cover_every_column():
    keys = [c.key for c in COLUMNS]
    assert len(keys) == len(set(keys))
    assert {c.key for c in COLUMNS if c.required} == {"criterion", "sub_criterion", "description", "kind", "max_mark"}
