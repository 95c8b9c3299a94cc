"""What other features may read of the results' releases (the table is marking's own): which
groups of some skills are published, and which are final, each in one query."""

from __future__ import annotations

from typing import Iterable

from marking.tables import ResultRelease


async def published_groups(skill_ids: Iterable[int]) -> set[tuple[int, int]]:
    """The (skill, group) pairs of these skills with results published (provisional or final)."""
    ids = sorted(set(skill_ids))
    if not ids:
        return set()
    rows = await ResultRelease.select(ResultRelease.skill, ResultRelease.group).where(ResultRelease.skill.is_in(ids))
    return {(r["skill"], r["group"]) for r in rows}


async def final_groups(skill_ids: Iterable[int]) -> set[int]:
    """The groups of these skills whose results are final."""
    ids = sorted(set(skill_ids))
    if not ids:
        return set()
    rows = await ResultRelease.select(ResultRelease.group).where(ResultRelease.skill.is_in(ids) & (ResultRelease.stage == "final"))
    return {r["group"] for r in rows}
