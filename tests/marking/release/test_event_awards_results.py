"""Best of Nation and the Albert Vidal Award through the results of a small WorldSkills event, on
SQLite and PostgreSQL: five competitors of four delegations on the 700 scale, two of 广州市 tied at
the top (so both are 广州市's best and share the Albert Vidal Award), the three other delegations
one competitor each. Nothing before publication; provisional once published; final and proposed
(kind award, in the winner's skill and group) once the last group is final; certificates plan them."""

from __future__ import annotations

import pytest
from results_world import VALUES, ResultsWorld, decrypt, results_world, sign_off, wait_until

WINDOWS = {"notice_hours": 0, "appeal_window_hours": 0.0012}
# 选手0 … 选手4 of 广州市, 深圳市, 佛山市, 东莞市, 广州市: 选手4 marked like 选手0 (100, tied).
MARKS = [*VALUES[:4], VALUES[0]]


@pytest.fixture(scope="module")
async def rw(server):
    world = await results_world(server, values=MARKS, provincial=False, windows=WINDOWS)
    yield world
    await world.close()


def _pairs(awards) -> set[tuple[str, str, str]]:
    return {(a["code"], a["name"], a["delegation"]) for a in awards}


EXPECTED = {
    ("best_of_nation", "选手0", "广州市"), ("best_of_nation", "选手4", "广州市"), ("best_of_nation", "选手1", "深圳市"),
    ("best_of_nation", "选手2", "佛山市"), ("best_of_nation", "选手3", "东莞市"),
    ("albert_vidal", "选手0", "广州市"), ("albert_vidal", "选手4", "广州市"),
}  # fmt: skip


async def test_event_awards_flow_from_results_to_certificates(rw: ResultsWorld):
    eid, url, org = rw.eid, rw.group_url, rw.organiser
    staff = f"/api/events/{eid}/results/event-awards"
    public = f"/api/public/events/{eid}/event-awards"
    r = await org.get(staff)
    assert r.status_code == 200, r.text
    assert r.json()["rule"] == "worldskills" and r.json()["stage"] == "incomplete" and r.json()["awards"] == []
    assert (await rw.anon.get(public)).json()["awards"] == []
    assert (await rw.contestant.get(staff)).status_code == 403

    await sign_off(rw.w)
    await decrypt(rw.w)
    r = await org.post(f"{url}/results/provisional")
    assert r.status_code == 200, r.text
    rel = r.json()["release"]
    view = (await org.get(staff)).json()
    assert view["stage"] == "provisional" and _pairs(view["awards"]) == EXPECTED
    assert all(a["shared"] for a in view["awards"] if a["delegation"] == "广州市")
    assert not any(a["shared"] for a in view["awards"] if a["delegation"] != "广州市")
    assert {a["label"] for a in view["awards"]} == {"国家最佳选手奖", "阿尔伯特·维达尔奖"}
    top = next(a for a in view["awards"] if a["code"] == "albert_vidal")
    assert float(top["score"]) > 700 and top["skill"] == rw.w.skill["name"]
    shown = (await rw.anon.get(public + "?lang=en")).json()
    assert shown["stage"] == "provisional" and _pairs(shown["awards"]) == EXPECTED
    assert {a["label"] for a in shown["awards"]} == {"Best of Nation", "Albert Vidal Award"}
    assert all(set(a) == {"code", "label", "name", "delegation", "skill", "group", "score", "shared"} for a in shown["awards"])

    await wait_until(rel["appeal_ends_at"])
    r = await org.post(f"{url}/results/final")
    assert r.status_code == 200, r.text
    assert (await org.get(staff)).json()["stage"] == "final"
    items = (await rw.w.admin.get(f"/api/events/{eid}/proposals")).json()
    extra = {(p["code"], p["name"]) for p in items if p["code"] in ("best_of_nation", "albert_vidal")}
    assert extra == {(code, name) for code, name, _ in EXPECTED}
    bon = next(p for p in items if p["code"] == "best_of_nation" and p["name"] == "选手1")
    assert (
        bon["kind"] == "award" and bon["group_id"] == rw.gid and bon["delegation"] == "深圳市" and bon["final_award"] == "bronze"
    )  # two golds: no silver
    assert bon["label"]["zh"] == "国家最佳选手奖"
    # The medals are still there, beside them: two golds (tied), then bronze.
    medals = {p["name"]: p["code"] for p in items if p["kind"] == "award" and p["code"] not in ("best_of_nation", "albert_vidal")}
    assert medals["选手0"] == medals["选手4"] == "gold"

    r = await rw.approver.post(f"/api/events/{eid}/proposals/approve", json={})
    assert r.status_code == 200, r.text
    plan = (await org.get(f"/api/events/{eid}/certificates/plan")).json()
    planned = {(i["code"], i["holder_name"]): i for i in plan["items"]}
    for code, name, _ in EXPECTED:
        assert planned[(code, name)]["action"] == "issue", planned[(code, name)]
    assert planned[("albert_vidal", "选手0")]["what"] == "阿尔伯特·维达尔奖"
