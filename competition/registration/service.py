"""Registration: single entries and spreadsheet imports share one validation path.

A form or API entry becomes a one-row sheet and goes through ``sheet.validate_rows`` with the same
context as an import (the event's skills and groups, the people already registered, the preset's
eligibility rules), so a rule is written once. Imports are validated as a whole first; then either
nothing is stored (``mode="all"`` with any error), or only the valid rows (``mode="valid"``), in one
transaction with bulk writes, so a failure never leaves half an import behind. Re-importing the same
sheet finds every person already registered with the same data ("unchanged") and writes nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterable, Protocol

from competition.events import service as events
from competition.registration import sheet
from competition.registration.tables import Contestant, RegistrationReview, Team
from kernel import audit
from kernel.db import execute_many, insert_many, write_transaction
from kernel.errors import BilingualError, invalid, not_found
from kernel.extension import Extension
from kernel.i18n import register
from kernel.security import redact
from scoring import eligibility as elig
from scoring.idcard import mask_id, mask_phone
from scoring.identity import DEFAULT_TYPE, DOC_TYPES, person_ref
from scoring.levels import SkillLevel

if TYPE_CHECKING:
    import pandas as pd

register(
    {
        "thing.contestant": ("选手", "contestant"),
        "thing.team": ("团队", "team"),
        "thing.photo": ("照片", "photo"),
        "reg.status_reason": ("状态变更理由（退赛、取消资格时必填）", "Reason for a change of status (required to withdraw or disqualify)"),
    }
)

STATUSES = ("registered", "withdrawn", "disqualified")
#: What identifies the person: frozen once their skill and group's results are provisional (a
#: change then is a recorded identity correction, ``correct_identity``). Sex and birth date follow
#: from the ID number; skill and group say whose results the person is in.
IDENTITY_FIELDS = ("name", "id_type", "id_number", "nationality", "sex", "birth_date", "employer", "delegation")
PLACE_FIELDS = ("skill_id", "group_id")
_FIELD_LABELS = {
    "name": ("姓名", "name"), "id_type": ("证件类型", "document type"), "id_number": ("证件号码", "document number"),
    "nationality": ("国籍", "nationality"), "sex": ("性别", "sex"), "birth_date": ("出生日期", "birth date"),
    "employer": ("工作单位", "employer"), "delegation": ("代表队", "delegation"), "skill_id": ("竞赛项目", "skill"), "group_id": ("组别", "group"),
}  # fmt: skip
IMPORT_MODES = ("check", "all", "valid")
#: Columns written by a bulk insert, in this order.
_INSERT_COLUMNS = [
    "event", "skill", "group", "team", "name", "id_type", "id_number", "nationality", "sex", "birth_date", "employer", "delegation",
    "current_level", "level_certificate_no", "phone", "photo", "session", "status", "award_eligible", "created_at", "updated_at", "team_captain",
]  # fmt: skip
_UPDATE_FIELDS = ["name", "sex", "birth_date", "employer", "delegation", "current_level", "level_certificate_no", "phone", "team"]


class EntryScope(Protocol):
    """Who enters the rows when it is not the organiser: a delegation leader
    (``registration.delegation.LeaderScope``) — rows outside it become errors of their row, and
    what was stored goes to review, inside the same transaction."""

    async def refuse_rows(self, event_id: int, report: sheet.ImportReport) -> None: ...

    async def stored(self, event_id: int, report: sheet.ImportReport, actor: audit.Actor) -> None: ...


def accepted_only() -> Any:
    """Contestants whose registration counts: every row but a delegation leader's not yet
    accepted (``RegistrationReview``); rows the organiser entered have no review and count."""
    pending = RegistrationReview.select(RegistrationReview.contestant).where(RegistrationReview.state != "accepted")
    return Contestant.id.not_in(pending)


async def skill_options(event_id: int) -> list[sheet.SkillOption]:
    skills = await events.list_skills(event_id)
    return [
        sheet.SkillOption(s["id"], s["name"], s["occupation_code"], {g["kind"]: g["id"] for g in s["groups"]}, int(s.get("team_size") or 1))
        for s in skills
    ]


async def _stored(event_id: int, exclude_id: int | None = None) -> dict[str, sheet.Registered]:
    rows = await Contestant.select(
        Contestant.id,
        Contestant.id_type,
        Contestant.id_number,
        Contestant.nationality,
        Contestant.skill,
        Contestant.group,
        Contestant.name,
        Contestant.sex,
        Contestant.birth_date,
        Contestant.employer,
        Contestant.delegation,
        Contestant.current_level,
        Contestant.level_certificate_no,
        Contestant.phone,
        Contestant.team.name,
        Contestant.team_captain,
        Contestant.award_eligible,
    ).where(Contestant.event == event_id)
    out: dict[str, sheet.Registered] = {}
    for r in rows:
        if r["id"] == exclude_id:
            continue
        data = {
            "name": r["name"], "nationality": r["nationality"], "sex": r["sex"], "birth_date": r["birth_date"], "employer": r["employer"],
            "delegation": r["delegation"], "current_level": r["current_level"],
            "level_certificate_no": r["level_certificate_no"] or None, "phone": r["phone"], "team": r["team.name"],
            "team_captain": bool(r["team_captain"]),
            "award_eligible": r["award_eligible"],
        }  # fmt: skip
        out[person_ref(r["id_type"], r["id_number"])] = sheet.Registered(r["skill"], r["group"], data)
    return out


async def import_context(event_id: int, exclude_id: int | None = None, *, partial_teams: bool = False) -> sheet.ImportContext:
    preset = (await events.event_preset(event_id))["effective"]
    return sheet.ImportContext(
        skills=await skill_options(event_id),
        registered=await _stored(event_id, exclude_id),
        today=dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date(),
        eligibility=preset.get("eligibility"),
        partial_teams=partial_teams,
    )


def _one_row_frame(data: dict[str, Any], skills: list[sheet.SkillOption]) -> pd.DataFrame:
    """A form entry as a one-row sheet; the API's ids become the names a sheet would carry."""
    values = {k: "" for k in sheet.KEYS}
    for key in sheet.KEYS:
        v = data.get(key)
        if v is None:
            continue
        if isinstance(v, dt.date):
            v = v.isoformat()
        elif isinstance(v, bool):
            v = "是" if v else "否"
        values[key] = str(v)
    skill = next((s for s in skills if s.id == data.get("skill_id")), None)
    if data.get("skill_id") is not None:
        if skill is None:
            raise invalid("skill_id", "本赛事没有这个竞赛项目", "this event has no such skill")
        values["skill"] = skill.name
    if data.get("group_id") is not None:
        kind = next((k for s in skills for k, gid in s.groups.items() if gid == data["group_id"] and (skill is None or s is skill)), None)
        if kind is None:
            raise invalid("group_id", "该竞赛项目没有这个组别", "this skill has no such group")
        values["group"] = kind
    if isinstance(data.get("current_level"), int):
        try:
            values["current_level"] = SkillLevel(data["current_level"]).zh
        except ValueError:
            raise invalid("current_level", "没有这个技能等级", "no such skill level") from None
    return sheet.frame_of([values], headers={k: k for k in sheet.KEYS})


