"""The judge registry, assignments, conflict-of-interest checks and coverage: validation and storage.

Other features call:

- ``await assert_may_score(judge_user_id, contestant_id, criterion=None)``: raises a 403
  ``BilingualError`` (``not_assigned`` / ``conflict_of_interest``) unless the account's judge is on
  the contestant's skill (and on the criterion's panel, when one is given) and has no conflict.
- ``await eligible_judges(skill_id, contestant_id, criterion=None)``: the judges of the skill who may
  score that contestant on that criterion.
- ``await coverage(event_id, skill_id)``: where panels are too small once conflicts are removed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable

from competition.auth import service as accounts
from competition.dayof import face as dayof
from competition.events import service as events
from competition.judges import conflicts
from competition.judges.conflicts import CHIEF_JUDGE, JUDGE
from competition.judges.face import assignments_of, criteria_list
from competition.judges.tables import Judge, JudgeAssignment
from competition.registration import face as registration
from kernel import audit
from kernel.db import current_engine, write_transaction
from kernel.errors import BilingualError, conflict, invalid, not_found
from kernel.i18n import register
from kernel.tables import LoginCode, RoleAssignment, Skill, User
from scoring import idcard

register({"thing.judge": ("裁判", "judge")})

JUDGE_FIELDS = ("name", "id_number", "employer", "delegation", "qualifications", "phone")
#: Contestants who are no longer marked.
INACTIVE_STATUSES = ("withdrawn", "disqualified")
_PG_LOCK_KEY = 7_240_102  # advisory lock class for one skill's assignments (PostgreSQL)
_PHONE_RE = re.compile(r"^\+?[0-9]{5,15}$")
_MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")


# ---- validation ------------------------------------------------------------------------------


def _text(value: Any, field: str, *, max_len: int, required: bool = False) -> str:
    if value is not None and not isinstance(value, str):
        raise invalid(field, "应为文本", "must be text")
    text = conflicts.tidy_text(value)
    if required and not text:
        raise invalid(field, "不能为空", "must not be empty")
    if len(text) > max_len:
        raise invalid(field, f"不能超过 {max_len} 个字符", f"at most {max_len} characters")
    return text


def _phone(value: Any) -> str:
    text = _text(value, "phone", max_len=20)
    if not text:
        return ""
    compact = re.sub(r"[\s\-()]", "", text)
    if not _PHONE_RE.fullmatch(compact) or (len(compact) == 11 and compact.startswith("1") and not _MOBILE_RE.fullmatch(compact)):
        raise invalid("phone", "应为手机号（11 位）或固定电话号码", "must be a mobile (11 digits) or landline number", code="bad_phone")
    return text


def _id_number(value: Any) -> str:
    if value is not None and not isinstance(value, str):
        raise invalid("id_number", "应为文本", "must be text")
    if not idcard.normalise_id(value):
        return ""
    try:
        return idcard.parse_id(value).number
    except idcard.IdCardError as e:
        raise invalid("id_number", e.message.zh, e.message.en, code=e.code) from None


def clean_judge(data: dict[str, Any]) -> dict[str, Any]:
    """Validate a whole registry entry (after a patch is applied); returns the cleaned values."""
    return {
        "name": _text(data.get("name"), "name", max_len=50, required=True),
        "id_number": _id_number(data.get("id_number")),
        "employer": _text(data.get("employer"), "employer", max_len=200),
        "delegation": _text(data.get("delegation"), "delegation", max_len=100),
        "qualifications": _text(data.get("qualifications"), "qualifications", max_len=500),
        "phone": _phone(data.get("phone")),
    }


def clean_role(role: Any) -> str:
    if role not in conflicts.ASSIGNMENT_ROLES:
        raise invalid("role", "须为 judge（裁判员）或 chief_judge（裁判长）", "must be judge or chief_judge")
    return role


def clean_criteria(value: Any) -> list[str]:
    """A list of criterion codes, or text such as ``"A, B1"``; empty means all criteria."""
    if value is None:
        return []
    if isinstance(value, str):
        value = conflicts.split_criteria(value)
    if not isinstance(value, list):
        raise invalid("criteria", "应为评分模块代码的列表", "must be a list of criterion codes")
    if len(value) > 50:
        raise invalid("criteria", "最多 50 个评分模块", "at most 50 criteria")
    codes, bad = conflicts.clean_criteria(value)
    if bad is not None:
        raise invalid(
            "criteria",
            f"“{bad}”不是评分模块代码（字母开头，如 A、B1、C2.3）",
            f"'{bad}' is not a criterion code (a letter, then letters, digits or dots: A, B1, C2.3)",
        )
    return codes


_criteria = criteria_list


# ---- reading ---------------------------------------------------------------------------------


def judge_json(
    row: dict[str, Any], assignments: list[dict[str, Any]] | None = None, username: str | None = None, *, masked: bool = False
) -> dict[str, Any]:
    """A registry entry; ``masked`` (lists) shows the ID and phone numbers masked."""
    out = {k: row[k] for k in ("id", "name", "id_number", "employer", "delegation", "qualifications", "phone")}
    if masked:
        out.update(id_number=idcard.mask_id(row["id_number"]) if row["id_number"] else "", phone=idcard.mask_phone(row["phone"]))
    out["event_id"] = row["event"]
    out["user"] = {"id": row["user"], "username": username} if row["user"] else None
    if assignments is not None:
        out["assignments"] = assignments
    return out


def _assignment_json(a: dict[str, Any], skill_names: dict[int, str]) -> dict[str, Any]:
    return {"skill_id": a["skill"], "skill_name": skill_names.get(a["skill"], ""), "role": a["role"], "criteria": _criteria(a["criteria"])}


async def _assignments_by_judge(event_id: int, judge_ids: list[int] | None = None) -> dict[int, list[dict[str, Any]]]:
    query = JudgeAssignment.select(JudgeAssignment.judge, JudgeAssignment.skill, JudgeAssignment.role, JudgeAssignment.criteria).where(
        JudgeAssignment.judge.event == event_id
    )
    if judge_ids is not None:
        if not judge_ids:
            return {}
        query = query.where(JudgeAssignment.judge.is_in(judge_ids))
    rows = await query.order_by(JudgeAssignment.skill).order_by(JudgeAssignment.id)
    names = {s["id"]: s["name"] for s in await Skill.select(Skill.id, Skill.name).where(Skill.event == event_id)}
    out: dict[int, list[dict[str, Any]]] = {}
    for a in rows:
        out.setdefault(a["judge"], []).append(_assignment_json(a, names))
    return out


async def _usernames(user_ids: Iterable[int | None]) -> dict[int, str]:
    ids = [u for u in set(user_ids) if u]
    if not ids:
        return {}
    return {u["id"]: u["username"] for u in await User.select(User.id, User.username).where(User.id.is_in(ids))}


def _matches(judge: dict[str, Any], username: str | None, needle: str) -> bool:
    hay = [judge[k] for k in ("name", "id_number", "employer", "delegation", "qualifications", "phone")] + [username or ""]
    return any(needle in conflicts.normalise_name(h) for h in hay)


async def list_judges(event_id: int, q: str | None = None, skill_id: int | None = None) -> list[dict[str, Any]]:
    """The registry, by name; ``q`` searches name, ID, employer, delegation, qualifications, phone.

    ID and phone numbers are masked: a list is read often and widely, one entry (``get_judge``, the
    edit form) when it is needed.
    """
    await events.get_event(event_id)
    rows = await Judge.select().where(Judge.event == event_id).order_by(Judge.id)
    by_judge = await _assignments_by_judge(event_id)
    names = await _usernames(r["user"] for r in rows)
    needle = conflicts.normalise_name(q or "")
    out = []
    for r in rows:
        username = names.get(r["user"]) if r["user"] else None
        assignments = by_judge.get(r["id"], [])
        if needle and not _matches(r, username, needle):
            continue
        if skill_id is not None and not any(a["skill_id"] == skill_id for a in assignments):
            continue
        out.append(judge_json(r, assignments, username, masked=True))
    return out


async def get_judge_row(event_id: int, judge_id: int) -> dict[str, Any]:
    row = await Judge.select().where((Judge.id == judge_id) & (Judge.event == event_id)).first()
    if row is None:
        raise not_found("judge")
    return row


async def get_judge(event_id: int, judge_id: int) -> dict[str, Any]:
    row = await get_judge_row(event_id, judge_id)
    assignments = (await _assignments_by_judge(event_id, [judge_id])).get(judge_id, [])
    username = (await _usernames([row["user"]])).get(row["user"]) if row["user"] else None
    return judge_json(row, assignments, username)


async def my_assignments(event_id: int, user_id: int) -> list[dict[str, Any]]:
    """The signed-in judge's own places in the event: skill, role and criteria (for their tablet)."""
    rows = await Judge.select(Judge.id, Judge.name).where((Judge.event == event_id) & (Judge.user == user_id))
    by_judge = await _assignments_by_judge(event_id, [r["id"] for r in rows])
    return [{"judge_id": r["id"], "name": r["name"], "assignments": by_judge.get(r["id"], [])} for r in rows]


