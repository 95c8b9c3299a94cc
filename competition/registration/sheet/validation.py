"""The registration spreadsheet (报名表): template, reading, whole-sheet validation, export.

Flow: ``build_template`` → the organiser fills it in → ``read_table`` (xlsx or csv bytes → a frame
of strings, one column per known field) → ``validate_rows`` (every cell of every row checked before
anything is stored) → the route stores ``report.records()`` only when ``report.ok``. An export made
by ``export_registrations`` has the same headers and re-imports as "unchanged" rows.

Decisions worth knowing:
- Row numbers are the ones the user sees in Excel: the header row is row 1 (or the row it is on,
  when a title row sits above it), blank rows keep their numbers.
- Every ID, phone and certificate number is read as text. A number Excel already turned into
  ``4.40106E+17`` has lost digits: it is refused with its own message (``id_as_number``) rather
  than checked as if it were the real number.
- 等级证书编号 is required when 现职业技能等级 is above 学徒工: a claimed level must be verifiable,
  and minimum-level eligibility and later promotion build on it. 学徒工 (or 无) needs none.
  ``ImportContext.require_certificate_no=False`` turns this off for events that do not ask.
- 手机号 is required (organisers must reach contestants); ``+86``/``86`` prefixes, spaces and
  hyphens are accepted and removed.
- A person (by normalised ID) appears once per sheet; every occurrence of a repeated ID is an error,
  since the sheet cannot say which one is meant.
- Unknown columns are an error (naming them) unless ``allow_unknown_columns``; a few harmless ones
  (序号, 备注, 年龄, No.) are always ignored.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from scoring import eligibility as elig
from scoring.idcard import (
    CHECK_CHARS,
    PROVINCES,
    WEIGHTS,
    Message,
    birth_date_problem,
    id_error_message,
)
from scoring.levels import SkillLevel, parse_level
from scoring.spreadsheet import BOLD, Book, Style, Styled

__all__ = [
    "COLUMNS",
    "Column",
    "ImportContext",
    "ImportReport",
    "Issue",
    "Registered",
    "SheetError",
    "SkillOption",
    "ValidRow",
    "build_template",
    "check_ids",
    "export_registrations",
    "match_header",
    "read_table",
    "validate_rows",
]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_ROWS = 50_000
#: Ceiling on the unpacked size of an xlsx, against zip bombs. A full sheet (DEFAULT_MAX_ROWS rows)
#: is ~40 MB unpacked; openpyxl scans a sheet without a <dimension> to its end (~5 s per 30 MB).
MAX_UNPACKED_BYTES = 120 * 1024 * 1024
#: Widest row read (the template has 12 columns): a cell far to the right (XFD1) would otherwise
#: make every row that wide in memory.
MAX_COLUMNS = 100
#: How many non-blank rows from the top may hold a title before the header row.
HEADER_SEARCH_ROWS = 10
SHEET_NAME = {"zh": "报名表", "en": "Registrations"}


# --------------------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    required: bool
    aliases: tuple[str, ...]
    help_zh: str
    help_en: str
    example: str = ""
    text: bool = False  # formatted as text in spreadsheets we write
    max_len: int | None = None


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", "Name", True, ("名字", "选手姓名", "参赛选手", "参赛选手姓名", "full name", "fullname"),
           "选手姓名，与身份证一致", "Contestant's name as on the ID card", "张三明", max_len=50),
    Column("id_number", "身份证号", "ID number", True,
           ("身份证号码", "身份证", "公民身份号码", "居民身份证号", "居民身份证号码", "证件号码", "身份证件号码",
            "id_number", "id no", "id card", "idcard", "id card number", "id card no"),
           "18 位居民身份证号，最后一位可为 X；请保持文本格式", "18-character resident ID number, last may be X; keep the cell as text",
           "44010619900101123X", text=True),
    Column("sex", "性别", "Sex", False, ("gender",),
           "男 或 女；可不填，由身份证号得出，填写时须与身份证号一致", "男/女 (M/F); optional, derived from the ID; must agree with it if given",
           "男"),
    Column("birth_date", "出生日期", "Birth date", False, ("出生年月日", "生日", "birth_date", "date of birth", "dob", "birthday"),
           "YYYY-MM-DD；可不填，由身份证号得出，填写时须与身份证号一致", "YYYY-MM-DD; optional, derived from the ID; must agree with it if given",
           "1990-01-01"),
    Column("skill", "竞赛项目", "Skill", True, ("项目", "比赛项目", "参赛项目", "赛项", "职业(工种)", "职业工种", "工种", "skill name", "competition skill"),
           "从下拉列表选择，或填写项目代码", "Pick from the list, or type the skill code", ""),
    Column("group", "组别", "Group", True, ("参赛组别", "组", "category"),
           "职工组、学生组 或 教师组", "职工组 / 学生组 / 教师组 (employee / student / teacher)", "职工组"),
    Column("employer", "工作单位/学校", "Employer/school", True,
           ("工作单位", "学校", "单位", "所在单位", "工作单位或学校", "单位/学校", "就读学校", "工作单位/就读学校", "employer", "school", "organisation", "organization", "work unit"),
           "职工、教师填工作单位；学生填就读学校", "Employer for employees and teachers; school for students", "广州某某有限公司", max_len=100),
    Column("delegation", "代表队", "Delegation", True, ("参赛代表队", "代表单位", "选送单位", "推荐单位", "所属地市", "地市", "delegation name", "city"),
           "地市或行业代表队", "The city (地市) or industry body the contestant represents", "广州市代表队", max_len=100),
    Column("current_level", "现职业技能等级", "Current level", True, ("职业技能等级", "现技能等级", "技能等级", "现有等级", "等级", "current_level", "level", "skill level"),
           "学徒工、初级工、中级工、高级工、技师、高级技师、特级技师、首席技师；没有等级填 学徒工 或 无",
           "One of the eight levels (学徒工 … 首席技师); write 学徒工 or 无 for none", "高级工"),
    Column("level_certificate_no", "等级证书编号", "Level certificate no.", False,
           ("证书编号", "职业技能等级证书编号", "技能等级证书编号", "等级证书号", "level_certificate_no", "certificate no", "certificate number", "level certificate number"),
           "现等级在初级工及以上时必填（4–40 位，无空格）；学徒工/无可不填", "Required when the current level is above 学徒工 (4-40 characters, no spaces)",
           "S000044000001234", text=True),
    Column("phone", "手机号", "Mobile phone", True, ("手机", "手机号码", "联系电话", "电话", "联系方式", "phone", "mobile", "phone number", "mobile phone number"),
           "11 位大陆手机号", "11-digit mainland mobile number", "13800138000", text=True),
    Column("team", "团队名称", "Team", False, ("团队", "队名", "团队名", "team name"),
           "团体项目填写；同一项目同一组别中团队名称相同的 2–3 人为一队；个人项目留空",
           "For team skills: rows with the same team name in the same skill and group form a team of 2-3; leave empty otherwise",
           "", max_len=50),
)  # fmt: skip
COLUMN_BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)
REQUIRED: tuple[str, ...] = tuple(c.key for c in COLUMNS if c.required)
IGNORED_HEADERS = ("序号", "备注", "年龄", "no", "no.", "#", "remark", "remarks", "note", "notes", "age")

_HEADER_DROP = re.compile(r"[\s_\-.:：*＊]+")
_BRACKETS = re.compile(r"\(.*?\)|\[.*?\]|【.*?】|<.*?>")
_IGNORE = "\0ignore"


def _norm_header(text: object) -> str:
    return _HEADER_DROP.sub("", unicodedata.normalize("NFKC", str(text)).casefold())


_HEADER_ALIASES: dict[str, str] = {}
for _c in COLUMNS:
    for _a in (_c.key, _c.zh, _c.en, *_c.aliases):
        _HEADER_ALIASES[_norm_header(_a)] = _c.key
for _a in IGNORED_HEADERS:
    _HEADER_ALIASES.setdefault(_norm_header(_a), _IGNORE)


def match_header(text: object) -> str | None:
    """The column key a header means (``"身份证号码"`` → ``"id_number"``), or None.

    Notes in brackets are ignored (``姓名（必填）``, ``出生日期(YYYY-MM-DD)``), as are ``*`` marks.
    """
    key = _norm_header(text)
    if not key:
        return None
    found = _HEADER_ALIASES.get(key)
    if found is None:
        found = _HEADER_ALIASES.get(_BRACKETS.sub("", key))
    return found


SEX_VALUES = {"男": "M", "女": "F", "男性": "M", "女性": "F", "m": "M", "f": "F", "male": "M", "female": "F"}
SEX_LABELS = {"M": Message("男", "male"), "F": Message("女", "female")}
GROUP_KINDS = elig.GROUP_KINDS
GROUP_LABELS = elig.GROUP_LABELS
GROUP_VALUES: dict[str, str] = {}
for _kind, _zh in (("employee", "职工"), ("student", "学生"), ("teacher", "教师")):
    for _v in (_zh, _zh + "组", _kind, _kind + "s", _kind + " group", _kind + "group"):
        GROUP_VALUES[_v] = _kind
GROUP_VALUES["员工组"] = "employee"
GROUP_VALUES["企业职工组"] = "employee"


# ----------------------------------------------------------------------------------- data shapes


class SheetError(ValueError):
    """The file as a whole cannot be read (wrong type, too big, headers missing or unknown)."""

    def __init__(self, code: str, message: Message, **details: Any):
        super().__init__(f"{message.en} ({message.zh})")
        self.code = code
        self.message = message
        self.details = details


@dataclass(frozen=True, slots=True)
class Issue:
    """One bad cell (or, with ``row`` None, a remark on the whole import)."""

    row: int | None
    column: str | None
    code: str
    message_zh: str
    message_en: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code, "message_zh": self.message_zh, "message_en": self.message_en}


@dataclass(frozen=True)
class SkillOption:
    """A skill of the event as registration sees it; ``groups`` maps a group kind to its group id."""

    id: Any
    name: str
    code: str = ""
    groups: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Registered:
    """A person already registered in the event. ``data`` (stored fields, the keys of a record)
    lets a re-import tell "unchanged" from "update"; without it a matching row is an "update"."""

    skill_id: Any
    group_id: Any
    data: Mapping[str, Any] | None = None


@dataclass
class ImportContext:
    skills: Sequence[SkillOption]
    #: normalised ID number → Registered, or a tuple ``(skill_id, group_id[, data])``
    registered: Mapping[str, Registered | tuple] = field(default_factory=dict)
    today: date = field(default_factory=date.today)
    #: the preset's ``eligibility`` section (or the whole preset, or rules); None skips eligibility
    eligibility: Mapping[str, Any] | elig.EligibilityRules | None = None
    require_certificate_no: bool = True
    team_size: tuple[int, int] = (2, 3)

    def __post_init__(self) -> None:
        self._skill_by_key: dict[str, SkillOption] = {}
        for s in self.skills:  # codes first, so a name wins over an equal code
            if s.code:
                self._skill_by_key[_fold(s.code)] = s
        for s in self.skills:
            self._skill_by_key[_fold(s.name)] = s
        self._skill_by_id = {s.id: s for s in self.skills}
        self._group_by_id: dict[Any, tuple[SkillOption, str]] = {}
        for s in self.skills:
            for kind, gid in s.groups.items():
                self._group_by_id[gid] = (s, kind)
        reg: dict[str, Registered] = {}
        for k, v in self.registered.items():
            reg[str(k).strip().upper()] = v if isinstance(v, Registered) else Registered(*v)
        self._registered = reg
        if isinstance(self.eligibility, elig.EligibilityRules) or self.eligibility is None:
            self._rules = self.eligibility
        else:
            self._rules = elig.EligibilityRules.from_preset(self.eligibility)

    def find_skill(self, text: str) -> SkillOption | None:
        return self._skill_by_key.get(_fold(text))


@dataclass(slots=True)
class ValidRow:
    row: int  # spreadsheet row number
    status: str  # "new", "update" or "unchanged"
    record: dict[str, Any]  # ready for storage, see RECORD_FIELDS
    changed: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field → (stored, sheet), for "update"


#: Keys of ``ValidRow.record``. ``current_level`` is the SkillLevel's int value; ``sex`` "M"/"F";
#: ``group`` the group kind; ``level_certificate_no`` and ``team`` None when empty.
RECORD_FIELDS = (
    "name", "id_number", "sex", "birth_date", "skill_id", "skill", "group_id", "group",
    "employer", "delegation", "current_level", "level_certificate_no", "phone", "team",
)  # fmt: skip
#: Fields compared with ``Registered.data`` to tell "update" from "unchanged".
COMPARED_FIELDS = (
    "name", "sex", "birth_date", "employer", "delegation", "current_level", "level_certificate_no", "phone", "team",
)  # fmt: skip


@dataclass
class ImportReport:
    rows: list[ValidRow]  # rows without any error, in sheet order
    errors: list[Issue]  # sorted by row, then column order
    warnings: list[Issue]  # eligibility warnings: per row, or row None for the event
    total: int  # non-blank data rows read
    invalid_rows: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def counts(self) -> dict[str, int]:
        by = {"new": 0, "update": 0, "unchanged": 0}
        for r in self.rows:
            by[r.status] += 1
        return {
            "total": self.total,
            "valid": len(self.rows),
            "invalid": len(self.invalid_rows),
            **by,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }

    def records(self, *statuses: str) -> list[dict[str, Any]]:
        """Storage-ready dicts, optionally only those with the given statuses (e.g. "new", "update")."""
        return [r.record for r in self.rows if not statuses or r.status in statuses]

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "errors": [e.to_dict() for e in self.errors],
            "warnings": [w.to_dict() for w in self.warnings],
            "rows": [{"row": r.row, "status": r.status, "changed": {k: list(v) for k, v in r.changed.items()}} for r in self.rows],
        }


def _fold(text: object) -> str:
    s = str(text)
    if not s.isascii():
        s = unicodedata.normalize("NFKC", s)
    return " ".join(s.split()).casefold()


# ------------------------------------------------------------------------------------- messages


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
    "too_long": ("{col}太长（{n} 字，上限 {limit}）", "{col_en} is too long ({n} characters, at most {limit})"),
    "id_as_number": (
        "身份证号“{value}”已被 Excel 存成数字，末几位已丢失；请把该列设为文本格式后重新填写",
        "The ID number '{value}' was stored as a number by Excel and lost its last digits; format the column as text and re-enter it",
    ),
    "bad_sex": ("性别应填 男 或 女，这里是“{value}”", "Sex must be 男 or 女 (M/F), not '{value}'"),
    "sex_mismatch": ("性别“{value}”与身份证号不符（身份证号显示为{derived}）", "Sex '{value}' disagrees with the ID number, which says {derived_en}"),
    "bad_date": ("出生日期“{value}”无法识别，请用 YYYY-MM-DD", "Birth date '{value}' is not a date; use YYYY-MM-DD"),
    "birth_date_future": ("出生日期 {value} 晚于今天", "Birth date {value} is in the future"),
    "birth_date_mismatch": ("出生日期 {value} 与身份证号中的 {derived} 不符", "Birth date {value} disagrees with the ID number's {derived}"),
    "unknown_skill": ("本赛事没有竞赛项目“{value}”；可填：{options}", "This event has no skill '{value}'; use one of: {options}"),
    "bad_group": ("组别“{value}”无法识别，请填 职工组、学生组 或 教师组", "Group '{value}' is not known; use 职工组, 学生组 or 教师组 (employee/student/teacher)"),
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
    "bad_phone": ("手机号“{value}”不是 11 位大陆手机号（1 开头，第二位为 3–9）", "Phone '{value}' is not an 11-digit mainland mobile number (1, then 3-9, then 9 digits)"),
    "duplicate_in_sheet": ("身份证号 {id} 在表中出现多次（第 {rows} 行）", "ID number {id} appears more than once in the sheet (rows {rows})"),
    "registered_elsewhere": (
        "此人已报名本赛事的“{skill}”{group}；每人在一个赛事中只能报一个项目和组别",
        "This person is already registered for '{skill}', {group_en}, in this event; one person may enter one skill and group per event",
    ),
    "team_size": ("团队“{team}”有 {size} 人，团队须为 {min}–{max} 人", "Team '{team}' has {size} members; a team has {min}-{max}"),
    "team_mixed": ("团队“{team}”的成员分属不同的项目或组别（{combos}）", "Team '{team}' mixes skills or groups ({combos_en})"),
}


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


# ---------------------------------------------------------------------------------- read_table


_STRIP_CHARS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + "\u200b\u200c\u200d\u2060\ufeff"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TEXT_EXTS = ("csv", "txt", "")
_XLSX_EXTS = ("xlsx", "xlsm")


def read_table(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    allow_unknown_columns: bool = False,
) -> pd.DataFrame:
    """Read an uploaded .xlsx or .csv into a frame of stripped strings.

    Columns are the keys of ``COLUMNS`` present in the file; the index (named ``row``) is the
    spreadsheet row number; blank rows are dropped. ``attrs["headers"]`` maps each key to the header
    text as written in the file, ``attrs["header_row"]`` is the header's row number and
    ``attrs["source"]`` says ``xlsx:<sheet>`` or ``csv:<encoding>``.

    CSV encodings: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK).
    Raises ``SheetError`` for anything that is not a readable sheet with the required columns.
    """
    if not data:
        raise SheetError("empty_file", _m("empty_file"))
    if len(data) > max_bytes:
        raise SheetError("too_large", _m("too_large", size=_size(len(data)), limit=_size(max_bytes)))
    name = filename or "upload"
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if data[:4] == b"PK\x03\x04":
        rows, source = _xlsx_rows(data, name, max_rows)
    elif data[:8] == _OLE_MAGIC:
        raise SheetError("old_xls", _m("old_xls", filename=name))
    elif ext in _TEXT_EXTS:
        rows, source = _csv_rows(data, name, max_rows)
    else:
        raise SheetError("not_spreadsheet", _m("not_spreadsheet", filename=name))
    return _frame(rows, source, allow_unknown_columns)


def _xlsx_rows(data: bytes, filename: str, max_rows: int) -> tuple[list[tuple[int, list[str]]], str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            unpacked = sum(i.file_size for i in zf.infolist())
    except zipfile.BadZipFile:
        raise SheetError("not_spreadsheet", _m("not_spreadsheet", filename=filename)) from None
    if "xl/workbook.xml" not in names:
        raise SheetError("not_spreadsheet", _m("not_spreadsheet", filename=filename))
    if unpacked > MAX_UNPACKED_BYTES:
        raise SheetError("too_large", _m("too_large", size=_size(unpacked), limit=_size(MAX_UNPACKED_BYTES)))
    if _too_many_xml_rows(data, 2 * max_rows + 10_000):
        raise SheetError("too_many_rows", _m("too_many_rows", limit=max_rows))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Data Validation extension is not supported" and the like
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise SheetError("unreadable", _m("unreadable", filename=filename, reason=type(exc).__name__)) from None
    try:
        ws = None
        for title in (SHEET_NAME["zh"], SHEET_NAME["en"]):
            if title in wb.sheetnames:
                ws = wb[title]
                break
        if ws is None:
            ws = wb.worksheets[0]
        ws.reset_dimensions()  # a stale <dimension> would otherwise cut rows off
        out: list[tuple[int, list[str]]] = []
        limit = max_rows + HEADER_SEARCH_ROWS
        conv = _cell_text
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            values = _check_row(number, values, max_rows)
            if not values or all(v is None or v == "" for v in values):
                continue
            out.append((number, [conv(v) for v in values]))
            if len(out) > limit:
                raise SheetError("too_many_rows", _m("too_many_rows", limit=max_rows))
        return out, f"xlsx:{ws.title}"
    finally:
        wb.close()


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")


def _too_many_xml_rows(data: bytes, limit: int) -> bool:
    """Does any worksheet hold more than ``limit`` rows? Counted on the raw XML, streamed, before
    openpyxl reads it: openpyxl keeps one element per row in memory while it looks for the sheet's
    size, so a small file of millions of empty rows would cost gigabytes and minutes."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for name in zf.namelist():
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                count, rest = 0, b""
                with zf.open(name) as part:
                    while chunk := part.read(1 << 20):
                        buf = rest + chunk
                        cut = buf.rfind(b"<")  # a tag starting after it may continue in the next chunk
                        cut = len(buf) if cut < 0 else cut
                        count += len(_ROW_TAG.findall(buf, 0, cut))
                        if count > limit:
                            return True
                        rest = buf[cut : cut + 64]
                count += len(_ROW_TAG.findall(rest))
                if count > limit:
                    return True
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError):
        return False  # damaged: openpyxl's reading reports it
    return False


