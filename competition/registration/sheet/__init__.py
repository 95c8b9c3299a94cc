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

Modules, each importing only modules listed before it: ``columns`` (the column definitions, header aliases and
value words) ← ``errors`` (``SheetError`` and the message texts) ← ``reading`` (``read_table``) ←
``validation`` (the data shapes, ``check_ids``, ``validate_rows``) ← ``template`` (``build_template``,
``export_registrations``). This package exposes the names the rest of the project uses.
"""

# pandas, numpy and openpyxl (a third of a second to import) load when a sheet is first read,
# validated or written, not at every start of the server and of each CLI command: the names of
# ``reading``, ``validation`` and ``template`` are looked up on first use (PEP 562).
import importlib
from typing import TYPE_CHECKING, Any

from competition.registration.sheet.columns import COLUMNS, KEYS, Column, match_header
from competition.registration.sheet.errors import SheetError

if TYPE_CHECKING:
    from competition.registration.sheet.reading import read_table
    from competition.registration.sheet.template import build_template, export_registrations
    from competition.registration.sheet.validation import (
        ImportContext,
        ImportReport,
        Issue,
        Registered,
        SkillOption,
        ValidRow,
        check_ids,
        frame_of,
        validate_rows,
    )

_LATER = {
    "read_table": "reading",
    "build_template": "template",
    "export_registrations": "template",
    **dict.fromkeys(
        ("ImportContext", "ImportReport", "Issue", "Registered", "SkillOption", "ValidRow", "check_ids", "frame_of", "validate_rows"), "validation"
    ),
}


def __getattr__(name: str) -> Any:
    module = _LATER.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "COLUMNS",
    "Column",
    "ImportContext",
    "ImportReport",
    "Issue",
    "KEYS",
    "Registered",
    "SheetError",
    "SkillOption",
    "ValidRow",
    "build_template",
    "check_ids",
    "export_registrations",
    "frame_of",
    "match_header",
    "read_table",
    "validate_rows",
]
