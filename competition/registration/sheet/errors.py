"""Why a sheet is refused: ``SheetError`` (the whole file) and the texts of every import error.

``_MESSAGES`` holds each error code's Chinese and English text, for the whole file (empty, too large,
no header, bad columns …) and for one cell (missing, malformed ID, unknown skill, team size …);
``_m`` fills one in. Reading and validation both raise and report through it.
"""

from __future__ import annotations

from typing import Any

from scoring.idcard import Message


class SheetError(ValueError):
    """The file as a whole cannot be read (wrong type, too big, headers missing or unknown)."""

    def __init__(self, code: str, message: Message, **details: Any):
        super().__init__(f"{message.en} ({message.zh})")
        self.code = code
        self.message = message
        self.details = details


def _m(code: str, **kw: Any) -> Message:
    zh, en = _MESSAGES[code]
    return Message(zh.format(**kw), en.format(**kw))


_MESSAGES: dict[str, tuple[str, str]] = {
    # whole file
    "empty_file": ("文件是空的", "The file is empty"),
    "too_large": ("文件太大（{size}，上限 {limit}）", "The file is too large ({size}; the limit is {limit})"),
    "too_many_rows": ("数据行太多（超过 {limit} 行），请分批导入", "Too many rows (more than {limit}); import in parts"),
    "too_many_columns": ("列太多（超过 {limit} 列），请只保留报名表的列", "Too many columns (more than {limit}); keep only the registration columns"),
    "not_spreadsheet": ("“{filename}”不是 .xlsx 或 .csv 表格文件", "'{filename}' is not an .xlsx or .csv spreadsheet"),
    "old_xls": (
        "“{filename}”是旧版 .xls 或加密的工作簿，请另存为 .xlsx（Excel 工作簿）或 CSV 后再导入",
        "'{filename}' is an old .xls or a password-protected workbook; save it as .xlsx or CSV and import that",
    ),
    "unreadable": ("无法读取“{filename}”：{reason}", "Cannot read '{filename}': {reason}"),
    "bad_encoding": ("无法识别 CSV 文件的编码，请保存为 UTF-8 或 GBK", "Cannot tell the CSV file's encoding; save it as UTF-8 or GBK"),
    "no_header": (
        "找不到表头行：前 {n} 行中没有“姓名”“身份证号”等列名",
        "No header row: none of the first {n} rows holds column names such as 姓名 (name), 身份证号 (ID number)",
    ),
    "bad_columns": ("表头有误：{problems}", "The header row is wrong: {problems_en}"),
    # one cell
    "missing": ("{col}不能为空", "{col_en} is required"),
    "missing_for_document": ("持{doc}报名须填写{col}（该证件号码不含{col}）", "{col_en} is required with a {doc_en} (its number does not carry it)"),
    "too_long": ("{col}太长（{n} 字，上限 {limit}）", "{col_en} is too long ({n} characters, at most {limit})"),
    "id_as_number": (
        "身份证号“{value}”已被 Excel 存成数字，末几位已丢失；请把该列设为文本格式后重新填写",
        "The ID number '{value}' was stored as a number by Excel and lost its last digits; format the column as text and re-enter it",
    ),
    "bad_sex": ("性别应填 男 或 女，这里是“{value}”", "Sex must be 男 or 女 (M/F), not '{value}'"),
    "bad_yes_no": ("参与评奖应填 是 或 否，这里是“{value}”", "Takes part in awards must be 是 or 否 (yes/no), not '{value}'"),
    "sex_mismatch": ("性别“{value}”与身份证号不符（身份证号显示为{derived}）", "Sex '{value}' disagrees with the ID number, which says {derived_en}"),
    "bad_date": ("出生日期“{value}”无法识别，请用 YYYY-MM-DD", "Birth date '{value}' is not a date; use YYYY-MM-DD"),
    "birth_date_future": ("出生日期 {value} 晚于今天", "Birth date {value} is in the future"),
    "birth_date_mismatch": ("出生日期 {value} 与身份证号中的 {derived} 不符", "Birth date {value} disagrees with the ID number's {derived}"),
    "unknown_skill": ("本赛事没有竞赛项目“{value}”；可填：{options}", "This event has no skill '{value}'; use one of: {options}"),
    "bad_group": (
        "组别“{value}”无法识别，请填 职工组、学生组 或 教师组",
        "Group '{value}' is not known; use 职工组, 学生组 or 教师组 (employee/student/teacher)",
    ),
    "unknown_group": ("竞赛项目“{skill}”不设{group}；可填：{options}", "Skill '{skill}' has no {group_en}; use one of: {options_en}"),
    "bad_level": ("职业技能等级“{value}”无法识别；可填：{options}", "Skill level '{value}' is not known; use one of: {options}"),
    "missing_certificate_no": (
        "现职业技能等级为{level}，须填写等级证书编号",
        "The current level is {level_en}, so a level certificate number is required",
    ),
    "bad_certificate_no": (
        "等级证书编号“{value}”格式不对（4–40 个字符，不含空格）",
        "Level certificate number '{value}' is malformed (4-40 characters, no spaces)",
    ),
    "bad_phone": (
        "手机号“{value}”不是 11 位大陆手机号（1 开头，第二位为 3–9）",
        "Phone '{value}' is not an 11-digit mainland mobile number (1, then 3-9, then 9 digits)",
    ),
    "duplicate_in_sheet": ("身份证号 {id} 在表中出现多次（第 {rows} 行）", "ID number {id} appears more than once in the sheet (rows {rows})"),
    "registered_elsewhere": (
        "此人已报名本赛事的“{skill}”{group}；每人在一个赛事中只能报一个项目和组别",
        "This person is already registered for '{skill}', {group_en}, in this event; one person may enter one skill and group per event",
    ),
    "team_size": ("团队“{team}”有 {size} 人，本项目每队须为 {min} 人", "Team '{team}' has {size} members; a team of this skill has {min}"),
    "team_required": ("“{skill}”是 {size} 人团体项目，须填写团队名称", "'{skill}' is a team skill of {size}: the team name is required"),
    "team_individual": ("“{skill}”是个人项目，不填团队名称和队长", "'{skill}' is an individual skill: leave team and captain empty"),
    "team_captains": ("团队“{team}”须有且只有一名队长（现有 {count} 名）", "Team '{team}' needs exactly one captain (it has {count})"),
    "team_delegations": (
        "团队“{team}”的成员须属同一代表队（现为 {delegations}）",
        "Team '{team}' mixes delegations ({delegations_en}); its members are of one delegation",
    ),
    "team_mixed": ("团队“{team}”的成员分属不同的项目或组别（{combos}）", "Team '{team}' mixes skills or groups ({combos_en})"),
}


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"