def _check_row(number: int, values: Sequence[Any], max_rows: int) -> list[Any]:
    """The row without its trailing empty cells; refuses sheets too wide or too long to be real
    (blank rows count too: a sheet of millions of empty rows is cheap to upload, costly to read)."""
    end = len(values)
    while end and (values[end - 1] is None or values[end - 1] == ""):
        end -= 1
    if end > MAX_COLUMNS:
        raise SheetError("too_many_columns", _m("too_many_columns", limit=MAX_COLUMNS))
    if number > 2 * max_rows + 10_000:
        raise SheetError("too_many_rows", _m("too_many_rows", limit=max_rows))
    return list(values[:end])


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        # Beyond 2**53 the float no longer holds every digit: keep the E-notation so a long ID
        # typed as a number is recognised as damaged instead of read as a wrong but real number.
        if v.is_integer() and abs(v) < 2**53:
            return str(int(v))
        return repr(v)
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == time() else v.isoformat(sep=" ")
    if isinstance(v, (date, time)):
        return v.isoformat()
    return str(v)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise SheetError("bad_encoding", _m("bad_encoding")) from None


def _csv_rows(data: bytes, filename: str, max_rows: int) -> tuple[list[tuple[int, list[str]]], str]:
    try:
        text, encoding = _decode(data)
    except UnicodeDecodeError:
        raise SheetError("bad_encoding", _m("bad_encoding")) from None
    if "\x00" in text[:4096]:
        raise SheetError("not_spreadsheet", _m("not_spreadsheet", filename=filename))
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", "\t", ";"), key=first.count) if first else ","
    out: list[tuple[int, list[str]]] = []
    limit = max_rows + HEADER_SEARCH_ROWS
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            values = _check_row(number, values, max_rows)
            if not any(values):
                continue
            out.append((number, values))
            if len(out) > limit:
                raise SheetError("too_many_rows", _m("too_many_rows", limit=max_rows))
    except csv.Error as exc:
        raise SheetError("unreadable", _m("unreadable", filename=filename, reason=str(exc))) from None
    return out, f"csv:{encoding}"


