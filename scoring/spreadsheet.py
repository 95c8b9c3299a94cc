"""Formula-safe spreadsheets: every .xlsx and .csv the system writes is written through here.

Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to a
spreadsheet program, or becomes one when a CSV is opened or the cell is edited: a contestant
named ``=HYPERLINK("http://x","y")`` or an employer ``=cmd|' /C calc'!A0`` would run in the
organiser's Excel. So every text value goes through one rule:

- .xlsx (:class:`Book`): a string cell with Excel's own quote prefix (what typing ``'=1+1`` does):
  shown and re-read as the same text, never evaluated, still text after editing or saving as
  CSV. Characters an .xlsx cannot hold (C0 controls other than tab, LF, CR) are dropped.
- .csv (:func:`csv_row`, :func:`csv_bytes`): the text with a leading apostrophe (the usual CSV
  rule: the program shows it as text, visibly prefixed).

Numbers stay numbers (int, float, Decimal; a negative number is a number, not text), as do dates
and booleans. Workbooks are write-only (streamed, a few kilobytes of memory per sheet).

This module imports nothing of the project and loads openpyxl only when a book is built, so the
pure scoring core (the marking-scheme export) uses it as well as the features do.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

__all__ = ["BOLD", "FORMULA_TRIGGERS", "Book", "Sheet", "Style", "Styled", "clean_text", "csv_bytes", "csv_row", "is_formula_like"]

#: A text starting with one of these is (or becomes) a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Characters an .xlsx cannot hold (openpyxl refuses them with IllegalCharacterError).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NUMBERS = (int, float, Decimal)


def clean_text(text: str) -> str:
    """``text`` without the control characters a workbook cannot hold."""
    return _ILLEGAL.sub("", text)


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


# ------------------------------------------------------------------------------------- CSV


def csv_value(value: Any) -> Any:
    """One CSV field: numbers as they are, text cleaned and, if it could act as a formula,
    prefixed with an apostrophe; None is empty."""
    if value is None:
        return ""
    if isinstance(value, bool) or isinstance(value, _NUMBERS):
        return value
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    text = clean_text(str(value))
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_row(writer: Any, values: Iterable[Any]) -> None:
    """``writer.writerow`` (a ``csv.writer``) with every field through :func:`csv_value`."""
    writer.writerow([csv_value(v) for v in values])


def csv_bytes(rows: Iterable[Iterable[Any]], *, bom: bool = True) -> bytes:
    """Rows as UTF-8 CSV; with a byte-order mark by default, so Excel opens it as UTF-8."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    for row in rows:
        csv_row(writer, row)
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")


# ------------------------------------------------------------------------------------ .xlsx


@dataclass(frozen=True)
class Style:
    """How a cell looks: ``text`` formats it as text (``@``: ID numbers keep their digits)."""

    bold: bool = False
    size: float | None = None
    fill: str | None = None  # solid fill, RRGGBB
    align: str | None = None  # "center", or "wrap" (wrapped, vertically centred)
    text: bool = False


@dataclass(frozen=True)
class Styled:
    """A value with its own style, inside a row given to :meth:`Sheet.append`."""

    value: Any
    style: Style


BOLD = Style(bold=True)


@lru_cache(maxsize=64)
def _parts(style: Style) -> dict[str, Any]:
    # openpyxl style objects are immutable values: one per distinct Style, shared by its cells.
    from openpyxl.styles import Alignment, Font, PatternFill

    out: dict[str, Any] = {}
    if style.bold or style.size:
        out["font"] = Font(bold=style.bold, size=style.size)
    if style.fill:
        out["fill"] = PatternFill("solid", fgColor=style.fill)
    if style.align == "center":
        out["alignment"] = Alignment(horizontal="center")
    elif style.align == "wrap":
        out["alignment"] = Alignment(wrap_text=True, vertical="center")
    if style.text:
        out["number_format"] = "@"
    return out


class Sheet:
    """A sheet of a :class:`Book`, written row by row."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.rows = 0

    def cell(self, value: Any, style: Style | None = None) -> Any:
        """What ``ws.append`` gets for one value: the value itself when it needs nothing, else a
        cell with its style and, for text that could act as a formula, the quote prefix."""
        if isinstance(value, Styled):
            value, style = value.value, value.style
        quote = False
        if isinstance(value, str):
            value = clean_text(value)
            quote = value.startswith(FORMULA_TRIGGERS)
        if style is None and not quote:
            return value
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(self.ws, value=value)
        if quote:
            cell.data_type = "s"  # the value setter took "=…" for a formula
            cell.quotePrefix = True
        for name, part in _parts(style or Style()).items():
            setattr(cell, name, part)
        return cell

    def append(self, values: Iterable[Any], style: Style | None = None) -> None:
        """One row; ``style`` for every cell of it (a :class:`Styled` value has its own)."""
        self.ws.append([self.cell(v, style) for v in values])
        self.rows += 1

    def validate(self, validation: Any, cells: str) -> None:
        """An openpyxl ``DataValidation`` (a dropdown list) on ``cells`` (``"J2:J40"``)."""
        validation.add(cells)
        self.ws.data_validations.append(validation)

    def column_format(self, column: int, style: Style) -> None:
        """A whole column's default format (for cells typed in later, as in a template); before
        the sheet's first row, which writes the columns out."""
        if self.rows:
            raise RuntimeError("column_format after the first row has no effect on a write-only sheet")
        from openpyxl.utils import get_column_letter

        dim = self.ws.column_dimensions[get_column_letter(column)]
        for name, part in _parts(style).items():
            setattr(dim, name, part)


class Book:
    """A write-only workbook whose every cell goes through the formula rule (see the module).

    ``book.sheet(title, widths=…)`` → ``sheet.append([...])`` … → ``book.save()`` gives the bytes.
    Sheets appear in the order made; each is streamed, so rows cannot be revisited.
    """

    def __init__(self) -> None:
        from openpyxl import Workbook

        self.wb = Workbook(write_only=True)

    def sheet(
        self, title: str, *, widths: Mapping[int | str, float] | Sequence[float] = (), freeze: str | None = None, hidden: bool = False
    ) -> Sheet:
        """A new sheet; ``widths`` by column number (from 1) or letter, or in order from A."""
        from openpyxl.utils import get_column_letter

        ws = self.wb.create_sheet(title)
        items = widths.items() if isinstance(widths, Mapping) else enumerate(widths, start=1)
        for column, width in items:
            ws.column_dimensions[column if isinstance(column, str) else get_column_letter(column)].width = width
        if freeze:
            ws.freeze_panes = freeze
        if hidden:
            ws.sheet_state = "hidden"
        return Sheet(ws)

    def save(self) -> bytes:
        buf = io.BytesIO()
        self.wb.save(buf)
        return buf.getvalue()
