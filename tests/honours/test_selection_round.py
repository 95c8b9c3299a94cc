"""A whole annual selection round over HTTP, on SQLite and PostgreSQL: opened, nominated within and
over quota, dossiers filled from two finished events, reviewed with a conflict of interest refused,
the list confirmed, an objection upheld and one dismissed, announced, the certificate verified,
the honour held (a later round refuses it); and the referral lists from the same small world."""

from __future__ import annotations

import io

import openpyxl
import pytest
from harness import Client
from honours_world import PASSWORD, honours_server
from honours_world import day as _day


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def world(request, tmp_path_factory):
    server, db, seeded = await honours_server(tmp_path_factory.mktemp(f"honours-{request.param}"), request.param)
    yield server, seeded
    server.stop()
    await db.__aexit__(None, None, None)


async def _client(server, username: str | None = None) -> Client:
    c = Client(server.base_url)
    if username:
        await c.login(username, PASSWORD)
    return c


ROUND = {
    "year": 2026, "name": "2026年南粤技能大师评选",
    "honours": [{"code": "nanyue_skills_master", "places": 2}, {"code": "guangdong_technical_expert", "places": 1}],
    "rules": {"min_level": 4, "min_years": 5, "exclude_held": True},
    "quotas": [{"body": "广州市", "honour": "nanyue_skills_master", "quota": 1}, {"body": "深圳市", "honour": "nanyue_skills_master", "quota": 1},
               {"body": "深圳市", "honour": "guangdong_technical_expert", "quota": 1}],
    "stages": {"nomination_ends": _day(10), "review_ends": _day(20), "publicity_ends": _day(27), "announce_on": _day(30)},
}  # fmt: skip


