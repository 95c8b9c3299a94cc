"""Registration with documents beyond the 居民身份证 (居住证, 港澳/台湾通行证, 护照), through the
API — form and import with each type, one person per type + number, masking — on SQLite and
PostgreSQL."""

import asyncio
import datetime as dt
import io
import random

import openpyxl
import pytest
from harness import new_event, new_skill, run_cli

from scoring.idcard import checksum_char, make_id, mask_id

_rng = random.Random()


def residence_permit(prefix="810000", born=dt.date(1999, 4, 5), sex="F") -> str:
    seq = _rng.randrange(0, 499) * 2 + (1 if sex == "M" else 0)
    first17 = f"{prefix}{born:%Y%m%d}{seq:03d}"
    return first17 + checksum_char(first17)


def hk_permit() -> str:
    return "H" + f"{_rng.randrange(10**8):08d}"


def tw_permit() -> str:
    return f"{_rng.randrange(10**7, 10**8):08d}"


def passport() -> str:
    return "E" + f"{_rng.randrange(10**8):08d}" + "X"


def entrant(skill, **over):
    group = next(g for g in skill["groups"] if g["kind"] == "employee")
    return {
        "name": "陈家乐", "id_number": make_id("440106", dt.date(1994, 3, 3), _rng.randrange(0, 400)), "skill_id": skill["id"],
        "group_id": group["id"], "employer": "广州地铁集团有限公司", "delegation": "广州市", "phone": "13800138000",
        "current_level": "高级工", "level_certificate_no": "S0000440000123",
    } | over  # fmt: skip


@pytest.fixture
async def setup(admin):
    event = await new_event(admin)
    return event, await new_skill(admin, event["id"], name="电工")


async def test_form_with_each_document_type(admin, setup):
    event, skill = setup
    url = f"/api/events/{event['id']}/contestants"
    rp = residence_permit(born=dt.date(1999, 4, 5), sex="F")
    r = await admin.post(url, json=entrant(skill, id_type="residence_permit", id_number=rp))
    assert r.status_code == 201, r.text
    c = r.json()
    assert (c["id_type"], c["sex"], c["birth_date"], c["id_number"]) == ("residence_permit", "F", "1999-04-05", mask_id(rp))
    assert c["id_type_name"] == "港澳台居民居住证"
    for id_type, number, nat in (("hk_macau_permit", hk_permit(), ""), ("taiwan_permit", tw_permit(), ""), ("passport", passport(), "gbr")):
        body = entrant(skill, id_type=id_type, id_number=number, nationality=nat, sex="男", birth_date="1997-08-09")
        r = await admin.post(url, json=body)
        assert r.status_code == 201, r.text
        c = r.json()
        assert (c["id_type"], c["sex"], c["birth_date"]) == (id_type, "M", "1997-08-09")
        assert c["id_number"] == mask_id(number) and number not in r.text and c["id_number"][0] == number[0] and "*" in c["id_number"]
        assert c["nationality"] == ("GBR" if id_type == "passport" else "")
        full = await admin.post(f"{url}/{c['id']}/reveal", json={"reason": "核对证件"})
        assert full.json()["id_number"] == number
        listed = (await admin.get(url, params={"q": number[-5:]})).json()
        assert listed["total"] == 1 and listed["items"][0]["id_number"] == mask_id(number) and number not in str(listed)


@pytest.mark.parametrize(
    "over, field, code",
    [
        ({"id_type": "residence_permit", "id_number": make_id("440106", dt.date(1990, 1, 1))}, "id_number", "id_prefix"),
        ({"id_type": "residence_permit", "id_number": "81000019990405123"}, "id_number", "id_length"),
        ({"id_type": "hk_macau_permit", "id_number": "X12345678", "sex": "男", "birth_date": "1990-01-01"}, "id_number", "id_prefix"),
        ({"id_type": "taiwan_permit", "id_number": "1234567", "sex": "男", "birth_date": "1990-01-01"}, "id_number", "id_length"),
        ({"id_type": "passport", "id_number": "E12345678", "sex": "男", "birth_date": "1990-01-01"}, "nationality", "missing"),
        ({"id_type": "passport", "id_number": "E12345678", "nationality": "XYZ", "sex": "男", "birth_date": "1990-01-01"}, "nationality", "bad_nationality"),
        ({"id_type": "passport", "id_number": "E1234-5678", "nationality": "GBR", "sex": "男", "birth_date": "1990-01-01"}, "id_number", "id_characters"),
        ({"id_type": "taiwan_permit", "id_number": "12345678", "birth_date": "1990-01-01"}, "sex", "missing"),
        ({"id_type": "hk_macau_permit", "id_number": "M12345678", "sex": "女"}, "birth_date", "missing"),
        ({"id_type": "驾驶证"}, "id_type", "bad_id_type"),
    ],
)  # fmt: skip
async def test_form_errors_name_the_field(admin, setup, over, field, code):
    event, skill = setup
    r = await admin.post(f"/api/events/{event['id']}/contestants", json=entrant(skill, **over))
    assert r.status_code == 422, r.text
    body = r.json()
    assert (body["field"], body["code"]) == (field, code), body
    assert body["message_zh"] != body["message_en"] if "message_zh" in body else True


