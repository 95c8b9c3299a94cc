"""参与评奖 from registration: a contestant registered as not taking part in the awards (a guest
entrant) is ranked but receives no award; with ``count_among: all`` they still use up their place,
with ``eligible`` the next eligible moves up. (The registration sheet's 参与评奖 column:
``tests/competition/registration/test_registration_http.py``.)"""

from __future__ import annotations

import pytest
from results_world import ResultsWorld, results_world

# Totals 100, 93.34, 56.67, 46.66, 0 (results_world's VALUES).


@pytest.fixture(scope="module")
async def rw(server):
    world = await results_world(server)
    yield world
    await world.close()


async def awards(rw: ResultsWorld) -> dict[str, str | None]:
    r = await rw.w.admin.get(f"{rw.group_url}/results/preview")
    assert r.status_code == 200, r.text
    by_ref = {row["encrypted_no"]: row["award"] for row in r.json()["rows"]}
    return {f"选手{i}": by_ref[ref] for i, ref in enumerate(rw.w.refs)}  # still encrypted: refs are in name order


async def contestant_named(rw: ResultsWorld, name: str) -> dict:
    items = (await rw.w.admin.get(f"/api/events/{rw.eid}/contestants", params={"skill_id": rw.sid})).json()["items"]
    return next(p for p in items if p["name"] == name)


async def test_a_guest_entrant_is_ranked_without_an_award_and_count_among_says_who_moves_up(rw: ResultsWorld):
    admin, eid = rw.w.admin, rw.eid
    # Five entrants, all may be awarded: 1 first, 2 second, 2 third.
    r = await admin.put(f"/api/events/{eid}/preset", json={"overrides": {"awards": {"params": {"cap_fraction": "1.00"}}}})
    assert r.status_code == 200, r.text
    before = await awards(rw)
    assert before == {"选手0": "first", "选手1": "second", "选手2": "second", "选手3": "third", "选手4": "third"}

    top = await contestant_named(rw, "选手0")
    assert top["award_eligible"] is True
    r = await admin.patch(f"/api/events/{eid}/contestants/{top['id']}", json={"award_eligible": False})
    assert r.status_code == 200, r.text
    assert (await contestant_named(rw, "选手0"))["award_eligible"] is False

    # count_among all: 选手0 keeps the first place without the award; nobody else moves up.
    kept = await awards(rw)
    assert kept["选手0"] is None
    assert {k: v for k, v in kept.items() if k != "选手0"} == {k: v for k, v in before.items() if k != "选手0"}

    # count_among eligible: the places and the entrant count are of the four eligible.
    r = await admin.put(f"/api/events/{eid}/preset", json={"overrides": {"awards": {"params": {"cap_fraction": "1.00", "count_among": "eligible"}}}})
    assert r.status_code == 200, r.text
    moved = await awards(rw)
    assert moved["选手0"] is None
    # Four places, 1:2:3 by largest remainder: one first, one second, two third.
    assert moved == {"选手0": None, "选手1": "first", "选手2": "second", "选手3": "third", "选手4": "third"}

    r = await admin.patch(f"/api/events/{eid}/contestants/{top['id']}", json={"award_eligible": True})
    assert r.status_code == 200, r.text
    assert (await awards(rw))["选手0"] == before["选手0"]
    r = await admin.put(f"/api/events/{eid}/preset", json={"overrides": {}})
    assert r.status_code == 200, r.text