# ---- registry writes -------------------------------------------------------------------------


async def _check_unique(event_id: int, values: dict[str, Any], judge_id: int | None) -> None:
    if not values["id_number"]:
        return
    q = (Judge.event == event_id) & (Judge.id_number == values["id_number"])
    if judge_id is not None:
        q = q & (Judge.id != judge_id)
    if await Judge.exists().where(q):
        raise conflict("judge", "id_number")
    if await registration.id_number_registered(event_id, values["id_number"]):
        raise BilingualError(
            409,
            "judge_is_contestant",
            field="id_number",
            zh="此身份证号已登记为本赛事的选手，同一人不能既当选手又当裁判",
            en="This ID number is registered as a contestant of the event; one person cannot be both contestant and judge",
        )


async def _new_account(event_id: int, judge_id: int, name: str, actor: audit.Actor, username: str | None = None) -> int:
    """Create the judge's login account (no password: they log in with one-time codes) and link it.

    Call inside a write transaction. The account gets the roles of the judge's current assignments.
    """
    user_id = await accounts.create_user(username or accounts.generated_username("judge"), name, None, home_event=event_id, actor=actor)
    await Judge.update({Judge.user: user_id}).where(Judge.id == judge_id)
    for a in await JudgeAssignment.select(JudgeAssignment.skill, JudgeAssignment.role).where(JudgeAssignment.judge == judge_id):
        await accounts.grant_role(user_id, a["role"], event_id, a["skill"], actor=actor)
    return user_id


