"""Look-ups that could be used to guess or to search, over HTTP on SQLite (one worker) and on
PostgreSQL (two workers sharing Redis): the ID-number check of a certificate download and a
certificate's page.

- A burst of wrong ID-number tails for one certificate gets at most the per-number limit checked,
  and a client address at most its own limit over several certificates; a right answer does not
  count. The tail travels in a POST body only.
- A certificate's page counts against the per-address verification limit, like ``/verify``.

The database is seeded before the server starts (``certificates_world``): event A (the usual
world, issued), and event B, where A's 张晓明 is promoted again. Requests carry their client
address in ``X-Forwarded-For`` (trusted from 127.0.0.1), so each test has addresses of its own.
"""

from __future__ import annotations

import asyncio
import itertools

import pytest

from certificates_world import ACTOR, OwnDatabase, build_world, propose, register
from harness import ADMIN_PASSWORD, REDIS_URL, Burst, Client, need_postgres, need_redis, run_cli, start_server, statuses

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
        assert "data-field=\"holder\"" in next(a for a in answers if a.status_code == 200).text
        for path in (f"/api/verify/{cert['number']}", f"/verify/{cert['number']}", f"/certificates/{cert['number']}"):
            assert (await b.get(path, address)).status_code == 429, path
        assert (await b.get(f"/certificates/{cert['number']}", new_address())).status_code == 200
