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
    "award", "award_label", "complete", "changed", "provisional",
)  # fmt: skip


def public_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in PUBLIC_ROW if k in row}


async def public_skill(event_id: int, skill_id: int) -> dict[str, Any]:
    """``service.public_skill`` with each ranking's rows cut to ``PUBLIC_ROW``."""
    view = await service.public_skill(event_id, skill_id)
    for group in view["groups"]:
        ranking = group.get("ranking")
        if ranking:
            group["ranking"] = {**ranking, "rows": [public_row(r) for r in ranking.get("rows", [])]}
    return view
