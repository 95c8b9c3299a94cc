"""Roles and the signed-in principal.

A role is held for an event, or for one skill of an event (judges, chief judges), or everywhere
(an organiser created by ``competition create-user`` without an event). ``Principal.has`` is the
one place that decides whether a role covers an event and skill.
"""

from __future__ import annotations

import dataclasses

ORGANISER = "organiser"
CHIEF_JUDGE = "chief_judge"
JUDGE = "judge"
ENCRYPTION_OFFICER = "encryption_officer"
ARBITRATOR = "arbitrator"
APPROVER = "approver"
CONTESTANT = "contestant"

ROLES = (ORGANISER, CHIEF_JUDGE, JUDGE, ENCRYPTION_OFFICER, ARBITRATOR, APPROVER, CONTESTANT)
#: Roles held per skill; the others are held for a whole event.
SKILL_ROLES = (CHIEF_JUDGE, JUDGE)
#: Roles that see an event's internal pages (everyone but contestants).
STAFF_ROLES = (ORGANISER, CHIEF_JUDGE, JUDGE, ENCRYPTION_OFFICER, ARBITRATOR, APPROVER)


@dataclasses.dataclass(frozen=True)
class Grant:
    role: str
    event_id: int | None
    skill_id: int | None


@dataclasses.dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    is_admin: bool
    grants: tuple[Grant, ...]

    def has(self, role: str, event_id: int | None = None, skill_id: int | None = None) -> bool:
        """Does this user hold ``role`` for the event (and skill, when one is given)?

        A grant without an event covers every event; a grant without a skill covers every skill
        of its event. Asked about an event as a whole (no skill), a skill-scoped grant in that
        event counts: routes about one skill name it, and event-wide lists filter by
        ``skills_for``. Administrators hold every role.
        """
        if self.is_admin:
            return True
        for g in self.grants:
            if g.role != role:
                continue
            if g.event_id is not None and event_id is not None and g.event_id != event_id:
                continue
            if g.event_id is not None and event_id is None:
                continue
            if g.skill_id is not None and skill_id is not None and g.skill_id != skill_id:
                continue
            return True
        return False

    def has_any(self, roles: tuple[str, ...] | list[str], event_id: int | None = None, skill_id: int | None = None) -> bool:
        return any(self.has(r, event_id, skill_id) for r in roles)

    def event_ids(self) -> set[int] | None:
        """Events this user has any role in; ``None`` means all (admin or global organiser)."""
        if self.is_admin or any(g.event_id is None for g in self.grants):
            return None
        return {g.event_id for g in self.grants if g.event_id is not None}

    def skills_for(self, role: str, event_id: int) -> set[int] | None:
        """Skills of the event where the user holds ``role``; ``None`` means every skill."""
        if self.is_admin:
            return None
        out: set[int] = set()
        for g in self.grants:
            if g.role == role and (g.event_id is None or g.event_id == event_id):
                if g.skill_id is None:
                    return None
                out.add(g.skill_id)
        return out

    def as_json(self) -> dict:
        return {
            "id": self.user_id,
            "username": self.username,
            "display_name": self.display_name,
            "is_admin": self.is_admin,
            "roles": [dataclasses.asdict(g) for g in self.grants],
        }
