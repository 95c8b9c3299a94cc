"""Marking schemes as Excel workbooks (评分标准表), the layout WorldSkills experts use.

One row per aspect (评分项), with its criterion (评分模块) and sub-criterion (子标准) on the same
row or, as in a merged-cell sheet, only on the first row of each (a blank cell means "same as
above"). Headers may be Chinese or English (``配分`` or ``Max mark``, also ``配分 / Max mark``),
in any order, below any title rows. A second sheet ``设置`` / ``Settings`` may give the skill
name, total and part weights; without it the preset's values apply.

Columns (* required): 评分模块* Criterion · 模块名称 Criterion name · 部分 Part (理论/实操) ·
技术标准章节 Standards section · 模块配分 Criterion mark · 子标准编号* Sub-criterion ·
子标准名称 Sub-criterion name · 评分项编号 Aspect (numbered ``A1.1``, ``A1.2``… when blank) ·
评分项描述* Aspect description · 类型* Type (M 测量 / J 评价 / S 主观) · 配分* Max mark ·
评分要求 Requirement · 测量评分方式 Measurement mode (全有全无 / 分档 / 扣分) ·
分档 Bands (``0.02:2; 0.05:1`` = within ±0.02 earns 2, within ±0.05 earns 1) ·
扣分步长 Deduction step · 0分描述 … 3分描述 Descriptor 0 … 3 (judgement aspects).

Import never half-loads: :func:`read_scheme_xlsx` returns either a valid scheme and no errors,
or no scheme and every error found, each as ``{row, column, message: {zh, en}}`` with the Excel
row number and the column's header as written in the file.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from scoring.messages import Message, ScoringError
from scoring.numbers import Rounding, decimal_str, to_decimal
from scoring.scheme import (
    BANDED,
    DEDUCTION,
    DEFAULT_PARTS,
    DEFAULT_TOTAL,
    FULL_OR_ZERO,
    JUDGEMENT,
    MEASUREMENT,
    PRACTICAL,
    SUBJECTIVE,
    THEORY,
    Aspect,
    Band,
    Criterion,
    MarkingScheme,
    SubCriterion,
    validate_scheme,
)


@dataclass(frozen=True)
class SheetError:
    """One problem in a workbook: Excel row (None for the whole sheet) and column header."""

    row: int | None
    column: str | None
    message: Message
    sheet: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message.to_dict(), "sheet": self.sheet}


@dataclass(frozen=True)
class SchemeImport:
    """Either ``scheme`` (and no errors) or ``errors`` (and no scheme)."""

    scheme: MarkingScheme | None
    errors: list[SheetError] = field(default_factory=list)
    #: The skill's occupation code as the settings sheet gives it ("" when it does not): a scheme
    #: made for another skill can be noticed before it is stored.
    occupation_code: str = ""

    @property
    def ok(self) -> bool:
        return self.scheme is not None and not self.errors


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    def header(self, lang: str) -> str:
        if lang == "both":
            return f"{self.zh} / {self.en}"
        return self.en if lang.startswith("en") else self.zh


COLUMNS: tuple[Column, ...] = (
    Column("criterion", "评分模块", "Criterion", ("模块", "模块编号", "评分标准", "标准编号", "criterion id", "criteria"), True),
    Column("criterion_name", "模块名称", "Criterion name", ("评分模块名称", "标准名称", "criterion description")),
    Column("part", "部分", "Part", ("考核部分", "理论/实操")),
    Column("standards_section", "技术标准章节", "Standards section", ("标准章节", "wsss section", "wsss", "standards specification section")),
    Column("criterion_mark", "模块配分", "Criterion mark", ("标准配分", "模块分值", "criterion marks", "criterion weight")),
    Column("sub_criterion", "子标准编号", "Sub-criterion", ("子标准", "sub criterion", "sub-criterion id", "subcriterion"), True),
    Column("sub_criterion_name", "子标准名称", "Sub-criterion name", ("sub criterion name", "subcriterion name")),
    Column("aspect", "评分项编号", "Aspect", ("评分点编号", "aspect id", "aspect no")),
    Column(
        "description", "评分项描述", "Aspect description", ("评分项", "评分内容", "评分点", "description", "aspect description (name or brief)"), True
    ),
    Column("kind", "类型", "Type", ("评分类型", "aspect type", "type (m/j)", "m/j"), True),
    Column("max_mark", "配分", "Max mark", ("分值", "max marks", "mark", "marks"), True),
    Column("requirement", "评分要求", "Requirement", ("要求", "requirement or nominal size", "extra aspect description")),
    Column("mode", "测量评分方式", "Measurement mode", ("评分方式", "mode")),
    Column("bands", "分档", "Bands", ("公差分档", "tolerance bands")),
    Column("deduction_step", "扣分步长", "Deduction step", ("每处扣分",)),
    Column("descriptor_0", "0分描述", "Descriptor 0", ("描述0", "评价0", "judgement score 0", "score 0")),
    Column("descriptor_1", "1分描述", "Descriptor 1", ("描述1", "评价1", "judgement score 1", "score 1")),
    Column("descriptor_2", "2分描述", "Descriptor 2", ("描述2", "评价2", "judgement score 2", "score 2")),
    Column("descriptor_3", "3分描述", "Descriptor 3", ("描述3", "评价3", "judgement score 3", "score 3")),
)
_BY_KEY = {c.key: c for c in COLUMNS}
_SETTINGS_NAMES = ("设置", "settings")
_SETTINGS = {
    "skill": ("项目名称", "Skill", ("项目", "竞赛项目", "skill name")),
    "occupation_code": ("职业编码", "Occupation code", ("项目代码", "项目编码", "skill code", "code")),
    "total": ("总分", "Total", ("满分", "total marks")),
    "weight:theory": ("理论权重(%)", "Theory weight (%)", ("理论权重", "theory weight", "theory")),
    "weight:practical": ("实操权重(%)", "Practical weight (%)", ("实操权重", "practical weight", "practical")),
}
_KINDS = {
    "m": MEASUREMENT, "测量": MEASUREMENT, "客观": MEASUREMENT, "measurement": MEASUREMENT,
    "j": JUDGEMENT, "评价": JUDGEMENT, "评判": JUDGEMENT, "judgement": JUDGEMENT, "judgment": JUDGEMENT,
    "s": SUBJECTIVE, "主观": SUBJECTIVE, "主观评分": SUBJECTIVE, "subjective": SUBJECTIVE,
}  # fmt: skip
_PARTS = {
    "理论": THEORY, "理论知识": THEORY, "theory": THEORY,
    "实操": PRACTICAL, "操作": PRACTICAL, "实际操作": PRACTICAL, "技能操作": PRACTICAL, "practical": PRACTICAL,
}  # fmt: skip
_MODES = {
    "全有全无": FULL_OR_ZERO, "全分或零分": FULL_OR_ZERO, "full_or_zero": FULL_OR_ZERO, "full or zero": FULL_OR_ZERO,
    "分档": BANDED, "分档给分": BANDED, "banded": BANDED,
    "扣分": DEDUCTION, "deduction": DEDUCTION,
}  # fmt: skip
_CARRIED = ("criterion", "sub_criterion")
_CRITERION_FIELDS = ("criterion_name", "part", "standards_section", "criterion_mark")


def _norm(text: Any) -> str:
    s = str(text or "").strip().lower()
    s = s.replace("（", "(").replace("）", ")").replace("：", ":")
    return re.sub(r"\s+", " ", s)


def _match_header(text: Any) -> str | None:
    s = _norm(text)
    if not s:
        return None
    candidates = [s] + [p.strip() for p in re.split(r"[/|\n]", s) if p.strip()]
    for cand in candidates:
        for col in COLUMNS:
            if cand in (_norm(col.zh), _norm(col.en), *(_norm(a) for a in col.aliases)):
                return col.key
    return None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_scheme_xlsx(
    source: bytes | str | Path | BinaryIO, *, defaults: Mapping[str, Any] | None = None, rounding: Rounding | None = None
) -> SchemeImport:
    """Read a scheme workbook; ``defaults`` is the preset's ``scoring`` section (total, parts)."""
    import openpyxl

    defaults = defaults or {}
    not_a_workbook = SchemeImport(
        None, [SheetError(None, None, Message("文件不是有效的 Excel（.xlsx）工作簿", "the file is not a valid .xlsx workbook"))]
    )
    data = source if isinstance(source, bytes) else Path(source).read_bytes() if isinstance(source, (str, Path)) else source.read()
    too_big = _size_problem(data)
    if too_big is not None:
        return SchemeImport(None, [SheetError(None, None, too_big)])
    try:
        # Read-only: rows stream from the zip instead of every cell of the sheet living in memory.
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a file that is not a workbook
        return not_a_workbook
    try:
        return _read_workbook(wb, defaults, rounding)
    except _TooManyRows:
        return SchemeImport(
            None,
            [
                SheetError(
                    None,
                    None,
                    Message(f"工作表超过 {MAX_ROWS} 行，不是评分标准表", f"a sheet has more than {MAX_ROWS} rows; it is not a marking scheme"),
                )
            ],
        )
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, SyntaxError):  # a damaged part, found while streaming the rows
        return not_a_workbook
    finally:
        wb.close()


