"""What anyone may read of a skill's results (公示 and the final results, no login): the rankings as
published, row by row through a list of what the public sees, so a field added to the published
snapshot for staff (an internal id, the employer) stays with staff until it is named here.

Names and delegations are public once published (results are published only after decryption);
employers (工作单位) and internal ids of contestants are not: the employer identifies a person far
beyond the competition, and an id links a row to every other record of the person.
"""

from __future__ import annotations

from typing import Any

from marking.release import service

#: The fields of a published row the public sees (``changed`` and ``provisional``: what an
#: upheld appeal changed; ``provisional`` holds only rank, score, award and status).
PUBLIC_ROW = (
    "rank", "tied", "encrypted_no", "workstation_no", "name", "delegation", "status", "score", "total", "criteria", "parts",
    "award", "award_label", "complete", "changed", "provisional", "team",
)  # fmt: skip


def public_row(row: dict[str, Any]) -> dict[str, Any]:
    """A published row as the public sees it; a team's members by name (captain first)."""
    out = {k: row[k] for k in PUBLIC_ROW if k in row}
    if row.get("members"):
        out["members"] = [{"name": m["name"], "captain": m["captain"]} for m in row["members"]]
    return out


def contestant_ids(view: dict[str, Any]) -> list[int]:
    """The contestants of a ``service.public_skill`` view (before its rows are cut)."""
    return [r["contestant_id"] for g in view["groups"] for r in (g.get("ranking") or {}).get("rows", []) if r.get("contestant_id") is not None]


def cut(view: dict[str, Any], extra: dict[int, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Each ranking's rows of a ``service.public_skill`` view cut to ``PUBLIC_ROW``, plus what a
    higher floor adds per contestant for the public (``extra``: contestant id → fields, e.g. the
    certificates and honours the public results page shows)."""
    for group in view["groups"]:
        ranking = group.get("ranking")
        if ranking:
            rows = [{**public_row(r), **(extra or {}).get(r.get("contestant_id"), {})} for r in ranking.get("rows", [])]
            group["ranking"] = {**ranking, "rows": rows}
    return view


async def public_skill(event_id: int, skill_id: int) -> dict[str, Any]:
    """``service.public_skill`` with each ranking's rows cut to ``PUBLIC_ROW``."""
    return cut(await service.public_skill(event_id, skill_id))
