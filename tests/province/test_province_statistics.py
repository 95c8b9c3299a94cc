"""The province's figures (全省竞赛统计) on a small data set whose every number is written here by
hand (``tests/worlds/province_world.py``): two events of two tiers and years, entrants of four cities and an industry body, and the
approved (or struck, or not yet approved) proposals. Through the HTTP API of a real server on
SQLite and PostgreSQL: each cut, a filter, the drill-down to events, the access (the province
supervisor sees figures and never a name or an ID number; an event's organiser is refused), the
code lists, and the 情况表 and CSV read back."""

from __future__ import annotations

import csv
import io

import pytest
from harness import ADMIN_PASSWORD, Client, account
from openpyxl import load_workbook
from province_world import SUPERVISOR, province_server


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def ps(request, tmp_path_factory):
    server, db, ids = await province_server(tmp_path_factory.mktemp(f"province-{request.param}"), request.param)
    admin, sup, anon = Client(server.base_url), Client(server.base_url), Client(server.base_url)
    await admin.login("admin", ADMIN_PASSWORD)
    await sup.login(*SUPERVISOR)
    organiser = await account(admin, server, ids["a"], "organiser")
    yield {"server": server, "admin": admin, "sup": sup, "anon": anon, "organiser": organiser, **ids}
    for c in (admin, sup, anon, organiser):
        await c.aclose()
    server.stop()
    await db.__aexit__(None, None, None)


def table(body: dict) -> dict[str, dict]:
    """Rows keyed by their dimension codes joined with '/', figures only."""
    measures = ("contests", "skills", "entrants", "prizes", "honours", "promotions")
    return {"/".join(r["key"].values()): {m: r[m] for m in measures} for r in body["rows"]}


def fig(contests=1, skills=1, entrants=0, prizes=0, honours=0, promotions=0) -> dict:
    return dict(contests=contests, skills=skills, entrants=entrants, prizes=prizes, honours=honours, promotions=promotions)


async def test_each_cut_adds_up_to_the_hand_counted_figures(ps):
    sup = ps["sup"]

    async def cut(**params) -> dict:
        r = await sup.get("/api/province/statistics", params=params)
        assert r.status_code == 200, r.text
        return r.json()

    body = await cut(by="cluster")
    assert table(body) == {"P01": fig(entrants=7, prizes=2, honours=1, promotions=1), "E02": fig(entrants=2, prizes=1)}
    assert body["total"] | {"events": None} == fig(contests=2, skills=2, entrants=9, prizes=3, honours=1, promotions=1) | {"events": None}
    assert body["rows"][0]["labels"]["cluster"] == {"zh": "新一代电子信息", "en": "New-generation electronic information"}
    assert body["computed_at"] and body["computed_at_china"]

    city = await cut(by="city")
    assert table(city) == {
        "440100": fig(entrants=3, prizes=1, honours=1, promotions=1), "440600": fig(entrants=2, prizes=1),
        "440300": fig(entrants=2), "industry": fig(entrants=2, prizes=1),
    }  # fmt: skip
    assert table(await cut(by="tier")) == {"provincial": fig(entrants=7, prizes=2, honours=1, promotions=1), "city": fig(entrants=2, prizes=1)}
    assert table(await cut(by="year")) == {"2026": fig(entrants=7, prizes=2, honours=1, promotions=1), "2025": fig(entrants=2, prizes=1)}
    assert table(await cut(by="group")) == {
        "employee": fig(contests=2, skills=2, entrants=7, prizes=3, honours=1, promotions=1), "student": fig(entrants=2),
    }  # fmt: skip
    assert table(await cut(by="sex")) == {
        "M": fig(entrants=5, prizes=1, honours=1, promotions=1), "F": fig(contests=2, skills=2, entrants=4, prizes=2),
    }  # fmt: skip
    assert table(await cut(by="age_band")) == {
        "36-45": fig(entrants=3, prizes=1, honours=1, promotions=1), "23-35": fig(entrants=2, prizes=1),
        "<=22": fig(entrants=2), "46+": fig(entrants=2, prizes=1),
    }  # fmt: skip
    assert table(await cut(by="occupation")) == {"6-31-01-03": fig(entrants=7, prizes=2, honours=1, promotions=1), "": fig(entrants=2, prizes=1)}

    crossed = await cut(by="cluster,city", year="2026")
    assert table(crossed) == {
        "P01/440100": fig(entrants=3, prizes=1, honours=1, promotions=1), "P01/440600": fig(entrants=2, prizes=1), "P01/440300": fig(entrants=2),
    }  # fmt: skip
    # Drill-down: every row names the events behind it.
    assert {e for r in crossed["rows"] for e in r["events"]} == {ps["a"]}
    assert next(r for r in (await cut(by="tier"))["rows"] if r["key"]["tier"] == "city")["events"] == [ps["b"]]


