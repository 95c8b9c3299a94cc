"""No spreadsheet or CSV the system writes lets a stored text act as a formula.

Contestants, the skill, the event, the marking scheme, an approver and a strike reason are given
texts a spreadsheet program would run (``=HYPERLINK("http://x","y")``, ``+1``, ``-2+3``,
``@SUM(A1)``, a leading tab, ``=cmd|' /C calc'!A0``); the event then goes through scoring,
results, approval and certificates, and every export is downloaded over HTTP: the registration
template and export, the results book (event and skill), the proposals, the marking scheme, the
promotion ledger and the certificates ZIP's 清单.csv. Read back with openpyxl, no cell of any
workbook is a formula, every text that starts like one carries Excel's quote prefix, and the
texts are there as written; in the CSV every such text is prefixed with an apostrophe. Numbers
(marks, totals, ranks) are still numbers.

Before ``scoring.spreadsheet``, the results book, the proposals, the ledger and the manifest
wrote these texts as they came: openpyxl stores a string starting with ``=`` as a formula.
"""

from __future__ import annotations

import asyncio
import copy
import csv
import io
import zipfile
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from harness import Client, account, unique

FORMULAS = {
    "name": '=HYPERLINK("http://x","y")',
    "employer": "+1",
    "delegation": "-2+3",
    "at": "@SUM(A1)",
    "skill": "=cmd|' /C calc'!A0",
    "event": "@事件",
    "criterion": "=1+1",
    "sub_criterion": "-A1",
    "aspect": "+拓扑",
    "approver": '=HYPERLINK("http://evil","点我")',
    "strike": "=cmd|' /C calc'!A0 理由",
}
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
WINDOWS = {"notice_hours": 0.0003, "appeal_window_hours": 0.0003}  # about a second each


def _ok(r, *codes: int) -> Any:
    assert r.status_code in (codes or (200, 201)), f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:300]}"
    return r.json()


def _scheme() -> dict:
    import live_world

    scheme = copy.deepcopy(live_world.SCHEME)
    scheme["criteria"][0]["name"] = FORMULAS["criterion"]
    scheme["criteria"][0]["sub_criteria"][0]["name"] = FORMULAS["sub_criterion"]
    scheme["criteria"][0]["sub_criteria"][0]["aspects"][0]["description"] = FORMULAS["aspect"]
    return scheme


@pytest.fixture(scope="module")
async def exports(server):
    """Every export of an event full of formula-like texts, downloaded over HTTP: {name: bytes}."""
    import live_world
    from results_world import VALUES, decrypt, score_all, sign_off, wait_until

    w = await live_world.build(server, contestants=len(VALUES), scheme=_scheme())
    admin, e, s = w.admin, w.event["id"], w.skill["id"]
    g = w.skill["groups"][0]["id"]
    _ok(await admin.patch(f"/api/events/{e}", json={"tier": "provincial", "tier_class": "class2", "name": FORMULAS["event"]}))
    _ok(await admin.put(f"/api/events/{e}/preset", json={"overrides": {"results": WINDOWS}}))
    _ok(await admin.patch(f"/api/events/{e}/skills/{s}", json={"name": FORMULAS["skill"]}))
    people = _ok(await admin.get(f"/api/events/{e}/contestants", params={"limit": 100}))["items"]
    hostile = {"name": FORMULAS["name"], "employer": FORMULAS["employer"], "delegation": FORMULAS["delegation"]}
    for p in people:
        if p["name"] == "选手0":  # the winner: in the results, proposals, ledger and certificates
            _ok(await admin.patch(f"/api/events/{e}/contestants/{p['id']}", json=hostile))
        elif p["name"] == "选手1":
            _ok(await admin.patch(f"/api/events/{e}/contestants/{p['id']}", json={"employer": FORMULAS["at"]}))
    await score_all(w, VALUES)
    organiser = await account(admin, server, e, "organiser")
    r = await admin.post(
        f"/api/events/{e}/accounts",
        json={"display_name": FORMULAS["approver"], "role": "approver", "username": unique("approver-").lower(), "password": "password-123"},
    )
    _ok(r)
    approver = Client(server.base_url)
    await approver.login(r.json()["username"], "password-123")

    await sign_off(w)
    await decrypt(w)
    group = f"/api/events/{e}/skills/{s}/groups/{g}"
    flow = _ok(await organiser.post(f"{group}/results/provisional"))
    await wait_until(flow["release"]["appeal_ends_at"])
    await wait_until(flow["release"]["notice_ends_at"])
    _ok(await organiser.post(f"{group}/results/final"))
    proposals = _ok(await approver.get(f"/api/events/{e}/proposals"))
    items = proposals["items"] if isinstance(proposals, dict) else proposals
    last = max(items, key=lambda p: p["id"])
    _ok(await approver.post(f"/api/events/{e}/proposals/{last['id']}/strike", json={"reason": FORMULAS["strike"]}))
    _ok(await approver.post(f"/api/events/{e}/proposals/approve", json={}))
    _ok(await organiser.post(f"/api/events/{e}/certificates/issue"), 200, 201, 202)
    for _ in range(240):
        batches = _ok(await organiser.get(f"/api/events/{e}/certificates/batches"))
        if batches and all(b["status"] != "running" for b in batches):
            break
        await asyncio.sleep(0.25)

    downloads = {
        "registration template": f"/api/events/{e}/registration/template",
        "registration export": f"/api/events/{e}/registration/export",
        "registration export (en)": f"/api/events/{e}/registration/export?lang=en",
        "results book": f"/api/events/{e}/results/export",
        "results book of the skill (en)": f"/api/events/{e}/skills/{s}/results/export?lang=en",
        "proposals": f"/api/events/{e}/proposals/export",
        "marking scheme": f"/api/events/{e}/skills/{s}/scheme/export",
        "marking scheme (en)": f"/api/events/{e}/skills/{s}/scheme/export?lang=en",
        "ledger": f"/api/events/{e}/ledger.xlsx",
        "certificates": f"/api/events/{e}/certificates.zip",
    }
    out = {}
    for name, url in downloads.items():
        client = approver if name == "proposals" else organiser
        r = await client.get(url)
        assert r.status_code == 200, f"{name}: {r.status_code} {r.text[:300]}"
        out[name] = r.content
    for c in (organiser, approver):
        await c.aclose()
    await w.close()
    return out


