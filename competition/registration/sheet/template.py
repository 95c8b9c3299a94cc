"""Writing sheets: the downloadable empty template and the export of registrations.

``build_template`` makes the .xlsx the organiser fills in (headers coloured by required/optional,
text-formatted ID, phone and certificate columns, dropdowns for skill, group, sex and level, long
lists on a hidden sheet, and a 说明 sheet explaining each column); ``export_registrations`` writes
stored registrations under the same headers so the file re-imports. Both write through
``scoring.spreadsheet``, so no cell acts as a formula.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from competition.registration.sheet.columns import COLUMNS, GROUP_KINDS, GROUP_LABELS, SEX_LABELS, SHEET_NAME
from competition.registration.sheet.validation import SkillOption
from scoring.idcard import Message
from scoring.identity import DEFAULT_TYPE, DOC_TYPES
from scoring.levels import SkillLevel, parse_level
from scoring.spreadsheet import BOLD, Book, Style, Styled

_REQUIRED_HEADER = Style(bold=True, fill="FFF2CC", align="center")
_OPTIONAL_HEADER = Style(bold=True, fill="E2EFDA", align="center")
_TEXT = Style(text=True)
_WIDTHS = {"name": 12, "id_type": 16, "id_number": 22, "nationality": 8, "sex": 6, "birth_date": 12, "skill": 20, "group": 10, "employer": 28,
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

    dropdown(
        "skill", [s.name for s in skills], 1, False, Message("请从列表选择竞赛项目，或填写项目代码", "Pick a skill from the list or type its code")
    )
    dropdown("group", [GROUP_LABELS[k].zh for k in kinds], 2, True, Message("请选择组别", "Pick a group"))
    dropdown("sex", ["男", "女"], 3, True, Message("请填 男 或 女", "Use 男 or 女"))
    dropdown("current_level", [lv.zh for lv in SkillLevel], 4, False, Message("请从列表选择职业技能等级", "Pick a level from the list"))
    dropdown(
        "id_type",
        [d.label.zh for d in DOC_TYPES.values()],
        6,
        True,
        Message("请从列表选择证件类型（不填为居民身份证）", "Pick a document type (empty means 居民身份证)"),
    )
    dropdown("award_eligible", ["是", "否"], 5, True, Message("请填 是 或 否（不填为 是）", "Use 是 or 否 (empty means yes)"))
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
            (("yes" if en else "是") if r.get("team_captain") else None),
            (("yes" if en else "是") if r.get("award_eligible", True) is not False else ("no" if en else "否")),
            _doc_label(r.get("id_type"), en),
            r.get("nationality") or None,
        ])  # fmt: skip
    return book.save()


def _doc_label(code: Any, en: bool) -> str | None:
    doc = DOC_TYPES.get(code or DEFAULT_TYPE)
    return (doc.label.en if en else doc.label.zh) if doc else (str(code) if code else None)


def _level_label(value: Any, en: bool) -> str:
    if value is None or value == "":
        return ""
    try:
        lv = parse_level(value)
    except ValueError:
        return str(value)
    return lv.en if en else lv.zh
