"""Certificates through the HTTP API of a real server, on SQLite and on PostgreSQL (two workers
sharing Redis when it is there): concurrent issuance, verification, revocation, a holder's
download, the organisers' ZIP, the ledger and its export, and the pages.

The server's database is the test's own, seeded before the server starts (see ``certificates_world``).
"""

from __future__ import annotations

import asyncio
import csv
import io
import zipfile
from collections import Counter

import pytest
from certificates_world import expected_counts, seeded_server
from harness import ADMIN_PASSWORD, REDIS_URL, Client, _port_open, account, need_postgres, sql
from openpyxl import load_workbook


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def cs(request, tmp_path_factory):
    kind = request.param
    extra: dict[str, str] = {}
    workers = 1
    if kind == "postgres":
        need_postgres()  # skips (or fails in CI) without PostgreSQL; the test creates its own database
        if _port_open("127.0.0.1", 6379):
            extra["REDIS_URL"], workers = REDIS_URL, 2
    server, db, worlds = await seeded_server(tmp_path_factory.mktemp(f"cert-http-{kind}"), kind, "http", workers=workers, **extra)
    admin = Client(server.base_url)
    await admin.login("admin", ADMIN_PASSWORD)
    world = worlds[0]
    state = {"server": server, "admin": admin, "world": world, "e": world.event["id"], "db": db}
    state["organiser"] = await account(admin, server, state["e"], "organiser")
    yield state
    await state["organiser"].aclose()
    await admin.aclose()
    server.stop()
    await db.__aexit__(None, None, None)


async def _wait_for_batches(client: Client, e: int, timeout: float = 180) -> list[dict]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        r = await client.get(f"/api/events/{e}/certificates/batches")
        assert r.status_code == 200, r.text
        batches = r.json()
        if batches and all(b["status"] != "running" for b in batches):
            return batches
        assert asyncio.get_running_loop().time() < deadline, f"batches still running: {batches}"
        await asyncio.sleep(0.5)


async def _issued(cs) -> list[dict]:
    """Issue (idempotent) and wait until every PDF is written; the event's certificates."""
    org, e = cs["organiser"], cs["e"]
    r = await org.post(f"/api/events/{e}/certificates/issue")
    assert r.status_code == 202, r.text
    await _wait_for_batches(org, e)
    r = await org.get(f"/api/events/{e}/certificates")
    assert r.status_code == 200
    return r.json()


def _pick(certs, name, kind):
    return next(c for c in certs if c["holder_name"] == name and c["cert_type"] == kind)


async def test_concurrent_issue_calls_give_each_certificate_one_number(cs):
    org, admin, e = cs["organiser"], cs["admin"], cs["e"]
    r = await org.get(f"/api/events/{e}/certificates/plan")
    assert r.status_code == 200 and r.json()["pending"] == sum(expected_counts().values())

    clients = [org, admin] * 3
    answers = await asyncio.gather(*[c.post(f"/api/events/{e}/certificates/issue") for c in clients])
    assert [a.status_code for a in answers] == [202] * len(clients), [a.text for a in answers]
    numbers = [n for a in answers for n in a.json()["numbers"]]
    total = sum(expected_counts().values())
    assert len(numbers) == len(set(numbers)) == total  # each number handed out once, by exactly one call
    assert sum(a.json()["issued"] for a in answers) == total

    batches = await _wait_for_batches(org, e)
    assert len(batches) == len(clients)
    certs = (await org.get(f"/api/events/{e}/certificates")).json()
    assert len(certs) == total == len({c["number"] for c in certs})
    assert len({(c["contestant_id"], c["cert_type"], c["code"]) for c in certs}) == total
    assert Counter(c["cert_type"] for c in certs) == expected_counts()
    assert sorted(c["number"] for c in certs) == sorted(numbers)
    assert all(c["file_ready"] for c in certs)
    assert all(c["verify_url"] == f"http://testserver.local/verify/{c['number']}" for c in certs)

    plan = (await org.get(f"/api/events/{e}/certificates/plan")).json()
    assert (plan["issued"], plan["pending"], plan["skipped"]) == (total, 0, 2)
    again = await org.post(f"/api/events/{e}/certificates/issue")
    assert again.json()["issued"] == 0 and again.json()["existing"] == total