#: Ceilings against zip bombs and giant sheets: a marking scheme is a few hundred rows.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 5 * 1024 * 1024  # a real scheme of 1,000 aspects is well under 1 MB
MAX_ROWS = 10_000


class _TooManyRows(Exception):
    pass


def _size_problem(data: bytes) -> Message | None:
    if len(data) > MAX_FILE_BYTES:
        return Message(
            f"文件太大（上限 {MAX_FILE_BYTES // 1024 // 1024} MB）", f"the file is too large (the limit is {MAX_FILE_BYTES // 1024 // 1024} MB)"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return Message(
            "文件不是有效的 Excel（.xlsx）工作簿；旧版 .xls 请另存为 .xlsx", "the file is not a valid .xlsx workbook (save an old .xls as .xlsx)"
        )
    if unpacked > MAX_UNPACKED_BYTES:
        return Message(
            f"工作簿解压后超过 {MAX_UNPACKED_BYTES // 1024 // 1024} MB，不是评分标准表",
            f"the workbook unpacks to more than {MAX_UNPACKED_BYTES // 1024 // 1024} MB; it is not a marking scheme",
        )
    return None


def _rows(ws: Any) -> list[tuple[Any, ...]]:
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # a stale <dimension> would cut rows off
    rows = []
    for row in ws.iter_rows(min_row=1, values_only=True):
        rows.append(tuple(row))
        if len(rows) > MAX_ROWS:
            raise _TooManyRows
    return rows


def _read_workbook(wb: Any, defaults: Mapping[str, Any], rounding: Rounding | None) -> SchemeImport:
    errors: list[SheetError] = []
    settings_ws = next((ws for ws in wb.worksheets if _norm(ws.title) in _SETTINGS_NAMES), None)
    scheme_ws = next((ws for ws in wb.worksheets if ws is not settings_ws), None)
    if scheme_ws is None:
        return SchemeImport(None, [SheetError(None, None, Message("工作簿中没有评分标准表", "the workbook has no scheme sheet"))])
    sheet = scheme_ws.title

    # Settings: skill, total, part weights.
    skill = ""
    total = to_decimal(defaults.get("total", DEFAULT_TOTAL))
    parts = {k: to_decimal(v) for k, v in (defaults.get("parts") or DEFAULT_PARTS).items()}
    settings_rows: dict[str, int] = {}
    code = ""
    if settings_ws is not None:
        skill, code, total, parts, settings_rows = _read_settings(settings_ws, skill, total, parts, errors)

    rows = _rows(scheme_ws)
    header_at, columns = _find_header(rows)
    if header_at is None:
        errors.append(
            SheetError(
                1,
                None,
                Message(
                    "找不到表头：须含“评分模块、子标准编号、评分项描述、类型、配分”等列",
                    "no header row found: it needs columns such as Criterion, Sub-criterion, Aspect description, Type, Max mark",
                ),
                sheet,
            )
        )
        return SchemeImport(None, errors, code)
    header_row = header_at + 1
    headers = {key: _cell_text(rows[header_at][i]) for key, i in columns.items()}
    for col in COLUMNS:
        if col.required and col.key not in columns:
            errors.append(SheetError(header_row, col.zh, Message(f"缺少必需的列“{col.zh}”", f"required column '{col.en}' is missing"), sheet))
    if errors:
        return SchemeImport(None, errors, code)

    def colname(key: str) -> str:
        return headers.get(key) or _BY_KEY[key].zh

    # Build criteria in sheet order, remembering each element's first row for error mapping.
    crit_order: list[str] = []
    crit_attrs: dict[str, dict[str, Any]] = {}
    crit_row: dict[str, int] = {}
    subs: dict[str, list[str]] = {}
    sub_info: dict[str, dict[str, Any]] = {}
    aspect_rows: dict[str, list[int]] = {}
    carried = {"criterion": "", "sub_criterion": ""}
    for ri in range(header_at + 1, len(rows)):
        excel_row = ri + 1
        raw = {key: rows[ri][i] if i < len(rows[ri]) else None for key, i in columns.items()}
        if all(_cell_text(v) == "" for v in raw.values()):
            continue
        cell = {k: _cell_text(v) for k, v in raw.items()}
        row_errors: list[SheetError] = []

        def bad(key: str, zh: str, en: str, _row: int = excel_row, _errs: list[SheetError] = row_errors) -> None:
            _errs.append(SheetError(_row, colname(key), Message(zh, en), sheet))

        crit_id = cell.get("criterion") or carried["criterion"]
        if cell.get("criterion") and cell["criterion"] != carried["criterion"]:
            carried["sub_criterion"] = ""  # a new criterion starts: the sub-criterion is not inherited
        sub_id = cell.get("sub_criterion") or carried["sub_criterion"]
        if not crit_id:
            bad("criterion", "缺少评分模块编号", "criterion is missing")
        if not sub_id:
            bad("sub_criterion", "缺少子标准编号", "sub-criterion is missing")
        carried["criterion"], carried["sub_criterion"] = crit_id, sub_id

        # Criterion-level attributes: the first non-blank value sets it, a different one later clashes.
        if crit_id:
            attrs = crit_attrs.setdefault(crit_id, {})
            if crit_id not in crit_row:
                crit_row[crit_id] = excel_row
                crit_order.append(crit_id)
            for key in _CRITERION_FIELDS:
                value = cell.get(key, "")
                if not value:
                    continue
                parsed: Any = value
                if key == "part":
                    parsed = _PARTS.get(_norm(value))
                    if parsed is None:
                        bad(key, f"部分须为“理论”或“实操”，而不是“{value}”", f"part must be theory or practical, not '{value}'")
                        continue
                if key == "criterion_mark":
                    parsed = _decimal(value, raw.get(key))
                    if parsed is None:
                        bad(key, f"模块配分不是数字：{value}", f"criterion mark is not a number: {value}")
                        continue
                if key in attrs and attrs[key] != parsed:
                    bad(key, f"与评分模块 {crit_id} 前面各行的值不一致", f"differs from earlier rows of criterion {crit_id}")
                attrs.setdefault(key, parsed)
        if crit_id and sub_id:
            if sub_id not in sub_info:
                sub_info[sub_id] = {"criterion": crit_id, "name": cell.get("sub_criterion_name", ""), "row": excel_row}
                subs.setdefault(crit_id, []).append(sub_id)
            elif sub_info[sub_id]["criterion"] != crit_id:
                bad(
                    "sub_criterion",
                    f"子标准 {sub_id} 已属于评分模块 {sub_info[sub_id]['criterion']}",
                    f"sub-criterion {sub_id} already belongs to criterion {sub_info[sub_id]['criterion']}",
                )
            elif cell.get("sub_criterion_name") and not sub_info[sub_id]["name"]:
                sub_info[sub_id]["name"] = cell["sub_criterion_name"]

        # The aspect itself.
        description = cell.get("description", "")
        if not description:
            bad("description", "缺少评分项描述", "aspect description is missing")
        kind = _KINDS.get(_norm(cell.get("kind", "")))
        if kind is None:
            m = re.match(r"^([mjs])\b", _norm(cell.get("kind", "")))
            kind = {"m": MEASUREMENT, "j": JUDGEMENT, "s": SUBJECTIVE}[m.group(1)] if m else None
        if kind is None:
            bad(
                "kind",
                f"类型须为 M（测量）、J（评价）或 S（主观），而不是“{cell.get('kind', '')}”",
                f"type must be M, J or S, not '{cell.get('kind', '')}'",
            )
        max_mark = _decimal(cell.get("max_mark", ""), raw.get("max_mark"))
        if max_mark is None:
            bad("max_mark", f"配分不是数字：“{cell.get('max_mark', '')}”", f"max mark is not a number: '{cell.get('max_mark', '')}'")
        bands: list[Band] = []
        if cell.get("bands"):
            parsed_bands = _parse_bands(cell["bands"])
            if parsed_bands is None:
                bad("bands", "分档格式应为“公差:得分; 公差:得分”，如 0.02:2; 0.05:1", "bands must read 'tolerance:mark; …', e.g. 0.02:2; 0.05:1")
            else:
                bands = parsed_bands
        step = None
        if cell.get("deduction_step"):
            step = _decimal(cell["deduction_step"], raw.get("deduction_step"))
            if step is None:
                bad("deduction_step", "扣分步长不是数字", "deduction step is not a number")
        mode_text = cell.get("mode", "")
        if mode_text:
            mode = _MODES.get(_norm(mode_text))
            if mode is None:
                bad(
                    "mode",
                    f"测量评分方式须为 全有全无、分档 或 扣分，而不是“{mode_text}”",
                    f"mode must be full_or_zero, banded or deduction, not '{mode_text}'",
                )
                mode = FULL_OR_ZERO
        else:
            mode = BANDED if bands else DEDUCTION if step is not None else FULL_OR_ZERO
        descriptors = tuple(cell.get(f"descriptor_{i}", "") for i in range(4))
        if row_errors:
            errors.extend(row_errors)
            continue
        if not sub_id or not crit_id:
            continue
        aspect_id = cell.get("aspect") or ""
        sub_aspects = sub_info[sub_id].setdefault("aspects", [])
        if not aspect_id:
            aspect_id = f"{sub_id}.{len(sub_aspects) + 1}"
        aspect_rows.setdefault(aspect_id, []).append(excel_row)
        sub_aspects.append(
            Aspect(
                id=aspect_id,
                description=description,
                kind=kind or "",
                max_mark=max_mark if max_mark is not None else Decimal(0),
                mode=mode if kind == MEASUREMENT else FULL_OR_ZERO,
                bands=tuple(bands) if kind == MEASUREMENT else (),
                deduction_step=step if kind == MEASUREMENT else None,
                descriptors=descriptors if kind == JUDGEMENT else (),
                requirement=cell.get("requirement", ""),
            )
        )
    if errors:
        return SchemeImport(None, errors, code)
    if not crit_order:
        return SchemeImport(None, [SheetError(header_row + 1, None, Message("表中没有任何评分项", "the sheet has no aspects"), sheet)])

    criteria = tuple(
        Criterion(
            id=cid,
            name=crit_attrs[cid].get("criterion_name", ""),
            part=crit_attrs[cid].get("part", PRACTICAL),
            standards_section=crit_attrs[cid].get("standards_section", ""),
            mark=crit_attrs[cid].get("criterion_mark"),
            sub_criteria=tuple(SubCriterion(sid, sub_info[sid]["name"], tuple(sub_info[sid].get("aspects", []))) for sid in subs.get(cid, [])),
        )
        for cid in crit_order
    )
    scheme = MarkingScheme(skill=skill, criteria=criteria, total=total, parts=parts)
    field_column = {
        "max_mark": "max_mark", "kind": "kind", "mode": "mode", "bands": "bands", "deduction_step": "deduction_step",
        "descriptors": "descriptor_0", "id": "aspect", "mark": "criterion_mark", "part": "part",
    }  # fmt: skip
    for p in validate_scheme(scheme, rounding):
        if p.aspect_id is not None and p.aspect_id in aspect_rows:
            rows_of = aspect_rows[p.aspect_id]
            row = rows_of[-1] if p.code == "duplicate_id" else rows_of[0]
            key = field_column.get(p.field, "max_mark")
            errors.append(SheetError(row, colname(key) if key in columns else _BY_KEY[key].zh, p.message, sheet))
        elif p.criterion_id is not None and p.criterion_id in crit_row:
            key = field_column.get(p.field, "criterion")
            errors.append(SheetError(crit_row[p.criterion_id], colname(key) if key in columns else _BY_KEY[key].zh, p.message, sheet))
        elif p.field == "parts" and settings_ws is not None:
            errors.append(SheetError(min(settings_rows.values(), default=None), None, p.message, settings_ws.title))
        else:
            errors.append(SheetError(None, colname("max_mark") if p.field == "max_mark" else None, p.message, sheet))
    if errors:
        return SchemeImport(None, errors, code)
    return SchemeImport(scheme, [], code)


def _decimal(text: str, raw: Any) -> Decimal | None:
    value = raw if isinstance(raw, (int, float)) and not isinstance(raw, bool) else text
    try:
        return to_decimal(value)
    except ScoringError:
        return None


def _parse_bands(text: str) -> list[Band] | None:
    out = []
    for piece in re.split(r"[;；\n]+", text):
        piece = piece.strip()
        if not piece:
            continue
        m = re.fullmatch(r"(?:±|\+/-|\+-)?\s*([0-9.]+)\s*(?:mm)?\s*[:：=]\s*([0-9.]+)", piece)
        if not m:
            return None
        try:
            out.append(Band(to_decimal(m.group(1)), to_decimal(m.group(2))))
        except ScoringError:
            return None
    return out or None


def _format_bands(bands: tuple[Band, ...]) -> str:
    return "; ".join(f"{decimal_str(b.tolerance)}:{decimal_str(b.mark)}" for b in bands)


def _find_header(rows: list[tuple[Any, ...]]) -> tuple[int | None, dict[str, int]]:
    best: tuple[int | None, dict[str, int]] = (None, {})
    for ri, row in enumerate(rows[:15]):
        found: dict[str, int] = {}
        for ci, value in enumerate(row):
            key = _match_header(value)
            if key and key not in found:
                found[key] = ci
        if len(found) >= 3 and len(found) > len(best[1]) and ("max_mark" in found or "description" in found):
            best = (ri, found)
    return best


def _read_settings(
    ws: Any, skill: str, total: Decimal, parts: dict[str, Decimal], errors: list[SheetError]
) -> tuple[str, str, Decimal, dict[str, Decimal], dict[str, int]]:
    code = ""
    rows_seen: dict[str, int] = {}
    new_parts: dict[str, Decimal] = {}
    for ri, row in enumerate(_rows(ws), start=1):
        if not row or _cell_text(row[0]) == "":
            continue
        label = _norm(row[0])
        value = row[1] if len(row) > 1 else None
        key = next((k for k, (zh, en, aliases) in _SETTINGS.items() if label in (_norm(zh), _norm(en), *(_norm(a) for a in aliases))), None)
        if key is None:
            continue
        rows_seen[key] = ri
        if key == "skill":
            skill = _cell_text(value)
            continue
        if key == "occupation_code":
            code = _cell_text(value)
            continue
        number = _decimal(_cell_text(value), value)
        if number is None:
            errors.append(
                SheetError(
                    ri, _cell_text(row[0]), Message(f"“{_cell_text(row[0])}”的值不是数字", f"'{_cell_text(row[0])}' is not a number"), ws.title
                )
            )
        elif key == "total":
            total = number
        else:
            new_parts[key.partition(":")[2]] = number
    if new_parts:
        parts = {THEORY: Decimal(0), PRACTICAL: Decimal(0), **new_parts}
    return skill, code, total, parts, rows_seen


def write_scheme_xlsx(scheme: MarkingScheme, target: str | Path | BinaryIO | None = None, *, lang: str = "zh", occupation_code: str = "") -> bytes:
    """The scheme as a workbook (one row per aspect, plus the settings sheet); returns the bytes.

    ``lang`` picks the headers: ``"zh"`` (default), ``"en"``, or ``"both"`` (``配分 / Max mark``).
    Written through :mod:`scoring.spreadsheet`: a name such as ``=HYPERLINK(…)`` stays text.
    ``occupation_code`` (the skill's) goes into the settings sheet beside the skill's name.
    """
    data = _scheme_book(scheme, lang, occupation_code).save()
    if target is not None:
        if isinstance(target, (str, Path)):
            Path(target).write_bytes(data)
        else:
            target.write(data)
    return data


def _scheme_book(scheme: MarkingScheme, lang: str, occupation_code: str) -> Any:
    from openpyxl.worksheet.datavalidation import DataValidation

    from scoring.spreadsheet import Book, Style

    book = Book()
    widths: dict[int | str, float] = {"A": 8, "B": 22, "F": 10, "G": 22, "H": 10, "I": 40, "L": 24, "P": 24, "Q": 24, "R": 24, "S": 24}
    ws = book.sheet("评分标准" if lang != "en" else "Marking scheme", widths=widths, freeze="A2")
    ws.append([c.header(lang) for c in COLUMNS], Style(bold=True, align="wrap"))
    part_label = {THEORY: ("理论", "theory"), PRACTICAL: ("实操", "practical")}
    for crit in scheme.criteria:
        for sub in crit.sub_criteria:
            for a in sub.aspects:
                pl = part_label.get(crit.part, (crit.part, crit.part))
                mode = ""
                if a.kind == MEASUREMENT:
                    mode = {FULL_OR_ZERO: ("全有全无", "full_or_zero"), BANDED: ("分档", "banded"), DEDUCTION: ("扣分", "deduction")}[a.mode][
                        1 if lang == "en" else 0
                    ]
                descriptors = list(a.descriptors) + [""] * (4 - len(a.descriptors))
                ws.append(
                    [
                        crit.id,
                        crit.name,
                        pl[1] if lang == "en" else pl[0],
                        crit.standards_section,
                        _number(crit.mark),
                        sub.id,
                        sub.name,
                        a.id,
                        a.description,
                        a.kind,
                        _number(a.max_mark),
                        a.requirement,
                        mode,
                        _format_bands(a.bands) if a.mode == BANDED else "",
                        _number(a.deduction_step) if a.mode == DEDUCTION else None,
                        *descriptors[:4],
                    ]
                )
    ws.validate(DataValidation(type="list", formula1='"M,J,S"', allow_blank=False), f"J2:J{max(ws.rows, 2)}")

    en = lang == "en"
    st = book.sheet("设置" if not en else "Settings", widths={"A": 20})
    st.append([_SETTINGS["skill"][1 if en else 0], scheme.skill])
    if occupation_code:
        st.append([_SETTINGS["occupation_code"][1 if en else 0], occupation_code])
    st.append([_SETTINGS["total"][1 if en else 0], _number(scheme.total)])
    for part in (THEORY, PRACTICAL):
        st.append([_SETTINGS[f"weight:{part}"][1 if en else 0], _number(scheme.parts.get(part, Decimal(0)))])
    return book


_EXAMPLE_DESCRIPTORS = (
    ("低于行业标准", "below the industry standard"),
    ("达到行业标准", "meets the industry standard"),
    ("达到并部分超过行业标准", "meets and in parts exceeds it"),
    ("优秀，远超行业标准", "excellent, far beyond it"),
)


def example_scheme(skill: str = "", *, lang: str = "zh") -> MarkingScheme:
    """A small valid scheme (practical only, 100 marks) showing every kind of row: the example rows
    of the template, to overwrite."""
    en = lang.startswith("en")

    def w(zh: str, e: str) -> str:
        return e if en else zh

    descriptors = tuple(w(zh, e) for zh, e in _EXAMPLE_DESCRIPTORS)
    return MarkingScheme(
        skill=skill,
        total=DEFAULT_TOTAL,
        parts={THEORY: Decimal(0), PRACTICAL: Decimal(100)},
        criteria=(
            Criterion(
                id="A",
                name=w("方案设计", "Design"),
                part=PRACTICAL,
                standards_section="1",
                mark=Decimal(30),
                sub_criteria=(
                    SubCriterion(
                        "A1",
                        w("设计质量", "Quality of the design"),
                        (
                            Aspect("A1.1", w("方案结构合理", "The design is well structured"), JUDGEMENT, Decimal(15), descriptors=descriptors),
                            Aspect("A1.2", w("图纸标注完整", "The drawing is fully dimensioned"), MEASUREMENT, Decimal(15)),
                        ),
                    ),
                ),
            ),
            Criterion(
                id="B",
                name=w("制作工艺", "Making"),
                part=PRACTICAL,
                standards_section="2",
                mark=Decimal(70),
                sub_criteria=(
                    SubCriterion(
                        "B1",
                        w("尺寸精度", "Dimensions"),
                        (
                            Aspect(
                                "B1.1",
                                w("长度 100 mm", "Length 100 mm"),
                                MEASUREMENT,
                                Decimal(20),
                                mode=BANDED,
                                bands=(Band(Decimal("0.02"), Decimal(20)), Band(Decimal("0.05"), Decimal(10))),
                                requirement="100 ± 0.05",
                            ),
                            Aspect("B1.2", w("安全文明生产", "Safe working"), MEASUREMENT, Decimal(20), mode=DEDUCTION, deduction_step=Decimal(2)),
                        ),
                    ),
                    SubCriterion(
                        "B2", w("外观", "Finish"), (Aspect("B2.1", w("表面处理", "Surface finish"), JUDGEMENT, Decimal(30), descriptors=descriptors),)
                    ),
                ),
            ),
        ),
    )


#: What each column takes, for the template's instructions sheet (zh, en).
COLUMN_RULES: dict[str, tuple[str, str]] = {
    "criterion": (
        "评分模块编号，如 A、B、C；同一模块只在第一行填写也可（空格表示同上）",
        "Criterion id, e.g. A, B, C; a blank cell means the same as above",
    ),
    "criterion_name": ("模块名称", "The criterion's name"),
    "part": ("理论 或 实操（空白为实操）", "theory or practical (blank: practical)"),
    "standards_section": ("对应的技术标准章节（可空）", "Section of the standards specification (optional)"),
    "criterion_mark": (
        "模块配分（可空）；填写时须等于本模块各评分项配分之和",
        "Criterion mark (optional); when given, its aspects must add up to it",
    ),
    "sub_criterion": ("子标准编号，如 A1；空格表示同上", "Sub-criterion id, e.g. A1; a blank cell means the same as above"),
    "sub_criterion_name": ("子标准名称", "The sub-criterion's name"),
    "aspect": ("评分项编号，如 A1.1；空白时自动编号", "Aspect id, e.g. A1.1; numbered automatically when blank"),
    "description": ("评分项描述（必填）", "What is marked (required)"),
    "kind": ("M 测量、J 评价（0–3 分）或 S 主观评分", "M measurement, J judgement (scores 0–3) or S subjective"),
    "max_mark": ("配分（必填，大于 0）；各部分评分项配分之和须等于总分", "Max mark (required, above 0); each weighted part must add up to the total"),
    "requirement": ("评分要求或标准尺寸（可空）", "Requirement or nominal size (optional)"),
    "mode": (
        "测量项的评分方式：全有全无、分档 或 扣分（空白为全有全无）",
        "Measurement mode: full_or_zero, banded or deduction (blank: full or zero)",
    ),
    "bands": (
        "分档项的公差与得分，如 0.02:20; 0.05:10（最严一档得满分）",
        "Tolerance:mark pairs, e.g. 0.02:20; 0.05:10 (the tightest earns the max mark)",
    ),
    "deduction_step": ("扣分项每处扣分", "Marks lost per fault (deduction mode)"),
    "descriptor_0": ("评价项 0 分的描述（J 必填四条）", "Judgement score 0 descriptor (J needs all four)"),
    "descriptor_1": ("评价项 1 分的描述", "Judgement score 1 descriptor"),
    "descriptor_2": ("评价项 2 分的描述", "Judgement score 2 descriptor"),
    "descriptor_3": ("评价项 3 分的描述", "Judgement score 3 descriptor"),
}


def write_scheme_template(skill: str = "", occupation_code: str = "", *, lang: str = "zh") -> bytes:
    """A blank scheme workbook to fill in: the scheme sheet with example rows (to overwrite), the
    settings sheet naming the skill, and an instructions sheet explaining every column. Reading
    it back unchanged gives :func:`example_scheme` (the template is itself a valid scheme)."""
    from scoring.spreadsheet import Style

    en = lang.startswith("en")
    book = _scheme_book(example_scheme(skill, lang=lang), lang, occupation_code)
    help_ws = book.sheet("Instructions" if en else "填写说明", widths={"A": 22, "B": 12, "C": 90})
    help_ws.append(
        [
            "How to fill in this workbook" if en else "填写说明",
            "",
            "One row per aspect on the first sheet; the example rows show each kind and may be overwritten. "
            "The Settings sheet names the skill, the total (100) and the part weights."
            if en
            else "第一张表每行一个评分项；示例行展示各种类型，可直接覆盖。“设置”表填写项目名称、总分（100）和理论/实操权重。",
        ],
        Style(bold=True),
    )
    help_ws.append(["Column" if en else "列", "Required" if en else "必填", "What it takes" if en else "填写规则"], Style(bold=True))
    for col in COLUMNS:
        zh, e = COLUMN_RULES[col.key]
        help_ws.append([col.header(lang), ("yes" if en else "是") if col.required else "", e if en else zh])
    return bytes(book.save())


def _number(d: Decimal | None) -> int | float | None:
    """A decimal for a spreadsheet cell (Excel stores floats; the repr round-trips exactly)."""
    if d is None:
        return None
    return int(d) if d == d.to_integral_value() else float(d)
