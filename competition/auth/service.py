"""Account operations shared by the HTTP API, the CLI and the demo loader."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Awaitable, Callable

from kernel import audit
from kernel.db import write_transaction
from kernel.errors import BilingualError, conflict, invalid, not_found
from kernel.extension import Extension
from kernel.passwords import MIN_PASSWORD_LENGTH, code_hash, hash_password_async, needs_rehash, new_login_code, new_password, verify_password_async
from kernel.roles import CITY_SUPERVISOR, CONTESTANT, DELEGATION_LEADER, ORGANISER, PLATFORM_ADMIN, PLATFORM_ROLES, ROLES, SKILL_ROLES
from kernel.tables import EventInvitation, LoginCode, RoleAssignment, Skill, User
from scoring import codelists

PENDING = "pending"
ACCEPTED = "accepted"

#: Is this contestant registered for this event (``async (contestant_id, event_id) -> bool``)?
#: Registration answers (``server/wiring.py``); a contestant account is linked to one of them.
CONTESTANTS: Extension[Callable[[int, int], Awaitable[bool]]] = Extension("a contestant of the event", required=True)

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{3,80}$")


def check_username(username: str) -> str:
    username = username.strip()
    if not USERNAME_RE.fullmatch(username):
        raise invalid("username", "3–80 个字母、数字或 _.@-", "3–80 letters, digits or _.@-")
    return username


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise invalid("password", f"至少 {MIN_PASSWORD_LENGTH} 个字符", f"at least {MIN_PASSWORD_LENGTH} characters")


async def create_user(
    username: str,
    display_name: str,
    password: str | None,
    *,
    is_admin: bool = False,
    home_event: int | None = None,
    actor: audit.Actor = audit.SYSTEM,
) -> int:
    """A new account: of the event ``home_event`` (made by its staff or for its judges), or of the
    platform (``home_event`` None: administrators and event creators, made by the CLI)."""
    username = check_username(username)
    if password is not None:
        check_password(password)
    if not display_name.strip():
        raise invalid("display_name", "不能为空", "must not be empty")
    # Hashed before the write transaction: argon2's tenth of a second must not hold the write lock.
    password_hash = await hash_password_async(password) if password else None
    async with write_transaction():
        if await User.exists().where(User.username == username):
            raise conflict("user", "username")
        rows = await User.insert(
            User(username=username, display_name=display_name.strip(), password_hash=password_hash, is_admin=is_admin, home_event=home_event)
        ).returning(User.id)
        user_id = rows[0]["id"]
        await audit.record(
            "user.create",
            actor,
            event_id=home_event,
            target=f"user:{user_id}",
            details={"username": username, "admin": is_admin, "home_event": home_event},
        )
    return user_id


async def grant_platform_role(user_id: int, role: str, *, actor: audit.Actor = audit.SYSTEM, city: str | None = None) -> None:
    """A platform role (``event_creator``, ``province_supervisor``, ``city_supervisor`` with its
    city code); only the CLI grants one."""
    if role not in PLATFORM_ROLES or role == PLATFORM_ADMIN:
        raise invalid("role", "未知的平台角色", "unknown platform role")
    if role == CITY_SUPERVISOR:
        if (city or "").strip() not in codelists.CITY_BY_CODE:
            raise invalid(
                "city", "地市审核账号须指明地市代码（如 440100 广州市）", "a city supervisor names its city by code (e.g. 440100 for Guangzhou)"
            )
        city = city.strip() if city else None
    else:
        city = None
    async with write_transaction():
        if not await User.exists().where(User.id == user_id):
            raise not_found("user")
        q = (RoleAssignment.user == user_id) & (RoleAssignment.role == role) & RoleAssignment.event.is_null()
        q &= RoleAssignment.delegation.is_null() if city is None else RoleAssignment.delegation == city
        if not await RoleAssignment.exists().where(q):
            await RoleAssignment.insert(RoleAssignment(user=user_id, role=role, delegation=city))
            await audit.record(
                "role.grant", actor, target=f"user:{user_id}", details={"role": role, "platform": True} | ({"city": city} if city else {})
            )


async def belongs_to_event(user_id: int, event_id: int) -> bool:
    """Made for the event, or invited to it and accepted: the accounts its staff may act on."""
    user = await User.select(User.home_event, User.is_admin).where(User.id == user_id).first()
    if user is None or user["is_admin"]:
        return False
    if user["home_event"] == event_id:
        return True
    return await EventInvitation.exists().where(
        (EventInvitation.user == user_id) & (EventInvitation.event == event_id) & (EventInvitation.status == ACCEPTED)
    )


def _not_the_events_account() -> BilingualError:
    return BilingualError(
        403,
        "account_not_in_event",
        field="user_id",
        zh="该账号不属于本赛事：只能为本赛事创建的账号授予角色；其他账号请发送邀请，由本人接受",
        en="That account does not belong to this event: roles go only to accounts made for it; invite any other account, and its owner accepts",
    )


async def grant_role(
    user_id: int,
    role: str,
    event_id: int,
    skill_id: int | None,
    *,
    contestant_id: int | None = None,
    delegation: str | None = None,
    actor: audit.Actor = audit.SYSTEM,
    trusted: bool = False,
) -> None:
    """Grant ``role`` in the event. The account must belong to the event (``belongs_to_event``)
    unless ``trusted``: the event's creation (its creator becomes its organiser) and an accepted
    invitation, which are the account owner's own acts."""
    if role not in ROLES:
        raise invalid("role", "未知角色", "unknown role")
    if role in SKILL_ROLES and skill_id is None:
        raise invalid("skill_id", "裁判和裁判长须指定竞赛项目", "judges and chief judges need a skill")
    if role not in SKILL_ROLES:
        skill_id = None
    if skill_id is not None:
        skill = await Skill.select(Skill.event).where(Skill.id == skill_id).first()
        if skill is None or skill["event"] != event_id:
            raise not_found("skill")
    if role == CONTESTANT:
        if contestant_id is None:
            raise invalid("contestant_id", "选手账号须关联本赛事的一名选手", "a contestant account is linked to one contestant of the event")
        if not any([await is_of(contestant_id, event_id) for is_of in CONTESTANTS]):
            raise not_found("contestant")
    else:
        contestant_id = None
    if role == DELEGATION_LEADER:
        delegation = (delegation or "").strip()[:100]
        if not delegation:
            raise invalid("delegation", "领队账号须指明所带的代表队", "a delegation leader account names its delegation")
    else:
        delegation = None
    async with write_transaction():
        if not await User.exists().where(User.id == user_id):
            raise not_found("user")
        if not trusted and not await belongs_to_event(user_id, event_id):
            raise _not_the_events_account()
        if contestant_id is not None:
            taken = (
                await RoleAssignment.select(RoleAssignment.user)
                .where((RoleAssignment.role == CONTESTANT) & (RoleAssignment.contestant == contestant_id))
                .first()
            )
            if taken is not None and taken["user"] != user_id:
                raise BilingualError(
                    409,
                    "contestant_has_account",
                    field="contestant_id",
                    zh="该选手已有选手账号",
                    en="That contestant already has a contestant account",
                )
            if await RoleAssignment.exists().where(
                (RoleAssignment.user == user_id)
                & (RoleAssignment.role == CONTESTANT)
                & (RoleAssignment.event == event_id)
                & (RoleAssignment.contestant != contestant_id)
            ):
                raise BilingualError(
                    409,
                    "account_has_contestant",
                    field="user_id",
                    zh="一个选手账号只对应一名选手",
                    en="A contestant account belongs to one contestant",
                )
        q = (RoleAssignment.user == user_id) & (RoleAssignment.role == role) & (RoleAssignment.event == event_id)
        q &= RoleAssignment.skill.is_null() if skill_id is None else RoleAssignment.skill == skill_id
        q &= RoleAssignment.contestant.is_null() if contestant_id is None else RoleAssignment.contestant == contestant_id
        q &= RoleAssignment.delegation.is_null() if delegation is None else RoleAssignment.delegation == delegation
        if not await RoleAssignment.exists().where(q):
            await RoleAssignment.insert(
                RoleAssignment(user=user_id, role=role, event=event_id, skill=skill_id, contestant=contestant_id, delegation=delegation)
            )
            await audit.record(
                "role.grant",
                actor,
                event_id=event_id,
                target=f"user:{user_id}",
                details={"role": role, "skill_id": skill_id, "contestant_id": contestant_id, "delegation": delegation},
            )


