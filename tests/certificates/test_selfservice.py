"""The public and the contestant over HTTP, on both databases: the formal notice (公示) as a PDF,
a contestant's self-service look-up by name and ID number (right → found and masked; wrong →
the same neutral not-found; rate-limited; audited), an appeal filed online with the look-up
inside the window and refused after it, the contestant account's own look-up, and, once the
results are final and certificates issued, the look-up showing them. One world per database;
the tests run in order and build on each other."""

from __future__ import annotations

import asyncio
import io
import json
import re

import pytest
from harness import Burst, Client, sql, statuses
from live_world import person_id
from results_world import ResultsWorld, decrypt, results_world, sign_off, wait_until

# Windows of 36 s: long enough to look up and appeal on a loaded machine, short enough to wait out: long enough to look up and appeal, short enough to wait out.
WINDOWS = {"notice_hours": 0.01, "appeal_window_hours": 0.01}


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages))


@pytest.fixture(scope="module")
async def rw(server):
    world = await results_world(server, windows=WINDOWS)
    await sign_off(world.w)
    await decrypt(world.w)
    # Nothing published yet: no notice.
    r = await world.anon.get(f"/api/public/events/{world.eid}/notice.pdf")
    assert r.status_code == 404 and r.json()["code"] == "nothing_published", r.text
    r = await world.organiser.post(f"{world.group_url}/results/provisional")
    assert r.status_code == 200, r.text
    world.state["release"] = r.json()["release"]
    rows = await sql(server.env["DATABASE_URL"], "SELECT name, id_number FROM contestant WHERE event = ? ORDER BY id", world.eid)
    world.state["people"] = {r["name"]: r["id_number"] for r in rows}
    yield world
    await world.close()


def lookup(client: Client, name: str, id_number: str, **kw):
    return client.post("/api/public/lookup", json={"name": name, "id_number": id_number}, **kw)


async def test_lookup_by_name_and_id_finds_own_results_masked(rw: ResultsWorld, server):
    idn = rw.state["people"]["选手1"]
    r = await lookup(rw.anon, "选手1", idn.lower())  # as typed: a lower-case x, spaces are fine too
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["person"] == {"name": "选*1", "id_number": idn[:6] + "********" + idn[-4:]}
    assert idn not in r.text and "网络公司" not in r.text and "13800138000" not in r.text
    [entry] = body["entries"]
    assert entry["event_id"] == rw.eid and entry["skill"] == "网络系统管理" and entry["stage"] == "provisional"
    assert entry["rank"] == 2 and entry["score"] and entry["appeal_open"] is True
    assert entry["appeal_ends_at_china"] == rw.state["release"]["appeal_ends_at_china"]
    assert body["token"]
    rw.state["token"] = body["token"]


async def test_wrong_name_or_id_is_the_same_neutral_not_found(rw: ResultsWorld):
    idn = rw.state["people"]["选手1"]
    answers = [
        await lookup(rw.anon, "选手2", idn),  # someone else's name with this ID
        await lookup(rw.anon, "选手1", person_id()),  # the name with an unregistered ID
        await lookup(rw.anon, "无此人", person_id()),
    ]
    for a in answers:
        assert a.status_code == 404 and a.json()["code"] == "not_found", a.text
        assert "选手" not in a.text and idn not in a.text and "rank" not in a.text
    assert len({a.text for a in answers}) == 1
    en = await lookup(rw.anon, "选手2", idn, params={"lang": "en"})
    assert en.json()["message"].startswith("No registration matches")
    r = await lookup(rw.anon, "", idn)
    assert r.status_code == 422 and r.json()["field"] == "name"
    r = await lookup(rw.anon, "选手1", "4401\x00<script>")
    assert r.status_code == 422 and r.json()["field"] == "id_number" and "字母" in r.json()["message"]


async def test_every_lookup_is_audited_with_the_id_masked(rw: ResultsWorld, server):
    rows = await sql(server.env["DATABASE_URL"], "SELECT details FROM audit_log WHERE action = ? ORDER BY seq", "contestant.lookup")
    details = [json.loads(r["details"]) if isinstance(r["details"], str) else r["details"] for r in rows]
    idn = rw.state["people"]["选手1"]
    mine = [d for d in details if d["id_number"] == idn[:6] + "********" + idn[-4:]]
    assert [d["found"] for d in mine] == [1, 0, 0]  # found; then the wrong name, in Chinese and in English
    assert any(d["found"] == 0 for d in details) and all(idn not in json.dumps(d) for d in details)