async def create_judge(
    event_id: int, data: dict[str, Any], actor: audit.Actor, *, create_account: bool = True, username: str | None = None
) -> dict[str, Any]:
    await events.editable_event(event_id)
    values = clean_judge(data)
    async with write_transaction():
        await _check_unique(event_id, values, None)
        rows = await Judge.insert(Judge(event=event_id, **values)).returning(Judge.id)
        judge_id = rows[0]["id"]
        await audit.record(
            "judge.create", actor, event_id=event_id, target=f"judge:{judge_id}", details={"name": values["name"], "delegation": values["delegation"]}
        )
        if create_account:
            await _new_account(event_id, judge_id, values["name"], actor, username)
    return await get_judge(event_id, judge_id)


async def update_judge(event_id: int, judge_id: int, patch: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    await events.editable_event(event_id)
    current = await get_judge_row(event_id, judge_id)
    values = clean_judge({k: current[k] for k in JUDGE_FIELDS} | patch)
    changed = {k: v for k, v in values.items() if current[k] != v}
    if not changed:
        return await get_judge(event_id, judge_id)
    async with write_transaction():
        await _check_unique(event_id, values, judge_id)
        await Judge.update(changed).where(Judge.id == judge_id)
        if "name" in changed and current["user"]:
            await User.update({User.display_name: values["name"]}).where(User.id == current["user"])
        shown = {k: ("***" if k in ("id_number", "phone") else v) for k, v in changed.items()}
        await audit.record("judge.update", actor, event_id=event_id, target=f"judge:{judge_id}", details=shown)
    return await get_judge(event_id, judge_id)


async def delete_judge(event_id: int, judge_id: int, actor: audit.Actor) -> dict[str, Any]:
    """Remove a registry entry; refused while the judge is assigned to a skill."""
    await events.editable_event(event_id)
    row = await get_judge_row(event_id, judge_id)
    async with write_transaction():
        assigned = await JudgeAssignment.select(JudgeAssignment.skill.name, JudgeAssignment.role).where(JudgeAssignment.judge == judge_id)
        if assigned:
            skills = "、".join(a["skill.name"] for a in assigned)
            raise BilingualError(
                409,
                "judge_assigned",
                field="assignments",
                extra={"skills": [a["skill.name"] for a in assigned]},
                zh=f"裁判“{row['name']}”仍被分配在竞赛项目：{skills}；请先取消分配再删除",
                en=f"Judge {row['name']} is still assigned to: {', '.join(a['skill.name'] for a in assigned)}; unassign them first",
            )
        await Judge.delete().where(Judge.id == judge_id)
        user_id = row["user"]
        if user_id:
            # The account was made for this entry: without roles or another entry it can no longer log in.
            await LoginCode.delete().where((LoginCode.user == user_id) & LoginCode.used_at.is_null())
            if not await RoleAssignment.exists().where(RoleAssignment.user == user_id) and not await Judge.exists().where(Judge.user == user_id):
                await User.update({User.active: False}).where(User.id == user_id)
        await audit.record("judge.delete", actor, event_id=event_id, target=f"judge:{judge_id}", details={"name": row["name"], "user_id": user_id})
    return {"ok": True, "id": judge_id}


async def create_judge_account(event_id: int, judge_id: int, actor: audit.Actor) -> dict[str, Any]:
    """Give a registry entry without an account its login account (and its assignments' roles)."""
    await events.editable_event(event_id)
    row = await get_judge_row(event_id, judge_id)
    if row["user"]:
        raise conflict("user", "user")
    async with write_transaction():
        await _new_account(event_id, judge_id, row["name"], actor)
    return await get_judge(event_id, judge_id)


# ---- assignment ------------------------------------------------------------------------------


async def _lock_skill(skill_id: int) -> None:
    """Serialise assignment changes of one skill (SQLite's BEGIN IMMEDIATE already does)."""
    from piccolo.engine.postgres import PostgresEngine

    engine = current_engine()
    if isinstance(engine, PostgresEngine):
        await engine.run_ddl(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY}, {int(skill_id)})")


