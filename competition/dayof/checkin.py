"""Check-in (检录): who arrived for a skill's session, with the identity check against the ID card.

Rules:
- Statuses are ``present`` (到场), ``late`` (迟到: present, after the cut-off; the organiser chooses
  it, the server does not judge the clock) and ``absent`` (缺考).
- Marking someone present or late needs the ID number from their card (typed or scanned); it must
  equal the registered one after normalisation (spaces, full-width digits, lower-case x). A
  mismatch is a 422 naming ``id_number`` and records nothing. A contestant whose ID was already
  verified can be switched between present and late without retyping it.
- Changing a recorded status is a correction: it needs a ``reason`` and is audited with the old
  and new status. Repeating the current status changes nothing and records nothing.
- Only active contestants (status ``registered``) are checked in; withdrawn and disqualified ones
  are not listed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from competition.dayof.common import ACTIVE, active_contestants, clean_session, editable_skill, session_key, sessions_of, skill_of
from competition.dayof.tables import CheckIn
from competition.events import service as events
from competition.registration import face as registration
from kernel import audit
from kernel.db import write_transaction
from kernel.errors import BilingualError, invalid, not_found
from kernel.i18n import china_time
from kernel.tables import CompetitionGroup, Skill
from scoring.idcard import mask_id, normalise_id

STATUSES = ("present", "late", "absent")
ARRIVED = ("present", "late")


def checkin_json(row: dict[str, Any] | None, by_name: str | None = None) -> dict[str, Any] | None:
    if row is None:
        return None
    at = row["checked_at"]
    return {
        "status": row["status"],
        "id_verified": row["id_verified"],
        "note": row["note"],
        "checked_at": at.isoformat() if at else None,
        "checked_at_china": china_time(at, "%H:%M"),
        "checked_by": by_name,
    }


def _entry(c: dict[str, Any], checkin: dict[str, Any] | None, by_name: str | None, group_names: dict[int, str]) -> dict[str, Any]:
    id_number = c["id_number"]
    return {
        "id": c["id"],
        "name": c["name"],
        "id_masked": mask_id(id_number),
        "id_tail": id_number[-4:],
        "delegation": c["delegation"],
        "employer": c["employer"],
        "group": group_names.get(c["group"], ""),
        "session": c["session"],
        "workstation_no": c["workstation_no"],
        "checkin": checkin_json(checkin, by_name),
    }


def tally(entries: list[dict[str, Any]]) -> dict[str, int]:
    out = {"present": 0, "late": 0, "absent": 0, "pending": 0, "total": len(entries)}
    for e in entries:
        status = e["checkin"]["status"] if e["checkin"] else "pending"
        out[status] += 1
    return out


async def _checkins(contestant_ids: list[int]) -> tuple[dict[int, dict[str, Any]], dict[int, str]]:
    if not contestant_ids:
        return {}, {}
    rows = await CheckIn.select(CheckIn.all_columns(), CheckIn.checked_by.display_name).where(CheckIn.contestant.is_in(contestant_ids))
    by = {r["contestant"]: r for r in rows}
    names = {r["contestant"]: r["checked_by.display_name"] for r in rows}
    return by, names


async def checkin_list(event_id: int, skill_id: int, session: str | None = None) -> dict[str, Any]:
    """One skill's session (the first when none is named): contestants with their check-in, and the tally."""
    await events.get_event(event_id)
    skill = await skill_of(event_id, skill_id)
    sessions = await sessions_of(skill_id)
    if session is None:
        session = sessions[0] if sessions else "1"
    session = clean_session(session)
    contestants = await active_contestants(skill_id, session)
    checkins, names = await _checkins([c["id"] for c in contestants])
    groups = {g["id"]: g["name"] for g in await CompetitionGroup.select().where(CompetitionGroup.skill == skill_id)}
    entries = [_entry(c, checkins.get(c["id"]), names.get(c["id"]), groups) for c in contestants]
    return {
        "event_id": event_id,
        "skill_id": skill_id,
        "skill": skill["name"],
        "session": session,
        "sessions": sessions,
        "items": entries,
        "summary": tally(entries),
    }


async def event_summary(event_id: int) -> list[dict[str, Any]]:
    """Per skill and session: present, late, absent, pending (not yet checked in), total."""
    await events.get_event(event_id)
    skills = {s["id"]: s["name"] for s in await Skill.select(Skill.id, Skill.name).where(Skill.event == event_id)}
    rows = await registration.contestants_of_event(event_id, ("id", "skill", "session"), statuses=(ACTIVE,))
    statuses = await _statuses(event_id) if rows else {}
    out: dict[tuple[int, str], dict[str, Any]] = {}
    for r in rows:
        key = (r["skill"], r["session"])
        item = out.setdefault(
            key,
            {
                "skill_id": r["skill"],
                "skill": skills.get(r["skill"], ""),
                "session": r["session"],
                "present": 0,
                "late": 0,
                "absent": 0,
                "pending": 0,
                "total": 0,
            },
        )
        item[statuses.get(r["id"], "pending")] += 1
        item["total"] += 1
    return [out[k] for k in sorted(out, key=lambda k: (k[0], session_key(k[1])))]


