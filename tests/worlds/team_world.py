"""Team skills built through the public API (for ``tests/*/test_team_*.py``): a national event with
a two- or three-person skill of measurement aspects only (one judge marks everything), teams
registered by form, check-in, encryption, marks per team, and the results workflow to final,
approval and issuance."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from harness import Client, account, new_event, new_skill, unique
from live_world import code_login

from scoring.idcard import make_id

#: Measurement aspects only, so one judge marks everything; full or zero, totals by the set given.
SCHEME = {
    "skill": "团体项目",
    "parts": {"practical": "100"},
    "criteria": [
        {
            "id": "A",
            "name": "实操",
            "part": "practical",
            "mark": "100",
            "sub_criteria": [
                {
                    "id": "A1",
                    "name": "功能",
                    "aspects": [
                        {"id": f"A1.{i}", "description": f"功能{i}", "kind": "M", "mode": "full_or_zero", "max_mark": str(m)}
                        for i, m in enumerate((40, 30, 20, 10), start=1)
                    ],
                }
            ],
        }
    ],
}
#: Aspects each team gets full marks on, by team: totals 100, 90, 70, 40, 30.
FULL = [("A1.1", "A1.2", "A1.3", "A1.4"), ("A1.1", "A1.2", "A1.3"), ("A1.1", "A1.2"), ("A1.1",), ("A1.2",)]
CITIES = ["广州市", "深圳市", "佛山市", "东莞市", "中山市"]
WINDOWS = {"notice_hours": 0, "appeal_window_hours": 0}
_n = iter(range(10**6))


def new_id() -> str:
    n = next(_n) + (dt.datetime.now().microsecond % 997) * 1000
    return make_id("440106", dt.date(1985, 1, 1) + dt.timedelta(days=n % 5000), (n // 5000) % 900, "M")


async def national_event(admin: Client, team_size: int) -> tuple[dict, dict]:
    event = await new_event(admin, tier="national", tier_class=None)
    r = await admin.put(f"/api/events/{event['id']}/preset", json={"overrides": {"results": WINDOWS}})
    assert r.status_code == 200, r.text
    skill = await new_skill(admin, event["id"], name=unique("团体"), groups=["employee"], team_size=team_size)
    assert skill["team_size"] == team_size
    r = await admin.put(f"/api/events/{event['id']}/skills/{skill['id']}/scheme", json={"scheme": SCHEME})
    assert r.status_code == 200, r.text
    return event, skill


async def register(admin: Client, event: dict, skill: dict, team: str, city: str, i: int, *, captain: bool, id_number: str | None = None,
                   **over: Any) -> tuple[Any, dict]:  # fmt: skip
    body = {
        "name": f"{team}{i}", "id_number": id_number or new_id(), "skill_id": skill["id"], "group_id": skill["groups"][0]["id"],
        "employer": f"{city}公司{team}{i}", "delegation": city, "phone": "13800138000", "current_level": "高级工",
        "level_certificate_no": f"S{next(_n):010d}", "team": team, "team_captain": captain,
    } | over  # fmt: skip
    r = await admin.post(f"/api/events/{event['id']}/contestants", json=body)
    return r, body


async def register_team(admin: Client, event: dict, skill: dict, team: str, city: str, size: int, ids: dict[int, str] | None = None,
                        over: dict[int, dict] | None = None) -> list[dict]:  # fmt: skip
    out = []
    for i in range(size):
        r, body = await register(admin, event, skill, team, city, i, captain=i == 0, id_number=(ids or {}).get(i), **(over or {}).get(i, {}))
        assert r.status_code == 201, r.text
        out.append({**r.json(), "id_number": body["id_number"]})
    return out


async def check_in(admin: Client, event: dict, people: list[dict], status: str = "present") -> None:
    for p in people:
        body = {"status": status} | ({"id_number": p["id_number"]} if status != "absent" else {})
        r = await admin.put(f"/api/events/{event['id']}/checkin/{p['id']}", json=body)
        assert r.status_code == 200, r.text


async def staff(admin: Client, server, event: dict, skill: dict, *, conflicted_employer: str) -> dict[str, Client]:
    eid, sid = event["id"], skill["id"]
    out: dict[str, Client] = {}
    for key, name, city, employer in (("judge", "甲裁判", "江门市", "江门职业技术学院"), ("conflicted", "乙裁判", "珠海市", conflicted_employer)):
        j = (await admin.post(f"/api/events/{eid}/judges", json={"name": name, "delegation": city, "employer": employer})).json()
        r = await admin.put(f"/api/events/{eid}/skills/{sid}/judges/{j['id']}", json={"role": "judge"})
        assert r.status_code == 200, r.text
        out[key] = await code_login(admin, server, eid, j["user"]["id"])
    cj = (await admin.post(f"/api/events/{eid}/judges", json={"name": "裁判长", "delegation": "惠州市", "employer": "惠州学院"})).json()
    assert (await admin.put(f"/api/events/{eid}/skills/{sid}/judges/{cj['id']}", json={"role": "chief_judge"})).status_code == 200
    out["chief"] = await code_login(admin, server, eid, cj["user"]["id"])
    for role in ("encryption_officer", "organiser", "approver"):
        out[role] = await account(admin, server, eid, role)
    return out


async def mark(judge: Client, event: dict, skill: dict, ref: str, aspect: str, value: str) -> Any:
    return await judge.post(
        f"/api/events/{event['id']}/skills/{skill['id']}/marks", json={"op_id": unique("t-"), "contestant": ref, "aspect": aspect, "value": value}
    )


async def encrypt(officer: Client, event: dict, skill: dict) -> dict[int, str]:
    r = await officer.post(f"/api/events/{event['id']}/skills/{skill['id']}/encryption/rounds", json={"round": 1})
    assert r.status_code in (200, 201), r.text
    mapping = (await officer.get(f"/api/events/{event['id']}/skills/{skill['id']}/encryption/mapping")).json()["items"]
    return {m["contestant_id"]: m["encrypted_no"] for m in mapping}


async def score_teams(judge: Client, event: dict, skill: dict, refs: list[str]) -> None:
    jobs = []
    for ref, full in zip(refs, FULL):
        for aspect in ("A1.1", "A1.2", "A1.3", "A1.4"):
            value = {"A1.1": "40", "A1.2": "30", "A1.3": "20", "A1.4": "10"}[aspect] if aspect in full else "0"
            jobs.append(mark(judge, event, skill, ref, aspect, value))
    for r in await asyncio.gather(*jobs):
        assert r.status_code == 201, r.text


async def finalise(s: dict[str, Client], event: dict, skill: dict) -> dict:
    eid, sid = event["id"], skill["id"]
    r = await s["chief"].post(f"/api/events/{eid}/skills/{sid}/locks", json={"criterion": "A"})
    assert r.status_code == 201, r.text
    for step in ("submit", "recheck"):
        r = await s["chief"].post(f"/api/events/{eid}/skills/{sid}/scores/{step}", json={})
        assert r.status_code == 200, r.text
    r = await s["encryption_officer"].post(f"/api/events/{eid}/skills/{sid}/decrypt", json={"note": "监督：张三"})
    assert r.status_code in (200, 201), r.text
    url = f"/api/events/{eid}/skills/{sid}/groups/{skill['groups'][0]['id']}"
    r = await s["organiser"].post(f"{url}/results/provisional")
    assert r.status_code == 200, r.text
    r = await s["organiser"].post(f"{url}/results/final")
    assert r.status_code == 200, r.text
    r = await s["organiser"].get(f"/api/public/events/{eid}/skills/{sid}/results")
    assert r.status_code == 200, r.text
    return r.json()["groups"][0]["ranking"]


async def approve_and_issue(s: dict[str, Client], event: dict) -> list[dict]:
    eid = event["id"]
    r = await s["approver"].post(f"/api/events/{eid}/proposals/approve", json={})
    assert r.status_code == 200, r.text
    r = await s["organiser"].post(f"/api/events/{eid}/certificates/issue")
    assert r.status_code == 202, r.text
    batch = r.json()["batch"]
    for _ in range(600):
        batch = (await s["organiser"].get(f"/api/events/{eid}/certificates/batches/{batch['id']}")).json()
        if batch["status"] != "running":
            break
        await asyncio.sleep(0.3)
    assert batch["status"] == "finished", batch
    return (await s["organiser"].get(f"/api/events/{eid}/certificates")).json()


def outcomes(proposals: list[dict]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for p in proposals:
        out.setdefault(p["contestant_id"], {})[p["kind"]] = p["code"] if p["kind"] != "honour" else p["outcome"]
        out[p["contestant_id"]]["team"] = p["team"]
    return out