async def revoke_role(user_id: int, role: str, event_id: int, skill_id: int | None, *, actor: audit.Actor, delegation: str | None = None) -> None:
    """Take ``role`` (in that skill, for skill roles; for that delegation only, when one is named)
    from the account; the event's last organiser keeps theirs (someone must be able to run the event)."""
    async with write_transaction():
        q = (RoleAssignment.user == user_id) & (RoleAssignment.role == role) & (RoleAssignment.event == event_id)
        q = q & (RoleAssignment.skill.is_null() if skill_id is None else RoleAssignment.skill == skill_id)
        if delegation:
            q &= RoleAssignment.delegation == delegation
        if not await RoleAssignment.exists().where(q):
            raise not_found("role")
        if role == ORGANISER:
            others = await RoleAssignment.count().where(
                (RoleAssignment.role == ORGANISER) & (RoleAssignment.event == event_id) & (RoleAssignment.user != user_id)
            )
            if not others:
                raise BilingualError(
                    409,
                    "last_organiser",
                    field="user_id",
                    zh="这是本赛事唯一的组织方，不能撤销：请先任命另一名组织方",
                    en="This is the event's only organiser and cannot be removed: appoint another organiser first",
                )
        await RoleAssignment.delete().where(q)
        details = {"role": role, "skill_id": skill_id} | ({"delegation": delegation} if delegation else {})
        await audit.record("role.revoke", actor, event_id=event_id, target=f"user:{user_id}", details=details)


