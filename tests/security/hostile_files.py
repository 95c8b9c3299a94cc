"""Hostile spreadsheets, made cheaply: zip bombs (a 2 MB file whose sheet XML is gigabytes, with
honest or lying sizes in the zip directory), damaged zips, OLE (.xls) files, formula cells, sheets
of millions of blank rows or one cell at column XFD, and text in the wrong encoding."""

from __future__ import annotations

import io
import struct
import zlib
from functools import lru_cache

import openpyxl

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_TAIL = b"</sheetData></worksheet>"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class Raw:
    """An entry already deflated, with the sizes and CRC the zip directory should claim."""

    def __init__(self, deflated: bytes, size: int, crc: int):
        self.deflated, self.size, self.crc = deflated, size, crc


def make_zip(entries: dict[str, bytes | Raw], *, claim: dict[str, int] | None = None) -> bytes:
    """A zip written by hand, so an entry's declared uncompressed size can lie (``claim``)."""
    claim = claim or {}
    out = io.BytesIO()
    central = []
    for name, data in entries.items():
        if isinstance(data, Raw):
            body, size, crc = data.deflated, data.size, data.crc
        else:
            comp = zlib.compressobj(6, zlib.DEFLATED, -15)
            body, size, crc = comp.compress(data) + comp.flush(), len(data), zlib.crc32(data)
        size = claim.get(name, size)
        raw_name = name.encode()
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(body), size, len(raw_name), 0))
        out.write(raw_name)
        out.write(body)
        central.append(
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(body), size, len(raw_name), 0, 0, 0, 0, 0, offset)
            + raw_name
        )
    start = out.tell()
    for c in central:
        out.write(c)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def package(sheet: bytes | Raw, *, claim_sheet: int | None = None) -> bytes:
    entries = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": ROOT_RELS, "xl/workbook.xml": WORKBOOK,
               "xl/_rels/workbook.xml.rels": WORKBOOK_RELS, "xl/worksheets/sheet1.xml": sheet}  # fmt: skip
    return make_zip(entries, claim={"xl/worksheets/sheet1.xml": claim_sheet} if claim_sheet is not None else None)


@lru_cache(maxsize=4)
def bomb_sheet(unpacked: int, unit: bytes = b"<row/>") -> Raw:
    """Sheet XML of about ``unpacked`` bytes, deflated to about 1/700 of that in well under a second:
    one block of 6 MB of ``unit`` is compressed once (history flushed) and repeated."""
    chunk = unit * max(1, min(6 << 20, unpacked) // len(unit))
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = comp.compress(SHEET_HEAD) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    times = max(1, unpacked // len(chunk))
    tail = comp.compress(SHEET_TAIL) + comp.flush()
    # The CRC is left wrong on purpose: computing it costs seconds, and no reader gets that far.
    return Raw(head + block * times + tail, len(SHEET_HEAD) + len(chunk) * times + len(SHEET_TAIL), 0)


def bomb_xlsx(unpacked: int = 3 * 10**9, *, lie: bool = False) -> bytes:
    """A small .xlsx whose sheet unpacks to ``unpacked`` bytes. ``lie``: the zip directory claims
    the sheet is 5 KB, so only reading it can tell."""
    return package(bomb_sheet(unpacked), claim_sheet=5000 if lie else None)


def rows_xlsx(rows: list[str]) -> bytes:
    """A hand-made sheet from ``<row>`` XML strings (no <dimension>, as a hostile file would have)."""
    return package(SHEET_HEAD + "".join(rows).encode() + SHEET_TAIL)


def inline(ref: str, text: str) -> str:
    from xml.sax.saxutils import escape

    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def formula(ref: str, f: str, cached: str | None = None) -> str:
    """A formula cell, with or without the value Excel cached when it last calculated."""
    from xml.sax.saxutils import escape

    if cached is None:
        return f'<c r="{ref}"><f>{escape(f)}</f></c>'
    return f'<c r="{ref}" t="str"><f>{escape(f)}</f><v>{escape(cached)}</v></c>'


def workbook(rows: list[list[object]], title: str = "报名表") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def ole_xls() -> bytes:
    """The first bytes of an old Excel 97–2003 workbook (an OLE compound file)."""
    return OLE_MAGIC + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00" + b"\x00" * 480
