"""The province's summary (``province_fact``) kept right as an event's records change, through the
public API only on SQLite and PostgreSQL: nothing counted before the results are final, the
entrants once a group is made final, the prizes, honours and promotions once the approver approves
them, a prize gone when its certificate is revoked (the figures, the event's team standings), and
``competition province check --event`` agreeing with a fresh count after each step (the event's
own: the server is shared with other files, whose registrations the summary has not seen yet)."""

from __future__ import annotations

import asyncio

from harness import run_cli
from results_world import decrypt, results_world, sign_off

WINDOWS = {"notice_hours": 0, "appeal_window_hours": 0}


async def figures_of(client, eid: int) -> dict | None:
    r = await client.get("/api/province/events", params={"tier": "provincial"})
    assert r.status_code == 200, r.text
    return next((e for e in r.json() if e["event_id"] == eid), None)


def check(server, eid: int) -> None:
    proc = run_cli(server.env, "province", "check", "--event", str(eid), check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


async def test_the_summary_follows_finalisation_approval_and_revocation(server):
    rw = await results_world(server, windows=WINDOWS)
    try:
        admin, url, eid = rw.w.admin, rw.group_url, rw.eid
        await sign_off(rw.w)
        await decrypt(rw.w)
        assert (await rw.organiser.post(f"{url}/results/provisional")).status_code == 200
        assert await figures_of(admin, eid) is None  # provisional results count nothing yet

        r = await rw.organiser.post(f"{url}/results/final")
        assert r.status_code == 200, r.text
        made_final = await figures_of(admin, eid)
        assert made_final is not None
        assert {k: made_final[k] for k in ("skills", "entrants", "prizes", "honours", "promotions")} == {
            "skills": 1, "entrants": 5, "prizes": 0, "honours": 0, "promotions": 0,
        }  # fmt: skip
        await asyncio.to_thread(check, server, eid)

        proposals = (await rw.approver.get(f"/api/events/{eid}/proposals")).json()
        r = await rw.approver.post(f"/api/events/{eid}/proposals/approve", json={})
        assert r.status_code == 200, r.text
        awards = [p for p in proposals if p["kind"] == "award"]
        granted = [p for p in proposals if p["kind"] == "honour" and p["outcome"] == "granted"]
        promoted = [p for p in proposals if p["kind"] == "promotion"]
        assert awards, "the final results propose awards"
        approved = await figures_of(admin, eid)
        assert (approved["entrants"], approved["prizes"], approved["honours"], approved["promotions"]) == (
            5,
            len(awards),
            len(granted),
            len(promoted),
        )
        await asyncio.to_thread(check, server, eid)

        # The team standings count the awards by the contestants' delegations.
        people = (await admin.get(f"/api/events/{eid}/contestants", params={"skill_id": rw.sid})).json()["items"]
        delegation = {p["id"]: p["delegation"] for p in people}
        teams = (await admin.get(f"/api/province/events/{eid}/standings")).json()
        assert teams["enabled"] and teams["approved"] == len(awards)
        counted = {(x["delegation"], code): n for x in teams["rows"] for code, n in x["counts"].items() if n}
        expected: dict[tuple[str, str], int] = {}
        for p in awards:
            key = (delegation[p["contestant_id"]], p["code"])
            expected[key] = expected.get(key, 0) + 1
        assert counted == expected
        assert sum(x["entrants"] for x in teams["rows"]) == 5

        # Issue, then revoke one prize's certificate: the prize is no longer counted.
        r = await rw.organiser.post(f"/api/events/{eid}/certificates/issue")
        assert r.status_code == 202, r.text
        assert (await figures_of(admin, eid))["prizes"] == len(awards)
        certs = (await rw.organiser.get(f"/api/events/{eid}/certificates")).json()
        target = next(c for c in certs if c["cert_type"] == "award")
        r = await rw.organiser.post(f"/api/events/{eid}/certificates/{target['number']}/revoke", json={"reason": "申诉复核后名次调整"})
        assert r.status_code == 200, r.text
        after = await figures_of(admin, eid)
        assert (after["entrants"], after["prizes"]) == (5, len(awards) - 1)
        teams_after = (await admin.get(f"/api/province/events/{eid}/standings")).json()
        lost = (delegation[target["contestant_id"]], target["code"])
        recount = {(x["delegation"], code): n for x in teams_after["rows"] for code, n in x["counts"].items() if n}
        assert recount.get(lost, 0) == expected[lost] - 1
        await asyncio.to_thread(check, server, eid)

        # A registration changed afterwards (not a step the summary follows): check names the
        # difference, rebuild puts it right.
        last = next(p for p in people if p["id"] not in {a["contestant_id"] for a in awards})
        r = await admin.patch(f"/api/events/{eid}/contestants/{last['id']}", json={"status": "withdrawn", "reason": "本人申请退赛"})
        assert r.status_code == 200, r.text
        stale = await asyncio.to_thread(run_cli, server.env, "province", "check", "--event", str(eid), check=False)
        assert stale.returncode == 1 and "entrants: stored 1, fresh 0" in stale.stderr, stale.stdout + stale.stderr
        await asyncio.to_thread(run_cli, server.env, "province", "rebuild")
        assert (await figures_of(admin, eid))["entrants"] == 4
        await asyncio.to_thread(check, server, eid)
    finally:
        await rw.close()