def _frame(rows: list[tuple[int, list[str]]], source: str, allow_unknown: bool) -> pd.DataFrame:
    if not rows:
        raise SheetError("empty_file", _m("empty_file"))
    # The header is the first row, among the top few, that names the most known columns.
    best, best_hits = -1, 1
    for i, (_, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = sum(1 for v in values if match_header(v) not in (None, _IGNORE))
        if hits > best_hits:
            best, best_hits = i, hits
    if best < 0:
        raise SheetError("no_header", _m("no_header", n=HEADER_SEARCH_ROWS))
    header_row, header = rows[best]
    body = rows[best + 1 :]
    width = max([len(header)] + [len(v) for _, v in body])
    # Rows padded to one width (trailing empty cells are not kept; pandas will refuse ragged rows).
    frame = pd.DataFrame([v + [None] * (width - len(v)) for _, v in body], index=pd.Index([n for n, _ in body], name="row"), columns=None)
    if frame.shape[1] < width:
        for j in range(frame.shape[1], width):
            frame[j] = None

    keep: dict[int, str] = {}
    headers: dict[str, str] = {}
    unknown: list[str] = []
    duplicated: list[tuple[str, str]] = []
    blank: list[str] = []
    for j in range(width):
        text = str(header[j]).strip(_STRIP_CHARS) if j < len(header) else ""
        if not text:
            if j < frame.shape[1] and frame[j].fillna("").astype(str).str.strip(_STRIP_CHARS).ne("").any():
                blank.append(get_column_letter(j + 1))
            continue
        key = match_header(text)
        if key == _IGNORE:
            continue
        if key is None:
            unknown.append(text)
        elif key in headers:
            duplicated.append((headers[key], text))
        else:
            keep[j] = key
            headers[key] = text
    missing = [k for k in REQUIRED if k not in headers]
    problems_zh: list[str] = []
    problems_en: list[str] = []
    if missing:
        problems_zh.append("缺少必填列 " + "、".join(COLUMN_BY_KEY[k].zh for k in missing))
        problems_en.append("missing required column(s) " + ", ".join(f"{COLUMN_BY_KEY[k].zh} ({COLUMN_BY_KEY[k].en})" for k in missing))
    if unknown and not allow_unknown:
        problems_zh.append("无法识别的列 " + "、".join(f"“{u}”" for u in unknown) + "（可用列名：" + "、".join(c.zh for c in COLUMNS) + "）")
        problems_en.append("unknown column(s) " + ", ".join(f"'{u}'" for u in unknown) + " (known: " + ", ".join(f"{c.zh} {c.en}" for c in COLUMNS) + ")")
    if duplicated:
        problems_zh.append("；".join(f"列“{a}”和“{b}”指同一项" for a, b in duplicated))
        problems_en.append("; ".join(f"columns '{a}' and '{b}' mean the same field" for a, b in duplicated))
    if blank:
        problems_zh.append("第 " + "、".join(blank) + " 列有数据但没有表头")
        problems_en.append("column(s) " + ", ".join(blank) + " hold data but have no header")
    if problems_zh:
        raise SheetError(
            "bad_columns",
            _m("bad_columns", problems="；".join(problems_zh), problems_en="; ".join(problems_en)),
            missing=missing,
            unknown=unknown,
            duplicated=duplicated,
            blank=blank,
        )

    out = pd.DataFrame(index=frame.index)
    for j, key in keep.items():
        out[key] = _clean(frame[j])
    if len(out.columns):
        out = out[out.ne("").any(axis=1)]
    out.attrs["headers"] = headers
    out.attrs["header_row"] = header_row
    out.attrs["source"] = source
    out.attrs["clean"] = True  # stripped strings: validate_rows need not strip again
    return out


def _clean(s: pd.Series) -> pd.Series:
    return s.fillna("").astype(str).str.strip(_STRIP_CHARS)


# ------------------------------------------------------------------------------- validate_rows


_ID_SHAPE = r"[0-9]{17}[0-9X]"
_AS_NUMBER = r"[0-9]+(?:\.[0-9]*)?[Ee][+]?[0-9]+|[0-9]+\.[0-9]*"
_INNER_SPACE = r"[\s\u200b\u200c\u200d\u2060\ufeff]+"
_PROVINCE_ARRAY = np.array(sorted(PROVINCES))
_WEIGHTS = np.array(WEIGHTS, dtype=np.int64)
_CHECK_BYTES = np.frombuffer(CHECK_CHARS.encode("ascii"), dtype=np.uint8)
_DATE_SEP = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]0{1,2}:00(?::00(?:\.0+)?)?)?")
_DATE_8 = re.compile(r"(\d{4})(\d{2})(\d{2})")
_PHONE_JUNK = r"[\s\-()（）]"
_PHONE_PREFIX = r"^(?:\+86|0086|86)(?=1[0-9]{10}$)"
_CERT = r"\S{4,40}"


