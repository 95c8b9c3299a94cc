"""Hostile spreadsheets against the two importers — registration
(``POST /api/events/{e}/registration/import``) and marking scheme
(``POST /api/events/{e}/skills/{s}/scheme/import``) — and formulas against the exports.

Every hostile file is refused with a 4xx and a message, quickly and without the server's memory
growing past a bound, and nothing is half-stored: zip bombs (gigabytes declared; gigabytes hidden
behind a lying zip directory; 110 MB of empty rows in 150 KB), damaged zips, a cell at column XFD,
empty files, old .xls (OLE) files, CSV in UTF-16 without a BOM, Shift-JIS and binary junk, and
Hypothesis' mutations of a valid workbook (truncations, flipped bytes).

Formula cells are never evaluated on import, and text that looks like a formula
(``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``, ``+1+1``, ``-2+3``, ``@SUM(A1)``) is exported as text
(string cell with Excel's quote-prefix flag), never as a formula.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import itertools
import re
import time
import zipfile
from pathlib import Path

import hostile_files as H
import openpyxl
import pytest
from harness import Client, new_event, new_skill, unique
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.idcard import make_id

HEADERS = ["姓名", "身份证号", "竞赛项目", "组别", "工作单位/学校", "代表队", "现职业技能等级", "手机号"]
FORMULA_TEXTS = ['=HYPERLINK("http://evil.example/","点击")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A2)", "=1+1"]
_seq = itertools.count(1)


def person_row(skill_name: str, **over) -> list[str]:
    n = next(_seq)
    row = {"name": f"测试{n}", "id": make_id("440106", dt.date(1992, 1, 1) + dt.timedelta(days=n * 7), n % 500, "M"),
           "skill": skill_name, "group": "职工组", "employer": f"测试单位{n}", "delegation": "广州市代表队",
           "level": "学徒工", "phone": f"139{n:08d}"} | over  # fmt: skip
    return [row["name"], row["id"], row["skill"], row["group"], row["employer"], row["delegation"], row["level"], row["phone"]]


def rss_peak_mb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0


@pytest.fixture(scope="module")
async def world(sqlite_server):
    admin = Client(sqlite_server.base_url)
    await admin.login("admin", "admin-password-123")
    event = await new_event(admin)
    skill = await new_skill(admin, event["id"], groups=["employee"])
    yield {"admin": admin, "server": sqlite_server, "e": event["id"], "s": skill["id"], "skill": skill}
    await admin.aclose()


async def _count(admin: Client, e: int) -> int:
    return (await admin.get(f"/api/events/{e}/contestants", params={"limit": 1})).json()["total"]


async def _import(admin: Client, e: int, filename: str, content: bytes, mode: str = "all"):
    started = time.monotonic()
    r = await admin.post(f"/api/events/{e}/registration/import?mode={mode}", files={"file": (filename, content)})
    return r, time.monotonic() - started


def _hostile_registration_files(skill_name: str) -> list[tuple[str, str, bytes, str | tuple[str, ...]]]:
    """(case, filename, content, expected error code or codes)."""
    valid = H.workbook([HEADERS, person_row(skill_name)])
    csv_utf16_no_bom = ("\n".join([",".join(HEADERS), ",".join(person_row(skill_name))]) + "\n").encode("utf-16-le")
    header_cells = "".join(H.inline(f"{chr(65 + i)}1", h) for i, h in enumerate(HEADERS))
    return [
        ("empty", "报名表.xlsx", b"", "empty_file"),
        ("empty csv", "报名表.csv", b"", "empty_file"),
        ("old xls (OLE)", "报名表.xls", H.ole_xls(), "old_xls"),
        ("xls renamed xlsx", "报名表.xlsx", H.ole_xls(), "old_xls"),
        ("truncated zip", "报名表.xlsx", valid[: len(valid) // 2], "not_spreadsheet"),
        ("zip header then junk", "报名表.xlsx", b"PK\x03\x04" + bytes(range(256)) * 8, "not_spreadsheet"),
        ("zip without a workbook", "报名表.xlsx", H.make_zip({"hello.txt": b"hi"}), "not_spreadsheet"),
        ("zip bomb: 3 GB sheet", "报名表.xlsx", H.bomb_xlsx(3 * 10**9), "too_large"),
        ("zip bomb behind a lying directory", "报名表.xlsx", H.bomb_xlsx(2 * 10**9, lie=True), "unreadable"),
        ("110 MB of empty rows", "报名表.xlsx", H.package(H.bomb_sheet(110 * 10**6)), "too_many_rows"),
        ("a cell at XFD", "报名表.xlsx", H.rows_xlsx([f'<row r="1">{header_cells}{H.inline("XFD1", "x")}</row>']
                                                      + [f'<row r="{n}">{H.inline(f"A{n}", "y")}</row>' for n in range(2, 3000)]), "too_many_columns"),
        ("60,000 rows", "报名表.csv", ("\n".join([",".join(HEADERS)] + [",".join(person_row(skill_name))] * 60_000)).encode(), "too_many_rows"),
        ("UTF-16 without BOM", "报名表.csv", csv_utf16_no_bom, ("bad_encoding", "not_spreadsheet")),
        ("Shift-JIS", "報名表.csv", "氏名,身分証番号,競技種目\n山田太郎,123,溶接\n".encode("shift_jis"), "no_header"),
        ("binary junk as csv", "报名表.csv", bytes((i * 97 + 13) % 256 for i in range(4000)), ("bad_encoding", "not_spreadsheet")),
        ("binary junk, unknown type", "报名表.bin", bytes(range(256)) * 4, "not_spreadsheet"),
        # Formulas are not evaluated: without a cached value the cells are empty (name and ID missing).
        ("formula cells without values", "报名表.xlsx", H.rows_xlsx([f'<row r="1">{header_cells}</row>', '<row r="2">'
            + H.formula("A2", "1+1") + H.formula("B2", "HYPERLINK(\"http://evil\",\"x\")")
            + "".join(H.inline(f"{c}2", v) for c, v in zip("CDEFGH", person_row(skill_name)[2:])) + "</row>"]), "missing"),
    ]  # fmt: skip


async def test_hostile_registration_files_are_refused_and_nothing_is_stored(world):
    admin, e, server = world["admin"], world["e"], world["server"]
    before = await _count(admin, e)
    problems = []
    for case, filename, content, code in _hostile_registration_files(world["skill"]["name"]):
        r, took = await _import(admin, e, filename, content)
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        got = body.get("code") or (body.get("errors") or body.get("detail") or [{}])[0].get("code")
        if not (400 <= r.status_code < 500) or not body.get("message") and not body.get("errors"):
            problems.append(f"{case}: {r.status_code} {r.text[:200]}")
        elif got not in ((code,) if isinstance(code, str) else code):
            problems.append(f"{case}: code {got!r}, expected {code!r}: {r.text[:200]}")
        if took > 5:
            problems.append(f"{case}: took {took:.1f}s")
    assert not problems, "\n".join(problems)
    assert await _count(admin, e) == before, "a refused file stored something"
    assert rss_peak_mb(server.proc.pid) < 1000, "the server's memory peaked past 1 GB"
    assert (await admin.get("/health")).status_code == 200


async def test_a_half_valid_sheet_stores_nothing_in_mode_all(world):
    admin, e, name = world["admin"], world["e"], world["skill"]["name"]
    before = await _count(admin, e)
    rows = [HEADERS, person_row(name), person_row(name), person_row(name, phone="12345")]
    r, _ = await _import(admin, e, "报名表.xlsx", H.workbook(rows))
    assert r.status_code == 422 and r.json().get("refused") is True, r.text
    assert await _count(admin, e) == before


async def test_utf16_and_gbk_csv_are_read(world):
    admin, e, name = world["admin"], world["e"], world["skill"]["name"]
    text = "\n".join([",".join(HEADERS), ",".join(person_row(name))]) + "\n"
    for encoding in ("utf-16", "gbk", "utf-8-sig"):
        r, _ = await _import(admin, e, "报名表.csv", text.encode(encoding), mode="check")
        assert r.status_code == 200 and r.json()["counts"]["new"] == 1, (encoding, r.text[:300])


async def test_formulas_are_never_evaluated_nor_exported_as_formulas(world):
    admin, e, name = world["admin"], world["e"], world["skill"]["name"]
    # Text that looks like formulas, typed as text (what Excel stores for '=…), in every text column.
    rows = [HEADERS]
    for i, f in enumerate(FORMULA_TEXTS):
        rows.append(person_row(name, name=f"{f}"[:50], employer=f, delegation=FORMULA_TEXTS[-1 - i]))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "报名表"
    for row in rows:
        ws.append(row)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that starts with "=", not a formula
    buf = io.BytesIO()
    wb.save(buf)
    r, _ = await _import(admin, e, "报名表.xlsx", buf.getvalue(), mode="all")
    assert r.status_code == 200, r.text[:500]
    assert r.json()["stored"]["created"] == len(FORMULA_TEXTS)
    listed = (await admin.get(f"/api/events/{e}/contestants", params={"limit": 1000})).json()["items"]
    employers = {c["employer"] for c in listed}
    assert set(FORMULA_TEXTS) <= employers, "formula-looking text was not stored as typed"

    export = await admin.get(f"/api/events/{e}/registration/export")
    assert export.status_code == 200
    found = _formula_cells(export.content)
    assert not found, f"exported as formulas: {found[:5]}"
    wb = openpyxl.load_workbook(io.BytesIO(export.content))
    texts = {c.value for row in wb.active.iter_rows() for c in row if isinstance(c.value, str)}
    assert set(FORMULA_TEXTS) <= texts, "the export changed the text"
    flagged = [c for row in wb.active.iter_rows() for c in row if isinstance(c.value, str) and c.value in FORMULA_TEXTS]
    assert flagged and all(c.quotePrefix for c in flagged), "formula-looking text must carry Excel's quote prefix"
    # The export re-imports as unchanged: nothing about the escaping leaks into the values.
    r, _ = await _import(admin, e, "报名表.xlsx", export.content, mode="check")
    assert r.status_code == 200 and r.json()["counts"]["update"] == 0, r.text[:500]


def _formula_cells(content: bytes) -> list[str]:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return [f"{ws.title}!{c.coordinate}={c.value}" for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]


async def test_every_spreadsheet_download_writes_text_not_formulas(world):
    """Every .xlsx the API serves for the event (found from the OpenAPI document), after storing
    formula-looking names: no cell is a formula."""
    admin, e, s = world["admin"], world["e"], world["s"]
    await admin.patch(f"/api/events/{e}/skills/{s}", json={"industry_cluster": '=HYPERLINK("http://evil")'})
    from live_world import SCHEME

    scheme = {**SCHEME, "criteria": [{**SCHEME["criteria"][0], "name": "=cmd|' /C calc'!A0"}, *SCHEME["criteria"][1:]]}
    assert (await admin.put(f"/api/events/{e}/skills/{s}/scheme", json={"scheme": scheme})).status_code == 200
    spec = (await admin.get("/schema/openapi.json")).json()
    values = {"event_id": e, "skill_id": s, "group_id": world["skill"]["groups"][0]["id"]}
    checked = []
    for path, ops in spec["paths"].items():
        names = set(re.findall(r"\{(\w+)\}", path))
        if "get" not in ops or not names or not names <= values.keys():
            continue
        r = await admin.get(re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path))
        kind = r.headers.get("content-type", "")
        if r.status_code != 200:
            continue
        if "spreadsheetml" in kind:
            checked.append(path)
            assert not _formula_cells(r.content), f"{path} writes formulas: {_formula_cells(r.content)[:5]}"
        elif "zip" in kind:
            checked.append(path)
            with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
                for name in zf.namelist():
                    if name.endswith(".csv"):
                        cells = [c for row in csv.reader(io.StringIO(zf.read(name).decode("utf-8-sig"))) for c in row]
                        bad = [c for c in cells if c.startswith(("=", "+", "-", "@"))]
                        assert not bad, f"{path} → {name}: cells a spreadsheet would run as formulas: {bad[:5]}"
    assert "/api/events/{event_id}/registration/export" in checked and "/api/events/{event_id}/skills/{skill_id}/scheme/export" in checked, checked
    print(f"\nspreadsheet downloads checked: {checked}")


# ----------------------------------------------------------------------------- marking schemes


def _hostile_scheme_files(valid: bytes) -> list[tuple[str, bytes]]:
    return [
        ("empty", b""),
        ("old xls (OLE)", H.ole_xls()),
        ("csv", "评分模块,子标准编号\nA,A1\n".encode()),
        ("truncated", valid[: len(valid) // 2]),
        ("zip header then junk", b"PK\x03\x04" + bytes(range(256)) * 8),
        ("zip without a workbook", H.make_zip({"hello.txt": b"hi"})),
        ("zip bomb: 3 GB sheet", H.bomb_xlsx(3 * 10**9)),
        ("zip bomb behind a lying directory", H.bomb_xlsx(2 * 10**9, lie=True)),
        ("110 MB of empty rows", H.package(H.bomb_sheet(110 * 10**6))),
        ("4 MB of empty rows", H.package(H.bomb_sheet(4 * 10**6, b'<row r="1"/>'))),
        ("formula cells without values", H.rows_xlsx(['<row r="1">' + "".join(H.inline(f"{c}1", h) for c, h in zip("ABCDE", ["评分模块", "子标准编号", "评分项描述", "类型", "配分"])) + "</row>",
                                                       '<row r="2">' + H.formula("A2", "cmd|' /C calc'!A0") + H.formula("B2", "1+1") + H.formula("C2", "HYPERLINK(\"x\")") + "</row>"])),
    ]  # fmt: skip


async def test_hostile_scheme_files_are_refused_and_nothing_is_stored(world):
    from live_world import SCHEME

    from scoring.scheme import scheme_from_dict
    from scoring.scheme_xlsx import write_scheme_xlsx

    admin, e, server = world["admin"], world["e"], world["server"]
    skill = await new_skill(admin, e, name=unique("评分标准"), groups=["employee"])
    url = f"/api/events/{e}/skills/{skill['id']}/scheme"
    assert (await admin.put(url, json={"scheme": SCHEME})).status_code == 200
    version = (await admin.get(url)).json()["version"]
    problems = []
    for case, content in _hostile_scheme_files(write_scheme_xlsx(scheme_from_dict(SCHEME))):
        started = time.monotonic()
        r = await admin.post(url + "/import", files={"file": ("评分标准.xlsx", content)})
        took = time.monotonic() - started
        if r.status_code != 422 or r.json().get("code") != "invalid_scheme_file" or not r.json().get("message"):
            problems.append(f"{case}: {r.status_code} {r.text[:200]}")
        if took > 5:
            problems.append(f"{case}: took {took:.1f}s")
    # A form without a file at all: 400, not a server error.
    r = await admin.post(url + "/import", files={"note": (None, "no file here")})
    if r.status_code != 400:
        problems.append(f"form without a file: {r.status_code} {r.text[:200]}")
    assert not problems, "\n".join(problems)
    assert (await admin.get(url)).json()["version"] == version, "a refused file changed the scheme"
    assert rss_peak_mb(server.proc.pid) < 1000


# ----------------------------------------------------------------------------- mutations


def _mutations(valid: bytes):
    positions = st.integers(min_value=0, max_value=len(valid) - 1)
    return st.one_of(
        positions.map(lambda n: valid[:n]),  # truncated
        st.lists(st.tuples(positions, st.integers(0, 255)), min_size=1, max_size=8).map(
            lambda flips: bytes(b if i not in dict(flips) else dict(flips)[i] for i, b in enumerate(valid))
        ),  # flipped bytes
        st.binary(min_size=1, max_size=2000).map(lambda junk: b"PK\x03\x04" + junk),
    )


async def test_mutated_workbooks_never_cause_a_server_error(world):
    from live_world import SCHEME

    from scoring.scheme import scheme_from_dict
    from scoring.scheme_xlsx import write_scheme_xlsx

    admin, e = world["admin"], world["e"]
    skill = await new_skill(admin, e, name=unique("变异"), groups=["employee"])
    registration = H.workbook([HEADERS, person_row(world["skill"]["name"]), person_row(world["skill"]["name"])])
    scheme = write_scheme_xlsx(scheme_from_dict(SCHEME))
    base = world["server"].base_url
    cookies = dict(admin.http.cookies)
    headers = {"X-CSRFToken": cookies.get("csrftoken", ""), "Accept": "application/json"}
    seen: dict[int, int] = {}

    def run() -> None:
        import httpx

        with httpx.Client(base_url=base, cookies=cookies, headers=headers, timeout=30) as http:
            for url, valid in ((f"/api/events/{e}/registration/import?mode=check", registration),
                               (f"/api/events/{e}/skills/{skill['id']}/scheme/import", scheme)):  # fmt: skip

                @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
                @given(content=_mutations(valid))
                def one(content: bytes) -> None:
                    r = http.post(url, files={"file": ("x.xlsx", content)})
                    seen[r.status_code] = seen.get(r.status_code, 0) + 1
                    assert r.status_code < 500, (url, r.status_code, r.text[:300])
                    assert r.headers["content-type"].startswith("application/json")

                one()

    await asyncio.to_thread(run)
    assert (await admin.get("/health")).status_code == 200
    print(f"\nmutated workbooks: statuses {seen}")