async def test_verification_api(cs):
    certs = await _issued(cs)
    anon = Client(cs["server"].base_url)
    try:
        award = _pick(certs, "张晓明", "award")
        r = await anon.get(f"/api/verify/{award['number']}")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "genuine" and body["holder"] == "张*明" and body["what"] == "一等奖" and body["type_label"] == "获奖证书"
        assert body["event"] == "第三届广东省职业技能大赛" and body["skill"] == "电工" and body["issued_at_china"]
        assert "张晓明" not in r.text and cs["world"].contestants["张晓明"]["id_number"] not in r.text

        unknown = award["number"].rsplit("-", 2)[0] + "-999999-"
        from certificates.numbering import check_char

        unknown += check_char(unknown[:-1])
        r = await anon.get(f"/api/verify/{unknown}")
        assert r.status_code == 404 and r.json()["code"] == "certificate_unknown" and "查无此证书" in r.json()["message"]
        typo = award["number"][:-3] + ("1" if award["number"][-3] != "1" else "2") + award["number"][-2:]
        r = await anon.get(f"/api/verify/{typo}", headers={"Accept-Language": "en"})
        assert r.status_code == 422 and r.json()["code"] == "certificate_malformed" and r.json()["field"] == "number"
        assert "check character" in r.json()["message"]
        r = await anon.get("/api/verify/GD2026")
        assert r.status_code == 422 and "GD2026-SZ3-A-000123-9" in r.json()["message"]
    finally:
        await anon.aclose()


async def test_revocation_by_the_organiser(cs):
    certs = await _issued(cs)
    org, e, server = cs["organiser"], cs["e"], cs["server"]
    target = _pick(certs, "黄俊杰", "award")
    url = f"/api/events/{e}/certificates/{target['number']}/revoke"
    judge = await account(cs["admin"], server, e, "judge", cs["world"].skill["id"])
    try:
        assert (await judge.post(url, json={"reason": "x"})).status_code == 403
    finally:
        await judge.aclose()
    r = await org.post(url, json={"reason": ""})
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = await org.post(url, json={"reason": "申诉复核后名次调整"})
    assert r.status_code == 200 and r.json()["revoked"] is True and r.json()["revoke_reason"] == "申诉复核后名次调整"
    assert (await org.post(url, json={"reason": "again"})).status_code == 409

    anon = Client(server.base_url)
    try:
        body = (await anon.get(f"/api/verify/{target['number']}")).json()
        assert body["status"] == "revoked" and body["valid"] is False and "revoke_reason" not in body and body["revoked_at_china"]
        # The holder cannot download a revoked certificate.
        id6 = cs["world"].contestants["黄俊杰"]["id_number"][-6:]
        assert (await anon.post(f"/certificates/{target['number']}.pdf", json={"id6": id6})).status_code == 410
    finally:
        await anon.aclose()
    r = await cs["admin"].get(f"/api/events/{e}/certificates")
    assert next(c for c in r.json() if c["number"] == target["number"])["revoked"]