def normalise_id_column(values: pd.Series) -> pd.Series:
    """The vectorised ``idcard.normalise_id``."""
    s = _clean(values)
    nonascii = ~s.map(str.isascii).to_numpy(dtype=bool)
    if nonascii.any():
        s = s.copy()
        s[nonascii] = s[nonascii].map(lambda v: unicodedata.normalize("NFKC", v))
    return s.str.replace(_INNER_SPACE, "", regex=True).str.upper()


@dataclass
class IdChecks:
    """Result of ``check_ids``: per position, the failed check (``""`` when valid), its detail,
    and for valid numbers the birth date and sex."""

    ids: pd.Series
    check: np.ndarray  # object: "", "as_number", "length", "characters", "region", "birth_date", "checksum"
    detail: np.ndarray  # object: None or the birth_date detail
    birth: np.ndarray  # object: date or None
    sex: np.ndarray  # object: "M"/"F" or None


def check_ids(values: pd.Series, today: date) -> IdChecks:
    """``idcard.parse_id`` for a whole column at once (same checks, same order, same results).

    Empty cells get check ``"missing"``; E-notation or ``…\\.0`` numbers get ``"as_number"``.
    """
    ids = normalise_id_column(values).reset_index(drop=True)
    n = len(ids)
    check = np.full(n, "", dtype=object)
    detail = np.full(n, None, dtype=object)
    birth = np.full(n, None, dtype=object)
    sex = np.full(n, None, dtype=object)
    if n == 0:
        return IdChecks(ids, check, detail, birth, sex)

    def fail(mask: np.ndarray, name: str) -> np.ndarray:
        mask = mask & (check == "")
        check[mask] = name
        return mask

    fail(ids.eq("").to_numpy(), "missing")
    fail(ids.str.fullmatch(_AS_NUMBER).to_numpy(dtype=bool), "as_number")
    fail(ids.str.len().ne(18).to_numpy(), "length")
    fail(~ids.str.fullmatch(_ID_SHAPE).to_numpy(dtype=bool), "characters")
    todo = np.flatnonzero(check == "")
    if len(todo):
        sub = ids.iloc[todo]
        bad_region = ~np.isin(sub.str.slice(0, 2).to_numpy(dtype=str), _PROVINCE_ARRAY) | sub.str.slice(2, 6).eq("0000").to_numpy()
        check[todo[bad_region]] = "region"
    todo = np.flatnonzero(check == "")
    if len(todo):
        eight = ids.iloc[todo].str.slice(6, 14).to_numpy(dtype=str)
        problems = {d: birth_date_problem(d, today) for d in set(eight.tolist())}
        det = np.array([problems[d] for d in eight], dtype=object)
        bad = det != None  # noqa: E711 - elementwise on an object array
        check[todo[bad]] = "birth_date"
        detail[todo[bad]] = det[bad]
    todo = np.flatnonzero(check == "")
    if len(todo):
        joined = "".join(ids.iloc[todo].tolist()).encode("ascii")
        digits = np.frombuffer(joined, dtype=np.uint8).reshape(-1, 18)
        total = (digits[:, :17].astype(np.int64) - 48) @ _WEIGHTS
        bad = _CHECK_BYTES[total % 11] != digits[:, 17]
        check[todo[bad]] = "checksum"
        good = todo[~bad]
        if len(good):
            eight = ids.iloc[good].str.slice(6, 14).to_numpy(dtype=str)
            dates = {d: date(int(d[:4]), int(d[4:6]), int(d[6:])) for d in set(eight.tolist())}
            birth[good] = [dates[d] for d in eight]
            sex[good] = np.where((digits[~bad, 16] - 48) % 2 == 1, "M", "F")
    return IdChecks(ids, check, detail, birth, sex)