async def _revoke_if_held(user_id: int | None, role: str, event_id: int, skill_id: int, actor: audit.Actor) -> None:
    if not user_id:
        return
    held = await RoleAssignment.exists().where(
        (RoleAssignment.user == user_id) & (RoleAssignment.role == role) & (RoleAssignment.event == event_id) & (RoleAssignment.skill == skill_id)
    )
    if held:
        await accounts.revoke_role(user_id, role, event_id, skill_id, actor=actor)


async def assign(
    event_id: int, skill_id: int, judge_id: int, role: str, criteria: Any, actor: audit.Actor, *, replace_chief: bool = False
) -> dict[str, Any]:
    """Put a judge on a skill as judge or chief judge with criteria (empty: all), or change that.

    A skill has one chief judge; naming another is refused unless ``replace_chief``, which makes the
    previous chief judge an ordinary judge of the skill. The judge's account gets the matching role
    for the skill. The answer carries the skill's coverage shortfalls as ``warnings``.
    """
    await events.editable_event(event_id)
    await events.get_skill(event_id, skill_id)
    judge = await get_judge_row(event_id, judge_id)
    role = clean_role(role)
    codes = clean_criteria(criteria)
    replaced: dict[str, Any] | None = None
    async with write_transaction():
        await _lock_skill(skill_id)
        current = await JudgeAssignment.select().where((JudgeAssignment.judge == judge_id) & (JudgeAssignment.skill == skill_id)).first()
        if role == CHIEF_JUDGE:
            chief = (
                await JudgeAssignment.select(JudgeAssignment.id, JudgeAssignment.judge, JudgeAssignment.judge.name, JudgeAssignment.judge.user)
                .where((JudgeAssignment.skill == skill_id) & (JudgeAssignment.role == CHIEF_JUDGE) & (JudgeAssignment.judge != judge_id))
                .first()
            )
            if chief is not None:
                if not replace_chief:
                    raise BilingualError(
                        409,
                        "chief_judge_exists",
                        field="role",
                        extra={"chief_judge_id": chief["judge"]},
                        zh=f"本项目已有裁判长“{chief['judge.name']}”；如要更换，请明确选择“更换裁判长”",
                        en=f"The skill already has a chief judge ({chief['judge.name']}); to change it, choose 'replace the chief judge' explicitly",
                    )
                await JudgeAssignment.update({JudgeAssignment.role: JUDGE}).where(JudgeAssignment.id == chief["id"])
                await _revoke_if_held(chief["judge.user"], CHIEF_JUDGE, event_id, skill_id, actor)
                if chief["judge.user"]:
                    await accounts.grant_role(chief["judge.user"], JUDGE, event_id, skill_id, actor=actor)
                replaced = {"judge_id": chief["judge"], "name": chief["judge.name"], "role": JUDGE}
                await audit.record(
                    "judge.chief_replaced",
                    actor,
                    event_id=event_id,
                    target=f"judge:{chief['judge']}",
                    details={"skill_id": skill_id, "by_judge_id": judge_id},
                )
        if current is None:
            await JudgeAssignment.insert(JudgeAssignment(judge=judge_id, skill=skill_id, role=role, criteria=codes))
            action = "judge.assign"
        else:
            await JudgeAssignment.update({JudgeAssignment.role: role, JudgeAssignment.criteria: codes}).where(JudgeAssignment.id == current["id"])
            action = "judge.reassign"
            if current["role"] != role:
                await _revoke_if_held(judge["user"], current["role"], event_id, skill_id, actor)
        if judge["user"]:
            await accounts.grant_role(judge["user"], role, event_id, skill_id, actor=actor)
        await audit.record(
            action, actor, event_id=event_id, target=f"judge:{judge_id}", details={"skill_id": skill_id, "role": role, "criteria": codes}
        )
    report = await coverage(event_id, skill_id, organiser=True)
    return {
        "assignment": {"judge_id": judge_id, "skill_id": skill_id, "role": role, "criteria": codes, "account": bool(judge["user"])},
        "replaced": replaced,
        "warnings": report["shortfalls"],
        "coverage": {k: report[k] for k in ("panel", "needed", "criteria", "contestants")},
    }


