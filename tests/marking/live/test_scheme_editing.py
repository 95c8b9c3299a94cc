"""Marking schemes from the browser's side, over HTTP on both databases: the blank template parses
and reads back as a scheme, an upload is previewed (every problem by row and column, nothing
stored) before it is saved, a sheet naming another skill is warned about, a scheme that does not
add up to the skill's total is refused in words a person reads, export → upload gives the same
scheme, and once marks exist no change goes through."""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pytest
from harness import Client, new_event, new_skill
from live_world import SCHEME as LIVE_SCHEME
from live_world import build
from small_scheme import small_scheme_dict

from scoring.scheme_xlsx import COLUMNS

HTML = {"Accept": "text/html"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
async def place(server):
    """One event of the module's server: an administrator and a fresh skill per test."""
    admin = Client(server.base_url)
    await admin.login("admin", "admin-password-123")
    event = await new_event(admin)
    yield admin, event["id"]
    await admin.aclose()


async def fresh_skill(admin: Client, eid: int, **over) -> tuple[dict, str]:
    skill = await new_skill(admin, eid, groups=["employee"], **over)
    return skill, f"/api/events/{eid}/skills/{skill['id']}/scheme"


async def upload(admin: Client, url: str, content: bytes, mode: str = "check"):
    return await admin.post(f"{url}/import", params={"mode": mode}, files={"data": ("评分标准.xlsx", content, XLSX)})


def book(rows: list[list], settings: list[list] | None = None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "评分标准"
    for r in rows:
        ws.append(r)
    if settings is not None:
        st = wb.create_sheet("设置")
        for r in settings:
            st.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


HEAD = ["评分模块", "模块名称", "子标准编号", "评分项描述", "类型", "配分", "0分描述", "1分描述", "2分描述", "3分描述"]


async def test_template_downloads_explained_and_reads_back(place):
    admin, eid = place
    skill, url = await fresh_skill(admin, eid, occupation_code="6-31-01-03")
    for lang, sheets in (("zh", ["评分标准", "设置", "填写说明"]), ("en", ["Marking scheme", "Settings", "Instructions"])):
        r = await admin.get(f"{url}/template", params={"lang": lang})
        assert r.status_code == 200 and r.headers["content-type"].startswith(XLSX), r.text
        wb = openpyxl.load_workbook(io.BytesIO(r.content))
        assert wb.sheetnames == sheets
        header = [c.value for c in wb.worksheets[0][1]]
        assert header == [c.header(lang) for c in COLUMNS]
        assert wb.worksheets[0].max_row >= 4  # example rows
        settings = {row[0].value: row[1].value for row in wb.worksheets[1].iter_rows()}
        assert skill["name"] in settings.values() and "6-31-01-03" in settings.values()
        rules = [row[0].value for row in wb.worksheets[2].iter_rows(min_row=3)]
        assert rules == [c.header(lang) for c in COLUMNS]  # every column explained
        check = await upload(admin, url, r.content)
        assert check.status_code == 200, check.text
        body = check.json()
        assert body["ok"] and body["errors"] == [] and body["warnings"] == [] and body["in_use"] is False
        assert body["counts"] == {"criteria": 2, "sub_criteria": 3, "aspects": 5, "total": "100", "sum": "100"}
    assert (await admin.get(url)).status_code == 404  # a check stores nothing


async def test_upload_preview_reports_row_and_column_then_saves(place):
    admin, eid = place
    skill, url = await fresh_skill(admin, eid)
    desc = ["差", "合格", "良好", "优秀"]
    rows = [HEAD, ["A", "设计", "A1", "结构合理", "J", 50, *desc], ["", "", "", "标注完整", "X", 30], ["", "", "A2", "尺寸", "M", "三十"]]
    r = await upload(admin, url, book(rows, [["项目名称", skill["name"]], ["实操权重(%)", 100]]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is False and body["scheme"] is None
    found = {(e["row"], e["column"]) for e in body["errors"]}
    assert found == {(3, "类型"), (4, "配分")}, body["errors"]
    assert any("三十" in e["message_zh"] and "三十" in e["message_en"] for e in body["errors"])
    refused = await upload(admin, url, book(rows, [["项目名称", skill["name"]], ["实操权重(%)", 100]]), mode="save")
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_scheme_file"
    assert {(d["row"], d["column"]) for d in refused.json()["detail"]} == {(3, "类型"), (4, "配分")}
    assert (await admin.get(url)).status_code == 404

    # Fixed, but adding up to 90: the sum is reported against the total, on the column.
    rows[2][4], rows[3][5] = "M", 10
    r = (await upload(admin, url, book(rows, [["项目名称", skill["name"]], ["实操权重(%)", 100]]))).json()
    assert not r["ok"] and any("90" in e["message_zh"] and "100" in e["message_zh"] for e in r["errors"]), r["errors"]
    rows[3][5] = 20
    content = book(rows, [["项目名称", skill["name"]], ["实操权重(%)", 100]])
    r = (await upload(admin, url, content)).json()
    assert r["ok"] and r["counts"]["aspects"] == 3 and r["scheme"]["criteria"][0]["sub_criteria"][1]["aspects"][0]["max_mark"] == "20"
    saved = await upload(admin, url, content, mode="save")
    assert saved.status_code == 201, saved.text
    assert saved.json()["version"] == 1 and saved.json()["warnings"] == []
    assert (await admin.get(url)).json()["scheme"] == r["scheme"]
    assert (await upload(admin, url, content, mode="later")).status_code == 422


async def test_a_sheet_naming_another_skill_is_warned_about(place):
    admin, eid = place
    first, first_url = await fresh_skill(admin, eid, occupation_code="6-31-01-03")
    second, second_url = await fresh_skill(admin, eid, occupation_code="4-04-05-02")
    template = (await admin.get(f"{first_url}/template")).content
    body = (await upload(admin, second_url, template)).json()
    assert body["ok"]  # a valid scheme all the same
    warnings = body["warnings"]
    assert len(warnings) == 2 and all(w["code"] == "other_skill" for w in warnings)
    assert first["name"] in warnings[0]["message_zh"] and second["name"] in warnings[0]["message_zh"]
    assert "4-04-05-02" in warnings[1]["message_en"] and "6-31-01-03" in warnings[1]["message_en"]
    saved = await upload(admin, second_url, template, mode="save")
    assert saved.status_code in (200, 201) and len(saved.json()["warnings"]) == 2
    assert not (await upload(admin, first_url, template)).json()["warnings"]


async def test_editor_save_checks_the_sum_against_the_skills_total(place):
    admin, eid = place
    skill, url = await fresh_skill(admin, eid)
    short = small_scheme_dict()
    short["criteria"][1]["mark"] = None
    short["criteria"][1]["sub_criteria"][0]["aspects"][2]["max_mark"] = "10"  # practical adds up to 90
    r = await admin.put(url, json={"scheme": short})
    assert r.status_code == 422, r.text
    body = r.json()
    assert "实操部分" in body["message"] and "90" in body["message"] and "100" in body["message"]
    assert any(p["code"] == "part_sum_mismatch" for p in body["detail"])
    en = await admin.put(url, json={"scheme": short}, headers={"Accept-Language": "en"})
    assert "Practical part" in en.json()["message"] and "criteria[" not in en.json()["message"]

    missing = small_scheme_dict()
    missing["criteria"][1]["sub_criteria"][0]["aspects"][0]["max_mark"] = ""
    m = (await admin.put(url, json={"scheme": missing})).json()
    assert m["message"] == "评分项 A1.1：缺少配分", m  # in the words of the page, not a path
    m = (await admin.put(url, json={"scheme": missing}, headers={"Accept-Language": "en"})).json()
    assert m["message"] == "aspect A1.1: the max mark is missing"

    other_total = small_scheme_dict() | {"total": "200"}
    t = await admin.put(url, json={"scheme": other_total})
    assert t.status_code == 422 and t.json()["code"] == "scheme_total_mismatch", t.text

    fifty, fifty_url = await fresh_skill(admin, eid, total_marks=50)
    half = {
        "parts": {"practical": "100"},
        "criteria": [
            {
                "id": "A",
                "name": "A",
                "sub_criteria": [{"id": "A1", "name": "A1", "aspects": [{"id": "A1.1", "description": "d", "kind": "M", "max_mark": "50"}]}],
            }
        ],
    }
    ok = await admin.put(fifty_url, json={"scheme": half})
    assert ok.status_code == 200 and ok.json()["scheme"]["total"] == "50", ok.text
    wrong = await admin.put(fifty_url, json={"scheme": half | {"total": "100"}})
    assert wrong.status_code == 422 and wrong.json()["code"] == "scheme_total_mismatch" and "50" in wrong.json()["message"]
    assert (await admin.put(url, json={"scheme": small_scheme_dict()})).status_code == 200


async def test_export_then_upload_gives_the_same_scheme(place):
    admin, eid = place
    skill, url = await fresh_skill(admin, eid, occupation_code="6-31-01-03")
    scheme = small_scheme_dict() | {"skill": skill["name"]}
    stored = (await admin.put(url, json={"scheme": scheme})).json()
    for lang in ("zh", "en"):
        r = await admin.get(f"{url}/export", params={"lang": lang})
        assert r.status_code == 200
        back = (await upload(admin, url, r.content)).json()
        assert back["ok"] and back["warnings"] == [], back
        assert back["scheme"] == stored["scheme"]
    again = (await upload(admin, url, r.content, mode="save")).json()
    assert again["version"] == 2 and again["scheme"] == stored["scheme"]


async def test_no_change_once_marks_exist(server):
    world = await build(server, contestants=1)
    eid, sid = world.event["id"], world.skill["id"]
    url = f"/api/events/{eid}/skills/{sid}/scheme"
    try:
        r = await world.judges[0].post(
            f"/api/events/{eid}/skills/{sid}/marks", json={"op_id": "scheme-lock-1", "contestant": world.refs[0], "aspect": "B1.1", "value": "40"}
        )
        assert r.status_code in (200, 201), r.text
        refused = await world.admin.put(url, json={"scheme": LIVE_SCHEME})
        assert refused.status_code == 409 and refused.json()["code"] == "scheme_in_use"
        assert refused.json()["message"] == "本项目已有评分，评分标准不能再修改"
        exported = (await world.admin.get(f"{url}/export")).content
        check = (await upload(world.admin, url, exported)).json()
        assert check["in_use"] is True and check["ok"]
        save = await upload(world.admin, url, exported, mode="save")
        assert save.status_code == 409 and "can no longer" not in save.json()["message"]
        en = await world.admin.put(url, json={"scheme": LIVE_SCHEME}, headers={"Accept-Language": "en"})
        assert en.json()["message"] == "Marks have been given under this scheme; it can no longer change"
        assert (await world.admin.get(url)).json()["version"] == 1
        page = await world.admin.get(f"/events/{eid}/skills/{sid}/scheme", headers=HTML)
        assert page.status_code == 200 and "本项目已有评分，评分标准不能再修改" in page.text
        assert 'id="scheme-save"' not in page.text and 'id="scheme-upload"' not in page.text and "scheme/export" in page.text
        assert page_config(page.text)["editable"] is False
    finally:
        await world.close()


def page_config(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="scheme-config">(.*?)</script>', html, re.S)
    assert m, "no #scheme-config in the page"
    return json.loads(m.group(1))


async def test_the_console_and_event_page_link_the_editor(place, server):
    from harness import account

    admin, eid = place
    skill, url = await fresh_skill(admin, eid)
    sid = skill["id"]
    console = await admin.get(f"/events/{eid}/skills/{sid}/console", headers=HTML)
    assert console.status_code == 200
    assert 'id="no-scheme"' in console.text and f'href="/events/{eid}/skills/{sid}/scheme"' in console.text and "设置评分标准" in console.text
    event_page = (await admin.get(f"/events/{eid}", headers=HTML)).text
    assert f'data-scheme-skill="{sid}"' in event_page and "尚未设置" in event_page

    page = await admin.get(f"/events/{eid}/skills/{sid}/scheme", headers=HTML)
    assert page.status_code == 200 and "/static/scheme.js" in page.text and f"{url}/template" in page.text
    cfg = page_config(page.text)
    assert cfg["editable"] is True and cfg["scheme"] is None and cfg["total"] == "100" and cfg["skill"]["name"] == skill["name"]
    assert cfg["judges"] == {"M": 1, "J": 3, "S": 5} and cfg["strings"]["max_mark"] == "配分"
    en = page_config((await admin.get(f"/events/{eid}/skills/{sid}/scheme?lang=en", headers=HTML)).text)
    assert en["strings"]["max_mark"] == "Max mark" and en["lang"] == "en"

    assert (await admin.put(url, json={"scheme": small_scheme_dict()})).status_code == 200
    console = (await admin.get(f"/events/{eid}/skills/{sid}/console", headers=HTML)).text
    assert 'id="no-scheme"' not in console and "data-scheme-link" in console
    assert "第 1 版" in (await admin.get(f"/events/{eid}/skills/{sid}/scheme", headers=HTML)).text

    # A judge reads it, without the editing controls; someone of no role in the event does not.
    judge = await account(admin, server, eid, "judge", sid)
    outsider_event = await new_event(admin)
    outsider = await account(admin, server, outsider_event["id"], "organiser")
    try:
        seen = await judge.get(f"/events/{eid}/skills/{sid}/scheme", headers=HTML)
        assert seen.status_code == 200 and page_config(seen.text)["editable"] is False and 'id="scheme-upload"' not in seen.text
        assert (await outsider.get(f"/events/{eid}/skills/{sid}/scheme", headers=HTML)).status_code == 403
    finally:
        await judge.aclose()
        await outsider.aclose()
