"""Login, logout, one-time-code login, the current user, and event accounts and roles."""

from __future__ import annotations

import io
from typing import Any

import msgspec
import qrcode
import qrcode.image.svg
from litestar import Controller, Request, delete, get, post

from competition import audit, ratelimit
from competition.auth import service
from competition.auth.guards import SESSION_USER_KEY, actor_of, load_principal, principal, requires, requires_login
from competition.auth.roles import ORGANISER, ROLES
from competition.db import write_transaction
from competition.errors import AppError, invalid, not_found
from competition.settings import Settings
from competition.tables import RoleAssignment


class LoginIn(msgspec.Struct):
    username: str
    password: str


class CodeIn(msgspec.Struct):
    code: str


class AccountIn(msgspec.Struct):
    display_name: str
    role: str
    skill_id: int | None = None
    username: str | None = None
    password: str | None = None


class RoleIn(msgspec.Struct):
    user_id: int
    role: str
    skill_id: int | None = None


class LoginCodeIn(msgspec.Struct):
    hours: int = 12


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]

    @post("/login", summary="Log in with username and password", operation_id="login", status_code=200)
    async def login(self, request: Request, data: LoginIn) -> dict[str, Any]:
        attempt = await ratelimit.of(request).password_login(request, data.username)  # per account and address; 429 when used up
        user_id = await service.authenticate(data.username, data.password)
        if user_id is None:
            async with write_transaction():
                await audit.record("login.failed", actor_of(request, None), target=f"username:{data.username[:60]}")
            raise AppError(401, "bad_login", "error.bad_login")
        await attempt.give_back()  # only failures use up the allowance
        return await _start_session(request, user_id, "login.password")

    @post("/code", summary="Log in on a tablet with a one-time code", operation_id="login_with_code", status_code=200)
    async def login_code(self, request: Request, data: CodeIn) -> dict[str, Any]:
        attempt = await ratelimit.of(request).code_login(request, data.code)  # per code and address; 429 when used up
        user_id = await service.redeem_login_code(data.code)
        if user_id is None:
            async with write_transaction():
                await audit.record("login.failed", actor_of(request, None), target="code")
            raise AppError(401, "bad_code", "error.bad_code")
        await attempt.give_back()  # only failures use up the allowance
        return await _start_session(request, user_id, "login.code")

    @post("/logout", summary="Log out", operation_id="logout", status_code=200)
    async def logout(self, request: Request) -> dict[str, Any]:
        p = await principal(request)
        if p is not None:
            async with write_transaction():
                await audit.record("logout", actor_of(request, p))
        request.clear_session()
        return {"ok": True}


async def _start_session(request: Request, user_id: int, action: str) -> dict[str, Any]:
    p = await load_principal(user_id)
    if p is None:
        raise AppError(401, "bad_login", "error.bad_login")
    request.set_session({SESSION_USER_KEY: user_id})
    async with write_transaction():
        await audit.record(action, actor_of(request, p), target=f"user:{user_id}")
    return {"user": p.as_json()}


@get("/api/me", summary="The signed-in user and their roles", operation_id="me", tags=["auth"], guards=[requires_login])
async def me(request: Request) -> dict[str, Any]:
    p = await principal(request)
    assert p is not None
    return {"user": p.as_json()}


class AccountController(Controller):
    """Accounts of an event's staff: judges get generated usernames and one-time login codes."""

    path = "/api/events/{event_id:int}"
    tags = ["accounts"]

    @get("/accounts", summary="List the event's accounts and their roles", operation_id="list_accounts", guards=[requires(ORGANISER)])
    async def list_accounts(self, event_id: int) -> list[dict[str, Any]]:
        rows = await RoleAssignment.select(
            RoleAssignment.user, RoleAssignment.role, RoleAssignment.skill, RoleAssignment.user.username, RoleAssignment.user.display_name
        ).where(RoleAssignment.event == event_id)
        users: dict[int, dict[str, Any]] = {}
        for r in rows:
            u = users.setdefault(r["user"], {"id": r["user"], "username": r["user.username"], "display_name": r["user.display_name"], "roles": []})
            u["roles"].append({"role": r["role"], "skill_id": r["skill"]})
        return sorted(users.values(), key=lambda u: u["id"])

    @post("/accounts", summary="Create an account with a role in the event", operation_id="create_account", guards=[requires(ORGANISER)])
    async def create_account(self, request: Request, event_id: int, data: AccountIn) -> dict[str, Any]:
        if data.role not in ROLES:
            raise invalid("role", "未知角色", "unknown role")
        p = await principal(request)
        actor = actor_of(request, p)
        username = data.username or service.generated_username(data.role.replace("_", "-"))
        user_id = await service.create_user(username, data.display_name, data.password, actor=actor)
        await service.grant_role(user_id, data.role, event_id, data.skill_id, actor=actor)
        return {"id": user_id, "username": username, "display_name": data.display_name.strip(), "role": data.role, "skill_id": data.skill_id}

    @post("/roles", summary="Grant a role in the event to an existing account", operation_id="grant_role", guards=[requires(ORGANISER)])
    async def grant(self, request: Request, event_id: int, data: RoleIn) -> dict[str, Any]:
        await service.grant_role(data.user_id, data.role, event_id, data.skill_id, actor=actor_of(request, await principal(request)))
        return {"ok": True}

    @delete("/roles", summary="Revoke a role in the event", operation_id="revoke_role", guards=[requires(ORGANISER)], status_code=200)
    async def revoke(self, request: Request, event_id: int, user_id: int, role: str, skill_id: int | None = None) -> dict[str, Any]:
        await service.revoke_role(user_id, role, event_id, skill_id, actor=actor_of(request, await principal(request)))
        return {"ok": True}

    @post(
        "/accounts/{user_id:int}/login-code",
        summary="Issue a one-time tablet login code (text and QR code)",
        operation_id="issue_login_code",
        guards=[requires(ORGANISER)],
    )
    async def login_code(self, request: Request, event_id: int, user_id: int, data: LoginCodeIn, settings: Settings) -> dict[str, Any]:
        if not await RoleAssignment.exists().where((RoleAssignment.user == user_id) & (RoleAssignment.event == event_id)):
            raise not_found("user")
        code, expires = await service.issue_login_code(user_id, hours=data.hours, actor=actor_of(request, await principal(request)), event_id=event_id)
        url = f"{settings.public_base_url}/login?code={code}&next=/tablet"
        return {"code": code, "login_url": url, "qr_svg": qr_svg(url), "expires_at": expires.isoformat()}


def qr_svg(text: str) -> str:
    img = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue().decode()