async def unassign(event_id: int, skill_id: int, judge_id: int, actor: audit.Actor) -> dict[str, Any]:
    """Take a judge off a skill; their account loses the skill's role."""
    await events.editable_event(event_id)
    await events.get_skill(event_id, skill_id)
    judge = await get_judge_row(event_id, judge_id)
    async with write_transaction():
        await _lock_skill(skill_id)
        current = await JudgeAssignment.select().where((JudgeAssignment.judge == judge_id) & (JudgeAssignment.skill == skill_id)).first()
        if current is None:
            raise BilingualError(404, "not_assigned", zh="该裁判未被分配到此竞赛项目", en="The judge is not assigned to this skill")
        await JudgeAssignment.delete().where(JudgeAssignment.id == current["id"])
        await _revoke_if_held(judge["user"], current["role"], event_id, skill_id, actor)
        await audit.record(
            "judge.unassign", actor, event_id=event_id, target=f"judge:{judge_id}", details={"skill_id": skill_id, "role": current["role"]}
        )
    report = await coverage(event_id, skill_id, organiser=True)
    return {"ok": True, "warnings": report["shortfalls"], "coverage": {k: report[k] for k in ("panel", "needed", "criteria", "contestants")}}


async def _panel_rows(skill_id: int) -> list[dict[str, Any]]:
    return [{"id": a["judge_id"], **a} for a in await assignments_of(skill_id)]


async def skill_panel(event_id: int, skill_id: int) -> dict[str, Any]:
    """The skill's chief judge and judges with their criteria (no ID numbers or phones)."""
    await events.get_skill(event_id, skill_id)
    rows = await _panel_rows(skill_id)
    keep = ("judge_id", "user_id", "name", "role", "criteria", "employer", "delegation", "qualifications")
    members = [{k: r[k] for k in keep} for r in rows]
    members.sort(key=lambda m: (m["role"] != CHIEF_JUDGE, m["name"]))
    chief = next((m for m in members if m["role"] == CHIEF_JUDGE), None)
    return {"skill_id": skill_id, "chief_judge": chief, "members": members}


# ---- contestants, conflicts and coverage -----------------------------------------------------


async def _contestants(skill_id: int) -> list[dict[str, Any]]:
    """The skill's active contestants, each with ``encrypted_no`` (latest round, or None)."""
    rows = await registration.contestants_of_skill(
        skill_id, ("id", "name", "employer", "delegation", "workstation_no", "session"), excluding=INACTIVE_STATUSES
    )
    numbers = await dayof.latest_refs(skill_id)
    for r in rows:
        r["encrypted_no"] = numbers.get(r["id"])
    return rows


def _ref(contestant: dict[str, Any], *, organiser: bool, decrypted: bool, encrypted: bool) -> dict[str, Any]:
    """How coverage and conflicts name a contestant: never by name to chief judges, and before
    decryption each reader gets one side of the mapping only (``codes.shown_number``), since with
    the public draw list a workstation beside an encrypted number names the contestant.

    Organisers, who know the people, get the workstation and the contestant's id, not the encrypted
    number (the encryption officer's); chief judges get the number judges mark by — the encrypted
    number, or the workstation in a skill never encrypted — and no id. After decryption both numbers.
    """
    ws, number = contestant["workstation_no"], contestant["encrypted_no"]
    if decrypted:
        out = {"workstation_no": ws, "encrypted_no": number}
    elif organiser:
        out = {"workstation_no": ws, "encrypted_no": None}
    else:
        out = {"workstation_no": None if encrypted else ws, "encrypted_no": number}
    if organiser:
        out["contestant_id"] = contestant["id"]
    return out


