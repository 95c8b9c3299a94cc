"""No ID number or phone number of anyone registered (contestants and judges) in any public
response — live boards (JSON, pages, websockets), results, certificate verification, the download
page, the OpenAPI document — nor anywhere in the server's log file.

The server runs with ``--log-level info`` so uvicorn's access log (every path and query string) is
in the file too, and the scenario does what puts numbers in URLs and error paths: an organiser
searching contestants by ID number, looking up a person's promotion ledger by ID number, a failed
login with an ID number as the username, check-in with the card's number. The event then goes all
the way through scoring, sign-off, decryption, provisional and final results, approval and
certificates, so the public pages have something to show.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
import websockets

from competition.registration.idcard import make_id
from harness import Client
from sec_world import sqlite_env, start_server_with

WINDOWS = {"notice_hours": 0.0003, "appeal_window_hours": 0.0003}  # about a second each


@pytest.fixture(scope="module")
def info_server(tmp_path_factory):
    env = sqlite_env(tmp_path_factory.mktemp("pii"), COMPETITION_VERIFY_RATE="1000/minute")
    server = start_server_with(env, "pii", log_level="info")
    yield server
    server.stop()


async def _ok(r, *codes: int) -> Any:
    assert r.status_code in (codes or (200, 201)), f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:300]}"
    return r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text


async def _scenario(server) -> tuple[dict[str, Any], list[str], list[str]]:
    """Runs the event end to end; returns (ids, the registered personal numbers, public texts)."""
    from results_world import decrypt, results_world, sign_off, wait_until

    rw = await results_world(server, windows=WINDOWS)
    w, admin = rw.w, rw.w.admin
    e, s, g = rw.eid, rw.sid, rw.gid
    people = (await _ok(await admin.get(f"/api/events/{e}/contestants", params={"limit": 1000})))["items"]
    # Judges with ID and phone numbers in the registry too.
    judges = await _ok(await admin.get(f"/api/events/{e}/judges"))
    for n, j in enumerate(judges):
        await _ok(await admin.patch(f"/api/events/{e}/judges/{j['id']}", json={"id_number": make_id("440304", __import__("datetime").date(1970, 1, 1 + n), 100 + n, "F"), "phone": f"1591234{n:04d}"}))
    judges = [await _ok(await admin.get(f"/api/events/{e}/judges/{j['id']}")) for j in judges]
    # Give every contestant their own phone (live_world registers one number for all).
    for n, p in enumerate(people):
        await _ok(await admin.patch(f"/api/events/{e}/contestants/{p['id']}", json={"phone": f"1365555{n:04d}"}))
    people = (await _ok(await admin.get(f"/api/events/{e}/contestants", params={"limit": 1000})))["items"]
    secrets = [p["id_number"] for p in people] + [p["phone"] for p in people]
    secrets += [j["id_number"] for j in judges if j.get("id_number")] + [j["phone"] for j in judges if j.get("phone")]
    assert len(set(secrets)) >= 2 * len(people) + 2 * len(judges) - 1

    # What puts numbers in paths, queries and bodies (for the access log and error paths).
    await _ok(await rw.organiser.get(f"/api/events/{e}/contestants", params={"q": people[0]["id_number"]}))
    await _ok(await rw.organiser.get(f"/api/events/{e}/contestants", params={"q": people[1]["phone"]}))
    await rw.approver.post("/api/ledger/lookup", json={"id_number": people[0]["id_number"]})
    await rw.organiser.get(f"/events/{e}/contestants", params={"q": people[2]["id_number"]}, headers={"Accept": "text/html"})
    stranger = Client(server.base_url)
    await stranger.post("/auth/login", json={"username": people[0]["id_number"], "password": people[0]["phone"]})
    await stranger.aclose()
    await rw.organiser.put(f"/api/events/{e}/checkin/{people[0]['id']}", json={"status": "present", "id_number": people[0]["id_number"]})
    await rw.organiser.put(f"/api/events/{e}/checkin/{people[1]['id']}", json={"status": "present", "id_number": people[0]["id_number"]})  # the wrong card

    # Scoring is done (results_world); sign-off, decryption, provisional, final, approval, certificates.
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
    certificates = await _ok(await rw.organiser.get(f"/api/events/{e}/certificates"))
    numbers = [c["number"] for c in certificates]
    assert numbers, "no certificate was issued: the public verification pages would show nothing"

    anon = rw.anon
    public_urls = [
        f"/api/public/events/{e}/board", f"/api/public/skills/{s}/board",
        f"/api/public/events/{e}/results", f"/api/public/events/{e}/skills/{s}/results",
        f"/results/{e}", f"/results/{e}/skills/{s}", f"/board/{s}", f"/board/event/{e}",
        "/verify", "/schema/openapi.json", "/schema", "/login", "/health", "/ready",
    ]  # fmt: skip
    for n in numbers:
        public_urls += [f"/api/verify/{n}", f"/verify/{n}", f"/verify?number={n}", f"/certificates/{n}", f"/certificates/{n}.pdf"]
    texts = []
    reached = 0
    for url in public_urls:
        for accept in ("application/json", "text/html"):
            r = await anon.get(url, headers={"Accept": accept})
            texts.append(f"{url} {r.status_code} {dict(r.headers)} {r.text if 'pdf' not in r.headers.get('content-type', '') else ''}")
            reached += r.status_code == 200
    assert reached >= len(public_urls), "most public pages should answer"
    for path in (f"/ws/board/{s}", f"/ws/board/event/{e}"):
        async with websockets.connect(w.ws_url(path), close_timeout=1) as ws:
            texts.append(await asyncio.wait_for(ws.recv(), 10))
    await rw.close()
    return {"e": e, "s": s, "numbers": numbers}, secrets, texts


def _variants(secret: str) -> list[str]:
    return sorted({secret, secret.upper(), secret.lower()})


async def test_no_personal_numbers_in_public_responses_or_the_log(info_server):
    ids, secrets, texts = await _scenario(info_server)
    public = "\n".join(texts)
    leaks = [v for secret in secrets for v in _variants(secret) if v in public]
    assert not leaks, f"personal numbers in public responses: {leaks[:10]}"

    log = info_server.log()
    assert '"GET /api/public/events/' in log, "the access log is not in the file (is --log-level info in effect?)"
    leaked = {v: line for secret in secrets for v in _variants(secret) for line in log.splitlines() if v in line}
    assert not leaked, "personal numbers in the server log:\n" + "\n".join(f"  {k}: {v[:200]}" for k, v in list(leaked.items())[:10])
    # Masked forms are fine, and are what the log shows for the searches above.
    assert re.search(r"\d{6}\*{8}[\dX]{4}", log), "expected the ID searches to appear masked in the access log"


def test_redaction_masks_ids_and_phones_only():
    from competition.security import redact

    assert redact("q=44010619900101123X&p=13800138000") == "q=440106********123X&p=138****8000"
    assert redact("+8613800138000 / 440106199001011234") == "+86138****8000 / 440106********1234"
    # Not personal: seeds, hashes, timestamps, order numbers inside longer runs, short numbers.
    for text in ("sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "1764159026123", "pid 13800", "GD2026000123", "x" * 5):
        assert redact(text) == text
    record = __import__("logging").LogRecord("t", 20, __file__, 1, '%s - "%s %s HTTP/%s" %d', ("127.0.0.1:5", "GET", "/api/ledger/44010619900101123X", "1.1", 200), None)
    from competition.security import redact_record

    assert redact_record(record).getMessage() == '127.0.0.1:5 - "GET /api/ledger/440106********123X HTTP/1.1" 200'
    assert json.dumps(record.args)