def _field_of(column: str | None) -> str | None:
    return {"skill": "skill_id", "group": "group_id"}.get(column or "", column)


def _refuse(report: sheet.ImportReport) -> None:
    if report.errors:
        first = report.errors[0]
        raise BilingualError(
            422,
            first.code,
            field=_field_of(first.column),
            zh=first.message_zh,
            en=first.message_en,
            extra=[{**e.to_dict(), "field": _field_of(e.column)} for e in report.errors],
        )


async def _team_ids(event_id: int, records: Iterable[dict[str, Any]]) -> dict[tuple[int, int, str], int]:
    """Find or create the teams named by the records; called inside the write transaction."""
    wanted = {(r["skill_id"], r["group_id"], r["team"]) for r in records if r.get("team")}
    if not wanted:
        return {}
    existing = await Team.select().where(Team.event == event_id)
    ids = {(t["skill"], t["group"], t["name"]): t["id"] for t in existing}
    for key in sorted(wanted - ids.keys()):
        rows = await Team.insert(Team(event=event_id, skill=key[0], group=key[1], name=key[2])).returning(Team.id)
        ids[key] = rows[0]["id"]
    return ids


async def _store(event_id: int, report: sheet.ImportReport, session: str = "1") -> dict[str, int]:
    new = report.records("new")
    updates = report.records("update")
    teams = await _team_ids(event_id, new + updates)
    now = dt.datetime.now(dt.timezone.utc)

    def team_of(r: dict[str, Any]) -> int | None:
        return teams.get((r["skill_id"], r["group_id"], r["team"])) if r.get("team") else None

    await insert_many(
        "contestant",
        _INSERT_COLUMNS,
        [
            (event_id, r["skill_id"], r["group_id"], team_of(r), r["name"], r["id_type"], r["id_number"], r["nationality"], r["sex"], r["birth_date"],
             r["employer"], r["delegation"], int(r["current_level"]), r["level_certificate_no"] or "", r["phone"], "",
             session, "registered", r["award_eligible"] is not False, now, now, bool(r.get("team_captain")))
            for r in new
        ],
    )  # fmt: skip
    await execute_many(
        'UPDATE contestant SET name = ?, nationality = ?, sex = ?, birth_date = ?, employer = ?, delegation = ?, current_level = ?, '
        'level_certificate_no = ?, phone = ?, team = ?, team_captain = ?, award_eligible = COALESCE(?, award_eligible), updated_at = ? '
        'WHERE event = ? AND id_type = ? AND id_number = ?',
        [
            (r["name"], r["nationality"], r["sex"], r["birth_date"], r["employer"], r["delegation"], int(r["current_level"]),
             r["level_certificate_no"] or "", r["phone"], team_of(r), bool(r.get("team_captain")), r["award_eligible"], now, event_id, r["id_type"], r["id_number"])
            for r in updates
        ],
    )  # fmt: skip
    return {"created": len(new), "updated": len(updates), "unchanged": len(report.records("unchanged"))}