async def test_lookups_are_rate_limited_per_id_number(rw: ResultsWorld, server):
    target = person_id()
    async with Burst(server.base_url) as b:
        answers = [await b.post("/api/public/lookup", {"name": "某人", "id_number": target}, f"10.77.{i}.1") for i in range(10)]
        assert statuses(answers) == {404: 10}
        r = await b.post("/api/public/lookup", {"name": "某人", "id_number": target}, "10.77.99.1")
        assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0 and r.json()["code"] == "rate_limited"


async def test_contestant_account_sees_its_own_results(rw: ResultsWorld):
    r = await rw.contestant.get("/api/me/results")
    assert r.status_code == 200, r.text
    [entry] = r.json()["entries"]
    assert entry["rank"] == 3 and r.json()["person"]["name"] == "选*2"
    assert (await rw.anon.get("/api/me/results")).status_code == 401


async def test_appeal_online_within_the_window_then_refused_after(rw: ResultsWorld):
    body = {"token": rw.state["token"], "event_id": rw.eid, "skill_id": rw.sid, "group_id": rw.gid, "text": "B1.2 测量有误，请复核"}
    r = await rw.anon.post("/api/public/appeals", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "pending"
    listed = (await rw.arbitrator.get(f"/api/events/{rw.eid}/appeals")).json()
    mine = [a for a in listed if a["id"] == r.json()["id"]]
    assert mine and mine[0]["filed_by_name"] == "选手1" and mine[0]["filed_by_id"] is None and mine[0]["contestant_name"] == "选手1"
    # The look-up now lists it.
    entry = (await lookup(rw.anon, "选手1", rw.state["people"]["选手1"])).json()["entries"][0]
    assert [a["status"] for a in entry["appeals"]] == ["pending"]
    # A forged token, or another group, is refused without filing.
    r = await rw.anon.post("/api/public/appeals", json={**body, "token": rw.state["token"][:-2] + "00"})
    assert r.status_code == 403 and r.json()["code"] == "lookup_expired"
    r = await rw.anon.post("/api/public/appeals", json={**body, "group_id": rw.gid + 100000})
    assert r.status_code == 404
    await wait_until(rw.state["release"]["appeal_ends_at"])
    r = await rw.anon.post("/api/public/appeals", json=body)
    assert r.status_code == 409 and r.json()["code"] == "appeal_window_closed"
    assert "申诉期已于" in r.json()["message"] and "北京时间" in r.json()["message"]
    entry = (await lookup(rw.anon, "选手1", rw.state["people"]["选手1"])).json()["entries"][0]
    assert entry["appeal_open"] is False
    await rw.arbitrator.post(f"/api/events/{rw.eid}/appeals/{mine[0]['id']}/decision", json={"outcome": "dismissed", "reason": "测量无误"})


async def test_notice_pdf_prints_the_results_the_periods_and_how_to_appeal(rw: ResultsWorld):
    rel = rw.state["release"]
    r = await rw.anon.get(f"/api/public/events/{rw.eid}/notice.pdf")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/pdf")
    text = pdf_text(r.content)
    assert rw.w.event["name"].replace(" ", "") in text and "成绩公示" in text
    assert "网络系统管理" in text and "选手0" in text and "选手4" in text
    for at in (rel["provisional_at_china"], rel["notice_ends_at_china"], rel["appeal_ends_at_china"]):
        assert at.replace(" ", "") in text
    assert "公示期" in text and "申诉截止" in text and "北京时间" in text
    assert "http://testserver.local/lookup" in text and "监督仲裁组" in text and "逾期" in text
    # Public rows only: no employer, no ID number.
    assert "网络公司" not in text
    assert not any(idn in text for idn in rw.state["people"].values())
    en = pdf_text((await rw.anon.get(f"/api/public/events/{rw.eid}/notice.pdf", params={"lang": "en", "skill_id": rw.sid})).content)
    assert "Publicnoticeofresults" in en and "Howtoappeal" in en and "Chinatime" in en
    assert (await rw.anon.get(f"/api/public/events/{rw.eid}/notice.pdf", params={"skill_id": 999999})).status_code == 404


async def test_final_results_with_certificates_show_in_the_lookup_and_results_page(rw: ResultsWorld):
    await wait_until(rw.state["release"]["notice_ends_at"])
    r = await rw.organiser.post(f"{rw.group_url}/results/final")
    assert r.status_code == 200, r.text
    assert (await rw.approver.post(f"/api/events/{rw.eid}/proposals/approve", json={})).status_code == 200
    r = await rw.organiser.post(f"/api/events/{rw.eid}/certificates/issue")
    assert r.status_code == 202, r.text
    found = (await lookup(rw.anon, "选手0", rw.state["people"]["选手0"])).json()
    [entry] = found["entries"]
    assert entry["stage"] == "final" and entry["rank"] == 1
    assert entry["certificates"], found
    number = entry["certificates"][0]["number"]
    assert entry["certificates"][0]["verify"] == f"/verify/{number}"
    page = await rw.anon.get(f"/results/{rw.eid}/skills/{rw.sid}")
    assert page.status_code == 200 and number in page.text and "notice.pdf" in page.text
    assert "data-appeal-hint" not in page.text  # the window is closed
    # The notice after finalisation says so.
    text = pdf_text((await rw.anon.get(f"/api/public/events/{rw.eid}/notice.pdf")).content)
    assert "成绩已于" in text and "确定" in text
    await asyncio.sleep(0)


async def test_public_home_and_lookup_page(rw: ResultsWorld):
    home = await rw.anon.get("/", headers={"Accept": "text/html"})
    assert home.status_code == 200 and f'data-event="{rw.eid}"' in home.text
    assert f"/board/event/{rw.eid}" in home.text and f"/results/{rw.eid}" in home.text and f"/api/public/events/{rw.eid}/notice.pdf" in home.text
    # The logged-in home is still the staff's list of events.
    staff = await rw.organiser.get("/", headers={"Accept": "text/html"})
    assert staff.status_code == 200 and f'href="/events/{rw.eid}"' in staff.text and "data-event=" not in staff.text
    index = await rw.anon.get(f"/results/{rw.eid}")
    assert index.status_code == 200 and f"/api/public/events/{rw.eid}/notice.pdf" in index.text and 'href="/lookup"' in index.text
    page = await rw.anon.get("/lookup")
    assert page.status_code == 200 and 'id="lookup-form"' in page.text
    token = rw.anon.http.cookies.get("csrftoken")
    r = await rw.anon.http.post("/lookup", data={"name": "无此人", "id_number": person_id(), "_csrf_token": token})
    assert r.status_code == 404 and "没有找到" in r.text and 'id="lookup-result"' not in r.text
    idn = rw.state["people"]["选手3"]
    r = await rw.anon.http.post("/lookup", data={"name": "选手3", "id_number": idn, "_csrf_token": token})
    assert r.status_code == 200 and "data-entry" in r.text and idn not in r.text
    # A contestant account sees its own results on the page straight away.
    mine = await rw.contestant.get("/lookup")
    assert mine.status_code == 200 and "选*2" in mine.text


def test_lookup_token_names_its_registrations_expires_and_cannot_be_forged(tmp_path):
    import time

    from certificates import selfservice
    from kernel.errors import AppError
    from kernel.settings import Settings

    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/x.sqlite3", secret="one")
    token = selfservice.make_token(settings, [5, 3])
    assert selfservice.read_token(settings, token) == {3, 5}
    old = selfservice.make_token(settings, [3], now=time.time() - selfservice.TOKEN_TTL_S - 1)
    other = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/x.sqlite3", secret="two")
    payload, _, sig = token.partition(".")
    forged = selfservice.make_token(settings, [3, 5, 7]).partition(".")[0] + "." + sig
    for bad in (old, forged, "", "abc", token + "x"):
        with pytest.raises(AppError) as exc:
            selfservice.read_token(settings, bad)
        assert exc.value.code == "lookup_expired"
    with pytest.raises(AppError):
        selfservice.read_token(other, token)
