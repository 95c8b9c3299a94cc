"""Guards: named functions that decide access before a handler runs.

``principal(connection)`` loads the signed-in user (once per request) from the session cookie,
whose session version must still be the account's (logout, a password change and deactivation
bump it, ending every session at once); ``allowed(capability)`` makes a guard that asks the
access policy (``kernel.access``) about the event and skill named by the route's path
parameters (``event_id``, ``skill_id``; a ``group_id`` is resolved to its skill).
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from kernel import access
from kernel.audit import Actor
from kernel.errors import forbidden, not_found
from kernel.roles import Grant, Principal
from kernel.tables import CompetitionGroup, RoleAssignment, Skill, User

SESSION_USER_KEY = "uid"
SESSION_VERSION_KEY = "sv"
#: Frame published on an account's channel when its sessions end: its open websockets close.
SESSION_ENDED = b'{"type":"session_ended"}'


def account_channel(user_id: int) -> str:
    """The live channel of one account's open sockets (told when its sessions end)."""
    return f"account:{user_id}"


async def load_principal(user_id: int, session_version: int | None = None) -> Principal | None:
    """The active account ``user_id`` with its grants; ``None`` when it is inactive, or when
    ``session_version`` is given and is no longer the account's (the session was ended)."""
    user = (
        await User.select(User.id, User.username, User.display_name, User.is_admin, User.home_event, User.session_version)
        .where(
            (User.id == user_id) & (User.active == True)  # noqa: E712
        )
        .first()
    )
    if user is None or (session_version is not None and user["session_version"] != session_version):
        return None
    rows = await RoleAssignment.select(
        RoleAssignment.role, RoleAssignment.event, RoleAssignment.skill, RoleAssignment.contestant, RoleAssignment.delegation
    ).where(RoleAssignment.user == user_id)
    grants = tuple(Grant(r["role"], r["event"], r["skill"], r["contestant"], r["delegation"]) for r in rows)
    return Principal(user["id"], user["username"], user["display_name"], user["is_admin"], grants, user["home_event"])


async def principal(connection: ASGIConnection) -> Principal | None:
    """The signed-in user, or ``None``; cached on the connection's state."""
    state = connection.state
    if "principal" in state:
        return state["principal"]
    found = None
    session = connection.scope.get("session") or {}
    uid = session.get(SESSION_USER_KEY) if isinstance(session, dict) else None
    version = session.get(SESSION_VERSION_KEY) if isinstance(session, dict) else None
    if isinstance(uid, int) and isinstance(version, int):
        found = await load_principal(uid, version)
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


def allowed(capability: str) -> Callable[[ASGIConnection, BaseRouteHandler], Awaitable[None]]:
    """A guard passing users the access policy allows ``capability`` for the route's event and skill."""
    access.capability(capability)  # an unknown name fails at import, not at the first request

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        p = await require_principal(connection)
        event_id, skill_id = await route_scope(connection)
        if not access.allows(p, capability, event_id, skill_id):
            raise forbidden()

    guard.__name__ = "allowed_" + capability
    guard.capability = capability  # type: ignore[attr-defined]  # read by the access-matrix test and docs
    return guard


def allowed_any(*capabilities: str) -> Callable[[ASGIConnection, BaseRouteHandler], Awaitable[None]]:
    """A guard passing users allowed any of ``capabilities``: for a route whose action says, in its
    body, which of them it uses (a mark entered as judge, chief judge, organiser …); the action
    itself then asks the policy for that one."""
    for name in capabilities:
        access.capability(name)

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        p = await require_principal(connection)
        event_id, skill_id = await route_scope(connection)
        if not any(access.allows(p, name, event_id, skill_id) for name in capabilities):
            raise forbidden()

    guard.__name__ = "allowed_" + "_or_".join(capabilities)
    guard.capability = capabilities  # type: ignore[attr-defined]
    return guard


async def requires_login(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    await require_principal(connection)


async def provide_actor(request: Request) -> Actor:
    """The request's actor for the audit log, injected into any handler that names an ``actor``
    parameter (a Litestar dependency the app provides once, ``server/app.py``)."""
    return actor_of(request, await principal(request))


def actor_of(connection: ASGIConnection[Any, Any, Any, Any], p: Principal | None) -> Actor:
    client = connection.client.host if connection.client else ""
    return Actor(p.user_id if p else None, p.display_name if p else "anonymous", client, connection.headers.get("user-agent", ""))
