"""Teams registered by import (团队名称 and 队长 columns), on both databases: a three-person skill's
sheet with bad teams is refused row by row and column by column in words; the fixed sheet stores
the teams with their captains, and the export round-trips them."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import random

import openpyxl
from harness import new_event, new_skill

from scoring.idcard import make_id

_seq = itertools.count(random.randrange(0, 300))
HEADERS = ["姓名", "身份证号", "竞赛项目", "组别", "工作单位/学校", "代表队", "现职业技能等级", "等级证书编号", "手机号", "团队名称", "队长"]


def person_id() -> str:
    n = next(_seq)
    return make_id("440106", dt.date(1988, 3, 1) + dt.timedelta(days=n // 400), n % 400, "M")


def row(skill: str, team: str, city: str, captain: bool, i: int) -> list:
    return [f"{team}{i}", person_id(), skill, "职工组", f"{city}公司", city, "高级工", f"S{i:010d}", "13800138000", team, "是" if captain else ""]


def workbook(rows: list[list], headers: list[str] = HEADERS) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "报名表"
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def upload(client, event_id, content: bytes, mode: str):
    return await client.post(f"/api/events/{event_id}/registration/import?mode={mode}", files={"data": ("报名表.xlsx", content)})


async def test_a_team_sheet_is_checked_per_team_and_stores_captains(admin):
    event = await new_event(admin)
    eid = event["id"]
    skill = await new_skill(admin, eid, name="三人赛", groups=["employee"], team_size=3)
    name = skill["name"]
    good = [row(name, "广州队", "广州市", i == 0, i) for i in range(3)]
    short = [row(name, "深圳队", "深圳市", i == 0, 10 + i) for i in range(2)]  # two of three
    captains = [row(name, "佛山队", "佛山市", True, 20 + i) for i in range(3)]  # three captains
    mixed = [row(name, "东莞队", "东莞市" if i else "惠州市", i == 0, 30 + i) for i in range(3)]  # two delegations
    loner = [row(name, "", "珠海市", False, 40)]  # no team in a team skill
    r = await upload(admin, eid, workbook(good + short + captains + mixed + loner), "check")
    assert r.status_code == 200, r.text
    report = r.json()
    errors = {(e["row"], e["column"], e["code"]) for e in report["errors"]}
    # Rows: header 1, 广州队 2-4, 深圳队 5-6, 佛山队 7-9, 东莞队 10-12, the loner 13.
    assert {(5, "团队名称", "team_size"), (6, "团队名称", "team_size")} <= errors
    assert {(7, "队长", "team_captains"), (8, "队长", "team_captains"), (9, "队长", "team_captains")} <= errors
    assert {(r, "代表队", "team_delegations") for r in (10, 11, 12)} <= errors
    assert (13, "团队名称", "team_required") in errors
    assert not any(e[0] in (2, 3, 4) for e in errors)
    messages = {e["code"]: e for e in report["errors"]}
    assert "每队须为 3 人" in messages["team_size"]["message_zh"] and "has 2 members" in messages["team_size"]["message_en"]
    assert "只有一名队长" in messages["team_captains"]["message_zh"] and "exactly one captain" in messages["team_captains"]["message_en"]
    assert "同一代表队" in messages["team_delegations"]["message_zh"]

    r = await upload(admin, eid, workbook(good + short + captains), "all")
    assert r.status_code == 422 and r.json()["refused"] is True
    short.append(row(name, "深圳队", "深圳市", False, 12))
    for i, p in enumerate(captains):
        p[10] = "是" if i == 0 else "否"
    r = await upload(admin, eid, workbook(good + short + captains), "all")
    assert r.status_code == 200 and r.json()["stored"]["created"] == 9, r.text
    items = (await admin.get(f"/api/events/{eid}/contestants", params={"limit": 50})).json()["items"]
    by_team: dict[str, list[bool]] = {}
    for c in sorted(items, key=lambda c: c["name"]):
        by_team.setdefault(c["team"], []).append(c["team_captain"])
    assert by_team == {"广州队": [True, False, False], "深圳队": [True, False, False], "佛山队": [True, False, False]}

    # The export lists the captains; importing it again changes nothing.
    exported = await admin.get(f"/api/events/{eid}/registration/export")
    assert exported.status_code == 200
    r = await upload(admin, eid, exported.content, "check")
    assert r.json()["counts"]["unchanged"] == 9 and r.json()["counts"]["errors"] == 0, r.text
    # A sheet without the 队长 column keeps the stored captains.
    plain = workbook([r[:10] for r in good + short + captains], HEADERS[:10])
    r = await admin.post(f"/api/events/{eid}/registration/import?mode=check", files={"data": ("报名表.xlsx", plain)})
    assert r.json()["counts"]["unchanged"] == 9 and r.json()["counts"]["errors"] == 0, r.text
