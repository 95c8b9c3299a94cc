"""A competition scored and ready for the results workflow, built through the public API only:
``tests/worlds/live_world.py``'s ``build`` (one skill, one employee group, judges, chief judge,
encryption officer, round-1 numbers), then every aspect marked over HTTP, plus the accounts the
results workflow needs (organiser, arbitrator, approver, contestant)."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from harness import Client, account, unique
from live_world import World, build

#: Per contestant: A1.1 and A1.2 (judgement, 0–3, the same from all three judges), B1.1 and B1.2
#: (measurement, full or zero). Totals: 100, 93.34, 56.67, 46.66, 0.
VALUES = [(3, 3, 40, 40), (2, 2, 40, 40), (3, 2, 40, 0), (1, 1, 40, 0), (0, 0, 0, 0)]


@dataclass
class ResultsWorld:
    w: World
    organiser: Client
    arbitrator: Client
    approver: Client
    contestant: Client
    anon: Client
    state: dict[str, Any] = field(default_factory=dict)  # what one test leaves for the next

    @property
    def eid(self) -> int:
        return self.w.event["id"]

    @property
    def sid(self) -> int:
        return self.w.skill["id"]

    @property
    def gid(self) -> int:
        return self.w.skill["groups"][0]["id"]

    @property
    def group_url(self) -> str:
        return f"/api/events/{self.eid}/skills/{self.sid}/groups/{self.gid}"

    async def close(self) -> None:
        for c in (self.organiser, self.arbitrator, self.approver, self.contestant, self.anon):
            await c.aclose()
        await self.w.close()


async def mark(client: Client, w: World, ref: str, aspect: str, value: Any) -> None:
    r = await client.post(
        f"/api/events/{w.event['id']}/skills/{w.skill['id']}/marks",
        json={"op_id": unique("r-"), "contestant": ref, "aspect": aspect, "value": str(value)},
    )
    assert r.status_code == 201, r.text


async def score_all(w: World, values=VALUES) -> None:
    jobs = []
    for ref, v in zip(w.refs, values):
        if v is None:  # registered, left unmarked
            continue
        a1, a2, b1, b2 = v
        for judge in w.judges:
            jobs += [mark(judge, w, ref, "A1.1", a1), mark(judge, w, ref, "A1.2", a2)]
        jobs += [mark(w.judges[0], w, ref, "B1.1", b1), mark(w.judges[0], w, ref, "B1.2", b2)]
    await asyncio.gather(*jobs)


async def lock_all(w: World, criteria=("A", "B")) -> None:
    """The chief judge locks the criteria after review (the sign-off asks for it); one nobody
    scored stays open (it cannot be locked)."""
    for crit in criteria:
        r = await w.chief.post(f"/api/events/{w.event['id']}/skills/{w.skill['id']}/locks", json={"criterion": crit})
        assert r.status_code == 201 or r.json()["code"] in ("already_locked", "criterion_unscored"), r.text


async def sign_off(w: World, *, override_reason: str | None = None) -> None:
    """Lock, submit and re-check; ``override_reason`` for a world left incomplete on purpose."""
    eid, sid = w.event["id"], w.skill["id"]
    await lock_all(w)
    body = {"override_reason": override_reason} if override_reason else {}
    for step in ("submit", "recheck"):
        r = await w.chief.post(f"/api/events/{eid}/skills/{sid}/scores/{step}", json=body)
        assert r.status_code == 200, r.text


async def decrypt(w: World) -> None:
    r = await w.officer.post(f"/api/events/{w.event['id']}/skills/{w.skill['id']}/decrypt", json={"note": "监督：张三"})
    assert r.status_code in (200, 201), r.text


async def results_world(server, *, values=VALUES, provincial: bool = True, windows: dict[str, float] | None = None) -> ResultsWorld:
    w = await build(server, contestants=len(values), checked_in=False)  # as registered: nobody checked in
    eid = w.event["id"]
    if provincial:
        r = await w.admin.patch(f"/api/events/{eid}", json={"tier": "provincial", "tier_class": "class2"})
        assert r.status_code == 200, r.text
    if windows is not None:
        r = await w.admin.put(f"/api/events/{eid}/preset", json={"overrides": {"results": windows}})
        assert r.status_code == 200, r.text
    await score_all(w, values)
    roles = await asyncio.gather(*(account(w.admin, server, eid, role) for role in ("organiser", "arbitrator", "approver")))
    # The contestant account is 选手2's own (a contestant files and reads appeals about themselves).
    people = (await w.admin.get(f"/api/events/{eid}/contestants", params={"skill_id": w.skill["id"]})).json()["items"]
    contestant_id = next(p["id"] for p in people if p["name"] == "选手2")
    contestant = await account(w.admin, server, eid, "contestant", contestant_id=contestant_id)
    return ResultsWorld(w, *roles, contestant, Client(server.base_url))


async def wait_until(iso: str) -> None:
    """Sleep until an ISO time (plus a little) has passed."""
    left = (dt.datetime.fromisoformat(iso) - dt.datetime.now(dt.timezone.utc)).total_seconds()
    if left > -0.05:
        await asyncio.sleep(left + 0.1)


def sheet_rows(content: bytes, sheet: int | str = 0) -> list[list[Any]]:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    ws = wb.worksheets[sheet] if isinstance(sheet, int) else wb[sheet]
    return [list(r) for r in ws.iter_rows(values_only=True)]


async def audit_actions(server, event_id: int) -> list[str]:
    """The event's audit log actions in order, read from the server's database."""
    url = server.env["DATABASE_URL"]
    if url.startswith(("postgres://", "postgresql://")):
        import asyncpg

        con = await asyncpg.connect(url)
        try:
            rows = await con.fetch("SELECT action FROM audit_log WHERE event_id = $1 ORDER BY seq", event_id)
        finally:
            await con.close()
        return [r["action"] for r in rows]
    import sqlite3

    from kernel.settings import sqlite_path

    con = sqlite3.connect(sqlite_path(url))
    try:
        return [r[0] for r in con.execute("SELECT action FROM audit_log WHERE event_id = ? ORDER BY seq", (event_id,))]
    finally:
        con.close()
