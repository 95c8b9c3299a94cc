"""No personal data of anyone registered (contestants and judges) in any anonymous response — live
boards (JSON, pages, websockets), results, certificate verification, the download page, the
OpenAPI document: no ID number or phone number (nor anywhere in the server's log file), no
employer (工作单位) and no internal database id of a person (contestant, judge, user).

The server runs with ``--log-level info`` so uvicorn's access log (every path and query string) is
in the file too, and the scenario does what puts numbers in URLs and error paths: an organiser
searching contestants by ID number, looking up a person's promotion ledger by ID number, a failed
login with an ID number as the username, check-in with the card's number. The event then goes all
the way through scoring, sign-off, decryption, provisional and final results, approval and
certificates, so the public pages have something to show; they are read before decryption too.

What is looked for is seeded to be recognisable: every employer is a string of its own, and the
databases' id sequences are moved to seven-digit ranges (``distinctive_ids``), so a person's id
is found as text wherever it shows, not only under a key that names it. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import re
from typing import Any

import pytest
import websockets
from harness import (
    ADMIN_PASSWORD,
    Client,
    create_pg_database,
    drop_pg_database,
    migrated_env,
    need_postgres,
    new_event,
    new_skill,
    sql,
    sqlite_env,
    start_server,
    unique,
)

from scoring.idcard import make_id

WINDOWS = {"notice_hours": 0.0003, "appeal_window_hours": 0.0003}  # about a second each
#: Where each table's ids start in this scenario: seven digits no other number in a response has.
ID_BASES = {"contestant": 7_300_000, "app_user": 7_500_000, "judge": 7_700_000}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def info_server(request, tmp_path_factory):
    extra = {"COMPETITION_VERIFY_RATE": "1000/minute"}
    tmp = tmp_path_factory.mktemp("pii")
    url = None
    if request.param == "postgres":
        need_postgres()
        url = asyncio.run(create_pg_database())
        env = migrated_env(tmp, url, **extra)
    else:
        env = sqlite_env(tmp, **extra)
    server = start_server(env, f"pii-{request.param}", log_level="info")
    yield server
    server.stop()
    if url:
        asyncio.run(drop_pg_database(url))


async def distinctive_ids(server, admin: Client) -> None:
    """Make the next contestant, user and judge ids start at ``ID_BASES``: on PostgreSQL by moving
    the sequences, on SQLite (the next id is the largest plus one) by giving one placeholder row of
    a placeholder event that id."""
    url = server.env["DATABASE_URL"]
    if server.db_kind == "postgres":
        for table, base in ID_BASES.items():
            await sql(url, f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), {base})")
        return
    event = await new_event(admin, name="占位赛事")
    skill = await new_skill(admin, event["id"], groups=["employee"])
    r = await admin.post(
        f"/api/events/{event['id']}/contestants",
        json={
            "name": "占位",
            "id_number": make_id("440111", dt.date(1960, 1, 1), 1, "M"),
            "skill_id": skill["id"],
            "group_id": skill["groups"][0]["id"],
            "employer": "占位单位",
            "delegation": "占位",
            "phone": "13000000000",
            "current_level": "学徒工",
        },
    )
    assert r.status_code == 201, r.text
    judge = (await admin.post(f"/api/events/{event['id']}/judges", json={"name": "占位裁判"})).json()
    for table, old in (("contestant", r.json()["id"]), ("judge", judge["id"]), ("app_user", judge["user"]["id"])):
        await sql(url, f'UPDATE "{table}" SET id = ? WHERE id = ?', ID_BASES[table], old)


async def _ok(r, *codes: int) -> Any:
    assert r.status_code in (codes or (200, 201)), f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:300]}"
    return r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text


@dataclasses.dataclass
class Scanned:
    """What the scenario seeded and what the public saw."""

    numbers: list[str]  # ID and phone numbers of contestants and judges
    employers: list[str]  # of contestants and judges
    person_ids: list[int]  # contestants, judges' registry entries, every account
    texts: list[str]  # every anonymous response, before and after decryption
    log: str


async def _public_texts(rw, certificates: list[str]) -> list[str]:
    """Every anonymous response of the event: pages and JSON (both asked for each), both boards'
    websockets, and per certificate its verification and download pages."""
    e, s = rw.eid, rw.sid
    public_urls = [
        f"/api/public/events/{e}/board", f"/api/public/skills/{s}/board",
        f"/api/public/events/{e}/results", f"/api/public/events/{e}/skills/{s}/results",
        f"/results/{e}", f"/results/{e}/skills/{s}", f"/board/{s}", f"/board/event/{e}",
        "/verify", "/schema/openapi.json", "/schema", "/login", "/health", "/ready",
    ]  # fmt: skip
    for n in certificates:
        public_urls += [f"/api/verify/{n}", f"/verify/{n}", f"/verify?number={n}", f"/certificates/{n}", f"/certificates/{n}.pdf"]
    texts = []
    reached = 0
    for url in public_urls:
        for accept in ("application/json", "text/html"):
            r = await rw.anon.get(url, headers={"Accept": accept})
            texts.append(f"{url} {r.status_code} {dict(r.headers)} {r.text if 'pdf' not in r.headers.get('content-type', '') else ''}")
            reached += r.status_code == 200
    assert reached >= len(public_urls), "most public pages should answer"
    for path in (f"/ws/board/{s}", f"/ws/board/event/{e}"):
        async with websockets.connect(rw.w.ws_url(path), close_timeout=1) as ws:
            texts.append(await asyncio.wait_for(ws.recv(), 10))
    return texts


async def _scenario(server) -> Scanned:
    """Runs the event end to end, reading every public response before decryption and at the end."""
    from results_world import decrypt, results_world, sign_off, wait_until

    first = Client(server.base_url)
    await first.login("admin", ADMIN_PASSWORD)
    await distinctive_ids(server, first)
    await first.aclose()
    rw = await results_world(server, windows=WINDOWS)
    w, admin = rw.w, rw.w.admin
    e, s, g = rw.eid, rw.sid, rw.gid
    people = (await _ok(await admin.get(f"/api/events/{e}/contestants", params={"limit": 1000})))["items"]
    # Judges with ID and phone numbers in the registry too; everyone with an employer of their own.
    employers = []
    judges = await _ok(await admin.get(f"/api/events/{e}/judges"))
    for n, j in enumerate(judges):
        employers.append(f"扫描裁判单位{unique()}")
        await _ok(
            await admin.patch(
                f"/api/events/{e}/judges/{j['id']}",
                json={"id_number": make_id("440304", dt.date(1970, 1, 1 + n), 100 + n, "F"), "phone": f"1591234{n:04d}", "employer": employers[-1]},
            )
        )
    judges = [await _ok(await admin.get(f"/api/events/{e}/judges/{j['id']}")) for j in judges]
    # Give every contestant their own phone (live_world registers one number for all).
    for n, p in enumerate(people):
        employers.append(f"扫描选手单位{unique()}")
        await _ok(await admin.patch(f"/api/events/{e}/contestants/{p['id']}", json={"phone": f"1365555{n:04d}", "employer": employers[-1]}))
    # Lists mask the numbers: the full ones come from the audited reveal.
    people = [p | await _ok(await admin.post(f"/api/events/{e}/contestants/{p['id']}/reveal", json={"reason": "隐私扫描测试"})) for p in people]
    numbers = [p["id_number"] for p in people] + [p["phone"] for p in people]
    numbers += [j["id_number"] for j in judges if j.get("id_number")] + [j["phone"] for j in judges if j.get("phone")]
    assert len(set(numbers)) >= 2 * len(people) + 2 * len(judges) - 1 and "*" not in "".join(numbers)
    clients = [rw.organiser, rw.arbitrator, rw.approver, rw.contestant, w.officer, w.chief, w.conflicted, *w.judges]
    accounts = [(await _ok(await c.get("/api/me")))["user"]["id"] for c in clients]
    person_ids = [p["id"] for p in people] + [j["id"] for j in judges] + [j["user"]["id"] for j in judges if j["user"]] + accounts
    assert min(person_ids) > min(ID_BASES.values()), "the ids are not in the seeded ranges"

    # What puts numbers in paths, queries and bodies (for the access log and error paths).
    await _ok(await rw.organiser.get(f"/api/events/{e}/contestants", params={"q": people[0]["id_number"]}))
    await _ok(await rw.organiser.get(f"/api/events/{e}/contestants", params={"q": people[1]["phone"]}))
    await rw.approver.post("/api/ledger/lookup", json={"id_number": people[0]["id_number"]})
    await rw.organiser.get(f"/events/{e}/contestants", params={"q": people[2]["id_number"]}, headers={"Accept": "text/html"})
    stranger = Client(server.base_url)
    await stranger.post("/auth/login", json={"username": people[0]["id_number"], "password": people[0]["phone"]})
    await stranger.aclose()
    await rw.organiser.put(f"/api/events/{e}/checkin/{people[0]['id']}", json={"status": "present", "id_number": people[0]["id_number"]})
    await rw.organiser.put(
        f"/api/events/{e}/checkin/{people[1]['id']}", json={"status": "present", "id_number": people[0]["id_number"]}
    )  # the wrong card

    # Scored (results_world), not yet decrypted: what the boards show now.
    texts = await _public_texts(rw, [])
    # Sign-off, decryption, provisional, final, approval, certificates.
    await sign_off(w)
    await decrypt(w)
    flow = await _ok(await rw.organiser.post(f"/api/events/{e}/skills/{s}/groups/{g}/results/provisional"))
    await wait_until(flow["release"]["appeal_ends_at"])
    await wait_until(flow["release"]["notice_ends_at"])
    await _ok(await rw.organiser.post(f"/api/events/{e}/skills/{s}/groups/{g}/results/final"))
    await _ok(await rw.approver.post(f"/api/events/{e}/proposals/approve", json={}))
    issued = await _ok(await rw.organiser.post(f"/api/events/{e}/certificates/issue"), 200, 201, 202)
    batch = issued.get("batch_id") or (issued.get("batch") or {}).get("id")
    for _ in range(120):
        state = await _ok(await rw.organiser.get(f"/api/events/{e}/certificates/batches/{batch}")) if batch else {"status": "done"}
        if state.get("status") in ("done", "failed", "finished", "complete", "completed"):
            break
        await asyncio.sleep(0.25)
    certificates = [c["number"] for c in await _ok(await rw.organiser.get(f"/api/events/{e}/certificates"))]
    assert certificates, "no certificate was issued: the public verification pages would show nothing"
    texts += await _public_texts(rw, certificates)
    assert any("选手0" in t for t in texts), "the names should be public after decryption: the pages were not reached"
    await rw.close()
    return Scanned(numbers, employers, person_ids, texts, server.log())


@pytest.fixture(scope="module")
async def scanned(info_server) -> Scanned:
    return await _scenario(info_server)


def _variants(secret: str) -> list[str]:
    return sorted({secret, secret.upper(), secret.lower()})


async def test_no_personal_numbers_in_public_responses_or_the_log(scanned: Scanned):
    public = "\n".join(scanned.texts)
    leaks = [v for secret in scanned.numbers for v in _variants(secret) if v in public]
    assert not leaks, f"personal numbers in public responses: {leaks[:10]}"

    log = scanned.log
    assert '"GET /api/public/events/' in log, "the access log is not in the file (is --log-level info in effect?)"
    leaked = {v: line for secret in scanned.numbers for v in _variants(secret) for line in log.splitlines() if v in line}
    assert not leaked, "personal numbers in the server log:\n" + "\n".join(f"  {k}: {v[:200]}" for k, v in list(leaked.items())[:10])
    # Masked forms are fine, and are what the log shows for the searches above.
    assert re.search(r"\d{6}\*{8}[\dX]{4}", log), "expected the ID searches to appear masked in the access log"


async def test_no_employers_in_public_responses(scanned: Scanned):
    public = "\n".join(scanned.texts)
    leaks = [x for x in scanned.employers if x in public]
    assert not leaks, f"employers in public responses: {leaks[:10]}"


async def test_no_internal_ids_of_people_in_public_responses(scanned: Scanned):
    public = "\n".join(scanned.texts)
    leaks = sorted({i for i in scanned.person_ids if re.search(rf"(?<![0-9A-Za-z]){i}(?![0-9A-Za-z])", public)})
    where = [m.group(0) for i in leaks[:3] for m in re.finditer(rf".{{0,60}}(?<![0-9A-Za-z]){i}(?![0-9A-Za-z]).{{0,20}}", public)][:5]
    assert not leaks, f"internal ids of people in public responses: {leaks[:10]}, e.g. {where}"


def test_redaction_masks_ids_and_phones_only():
    from kernel.security import redact

    assert redact("q=44010619900101123X&p=13800138000") == "q=440106********123X&p=138****8000"
    assert redact("+8613800138000 / 440106199001011234") == "+86138****8000 / 440106********1234"
    # Not personal: seeds, hashes, timestamps, order numbers inside longer runs, short numbers.
    for text in ("sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "1764159026123", "pid 13800", "GD2026000123", "x" * 5):
        assert redact(text) == text
    record = __import__("logging").LogRecord(
        "t", 20, __file__, 1, '%s - "%s %s HTTP/%s" %d', ("127.0.0.1:5", "GET", "/api/ledger/44010619900101123X", "1.1", 200), None
    )
    from kernel.security import redact_record

    assert redact_record(record).getMessage() == '127.0.0.1:5 - "GET /api/ledger/440106********123X HTTP/1.1" 200'
    assert json.dumps(record.args)
