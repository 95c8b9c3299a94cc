"""Registration through the API: single entries, imports (all-or-nothing, valid rows only,
re-import), GBK CSV, export round trip, eligibility, and access — on SQLite and PostgreSQL."""

import datetime as dt
import io
import itertools
import random

import openpyxl
import pytest
from harness import account, new_event, new_skill

from scoring.idcard import make_id

_seq = itertools.count(random.randrange(0, 300))


def person_id(birth=dt.date(1995, 5, 17), sex="M", region="440106") -> str:
    """A fresh valid ID number; unique within a test session."""
    n = next(_seq)
    return make_id(region, birth + dt.timedelta(days=n // 400), n % 400, sex)


def person(skill, kind="employee", **over):
    group = next(g for g in skill["groups"] if g["kind"] == kind)
    return {
        "name": "王小明",
        "id_number": person_id(),
        "skill_id": skill["id"],
        "group_id": group["id"],
        "employer": "广州地铁集团有限公司" if kind == "employee" else "广州市工贸技师学院",
        "delegation": "广州市",
        "phone": "13800138000",
        "current_level": "高级工",
        "level_certificate_no": "S0000440000123",
    } | over


HEADERS = ["姓名", "身份证号", "竞赛项目", "组别", "工作单位/学校", "代表队", "现职业技能等级", "等级证书编号", "手机号"]


def workbook(rows: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "报名表"
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def upload(client, event_id, content: bytes, mode: str, filename="报名表.xlsx"):
    return await client.post(f"/api/events/{event_id}/registration/import?mode={mode}", files={"data": (filename, content)})


@pytest.fixture
async def setup(admin):
    event = await new_event(admin)
    skill = await new_skill(admin, event["id"], name="电工")
    return event, skill


async def test_register_read_search_edit_withdraw_delete(admin, setup):
    event, skill = setup
    body = person(skill, name="陈建国")
    r = await admin.post(f"/api/events/{event['id']}/contestants", json=body)
    assert r.status_code == 201, r.text
    c = r.json()
    assert (
        c["name"] == "陈建国"
        and c["sex"] == "M"
        and c["birth_date"] == f"{body['id_number'][6:10]}-{body['id_number'][10:12]}-{body['id_number'][12:14]}"
    )
    assert c["current_level_name"] == "高级工" and c["group"] == "employee" and c["status"] == "registered"
    found = (await admin.get(f"/api/events/{event['id']}/contestants", params={"q": "建国"})).json()
    assert found["total"] == 1 and found["items"][0]["id"] == c["id"]
    assert (await admin.get(f"/api/events/{event['id']}/contestants", params={"q": body["id_number"][-6:]})).json()["total"] == 1

    r = await admin.patch(
        f"/api/events/{event['id']}/contestants/{c['id']}", json={"phone": "139 1234 5678", "status": "withdrawn", "reason": "本人申请退赛"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["phone"] == "139****5678" and r.json()["status"] == "withdrawn"  # masked; stored normalised:
    full = await admin.post(f"/api/events/{event['id']}/contestants/{c['id']}/reveal", json={"reason": "核对手机号"})
    assert full.json()["phone"] == "13912345678" and full.json()["id_number"] == body["id_number"]
    r = await admin.patch(f"/api/events/{event['id']}/contestants/{c['id']}", json={"phone": "12345"})
    assert r.status_code == 422 and r.json()["field"] == "phone"
    assert (await admin.delete(f"/api/events/{event['id']}/contestants/{c['id']}")).status_code == 200
    assert (await admin.get(f"/api/events/{event['id']}/contestants/{c['id']}")).status_code == 404


@pytest.mark.parametrize(
    "over, field, code",
    [
        ({"id_number": "440106199505171234"}, "id_number", "id_checksum"),
        ({"id_number": "990106199505171235"}, "id_number", "id_region"),
        ({"id_number": "44010619951"}, "id_number", "id_length"),
        ({"phone": "2380013800"}, "phone", "bad_phone"),
        ({"current_level": "大师傅"}, "current_level", "bad_level"),
        ({"name": ""}, "name", "missing"),
        ({"level_certificate_no": None}, "level_certificate_no", "missing_certificate_no"),
        ({"sex": "女"}, "sex", "sex_mismatch"),
    ],
)
async def test_single_registration_errors_name_the_field(admin, setup, over, field, code):
    event, skill = setup
    r = await admin.post(f"/api/events/{event['id']}/contestants", json=person(skill, **over))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and r.json()["code"] == code, r.json()


async def test_group_of_another_skill_is_refused(admin, setup):
    event, skill = setup
    other = await new_skill(admin, event["id"], name="数控车工")
    body = person(skill, group_id=other["groups"][0]["id"])
    r = await admin.post(f"/api/events/{event['id']}/contestants", json=body)
    assert r.status_code == 422 and r.json()["field"] == "group_id"


async def test_one_skill_and_group_per_person(admin, setup):
    event, skill = setup
    other = await new_skill(admin, event["id"], name="网络安全")
    body = person(skill)
    assert (await admin.post(f"/api/events/{event['id']}/contestants", json=body)).status_code == 201
    again = await admin.post(f"/api/events/{event['id']}/contestants", json=body)
    assert again.status_code == 409 and again.json()["code"] == "already_registered"
    elsewhere = await admin.post(
        f"/api/events/{event['id']}/contestants", json=body | {"skill_id": other["id"], "group_id": other["groups"][0]["id"]}
    )
    assert elsewhere.status_code == 422 and elsewhere.json()["code"] == "registered_elsewhere"


async def test_import_all_or_nothing_valid_only_and_reimport(admin, setup):
    event, skill = setup
    eid = event["id"]
    good = [[f"选手{i}", person_id(), "电工", "职工组", "佛山市顺德区供电局", "佛山市", "中级工", f"CERT{i:06d}", "13700000000"] for i in range(3)]
    bad = [
        ["李四", "440106199001011230", "电工", "职工组", "某公司", "佛山市", "中级工", "CERT000009", "13700000000"],  # checksum
        ["赵六", person_id(), "焊工", "职工组", "某公司", "佛山市", "中级工", "CERT000010", "13700000000"],  # unknown skill
    ]
    content = workbook(good + bad)

    r = await upload(admin, eid, content, "check")
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["counts"]["valid"] == 3 and report["counts"]["invalid"] == 2
    errors = {(e["row"], e["column"], e["code"]) for e in report["errors"]}
    assert (5, "身份证号", "id_checksum") in errors and (6, "竞赛项目", "unknown_skill") in errors
    assert all(e["message_zh"] and e["message_en"] for e in report["errors"])
    assert (await admin.get(f"/api/events/{eid}/contestants")).json()["total"] == 0

    r = await upload(admin, eid, content, "all")
    assert r.status_code == 422 and r.json()["refused"] is True
    assert (await admin.get(f"/api/events/{eid}/contestants")).json()["total"] == 0

    r = await upload(admin, eid, content, "valid")
    assert r.status_code == 200 and r.json()["stored"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert (await admin.get(f"/api/events/{eid}/contestants")).json()["total"] == 3

    again = await upload(admin, eid, content, "valid")
    assert again.json()["stored"] == {"created": 0, "updated": 0, "unchanged": 3}
    assert (await admin.get(f"/api/events/{eid}/contestants")).json()["total"] == 3

    bad[0][1] = person_id()
    bad[1][2] = "电工"
    good[0][8] = "13911112222"  # one changed phone → an update, not a duplicate
    fixed = await upload(admin, eid, workbook(good + bad), "all")
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["stored"] == {"created": 2, "updated": 1, "unchanged": 2}
    listed = (await admin.get(f"/api/events/{eid}/contestants", params={"limit": 50})).json()
    assert listed["total"] == 5
    assert any(c["phone"] == "139****2222" for c in listed["items"])  # masked in lists


async def test_gbk_csv_import(admin, setup):
    event, skill = setup
    lines = [",".join(HEADERS)] + [
        ",".join(["林晓华", person_id(sex="F"), "电工", "学生组", "广东省机械技师学院", "广州市", "学徒工", "", "13600000000"])
    ]
    content = ("\r\n".join(lines) + "\r\n").encode("gbk")
    r = await upload(admin, event["id"], content, "all", filename="baoming.csv")
    assert r.status_code == 200, r.text
    assert r.json()["stored"]["created"] == 1
    c = (await admin.get(f"/api/events/{event['id']}/contestants")).json()["items"][0]
    assert c["name"] == "林晓华" and c["sex"] == "F" and c["employer"] == "广东省机械技师学院" and c["group"] == "student"


async def test_not_a_spreadsheet_is_refused_clearly(admin, setup):
    event, _ = setup
    r = await upload(admin, event["id"], b"\x00\x01 not a sheet", "check", filename="x.xlsx")
    assert r.status_code == 422 and r.json()["field"] == "file" and r.json()["message"]


async def test_template_and_export_round_trip(admin, setup):
    event, skill = setup
    eid = event["id"]
    t = await admin.get(f"/api/events/{eid}/registration/template")
    assert t.status_code == 200 and t.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(t.content))
    ws = wb["报名表"] if "报名表" in wb.sheetnames else wb.worksheets[0]
    assert ws.data_validations.dataValidation, "the template has dropdowns"
    for i in range(4):
        assert (await admin.post(f"/api/events/{eid}/contestants", json=person(skill, name=f"导出{i}"))).status_code == 201
    exported = await admin.get(f"/api/events/{eid}/registration/export")
    assert exported.status_code == 200
    r = await upload(admin, eid, exported.content, "check")
    assert r.json()["counts"]["unchanged"] == 4 and r.json()["counts"]["errors"] == 0


async def test_eligibility_refusals_say_which_rule(admin):
    event = await new_event(admin, tier="worldskills", tier_class=None)
    skill = await new_skill(admin, event["id"], name="网络系统管理")
    r = await admin.put(
        f"/api/events/{event['id']}/preset",
        json={"overrides": {"eligibility": {"born_on_or_after": "2004-01-01", "min_level": {"employee": "高级工"}}}},
    )
    assert r.status_code == 200, r.text
    too_old = await admin.post(f"/api/events/{event['id']}/contestants", json=person(skill, id_number=person_id(dt.date(1999, 3, 1))))
    assert too_old.status_code == 422 and too_old.json()["code"] == "too_old", too_old.text
    assert "2004" in too_old.json()["message"]
    low = await admin.post(
        f"/api/events/{event['id']}/contestants", json=person(skill, id_number=person_id(dt.date(2005, 3, 1)), current_level="中级工")
    )
    assert low.status_code == 422 and low.json()["code"] == "level_too_low"
    ok = await admin.post(f"/api/events/{event['id']}/contestants", json=person(skill, id_number=person_id(dt.date(2005, 3, 1))))
    assert ok.status_code == 201, ok.text
    summary = (await admin.get(f"/api/events/{event['id']}/registration/summary")).json()
    assert summary["min_entrants"] == 15
    assert any(w["code"] == "few_entrants" for w in summary["warnings"])


async def test_only_organisers_register(admin, server, setup):
    event, skill = setup
    judge = await account(admin, server, event["id"], "judge", skill["id"])
    try:
        assert (await judge.get(f"/api/events/{event['id']}/contestants")).status_code == 403
        assert (await judge.post(f"/api/events/{event['id']}/contestants", json=person(skill))).status_code == 403
        assert (await judge.get(f"/api/events/{event['id']}/registration/export")).status_code == 403
    finally:
        await judge.aclose()


async def test_registration_pages_render(admin, setup):
    event, skill = setup
    c = (await admin.post(f"/api/events/{event['id']}/contestants", json=person(skill, name="页面测试"))).json()
    html = {"Accept": "text/html"}
    for url, text in [
        (f"/events/{event['id']}/contestants", "页面测试"),
        (f"/events/{event['id']}/contestants?q=页面", "页面测试"),
        (f"/events/{event['id']}/contestants/new", "证件号码"),
        (f"/events/{event['id']}/contestants/{c['id']}", c["id_number"]),  # masked, with the reveal button
        (f"/events/{event['id']}/contestants/{c['id']}", "显示完整证件号"),
        (f"/events/{event['id']}/contestants/import", "报名表"),
    ]:
        r = await admin.get(url, headers=html)
        assert r.status_code == 200, (url, r.text[:300])
        assert text in r.text, url
    r = await admin.get(f"/events/{event['id']}/contestants/999999", headers=html)
    assert r.status_code == 404 and "<html" in r.text


async def test_contestant_photo(admin, setup):
    import zlib

    event, skill = setup
    c = (await admin.post(f"/api/events/{event['id']}/contestants", json=person(skill, name="照片测试"))).json()
    assert c["has_photo"] is False
    url = f"/api/events/{event['id']}/contestants/{c['id']}/photo"
    assert (await admin.get(url)).status_code == 404
    # A real 1×1 PNG.
    raw = b"\x00\xff\x00\x00"
    png = (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", (1).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00")
        + _chunk(b"IDAT", zlib.compress(raw))
        + _chunk(b"IEND", b"")
    )
    r = await admin.post(url, files={"data": ("photo.png", png, "image/png")})
    assert r.status_code == 201, r.text
    assert r.json()["has_photo"] is True
    got = await admin.get(url)
    assert got.status_code == 200 and got.content == png and got.headers["content-type"].startswith("image/png")
    r = await admin.post(url, files={"data": ("x.png", b"GIF89a not allowed", "image/png")})
    assert r.status_code == 422 and r.json()["field"] == "file"
    r = await admin.post(url, files={"data": ("big.jpg", b"\xff\xd8\xff" + b"0" * (2 * 1024 * 1024), "image/jpeg")})
    assert r.status_code in (413, 422)
    assert (await admin.get(url)).content == png  # a refused upload leaves the stored photo as it was


def _chunk(kind: bytes, data: bytes) -> bytes:
    import zlib

    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


async def test_the_sheet_says_who_takes_part_in_the_awards(admin, setup):
    """参与评奖: 否 registers a guest entrant, empty is 是, a bad word is reported by row and column;
    a later sheet without the column keeps what is stored; the export writes it back."""
    event, skill = setup
    eid = event["id"]
    rows = [[f"评奖{i}", person_id(), "电工", "职工组", "某公司", "佛山市", "中级工", f"CERT{i:06d}", "13700000000"] for i in range(3)]
    headers = [*HEADERS, "参与评奖"]

    def book(cells: list[str], with_column: bool = True) -> bytes:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(headers if with_column else HEADERS)
        for row, cell in zip(rows, cells or [""] * len(rows)):
            ws.append([*row, cell] if with_column else row)
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    r = await upload(admin, eid, book(["否", "", "也许"]), "check")
    assert r.status_code == 200, r.text
    errors = r.json()["errors"]
    assert [(e["row"], e["column"], e["code"]) for e in errors] == [(4, "参与评奖", "bad_yes_no")]
    assert "也许" in errors[0]["message_zh"] and "yes/no" in errors[0]["message_en"]

    r = await upload(admin, eid, book(["否", "", "是"]), "all")
    assert r.status_code == 200 and r.json()["stored"]["created"] == 3, r.text
    listed = {c["name"]: c["award_eligible"] for c in (await admin.get(f"/api/events/{eid}/contestants")).json()["items"]}
    assert listed == {"评奖0": False, "评奖1": True, "评奖2": True}

    r = await upload(admin, eid, book([], with_column=False), "all")
    assert r.json()["stored"] == {"created": 0, "updated": 0, "unchanged": 3}, r.text  # no column: kept
    assert (await upload(admin, eid, book(["是", "", "否"]), "all")).json()["stored"]["updated"] == 2

    exported = await admin.get(f"/api/events/{eid}/registration/export")
    ws = openpyxl.load_workbook(io.BytesIO(exported.content)).worksheets[0]
    head = [c.value for c in ws[1]]
    col = next(i for i, h in enumerate(head) if h and "参与评奖" in str(h))
    by_name = {row[0].value: row[col].value for row in ws.iter_rows(min_row=2) if row[0].value}
    assert by_name == {"评奖0": "是", "评奖1": "是", "评奖2": "否"}
    r = await upload(admin, eid, exported.content, "check")
    assert r.json()["counts"]["unchanged"] == 3, r.text

    # The form's field, and the single registration's.
    c = next(c for c in (await admin.get(f"/api/events/{eid}/contestants")).json()["items"] if c["name"] == "评奖1")
    r = await admin.patch(f"/api/events/{eid}/contestants/{c['id']}", json={"award_eligible": False})
    assert r.status_code == 200 and r.json()["award_eligible"] is False, r.text
    r = await admin.post(f"/api/events/{eid}/contestants", json=person(skill, name="嘉宾", award_eligible=False))
    assert r.status_code == 201 and r.json()["award_eligible"] is False, r.text
