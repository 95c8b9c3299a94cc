"""Login, logout, one-time-code login, the current user, passwords, and an event's accounts,
roles and invitations (what its staff may do to which account: ``competition.auth.service``)."""

from __future__ import annotations

import io
from typing import Any

import msgspec
import qrcode
import qrcode.image.svg
from litestar import Controller, Request, delete, get, post
from litestar.channels import ChannelsPlugin

from competition.auth import service
from kernel import access, audit, ratelimit
from kernel.audit import Actor
from kernel.db import write_transaction
from kernel.errors import AppError, BilingualError, invalid, not_found
from kernel.guards import (
    SESSION_ENDED,
    SESSION_USER_KEY,
    SESSION_VERSION_KEY,
    account_channel,
    actor_of,
    allowed,
    load_principal,
    principal,
    require_principal,
    requires_login,
)
from kernel.roles import ROLE_LABELS, ROLES
from kernel.settings import Settings
from kernel.tables import User


class LoginIn(msgspec.Struct):
    username: str
    password: str


class CodeIn(msgspec.Struct):
    code: str


class PasswordIn(msgspec.Struct):
    current_password: str
    new_password: str


class AccountIn(msgspec.Struct):
    display_name: str
    role: str
    skill_id: int | None = None
    username: str | None = None
    password: str | None = None
    contestant_id: int | None = None
    delegation: str | None = None
    #: Generate a password and answer it (once) in ``password``; ``password`` must then be empty.
    generate_password: bool = False


class RoleIn(msgspec.Struct):
    user_id: int
    role: str
    skill_id: int | None = None
    contestant_id: int | None = None
    delegation: str | None = None


class InviteIn(msgspec.Struct):
    username: str
    role: str
    skill_id: int | None = None


class LoginCodeIn(msgspec.Struct):
    hours: int = 12


class ResetIn(msgspec.Struct):
    #: The new password; empty or absent: one is generated and answered once.
    password: str | None = None


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

    @post("/logout", summary="Log out: every session of the account ends (a copied cookie stops working too)", operation_id="logout", status_code=200)
    async def logout(self, request: Request, channels: ChannelsPlugin) -> dict[str, Any]:
        p = await principal(request)
        if p is not None:
            await service.end_sessions(p.user_id, actor=actor_of(request, p), why="logout")
            sessions_ended(channels, p.user_id)
        request.clear_session()
        return {"ok": True}

    @post("/password", summary="Change one's own password; every other session of the account ends", operation_id="change_password",
          guards=[requires_login], status_code=200)  # fmt: skip
    async def change_password(self, request: Request, data: PasswordIn, channels: ChannelsPlugin) -> dict[str, Any]:
        p = await require_principal(request)
        await service.change_password(p.user_id, data.current_password, data.new_password, actor=actor_of(request, p))
        sessions_ended(channels, p.user_id)
        request.set_session({SESSION_USER_KEY: p.user_id, SESSION_VERSION_KEY: await service.session_version(p.user_id)})
        return {"ok": True}


def sessions_ended(channels: ChannelsPlugin, user_id: int) -> None:
    """The account's open websockets (tablets) close too, on every worker."""
    channels.publish(SESSION_ENDED, [account_channel(user_id)])


async def _start_session(request: Request, user_id: int, action: str) -> dict[str, Any]:
    p = await load_principal(user_id)
    if p is None:
        raise AppError(401, "bad_login", "error.bad_login")
    request.set_session({SESSION_USER_KEY: user_id, SESSION_VERSION_KEY: await service.session_version(user_id)})
    async with write_transaction():
        await audit.record(action, actor_of(request, p), target=f"user:{user_id}")
    return {"user": p.as_json()}


@get("/api/me", summary="The signed-in user and their roles", operation_id="me", tags=["auth"], guards=[requires_login])
async def me(request: Request) -> dict[str, Any]:
    p = await principal(request)
    assert p is not None
    return {"user": p.as_json()}


@get("/api/me/invitations", summary="Invitations to roles in events, for the signed-in account", operation_id="my_invitations",
     tags=["auth"], guards=[requires_login])  # fmt: skip
async def my_invitations(request: Request) -> list[dict[str, Any]]:
    p = await require_principal(request)
    return await service.my_invitations(p.user_id)


@post("/api/me/invitations/{invitation_id:int}/accept", summary="Accept an invitation: the role is granted", operation_id="accept_invitation",
      tags=["auth"], guards=[requires_login], status_code=200)  # fmt: skip
async def accept_invitation(request: Request, invitation_id: int) -> dict[str, Any]:
    p = await require_principal(request)
    return await service.answer_invitation(invitation_id, p.user_id, True, actor=actor_of(request, p))


@post("/api/me/invitations/{invitation_id:int}/decline", summary="Decline an invitation", operation_id="decline_invitation",
      tags=["auth"], guards=[requires_login], status_code=200)  # fmt: skip
async def decline_invitation(request: Request, invitation_id: int) -> dict[str, Any]:
    p = await require_principal(request)
    return await service.answer_invitation(invitation_id, p.user_id, False, actor=actor_of(request, p))