def _cells(content: bytes) -> list[Any]:
    wb = openpyxl.load_workbook(io.BytesIO(content))  # not data_only: a formula would show as one
    return [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None]


def _texts(content: bytes) -> set[str]:
    return {c.value for c in _cells(content) if isinstance(c.value, str)}


@pytest.mark.parametrize("name", ["registration template", "registration export", "registration export (en)", "results book",
                                  "results book of the skill (en)", "proposals", "marking scheme", "marking scheme (en)", "ledger"])  # fmt: skip
def test_no_workbook_cell_is_a_formula(exports, name):
    cells = _cells(exports[name])
    formulas = [(c.parent.title, c.coordinate, c.value) for c in cells if c.data_type == "f"]
    assert not formulas, f"{name}: formulas {formulas[:5]}"
    unprotected = [
        (c.parent.title, c.coordinate, c.value) for c in cells if isinstance(c.value, str) and c.value.startswith(TRIGGERS) and not c.quotePrefix
    ]
    assert not unprotected, f"{name}: formula-like text without the quote prefix {unprotected[:5]}"


#: Which of the texts each export must show, unchanged.
EXPECTED = {
    "registration template": ["skill"],
    "registration export": ["name", "employer", "delegation", "at", "skill"],
    "registration export (en)": ["name", "employer", "delegation", "at", "skill"],
    "results book": ["name", "employer", "delegation", "at", "skill"],
    "results book of the skill (en)": ["name", "employer", "delegation", "skill"],
    "proposals": ["name", "employer", "delegation", "skill", "approver", "strike"],
    "marking scheme": ["criterion", "sub_criterion", "aspect"],
    "marking scheme (en)": ["criterion", "aspect"],
    "ledger": ["name", "event"],
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_the_texts_survive_as_written(exports, name):
    texts = _texts(exports[name])
    joined = "\n".join(texts)
    for key in EXPECTED[name]:
        assert FORMULAS[key] in texts or FORMULAS[key] in joined, f"{name}: {FORMULAS[key]!r} is missing"


def test_numbers_stay_numbers(exports):
    wb = openpyxl.load_workbook(io.BytesIO(exports["results book"]))
    ws = wb.worksheets[0]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    header = rows[0]
    total = header.index("总成绩")
    totals = [r[total] for r in rows[1:]]
    assert totals and all(isinstance(v, (int, float)) for v in totals), totals
    assert all(isinstance(r[0], int) for r in rows[1:] if r[0] is not None and not isinstance(r[0], str)), [r[0] for r in rows[1:]]
    scheme = openpyxl.load_workbook(io.BytesIO(exports["marking scheme"])).worksheets[0]
    marks = [row[10].value for row in scheme.iter_rows(min_row=2)]
    assert marks and all(isinstance(m, (int, float)) for m in marks), marks


def test_the_certificates_manifest_csv_quotes_formula_like_text(exports):
    zf = zipfile.ZipFile(io.BytesIO(exports["certificates"]))
    text = zf.read("清单.csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["证书编号", "证书类型", "姓名"] and len(rows) > 1
    fields = [f for r in rows for f in r]
    assert not [f for f in fields if f.startswith(TRIGGERS)], [f for f in fields if f.startswith(TRIGGERS)][:5]
    for key in ("name", "skill"):
        assert "'" + FORMULAS[key] in fields, f"{FORMULAS[key]!r} should be in the manifest as '{FORMULAS[key]}"


def test_the_writer_itself():
    """``scoring.spreadsheet`` on what no stored field keeps (names and texts are trimmed when
    stored, so a leading tab or CR only reaches it from elsewhere) and on numbers."""
    from scoring.spreadsheet import Book, Style, csv_bytes

    values = ["\tcmd", "\rcr", "=1+1", "-2+3", "@A1", "plain", "a\x01b", -2, Decimal("-2.5"), 3.25, None, True]
    book = Book()
    sheet = book.sheet("=sheet", widths=[10, 12], freeze="A2")
    sheet.append(values)
    sheet.append(values, Style(bold=True, text=True))
    ws = openpyxl.load_workbook(io.BytesIO(book.save()))["=sheet"]
    for row in ws.iter_rows():
        got = [c.value for c in row]
        # XML reads a carriage return back as a line feed (openpyxl writes it bare).
        assert got[:7] == ["\tcmd", got[1], "=1+1", "-2+3", "@A1", "plain", "ab"] and got[1] in ("\rcr", "\ncr"), got
        assert all(c.data_type == "s" and c.quotePrefix for c in row[:5]) and not row[5].quotePrefix
        assert got[7:10] == [-2, -2.5, 3.25] and all(c.data_type == "n" for c in row[7:10]), got
        assert got[11] is True
    assert ws["A2"].font.bold and ws["A2"].number_format == "@" and ws.freeze_panes == "A2"

    rows = list(csv.reader(io.StringIO(csv_bytes([values]).decode("utf-8-sig"), newline="")))
    assert rows == [["'\tcmd", "'\rcr", "'=1+1", "'-2+3", "'@A1", "plain", "ab", "-2", "-2.5", "3.25", "", "True"]], rows
