"""Roles and the signed-in principal.

A role is held on the platform (``PLATFORM_ROLES``: an administrator, or an account that may
create events), or for one event, or for one skill of an event (judges, chief judges). A
contestant's grant names its contestant, a delegation leader's (领队) its delegation. What a
role may do is decided by the access policy (``kernel.access``), never here: ``Principal``
only answers which grants it holds.
"""

from __future__ import annotations

import dataclasses

PLATFORM_ADMIN = "platform_admin"
EVENT_CREATOR = "event_creator"
ORGANISER = "organiser"
CHIEF_JUDGE = "chief_judge"
JUDGE = "judge"
ENCRYPTION_OFFICER = "encryption_officer"
ARBITRATOR = "arbitrator"
APPROVER = "approver"
SUPERVISOR = "supervisor"
DELEGATION_LEADER = "delegation_leader"
CONTESTANT = "contestant"
#: 省人社厅 supervision: reads the province's figures across every event, no personal data.
PROVINCE_SUPERVISOR = "province_supervisor"
#: 市人社局: a city's reviewer (step 市 of a delegation's registration) and reader of its own city's
#: figures; a platform grant naming a city code of ``scoring.codelists.CITIES`` (held in the grant's
#: ``delegation`` field, as a leader's names its delegation).
CITY_SUPERVISOR = "city_supervisor"

#: 省人社厅 annual selection of honours (评选): opens rounds, appoints nominators and reviewers,
#: confirms the list, decides objections, announces.
SELECTION_ORGANISER = "selection_organiser"
#: A nominating body's account (推荐单位: a city or an industry body), appointed per round.
NOMINATOR = "nominator"
#: A member of a round's expert review panel (评审专家), appointed per round.
SELECTION_REVIEWER = "selection_reviewer"

#: Roles held on the platform, not for an event (``platform_admin`` is the account's ``is_admin`` flag).
PLATFORM_ROLES = (PLATFORM_ADMIN, EVENT_CREATOR, PROVINCE_SUPERVISOR, CITY_SUPERVISOR, SELECTION_ORGANISER, NOMINATOR, SELECTION_REVIEWER)
#: Roles an event's staff can grant in their event.
ROLES = (ORGANISER, CHIEF_JUDGE, JUDGE, ENCRYPTION_OFFICER, ARBITRATOR, APPROVER, SUPERVISOR, DELEGATION_LEADER, CONTESTANT)
#: Roles held per skill; the others are held for a whole event.
SKILL_ROLES = (CHIEF_JUDGE, JUDGE)
#: Role names in the interface.
ROLE_LABELS = {
    PLATFORM_ADMIN: ("平台管理员", "platform administrator"),
    EVENT_CREATOR: ("赛事创建人", "event creator"),
    PROVINCE_SUPERVISOR: ("省级统计监督（人社厅）", "province supervisor (statistics)"),
    CITY_SUPERVISOR: ("地市审核（市人社局）", "city supervisor (city review and figures)"),
    SELECTION_ORGANISER: ("荣誉评选组织（人社厅）", "honours selection organiser"),
    NOMINATOR: ("推荐单位", "nominating body"),
    SELECTION_REVIEWER: ("评审专家", "selection reviewer"),
    ORGANISER: ("组织方", "organiser"),
    CHIEF_JUDGE: ("裁判长", "chief judge"),
    JUDGE: ("裁判", "judge"),
    ENCRYPTION_OFFICER: ("加密员", "encryption officer"),
    ARBITRATOR: ("监督仲裁组", "arbitrator"),
    APPROVER: ("审批人", "approver"),
    SUPERVISOR: ("监督员", "supervisor"),
    DELEGATION_LEADER: ("领队", "delegation leader"),
    CONTESTANT: ("选手", "contestant"),
}


@dataclasses.dataclass(frozen=True)
class Grant:
    role: str
    event_id: int | None
    skill_id: int | None
    contestant_id: int | None = None
    delegation: str | None = None


@dataclasses.dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    is_admin: bool
    grants: tuple[Grant, ...]
    home_event_id: int | None = None

    def holds(self, role: str, event_id: int, skill_id: int | None = None) -> bool:
        """Does this user hold ``role`` for the event (and skill, when one is given)?

        A grant without a skill covers every skill of its event. Asked about an event as a whole
        (no skill), a skill-scoped grant in that event counts: routes about one skill name it, and
        event-wide lists filter by ``skills_for``. Platform grants never count for an event.
        """
        for g in self.grants:
            if g.role != role or g.event_id is None or g.event_id != event_id:
                continue
            if g.skill_id is not None and skill_id is not None and g.skill_id != skill_id:
                continue
            return True
        return False

    def holds_platform(self, role: str) -> bool:
        if role == PLATFORM_ADMIN:
            return self.is_admin
        return any(g.role == role and g.event_id is None for g in self.grants)

    def skills_for(self, role: str, event_id: int) -> set[int] | None:
        """Skills of the event where the user holds ``role``; ``None`` means every skill."""
        if self.is_admin:
            return None
        out: set[int] = set()
        for g in self.grants:
            if g.role == role and g.event_id == event_id:
                if g.skill_id is None:
                    return None
                out.add(g.skill_id)
        return out

    def contestants_for(self, event_id: int) -> set[int]:
        """The contestants this user is (contestant grants) in the event."""
        return {g.contestant_id for g in self.grants if g.role == CONTESTANT and g.event_id == event_id and g.contestant_id is not None}

    def delegations_for(self, event_id: int) -> set[str]:
        """The delegations this user leads (领队) in the event."""
        return {g.delegation for g in self.grants if g.role == DELEGATION_LEADER and g.event_id == event_id and g.delegation}

    def cities(self) -> set[str]:
        """The city codes this user supervises (市: platform ``city_supervisor`` grants)."""
        return {g.delegation for g in self.grants if g.role == CITY_SUPERVISOR and g.event_id is None and g.delegation}

    def is_platform_account(self) -> bool:
        """An account of the platform rather than of one event: administrators, event creators,
        and accounts not made for an event."""
        return self.is_admin or self.home_event_id is None or any(g.event_id is None for g in self.grants)

    def as_json(self) -> dict:
        return {
            "id": self.user_id,
            "username": self.username,
            "display_name": self.display_name,
            "is_admin": self.is_admin,
            "home_event_id": self.home_event_id,
            "roles": [{k: v for k, v in dataclasses.asdict(g).items() if v is not None or k in ("event_id", "skill_id")} for g in self.grants],
        }
