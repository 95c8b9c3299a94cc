"""Awards across an event's skills in the results (WorldSkills: Best of Nation, Albert Vidal Award).

The rule is the preset's ``event_awards`` section (``scoring.event_awards``); this module feeds it
the published rankings of every skill and group of the event — each row's score on the common
scale (the 700 scale for WorldSkills), delegation, status and award eligibility — final where a
group is final, provisional where it is only published. The answer says how far that is:
``final`` once every group with contestants is final (what certificates are proposed from:
``certificates.proposals``), ``provisional`` once every one is at least published, else
``incomplete`` (the awards as they would stand, for staff; the public sees none until every group
is published)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from competition.events import service as events
from competition.registration import face as registration
from kernel.tables import Skill
from marking.tables import ResultRelease
from scoring.awards import award_label
from scoring.event_awards import Entrant, event_award_rule
from scoring.ranking import COMPETED

FINAL, PROVISIONAL, INCOMPLETE = "final", "provisional", "incomplete"


def _score(text: Any) -> Decimal | None:
    if text in (None, ""):
        return None
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return None


async def event_awards(event_id: int, lang: str = "zh") -> dict[str, Any]:
    """The event-wide awards as the published results stand, with how final they are."""
    preset = (await events.event_preset(event_id))["effective"]
    rule = event_award_rule(preset.get("event_awards"))
    skills = await Skill.select(Skill.id).where(Skill.event == event_id)
    skill_ids = [s["id"] for s in skills]
    wanted = await registration.groups_with_contestants(skill_ids, excluding=("withdrawn",)) if skill_ids else set()
    rels = (
        await ResultRelease.select(ResultRelease.group, ResultRelease.stage, ResultRelease.provisional, ResultRelease.final)
        .where(ResultRelease.skill.is_in(skill_ids))
        .output(load_json=True)
        if skill_ids
        else []
    )
    entrants: list[Entrant] = []
    names: dict[str, dict[str, Any]] = {}
    stages = {r["group"]: r["stage"] for r in rels}
    for r in rels:
        snap = r["final"] if r["stage"] == FINAL and r["final"] else r["provisional"]
        for row in (snap or {}).get("rows", []):
            cid = str(row["contestant_id"])
            names[cid] = {
                "name": row.get("name", ""),
                "skill_id": snap.get("skill_id"),
                "group_id": snap.get("group_id"),
                "award": row.get("award"),
                "rank": row.get("rank"),
            }
            entrants.append(Entrant(
                cid, row.get("delegation") or "", _score(row.get("score")), snap.get("skill", ""), snap.get("group", ""),
                competed=row.get("status") == COMPETED, award_eligible=bool(row.get("award_eligible", True)),
            ))  # fmt: skip
    if wanted and all(stages.get(g) == FINAL for g in wanted):
        stage = FINAL
    elif wanted and all(g in stages for g in wanted):
        stage = PROVISIONAL
    else:
        stage = INCOMPLETE
    awards = [
        {**a.to_dict(), **names.get(a.contestant_id, {}), "label": award_label(a.code, lang), "contestant_id": int(a.contestant_id)}
        for a in rule.decide(entrants)
    ]
    return {
        "event_id": event_id, "rule": rule.name, "stage": stage,
        "groups": {"with_contestants": len(wanted), "published": sum(1 for g in wanted if g in stages),
                   "final": sum(1 for g in wanted if stages.get(g) == FINAL)},
        "awards": awards,
    }  # fmt: skip


#: What the public sees of an event award (no internal ids).
PUBLIC_FIELDS = ("code", "label", "name", "delegation", "skill", "group", "score", "shared")


async def public_event_awards(event_id: int, lang: str = "zh") -> dict[str, Any]:
    """:func:`event_awards` for the public: none until every group is published, rows cut to :data:`PUBLIC_FIELDS`."""
    out = await event_awards(event_id, lang)
    awards = [] if out["stage"] == INCOMPLETE else [{k: a.get(k) for k in PUBLIC_FIELDS} for a in out["awards"]]
    return {"event_id": event_id, "rule": out["rule"], "stage": out["stage"], "awards": awards}