async def test_a_whole_round(world):
    server, w = world
    u = w["users"]
    org = await _client(server, u["organiser"])
    gz, sz, r1, r2, r3 = [await _client(server, u[k]) for k in ("gz", "sz", "r1", "r2", "r3")]
    anon = await _client(server)
    try:
        # Only the organiser opens a round; bad input names its field.
        assert (await gz.post("/api/honours/rounds", json=ROUND)).status_code == 403
        bad = await org.post("/api/honours/rounds", json=ROUND | {"stages": ROUND["stages"] | {"review_ends": _day(1)}})
        assert bad.status_code == 422 and bad.json()["field"] == "review_ends"
        r = await org.post("/api/honours/rounds", json=ROUND)
        assert r.status_code == 201, r.text
        rnd = r.json()
        rid = rnd["id"]
        assert rnd["stage"] == "nomination" and {q["body"] for q in rnd["quotas"]} == {"440100", "440300"}
        for user, body in ((u["gz"], "广州"), (u["sz"], "深圳市")):
            a = await org.post(f"/api/honours/rounds/{rid}/members", json={"username": user, "role": "nominator", "body": body})
            assert a.status_code == 200, a.text
        for user, employer, city in ((u["r1"], "广州供电局", "广州市"), (u["r2"], "广东省技师学院", "韶关市"), (u["r3"], "华南理工大学", "珠海市")):
            a = await org.post(f"/api/honours/rounds/{rid}/members", json={"username": user, "role": "reviewer", "employer": employer, "city": city})
            assert a.status_code == 200, a.text

        # Nomination: the dossier comes from the records of two finished events.
        d = await gz.get(f"/api/honours/rounds/{rid}/dossier", params={"id_number": w["lin"]})
        assert d.status_code == 200, d.text
        assert sorted(x["event"] for x in d.json()["results"]) == ["第三届广东省职业技能大赛", "第二届广东省职业技能大赛"]
        n1 = await gz.post(f"/api/honours/rounds/{rid}/nominations", json={"honour": "nanyue_skills_master", "name": "林志强", "id_number": w["lin"],
                                                                           "years": 12, "achievements": "带徒 20 名"})  # fmt: skip
        assert n1.status_code == 201, n1.text
        lin = n1.json()
        assert lin["level"] == 4 and lin["employer"] == "广州供电局" and lin["city"] == "广州市"
        assert len(lin["dossier"]["results"]) == 2 and lin["dossier"]["promotions"][0]["to_level"] == 4
        assert [h["honour"] for h in lin["dossier"]["honours"]] == ["city_technical_expert"]
        over = await gz.post(
            f"/api/honours/rounds/{rid}/nominations", json={"honour": "nanyue_skills_master", "name": "黄俊杰", "id_number": w["huang"], "years": 9}
        )
        assert over.status_code == 409 and over.json()["code"] == "over_quota", over.text
        assert "名额已用完" in over.json()["message"]
        none = await gz.post(
            f"/api/honours/rounds/{rid}/nominations",
            json={"honour": "guangdong_technical_expert", "name": "黄俊杰", "id_number": w["huang"], "years": 9},
        )
        assert none.status_code == 422 and "不重复" in none.json()["message"]  # holds 广东省技术能手 already
        young = await sz.post(f"/api/honours/rounds/{rid}/nominations", json={"honour": "guangdong_technical_expert", "name": "王小明", "id_number": w["wang"],
                                                                              "years": 6, "level": 2})  # fmt: skip
        assert young.status_code == 422 and young.json()["code"] == "not_eligible" and "技能等级" in young.json()["message"]
        n2 = await sz.post(
            f"/api/honours/rounds/{rid}/nominations", json={"honour": "nanyue_skills_master", "name": "陈美玲", "id_number": w["chen"], "years": 8}
        )
        assert n2.status_code == 201, n2.text
        chen = n2.json()
        assert (await r1.post(f"/api/honours/rounds/{rid}/nominations", json={"honour": "nanyue_skills_master"})).status_code == 403
        mine = (await gz.get(f"/api/honours/rounds/{rid}/mine")).json()
        assert mine["round"]["quotas"] == [{"body": "440100", "body_name": "广州市", "honour": "nanyue_skills_master", "quota": 1, "used": 1}]

        # Attachments: type from the content, not the name.
        pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        up = await gz.post(
            f"/api/honours/nominations/{lin['id']}/attachments", files={"file": ("业绩.pdf", pdf, "application/pdf")}, data={"title": "业绩材料"}
        )
        assert up.status_code == 201 and up.json()["kind"] == "pdf", up.text
        fake = await gz.post(
            f"/api/honours/nominations/{lin['id']}/attachments", files={"file": ("x.png", b"<script>alert(1)</script>", "image/png")}
        )
        assert fake.status_code == 422 and fake.json()["field"] == "file"
        assert (
            await sz.post(f"/api/honours/nominations/{lin['id']}/attachments", files={"file": ("a.pdf", pdf, "application/pdf")})
        ).status_code == 403

        # Review opens when nomination ends.
        early = await r2.post(
            f"/api/honours/nominations/{lin['id']}/scores", json={"scores": {"skill": 38, "results": 28, "teaching": 18, "conduct": 9}}
        )
        assert early.status_code == 409 and early.json()["code"] == "review_not_open"
        moved = await org.post(
            f"/api/honours/rounds/{rid}/stages",
            json={"nomination_ends": _day(-1), "review_ends": _day(5), "publicity_ends": _day(12), "announce_on": _day(15)},
        )
        assert moved.status_code == 200 and moved.json()["stage"] == "review", moved.text
        late = await gz.post(
            f"/api/honours/rounds/{rid}/nominations", json={"honour": "nanyue_skills_master", "name": "黄俊杰", "id_number": w["huang"], "years": 9}
        )
        assert late.status_code == 409 and late.json()["code"] == "nomination_closed"

        # The reviewer from the candidate's employer and city stands aside.
        view = {n["id"]: n for n in (await r1.get(f"/api/honours/rounds/{rid}/review")).json()}
        assert view[lin["id"]]["conflict"] is not None and view[chen["id"]]["conflict"] is None
        assert "*" in view[lin["id"]]["id_number"]
        refused = await r1.post(
            f"/api/honours/nominations/{lin['id']}/scores", json={"scores": {"skill": 40, "results": 30, "teaching": 20, "conduct": 10}}
        )
        assert refused.status_code == 409 and refused.json()["code"] == "conflict_of_interest", refused.text
        bad_score = await r2.post(
            f"/api/honours/nominations/{lin['id']}/scores", json={"scores": {"skill": 41, "results": 28, "teaching": 18, "conduct": 9}}
        )
        assert bad_score.status_code == 422 and bad_score.json()["field"] == "scores"
        for reviewer, nom, s in ((r2, lin, (30, 20, 10, 5)), (r3, lin, (32, 22, 12, 6)), (r1, chen, (20, 15, 10, 5)), (r2, chen, (21, 16, 11, 6)),
                                 (r3, chen, (22, 17, 12, 7))):  # fmt: skip
            ok = await reviewer.post(f"/api/honours/nominations/{nom['id']}/scores",
                                     json={"scores": dict(zip(("skill", "results", "teaching", "conduct"), s))})  # fmt: skip
            assert ok.status_code == 201, ok.text
        again = await r2.post(
            f"/api/honours/nominations/{lin['id']}/scores", json={"scores": {"skill": 1, "results": 1, "teaching": 1, "conduct": 1}}
        )
        assert again.status_code == 409

        # A second review round: the list uses it.
        assert (await org.post(f"/api/honours/rounds/{rid}/second-review")).status_code == 200
        assert (await org.post(f"/api/honours/rounds/{rid}/second-review")).status_code == 409
        for reviewer, nom, s in ((r2, lin, (38, 28, 18, 9)), (r3, lin, (36, 26, 16, 8)), (r1, chen, (30, 25, 15, 8)), (r2, chen, (31, 24, 15, 8)),
                                 (r3, chen, (35, 26, 17, 9))):  # fmt: skip
            ok = await reviewer.post(f"/api/honours/nominations/{nom['id']}/scores",
                                     json={"scores": dict(zip(("skill", "results", "teaching", "conduct"), s))})  # fmt: skip
            assert ok.status_code == 201, ok.text
        listing = (await org.get(f"/api/honours/rounds/{rid}/list")).json()
        nanyue = next(h for h in listing["honours"] if h["honour"]["code"] == "nanyue_skills_master")["rows"]
        assert [(row["name"], row["score"], row["rank"], row["proposed"]) for row in nanyue] == [
            ("林志强", "89.50", 1, True),  # mean of 93 and 86 (two reviewers: the third stood aside)
            ("陈美玲", "78.00", 2, True),  # 78, 78, 87 → trimmed: 78
        ]  # fmt: skip
        assert (await sz.post(f"/api/honours/rounds/{rid}/approve")).status_code == 403
        assert (await org.post(f"/api/honours/rounds/{rid}/approve")).status_code == 200
        assert (await org.post(f"/api/honours/rounds/{rid}/approve")).status_code == 409
        late_score = await r2.post(
            f"/api/honours/nominations/{lin['id']}/scores", json={"scores": {"skill": 1, "results": 1, "teaching": 1, "conduct": 1}}
        )
        assert late_score.status_code == 409

        # 公示: public, names masked; objections recorded and decided.
        assert (await anon.get(f"/api/public/honours/{rid}")).status_code == 404
        assert (await org.post(f"/api/honours/rounds/{rid}/publicise")).status_code == 200
        notice = (await anon.get(f"/api/public/honours/{rid}")).json()
        assert notice["kind"] == "publicity" and {row["name"] for row in notice["rows"]} == {"林*强", "陈*玲"}
        bad = await anon.post(
            f"/api/public/honours/{rid}/objections", json={"nomination_id": lin["id"], "filer_name": "张三", "filer_contact": "13800000000"}
        )
        assert bad.status_code == 422 and bad.json()["field"] == "reason"
        o1 = await anon.post(f"/api/public/honours/{rid}/objections", json={"nomination_id": lin["id"], "filer_name": "张三", "filer_contact": "13800000000",
                                                                             "reason": "业绩材料有误"})  # fmt: skip
        o2 = await anon.post(f"/api/public/honours/{rid}/objections", json={"nomination_id": chen["id"], "filer_name": "李四", "filer_contact": "13900000000",
                                                                             "reason": "从业年限不足"})  # fmt: skip
        assert o1.status_code == 201 and o2.status_code == 201, o1.text
        pending = await org.post(f"/api/honours/rounds/{rid}/announce")
        assert pending.status_code == 409 and pending.json()["code"] == "objections_pending"
        d1 = await org.post(
            f"/api/honours/rounds/{rid}/objections/{o1.json()['id']}/decision", json={"outcome": "dismissed", "decision": "经核实材料属实"}
        )
        d2 = await org.post(
            f"/api/honours/rounds/{rid}/objections/{o2.json()['id']}/decision", json={"outcome": "upheld", "decision": "从业年限经核实不足"}
        )
        assert d1.status_code == 200 and d2.status_code == 200, d2.text
        again = await org.post(f"/api/honours/rounds/{rid}/objections/{o2.json()['id']}/decision", json={"outcome": "dismissed", "decision": "x"})
        assert again.status_code == 409

        # 公布: the certificate, verifiable by number; the honour held.
        announced = await org.post(f"/api/honours/rounds/{rid}/announce")
        assert announced.status_code == 200, announced.text
        rows = announced.json()["rows"]
        assert [row["name"] for row in rows] == ["林志强"]
        number = rows[0]["certificate_number"]
        assert "-SEL" in number and "-S-" in number
        v = await anon.get(f"/api/verify/{number}")
        assert v.status_code == 200, v.text
        assert v.json()["status"] == "genuine" and v.json()["what"] == "南粤技能大师" and v.json()["holder"] == "林*强"
        typo = number[:-1] + ("0" if number[-1] != "0" else "1")
        assert (await anon.get(f"/api/verify/{typo}")).status_code == 422

        # Nobody holds the same honour twice: a later round refuses 林志强 for it.
        r2nd = await org.post("/api/honours/rounds", json=ROUND | {"year": 2027, "name": "2027年评选"})
        rid2 = r2nd.json()["id"]
        await org.post(f"/api/honours/rounds/{rid2}/members", json={"username": u["gz"], "role": "nominator", "body": "广州市"})
        twice = await gz.post(
            f"/api/honours/rounds/{rid2}/nominations", json={"honour": "nanyue_skills_master", "name": "林志强", "id_number": w["lin"], "years": 13}
        )
        assert twice.status_code == 422 and "不重复" in twice.json()["message"], twice.text
    finally:
        for c in (org, gz, sz, r1, r2, r3, anon):
            await c.aclose()


