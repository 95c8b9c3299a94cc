"""Reading uploads (xlsx, csv in UTF-8/GBK), the template, and export → re-import."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import openpyxl
import pytest

from competition.registration.sheet import (
    COLUMNS,
    ImportContext,
    Registered,
    SheetError,
    SkillOption,
    build_template,
    export_registrations,
    match_header,
    read_table,
    validate_rows,
)
from scoring.idcard import make_id

TODAY = date(2025, 6, 1)
SKILLS = [SkillOption(1, "电工", "E01", {"employee": 11, "student": 12}), SkillOption(2, "焊工", "W02", {"employee": 21})]
ID_X = next(n for n in (make_id("440106", date(1990, 5, 17), s, "M") for s in range(500)) if n.endswith("X"))
ID_2 = make_id("440304", date(2003, 2, 28), 3, "F")
HEADER = "姓名,身份证号,性别,出生日期,竞赛项目,组别,工作单位/学校,代表队,现职业技能等级,等级证书编号,手机号,团队名称"
LINES = [
    f"张三明,{ID_X},男,1990-05-17,电工,职工组,广州供电局,广州市,技师,0012345678,13800138000,",
    f"李四,{ID_2},女,2003-02-28,电工,学生组,广州市技师学院,广州市,学徒工,,13912345678,",
]


def csv_bytes(encoding: str, bom: bool = False, sep: str = ",") -> bytes:
    text = "\r\n".join([HEADER, *LINES]).replace(",", sep) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def xlsx_bytes(rows: list[list], title: str = "Sheet1") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def assert_two_people(df):
    assert list(df.index) == [2, 3]
    assert df.loc[2, "name"] == "张三明"
    assert df.loc[2, "id_number"] == ID_X  # the X survives
    assert df.loc[2, "level_certificate_no"] == "0012345678"  # leading zeros survive
    assert df.loc[3, "employer"] == "广州市技师学院"
    assert df.loc[3, "level_certificate_no"] == ""
    assert df.attrs["headers"]["employer"] == "工作单位/学校"


# ---------------------------------------------------------------------------------------- CSV


@pytest.mark.parametrize(
    ("encoding", "bom", "found"), [("gbk", False, "gb18030"), ("gb18030", False, "gb18030"), ("utf-8", True, "utf-8-sig"), ("utf-8", False, "utf-8")]
)
def test_csv_encodings_are_detected(encoding, bom, found):
    df = read_table(csv_bytes(encoding, bom), "报名.csv")
    assert_two_people(df)
    assert df.attrs["source"] == f"csv:{found}"
    assert str(df["name"].dtype) in ("str", "string", "object")


def test_utf16_tab_separated_text_as_excel_saves_it():
    data = ("\ufeff" + "\r\n".join([HEADER, *LINES]).replace(",", "\t")).encode("utf-16-le")
    assert_two_people(read_table(data, "报名.txt"))


def test_gbk_csv_validates_end_to_end():
    report = validate_rows(read_table(csv_bytes("gbk"), "报名.csv"), ImportContext(SKILLS, today=TODAY))
    assert report.ok, report.errors
    assert [r["id_number"] for r in report.records()] == [ID_X, ID_2]


def test_whitespace_including_full_width_is_stripped():
    line = f"\u3000张三明\u3000, {ID_X}\t,男 ,1990-05-17,电工,职工组,广州供电局,广州市,技师,0012345678,\u00a013800138000,"
    df = read_table((HEADER + "\n" + line + "\n").encode(), "a.csv")
    assert df.loc[2, "name"] == "张三明"
    assert df.loc[2, "id_number"] == ID_X
    assert df.loc[2, "phone"] == "13800138000"


def test_english_and_annotated_headers_are_aliases():
    header = "Name,ID number,Sex,Birth date,Skill,Group,Employer,Delegation,Current level,Certificate no,Phone,Team"
    df = read_table((header + "\n" + LINES[0] + "\n").encode(), "a.csv")
    assert df.loc[2, "id_number"] == ID_X
    assert df.attrs["headers"]["id_number"] == "ID number"
    assert match_header("姓名（必填）") == "name"
    assert match_header("*身份证号码") == "id_number"
    assert match_header("出生日期(YYYY-MM-DD)") == "birth_date"
    assert match_header("工作单位／学校") == "employer"
    for c in COLUMNS:
        assert match_header(c.zh) == c.key and match_header(c.en) == c.key


def test_title_row_above_header_and_blank_rows_keep_their_numbers():
    text = "2025年广东省职业技能大赛报名表\n\n" + HEADER + "\n" + LINES[0] + "\n,,,\n\n" + LINES[1] + "\n"
    df = read_table(text.encode(), "a.csv")
    assert df.attrs["header_row"] == 3
    assert list(df.index) == [4, 7]


def test_serial_number_and_remark_columns_are_ignored():
    df = read_table(("序号," + HEADER + ",备注\n1," + LINES[0] + ",无\n").encode(), "a.csv")
    assert "序号" not in df.columns and len(df.columns) == 12


def test_unknown_and_missing_columns_are_named():
    header = HEADER.replace("手机号", "民族").replace("代表队", "政治面貌")
    with pytest.raises(SheetError) as info:
        read_table((header + "\n" + LINES[0] + "\n").encode(), "a.csv")
    err = info.value
    assert err.code == "bad_columns"
    assert err.details["missing"] == ["delegation", "phone"]
    assert err.details["unknown"] == ["政治面貌", "民族"]  # in the file's order
    assert "民族" in err.message.zh and "手机号" in err.message.zh
    assert "民族" in err.message.en and "phone" in err.message.en.lower()


def test_unknown_columns_may_be_allowed():
    df = read_table((HEADER + ",民族\n" + LINES[0] + ",汉\n").encode(), "a.csv", allow_unknown_columns=True)
    assert "民族" not in df.columns and df.loc[2, "name"] == "张三明"


def test_duplicate_header_and_data_without_header_are_refused():
    with pytest.raises(SheetError) as info:
        read_table((HEADER + ",身份证号码\n" + LINES[0] + "," + ID_X + "\n").encode(), "a.csv")
    assert info.value.details["duplicated"] == [("身份证号", "身份证号码")]
    with pytest.raises(SheetError) as info:
        read_table((HEADER + ",\n" + LINES[0] + ",stray\n").encode(), "a.csv")
    assert info.value.details["blank"] == ["M"]


def test_no_header_row():
    with pytest.raises(SheetError) as info:
        read_table("a,b,c\n1,2,3\n".encode(), "a.csv")
    assert info.value.code == "no_header"


# --------------------------------------------------------------------------------------- xlsx


def test_xlsx_is_read_as_strings_with_row_numbers():
    header = HEADER.split(",")
    rows = [header, LINES[0].split(","), [None] * 12, LINES[1].split(",")]
    rows[1][10] = 13800138000  # a phone typed as a number
    rows[1][3] = datetime(1990, 5, 17)  # a real date cell
    df = read_table(xlsx_bytes(rows), "报名.xlsx")
    assert list(df.index) == [2, 4]
    assert df.loc[2, "phone"] == "13800138000"
    assert df.loc[2, "birth_date"] == "1990-05-17"
    assert df.loc[2, "id_number"] == ID_X


def test_id_typed_as_a_number_in_excel_is_reported_not_guessed():
    header = HEADER.split(",")
    row = LINES[1].split(",")
    row[1] = float(ID_2)  # Excel keeps 15 significant digits
    df = read_table(xlsx_bytes([header, row]), "a.xlsx")
    report = validate_rows(df, ImportContext(SKILLS, today=TODAY))
    assert [(e.row, e.column, e.code) for e in report.errors] == [(2, "身份证号", "id_as_number")]
    assert "文本" in report.errors[0].message_zh and "text" in report.errors[0].message_en


def test_registration_sheet_is_preferred_over_the_first():
    wb = openpyxl.Workbook()
    wb.active.title = "封面"
    wb.active.append(["2025 报名"])
    ws = wb.create_sheet("报名表")
    ws.append(HEADER.split(","))
    ws.append(LINES[0].split(","))
    buf = io.BytesIO()
    wb.save(buf)
    df = read_table(buf.getvalue(), "a.xlsx")
    assert df.attrs["source"] == "xlsx:报名表" and len(df) == 1


# ----------------------------------------------------------------------------- refusing files


def test_refuses_what_is_not_a_spreadsheet():
    with pytest.raises(SheetError) as info:
        read_table(b"%PDF-1.7\n...", "scan.pdf")
    assert info.value.code == "not_spreadsheet" and "scan.pdf" in info.value.message.zh
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    with pytest.raises(SheetError) as info:
        read_table(docx.getvalue(), "报名.xlsx")
    assert info.value.code == "not_spreadsheet"
    with pytest.raises(SheetError) as info:
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "报名.xls")
    assert info.value.code == "old_xls" and ".xlsx" in info.value.message.en
    with pytest.raises(SheetError) as info:
        read_table(b"", "a.csv")
    assert info.value.code == "empty_file"
    with pytest.raises(SheetError) as info:
        read_table(b"\x81\x00\xff\xfe\x00" * 10, "a.csv")
    assert info.value.code in ("bad_encoding", "not_spreadsheet")


def test_refuses_absurd_sizes():
    with pytest.raises(SheetError) as info:
        read_table(csv_bytes("utf-8"), "a.csv", max_bytes=100)
    assert info.value.code == "too_large"
    many = (HEADER + "\n" + "\n".join([LINES[0]] * 30) + "\n").encode()
    with pytest.raises(SheetError) as info:
        read_table(many, "a.csv", max_rows=5)
    assert info.value.code == "too_many_rows" and "5" in info.value.message.zh
    header = HEADER.split(",")
    with pytest.raises(SheetError) as info:
        read_table(xlsx_bytes([header] + [LINES[0].split(",")] * 30), "a.xlsx", max_rows=5)
    assert info.value.code == "too_many_rows"


# ------------------------------------------------------------------------------------ template


def _validations(ws):
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            out[rng.rstrip("0123456789:").rstrip("0123456789")[:1]] = dv
    return out


def test_template_has_dropdowns_text_id_column_and_help_sheet():
    wb = openpyxl.load_workbook(io.BytesIO(build_template(SKILLS)))
    assert wb.sheetnames[:2] == ["报名表", "说明"]
    ws = wb["报名表"]
    headers = [c.value for c in ws[1]]
    assert headers == [c.zh for c in COLUMNS]
    letter = {c.key: openpyxl.utils.get_column_letter(i) for i, c in enumerate(COLUMNS, start=1)}
    dvs = _validations(ws)
    assert set(dvs) >= {letter["skill"], letter["group"], letter["sex"], letter["current_level"]}
    assert all(dv.type == "list" for dv in dvs.values())
    assert dvs[letter["sex"]].formula1 == '"男,女"'
    assert dvs[letter["group"]].formula1 == '"职工组,学生组"'
    assert "技师" in dvs[letter["current_level"]].formula1
    assert "电工" in dvs[letter["skill"]].formula1
    for key in ("id_number", "phone", "level_certificate_no"):
        assert ws.column_dimensions[letter[key]].number_format == "@"
        assert ws[f"{letter[key]}2"].number_format == "@"
    notes = wb["说明"]
    text = "\n".join(str(c.value) for row in notes.iter_rows() for c in row if c.value)
    for c in COLUMNS:
        assert c.zh in text and c.en in text and c.help_zh in text and c.help_en in text


def test_long_skill_list_goes_to_a_hidden_sheet():
    skills = [SkillOption(i, f"第{i}个竞赛项目（含理论与实操考核）", f"S{i}", {"employee": i}) for i in range(40)]
    wb = openpyxl.load_workbook(io.BytesIO(build_template(skills, ["employee"])))
    lists = wb["lists"]
    assert lists.sheet_state == "hidden"
    dv = _validations(wb["报名表"])["E"]
    assert dv.formula1.startswith("lists!$A$1:$A$40")
    assert [lists.cell(row=i, column=1).value for i in (1, 40)] == [skills[0].name, skills[39].name]


def test_empty_template_reads_back_as_no_rows():
    df = read_table(build_template(SKILLS), "报名表模板.xlsx")
    assert len(df) == 0 and list(df.columns) == [c.key for c in COLUMNS]
    report = validate_rows(df, ImportContext(SKILLS, today=TODAY))
    assert report.ok and report.counts["total"] == 0


# ------------------------------------------------------------------------- export → re-import


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_export_then_reimport_is_unchanged(lang):
    first = validate_rows(read_table(csv_bytes("gbk"), "a.csv"), ImportContext(SKILLS, today=TODAY))
    assert first.ok
    stored = {r["id_number"]: Registered(r["skill_id"], r["group_id"], r) for r in first.records()}
    data = export_registrations(first.records(), lang)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws["B2"].value == ID_X and ws["B2"].data_type == "s" and ws["B2"].number_format == "@"
    assert ws["A1"].value == ("Name" if lang == "en" else "姓名")
    again = validate_rows(read_table(data, "export.xlsx"), ImportContext(SKILLS, today=TODAY, registered=stored))
    assert again.ok, again.errors
    assert [r.status for r in again.rows] == ["unchanged", "unchanged"]
    # The first sheet had no 参与评奖 column (None: not said, which is yes); the export says 是.
    assert again.records() == [{**r, "award_eligible": True} for r in first.records()]


def test_export_accepts_level_names_and_missing_optionals():
    data = export_registrations([{"name": "王五", "id_number": ID_2, "skill": "焊工", "group": "employee", "current_level": "技师"}])
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    row = [c.value for c in ws[2]]
    assert row[0] == "王五" and row[5] == "职工组" and row[8] == "技师" and row[2] is None