def contestant_json(r: dict[str, Any], *, masked: bool = True) -> dict[str, Any]:
    """A registration as the API shows it: ID and phone numbers masked (``440106********1234``,
    ``138****8000``) unless ``masked=False`` (the organiser's export, and updates merging onto the
    stored values). The full numbers are shown only by ``reveal``, which is audited."""
    level = SkillLevel(r["current_level"])
    out = {
        "id": r["id"], "event_id": r["event"], "skill_id": r["skill"], "group_id": r["group"],
        "group": r.get("group.kind"), "skill": r.get("skill.name"), "team": r.get("team.name"),
        "team_captain": bool(r.get("team_captain")), "name": r["name"], "id_type": r.get("id_type") or DEFAULT_TYPE, "id_number": r["id_number"], "nationality": r.get("nationality") or "",
        "sex": r["sex"],
        "birth_date": r["birth_date"].isoformat() if r["birth_date"] else None,
        "employer": r["employer"], "delegation": r["delegation"],
        "current_level": int(level), "current_level_name": level.zh, "level_certificate_no": r["level_certificate_no"],
        "phone": r["phone"], "session": r["session"], "workstation_no": r["workstation_no"], "status": r["status"],
        "has_photo": bool(r.get("photo")), "award_eligible": bool(r.get("award_eligible", True)),
    }  # fmt: skip
    doc = DOC_TYPES.get(out["id_type"])
    out["id_type_name"] = doc.label.zh if doc else out["id_type"]
    out["id_type_name_en"] = doc.label.en if doc else out["id_type"]
    if masked:
        out.update(id_number=mask_id(r["id_number"]), phone=mask_phone(r["phone"]))
    return out


def _select():
    return Contestant.select(Contestant.all_columns(), Contestant.group.kind, Contestant.skill.name, Contestant.team.name)


async def get_contestant(event_id: int, contestant_id: int, *, masked: bool = True) -> dict[str, Any]:
    row = await _select().where((Contestant.id == contestant_id) & (Contestant.event == event_id)).first()
    if row is None:
        raise not_found("contestant")
    return contestant_json(row, masked=masked)


async def reveal(event_id: int, contestant_id: int, reason: Any, actor: audit.Actor) -> dict[str, Any]:
    """One contestant's full ID and phone numbers, for an organiser who says why (显示完整证件号).

    Audited in the same transaction as the read: who, which contestant and the reason — never the
    numbers (the audit log is read more widely than the registrations; a number typed into the
    reason is masked too).
    """
    text = (reason if isinstance(reason, str) else "").strip()
    if not text:
        raise invalid("reason", "请填写查看完整号码的理由", "give the reason for showing the full numbers")
    if len(text) > 200:
        raise invalid("reason", "理由不能超过 200 个字符", "the reason must be at most 200 characters")
    async with write_transaction():
        row = (
            await Contestant.select(Contestant.id, Contestant.id_number, Contestant.phone)
            .where((Contestant.id == contestant_id) & (Contestant.event == event_id))
            .first()
        )
        if row is None:
            raise not_found("contestant")
        await audit.record(
            "contestant.reveal", actor, event_id=event_id, target=f"contestant:{contestant_id}",
            details={"fields": ["id_number", "phone"], "reason": redact(text)},
        )  # fmt: skip
    return {"id": contestant_id, "id_number": row["id_number"], "phone": row["phone"]}