def _ref_order(s: dict[str, Any]) -> tuple:
    """By workstation, then encrypted number (natural order), never by registration (id) order."""
    number = s["encrypted_no"] or ""
    return (s["workstation_no"] is None, s["workstation_no"] or 0, number == "", len(number), number)


async def needed_judges(event_id: int) -> tuple[str, int]:
    preset = await events.event_preset(event_id)
    return conflicts.needed_judges(preset["effective"])


async def coverage(event_id: int, skill_id: int, *, organiser: bool = False) -> dict[str, Any]:
    """Where contestants would have fewer conflict-free judges than the panel needs, per criterion.

    Shortfalls name contestants as ``_ref`` says for the reader: ``organiser`` for organisers
    (workstation and id), otherwise for chief judges (the number judges mark by).
    """
    await events.get_skill(event_id, skill_id)
    panel, needed = await needed_judges(event_id)
    assignments = await _panel_rows(skill_id)
    people = await _contestants(skill_id)
    by_id = {c["id"]: c for c in people}
    seen = {"organiser": organiser, "decrypted": await dayof.is_decrypted(skill_id), "encrypted": any(c["encrypted_no"] for c in people)}
    shortfalls = [
        {"criterion": s.criterion, **_ref(by_id[s.contestant_id], **seen), "eligible": s.eligible, "needed": s.needed}
        for s in conflicts.shortfalls(assignments, people, needed)
    ]
    shortfalls.sort(key=lambda s: (s["criterion"] or "", *_ref_order(s)))
    short_by_criterion: dict[str | None, int] = {}
    for s in shortfalls:
        short_by_criterion[s["criterion"]] = short_by_criterion.get(s["criterion"], 0) + 1
    criteria = [
        {"criterion": c, "judges": n, "needed": needed, "short": n < needed, "short_contestants": short_by_criterion.get(c, 0)}
        for c, n in conflicts.panel_sizes(assignments)
    ]
    return {"skill_id": skill_id, "panel": panel, "needed": needed, "contestants": len(people), "criteria": criteria, "shortfalls": shortfalls}


async def skill_conflicts(event_id: int, skill_id: int) -> list[dict[str, Any]]:
    """Every (judge, contestant) pair of the skill that is barred, with the reason (for organisers)."""
    await events.get_skill(event_id, skill_id)
    assignments = await _panel_rows(skill_id)
    people = await _contestants(skill_id)
    seen = {"organiser": True, "decrypted": await dayof.is_decrypted(skill_id), "encrypted": any(c["encrypted_no"] for c in people)}
    out = []
    for a in assignments:
        for c in people:
            for reason in conflicts.conflict_reasons(a, c):
                out.append(
                    {
                        "judge_id": a["judge_id"],
                        "judge_name": a["name"],
                        "role": a["role"],
                        "contestant_name": c["name"],
                        **_ref(c, **seen),
                        "reason": reason.as_json(),
                    }
                )
    return out


async def _contestant(contestant_id: int) -> dict[str, Any]:
    row = await registration.contestant(contestant_id, ("id", "event", "skill", "employer", "delegation", "status"))
    if row is None:
        raise BilingualError(404, "not_found", zh="未找到选手", en="contestant not found")
    return row


async def eligible_judges(skill_id: int, contestant_id: int, criterion: str | None = None) -> list[dict[str, Any]]:
    """The judges on the skill's panel for ``criterion`` (any, when ``None``) free of conflict with the contestant."""
    contestant = await _contestant(contestant_id)
    if contestant["skill"] != skill_id:
        raise BilingualError(404, "not_found", zh="该竞赛项目中没有此选手", en="The skill has no such contestant")
    out = []
    for a in await _panel_rows(skill_id):
        if not conflicts.covers(a, criterion) or conflicts.conflict_reason(a, contestant):
            continue
        out.append({"judge_id": a["judge_id"], "user_id": a["user_id"], "name": a["name"], "role": a["role"], "criteria": a["criteria"]})
    return out