async def test_holder_downloads_with_the_id_numbers_last_six(cs):
    certs = await _issued(cs)
    server, org = cs["server"], cs["organiser"]
    cert = _pick(certs, "周子涵", "promotion")
    id_number = cs["world"].contestants["周子涵"]["id_number"]
    url = f"/certificates/{cert['number']}.pdf"
    anon = Client(server.base_url)
    try:
        r = await anon.post(url, json={})
        assert r.status_code == 422 and r.json()["field"] == "id6"
        wrong = "000000" if id_number[-6:] != "000000" else "111111"
        r = await anon.post(url, json={"id6": wrong})
        assert r.status_code == 403 and r.json()["code"] == "id_mismatch" and r.json()["field"] == "id6"
        r = await anon.post(url, json={"id6": " " + id_number[-6:].lower()})
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
        assert "attachment" in r.headers["content-disposition"] and cert["number"] in r.headers["content-disposition"]
        assert "no-store" in r.headers["cache-control"]
        # Never through the address: a GET answers the same 403 with or without the right id6, known number or not.
        for target, params in ((url, {}), (url, {"id6": id_number[-6:]}), ("/certificates/GD2026-ZZ-A-000001-0.pdf", {"id6": "123456"})):
            r = await anon.get(target, params=params)
            assert r.status_code == 403 and r.json()["code"] == "id_required" and r.json()["field"] == "id6", r.text
        assert (await anon.post("/certificates/GD2026-ZZ-A-000001-0.pdf", json={"id6": "123456"})).status_code == 404
        # The download page the results page links to; its form posts, with the CSRF token for browsers without script.
        page = await anon.get(f"/certificates/{cert['number']}", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "周*涵" in page.text and 'name="id6"' in page.text and "周子涵" not in page.text
        assert 'method="post"' in page.text and 'name="_csrf_token"' in page.text
        # That form as a browser without script sends it: urlencoded, the token in a field.
        token = anon.http.cookies.get("csrftoken")
        r = await anon.http.post(url, data={"_csrf_token": token, "id6": id_number[-6:]})
        assert r.status_code == 200 and r.content.startswith(b"%PDF"), r.text
        r = await anon.http.post(url, data={"id6": id_number[-6:]})
        assert r.status_code == 403 and r.json()["code"] == "csrf"
    finally:
        await anon.aclose()
    # Organisers need no ID number.
    r = await org.get(url)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


async def test_guessing_the_id_is_throttled(cs):
    certs = await _issued(cs)
    cert = _pick(certs, "王丽", "award") if not _pick(certs, "王丽", "award")["revoked"] else _pick(certs, "吴思远", "award")
    id6 = cs["world"].contestants[cert["holder_name"]]["id_number"][-6:]
    anon = Client(cs["server"].base_url)
    try:
        url = f"/certificates/{cert['number']}.pdf"
        for i in range(10):
            guess = f"{i:06d}"
            if guess != id6:
                assert (await anon.post(url, json={"id6": guess})).status_code == 403
        r = await anon.post(url, json={"id6": id6})
        assert r.status_code == 429 and r.json()["code"] == "rate_limited" and int(r.headers["retry-after"]) > 0
    finally:
        await anon.aclose()


async def test_organisers_download_the_event_as_one_zip(cs):
    certs = await _issued(cs)
    org, e, server = cs["organiser"], cs["e"], cs["server"]
    r = await org.get(f"/api/events/{e}/certificates.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(r.content))
    valid = sorted(f"{c['number']}.pdf" for c in certs if not c["revoked"])
    assert sorted(n for n in zf.namelist() if n.endswith(".pdf")) == valid
    assert zf.read(valid[0]).startswith(b"%PDF")
    manifest = list(csv.reader(io.StringIO(zf.read("清单.csv").decode("utf-8-sig"))))
    assert manifest[0][:3] == ["证书编号", "证书类型", "姓名"] and len(manifest) == 1 + len(certs)
    anon = Client(server.base_url)
    judge = await account(cs["admin"], server, e, "judge", cs["world"].skill["id"])
    try:
        assert (await anon.get(f"/api/events/{e}/certificates.zip")).status_code == 401
        assert (await judge.get(f"/api/events/{e}/certificates.zip")).status_code == 403
        assert (await judge.get(f"/api/events/{e}/certificates")).status_code == 403
    finally:
        await anon.aclose()
        await judge.aclose()


async def test_ledger_json_export_and_person(cs):
    await _issued(cs)
    org, e, server, world = cs["organiser"], cs["e"], cs["server"], cs["world"]
    r = await org.get(f"/api/events/{e}/ledger.xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content))["晋级台账"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == ["身份证号", "姓名", "职业（工种）", "职业编码", "原等级", "晋升等级", "晋升依据", "赛事", "批准", "证书编号", "记录时间"]
    assert sorted(r[1] for r in rows[1:]) == sorted(["张晓明", "欧阳建华", "陈志强", "黄俊杰", "周子涵", "吴思远"])
    entries = (await org.get(f"/api/events/{e}/ledger")).json()
    assert len(entries) == 6 and {x["certificate_number"] for x in entries} == {r[9] for r in rows[1:]}
    # The list masks ID numbers; the export for the provincial system has them whole, and is audited.
    full = {c["id_number"] for c in world.contestants.values()}
    assert all("*" in x["id_number"] and x["id_number"] not in full for x in entries)
    assert {r[0] for r in rows[1:]} <= full
    exports = await sql(cs["db"].url, "SELECT * FROM audit_log WHERE action = ? AND event_id = ?", "ledger.export", e)
    assert exports and not any(n in str(exports) for n in full)

    zhang = world.contestants["张晓明"]["id_number"]
    approver = await account(cs["admin"], server, e, "approver")
    judge = await account(cs["admin"], server, e, "judge", cs["world"].skill["id"])
    anon = Client(server.base_url)
    try:
        r = await approver.post("/api/ledger/lookup", json={"id_number": zhang})
        assert r.status_code == 200, r.text
        person = r.json()
        assert [(p["from_level_name"], p["to_level_name"]) for p in person["promotions"]] == [("高级工（三级）", "技师（二级）")]
        assert person["highest_level_name"] == "技师（二级）" and person["honours"][0]["honour"] == "guangdong_technical_expert"
        assert (await judge.post("/api/ledger/lookup", json={"id_number": zhang})).status_code == 403
        assert (await org.post("/api/ledger/lookup", json={"id_number": zhang})).status_code == 403
        assert (await anon.post("/api/ledger/lookup", json={"id_number": zhang})).status_code == 401
        assert (await approver.post("/api/ledger/lookup", json={"id_number": "123456"})).status_code == 422
        assert (await approver.get(f"/api/ledger/{zhang}")).status_code in (404, 405)  # never by address
        assert (await approver.get(f"/api/events/{e}/ledger.xlsx")).status_code == 200
    finally:
        for c in (approver, judge, anon):
            await c.aclose()


async def test_pages(cs):
    certs = await _issued(cs)
    org, e, server = cs["organiser"], cs["e"], cs["server"]
    html = {"Accept": "text/html"}
    r = await org.get(f"/events/{e}/certificates", headers=html)
    assert r.status_code == 200 and certs[0]["number"] in r.text and "签发证书" in r.text and "晋级台账" in r.text
    r = await org.get(f"/events/{e}", headers=html)
    assert f'href="/events/{e}/certificates"' in r.text
    anon = Client(server.base_url)
    try:
        r = await anon.get(f"/verify/{certs[0]['number']}", headers=html)
        assert r.status_code == 200 and "证书真实有效" in r.text and 'data-status="genuine"' in r.text
        r = await anon.get("/verify", params={"number": "GD2026-XX-A-000001-0"}, headers=html)
        assert r.status_code == 422 and 'data-status="malformed"' in r.text
        r = await anon.get("/verify", headers=html)
        assert r.status_code == 200 and 'name="number"' in r.text
        assert (await anon.get(f"/events/{e}/certificates", headers=html)).status_code in (302, 303, 307)
    finally:
        await anon.aclose()


def _png(size: int = 120) -> bytes:
    from PIL import Image, ImageDraw

    im = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    ImageDraw.Draw(im).ellipse([4, 4, size - 4, size - 4], outline=(200, 22, 30, 255), width=6)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><circle cx="50" cy="50" r="45" fill="none" stroke="#c8161e" stroke-width="5"/></svg>'


async def test_seal_upload_is_checked(cs):
    org, e, server = cs["organiser"], cs["e"], cs["server"]
    url = f"/api/events/{e}/seal"
    bad = [
        (("seal.gif", b"GIF89a....", "image/gif"), "PNG 或 SVG"),
        (("seal.png", _png(32), "image/png"), "太小"),
        (("seal.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024), "image/png"), "1 MB"),
        (("seal.svg", SVG.replace(b"<circle", b"<script>alert(1)</script><circle"), "image/svg+xml"), "脚本"),
        (("seal.svg", SVG.replace(b"<circle", b'<image href="http://evil.example/x.png"/><circle'), "image/svg+xml"), "引用"),
        (("seal.svg", b"<svg><unclosed></svg>", "image/svg+xml"), "格式"),
    ]
    for file, words in bad:
        r = await org.post(url, files={"data": file})
        assert r.status_code in (413, 422), (file[0], r.text)
        if r.status_code == 422:
            body = r.json()
            assert words in body["message"] and body["field"] == "seal" and "seal" not in body["message"], body
    assert (await org.get(url)).status_code == 404  # nothing stored
    png = _png()
    r = await org.post(url, files={"data": ("seal.png", png, "image/png")})
    assert r.status_code == 200, r.text
    assert r.json()["media_type"] == "image/png" and r.json()["url"] == url
    got = await org.get(url)
    assert got.status_code == 200 and got.content == png and got.headers["content-type"].startswith("image/png")
    r = await org.post(url, files={"data": ("seal.svg", SVG, "image/svg+xml")})
    assert r.status_code == 200 and r.json()["media_type"] == "image/svg+xml"
    got = await org.get(url)
    assert got.content == SVG and "default-src 'none'" in got.headers["content-security-policy"]
    page = await org.get(f"/events/{e}/certificates", headers={"Accept": "text/html"})
    assert 'id="seal-form"' in page.text and f'src="{url}?v=' in page.text
    judge = await account(cs["admin"], server, e, "judge", cs["world"].skill["id"])
    try:
        assert (await judge.post(url, files={"data": ("seal.png", png, "image/png")})).status_code == 403
        assert (await judge.get(url)).status_code == 403
    finally:
        await judge.aclose()