class AccountController(Controller):
    """An event's accounts: made for the event (judges get generated usernames and one-time login
    codes), or invited from elsewhere and accepted. Staff act only on the event's own accounts."""

    path = "/api/events/{event_id:int}"
    tags = ["accounts"]

    @get("/accounts", summary="List the event's accounts and their roles", operation_id="list_accounts", guards=[allowed("read_event_accounts")])
    async def list_accounts(self, event_id: int) -> list[dict[str, Any]]:
        return await service.event_accounts(event_id)

    @post(
        "/accounts",
        summary="Create an account of the event with a role in it (who may appoint which role: the access policy's APPOINTING)",
        operation_id="create_account",
        guards=[allowed("grant_event_role")],
    )
    async def create_account(self, request: Request, event_id: int, data: AccountIn) -> dict[str, Any]:
        p = await principal(request)
        await _may_appoint(request, data.role, event_id, data.skill_id)
        actor = actor_of(request, p)
        if data.generate_password and data.password:
            raise invalid("password", "已选择自动生成密码，请不要另填", "leave it empty when the password is generated")
        password = service.new_password() if data.generate_password else data.password
        username = data.username or service.generated_username(data.role.replace("_", "-"))
        async with write_transaction():
            user_id = await service.create_user(username, data.display_name, password, home_event=event_id, actor=actor)
            await service.grant_role(
                user_id, data.role, event_id, data.skill_id, contestant_id=data.contestant_id, delegation=data.delegation, actor=actor
            )
        out = {"id": user_id, "username": username, "display_name": data.display_name.strip(), "role": data.role, "skill_id": data.skill_id,
               "contestant_id": data.contestant_id, "delegation": data.delegation}  # fmt: skip
        if data.generate_password:
            out["password"] = password  # shown once: only its hash is kept
        return out

    @post(
        "/roles", summary="Grant a role in the event to one of the event's accounts", operation_id="grant_role", guards=[allowed("grant_event_role")]
    )
    async def grant(self, request: Request, actor: Actor, event_id: int, data: RoleIn) -> dict[str, Any]:
        await _may_appoint(request, data.role, event_id, data.skill_id)
        await service.grant_role(data.user_id, data.role, event_id, data.skill_id, contestant_id=data.contestant_id, delegation=data.delegation,
                                 actor=actor)  # fmt: skip
        return {"ok": True}

    @delete("/roles", summary="Revoke a role in the event (a delegation leader's for one delegation, when named)", operation_id="revoke_role",
            guards=[allowed("grant_event_role")], status_code=200)  # fmt: skip
    async def revoke(
        self, request: Request, actor: Actor, event_id: int, user_id: int, role: str, skill_id: int | None = None, delegation: str | None = None
    ) -> dict[str, Any]:
        await _may_appoint(request, role, event_id, skill_id)
        await service.revoke_role(user_id, role, event_id, skill_id, actor=actor, delegation=delegation)
        return {"ok": True}

    @post("/invitations", summary="Invite an account of the platform or another event to a role (granted when its owner accepts)",
          operation_id="invite_account", guards=[allowed("grant_event_role")], status_code=201)  # fmt: skip
    async def invite(self, request: Request, actor: Actor, event_id: int, data: InviteIn) -> dict[str, Any]:
        await _may_appoint(request, data.role, event_id, data.skill_id)
        return await service.invite(event_id, data.username, data.role, data.skill_id, actor=actor)

    @post(
        "/accounts/{user_id:int}/login-code",
        summary="Issue a one-time tablet login code (text and QR code) for one of the event's accounts",
        operation_id="issue_login_code",
        guards=[allowed("issue_login_code")],
    )
    async def login_code(self, request: Request, actor: Actor, event_id: int, user_id: int, data: LoginCodeIn, settings: Settings) -> dict[str, Any]:
        if not await User.exists().where(User.id == user_id):
            raise not_found("user")
        code, expires = await service.issue_login_code(user_id, hours=data.hours, actor=actor, event_id=event_id)
        url = f"{settings.public_base_url}/login?code={code}&next=/tablet"
        return {"code": code, "login_url": url, "qr_svg": qr_svg(url), "expires_at": expires.isoformat()}

    @post("/accounts/{user_id:int}/password", summary="Set a new password for one of the event's accounts (its sessions end)",
          operation_id="reset_password", guards=[allowed("manage_event_accounts")], status_code=200)  # fmt: skip
    async def reset_password(
        self, request: Request, actor: Actor, event_id: int, user_id: int, data: ResetIn, channels: ChannelsPlugin
    ) -> dict[str, Any]:
        password = await service.reset_password(event_id, user_id, data.password or None, actor=actor)
        sessions_ended(channels, user_id)
        # A generated password is answered once (only its hash is kept); a typed one is not echoed.
        return {"ok": True} if data.password else {"ok": True, "password": password}

    @post("/accounts/{user_id:int}/deactivate", summary="Deactivate one of the event's accounts (its sessions end at once)",
          operation_id="deactivate_account", guards=[allowed("manage_event_accounts")], status_code=200)  # fmt: skip
    async def deactivate(self, request: Request, actor: Actor, event_id: int, user_id: int, channels: ChannelsPlugin) -> dict[str, Any]:
        await service.set_active(event_id, user_id, False, actor=actor)
        sessions_ended(channels, user_id)
        return {"ok": True}

    @post("/accounts/{user_id:int}/activate", summary="Activate one of the event's accounts again", operation_id="activate_account",
          guards=[allowed("manage_event_accounts")], status_code=200)  # fmt: skip
    async def activate(self, request: Request, actor: Actor, event_id: int, user_id: int) -> dict[str, Any]:
        await service.set_active(event_id, user_id, True, actor=actor)
        return {"ok": True}


async def _may_appoint(request: Request, role: str, event_id: int, skill_id: int | None) -> None:
    """The access policy decides who may grant (and revoke) which role (``access.APPOINTING``)."""
    if role not in ROLES:
        raise invalid("role", "未知角色", "unknown role")
    if not access.may_appoint(await principal(request), role, event_id, skill_id):
        raise BilingualError(
            403,
            "forbidden_role",
            field="role",
            zh=f"您无权任命或撤销“{ROLE_LABELS[role][0]}”",
            en=f"You may not appoint or remove the role {ROLE_LABELS[role][1]}",
        )


def qr_svg(text: str) -> str:
    img = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue().decode()