def parse_date_text(text: str) -> date | None:
    """A date as people type it: 1990-01-02, 1990/1/2, 1990.01.02, 1990年1月2日, 19900102."""
    s = unicodedata.normalize("NFKC", text).strip() if not text.isascii() else text.strip()
    m = _DATE_SEP.fullmatch(s) or _DATE_8.fullmatch(s)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


class _Errors:
    def __init__(self, rows: np.ndarray, headers: Mapping[str, str]):
        self.rows = rows
        self.headers = headers
        self.items: list[tuple[int, int, str, str, Message]] = []
        self.bad = np.zeros(len(rows), dtype=bool)

    def column(self, key: str) -> str:
        return self.headers.get(key) or COLUMN_BY_KEY[key].zh

    def add(self, pos: int, key: str, code: str, message: Message) -> None:
        self.items.append((pos, KEYS.index(key), key, code, message))
        self.bad[pos] = True

    def add_mask(self, mask: np.ndarray, key: str, code: str, make: Any) -> None:
        for pos in np.flatnonzero(mask):
            self.add(int(pos), key, code, make(int(pos)))

    def issues(self) -> list[Issue]:
        self.items.sort(key=lambda t: (t[0], t[1]))
        return [Issue(int(self.rows[p]), self.column(k), code, m.zh, m.en) for p, _, k, code, m in self.items]


