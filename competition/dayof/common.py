"""Shared helpers of the competition day: loading a skill's contestants, sessions, JSON columns."""

from __future__ import annotations

from typing import Any

from competition.events import service as events
from competition.registration import face as registration
from kernel.errors import invalid, not_found
from kernel.i18n import register
from kernel.tables import Skill

register({"thing.draw": ("抽签记录", "draw"), "thing.encrypted_no": ("加密号", "encrypted number")})

#: Contestants who take part: withdrawn (退赛) and disqualified ones are left out of check-in,
#: the draw and anonymisation.
ACTIVE = "registered"


def clean_session(value: Any) -> str:
    text = str(value if value is not None else "").strip()
    if not text or len(text) > 20:
        raise invalid("session", "场次须为 1–20 个字符", "session must be 1–20 characters")
    return text


async def skill_of(event_id: int, skill_id: int) -> dict[str, Any]:
    row = await Skill.select().where((Skill.id == skill_id) & (Skill.event == event_id)).first()
    if row is None:
        raise not_found("skill")
    return row


async def editable_skill(event_id: int, skill_id: int) -> dict[str, Any]:
    await events.editable_event(event_id)
    return await skill_of(event_id, skill_id)


def session_key(session: str) -> tuple[int, Any]:
    """Sessions sort numerically when they are numbers ("2" before "10"), else by text."""
    return (0, int(session), "") if session.isdigit() else (1, 0, session)


async def sessions_of(skill_id: int) -> list[str]:
    return sorted(await registration.sessions_of(skill_id, statuses=(ACTIVE,)), key=session_key)


async def active_contestants(skill_id: int, session: str | None = None, columns: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The skill's active contestants (one session, or all), ordered by id; ``columns`` name
    ``Contestant`` columns (all, when empty)."""
    return await registration.contestants_of_skill(skill_id, columns or None, statuses=(ACTIVE,), session=session)