async def may_score_reason(judge_user_id: int, contestant_id: int, criterion: str | None = None, *, disclose: bool = True) -> BilingualError | None:
    """Why the account's judge may not score the contestant (a 403 error to raise), or ``None``.

    ``disclose=False`` (a chief judge before decryption) tells a conflict without the contestant's
    delegation or employer, nor which of the two it is (``conflicts.withheld``).
    """
    contestant = await _contestant(contestant_id)
    row = (
        await JudgeAssignment.select(
            JudgeAssignment.role,
            JudgeAssignment.criteria,
            JudgeAssignment.judge,
            JudgeAssignment.judge.delegation,
            JudgeAssignment.judge.employer,
            JudgeAssignment.judge.name,
        )
        .where(
            (JudgeAssignment.judge.user == judge_user_id)
            & (JudgeAssignment.judge.event == contestant["event"])
            & (JudgeAssignment.skill == contestant["skill"])
        )
        .first()
    )
    if row is None:
        return BilingualError(403, "not_assigned", zh="该裁判未被分配到此选手的竞赛项目", en="The judge is not assigned to this contestant's skill")
    assignment = {"role": row["role"], "criteria": _criteria(row["criteria"])}
    if criterion is not None and assignment["criteria"] and not conflicts.covers(assignment, criterion):
        return BilingualError(
            403,
            "not_assigned_criterion",
            field="criterion",
            zh=f"该裁判未被分配评分模块 {criterion}",
            en=f"The judge is not assigned to criterion {criterion}",
        )
    reason = conflicts.conflict_reason({"delegation": row["judge.delegation"], "employer": row["judge.employer"]}, contestant)
    if reason is not None:
        if not disclose:
            reason = conflicts.withheld(row["judge.name"])
        return BilingualError(403, "conflict_of_interest", zh=reason.zh, en=reason.en, extra={"reason": reason.code, "judge_id": row["judge"]})
    return None


async def assert_may_score(judge_user_id: int, contestant_id: int, criterion: str | None = None, *, disclose: bool = True) -> None:
    """Raise a 403 ``BilingualError`` unless the judge (by account) may score the contestant.

    Codes: ``not_assigned`` (not on the contestant's skill), ``not_assigned_criterion`` (a criterion
    was given and the judge's non-empty list does not name it), ``conflict_of_interest`` (same
    delegation or employer; ``detail.reason`` says which). A chief judge counts as assigned.
    """
    error = await may_score_reason(judge_user_id, contestant_id, criterion, disclose=disclose)
    if error is not None:
        raise error


# ---- login cards -----------------------------------------------------------------------------


async def issue_login_cards(
    event_id: int, actor: audit.Actor, base_url: str, *, judge_ids: list[int] | None = None, skill_id: int | None = None, hours: int = 12
) -> dict[str, Any]:
    """Fresh one-time login codes for judges (each voids that judge's earlier unused code).

    Chooses ``judge_ids``, or the judges of ``skill_id``, or every judge of the event. Judges without
    an account are listed in ``skipped``.
    """
    from competition.auth.controller import qr_svg
    from kernel.i18n import china_time

    event = await events.get_event(event_id)
    if not 1 <= hours <= 72:
        raise invalid("hours", "须在 1 到 72 之间", "must be between 1 and 72")
    judges = await list_judges(event_id, skill_id=skill_id)
    if judge_ids is not None:
        wanted = set(judge_ids)
        unknown = wanted - {j["id"] for j in await list_judges(event_id)}
        if unknown:
            raise not_found("judge")
        judges = [j for j in judges if j["id"] in wanted]
    cards, skipped = [], []
    for j in judges:
        if not j["user"]:
            skipped.append({"judge_id": j["id"], "name": j["name"]})
            continue
        code, expires = await accounts.issue_login_code(j["user"]["id"], hours=hours, actor=actor, event_id=event_id)
        url = f"{base_url}/login?code={code}&next=/tablet"
        shown = [a for a in j["assignments"] if skill_id is None or a["skill_id"] == skill_id]
        cards.append(
            {
                "judge_id": j["id"],
                "name": j["name"],
                "username": j["user"]["username"],
                "delegation": j["delegation"],
                "assignments": [{"skill_name": a["skill_name"], "role": a["role"], "criteria": a["criteria"]} for a in shown],
                "code": code,
                "login_url": url,
                "qr_svg": qr_svg(url),
                "expires_at": expires.isoformat(),
                "expires_local": china_time(expires),
            }
        )
    return {"event": {"id": event["id"], "name": event["name"]}, "cards": cards, "skipped": skipped}


# ---- demo ------------------------------------------------------------------------------------