async def test_bad_cuts_are_refused_in_words(ps):
    r = await ps["sup"].get("/api/province/statistics", params={"by": "colour"})
    assert r.status_code == 422 and "colour" in r.json()["message"], r.text
    r = await ps["sup"].get("/api/province/statistics", params={"by": "cluster,city,tier,group"})
    assert r.status_code == 422, r.text


async def test_only_the_province_sees_the_figures_and_never_a_person(ps):
    r = await ps["sup"].get("/api/province/statistics", params={"by": "city,group,sex"})
    assert r.status_code == 200
    for secret in ("广州0", "佛山0", "电网0", "440106"):  # names, and the region prefix every ID number here has
        assert secret not in r.text
    assert (await ps["organiser"].get("/api/province/statistics")).status_code == 403
    assert (await ps["anon"].get("/api/province/statistics")).status_code == 401
    assert (await ps["admin"].get("/api/province/statistics")).status_code == 200
    # The supervisor reads no event's registrations.
    assert (await ps["sup"].get(f"/api/events/{ps['a']}/contestants")).status_code == 403
    codes = (await ps["sup"].get("/api/province/codes")).json()
    assert len(codes["clusters"]["items"]) == 20 and len(codes["cities"]["items"]) == 21 and codes["clusters"]["version"]


async def test_the_situation_workbook_and_csv_read_back(ps):
    r = await ps["sup"].get("/api/province/statistics.xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats"), r.text
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames[:2] == ["按产业集群", "按地市"] and "说明" in wb.sheetnames
    rows = [[c.value for c in row] for row in wb["按地市"].iter_rows()]
    assert rows[0] == ["地市", "赛事数", "竞赛项目数", "参赛人数", "获奖人次", "授予荣誉人数", "晋级人数"]
    assert rows[1] == ["广州市", 1, 1, 3, 1, 1, 1]
    assert rows[-1] == ["合计", 2, 2, 9, 3, 1, 1]
    notes = {row[0].value: row[1].value for row in wb["说明"].iter_rows(min_row=2)}
    assert notes["统计时间（北京时间）"] and "82号" in notes["产业集群代码表"]

    r = await ps["sup"].get("/api/province/statistics.csv", params={"by": "tier", "lang": "en"})
    assert r.status_code == 200 and r.content.startswith("\ufeff".encode()), r.text
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert lines[0][:4] == ["Tier", "Contests", "Skills", "Entrants"]
    assert lines[1][:4] == ["Provincial", "1", "1", "7"] and lines[3][0] == "Total" and lines[-1][0].startswith("Computed at")