async def _statuses(event_id: int) -> dict[int, str]:
    rows = await CheckIn.select(CheckIn.contestant, CheckIn.status).where(CheckIn.contestant.event == event_id)
    return {r["contestant"]: r["status"] for r in rows}


def _id_matches(typed: str, registered: str) -> bool:
    return normalise_id(typed) == normalise_id(registered)


async def set_checkin(
    event_id: int, contestant_id: int, status: str, actor: audit.Actor, *, id_number: str | None = None, reason: str = "", note: str = ""
) -> dict[str, Any]:
    """Mark or correct one contestant's check-in; returns the list entry and their session's tally."""
    if status not in STATUSES:
        raise invalid("status", "须为 present（到场）、late（迟到）或 absent（缺考）", "must be present, late or absent")
    reason = (reason or "").strip()
    note = (note or "").strip()
    if len(reason) > 200 or len(note) > 200:
        raise invalid("reason" if len(reason) > 200 else "note", "不能超过 200 个字符", "at most 200 characters")
    await events.editable_event(event_id)
    contestant = await registration.contestant(contestant_id, event_id=event_id)
    if contestant is None:
        raise not_found("contestant")
    await editable_skill(event_id, contestant["skill"])
    if contestant["status"] != ACTIVE:
        raise BilingualError(
            409,
            "not_active",
            field="status",
            zh="该选手已退赛或被取消资格，不能检录",
            en="This contestant has withdrawn or been disqualified and cannot check in",
        )
    typed = (id_number or "").strip()
    if typed and not _id_matches(typed, contestant["id_number"]):
        raise BilingualError(
            422,
            "id_mismatch",
            field="id_number",
            zh=f"身份证号与报名信息不符（报名：{mask_id(contestant['id_number'])}），请核对证件",
            en=f"The ID number does not match the registration ({mask_id(contestant['id_number'])}); check the card",
        )

    async with write_transaction():
        await registration.lock_contestant(contestant_id)
        current = await CheckIn.select().where(CheckIn.contestant == contestant_id).first()
        verified_before = bool(current and current["id_verified"] and current["status"] in ARRIVED)
        if status in ARRIVED and not typed and not verified_before:
            raise invalid("id_number", "到场或迟到须核对身份证号", "present or late needs the ID number from the card")
        now = dt.datetime.now(dt.timezone.utc)
        id_verified = status in ARRIVED and (bool(typed) or verified_before)
        if current is None:
            await CheckIn.insert(
                CheckIn(contestant=contestant_id, status=status, id_verified=id_verified, note=note, checked_at=now, checked_by=actor.user_id)
            )
            await audit.record(
                "checkin.mark",
                actor,
                event_id=event_id,
                target=f"contestant:{contestant_id}",
                details={"status": status, "id_verified": id_verified, "note": note},
            )
        elif current["status"] != status:
            if not reason:
                raise invalid("reason", "更正检录状态须说明原因", "a correction needs a reason")
            await CheckIn.update(
                {
                    CheckIn.status: status,
                    CheckIn.id_verified: id_verified,
                    CheckIn.note: note or reason,
                    CheckIn.checked_at: now,
                    CheckIn.checked_by: actor.user_id,
                }
            ).where(CheckIn.id == current["id"])
            await audit.record(
                "checkin.correct",
                actor,
                event_id=event_id,
                target=f"contestant:{contestant_id}",
                details={"from": current["status"], "to": status, "reason": reason, "id_verified": id_verified},
            )
        elif note and note != current["note"]:
            await CheckIn.update({CheckIn.note: note}).where(CheckIn.id == current["id"])
            await audit.record("checkin.note", actor, event_id=event_id, target=f"contestant:{contestant_id}", details={"note": note})
    listing = await checkin_list(event_id, contestant["skill"], contestant["session"])
    entry = next(e for e in listing["items"] if e["id"] == contestant_id)
    return {"contestant": entry, "summary": listing["summary"]}


async def arrived_ids(skill_id: int, session: str) -> tuple[bool, list[int]]:
    """(any check-in recorded for the session?, ids of present/late active contestants, ascending)."""
    contestants = await active_contestants(skill_id, session, columns=("id",))
    ids = [c["id"] for c in contestants]
    if not ids:
        return False, []
    rows = await CheckIn.select(CheckIn.contestant, CheckIn.status).where(CheckIn.contestant.is_in(ids))
    return bool(rows), sorted(r["contestant"] for r in rows if r["status"] in ARRIVED)