async def test_referral_lists(world):
    server, w = world
    org = await _client(server, w["users"]["organiser"])
    nobody = await _client(server, w["users"]["r3"])
    try:
        assert (await nobody.get("/api/honours/referrals/may-day", params={"year": 2026})).status_code == 403
        may = (await org.get("/api/honours/referrals/may-day", params={"year": 2026})).json()
        assert sorted(r["name"] for r in may) == ["林志强", "黄俊杰"]  # employees' first places of 2026 (not the student)
        assert all("*" in r["id_number"] for r in may)
        assert [r["name"] for r in (await org.get("/api/honours/referrals/may-day", params={"year": 2025})).json()] == ["林志强"]
        x = await org.get("/api/honours/referrals/may-day.xlsx", params={"year": 2026})
        assert x.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(x.content)).active
        values = [[c.value for c in row] for row in sheet.iter_rows()]
        assert values[0][:3] == ["序号", "姓名", "身份证号"] and {v[2] for v in values[1:]} == {w["lin"], w["huang"]}
        national = (await org.get("/api/honours/referrals/national", params={"year": 2026})).json()
        assert [r["name"] for r in national] == ["黄俊杰"]  # holds 广东省技术能手, not yet 全国技术能手
        assert (await org.get("/api/honours/referrals/national.xlsx", params={"year": 2026})).status_code == 200
    finally:
        await org.aclose()
        await nobody.aclose()
