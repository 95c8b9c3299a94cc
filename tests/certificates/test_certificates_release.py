"""End to end through the public API only: a skill scored, signed off, decrypted, published, made
final, its proposals approved by the approver (``marking/release``), then certificates issued,
verified and downloaded, and the promotions in the ledger."""

from __future__ import annotations

import asyncio

from results_world import decrypt, results_world, sign_off  # noqa: E402

WINDOWS = {"notice_hours": 0, "appeal_window_hours": 0}


async def test_from_approved_results_to_verified_certificates(server):
    rw = await results_world(server, windows=WINDOWS)
    try:
        w, url, eid = rw.w, rw.group_url, rw.eid
        await sign_off(w)
        await decrypt(w)
        assert (await rw.organiser.post(f"{url}/results/provisional")).status_code == 200
        r = await rw.organiser.post(f"{url}/results/final")
        assert r.status_code == 200, r.text

        # Nothing is issued before approval.
        r = await rw.organiser.post(f"/api/events/{eid}/certificates/issue")
        assert r.status_code == 202 and r.json()["issued"] == 0
        proposals = (await rw.approver.get(f"/api/events/{eid}/proposals")).json()
        assert proposals, "final results should propose awards"
        r = await rw.approver.post(f"/api/events/{eid}/proposals/approve", json={})
        assert r.status_code == 200, r.text

        r = await rw.organiser.post(f"/api/events/{eid}/certificates/issue")
        assert r.status_code == 202, r.text
        issued = r.json()
        issuable = [p for p in proposals if p["kind"] == "award" or p["outcome"] in ("granted", "promoted", "promoted_already_held")]
        assert issued["issued"] == len(issuable) > 0
        batch = issued["batch"]
        for _ in range(600):
            batch = (await rw.organiser.get(f"/api/events/{eid}/certificates/batches/{batch['id']}")).json()
            if batch["status"] != "running":
                break
            await asyncio.sleep(0.3)
        assert batch["status"] == "finished" and batch["done"] == batch["total"] == len(issuable)

        certs = (await rw.organiser.get(f"/api/events/{eid}/certificates")).json()
        assert sorted(c["number"] for c in certs) == sorted(issued["numbers"])
        by_kind = {(p["contestant_id"], p["kind"], p["code"]) for p in issuable}
        assert {(c["contestant_id"], c["cert_type"], c["code"]) for c in certs} == by_kind
        winner = next(c for c in certs if c["cert_type"] == "award" and c["number"].endswith(("-A-000001-" + c["number"][-1])))
        body = (await rw.anon.get(f"/api/verify/{winner['number']}")).json()
        assert body["status"] == "genuine" and body["what"] == winner["what"] and body["holder"] != winner["holder_name"]
        r = await rw.organiser.get(winner["download_url"])
        assert r.status_code == 200 and r.content.startswith(b"%PDF")

        promotions = [p for p in issuable if p["kind"] == "promotion"]
        ledger = (await rw.organiser.get(f"/api/events/{eid}/ledger")).json()
        assert len(ledger) == len(promotions)
        assert {(e["to_level"]) for e in ledger} == {p["to_level"] for p in promotions}
        again = await rw.organiser.post(f"/api/events/{eid}/certificates/issue")
        assert again.json()["issued"] == 0 and again.json()["existing"] == len(issuable)
    finally:
        await rw.close()