async def test_residence_permit_sex_must_agree(admin, setup):
    event, skill = setup
    r = await admin.post(
        f"/api/events/{event['id']}/contestants", json=entrant(skill, id_type="residence_permit", id_number=residence_permit(sex="F"), sex="男")
    )
    assert r.status_code == 422 and r.json()["code"] == "sex_mismatch"


HEADERS = [
    "姓名",
    "证件类型",
    "证件号码",
    "国籍",
    "性别",
    "出生日期",
    "竞赛项目",
    "组别",
    "工作单位/学校",
    "代表队",
    "现职业技能等级",
    "等级证书编号",
    "手机号",
]


def workbook(rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "报名表"
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def row(name, id_type, number, nat="", sex="", born=""):
    return [name, id_type, number, nat, sex, born, "电工", "职工组", "广州某公司", "广州市", "高级工", "S0000440000123", "13800138000"]


async def test_import_each_type_and_report_names_the_columns(admin, setup):
    event, skill = setup
    url = f"/api/events/{event['id']}/registration/import"
    numbers = {"id": make_id("440106", dt.date(1993, 1, 2), _rng.randrange(400)), "rp": residence_permit("830000"), "hk": hk_permit(),
               "tw": tw_permit(), "pp": passport()}  # fmt: skip
    rows = [
        row("甲", "", numbers["id"]),
        row("乙", "港澳台居民居住证", numbers["rp"]),
        row("丙", "回乡证", numbers["hk"], sex="女", born="1996-01-31"),
        row("丁", "台胞证", numbers["tw"], sex="男", born="1995/2/3"),
        row("John Smith", "护照", numbers["pp"], nat="GBR", sex="男", born="1990-12-01"),
        row("戊", "护照", passport(), nat="", sex="男", born="1990-12-01"),  # no nationality
        row("己", "驾照", "12345678"),  # no such type
        row("庚", "台胞证", tw_permit()),  # no sex or birth date
        row("辛", "港澳居民来往内地通行证", "H123"),
    ]
    r = await admin.post(url + "?mode=valid", files={"data": ("报名表.xlsx", workbook(rows))})
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["stored"]["created"] == 5 and rep["counts"]["invalid"] == 4
    errs = {(e["row"], e["column"], e["code"]) for e in rep["errors"]}
    assert {(7, "国籍", "missing"), (8, "证件类型", "bad_id_type"), (9, "性别", "missing"), (9, "出生日期", "missing"),
            (10, "证件号码", "id_length")} <= errs, errs  # fmt: skip
    listed = (await admin.get(f"/api/events/{event['id']}/contestants")).json()["items"]
    by_name = {c["name"]: c for c in listed}
    assert by_name["乙"]["id_type"] == "residence_permit" and by_name["乙"]["sex"] == "F"
    assert (by_name["丁"]["id_type"], by_name["丁"]["birth_date"], by_name["丁"]["sex"]) == ("taiwan_permit", "1995-02-03", "M")
    assert (by_name["John Smith"]["nationality"], by_name["甲"]["id_type"]) == ("GBR", "id_card")
    # the same sheet again: every stored person found by type + number, nothing written
    again = (await admin.post(url + "?mode=valid", files={"data": ("报名表.xlsx", workbook(rows[:5]))})).json()
    assert again["stored"] == {"created": 0, "updated": 0, "unchanged": 5}
    # the export names the types and re-imports unchanged
    exported = await admin.get(f"/api/events/{event['id']}/registration/export")
    assert exported.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(exported.content)).active
    header = [c.value for c in ws[1]]
    assert "证件类型" in header and "国籍" in header
    assert {ws.cell(row=i, column=header.index("证件类型") + 1).value for i in range(2, 7)} >= {"居民身份证", "护照", "台湾居民来往大陆通行证"}
    back = (await admin.post(url + "?mode=valid", files={"data": ("export.xlsx", exported.content)})).json()
    assert back["stored"] == {"created": 0, "updated": 0, "unchanged": 5}, back


async def test_one_person_per_type_and_number(admin, setup):
    """A passport and a Taiwan permit may share digits; they are two people. The same type and
    number twice is one person: refused within a sheet and again in the event."""
    event, skill = setup
    url = f"/api/events/{event['id']}/registration/import"
    digits = tw_permit()
    two = [row("丁", "台胞证", digits, sex="男", born="1995-02-03"), row("Ann", "护照", digits, nat="SGP", sex="女", born="1992-05-06")]
    r = (await admin.post(url + "?mode=all", files={"data": ("a.xlsx", workbook(two))})).json()
    assert r.get("stored", {}).get("created") == 2, r
    dup = [row("丙", "回乡证", "H" + digits, sex="女", born="1996-01-31")] * 2
    r = (await admin.post(url + "?mode=check", files={"data": ("b.xlsx", workbook(dup))})).json()
    assert {e["code"] for e in r["errors"]} == {"duplicate_in_sheet"}
    again = await admin.post(
        f"/api/events/{event['id']}/contestants", json=entrant(skill, id_type="taiwan_permit", id_number=digits, sex="男", birth_date="1995-02-03")
    )
    assert again.status_code == 409 and again.json()["code"] == "already_registered"