async def test_team_standings_by_hand(ps):
    # Event A (省赛, points 7/5/3/1, 优秀组织奖 to the top 10 with at least a point): 广州0 一等奖 and
    # 佛山0 二等奖 approved; 深圳0's 三等奖 struck and 深圳1's 优胜奖 not approved count nothing.
    r = await ps["sup"].get(f"/api/province/events/{ps['a']}/standings")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["enabled"] and [a["code"] for a in body["awards"]] == ["first", "second"] and body["approved"] == 2
    got = {x["delegation"]: (x["medal_rank"], x["counts"], x["entrants"], x["total"], x["total_rank"], x["organisation_award"]) for x in body["rows"]}
    assert got == {
        "广州市代表队": (1, {"first": 1, "second": 0}, 3, 7, 1, True),  # the withdrawn fourth is no entrant
        "佛山市": (2, {"first": 0, "second": 1}, 2, 5, 2, True),
        "深圳市": (3, {"first": 0, "second": 0}, 2, 0, 3, False),
    }
    # Event B (市赛: 优秀组织奖 to the top 3): one 三等奖.
    b = (await ps["sup"].get(f"/api/province/events/{ps['b']}/standings")).json()
    assert [(x["delegation"], x["counts"], x["total"], x["organisation_award"]) for x in b["rows"]] == [
        ("广东电网有限责任公司", {"third": 1}, 3, True)
    ]
    assert (await ps["organiser"].get(f"/api/province/events/{ps['a']}/standings")).status_code == 403
    # On the event's public results page (delegations and counts only).
    page = await ps["anon"].get(f"/results/{ps['a']}")
    assert page.status_code == 200 and 'id="team-standings"' in page.text and "广州市代表队" in page.text and "广州0" not in page.text


async def test_drill_down_to_the_events_behind_a_figure(ps):
    r = await ps["sup"].get("/api/province/events", params={"sex": "F"})
    assert r.status_code == 200, r.text
    rows = {e["event_id"]: (e["entrants"], e["prizes"], e["year"], e["tier"]) for e in r.json()}
    assert rows == {ps["a"]: (2, 1, "2026", "provincial"), ps["b"]: (2, 1, "2025", "city")}
    r = await ps["sup"].get("/api/province/events", params={"age_band": "36-45"})
    assert [(e["event_id"], e["entrants"], e["honours"], e["promotions"]) for e in r.json()] == [(ps["a"], 3, 1, 1)]
    # The page: each figure links to the events behind it, each event to its figures and results.
    page = await ps["sup"].get("/province/statistics", params={"by": "tier"})
    assert page.status_code == 200
    assert "/province/events?tier=city" in page.text and f'href="/province/events/{ps["b"]}"' in page.text
    assert 'id="prov-sex"' in page.text and 'id="prov-age_band"' in page.text
    listing = await ps["sup"].get("/province/events", params={"tier": "city"})
    assert listing.status_code == 200 and "2025年广州市职业技能竞赛" in listing.text and f'href="/results/{ps["b"]}"' in listing.text
    assert "第三届广东省职业技能大赛" not in listing.text
    one = await ps["sup"].get(f"/province/events/{ps['a']}")
    assert one.status_code == 200 and 'id="team-standings"' in one.text and f'href="/results/{ps["a"]}"' in one.text
    assert (await ps["organiser"].get("/province/events")).status_code in (401, 403)


async def test_the_workbook_lists_the_team_standings(ps):
    r = await ps["sup"].get("/api/province/statistics.xlsx", params={"year": "2026"})
    wb = load_workbook(io.BytesIO(r.content))
    rows = [[c.value for c in row] for row in wb["团体成绩"].iter_rows()]
    assert rows[0] == ["赛事", "代表队", "名次", "获奖", "团体总分", "总分名次", "优秀组织奖"]
    assert rows[1:] == [
        ["第三届广东省职业技能大赛", "广州市代表队", 1, "一等奖 1", 7, 1, "是"],
        ["第三届广东省职业技能大赛", "佛山市", 2, "二等奖 1", 5, 2, "是"],
        ["第三届广东省职业技能大赛", "深圳市", 3, "—", 0, 3, None],
    ]


async def test_the_summary_agrees_with_a_fresh_count(ps):
    from harness import run_cli

    proc = run_cli(ps["server"].env, "province", "check")
    assert "一致" in proc.stdout, proc.stdout