#: Five judges per demo skill, the first of each is the chief judge: (name, employer, delegation, qualifications).
DEMO_JUDGES: dict[str, list[tuple[str, str, str, str]]] = {
    "电工": [
        ("陈建华", "广东电网有限责任公司培训与评价中心", "广东电网有限责任公司", "国家级裁判员、高级技师"),
        ("李志强", "清远市技师学院", "清远市", "省级裁判员、一体化教师"),
        ("黄丽娟", "梅州市高级技工学校", "梅州市", "省级裁判员、高级讲师"),
        ("梁国栋", "茂名市高级技工学校", "茂名市", "省级裁判员、技师"),
        ("吴海燕", "阳江市高级技工学校", "阳江市", "省级裁判员、高级技师"),
    ],
    "数控车工": [
        ("张伟明", "广东省机械技师学院", "广东省机械行业协会", "国家级裁判员、世赛专家"),
        ("刘晓峰", "河源市技师学院", "河源市", "省级裁判员、高级技师"),
        ("何志坚", "揭阳市高级技工学校", "揭阳市", "省级裁判员、高级技师"),
        ("郑秀英", "潮州市高级技工学校", "潮州市", "省级裁判员、副教授"),
        ("罗振宇", "云浮市高级技工学校", "云浮市", "省级裁判员、技师"),
    ],
    "网络安全": [
        ("林少华", "华南理工大学网络空间安全学院", "广东省网络安全协会", "国家级裁判员、世赛专家"),
        ("周敏", "汕尾职业技术学院", "汕尾市", "省级裁判员、信息安全工程师"),
        ("谢文斌", "广东省电子信息产业研究院", "广东省电子信息行业协会", "省级裁判员、高级工程师"),
        ("杨静", "清远职业技术学院", "清远市", "省级裁判员、讲师"),
        ("许家豪", "梅州市技师学院", "梅州市", "省级裁判员、高级技师"),
    ],
}
#: Region codes for the demo ID numbers. The demo judges come from cities and industry bodies that
#: send no demo contestants, so every demo panel is complete (no conflict of interest, no shortfall):
#: the live-scoring demo can give every contestant five marks.
_DEMO_REGIONS = {
    "清远市": 441802,
    "梅州市": 441402,
    "茂名市": 440902,
    "阳江市": 441702,
    "河源市": 441602,
    "揭阳市": 445202,
    "潮州市": 445102,
    "云浮市": 445302,
    "汕尾市": 441502,
}


def _demo_id(index: int, delegation: str) -> str:
    region = _DEMO_REGIONS.get(delegation, 440103)
    born = dt.date(1968 + index % 15, 1 + index % 12, 1 + (index * 7) % 28)
    return idcard.make_id(region, born, seq=100 + index, sex="M" if index % 3 else "F")


async def demo(event_id: int) -> str | None:
    """Fifteen judges with accounts, five per demo skill with one chief judge each. Idempotent."""
    from competition.demo_data import DEMO_SKILLS

    actor = audit.Actor(None, "demo")
    skills = {s["name"]: s["id"] for s in await Skill.select(Skill.id, Skill.name).where(Skill.event == event_id)}
    created = assigned = 0
    index = 0
    for skill in DEMO_SKILLS:
        skill_id = skills.get(skill["name"])
        for position, (name, employer, delegation, quals) in enumerate(DEMO_JUDGES.get(skill["name"], [])):
            index += 1
            id_number = _demo_id(index, delegation)
            row = await Judge.select(Judge.id).where((Judge.event == event_id) & (Judge.id_number == id_number)).first()
            if row is None:
                phone = f"139{event_id % 100:02d}{index:06d}"
                username = f"demo-judge-{event_id}-{index:02d}"
                if await User.exists().where(User.username == username):
                    username = None
                judge = await create_judge(
                    event_id,
                    {"name": name, "id_number": id_number, "employer": employer, "delegation": delegation, "qualifications": quals, "phone": phone},
                    actor,
                    username=username,
                )
                judge_id = judge["id"]
                created += 1
            else:
                judge_id = row["id"]
            if skill_id is None:
                continue
            if not await JudgeAssignment.exists().where((JudgeAssignment.judge == judge_id) & (JudgeAssignment.skill == skill_id)):
                chief = position == 0
                # The chief judge also marks the practical modules (listed), the judges mark everything.
                await assign(event_id, skill_id, judge_id, CHIEF_JUDGE if chief else JUDGE, ["A", "B", "C"] if chief else [], actor)
                assigned += 1
    if not created and not assigned:
        return "演示裁判已存在 / demo judges already loaded"
    return f"已载入演示裁判 / demo judges loaded: {created} 名裁判 / judges, {assigned} 项分配 / assignments"


async def dependants(target: events.Target) -> list[tuple[str, str]]:
    """For events: the judges assigned to a skill."""
    if target.kind != "skill":
        return []
    n = await JudgeAssignment.count().where(JudgeAssignment.skill == target.skill_id)
    return [(f"{n} 项裁判分配", f"{n} judge assignment(s)")] if n else []