async def test_edit_a_passport_holders_entered_details(admin, setup):
    event, skill = setup
    url = f"/api/events/{event['id']}/contestants"
    c = (
        await admin.post(url, json=entrant(skill, id_type="passport", id_number=passport(), nationality="USA", sex="女", birth_date="1991-01-01"))
    ).json()
    r = await admin.patch(f"{url}/{c['id']}", json={"birth_date": "1991-02-02", "nationality": "CAN"})
    assert r.status_code == 200, r.text
    assert (r.json()["birth_date"], r.json()["nationality"], r.json()["sex"]) == ("1991-02-02", "CAN", "F")
    bad = await admin.patch(f"{url}/{c['id']}", json={"nationality": "CA"})
    assert bad.status_code == 422 and bad.json()["field"] == "nationality"


async def test_same_person_across_two_events_by_type_and_number(admin):
    """The self-service look-up finds a person's registrations in every event by document type +
    number (and name); the same digits under another type are someone else."""
    digits = tw_permit()
    found_ids = []
    for _ in range(2):
        event = await new_event(admin)
        skill = await new_skill(admin, event["id"], name="电工")
        body = entrant(skill, name="林志明", id_type="taiwan_permit", id_number=digits, sex="男", birth_date="1995-02-03")
        r = await admin.post(f"/api/events/{event['id']}/contestants", json=body)
        assert r.status_code == 201, r.text
        found_ids.append(event["id"])
    # someone else: a passport with the same digits and the same name, in a third event
    event = await new_event(admin)
    skill = await new_skill(admin, event["id"], name="电工")
    other = entrant(skill, name="林志明", id_type="passport", id_number=digits, nationality="SGP", sex="男", birth_date="1980-01-01")
    assert (await admin.post(f"/api/events/{event['id']}/contestants", json=other)).status_code == 201

    def events_of(r):
        assert r.status_code == 200, r.text
        return sorted(e["event_id"] for e in r.json()["entries"])

    r = await admin.post("/api/public/lookup", json={"name": "林志明", "id_number": digits, "id_type": "taiwan_permit"})
    assert events_of(r) == sorted(found_ids)
    assert r.json()["person"]["id_number"] == mask_id(digits) and digits not in r.text
    r = await admin.post("/api/public/lookup", json={"name": "林志明", "id_number": digits, "id_type": "passport"})
    assert events_of(r) == [event["id"]]
    r = await admin.post("/api/public/lookup", json={"name": "林志明", "id_number": digits, "id_type": "hk_macau_permit"})
    assert r.status_code == 404
    r = await admin.post("/api/public/lookup", json={"name": "林志明", "id_number": digits, "id_type": "驾照"})
    assert r.status_code == 422 and r.json()["field"] == "id_type"


async def test_province_age_band_counts_the_exact_birth_date(admin, server):
    """Born 2 December 2003, at an event starting 1 December 2026 a contestant is 22, not 23 (the
    year alone would say 23): the province's age band follows the exact date."""
    event = await new_event(admin, starts_on="2026-12-01", ends_on="2026-12-03")
    skill = await new_skill(admin, event["id"], name="电工")
    body = entrant(skill, id_type="hk_macau_permit", id_number=hk_permit(), sex="女", birth_date="2003-12-02")
    assert (await admin.post(f"/api/events/{event['id']}/contestants", json=body)).status_code == 201
    # The province's summary counts an event's entrants when its results are final; this one has
    # none yet, so recount everything as an operator would (``competition province rebuild``).
    await asyncio.to_thread(run_cli, server.env, "province", "rebuild")
    r = await admin.get("/api/province/statistics", params={"by": "age_band", "year": "2026"})
    assert r.status_code == 200, r.text
    bands = {row["key"]["age_band"]: row["events"] for row in r.json()["rows"]}
    assert event["id"] in bands.get("<=22", []) and event["id"] not in bands.get("23-35", [])


async def test_ledger_lookup_by_type_and_number(admin):
    """The promotion ledger look-up checks the number by its type's rules and matches type + number."""
    ok = await admin.post("/api/ledger/lookup", json={"id_number": "E12345678", "id_type": "passport"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["promotions"] == [] and ok.json()["honours"] == []
    bad = await admin.post("/api/ledger/lookup", json={"id_number": "H123", "id_type": "hk_macau_permit"})
    assert bad.status_code == 422 and bad.json()["field"] == "id_number" and "H" in bad.json()["message"]
    unknown = await admin.post("/api/ledger/lookup", json={"id_number": "12345678", "id_type": "驾照"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "id_type"
