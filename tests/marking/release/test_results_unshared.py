"""选手排名不并列 through the workflow: with unshared ranks on, two contestants marked alike cannot be
published until the chief judge's lot seed is set; then every rank is distinct, and the seed, its
algorithm and who the lot placed are in the publication's audit entry."""

from __future__ import annotations

import json

import pytest
from results_world import ResultsWorld, decrypt, results_world, sign_off

# 选手1 and 选手2 are marked alike: the tie-break chain (practical, theory, deductions, finish)
# cannot part them.
VALUES = [(3, 3, 40, 40), (2, 2, 40, 40), (2, 2, 40, 40), (1, 1, 40, 0)]


@pytest.fixture(scope="module")
async def rw(server):
    world = await results_world(server, values=VALUES)
    yield world
    await world.close()


async def provisional_details(server, event_id: int) -> dict:
    url = server.env["DATABASE_URL"]
    sql = "SELECT details FROM audit_log WHERE event_id = {} AND action = 'results.provisional' ORDER BY seq DESC"
    if url.startswith(("postgres://", "postgresql://")):
        import asyncpg

        con = await asyncpg.connect(url)
        try:
            value = await con.fetchval(sql.format("$1"), event_id)
        finally:
            await con.close()
    else:
        import sqlite3

        from kernel.settings import sqlite_path

        con = sqlite3.connect(sqlite_path(url))
        try:
            value = con.execute(sql.format("?"), (event_id,)).fetchone()[0]
        finally:
            con.close()
    return json.loads(value) if isinstance(value, str) else value


async def test_ties_need_the_seed_then_ranks_are_unshared_and_the_seed_is_recorded(rw: ResultsWorld, server):
    w, url, eid, admin = rw.w, rw.group_url, rw.eid, rw.w.admin
    r = await admin.put(f"/api/events/{eid}/preset", json={"overrides": {"ranking": {"params": {"unshared": True}}}})
    assert r.status_code == 200, r.text
    preview = (await admin.get(f"{url}/results/preview")).json()
    assert [row["rank"] for row in preview["rows"]] == [1, 2, 2, 4]  # no seed yet: still shared

    await sign_off(w)
    await decrypt(w)
    r = await rw.organiser.post(f"{url}/results/provisional")
    assert r.status_code == 409 and r.json()["code"] == "lot_seed_needed", r.text
    assert "lot_seed" in r.json()["message"] and len(r.json()["detail"]["contestants"]) == 2
    r = await rw.organiser.post(f"{url}/results/provisional", headers={"Accept-Language": "en"})
    assert "chief judge's lot seed" in r.json()["message"]

    # The stored override is the old flat shape's successor: the seed joins it.
    seed = "裁判长抽签 2026-12-06 #7"
    r = await admin.put(f"/api/events/{eid}/preset", json={"overrides": {"ranking": {"params": {"unshared": True, "lot_seed": seed}}}})
    assert r.status_code == 200, r.text
    r = await rw.organiser.post(f"{url}/results/provisional")
    assert r.status_code == 200, r.text
    rows = (await rw.anon.get(f"/api/public/events/{eid}/skills/{rw.sid}/results")).json()["groups"][0]["ranking"]["rows"]
    assert [row["rank"] for row in rows] == [1, 2, 3, 4] and not any(row["tied"] for row in rows)
    assert {rows[1]["name"], rows[2]["name"]} == {"选手1", "选手2"}

    lot = (await provisional_details(server, eid))["lot"]
    assert lot["seed"] == seed and lot["algorithm"] == "sha256(seed|id)/1" and lot["unshared_by"] == "lot"
    ranked = (await admin.get(f"{url}/results/preview")).json()["rows"]  # decrypted: with ids
    assert lot["decided_by_lot"] == [next(row["contestant_id"] for row in ranked if row["rank"] == 3)]
