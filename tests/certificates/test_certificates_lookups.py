"""Look-ups that could be used to guess or to search, over HTTP on SQLite (one worker) and on
PostgreSQL (two workers sharing Redis): the ID-number check of a certificate download, a
certificate's page, and the promotion ledger by ID number.

- A burst of wrong ID-number tails for one certificate gets at most the per-number limit checked,
  and a client address at most its own limit over several certificates; a right answer does not
  count. The tail travels in a POST body only.
- A certificate's page counts against the per-address verification limit, like ``/verify``.
- The ledger by ID number: administrators and approvers only; an approver sees only the rows of
  events where they approve; each look-up is audited with the number masked; limited per account.

The database is seeded before the server starts (``certificates_world``): event A (the usual
world, issued), and event B, where A's 张晓明 is promoted again. Requests carry their client
address in ``X-Forwarded-For`` (trusted from 127.0.0.1), so each test has addresses of its own.
"""

from __future__ import annotations

import asyncio
import itertools
import json

import pytest
from certificates_world import ACTOR, OwnDatabase, build_world, propose, register
from harness import ADMIN_PASSWORD, REDIS_URL, Burst, Client, account, need_postgres, need_redis, run_cli, sql, start_server, statuses

VERIFY_LIMIT = 60
LEDGER_LIMIT = 8
PER_NUMBER, PER_ADDRESS = 10, 30  # certificates.controller's DOWNLOAD_FAILURES_PER_NUMBER / _PER_CLIENT

_addresses = (f"192.0.2.{i}" for i in itertools.count(1))


def new_address() -> str:
    return next(_addresses)


async def _seed(own: OwnDatabase) -> dict:
    from certificates import issuance
    from competition.events import service as events

    a = await build_world()
    await issuance.issue(a.event["id"], ACTOR, own.settings, render="none")
    b_event = await events.create_event({"name": "2027年广东省职业技能竞赛", "code": "L" + a.event["code"][1:], "tier": "provincial",
                                         "tier_class": "class1"}, ACTOR)  # fmt: skip
    skill = await events.create_skill(b_event["id"], {"name": "电工", "occupation_code": "6-31-01-03", "groups": ["employee"]}, ACTOR)
    zhang = a.contestants["张晓明"]
    again = await register(b_event["id"], skill, "employee", "张晓明", 3, id_number=zhang["id_number"])
    await propose(b_event["id"], again, "promotion", "高级技师", rank=2, approver_id=a.approver_id, outcome="promoted", from_level=3, to_level=5)
    result = await issuance.issue(b_event["id"], ACTOR, own.settings, render="none")
    assert result["issued"] == 1
    return {"a": a, "b": b_event, "zhang": zhang["id_number"], "b_number": result["numbers"][0]}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def ls(request, tmp_path_factory):
    kind = request.param
    extra = {"COMPETITION_VERIFY_RATE": f"{VERIFY_LIMIT}/minute", "COMPETITION_LEDGER_RATE": f"{LEDGER_LIMIT}/minute",
             "FORWARDED_ALLOW_IPS": "127.0.0.1"}  # fmt: skip
    workers = 1
    if kind == "postgres":
        need_postgres()
        need_redis()
        extra["REDIS_URL"], workers = REDIS_URL, 2
    own = OwnDatabase(tmp_path_factory.mktemp(f"cert-lookups-{kind}"), kind)
    await own.__aenter__()
    try:
        seeded = await _seed(own)
    finally:
        own.unbind()
    env = own.env(**extra)
    await asyncio.to_thread(run_cli, env, "create-user", "admin", "--name", "测试管理员", "--password", ADMIN_PASSWORD, "--admin")
    server = await asyncio.to_thread(start_server, env, f"cert-lookups-{kind}", db_kind=kind, workers=workers)
    admin = Client(server.base_url)
    await admin.login("admin", ADMIN_PASSWORD)
    certs = (await admin.get(f"/api/events/{seeded['a'].event['id']}/certificates")).json()
    state = {"server": server, "admin": admin, "own": own, "certs": [c for c in certs if not c["revoked"]], **seeded}
    try:
        yield state
    finally:
        await admin.aclose()
        server.stop()
        await own.__aexit__(None, None, None)


