"""What other features may read of the judges' assignments (their tables are judges' own): the
panel of a skill, or of every skill of an event, each in one query.

Each assignment is a dict: ``judge_id``, ``user_id`` (the judge's account, None before it has
one), ``name``, ``role`` (``judge`` / ``chief_judge``), ``criteria`` (codes; empty: every one),
``employer``, ``delegation``, ``qualifications`` and ``skill_id``, in the order assigned.
"""

from __future__ import annotations

import json
from typing import Any

from competition.judges.tables import JudgeAssignment


def criteria_list(value: Any) -> list[str]:
    """A stored ``criteria`` column as a list of codes."""
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return list(value or [])


def _select():
    return JudgeAssignment.select(
        JudgeAssignment.skill,
        JudgeAssignment.judge,
        JudgeAssignment.role,
        JudgeAssignment.criteria,
        JudgeAssignment.judge.name,
        JudgeAssignment.judge.user,
        JudgeAssignment.judge.employer,
        JudgeAssignment.judge.delegation,
        JudgeAssignment.judge.qualifications,
    )


def _assignment(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "skill_id": r["skill"],
        "judge_id": r["judge"],
        "user_id": r["judge.user"],
        "name": r["judge.name"],
        "role": r["role"],
        "criteria": criteria_list(r["criteria"]),
        "employer": r["judge.employer"],
        "delegation": r["judge.delegation"],
        "qualifications": r["judge.qualifications"],
    }


async def assignments_of(skill_id: int) -> list[dict[str, Any]]:
    """The skill's panel."""
    return [_assignment(r) for r in await _select().where(JudgeAssignment.skill == skill_id).order_by(JudgeAssignment.id)]


async def assignments_of_event(event_id: int) -> list[dict[str, Any]]:
    """The panels of every skill of the event."""
    return [_assignment(r) for r in await _select().where(JudgeAssignment.skill.event == event_id).order_by(JudgeAssignment.id)]