async def list_contestants(
    event_id: int,
    *,
    skill_id: int | None = None,
    group_id: int | None = None,
    q: str = "",
    status: str | None = None,
    session: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> dict[str, Any]:
    await events.get_event(event_id)
    where = (Contestant.event == event_id) & accepted_only()
    if skill_id is not None:
        where &= Contestant.skill == skill_id
    if group_id is not None:
        where &= Contestant.group == group_id
    if status:
        where &= Contestant.status == status
    if session:
        where &= Contestant.session == session
    q = q.strip()
    if q:
        like = f"%{q}%"
        where &= (
            (Contestant.name.like(like))
            | (Contestant.id_number.like(f"%{q.upper()}%"))
            | (Contestant.delegation.like(like))
            | (Contestant.employer.like(like))
        )
    total = await Contestant.count().where(where)
    rows = (
        await _select()
        .where(where)
        .order_by(Contestant.skill)
        .order_by(Contestant.group)
        .order_by(Contestant.id)
        .limit(min(limit, 1000))
        .offset(offset)
    )
    return {"total": total, "items": [contestant_json(r) for r in rows]}


async def register_one(event_id: int, data: dict[str, Any], actor: audit.Actor, scope: EntryScope | None = None) -> dict[str, Any]:
    await events.editable_event(event_id)
    ctx = await import_context(event_id, partial_teams=True)
    report = sheet.validate_rows(_one_row_frame(data, list(ctx.skills)), ctx)
    if scope is not None and report.rows and report.rows[0].status == "new":
        await scope.refuse_rows(event_id, report)
    _refuse(report)
    row = report.rows[0]
    if row.status != "new":
        raise BilingualError(
            409, "already_registered", field="id_number", zh="此人已在本赛事报名", en="This person is already registered in this event"
        )
    session = _session(data.get("session"))
    async with write_transaction():
        await _store(event_id, report, session)
        if scope is not None:
            await scope.stored(event_id, report, actor)
        created = (
            await Contestant.select(Contestant.id)
            .where((Contestant.event == event_id) & (Contestant.id_type == row.record["id_type"]) & (Contestant.id_number == row.record["id_number"]))
            .first()
        )
        await audit.record(
            "contestant.register", actor, event_id=event_id, target=f"contestant:{created['id']}", details={"id": mask_id(row.record["id_number"])}
        )
    return {**await get_contestant(event_id, created["id"]), "warnings": [w.to_dict() for w in report.warnings]}


def _session(value: Any) -> str:
    text = str(value or "1").strip()
    if not text or len(text) > 20:
        raise invalid("session", "场次须为 1–20 个字符", "session must be 1–20 characters")
    return text


#: Which (skill, group) pairs of these skills have results published (provisional or final)?
#: Results answer (``server/wiring.py``); from publication on, the identity of a group's
#: contestants is frozen.
PUBLISHED_GROUPS: Extension[Callable[[list[int]], Awaitable[set[tuple[int, int]]]]] = Extension("published groups", required=True)
#: What does the record hold about a contestant (``async (contestant_id, skill_id) -> kinds``)?
#: Every feature keeping rows about contestants answers; any answer means the registration can
#: no longer be deleted, only withdrawn.
RECORD_KEEPERS: Extension[Callable[[int, int], Awaitable[list[str]]]] = Extension("a contestant's record", required=True)
#: A contestant's identity was corrected (``async (contestant_id, record) -> {kind: [ids or numbers]}``):
#: features keeping copies of it update them (proposals) or report what they cannot (issued
#: certificates keep what they print), inside the correction's transaction.
IDENTITY_COPIES: Extension[Callable[[int, dict[str, Any]], Awaitable[dict[str, list]]]] = Extension("copies of an identity", required=True)


async def published_groups(skill_ids: list[int]) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    for answer in PUBLISHED_GROUPS:
        found |= await answer(skill_ids)
    return found


async def results_published(skill_id: int, group_id: int) -> bool:
    """Are any results of this skill and group published (provisional or final)? From then on the
    identity of its contestants is frozen."""
    return (skill_id, group_id) in await published_groups([skill_id])


def identity_frozen(fields: list[str]) -> BilingualError:
    zh = "、".join(_FIELD_LABELS[f][0] for f in fields)
    en = ", ".join(_FIELD_LABELS[f][1] for f in fields)
    return BilingualError(
        409, "identity_frozen", field=fields[0], extra={"fields": fields},
        zh=f"本组别的成绩已公布，选手身份（{zh}）已冻结，不能直接修改；确需更正，须由审批人（人社厅）作出有记录的身份更正并说明理由",
        en=f"The results of this group are published, so the contestant's identity ({en}) is frozen and cannot be edited; "
           "a correction must be made by the approver as a recorded identity correction, with a reason",
    )  # fmt: skip


def _status_reason(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise invalid(
            "reason",
            "更改选手状态（退赛、取消资格、恢复）须填写理由",
            "a change of status (withdrawal, disqualification, reinstatement) needs a reason",
        )
    if len(text) > 500:
        raise invalid("reason", "理由不能超过 500 个字符", "the reason must be at most 500 characters")
    return text


async def _merged_record(event_id: int, contestant_id: int, current: dict[str, Any], patch: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The stored contestant with ``patch`` applied, validated as a one-row sheet: (merged input, record)."""
    merged = {
        k: current[k]
        for k in (
            "name",
            "id_type",
            "id_number",
            "nationality",
            "sex",
            "birth_date",
            "skill_id",
            "group_id",
            "employer",
            "delegation",
            "current_level",
            "level_certificate_no",
            "phone",
            "team",
            "team_captain",
            "award_eligible",
        )
    }
    merged.update({k: v for k, v in patch.items() if k in merged})
    new_doc = (merged["id_type"], merged["id_number"]) != (current["id_type"], current["id_number"])
    doc = DOC_TYPES.get(str(merged["id_type"] or DEFAULT_TYPE))
    if new_doc and doc is not None and doc.carries_birth and "sex" not in patch and "birth_date" not in patch:
        merged.update(sex=None, birth_date=None)  # they follow from the new number
    ctx = await import_context(event_id, exclude_id=contestant_id, partial_teams=True)
    report = sheet.validate_rows(_one_row_frame(merged, list(ctx.skills)), ctx)
    _refuse(report)
    return merged, report.rows[0].record


def _identity_changes(current: dict[str, Any], r: dict[str, Any]) -> list[str]:
    """Identity and place fields whose validated value ``r`` differs from the stored ``current``."""
    now = {**{k: r[k] for k in IDENTITY_FIELDS}, "skill_id": r["skill_id"], "group_id": r["group_id"]}
    now["birth_date"] = r["birth_date"].isoformat() if r["birth_date"] else None
    return [k for k in (*IDENTITY_FIELDS, *PLACE_FIELDS) if str(now[k] or "") != str(current[k] or "")]


async def update_one(event_id: int, contestant_id: int, patch: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    await events.editable_event(event_id)
    current = await get_contestant(event_id, contestant_id, masked=False)
    status = patch.pop("status", None)
    session = patch.pop("session", None)
    reason = patch.pop("reason", None)
    if status is not None and status not in STATUSES:
        raise invalid("status", "须为 registered、withdrawn 或 disqualified", "must be registered, withdrawn or disqualified")
    if status == current["status"]:
        status = None  # the form sends the status it shows; no change, nothing to give a reason for
    if status is not None:
        reason = _status_reason(reason)
    merged, r = await _merged_record(event_id, contestant_id, current, patch)
    await _refuse_team_change(event_id, contestant_id, current, r)
    async with write_transaction():
        # Read again inside the transaction: publication serialises on the same database lock.
        if await results_published(current["skill_id"], current["group_id"]):
            frozen = _identity_changes(current, r)
            if frozen:
                raise identity_frozen(frozen)
        teams = await _team_ids(event_id, [r])
        values = {
            Contestant.name: r["name"], Contestant.id_type: r["id_type"], Contestant.id_number: r["id_number"], Contestant.nationality: r["nationality"],
            Contestant.sex: r["sex"], Contestant.birth_date: r["birth_date"], Contestant.skill: r["skill_id"], Contestant.group: r["group_id"],
            Contestant.employer: r["employer"], Contestant.delegation: r["delegation"],
            Contestant.current_level: int(r["current_level"]), Contestant.level_certificate_no: r["level_certificate_no"] or "",
            Contestant.phone: r["phone"], Contestant.award_eligible: r["award_eligible"] is not False, Contestant.team: teams.get((r["skill_id"], r["group_id"], r["team"])) if r.get("team") else None,
            Contestant.team_captain: bool(r.get("team_captain")),
            Contestant.updated_at: dt.datetime.now(dt.timezone.utc),
        }  # fmt: skip
        if status is not None:
            values[Contestant.status] = status
        if session is not None:
            values[Contestant.session] = _session(session)
        await Contestant.update(values).where(Contestant.id == contestant_id)
        changed = sorted(k for k in merged if merged[k] != current[k]) + (["status"] if status else []) + (["session"] if session else [])
        details: dict[str, Any] = {"changed": changed}
        if status is not None:
            details.update(status={"from": current["status"], "to": status}, reason=reason)
        await audit.record("contestant.update", actor, event_id=event_id, target=f"contestant:{contestant_id}", details=details)
    return await get_contestant(event_id, contestant_id)


async def _record_of(contestant_id: int, skill_id: int) -> list[str]:
    """What the record holds about a contestant (marks, encrypted numbers, draws, appeals,
    proposals, certificates): any of it means the registration can no longer be deleted."""
    found: list[str] = []
    for keeper in RECORD_KEEPERS:
        found += await keeper(contestant_id, skill_id)
    order = ["checked_in", "marks", "encrypted_number", "appeals", "proposals", "certificates", "draw"]  # as the refusal lists them
    return sorted(set(found), key=lambda k: order.index(k) if k in order else len(order))


#: Once a team is drawn, numbered or marked, its make-up and captain stay: the captain's record
#: carries the team's workstation, number and marks (``scoring.teams``).
_TEAM_FROZEN_BY = {"marks", "encrypted_number", "draw", "proposals", "certificates"}


async def _refuse_team_change(event_id: int, contestant_id: int, current: dict[str, Any], r: dict[str, Any]) -> None:
    """409 ``team_frozen`` for a change of team or captain once the team (old or new) has a record."""
    same = (current.get("team") or None) == (r.get("team") or None) and bool(current.get("team_captain")) == bool(r.get("team_captain"))
    if same and current["skill_id"] == r["skill_id"]:
        return
    names = sorted({n for n in (current.get("team"), r.get("team")) if n})
    if not names:
        return
    rows = await Contestant.select(Contestant.id).where((Contestant.event == event_id) & Contestant.team.name.is_in(names))
    for cid in sorted({contestant_id, *(x["id"] for x in rows)}):
        if set(await _record_of(cid, current["skill_id"])) & _TEAM_FROZEN_BY:
            raise BilingualError(
                409, "team_frozen", field="team",
                zh="团队已抽签、加密或评分，不能再更改队员或队长", en="The team is drawn, numbered or marked: its members and captain can no longer change",
            )  # fmt: skip


_RECORD_LABELS = {
    "marks": ("评分", "marks"), "encrypted_number": ("加密号", "an encrypted number"), "draw": ("抽签结果", "a draw result"),
    "appeals": ("申诉", "appeals"), "proposals": ("拟表彰名单", "award proposals"), "certificates": ("证书", "certificates"),
}  # fmt: skip


async def delete_one(event_id: int, contestant_id: int, actor: audit.Actor) -> None:
    """Delete a mistaken registration: only while nothing of the record names the contestant.
    Anyone checked in, drawn, encrypted or marked stays, and is withdrawn (with a reason) instead."""
    await events.editable_event(event_id)
    current = await get_contestant(event_id, contestant_id)
    async with write_transaction():
        held = await _record_of(contestant_id, current["skill_id"])
        if "checked_in" in held:
            raise BilingualError(
                409,
                "checked_in",
                zh="选手已检录，不能删除，请改为“退赛”",
                en="The contestant has checked in and cannot be deleted; mark them withdrawn instead",
            )
        if held:
            raise BilingualError(
                409, "has_record", extra={"record": held},
                zh=f"该选手已有{'、'.join(_RECORD_LABELS[h][0] for h in held)}，记录不能删除；请改为“退赛”并填写理由",
                en=f"The contestant already has {', '.join(_RECORD_LABELS[h][1] for h in held)}, which are kept; withdraw them (with a reason) instead",
            )  # fmt: skip
        await Contestant.delete().where(Contestant.id == contestant_id)
        await audit.record(
            "contestant.delete", actor, event_id=event_id, target=f"contestant:{contestant_id}", details={"id": mask_id(current["id_number"])}
        )


def _identity_audit(c: dict[str, Any]) -> dict[str, Any]:
    """Identity fields for the audit log: the ID number masked (the log is read more widely)."""
    return {k: (mask_id(c[k]) if k == "id_number" else c[k]) for k in IDENTITY_FIELDS}


async def correct_identity(event_id: int, contestant_id: int, patch: dict[str, Any], reason: Any, actor: audit.Actor) -> dict[str, Any]:
    """A recorded identity correction (the approver's, after publication): name, ID number (sex and
    birth date follow from it), employer, delegation, with a mandatory reason, validated like any
    registration. The contestant row and the snapshot of every award proposal of theirs (what was
    approved and is issued) change together, audited with before and after (ID numbers masked).
    Certificates already issued keep what they print; the response lists them for revocation."""
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise invalid(
            "reason",
            "身份更正须填写理由（如：依据身份证原件更正）",
            "an identity correction needs a reason (e.g. corrected from the original ID card)",
        )
    if len(text) > 500:
        raise invalid("reason", "理由不能超过 500 个字符", "the reason must be at most 500 characters")
    fields = {k: v for k, v in patch.items() if k in ("name", "id_type", "id_number", "nationality", "sex", "birth_date", "employer", "delegation")}
    if not fields:
        raise invalid(
            "name",
            "请给出要更正的身份信息（姓名、身份证号、工作单位或代表队）",
            "give the identity fields to correct (name, ID number, employer or delegation)",
        )
    await events.editable_event(event_id)
    current = await get_contestant(event_id, contestant_id, masked=False)  # the stored record, validated again whole
    _, r = await _merged_record(event_id, contestant_id, current, fields)
    changes = [k for k in _identity_changes(current, r) if k in IDENTITY_FIELDS]
    if not changes:
        raise invalid(next(iter(fields)), "与现有登记相同，无需更正", "the same as registered: nothing to correct")
    after = {**current, **{k: r[k] for k in IDENTITY_FIELDS}, "birth_date": r["birth_date"].isoformat() if r["birth_date"] else None}
    async with write_transaction():
        t = dt.datetime.now(dt.timezone.utc)
        await Contestant.update({
            Contestant.name: r["name"], Contestant.id_type: r["id_type"], Contestant.id_number: r["id_number"], Contestant.nationality: r["nationality"],
            Contestant.sex: r["sex"], Contestant.birth_date: r["birth_date"],
            Contestant.employer: r["employer"], Contestant.delegation: r["delegation"], Contestant.updated_at: t,
        }).where(Contestant.id == contestant_id)  # fmt: skip
        copies: dict[str, list] = {}
        for holder in IDENTITY_COPIES:
            for kind, items in (await holder(contestant_id, r)).items():
                copies.setdefault(kind, []).extend(items)
        proposals, issued = copies.get("proposals", []), copies.get("certificates_issued", [])
        await audit.record(
            "contestant.identity_correction", actor, event_id=event_id, target=f"contestant:{contestant_id}",
            details={"changed": changes, "before": _identity_audit(current), "after": _identity_audit(after), "reason": text,
                     "proposals": proposals, "certificates_issued": issued},
        )  # fmt: skip
    return {**await get_contestant(event_id, contestant_id), "changed": changes, "proposals_updated": proposals, "certificates_issued": issued}


async def import_sheet(
    event_id: int, data: bytes, filename: str, mode: str, actor: audit.Actor, scope: EntryScope | None = None
) -> tuple[int, dict[str, Any]]:
    """Validate a whole sheet, then store per ``mode``; returns (HTTP status, report). With a
    ``scope`` (a delegation leader), rows outside it are errors of their row, and what is stored
    goes to review."""
    if mode not in IMPORT_MODES:
        raise invalid("mode", "须为 check、all 或 valid", "must be check, all or valid")
    await events.editable_event(event_id)
    try:
        frame = await asyncio.to_thread(sheet.read_table, data, filename)  # seconds of parsing: off the event loop
        ctx = await import_context(event_id)
        report = sheet.validate_rows(frame, ctx)
    except sheet.SheetError as exc:
        raise BilingualError(422, exc.code, field="file", zh=exc.message.zh, en=exc.message.en, extra=getattr(exc, "details", None)) from None
    await _refuse_frozen_identities(event_id, report, ctx)
    if scope is not None:
        await scope.refuse_rows(event_id, report)
    body = report.to_dict()
    body["mode"] = mode
    body["stored"] = {"created": 0, "updated": 0, "unchanged": 0}
    if mode == "check":
        return 200, body
    if mode == "all" and not report.ok:
        body["refused"] = True
        return 422, body
    async with write_transaction():
        body["stored"] = await _store(event_id, report)
        if scope is not None:
            await scope.stored(event_id, report, actor)
        await audit.record(
            "registration.import",
            actor,
            event_id=event_id,
            target=f"event:{event_id}",
            details={"file": filename[:100], "mode": mode, **body["stored"], "errors": len(report.errors)},
        )
    return 200, body


async def _refuse_frozen_identities(event_id: int, report: sheet.ImportReport, ctx: sheet.ImportContext) -> None:
    """Rows that would change the identity of someone whose results are published become errors
    of their row (a re-import is no way around the freeze; see ``update_one``)."""
    updates = [r for r in report.rows if r.status == "update"]
    if not updates:
        return
    published = await published_groups([s.id for s in ctx.skills])
    if not published:
        return
    stored = ctx._registered
    bad: list[sheet.ValidRow] = []
    for row in updates:
        reg = stored.get(person_ref(row.record["id_type"], row.record["id_number"]))
        if reg is None or (reg.skill_id, reg.group_id) not in published:
            continue
        moved = (row.record["skill_id"], row.record["group_id"]) != (reg.skill_id, reg.group_id)
        fields = [f for f in IDENTITY_FIELDS if f in row.changed] + (["skill_id"] if moved else [])
        if fields:
            err = identity_frozen(fields)
            report.errors.append(
                sheet.Issue(row.row, "skill" if fields[0] == "skill_id" else fields[0], "identity_frozen", err.texts["zh"], err.texts["en"])
            )
            bad.append(row)
    if bad:
        report.rows = [r for r in report.rows if r not in bad]
        report.invalid_rows = sorted({*report.invalid_rows, *(r.row for r in bad)})
        report.errors.sort(key=lambda e: e.row or 0)


async def export_sheet(event_id: int, lang: str, actor: audit.Actor) -> bytes:
    """The registrations as a re-importable workbook, with full ID and phone numbers (the
    organiser's own records): each download is audited, as a reveal is."""
    rows = await _select().where(Contestant.event == event_id).order_by(Contestant.skill).order_by(Contestant.id)
    records = [
        {**contestant_json(r, masked=False), "group": r["group.kind"], "skill": r["skill.name"], "team": r["team.name"],
         "birth_date": r["birth_date"], "level_certificate_no": r["level_certificate_no"] or None}
        for r in rows
    ]  # fmt: skip
    async with write_transaction():
        await audit.record("registration.export", actor, event_id=event_id, target=f"event:{event_id}", details={"rows": len(records), "lang": lang})
    return sheet.export_registrations(records, lang)


async def template(event_id: int) -> bytes:
    return sheet.build_template(await skill_options(event_id))


async def summary(event_id: int) -> dict[str, Any]:
    """Entrants per skill and group, with the preset's minimum-entrants warnings."""
    skills = await events.list_skills(event_id)
    counts = await Contestant.select(Contestant.skill, Contestant.group, Contestant.status).where((Contestant.event == event_id) & accepted_only())
    per: dict[tuple[int, int], int] = {}
    for c in counts:
        if c["status"] == "registered":
            per[(c["skill"], c["group"])] = per.get((c["skill"], c["group"]), 0) + 1
    preset = (await events.event_preset(event_id))["effective"]
    rules = elig.EligibilityRules.from_preset(preset)
    by_name = {(s["name"], g["kind"]): per.get((s["id"], g["id"]), 0) for s in skills for g in s["groups"]}
    findings = elig.check_entrant_counts(rules, by_name)
    return {
        "groups": [
            {"skill_id": s["id"], "skill": s["name"], "group_id": g["id"], "group": g["kind"], "entrants": per.get((s["id"], g["id"]), 0)}
            for s in skills for g in s["groups"]
        ],
        "warnings": [{"code": f.code, "message_zh": f.message.zh, "message_en": f.message.en} for f in findings],
        "min_entrants": rules.min_entrants,
    }  # fmt: skip


PHOTO_MAX_BYTES = 2 * 1024 * 1024
_PHOTO_KINDS = {b"\xff\xd8\xff": ("jpg", "image/jpeg"), b"\x89PNG\r\n\x1a\n": ("png", "image/png")}


def _photo_kind(data: bytes) -> tuple[str, str] | None:
    return next((kind for magic, kind in _PHOTO_KINDS.items() if data.startswith(magic)), None)


async def save_photo(event_id: int, contestant_id: int, data: bytes, data_dir, actor: audit.Actor) -> dict[str, Any]:
    """Store a contestant's photo (JPEG or PNG, at most 2 MB), for the identity check at 检录."""
    await events.editable_event(event_id)
    await get_contestant(event_id, contestant_id)
    if not data:
        raise invalid("file", "请上传照片", "upload a photo")
    if len(data) > PHOTO_MAX_BYTES:
        raise invalid("file", "照片不能超过 2 MB", "the photo must be at most 2 MB")
    kind = _photo_kind(data)
    if kind is None:
        raise invalid("file", "照片须为 JPEG 或 PNG 图片", "the photo must be a JPEG or PNG image")
    folder = data_dir / "photos" / str(event_id)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{contestant_id}.{kind[0]}"
    tmp = folder / (name + ".part")
    tmp.write_bytes(data)
    for old in folder.glob(f"{contestant_id}.*"):
        if old.name != tmp.name:
            old.unlink(missing_ok=True)
    tmp.replace(folder / name)
    async with write_transaction():
        await Contestant.update({Contestant.photo: f"photos/{event_id}/{name}", Contestant.updated_at: dt.datetime.now(dt.timezone.utc)}).where(
            Contestant.id == contestant_id
        )
        await audit.record("contestant.photo", actor, event_id=event_id, target=f"contestant:{contestant_id}", details={"bytes": len(data)})
    return await get_contestant(event_id, contestant_id)


async def photo_file(event_id: int, contestant_id: int, data_dir) -> tuple[bytes, str]:
    row = await Contestant.select(Contestant.photo).where((Contestant.id == contestant_id) & (Contestant.event == event_id)).first()
    if row is None or not row["photo"]:
        raise not_found("photo")
    path = (data_dir / row["photo"]).resolve()
    if data_dir.resolve() not in path.parents or not path.exists():
        raise not_found("photo")
    content = path.read_bytes()
    kind = _photo_kind(content)
    return content, kind[1] if kind else "application/octet-stream"


async def is_contestant_of(contestant_id: int, event_id: int) -> bool:
    """For accounts: is this contestant registered for this event?"""
    return await Contestant.exists().where((Contestant.id == contestant_id) & (Contestant.event == event_id))


async def dependants(target: events.Target) -> list[tuple[str, str]]:
    """For events: the registrations (withdrawn ones too: they are records) and teams of a skill,
    a group or a session."""
    where = Contestant.skill == target.skill_id
    team_where = Team.skill == target.skill_id
    if target.group_id is not None:
        where = where & (Contestant.group == target.group_id)
        team_where = team_where & (Team.group == target.group_id)
    if target.session is not None:
        where = where & (Contestant.session == target.session)
    found = []
    n = await Contestant.count().where(where)
    if n:
        found.append((f"{n} 名报名选手", f"{n} registration(s)"))
    if target.session is None:
        teams = await Team.count().where(team_where)
        if teams:
            found.append((f"{teams} 支参赛队", f"{teams} team(s)"))
    return found