def _id6(ls, cert: dict) -> str:
    return ls["a"].contestants[cert["holder_name"]]["id_number"][-6:]


def _wrong(ls, cert: dict, i: int) -> str:
    guess = f"{i:06d}"
    return guess if guess != _id6(ls, cert) else f"{i + 500000:06d}"


# ------------------------------------------------------------------------------ certificate download


async def test_a_burst_of_wrong_id_tails_gets_at_most_the_per_number_limit_checked(ls):
    cert = ls["certs"][0]
    url = f"/certificates/{cert['number']}.pdf"
    async with Burst(ls["server"].base_url) as b:
        answers = await b.many(url, [{"id6": _wrong(ls, cert, i)} for i in range(50)], new_address())
        assert statuses(answers) == {403: PER_NUMBER, 429: 50 - PER_NUMBER}, statuses(answers)
        assert {a.json()["code"] for a in answers if a.status_code == 403} == {"id_mismatch"}
        refused = next(a for a in answers if a.status_code == 429)
        assert refused.json()["code"] == "rate_limited" and 0 < int(refused.headers["retry-after"]) <= 3600
        # The number is spent for the hour, whoever asks: even the right answer from elsewhere waits.
        r = await b.post(url, {"id6": _id6(ls, cert)}, new_address())
        assert r.status_code == 429


async def test_one_address_gets_at_most_its_limit_checked_over_several_certificates(ls):
    certs = ls["certs"][1:5]
    address = new_address()
    async with Burst(ls["server"].base_url) as b:
        bodies = [(c, {"id6": _wrong(ls, c, i)}) for i, c in zip(range(PER_ADDRESS + 5), itertools.cycle(certs))]
        answers = await asyncio.gather(*(b.post(f"/certificates/{c['number']}.pdf", body, address) for c, body in bodies))
        assert statuses(answers) == {403: PER_ADDRESS, 429: 5}, statuses(answers)
        # Each number took fewer than its own limit, so another address still gets an answer.
        r = await b.post(f"/certificates/{certs[0]['number']}.pdf", {"id6": _wrong(ls, certs[0], 99)}, new_address())
        assert r.status_code == 403


async def test_a_right_answer_does_not_count_and_the_tail_never_goes_in_the_address(ls):
    cert = ls["certs"][6]
    url = f"/certificates/{cert['number']}.pdf"
    address = new_address()
    async with Burst(ls["server"].base_url) as b:
        for i in range(PER_NUMBER - 1):
            assert (await b.post(url, {"id6": _wrong(ls, cert, i)}, address)).status_code == 403
        r = await b.post(url, {"id6": _id6(ls, cert)}, address)
        assert r.status_code == 200 and r.content.startswith(b"%PDF"), r.text
        assert (await b.post(url, {"id6": _wrong(ls, cert, 97)}, address)).status_code == 403, "the right answer was counted"
        assert (await b.post(url, {"id6": _wrong(ls, cert, 98)}, address)).status_code == 429
        r = await b.get(url, new_address(), params={"id6": _id6(ls, cert)})
        assert r.status_code == 403 and r.json()["code"] == "id_required"


# ------------------------------------------------------------------------------ certificate pages


async def test_certificate_pages_count_against_the_verification_limit(ls):
    cert = ls["certs"][7]
    address = new_address()
    async with Burst(ls["server"].base_url) as b:
        answers = await b.many_get(f"/certificates/{cert['number']}", VERIFY_LIMIT + 10, address, headers={"Accept": "text/html"})
        assert statuses(answers) == {200: VERIFY_LIMIT, 429: 10}, statuses(answers)
        assert 'data-field="holder"' in next(a for a in answers if a.status_code == 200).text
        for path in (f"/api/verify/{cert['number']}", f"/verify/{cert['number']}", f"/certificates/{cert['number']}"):
            assert (await b.get(path, address)).status_code == 429, path
        assert (await b.get(f"/certificates/{cert['number']}", new_address())).status_code == 200


# ------------------------------------------------------------------------------ the ledger by ID number


async def _lookups(ls, user_id: int) -> list[dict]:
    rows = await sql(ls["own"].url, "SELECT * FROM audit_log WHERE action = ? AND actor_id = ? ORDER BY seq", "ledger.lookup", user_id)
    for r in rows:
        if isinstance(r["details"], str):
            r["details"] = json.loads(r["details"])
    return rows