def _canonical(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Accept a frame from ``read_table`` (keys as columns) or one with header texts as columns."""
    headers = dict(df.attrs.get("headers") or {})
    if all(c in COLUMN_BY_KEY for c in df.columns):
        return df, headers
    rename: dict[Any, str] = {}
    for c in df.columns:
        key = c if c in COLUMN_BY_KEY else match_header(c)
        if key and key != _IGNORE and key not in rename.values():
            rename[c] = key
            headers.setdefault(key, str(c))
    return df[list(rename)].rename(columns=rename), headers


def validate_rows(df: pd.DataFrame, context: ImportContext) -> ImportReport:
    """Check every row of the sheet; nothing is half-valid: a row with any error is not in ``rows``.

    Row numbers come from the frame's index when it is named ``row`` (as ``read_table`` makes it),
    else the header is taken as row 1 and the frame's rows as 2, 3, …
    """
    df, headers = _canonical(df)
    missing_cols = [k for k in REQUIRED if k not in df.columns]
    if missing_cols:
        raise SheetError(
            "bad_columns",
            _m(
                "bad_columns",
                problems="缺少必填列 " + "、".join(COLUMN_BY_KEY[k].zh for k in missing_cols),
                problems_en="missing required column(s) " + ", ".join(COLUMN_BY_KEY[k].en for k in missing_cols),
            ),
            missing=missing_cols,
        )
    n = len(df)
    rows = df.index.to_numpy(dtype=np.int64) if df.index.name == "row" else np.arange(2, n + 2, dtype=np.int64)
    E = _Errors(rows, headers)
    today = context.today
    empty = pd.Series([""] * n, dtype=str)
    prepare = (lambda s: s.reset_index(drop=True)) if df.attrs.get("clean") else (lambda s: _clean(s).reset_index(drop=True))
    col: dict[str, pd.Series] = {k: (prepare(df[k]) if k in df.columns else empty) for k in KEYS}
    present = {k: k in df.columns for k in KEYS}
    blank = {k: col[k].eq("").to_numpy() for k in KEYS}

    def cell(key: str, pos: int) -> str:
        return col[key].iat[pos]

    # -- required and over-long cells (the ID's emptiness is reported by check_ids below)
    for key in REQUIRED:
        if key != "id_number":
            c = COLUMN_BY_KEY[key]
            E.add_mask(blank[key], key, "missing", lambda p, c=c: _m("missing", col=c.zh, col_en=c.en))
    for c in COLUMNS:
        if c.max_len and present[c.key]:
            lengths = col[c.key].str.len().to_numpy()
            E.add_mask(lengths > c.max_len, c.key, "too_long",
                       lambda p, c=c, L=lengths: _m("too_long", col=c.zh, col_en=c.en, n=int(L[p]), limit=c.max_len))  # fmt: skip

    # -- ID numbers
    idc = check_ids(col["id_number"], today)
    ids = idc.ids
    id_ok = idc.check == ""
    idcol = COLUMN_BY_KEY["id_number"]
    for pos in np.flatnonzero(~id_ok):
        chk, value = idc.check[pos], ids.iat[pos]
        if chk == "missing":
            msg = _m("missing", col=idcol.zh, col_en=idcol.en)
            E.add(int(pos), "id_number", "missing", msg)
        elif chk == "as_number":
            E.add(int(pos), "id_number", "id_as_number", _m("id_as_number", value=value))
        else:
            E.add(int(pos), "id_number", f"id_{chk}", id_error_message(chk, value, idc.detail[pos]))

    # -- sex and birth date, when given, must agree with the ID
    if present["sex"]:
        sexv = col["sex"].str.lower().map(SEX_VALUES).to_numpy(dtype=object)
        unmapped = pd.isna(sexv)
        E.add_mask(unmapped & ~blank["sex"], "sex", "bad_sex", lambda p: _m("bad_sex", value=cell("sex", p)))
        mismatch = id_ok & ~unmapped & (sexv != idc.sex)
        E.add_mask(mismatch, "sex", "sex_mismatch",
                   lambda p: _m("sex_mismatch", value=cell("sex", p), derived=SEX_LABELS[idc.sex[p]].zh, derived_en=SEX_LABELS[idc.sex[p]].en))  # fmt: skip
    if present["birth_date"]:
        texts = col["birth_date"].to_numpy(dtype=str)
        parsed = {t: parse_date_text(t) for t in set(texts.tolist()) if t}
        bd = np.array([parsed.get(t) for t in texts], dtype=object)
        unparsed = np.array([d is None for d in bd], dtype=bool) & ~blank["birth_date"]
        E.add_mask(unparsed, "birth_date", "bad_date", lambda p: _m("bad_date", value=cell("birth_date", p)))
        future = np.array([d is not None and d > today for d in bd], dtype=bool)
        E.add_mask(future, "birth_date", "birth_date_future", lambda p: _m("birth_date_future", value=bd[p].isoformat()))
        differs = id_ok & ~future & np.array([d is not None for d in bd], dtype=bool) & (bd != idc.birth)
        E.add_mask(differs, "birth_date", "birth_date_mismatch",
                   lambda p: _m("birth_date_mismatch", value=bd[p].isoformat(), derived=idc.birth[p].isoformat()))  # fmt: skip

    # -- skill and group
    skill_texts = col["skill"].to_numpy(dtype=str)
    skill_of = {t: context.find_skill(t) for t in set(skill_texts.tolist()) if t}
    skill = np.array([skill_of.get(t) for t in skill_texts], dtype=object)
    no_skill = np.array([s is None for s in skill], dtype=bool)
    options = "、".join(s.name for s in context.skills[:12]) + ("…" if len(context.skills) > 12 else "")
    E.add_mask(no_skill & ~blank["skill"], "skill", "unknown_skill", lambda p: _m("unknown_skill", value=skill_texts[p], options=options))
    group_texts = col["group"].to_numpy(dtype=str)
    kind_of = {t: GROUP_VALUES.get(_fold(t)) for t in set(group_texts.tolist()) if t}
    kind = np.array([kind_of.get(t) for t in group_texts], dtype=object)
    no_kind = np.array([k is None for k in kind], dtype=bool)
    E.add_mask(no_kind & ~blank["group"], "group", "bad_group", lambda p: _m("bad_group", value=group_texts[p]))
    group_id = np.full(n, None, dtype=object)
    resolved = np.zeros(n, dtype=bool)
    for pos in np.flatnonzero(~no_skill & ~no_kind):
        s, k = skill[pos], kind[pos]
        if k in s.groups:
            group_id[pos] = s.groups[k]
            resolved[pos] = True
        else:
            E.add(int(pos), "group", "unknown_group", _m(
                "unknown_group", skill=s.name, group=GROUP_LABELS[k].zh, group_en=GROUP_LABELS[k].en,
                options="、".join(GROUP_LABELS[g].zh for g in s.groups) or "（无）",
                options_en=", ".join(GROUP_LABELS[g].en for g in s.groups) or "(none)",
            ))  # fmt: skip

    # -- level and its certificate
    level_texts = col["current_level"].to_numpy(dtype=str)
    level_of: dict[str, SkillLevel | None] = {}
    for t in set(level_texts.tolist()):
        if t:
            try:
                level_of[t] = parse_level(t)
            except ValueError:
                level_of[t] = None
    level = np.array([level_of.get(t) for t in level_texts], dtype=object)
    no_level = np.array([lv is None for lv in level], dtype=bool)
    level_options = "、".join(lv.zh for lv in SkillLevel)
    E.add_mask(no_level & ~blank["current_level"], "current_level", "bad_level",
               lambda p: _m("bad_level", value=level_texts[p], options=level_options))  # fmt: skip
    cert = col["level_certificate_no"]
    if present["level_certificate_no"]:
        E.add_mask(~blank["level_certificate_no"] & ~cert.str.fullmatch(_CERT).to_numpy(dtype=bool), "level_certificate_no",
                   "bad_certificate_no", lambda p: _m("bad_certificate_no", value=cert.iat[p]))  # fmt: skip
    if context.require_certificate_no:
        above = np.array([lv is not None and lv > SkillLevel.APPRENTICE for lv in level], dtype=bool)
        E.add_mask(above & blank["level_certificate_no"], "level_certificate_no", "missing_certificate_no",
                   lambda p: _m("missing_certificate_no", level=level[p].zh, level_en=level[p].en))  # fmt: skip

    # -- phone
    phone = col["phone"].str.replace(_PHONE_JUNK, "", regex=True).str.replace(_PHONE_PREFIX, "", regex=True)
    bad_phone = ~phone.str.fullmatch(r"1[3-9][0-9]{9}").to_numpy(dtype=bool) & ~blank["phone"]
    E.add_mask(bad_phone, "phone", "bad_phone", lambda p: _m("bad_phone", value=cell("phone", p)))

    # -- one person, one entry: within the sheet and against the event
    dup = (ids.duplicated(keep=False) & ids.ne("")).to_numpy()
    if dup.any():
        where: dict[str, list[int]] = defaultdict(list)
        for pos in np.flatnonzero(dup):
            where[ids.iat[pos]].append(int(rows[pos]))
        E.add_mask(dup, "id_number", "duplicate_in_sheet",
                   lambda p: _m("duplicate_in_sheet", id=ids.iat[p], rows=", ".join(map(str, where[ids.iat[p]]))))  # fmt: skip
    registered = context._registered
    existing = np.full(n, None, dtype=object)
    if registered:
        id_list = ids.tolist()
        for pos in np.flatnonzero(id_ok):
            reg = registered.get(id_list[pos])
            if reg is None:
                continue
            existing[pos] = reg
            if resolved[pos] and (reg.skill_id != skill[pos].id or reg.group_id != group_id[pos]):
                other, other_kind = context._group_by_id.get(reg.group_id, (context._skill_by_id.get(reg.skill_id), None))
                label = GROUP_LABELS.get(other_kind or "", Message("", "a group"))
                E.add(int(pos), "id_number", "registered_elsewhere", _m(
                    "registered_elsewhere", skill=other.name if other else str(reg.skill_id), group=label.zh, group_en=label.en,
                ))  # fmt: skip

    # -- teams
    team = col["team"]
    if present["team"] and not blank["team"].all():
        _check_teams(E, context, team, ids, skill, kind, group_id, resolved, ~blank["team"])

    # -- eligibility (per row); the count warning comes after the valid rows are known
    warnings_: list[Issue] = []
    rules = context._rules
    if rules is not None:
        _check_eligibility(E, warnings_, rules, rows, kind, idc.birth, level, col["employer"], id_ok, headers)

    # -- the valid rows
    valid = np.flatnonzero(~E.bad)
    out: list[ValidRow] = []
    if len(valid):
        names = col["name"].to_numpy(dtype=str)
        employers = col["employer"].to_numpy(dtype=str)
        delegations = col["delegation"].to_numpy(dtype=str)
        certs = cert.to_numpy(dtype=str)
        phones = phone.to_numpy(dtype=str)
        teams = team.to_numpy(dtype=str)
        id_arr = ids.to_numpy(dtype=str)
        for pos in valid.tolist():
            s = skill[pos]
            record = {
                "name": names[pos],
                "id_number": id_arr[pos],
                "sex": idc.sex[pos],
                "birth_date": idc.birth[pos],
                "skill_id": s.id,
                "skill": s.name,
                "group_id": group_id[pos],
                "group": kind[pos],
                "employer": employers[pos],
                "delegation": delegations[pos],
                "current_level": int(level[pos]),
                "level_certificate_no": certs[pos] or None,
                "phone": phones[pos],
                "team": teams[pos] or None,
            }
            reg = existing[pos]
            if reg is None:
                out.append(ValidRow(int(rows[pos]), "new", record))
            elif reg.data is None:  # nothing stored to compare with: the store overwrites, no duplicate
                out.append(ValidRow(int(rows[pos]), "update", record))
            else:
                changed = _changes(reg.data, record)
                out.append(ValidRow(int(rows[pos]), "update" if changed else "unchanged", record, changed))

    if rules is not None and rules.min_entrants > 0:
        counts: dict[tuple[str, str], int] = {}
        by_group: dict[Any, int] = defaultdict(int)
        for reg in registered.values():
            by_group[reg.group_id] += 1
        for r in out:
            if r.status == "new":
                by_group[r.record["group_id"]] += 1
        for s in context.skills:
            for k, gid in s.groups.items():
                counts[(s.name, k)] = by_group.get(gid, 0)
        for f in elig.check_entrant_counts(rules, counts):
            warnings_.append(Issue(None, None, f.code, f.message.zh, f.message.en))

    invalid_rows = sorted({int(rows[p]) for p in np.flatnonzero(E.bad)})
    return ImportReport(rows=out, errors=E.issues(), warnings=warnings_, total=n, invalid_rows=invalid_rows)


def _check_teams(E: _Errors, ctx: ImportContext, team: pd.Series, ids: pd.Series, skill: np.ndarray, kind: np.ndarray,
                 group_id: np.ndarray, resolved: np.ndarray, has_team: np.ndarray) -> None:  # fmt: skip
    members: dict[str, list[int]] = defaultdict(list)
    team_names = team.to_numpy(dtype=str)
    for pos in np.flatnonzero(has_team).tolist():
        members[team_names[pos]].append(pos)
    lo, hi = ctx.team_size
    stored: dict[tuple[Any, Any, str], set[str]] | None = None
    for name, positions in members.items():
        combos = {(skill[p].id, group_id[p]) for p in positions if resolved[p]}
        if len(combos) > 1:
            labels = sorted({(skill[p].name, kind[p]) for p in positions if resolved[p]})
            zh = "；".join(f"{s} {GROUP_LABELS[k].zh}" for s, k in labels)
            en = "; ".join(f"{s} {GROUP_LABELS[k].en}" for s, k in labels)
            for p in positions:
                E.add(p, "team", "team_mixed", _m("team_mixed", team=name, combos=zh, combos_en=en))
            continue
        if not combos:
            continue  # its rows already carry skill or group errors
        (sid, gid) = next(iter(combos))
        if stored is None:  # members stored earlier count too, unless this sheet re-lists them
            stored = defaultdict(set)
            for pid, reg in ctx._registered.items():
                if reg.data and reg.data.get("team"):
                    stored[(reg.skill_id, reg.group_id, str(reg.data["team"]))].add(pid)
        people = {ids.iat[p] for p in positions} | stored.get((sid, gid, name), set())
        size = len(people)
        if not lo <= size <= hi:
            for p in positions:
                E.add(p, "team", "team_size", _m("team_size", team=name, size=size, min=lo, max=hi))


def _check_eligibility(E: _Errors, warnings_: list[Issue], rules: elig.EligibilityRules, rows: np.ndarray, kind: np.ndarray,
                       birth: np.ndarray, level: np.ndarray, employers: pd.Series, id_ok: np.ndarray,
                       headers: Mapping[str, str]) -> None:  # fmt: skip
    per_row = rules.born_on_or_after is not None or rules.min_level or (
        rules.school_check != "off" and any(k in elig.SCHOOL_GROUPS for k in set(kind.tolist()))
    )
    if not per_row:
        return
    emp = employers.to_numpy(dtype=str)
    field_key = {"birth_date": "birth_date" if "birth_date" in headers else "id_number", "current_level": "current_level", "employer": "employer"}
    for pos in np.flatnonzero(np.array([k is not None for k in kind], dtype=bool)).tolist():
        lv = level[pos]
        findings = elig.check_entrant(
            rules,
            group_kind=kind[pos],
            birth_date=birth[pos] if id_ok[pos] else None,
            current_level=lv if lv is not None else None,
            employer=emp[pos],
        )
        for f in findings:
            if f.code == "level_too_low" and lv is None:
                continue  # the bad level is reported already
            key = field_key.get(f.field or "", "name")
            if f.severity == elig.REFUSAL:
                E.add(pos, key, f.code, f.message)
            else:
                warnings_.append(Issue(int(rows[pos]), E.column(key), f.code, f.message.zh, f.message.en))


def _compare_value(key: str, v: Any) -> str:
    if v is None:
        return ""
    if key == "current_level":
        try:
            return str(int(parse_level(v)))
        except ValueError:
            return str(v)
    if key == "birth_date" and isinstance(v, (date, datetime)):
        return (v.date() if isinstance(v, datetime) else v).isoformat()
    if key == "sex":
        return SEX_VALUES.get(str(v).strip().lower(), str(v).strip())
    return str(v).strip()


def _changes(stored: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Fields that differ between a stored registration and a sheet row (only fields the store gave)."""
    out: dict[str, tuple[Any, Any]] = {}
    for key in COMPARED_FIELDS:
        if key in stored and _compare_value(key, stored[key]) != _compare_value(key, record[key]):
            out[key] = (stored[key], record[key])
    return out


# ------------------------------------------------------------------------------------- writing


_REQUIRED_HEADER = Style(bold=True, fill="FFF2CC", align="center")
_OPTIONAL_HEADER = Style(bold=True, fill="E2EFDA", align="center")
_TEXT = Style(text=True)
_WIDTHS = {"name": 12, "id_number": 22, "sex": 6, "birth_date": 12, "skill": 20, "group": 10, "employer": 28,
           "delegation": 16, "current_level": 14, "level_certificate_no": 22, "phone": 14, "team": 14}  # fmt: skip
#: Inline list formulas are limited to 255 characters by Excel; longer lists go to a hidden sheet.
_INLINE_LIMIT = 250
LISTS_SHEET = "lists"


def _inline_list(values: Sequence[str]) -> str | None:
    """A dropdown's list written into its formula (``"男,女"``), or None when it must go to the hidden sheet."""
    joined = ",".join(values)
    if values and len(joined) <= _INLINE_LIMIT and not any("," in v or '"' in v for v in values):
        return f'"{joined}"'
    return None


def _column_widths() -> dict[int, float]:
    return {i: _WIDTHS.get(c.key, 14) for i, c in enumerate(COLUMNS, start=1)}


def build_template(skills: Sequence[SkillOption], groups: Iterable[str] | None = None, *, rows: int = 5000) -> bytes:
    """An empty registration sheet (.xlsx) with dropdowns, text-formatted ID/phone/certificate
    columns, and a 说明 sheet explaining each column in Chinese and English.

    ``groups`` are group kinds for the group dropdown; by default those any skill runs. Written
    through ``scoring.spreadsheet``: skill names are text, never formulas.
    """
    kinds = list(groups) if groups is not None else [k for k in GROUP_KINDS if any(k in s.groups for s in skills)]
    kinds = kinds or list(GROUP_KINDS)
    book = Book()
    ws = book.sheet(SHEET_NAME["zh"], widths=_column_widths(), freeze="A2")
    letters = {c.key: get_column_letter(i) for i, c in enumerate(COLUMNS, start=1)}
    for i, c in enumerate(COLUMNS, start=1):
        if c.text:
            ws.column_format(i, _TEXT)
    ws.append([Styled(c.zh, _REQUIRED_HEADER if c.required else _OPTIONAL_HEADER) for c in COLUMNS])
    empty = [Styled(None, _TEXT) if c.text else None for c in COLUMNS]
    for _ in range(rows):
        ws.append(empty)
    last = rows + 1
    hidden_lists: dict[int, Sequence[str]] = {}  # column of the hidden sheet → its values

    def dropdown(key: str, values: Sequence[str], list_col: int, strict: bool, prompt: Message) -> None:
        formula = _inline_list(values)
        if formula is None:
            hidden_lists[list_col] = values
            letter = get_column_letter(list_col)
            formula = f"{LISTS_SHEET}!${letter}$1:${letter}${max(len(values), 1)}"
        dv = DataValidation(type="list", formula1=formula, allow_blank=True)
        dv.error = f"{prompt.zh} / {prompt.en}"
        dv.errorTitle = "输入有误 / Invalid value"
        dv.errorStyle = "stop" if strict else "warning"  # warning: a skill code or "二级" may still be typed
        dv.prompt = prompt.zh
        dv.showErrorMessage = True
        dv.showInputMessage = False
        ws.validate(dv, f"{letters[key]}2:{letters[key]}{last}")

    dropdown("skill", [s.name for s in skills], 1, False, Message("请从列表选择竞赛项目，或填写项目代码", "Pick a skill from the list or type its code"))
    dropdown("group", [GROUP_LABELS[k].zh for k in kinds], 2, True, Message("请选择组别", "Pick a group"))
    dropdown("sex", ["男", "女"], 3, True, Message("请填 男 或 女", "Use 男 or 女"))
    dropdown("current_level", [lv.zh for lv in SkillLevel], 4, False, Message("请从列表选择职业技能等级", "Pick a level from the list"))
    if hidden_lists:
        lists = book.sheet(LISTS_SHEET, hidden=True)
        width = max(hidden_lists)
        for r in range(max(len(v) for v in hidden_lists.values())):
            lists.append([hidden_lists[c][r] if c in hidden_lists and r < len(hidden_lists[c]) else None for c in range(1, width + 1)])

    notes = book.sheet("说明", widths=dict(zip("ABCDEF", (16, 20, 22, 60, 70, 20))))
    notes.append(["报名表填写说明 / How to fill in the registration sheet"], Style(bold=True, size=13))
    for line in (
        "每行一名选手；表头请勿修改；身份证号、手机号、证书编号列为文本格式，请勿改为数字。 / One contestant per row; keep the headers; "
        "ID, phone and certificate columns are text, do not turn them into numbers.",
        "同一表格可反复导入：已报名且内容未变的行不会重复报名，内容有变的行会更新。 / The same sheet may be imported again: "
        "unchanged rows are not duplicated, changed rows are updated.",
        "每人在一个赛事中只能报一个竞赛项目和组别。 / One person may enter one skill and group per event.",
    ):
        notes.append([line])
    notes.append([])
    notes.append(["列名", "Column", "必填 / Required", "说明", "Description", "示例 / Example"], BOLD)
    for c in COLUMNS:
        required = "是 / yes" if c.required else ("条件必填 / conditional" if c.key == "level_certificate_no" else "否 / no")
        example = c.example or (skills[0].name if c.key == "skill" and skills else "")
        notes.append([c.zh, c.en, required, c.help_zh, c.help_en, example])
    if skills:
        notes.append([])
        notes.append(["竞赛项目", "Skills", "代码 / Code", "组别", "Groups"])
        for s in skills:
            notes.append([s.name, "", s.code, "、".join(GROUP_LABELS[k].zh for k in s.groups), ", ".join(s.groups)])
    return book.save()


def export_registrations(rows: Iterable[Mapping[str, Any]], lang: str = "zh") -> bytes:
    """Registrations as .xlsx with the template's headers (Chinese, or English for ``lang="en"``),
    so the file re-imports. ``rows`` are records as ``validate_rows`` makes them (``skill`` is the
    skill's name, ``group`` its kind, ``current_level`` a level int or name). Written through
    ``scoring.spreadsheet``: no name or employer acts as a formula (=HYPERLINK(…), =cmd|…)."""
    en = lang.startswith("en")
    book = Book()
    ws = book.sheet(SHEET_NAME["en" if en else "zh"], widths=_column_widths())
    ws.append([c.en if en else c.zh for c in COLUMNS])

    def text_cell(value: Any) -> Styled:
        return Styled(None if value is None or value == "" else str(value), _TEXT)

    for r in rows:
        sex = r.get("sex")
        sex_label = SEX_LABELS[sex].get(lang) if sex in SEX_LABELS else (sex or None)
        kind = r.get("group")
        group_label = (kind if en else GROUP_LABELS[kind].zh) if kind in GROUP_LABELS else (kind or "")
        lv = r.get("current_level")
        bd = r.get("birth_date")
        ws.append([
            r.get("name") or None,
            text_cell(r.get("id_number")),
            sex_label,
            bd.isoformat() if isinstance(bd, date) else (bd or None),
            r.get("skill") or None,
            group_label or None,
            r.get("employer") or None,
            r.get("delegation") or None,
            _level_label(lv, en) or None,
            text_cell(r.get("level_certificate_no")),
            text_cell(r.get("phone")),
            r.get("team") or None,
        ])  # fmt: skip
    return book.save()


def _level_label(value: Any, en: bool) -> str:
    if value is None or value == "":
        return ""
    try:
        lv = parse_level(value)
    except ValueError:
        return str(value)
    return lv.en if en else lv.zh
