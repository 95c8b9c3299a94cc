"""Live pages over HTTP: the public boards render for anyone (with the server's first snapshot, no
names before decryption), the chief judge's console only for the skill's chief judge and organisers;
and the demo simulator, against a server of its own, scores the demo event so its board moves."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time

import httpx
import pytest
from harness import OUTPUT, Client, account, base_env, free_port, new_skill, run_cli
from live_world import build

pytestmark = pytest.mark.slow  # a minute or more: collected first (tests/conftest.py)

HTML = {"Accept": "text/html"}


def page_config(html: str, element_id: str) -> dict:
    m = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S)
    assert m, f"no #{element_id} in the page"
    return json.loads(m.group(1))


async def test_boards_are_public_and_anonymous(server):
    world = await build(server)
    eid, sid = world.event["id"], world.skill["id"]
    anon = Client(server.base_url)
    try:
        r = await anon.get(f"/board/{sid}", headers=HTML)
        assert r.status_code == 200, r.text
        assert world.skill["name"] in r.text and world.event["name"] in r.text and "/static/board.js" in r.text
        cfg = page_config(r.text, "board-config")
        assert cfg["mode"] == "skill" and cfg["ws"] == f"/ws/board/{sid}" and cfg["feed"] == f"/api/public/skills/{sid}/board"
        assert cfg["layout"] == "" and cfg["strings"]["rank"] == "名次"
        rows = [row for g in cfg["snapshots"][0]["groups"] for row in g["rows"]]
        assert {row["ref"] for row in rows} == set(world.refs)
        assert "选手0" not in r.text and "广州市" not in r.text  # not decrypted: numbers only

        screen = await anon.get(f"/board/{sid}?layout=screen", headers=HTML)
        assert 'class="board-root layout-screen"' in screen.text and page_config(screen.text, "board-config")["layout"] == "screen"
        phone = await anon.get(f"/board/{sid}?layout=phone&lang=en", headers=HTML)
        assert "layout-phone" in phone.text and "Live results" in phone.text
        assert page_config(phone.text, "board-config")["strings"]["rank"] == "Rank"
        assert "/lang/zh?next=" in phone.text  # the switch keeps the layout
        odd = await anon.get(f"/board/{sid}?layout=sideways", headers=HTML)
        assert odd.status_code == 200 and page_config(odd.text, "board-config")["layout"] == ""

        ev = await anon.get(f"/board/event/{eid}", headers=HTML)
        assert ev.status_code == 200 and world.event["name"] in ev.text
        ecfg = page_config(ev.text, "board-config")
        assert ecfg["mode"] == "event" and ecfg["ws"] == f"/ws/board/event/{eid}" and [s["id"] for s in ecfg["skills"]] == [sid]

        assert (await anon.get("/board/987654", headers=HTML)).status_code == 404
        assert (await anon.get("/board/event/987654", headers=HTML)).status_code == 404
    finally:
        await anon.aclose()
        await world.close()


async def test_console_only_for_chief_judge_and_organisers(server):
    world = await build(server)
    eid, sid = world.event["id"], world.skill["id"]
    url = f"/events/{eid}/skills/{sid}/console"
    other = await new_skill(world.admin, eid, name="电子技术", groups=["employee"])
    organiser = await account(world.admin, server, eid, "organiser")
    other_chief = await account(world.admin, server, eid, "chief_judge", other["id"])
    anon = Client(server.base_url)
    try:
        r = await world.chief.get(url, headers=HTML)
        assert r.status_code == 200, r.text
        assert "裁判长控制台" in r.text and "/static/console.js" in r.text
        cfg = page_config(r.text, "console-config")
        assert cfg["ws"] == f"/ws/staff/{sid}" and cfg["is_chief"] is True and cfg["is_organiser"] is False
        assert [c["id"] for c in cfg["criteria"]] == ["A", "B"]
        assert {a["id"]: a["judges"] for c in cfg["criteria"] for a in c["aspects"]} == {"A1.1": 3, "A1.2": 3, "B1.1": 1, "B1.2": 1}
        assert {s["name"] for s in cfg["seats"]} >= {"甲裁判", "乙裁判", "丙裁判", "裁判长"}
        assert 'data-lock="A"' in r.text and "data-freeze" not in r.text  # the chief locks; only organisers freeze
        assert 'id="submit-scores"' in r.text and 'value="chief_judge"' in r.text
        assert "选手0" not in r.text and "广州市" not in r.text

        for who in (world.admin, organiser):
            o = await who.get(url, headers=HTML)
            assert o.status_code == 200 and "data-freeze" in o.text and 'value="organiser"' in o.text
        assert "data-lock=" not in (await organiser.get(url, headers=HTML)).text  # locks are the chief judge's

        for refused in (world.judges[0], world.officer, other_chief):
            assert (await refused.get(url, headers=HTML)).status_code == 403
        assert (await other_chief.get(f"/events/{eid}/skills/{other['id']}/console", headers=HTML)).status_code == 200
        login = await anon.get(url, headers=HTML)
        assert login.status_code in (302, 303) and login.headers["location"].startswith("/login")
        assert (await world.chief.get(f"/events/{eid}/skills/{other['id']}/console", headers=HTML)).status_code == 403

        # The event page links the console for those who may open it, the public board for everyone.
        chief_event = (await world.chief.get(f"/events/{eid}", headers=HTML)).text
        assert f"/events/{eid}/skills/{sid}/console" in chief_event and f"/board/event/{eid}" in chief_event
        judge_event = (await world.judges[0].get(f"/events/{eid}", headers=HTML)).text
        assert "/console" not in judge_event and f"/board/event/{eid}" in judge_event
    finally:
        for c in (organiser, other_chief, anon):
            await c.aclose()
        await world.close()


# ---- the demo simulator ---------------------------------------------------------------------------


def _serve(env: dict[str, str], name: str, *args: str) -> tuple[subprocess.Popen, str, object]:
    OUTPUT.mkdir(exist_ok=True)
    port = free_port()
    log = open(OUTPUT / f"server-{name}-{port}.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "server", "serve", "--port", str(port), "--log-level", "warning", *args],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=env["COMPETITION_DATA_DIR"])  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240  # `--demo` loads both demo events (the second finished: scored, certified) first
    while time.monotonic() < deadline:
        assert proc.poll() is None, (OUTPUT / f"server-{name}-{port}.log").read_text()
        try:
            if httpx.get(base + "/health", timeout=2).status_code == 200:
                return proc, base, log
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise AssertionError("server did not start")


def _stop(proc: subprocess.Popen, log) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
    log.close()


async def _demo_event(base: str) -> tuple[Client, int]:
    from server.demo import DEMO_EVENT_CODE, DEMO_PASSWORD, DEMO_USERS

    org = Client(base)
    await org.login(DEMO_USERS["organiser"][0], DEMO_PASSWORD)
    event = next(e for e in (await org.get("/api/events")).json() if e["code"] == DEMO_EVENT_CODE)
    return org, event["id"]


def _scored(feed: dict) -> list[dict]:
    return [r for s in feed["skills"] for g in s["groups"] for r in g["rows"] if r["total"] not in (None, "0")]


async def test_demo_simulator_moves_the_board(tmp_path):
    env = base_env(tmp_path, f"sqlite:///{tmp_path / 'sim.sqlite3'}")
    run_cli(env, "migrate")

    # `serve --demo --simulate`: the demo is loaded, the server starts, simulated judges score it.
    proc, base, log = _serve(env, "simulate", "--demo", "--simulate")
    try:
        org, eid = await _demo_event(base)
        deadline = time.monotonic() + 90
        feed: dict = {}
        while time.monotonic() < deadline:
            feed = (await org.get(f"/api/public/events/{eid}/board")).json()
            if len({s["skill_id"] for s in feed["skills"] if any(r["total"] not in (None, "0") for g in s["groups"] for r in g["rows"])}) == 3:
                break
            await asyncio.sleep(1)
        assert len(feed["skills"]) == 3 and all(s["has_scheme"] for s in feed["skills"]), feed
        assert _scored(feed), "no skill's board moved"
        assert all(any(r["total"] not in (None, "0") for g in s["groups"] for r in g["rows"]) for s in feed["skills"])
        # Skills still being scored are not decrypted (the demo's finished skill is).
        assert not any("name" in r or "delegation" in r for s in feed["skills"] if not s["decrypted"] for g in s["groups"] for r in g["rows"])
        scheme = (await org.get(f"/api/events/{eid}/skills/{feed['skills'][0]['skill_id']}/scheme")).json()["scheme"]
        assert {c["id"]: c["part"] for c in scheme["criteria"]} == {"A": "theory", "B": "practical", "C": "practical", "D": "practical"}
        assert {a["kind"] for c in scheme["criteria"] for s in c["sub_criteria"] for a in s["aspects"]} == {"J", "M"}
        await org.aclose()
    finally:
        _stop(proc, log)

    # The simulator as a library, against the same data: it resumes where the first run stopped,
    # stops after a given number of marks, and re-marks the aspects its judges disagreed on.
    from server import simulate

    proc, base, log = _serve(env, "simulate-again")
    try:
        org, eid = await _demo_event(base)
        before = len(_scored((await org.get(f"/api/public/events/{eid}/board")).json()))
        lines: list[str] = []
        stats = await simulate.run(base, pace=0, max_marks=60, disagree=1.0, log=lines.append)
        assert stats.marks >= 60 and stats.errors == 0, "\n".join(lines)
        assert stats.flagged >= 1 and stats.remarks >= 1, (stats, lines)
        after = (await org.get(f"/api/public/events/{eid}/board")).json()
        assert len(_scored(after)) >= before
        kinds = set()
        for s in after["skills"]:
            marks = (await org.get(f"/api/events/{eid}/skills/{s['skill_id']}/marks")).json()["marks"]
            kinds |= {m["kind"] for m in marks}
            console = (await org.get(f"/api/events/{eid}/skills/{s['skill_id']}/console")).json()
            assert console["progress_by_aspect"] and console["judges"]
        assert {"mark", "remark"} <= kinds
        await org.aclose()
    finally:
        _stop(proc, log)