async def _me(client: Client) -> int:
    return (await client.get("/api/me")).json()["user"]["id"]


async def test_the_ledger_by_id_number_shows_each_reader_only_what_they_may_read(ls):
    server, admin, zhang = ls["server"], ls["admin"], ls["zhang"]
    a_id, b_id = ls["a"].event["id"], ls["b"]["id"]
    organiser_a = await account(admin, server, a_id, "organiser")
    approver_b = await account(admin, server, b_id, "approver")
    judge = await account(admin, server, a_id, "judge", ls["a"].skill["id"])
    anon = Client(server.base_url)
    try:
        body = {"id_number": zhang.lower()}
        for who in (organiser_a, judge):
            r = await who.post("/api/ledger/lookup", json=body)
            assert r.status_code == 403 and r.json()["code"] == "forbidden", r.text
        assert (await anon.post("/api/ledger/lookup", json=body)).status_code == 401
        assert (await organiser_a.get(f"/api/ledger/{zhang}")).status_code in (404, 405), "the ID number is never in the address"

        r = await approver_b.post("/api/ledger/lookup", json=body)
        assert r.status_code == 200, r.text
        seen = r.json()
        assert [(p["event_id"], p["from_level"], p["to_level"]) for p in seen["promotions"]] == [(b_id, 4, 5)]
        assert seen["highest_level"] == 5 and seen["honours"] == [] and seen["name"] == "张晓明"
        assert ls["a"].event["name"] not in r.text and all(c["number"] not in r.text for c in ls["certs"]), "event A shows through"
        # Someone with rows only in event A: the same answer as for nobody at all.
        only_a = ls["a"].contestants["欧阳建华"]["id_number"]
        r = await approver_b.post("/api/ledger/lookup", json={"id_number": only_a})
        assert r.status_code == 200 and r.json()["promotions"] == [] and r.json()["honours"] == [] and r.json()["highest_level"] is None

        r = await admin.post("/api/ledger/lookup", json=body)
        assert r.status_code == 200
        full = r.json()
        assert [(p["event_id"], p["to_level"]) for p in full["promotions"]] == [(a_id, 4), (b_id, 5)]
        assert [h["event_id"] for h in full["honours"]] == [a_id]

        # Every look-up is audited: who, the number masked, how many rows they were shown; never the number.
        mine = await _lookups(ls, await _me(approver_b))
        assert [(e["details"]["id_number"], e["details"]["rows"]) for e in mine] == [
            (zhang[:6] + "********" + zhang[-4:], 1), (only_a[:6] + "********" + only_a[-4:], 0)]  # fmt: skip
        assert (await _lookups(ls, await _me(admin)))[-1]["details"]["rows"] == 3
        everything = json.dumps(
            await sql(ls["own"].url, "SELECT * FROM audit_log WHERE action = ?", "ledger.lookup"), default=str, ensure_ascii=False
        )
        assert zhang not in everything and zhang.lower() not in everything and only_a not in everything
        assert await _lookups(ls, await _me(organiser_a)) == [], "a refused request looked nothing up"
    finally:
        for c in (organiser_a, approver_b, judge, anon):
            await c.aclose()


async def test_ledger_lookups_are_limited_per_account(ls):
    server, admin, zhang = ls["server"], ls["admin"], ls["zhang"]
    b_id = ls["b"]["id"]
    approver, other = await account(admin, server, b_id, "approver"), await account(admin, server, b_id, "approver")
    try:
        async with Burst(server.base_url, cookies=approver.http.cookies) as b:
            answers = await b.many("/api/ledger/lookup", [{"id_number": zhang}] * 20, new_address())
            assert statuses(answers) == {200: LEDGER_LIMIT, 429: 20 - LEDGER_LIMIT}, statuses(answers)
            # Per account, not per address: another address does not help.
            r = await b.post("/api/ledger/lookup", {"id_number": zhang}, new_address())
            assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        assert len(await _lookups(ls, await _me(approver))) == LEDGER_LIMIT, "each answered look-up audited once, refused ones not"
        assert (await other.post("/api/ledger/lookup", json={"id_number": zhang})).status_code == 200
    finally:
        await approver.aclose()
        await other.aclose()
