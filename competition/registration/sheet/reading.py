"""Reading an uploaded sheet: .xlsx or .csv bytes → a frame of stripped strings, one column per known field.

``read_table`` and its parts: the size, row and column limits (against zip bombs and sheets of
millions of empty rows), xlsx reading through openpyxl, CSV decoding (UTF-8, UTF-16, GB18030) and
delimiter guess, finding the header row among the top rows and mapping its texts to column keys.
``_clean`` is the cell cleaning it applies, which ``validation`` applies to frames made elsewhere.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
import zlib
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from competition.registration.sheet.columns import _IGNORE, COLUMN_BY_KEY, COLUMNS, REQUIRED, SHEET_NAME, match_header
from competition.registration.sheet.errors import SheetError, _m, _size

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


_STRIP_CHARS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + "\u200b\u200c\u200d\u2060\ufeff"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TEXT_EXTS = ("csv", "txt", "")
_XLSX_EXTS = ("xlsx", "xlsm")


def read_table(
    data: bytes, filename: str, *, max_bytes: int = DEFAULT_MAX_BYTES, max_rows: int = DEFAULT_MAX_ROWS, allow_unknown_columns: bool = False
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
        problems_en.append(
            "unknown column(s) " + ", ".join(f"'{u}'" for u in unknown) + " (known: " + ", ".join(f"{c.zh} {c.en}" for c in COLUMNS) + ")"
        )
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
