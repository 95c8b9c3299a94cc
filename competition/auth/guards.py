"""Guards: named functions that decide access before a handler runs.

``principal(connection)`` loads the signed-in user (once per request) from the session cookie;
``requires(*roles)`` makes a guard that passes when the user holds one of the roles for the event
and skill named by the route's path parameters (``event_id``, ``skill_id``; a ``group_id`` is
resolved to its skill).
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from competition.auth.roles import Grant, Principal
from competition.errors import forbidden, not_found
from competition.tables import CompetitionGroup, RoleAssignment, Skill, User

SESSION_USER_KEY = "uid"


async def load_principal(user_id: int) -> Principal | None:
    user = await User.select().where((User.id == user_id) & (User.active == True)).first()  # noqa: E712
    if user is None:
        return None
    rows = await RoleAssignment.select(RoleAssignment.role, RoleAssignment.event, RoleAssignment.skill).where(
        RoleAssignment.user == user_id
    )
    grants = tuple(Grant(r["role"], r["event"], r["skill"]) for r in rows)
    return Principal(user["id"], user["username"], user["display_name"], user["is_admin"], grants)


async def principal(connection: ASGIConnection) -> Principal | None:
    """The signed-in user, or ``None``; cached on the connection's state."""
    state = connection.state
    if "principal" in state:
        return state["principal"]
    found = None
    session = connection.scope.get("session") or {}
    uid = session.get(SESSION_USER_KEY) if isinstance(session, dict) else None
    if isinstance(uid, int):
        found = await load_principal(uid)
    state["principal"] = found
    return found


async def require_principal(connection: ASGIConnection) -> Principal:
    p = await principal(connection)
    if p is None:
        raise NotAuthorizedException()
    return p


async def route_scope(connection: ASGIConnection) -> tuple[int | None, int | None]:
    """(event_id, skill_id) named by the path, resolving a skill or group to its event."""
    params = connection.path_params
    event_id = params.get("event_id")
    skill_id = params.get("skill_id")
    group_id = params.get("group_id")
    if group_id is not None and skill_id is None:
        row = await CompetitionGroup.select(CompetitionGroup.skill).where(CompetitionGroup.id == group_id).first()
        if row is None:
            raise not_found("group")
        skill_id = row["skill"]
    if skill_id is not None:
        row = await Skill.select(Skill.event).where(Skill.id == skill_id).first()
        if row is None:
            raise not_found("skill")
        if event_id is not None and row["event"] != event_id:
            raise not_found("skill")
        event_id = row["event"]
    return event_id, skill_id


def requires(*roles: str) -> Callable[[ASGIConnection, BaseRouteHandler], Awaitable[None]]:
    """A guard passing users who hold any of ``roles`` for the route's event and skill."""

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        p = await require_principal(connection)
        event_id, skill_id = await route_scope(connection)
        if not p.has_any(roles, event_id, skill_id):
            # A skill-scoped route also admits event-wide holders of the role: Principal.has does that.
            raise forbidden()

    guard.__name__ = "requires_" + "_or_".join(roles)
    return guard


async def requires_login(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    await require_principal(connection)


async def requires_admin(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    p = await require_principal(connection)
    if not p.is_admin:
        raise forbidden()


async def requires_event_creator(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Creating events: administrators and organisers who hold the role everywhere."""
    p = await require_principal(connection)
    if not (p.is_admin or any(g.role == "organiser" and g.event_id is None for g in p.grants)):
        raise forbidden()


def actor_of(connection: ASGIConnection[Any, Any, Any, Any], p: Principal | None):
    from competition.audit import Actor

    client = connection.client.host if connection.client else ""
    return Actor(p.user_id if p else None, p.display_name if p else "anonymous", client, connection.headers.get("user-agent", ""))
