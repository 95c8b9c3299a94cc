"""Account operations shared by the HTTP API, the CLI and the demo loader."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from competition import audit
from competition.auth.passwords import MIN_PASSWORD_LENGTH, code_hash, hash_password, new_login_code, verify_password
from competition.auth.roles import ROLES, SKILL_ROLES
from competition.db import write_transaction
from competition.errors import BilingualError, conflict, invalid, not_found
from competition.tables import LoginCode, RoleAssignment, Skill, User

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{3,80}$")


def check_username(username: str) -> str:
    username = username.strip()
    if not USERNAME_RE.fullmatch(username):
        raise invalid("username", "3–80 个字母、数字或 _.@-", "3–80 letters, digits or _.@-")
    return username


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise invalid("password", f"至少 {MIN_PASSWORD_LENGTH} 个字符", f"at least {MIN_PASSWORD_LENGTH} characters")


async def create_user(username: str, display_name: str, password: str | None, *, is_admin: bool = False, actor: audit.Actor = audit.SYSTEM) -> int:
    username = check_username(username)
    if password is not None:
        check_password(password)
    if not display_name.strip():
        raise invalid("display_name", "不能为空", "must not be empty")
    async with write_transaction():
        if await User.exists().where(User.username == username):
            raise conflict("user", "username")
        rows = await User.insert(
            User(username=username, display_name=display_name.strip(), password_hash=hash_password(password) if password else None, is_admin=is_admin)
        ).returning(User.id)
        user_id = rows[0]["id"]
        await audit.record("user.create", actor, target=f"user:{user_id}", details={"username": username, "admin": is_admin})
    return user_id


async def grant_role(user_id: int, role: str, event_id: int | None, skill_id: int | None, *, actor: audit.Actor = audit.SYSTEM) -> None:
    if role not in ROLES:
        raise invalid("role", "未知角色", "unknown role")
    if role in SKILL_ROLES and event_id is not None and skill_id is None:
        raise invalid("skill_id", "裁判和裁判长须指定竞赛项目", "judges and chief judges need a skill")
    if skill_id is not None:
        skill = await Skill.select(Skill.event).where(Skill.id == skill_id).first()
        if skill is None or skill["event"] != event_id:
            raise not_found("skill")
    async with write_transaction():
        if not await User.exists().where(User.id == user_id):
            raise not_found("user")
        exists = await RoleAssignment.exists().where(
            (RoleAssignment.user == user_id)
            & (RoleAssignment.role == role)
            & (RoleAssignment.event.is_null() if event_id is None else RoleAssignment.event == event_id)
            & (RoleAssignment.skill.is_null() if skill_id is None else RoleAssignment.skill == skill_id)
        )
        if not exists:
            await RoleAssignment.insert(RoleAssignment(user=user_id, role=role, event=event_id, skill=skill_id))
            await audit.record("role.grant", actor, event_id=event_id, target=f"user:{user_id}", details={"role": role, "skill_id": skill_id})


async def revoke_role(user_id: int, role: str, event_id: int, skill_id: int | None, *, actor: audit.Actor) -> None:
    async with write_transaction():
        q = (RoleAssignment.user == user_id) & (RoleAssignment.role == role) & (RoleAssignment.event == event_id)
        q = q & (RoleAssignment.skill.is_null() if skill_id is None else RoleAssignment.skill == skill_id)
        if not await RoleAssignment.exists().where(q):
            raise not_found("role")
        await RoleAssignment.delete().where(q)
        await audit.record("role.revoke", actor, event_id=event_id, target=f"user:{user_id}", details={"role": role, "skill_id": skill_id})


async def authenticate(username: str, password: str) -> int | None:
    user = await User.select(User.id, User.password_hash, User.active).where(User.username == username.strip()).first()
    ok = verify_password(user["password_hash"] if user else None, password)
    if not ok or not user or not user["active"]:
        return None
    return user["id"]


async def issue_login_code(user_id: int, *, hours: int, actor: audit.Actor, event_id: int | None) -> tuple[str, dt.datetime]:
    """A fresh one-time code for a tablet login; earlier unused codes of the user stop working."""
    if not 1 <= hours <= 72:
        raise invalid("hours", "须在 1 到 72 之间", "must be between 1 and 72")
    code = new_login_code()
    expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=hours)
    async with write_transaction():
        if not await User.exists().where(User.id == user_id):
            raise not_found("user")
        await LoginCode.delete().where((LoginCode.user == user_id) & LoginCode.used_at.is_null())
        await LoginCode.insert(LoginCode(user=user_id, code_hash=code_hash(code), expires_at=expires, created_by=actor.user_id))
        await audit.record("login_code.issue", actor, event_id=event_id, target=f"user:{user_id}", details={"hours": hours})
    return code, expires


async def redeem_login_code(code: str) -> int | None:
    """The user of a valid, unused, unexpired code, marking it used; ``None`` otherwise."""
    now = dt.datetime.now(dt.timezone.utc)
    async with write_transaction():
        row = await LoginCode.select(LoginCode.id, LoginCode.user, LoginCode.expires_at, LoginCode.used_at).where(
            LoginCode.code_hash == code_hash(code)
        ).first()
        if row is None or row["used_at"] is not None or row["expires_at"] < now:
            return None
        await LoginCode.update({LoginCode.used_at: now}).where(LoginCode.id == row["id"])
        user = await User.select(User.active).where(User.id == row["user"]).first()
        return row["user"] if user and user["active"] else None


def generated_username(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


