"""An event's team standings (代表队奖牌榜、团体总分、优秀组织奖) from its records: the approved,
unstruck awards whose certificate was not revoked (what the province counts as prizes), each
counted for its contestant's delegation, and every entrant (withdrawals left out) counted for
theirs, added up by the rule the event's preset names (``delegation_standings``,
``scoring.team_standings``). Delegations are named as registered; no person is named."""

from __future__ import annotations

from collections import Counter
from typing import Any

from certificates import proposals
from certificates import service as certificates
from competition import registration
from competition.events import service as events
from scoring.team_standings import Entry, team_standings


async def event_standings(event_id: int) -> dict[str, Any]:
    """``{event_id, enabled, awards: [{code, zh, en}], rows: [{delegation, entrants, counts, total,
    medal_rank, total_rank, organisation_award}], approved}`` (``approved``: how many awards count)."""
    preset = (await events.event_preset(event_id))["effective"]
    revoked = {(r["skill"], r["contestant"], r["code"]) for r in await certificates.revoked_outcomes([event_id]) if r["kind"] == proposals.AWARD}
    awards = [
        o for o in await proposals.approved_outcomes([event_id])
        if o["kind"] == proposals.AWARD and (o["skill"], o["contestant"], o["code"]) not in revoked
    ]  # fmt: skip
    people = {p["id"]: p["delegation"] for p in await registration.contestants_by_id([o["contestant"] for o in awards], ("id", "delegation"))}
    entrants: Counter = Counter()
    for r in await registration.entrant_counts([event_id]):
        entrants[r["delegation"] or ""] += r["n"]
    entries: list[Entry] = []
    awarded: Counter = Counter()
    for o in awards:
        delegation = people.get(o["contestant"], "")
        awarded[delegation] += 1
        entries.append(Entry(delegation, o["code"]))
    for delegation in sorted(set(entrants) | set(awarded)):
        entries += [Entry(delegation, None)] * max(0, entrants[delegation] - awarded[delegation])
    out = team_standings(preset.get("delegation_standings"), entries).to_json()
    return {"event_id": event_id, **out, "approved": len(awards)}