async def invite(event_id: int, username: str, role: str, skill_id: int | None, *, actor: audit.Actor) -> dict:
    """Invite an existing account (of the platform or another event) to a role in the event;
    nothing is granted until its owner accepts."""
    if role not in ROLES or role in (CONTESTANT, DELEGATION_LEADER):
        # A contestant account is linked to one of the event's contestants, a leader to a
        # delegation: neither is carried by an invitation, so both are made for the event.
        raise invalid(
            "role",
            "未知角色，或不能邀请的角色（选手和领队账号须为本赛事创建）",
            "unknown role, or one that cannot be invited (contestant and delegation leader accounts are made for the event)",
        )
    if role in SKILL_ROLES and skill_id is None:
        raise invalid("skill_id", "裁判和裁判长须指定竞赛项目", "judges and chief judges need a skill")
    user = await User.select(User.id, User.is_admin, User.active).where(User.username == username.strip()).first()
    if user is None or not user["active"]:
        raise not_found("user")
    if user["is_admin"]:
        raise invalid("username", "平台管理员已可处理所有赛事，无需邀请", "a platform administrator acts in every event already")
    async with write_transaction():
        rows = await EventInvitation.insert(
            EventInvitation(event=event_id, user=user["id"], role=role, skill=skill_id if role in SKILL_ROLES else None, invited_by=actor.user_id)
        ).returning(EventInvitation.id)
        invitation_id = rows[0]["id"]
        await audit.record(
            "invitation.create",
            actor,
            event_id=event_id,
            target=f"user:{user['id']}",
            details={"invitation": invitation_id, "role": role, "skill_id": skill_id},
        )
    return {"id": invitation_id, "user_id": user["id"], "role": role, "skill_id": skill_id, "status": PENDING}


async def my_invitations(user_id: int) -> list[dict]:
    rows = (
        await EventInvitation.select(
            EventInvitation.id,
            EventInvitation.event,
            EventInvitation.event.name,
            EventInvitation.role,
            EventInvitation.skill,
            EventInvitation.status,
            EventInvitation.created_at,
        )
        .where(EventInvitation.user == user_id)
        .order_by(EventInvitation.id, ascending=False)
    )
    return [
        {
            "id": r["id"],
            "event_id": r["event"],
            "event": r["event.name"],
            "role": r["role"],
            "skill_id": r["skill"],
            "status": r["status"],
            "created_at": r["created_at"].isoformat(),
        }
        for r in rows
    ]


async def pending_invitations(event_id: int) -> list[dict]:
    """The event's invitations not yet answered, with the invited account's name (one query)."""
    rows = (
        await EventInvitation.select(
            EventInvitation.id, EventInvitation.role, EventInvitation.skill, EventInvitation.created_at,
            EventInvitation.user.username, EventInvitation.user.display_name,
        )
        .where((EventInvitation.event == event_id) & (EventInvitation.status == PENDING))
        .order_by(EventInvitation.id)
    )  # fmt: skip
    return [
        {"id": r["id"], "role": r["role"], "skill_id": r["skill"], "username": r["user.username"], "display_name": r["user.display_name"],
         "created_at": r["created_at"]}
        for r in rows
    ]  # fmt: skip


