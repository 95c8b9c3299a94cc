"""The national skills-evaluation record through the HTTP API and the CLI of a real server, on
SQLite and on PostgreSQL: the rows' fields one by one on the certificates world (six promotion
certificates), the completeness refusal, the national numbering rule, never sending a row twice,
corrections after sending, the files, and who may do it."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io

import pytest
from certificates_world import issued_server
from harness import ADMIN_PASSWORD, Client, account, need_postgres, run_cli
from openpyxl import load_workbook

from certificates import national
from certificates.national import Body, level_code, national_number
from scoring.idcard import make_id

# name → the level promoted to, for each of the world's promotions that issue a certificate.
PROMOTED = {"张晓明": 4, "欧阳建华": 5, "陈志强": 4, "黄俊杰": 4, "周子涵": 3, "吴思远": 3}
LEVEL_TEXT = {3: "高级工（三级）", 4: "技师（二级）", 5: "高级技师（一级）"}
HEADER = [
    "记录类型",
    "证书编号",
    "证件类型",
    "证件号码",
    "姓名",
    "职业编码",
    "职业（工种）名称",
    "职业技能等级",
    "评价机构",
    "发证日期",
    "评价方式",
    "竞赛名称",
    "证书状态",
    "本系统证书编号",
]
BODY = {"category": "Y", "body_code": "0000", "province": "44", "site_code": "123456"}


def test_the_numbering_rule():
    body = Body("Y", "0001", "23", "000001")
    assert national_number(body, 2019, 1, 1) == "Y000123000001195000001"  # the rule's own example, level 5 = 初级工
    assert len(national_number(body, 2026, 5, 999999)) == 22
    assert [level_code(x) for x in (0, 1, 2, 3, 4, 5, 6, 7, None)] == [None, 5, 4, 3, 2, 1, None, None, None]
    with pytest.raises(ValueError):
        national_number(Body("Y", "0001", "23", ""), 2026, 4, 1)  # no site code
    with pytest.raises(ValueError):
        national_number(body, 2026, 6, 1)  # 特级技师: no level code in the rule
    with pytest.raises(ValueError):
        national_number(body, 2026, 4, 1_000_000)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def nr(request, tmp_path_factory):
    kind = request.param
    if kind == "postgres":
        need_postgres()
    server, db, world = await issued_server(tmp_path_factory.mktemp(f"natrec-{kind}"), kind, "natrec")
    env = db.env()
    admin = Client(server.base_url)
    await admin.login("admin", ADMIN_PASSWORD)
    e = world.event["id"]
    state = {"server": server, "admin": admin, "world": world, "e": e, "db": db, "env": env}
    state["organiser"] = await account(admin, server, e, "organiser")
    yield state
    await state["organiser"].aclose()
    await admin.aclose()
    server.stop()
    await db.__aexit__(None, None, None)


def _rows_of_xlsx(content: bytes) -> list[list[str]]:
    ws = load_workbook(io.BytesIO(content)).active
    return [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]


async def test_the_whole_flow(nr):
    org, e, world = nr["organiser"], nr["e"], nr["world"]
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    yy = today[2:4]

    # Before the body's codes are set: six rows, each refused for its number, in words.
    r = await org.get(f"/api/events/{e}/national-record")
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["count"] == view["new"] == 6 and view["corrections"] == 0 and not view["complete"]
    assert {p["column"] for p in view["problems"]} == {"national_number"} and len(view["problems"]) == 6
    assert [p["row"] for p in view["problems"]] == [2, 3, 4, 5, 6, 7]
    assert "评价机构备案代码未填写" in view["problems"][0]["message"] and "「证书编号」" in view["problems"][0]["message"]
    r = await org.post(f"/api/events/{e}/national-record/send", json={"token": view["token"]})
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "national_record_incomplete" and len(r.json()["detail"]["problems"]) == 6
    r = await org.post(f"/api/events/{e}/national-record/send?lang=en", json={"token": view["token"]})
    assert r.status_code == 422 and "Row 2" in r.json()["message"] and "filing codes" in r.json()["message"]

    # Bad codes are refused naming the field; good ones are stored.
    r = await org.put(f"/api/events/{e}/national-record/body", json={**BODY, "site_code": "12345"})
    assert r.status_code == 422 and r.json()["field"] == "site_code" and "站点序列码" in r.json()["message"], r.text
    r = await org.put(f"/api/events/{e}/national-record/body", json={**BODY, "category": "X"})
    assert r.status_code == 422 and r.json()["field"] == "category"
    r = await org.put(f"/api/events/{e}/national-record/body", json=BODY)
    assert r.status_code == 200 and r.json()["complete"], r.text

    # An event without a host: every row is missing its evaluating body.
    r = await nr["admin"].patch(f"/api/events/{e}", json={"host": ""})
    assert r.status_code == 200, r.text
    view = (await org.get(f"/api/events/{e}/national-record")).json()
    assert [(p["row"], p["column"]) for p in view["problems"]] == [(i, "body") for i in range(2, 8)]
    assert "赛事未填写承办单位" in view["problems"][0]["message"]
    r = await org.post(f"/api/events/{e}/national-record/send", json={"token": view["token"]})
    assert r.status_code == 422
    assert (await nr["admin"].patch(f"/api/events/{e}", json={"host": "广东省人力资源和社会保障厅"})).status_code == 200

    # Complete now: every field of every row, checked against the world.
    view = (await org.get(f"/api/events/{e}/national-record")).json()
    assert view["complete"] and view["problems"] == [], view["problems"]
    assert [c["zh"] for c in view["columns"]] == HEADER
    certs = (await org.get(f"/api/events/{e}/certificates")).json()
    certs = certs["items"] if isinstance(certs, dict) else certs
    local = {c["holder_name"]: c["number"] for c in certs if c["cert_type"] == "promotion"}
    assert set(local) == set(PROMOTED)
    r = await org.get(f"/api/events/{e}/national-record/pending/xlsx")
    assert r.status_code == 200, r.text
    token = r.headers["x-batch-token"]
    assert token == view["token"]
    table = _rows_of_xlsx(r.content)
    assert table[0] == HEADER and len(table) == 7
    seqs: dict[str, list[int]] = {}
    for row in table[1:]:
        f = dict(zip(HEADER, row, strict=True))
        name = f["姓名"]
        level = PROMOTED[name]
        c = world.contestants[name]
        assert f["记录类型"] == "新增"
        assert f["证件类型"] == "居民身份证" and f["证件号码"] == c["id_number"]
        assert f["职业编码"] == "6-31-01-03" and f["职业（工种）名称"] == "电工"
        assert f["职业技能等级"] == LEVEL_TEXT[level]
        assert f["评价机构"] == "广东省人力资源和社会保障厅"
        assert f["发证日期"] == today
        assert f["评价方式"] == "竞赛晋级" and f["竞赛名称"] == "第三届广东省职业技能大赛"
        assert f["证书状态"] == "有效" and f["本系统证书编号"] == local[name]
        number = f["证书编号"]
        assert len(number) == 22 and number[:16] == f"Y000044123456{yy}{6 - level}", number
        seqs.setdefault(number[:16], []).append(int(number[16:]))
    # The sequence runs per year and level, from 1, in the order of the certificates.
    assert {p: s for p, s in seqs.items()} == {p: list(range(1, len(s) + 1)) for p, s in seqs.items()}
    assert sorted(len(s) for s in seqs.values()) == [1, 2, 3]
    # The JSON view masks the document number; the file has it whole.
    assert all("*" in row["document_number"] for row in view["rows"])
    r = await org.get(f"/api/events/{e}/national-record/pending/csv")
    assert r.status_code == 200 and r.headers["x-batch-token"] == token
    assert list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")))) == table

    # A stale token is refused; the right one sends; nothing is sent twice.
    r = await org.post(f"/api/events/{e}/national-record/send", json={"token": "0" * 64})
    assert r.status_code == 409 and r.json()["code"] == "national_record_changed"
    r = await org.post(f"/api/events/{e}/national-record/send", json={"token": token})
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["rows"] == 6 and first["corrections"] == 0
    view = (await org.get(f"/api/events/{e}/national-record")).json()
    assert view["count"] == 0 and view["rows"] == []
    assert [b["id"] for b in view["batches"]] == [first["batch_id"]]
    r = await org.post(f"/api/events/{e}/national-record/send", json={"token": view["token"]})
    assert r.status_code == 409 and r.json()["code"] == "national_record_empty"
    r = await org.get(f"/api/events/{e}/national-record/batches/{first['batch_id']}/xlsx")
    assert r.status_code == 200 and _rows_of_xlsx(r.content) == table  # the batch's file, exactly as sent
    numbers = {row[4]: row[1] for row in table[1:]}

    # A certificate revoked after sending goes as one correction row, with the same number.
    r = await org.post(f"/api/events/{e}/certificates/{local['黄俊杰']}/revoke", json={"reason": "材料不实"})
    assert r.status_code == 200, r.text
    view = (await org.get(f"/api/events/{e}/national-record")).json()
    assert view["count"] == view["corrections"] == 1 and view["complete"]
    row = view["rows"][0]
    assert row["record_type"] == "更正" and row["status"] == "已注销" and row["national_number"] == numbers["黄俊杰"] and row["revision"] == 1
    r = await org.post(f"/api/events/{e}/national-record/send", json={"token": view["token"]})
    assert r.status_code == 201 and r.json()["corrections"] == 1
    assert (await org.get(f"/api/events/{e}/national-record")).json()["count"] == 0

    # A change of the evaluating body after sending: one correction for each row, same numbers.
    assert (await nr["admin"].patch(f"/api/events/{e}", json={"host": "广东省职业技能鉴定指导中心"})).status_code == 200
    view = (await org.get(f"/api/events/{e}/national-record")).json()
    assert view["count"] == view["corrections"] == 6
    assert {r_["name"]: r_["national_number"] for r_ in view["rows"]} == numbers
    assert {r_["body"] for r_ in view["rows"]} == {"广东省职业技能鉴定指导中心"}
    assert {r_["revision"] for r_ in view["rows"] if r_["name"] == "黄俊杰"} == {2}

    # The CLI writes the batch and marks it sent (asked: --yes), then nothing is pending.
    out = nr["db"].data_dir / "batch.csv"
    proc = await asyncio.to_thread(run_cli, nr["env"], "certificates", "national-record", "--event", str(e), "--out", str(out), "--send", "--yes")
    assert "已上报" in proc.stdout, proc.stdout + proc.stderr
    sent = list(csv.reader(io.StringIO(out.read_text("utf-8-sig"))))
    assert len(sent) == 7 and {row[0] for row in sent[1:]} == {"更正"}
    proc = await asyncio.to_thread(run_cli, nr["env"], "certificates", "national-record", "--event", str(e))
    assert "待上报 / to send: 0" in proc.stdout
    batches = (await org.get(f"/api/events/{e}/national-record/batches")).json()
    assert [b["rows"] for b in batches] == [6, 1, 6]


async def test_who_may(nr):
    e = nr["e"]
    supervisor = await account(nr["admin"], nr["server"], e, "supervisor")
    approver = await account(nr["admin"], nr["server"], e, "approver")
    try:
        assert (await supervisor.get(f"/api/events/{e}/national-record")).status_code == 403
        assert (await supervisor.get(f"/api/events/{e}/national-record/pending/xlsx")).status_code == 403
        assert (await supervisor.post(f"/api/events/{e}/national-record/send", json={"token": ""})).status_code == 403
        assert (await approver.get(f"/api/events/{e}/national-record")).status_code == 200
        anonymous = Client(nr["server"].base_url)
        assert (await anonymous.get(f"/api/events/{e}/national-record")).status_code in (401, 403)
        await anonymous.aclose()
    finally:
        await supervisor.aclose()
        await approver.aclose()


def test_unknown_format_is_refused():
    with pytest.raises(Exception) as info:
        national._check_format("pdf")
    assert getattr(info.value, "field", None) == "format"


async def test_verification_shows_what_a_national_query_shows(nr):
    """The public answer (JSON and page) of a level certificate and an award: holder masked,
    occupation, level, issuer, date, status — and no ID number, phone, employer or delegation."""
    import re

    from certificates.verify import PUBLIC_FIELDS

    org, e, world = nr["organiser"], nr["e"], nr["world"]
    certs = (await org.get(f"/api/events/{e}/certificates")).json()
    certs = certs["items"] if isinstance(certs, dict) else certs
    mine = {(c["holder_name"], c["cert_type"]): c["number"] for c in certs}
    person = world.contestants["欧阳建华"]
    anon = Client(nr["server"].base_url)
    try:
        r = await anon.get(f"/api/verify/{mine[('欧阳建华', 'promotion')]}")
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) <= PUBLIC_FIELDS, set(body) - PUBLIC_FIELDS
        assert body["holder"] == "欧**华" and body["status"] == "genuine" and body["status_label"] == "有效"
        assert body["occupation"] == "电工" and body["occupation_code"] == "6-31-01-03" and body["level"] == "高级技师（一级）"
        assert body["issuer"] and re.fullmatch(r"\d{4}-\d\d-\d\d", body["issued_on"])
        page = await anon.get(f"/verify/{mine[('欧阳建华', 'promotion')]}")
        assert page.status_code == 200
        for text in (r.text, page.text):
            assert person["id_number"] not in text and person["id_number"][-6:] not in text and person["id_number"][:6] + "*" not in text
            assert not re.search(r"139\d{8}|139\*{4}", text)  # the phone, whole or masked
            assert "广州供电局" not in text and "广州市代表队" not in text and "欧阳建华" not in text
            assert "技师（二级）" not in text  # the level held before is not shown
        for label in ("欧**华", "电工", "6-31-01-03", "高级技师（一级）", "发证日期", "有效"):
            assert label in page.text

        # A revoked award: the status and its date, never the reason.
        number = mine[("王丽", "award")]
        assert (await org.post(f"/api/events/{e}/certificates/{number}/revoke", json={"reason": "联系电话13900001111核实不符"})).status_code == 200
        body = (await anon.get(f"/api/verify/{number}")).json()
        assert set(body) <= PUBLIC_FIELDS and body["status"] == "revoked" and body["status_label"] == "已撤销" and body["revoked_at_china"]
        page = await anon.get(f"/verify/{number}?lang=en")
        for text in (str(body), page.text):
            assert "13900001111" not in text and "核实不符" not in text
        assert "Revoked (" in page.text
    finally:
        await anon.aclose()


def test_document_type_follows_the_holders_document():
    """证件类型 comes from the holder's document type (kept by the promotion ledger), checked by that
    type's rules: a passport or permit is named as such, a number failing its type's rules is empty."""
    assert national._document_type("id_card", make_id("440106", dt.date(1990, 1, 1), 1, "M")) == "居民身份证"
    assert national._document_type("id_card", "440106199001011234") == ""
    assert national._document_type("passport", "E12345678") == "护照"
    assert national._document_type("hk_macau_permit", "H12345678") == "港澳居民来往内地通行证"
    assert national._document_type("hk_macau_permit", "X12345678") == ""
    assert national._document_type("no_such_type", "E12345678") == ""
