"""HTTP API for events, their rule presets, skills and groups. Thin: checks access, calls the service."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import msgspec
from litestar import Controller, Request, delete, get, patch, post, put

from competition.events import service
from kernel import access
from kernel.audit import Actor
from kernel.guards import allowed, principal, requires_login
from kernel.tables import Event

Tier = Literal["provincial", "national", "worldskills", "city", "industry", "enterprise"]


class EventIn(msgspec.Struct):
    name: str
    code: str
    tier: Tier
    tier_class: str | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    venue: str = ""
    host: str = ""


class EventPatch(msgspec.Struct):
    name: str | msgspec.UnsetType = msgspec.UNSET
    code: str | msgspec.UnsetType = msgspec.UNSET
    tier: Tier | msgspec.UnsetType = msgspec.UNSET
    tier_class: str | None | msgspec.UnsetType = msgspec.UNSET
    starts_on: dt.date | None | msgspec.UnsetType = msgspec.UNSET
    ends_on: dt.date | None | msgspec.UnsetType = msgspec.UNSET
    venue: str | msgspec.UnsetType = msgspec.UNSET
    host: str | msgspec.UnsetType = msgspec.UNSET


class PresetIn(msgspec.Struct):
    overrides: dict[str, Any]


class SkillIn(msgspec.Struct):
    name: str
    occupation_code: str = ""
    industry_cluster: str = ""
    team_size: int = 1
    total_marks: int = 100
    groups: list[Literal["employee", "student", "teacher"]] = []


class SkillPatch(msgspec.Struct):
    name: str | msgspec.UnsetType = msgspec.UNSET
    occupation_code: str | msgspec.UnsetType = msgspec.UNSET
    industry_cluster: str | msgspec.UnsetType = msgspec.UNSET
    team_size: int | msgspec.UnsetType = msgspec.UNSET
    total_marks: int | msgspec.UnsetType = msgspec.UNSET


class GroupIn(msgspec.Struct):
    kind: Literal["employee", "student", "teacher"]
    name: str | None = None


class GroupPatch(msgspec.Struct):
    kind: Literal["employee", "student", "teacher"] | msgspec.UnsetType = msgspec.UNSET
    name: str | msgspec.UnsetType = msgspec.UNSET


class SessionIn(msgspec.Struct):
    code: str
    name: str = ""
    venue: str = ""
    starts_at: str | None = None
    ends_at: str | None = None


class SessionPatch(msgspec.Struct):
    code: str | msgspec.UnsetType = msgspec.UNSET
    name: str | msgspec.UnsetType = msgspec.UNSET
    venue: str | msgspec.UnsetType = msgspec.UNSET
    starts_at: str | None | msgspec.UnsetType = msgspec.UNSET
    ends_at: str | None | msgspec.UnsetType = msgspec.UNSET


def given(struct: msgspec.Struct) -> dict[str, Any]:
    """The fields a PATCH body actually sent."""
    return {k: v for k, v in msgspec.structs.asdict(struct).items() if v is not msgspec.UNSET}


class EventController(Controller):
    path = "/api/events"
    tags = ["events"]

    @get("/", summary="List the events the user can see", operation_id="list_events", guards=[requires_login])
    async def list_events(self, request: Request, archived: bool = False) -> list[dict[str, Any]]:
        p = await principal(request)
        assert p is not None
        query = Event.select().where(Event.archived == archived).order_by(Event.starts_on, ascending=False).order_by(Event.id, ascending=False)
        visible = access.event_ids(p)
        if visible is not None:
            if not visible:
                return []
            query = query.where(Event.id.is_in(list(visible)))
        return [service.event_json(r) for r in await query]

    @post("/", summary="Create an event", operation_id="create_event", guards=[allowed("create_event")])
    async def create_event(self, request: Request, actor: Actor, data: EventIn) -> dict[str, Any]:
        return await service.create_event(msgspec.structs.asdict(data), actor)

    @get("/{event_id:int}", summary="Read an event", operation_id="get_event", guards=[allowed("read_event")])
    async def get_event(self, event_id: int) -> dict[str, Any]:
        event = service.event_json(await service.get_event(event_id))
        event["skills"] = await service.list_skills(event_id)
        return event

    @patch("/{event_id:int}", summary="Change an event", operation_id="update_event", guards=[allowed("manage_event")])
    async def update_event(self, request: Request, actor: Actor, event_id: int, data: EventPatch) -> dict[str, Any]:
        return await service.update_event(event_id, given(data), actor)

    @post(
        "/{event_id:int}/archive",
        summary="Archive an event (read-only from then on)",
        operation_id="archive_event",
        guards=[allowed("archive_event")],
        status_code=200,
    )
    async def archive(self, request: Request, actor: Actor, event_id: int) -> dict[str, Any]:
        return await service.set_archived(event_id, True, actor)

    @post(
        "/{event_id:int}/unarchive",
        summary="Bring an archived event back",
        operation_id="unarchive_event",
        guards=[allowed("archive_event")],
        status_code=200,
    )
    async def unarchive(self, request: Request, actor: Actor, event_id: int) -> dict[str, Any]:
        return await service.set_archived(event_id, False, actor)

    @get(
        "/{event_id:int}/preset",
        summary="The event's rule preset: base, overrides and effective rules",
        operation_id="get_preset",
        guards=[allowed("read_rules")],
    )
    async def get_preset(self, event_id: int) -> dict[str, Any]:
        return await service.event_preset(event_id)

    @put("/{event_id:int}/preset", summary="Replace the event's preset overrides", operation_id="set_preset", guards=[allowed("manage_event")])
    async def set_preset(self, request: Request, actor: Actor, event_id: int, data: PresetIn) -> dict[str, Any]:
        return await service.set_preset_overrides(event_id, data.overrides, actor)

    @get("/{event_id:int}/skills", summary="List the event's skills and their groups", operation_id="list_skills", guards=[allowed("read_event")])
    async def list_skills(self, event_id: int) -> list[dict[str, Any]]:
        return await service.list_skills(event_id)

    @post("/{event_id:int}/skills", summary="Add a skill (竞赛项目) to the event", operation_id="create_skill", guards=[allowed("manage_event")])
    async def create_skill(self, request: Request, actor: Actor, event_id: int, data: SkillIn) -> dict[str, Any]:
        return await service.create_skill(event_id, msgspec.structs.asdict(data), actor)

    @get("/{event_id:int}/skills/{skill_id:int}", summary="Read a skill", operation_id="get_skill", guards=[allowed("read_skill")])
    async def get_skill(self, event_id: int, skill_id: int) -> dict[str, Any]:
        return await service.list_skills_by_id(event_id, skill_id)

    @patch("/{event_id:int}/skills/{skill_id:int}", summary="Change a skill", operation_id="update_skill", guards=[allowed("manage_event")])
    async def update_skill(self, request: Request, actor: Actor, event_id: int, skill_id: int, data: SkillPatch) -> dict[str, Any]:
        return await service.update_skill(event_id, skill_id, given(data), actor)

    @post(
        "/{event_id:int}/skills/{skill_id:int}/groups",
        summary="Add a group (职工组/学生组/教师组) to a skill",
        operation_id="create_group",
        guards=[allowed("manage_event")],
    )
    async def add_group(self, request: Request, actor: Actor, event_id: int, skill_id: int, data: GroupIn) -> dict[str, Any]:
        return await service.add_group(event_id, skill_id, data.kind, data.name, actor)

    @delete(
        "/{event_id:int}/skills/{skill_id:int}",
        summary="Delete a skill (only while nothing depends on it)",
        description="409 `in_use` names what depends on it (registrations, judges, draws, marks, the scheme, results …).",
        operation_id="delete_skill",
        guards=[allowed("manage_event")],
    )
    async def delete_skill(self, request: Request, actor: Actor, event_id: int, skill_id: int) -> None:
        await service.delete_skill(event_id, skill_id, actor)

    @patch(
        "/{event_id:int}/skills/{skill_id:int}/groups/{group_id:int}",
        summary="Rename a group, or change its kind while nothing depends on it",
        operation_id="update_group",
        guards=[allowed("manage_event")],
    )
    async def update_group(self, request: Request, actor: Actor, event_id: int, skill_id: int, group_id: int, data: GroupPatch) -> dict[str, Any]:
        return await service.update_group(event_id, skill_id, group_id, given(data), actor)

    @delete(
        "/{event_id:int}/skills/{skill_id:int}/groups/{group_id:int}",
        summary="Delete a group (only while nothing depends on it)",
        description="409 `in_use` names what depends on it (registrations, teams, results, appeals).",
        operation_id="delete_group",
        guards=[allowed("manage_event")],
    )
    async def delete_group(self, request: Request, actor: Actor, event_id: int, skill_id: int, group_id: int) -> None:
        await service.delete_group(event_id, skill_id, group_id, actor)

    @get(
        "/{event_id:int}/skills/{skill_id:int}/sessions",
        summary="The sessions (场次) of a skill",
        operation_id="list_sessions",
        guards=[allowed("read_skill")],
    )
    async def list_sessions(self, event_id: int, skill_id: int) -> list[dict[str, Any]]:
        return await service.list_sessions(event_id, skill_id)

    @post(
        "/{event_id:int}/skills/{skill_id:int}/sessions",
        summary="Add a session (场次) to a skill",
        description="`code` is what contestants' `session` holds (1, 2, A …); times without an offset are China time.",
        operation_id="create_session",
        guards=[allowed("manage_event")],
    )
    async def create_session(self, request: Request, actor: Actor, event_id: int, skill_id: int, data: SessionIn) -> dict[str, Any]:
        return await service.create_session(event_id, skill_id, msgspec.structs.asdict(data), actor)

    @patch(
        "/{event_id:int}/skills/{skill_id:int}/sessions/{session_id:int}",
        summary="Change a session (its code only while no contestant or draw names it)",
        operation_id="update_session",
        guards=[allowed("manage_event")],
    )
    async def update_session(
        self, request: Request, actor: Actor, event_id: int, skill_id: int, session_id: int, data: SessionPatch
    ) -> dict[str, Any]:
        return await service.update_session(event_id, skill_id, session_id, given(data), actor)

    @delete(
        "/{event_id:int}/skills/{skill_id:int}/sessions/{session_id:int}",
        summary="Delete a session (only while no contestant or draw names it)",
        operation_id="delete_session",
        guards=[allowed("manage_event")],
    )
    async def delete_session(self, request: Request, actor: Actor, event_id: int, skill_id: int, session_id: int) -> None:
        await service.delete_session(event_id, skill_id, session_id, actor)