async def answer_invitation(invitation_id: int, user_id: int, accept: bool, *, actor: audit.Actor) -> dict:
    """The invited account's owner accepts (the role is granted, the account now belongs to the
    event too) or declines."""
    async with write_transaction():
        row = await EventInvitation.select().where((EventInvitation.id == invitation_id) & (EventInvitation.user == user_id)).first()
        if row is None:
            raise not_found("invitation")
        if row["status"] != PENDING:
            raise BilingualError(409, "invitation_answered", zh="该邀请已处理", en="This invitation has been answered already")
        status = ACCEPTED if accept else "declined"
        await EventInvitation.update({EventInvitation.status: status, EventInvitation.answered_at: dt.datetime.now(dt.timezone.utc)}).where(
            EventInvitation.id == invitation_id
        )
        await audit.record(
            "invitation." + ("accept" if accept else "decline"),
            actor,
            event_id=row["event"],
            target=f"user:{user_id}",
            details={"invitation": invitation_id, "role": row["role"], "skill_id": row["skill"]},
        )
        if accept:
            await grant_role(user_id, row["role"], row["event"], row["skill"], actor=actor, trusted=True)
    return {"id": invitation_id, "status": status}


async def end_sessions(user_id: int, *, actor: audit.Actor, why: str) -> None:
    """Every session of the account stops working at once (its session version moves on)."""
    async with write_transaction():
        await User.update({User.session_version: User.session_version + 1}).where(User.id == user_id)
        await audit.record("sessions.end", actor, target=f"user:{user_id}", details={"why": why})


async def session_version(user_id: int) -> int:
    row = await User.select(User.session_version).where(User.id == user_id).first()
    return row["session_version"] if row else -1


async def change_password(user_id: int, current: str, new: str, *, actor: audit.Actor) -> None:
    """The account's own password change; every other session of it ends."""
    user = await User.select(User.password_hash).where(User.id == user_id).first()
    if user is None or not await verify_password_async(user["password_hash"], current):
        raise invalid("current_password", "当前密码不正确", "the current password is wrong")
    check_password(new)
    password_hash = await hash_password_async(new)
    async with write_transaction():
        await User.update({User.password_hash: password_hash, User.session_version: User.session_version + 1}).where(User.id == user_id)
        await audit.record("password.change", actor, target=f"user:{user_id}")


async def event_account(event_id: int, user_id: int) -> dict:
    """An account the event's staff may manage: one made for this event (never a platform account
    or an administrator, nor one that only accepted an invitation)."""
    user = await User.select(User.id, User.username, User.display_name, User.home_event, User.is_admin, User.active).where(User.id == user_id).first()
    if user is None:
        raise not_found("user")
    if user["is_admin"] or user["home_event"] != event_id:
        raise _not_the_events_account()
    return user


async def reset_password(event_id: int, user_id: int, password: str | None, *, actor: audit.Actor) -> str:
    """A new password for one of the event's own accounts (generated when none is given, and
    returned to be shown once); its sessions end. Never for an account that holds a role in
    another event or on the platform: the event's staff would take over that role too."""
    await event_account(event_id, user_id)
    if await RoleAssignment.exists().where((RoleAssignment.user == user_id) & (RoleAssignment.event.is_null() | (RoleAssignment.event != event_id))):
        raise BilingualError(
            403,
            "account_elsewhere",
            field="user_id",
            zh="该账号在其他赛事或平台上另有角色，不能由本赛事重置密码",
            en="That account holds a role in another event or on the platform; this event cannot reset its password",
        )
    password = password or new_password()
    check_password(password)
    password_hash = await hash_password_async(password)
    async with write_transaction():
        await User.update({User.password_hash: password_hash, User.session_version: User.session_version + 1}).where(User.id == user_id)
        await audit.record("password.reset", actor, event_id=event_id, target=f"user:{user_id}")
    return password


async def event_accounts(event_id: int) -> list[dict]:
    """The accounts holding a role in the event, each with its grants, and the event's own
    accounts left without one (their roles were removed; they may be appointed again)."""
    rows = await RoleAssignment.select(
        RoleAssignment.user,
        RoleAssignment.role,
        RoleAssignment.skill,
        RoleAssignment.contestant,
        RoleAssignment.delegation,
        RoleAssignment.user.username,
        RoleAssignment.user.display_name,
        RoleAssignment.user.home_event,
        RoleAssignment.user.active,
    ).where(RoleAssignment.event == event_id)
    users: dict[int, dict] = {}
    for r in rows:
        u = users.setdefault(r["user"], {
            "id": r["user"], "username": r["user.username"], "display_name": r["user.display_name"],
            "own": r["user.home_event"] == event_id, "platform": r["user.home_event"] is None, "active": r["user.active"], "roles": [],
        })  # fmt: skip
        u["roles"].append({"role": r["role"], "skill_id": r["skill"], "contestant_id": r["contestant"], "delegation": r["delegation"]})
    bare = User.select(User.id, User.username, User.display_name, User.active).where(User.home_event == event_id)
    if users:
        bare = bare.where(User.id.not_in(list(users)))
    for r in await bare:
        users[r["id"]] = {
            "id": r["id"],
            "username": r["username"],
            "display_name": r["display_name"],
            "own": True,
            "platform": False,
            "active": r["active"],
            "roles": [],
        }
    return sorted(users.values(), key=lambda u: u["id"])


async def set_active(event_id: int, user_id: int, active: bool, *, actor: audit.Actor) -> None:
    await event_account(event_id, user_id)
    async with write_transaction():
        await User.update({User.active: active, User.session_version: User.session_version + 1}).where(User.id == user_id)
        await audit.record("user.activate" if active else "user.deactivate", actor, event_id=event_id, target=f"user:{user_id}")


async def authenticate(username: str, password: str) -> int | None:
    user = await User.select(User.id, User.password_hash, User.active).where(User.username == username.strip()).first()
    ok = await verify_password_async(user["password_hash"] if user else None, password)
    if not ok or not user or not user["active"]:
        return None
    if needs_rehash(user["password_hash"]):
        # Made at another cost (an earlier profile): stored again at today's, with the password
        # just proven; the hash changes, the account's sessions do not.
        rehashed = await hash_password_async(password)
        async with write_transaction():
            await User.update({User.password_hash: rehashed}).where((User.id == user["id"]) & (User.password_hash == user["password_hash"]))
    return user["id"]


async def issue_login_code(user_id: int, *, hours: int, actor: audit.Actor, event_id: int) -> tuple[str, dt.datetime]:
    """A fresh one-time code for a tablet login; earlier unused codes of the user stop working.

    A code logs in as the account with all its grants, so it is issued only for an account made
    for this event that holds nothing elsewhere: never an administrator's, a platform account's,
    or one holding a role in another event.
    """
    if not 1 <= hours <= 72:
        raise invalid("hours", "须在 1 到 72 之间", "must be between 1 and 72")
    code = new_login_code()
    expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=hours)
    async with write_transaction():
        user = await User.select(User.is_admin, User.home_event).where(User.id == user_id).first()
        if user is None:
            raise not_found("user")
        elsewhere = await RoleAssignment.exists().where(
            (RoleAssignment.user == user_id) & (RoleAssignment.event.is_null() | (RoleAssignment.event != event_id))
        )
        if user["is_admin"] or user["home_event"] != event_id or elsewhere:
            raise BilingualError(
                403,
                "no_code_for_account",
                field="user_id",
                zh="不能为该账号发放登录码：登录码只发给本赛事创建、且不在其他赛事任职的账号",
                en="No login code for that account: codes are only for accounts made for this event that hold no role elsewhere",
            )
        await LoginCode.delete().where((LoginCode.user == user_id) & LoginCode.used_at.is_null())
        await LoginCode.insert(LoginCode(user=user_id, code_hash=code_hash(code), expires_at=expires, created_by=actor.user_id))
        await audit.record("login_code.issue", actor, event_id=event_id, target=f"user:{user_id}", details={"hours": hours})
    return code, expires


async def redeem_login_code(code: str) -> int | None:
    """The user of a valid, unused, unexpired code, marking it used; ``None`` otherwise."""
    now = dt.datetime.now(dt.timezone.utc)
    async with write_transaction():
        row = (
            await LoginCode.select(LoginCode.id, LoginCode.user, LoginCode.expires_at, LoginCode.used_at)
            .where(LoginCode.code_hash == code_hash(code))
            .first()
        )
        if row is None or row["used_at"] is not None or row["expires_at"] < now:
            return None
        await LoginCode.update({LoginCode.used_at: now}).where(LoginCode.id == row["id"])
        user = await User.select(User.active, User.is_admin, User.home_event).where(User.id == row["user"]).first()
        if user is None or not user["active"] or user["is_admin"] or user["home_event"] is None:
            return None
        # The account may have been given a role elsewhere since the code was printed.
        if await RoleAssignment.exists().where(
            (RoleAssignment.user == row["user"]) & (RoleAssignment.event.is_null() | (RoleAssignment.event != user["home_event"]))
        ):
            return None
        return row["user"]


def generated_username(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"
