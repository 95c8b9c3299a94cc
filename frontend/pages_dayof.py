"""Pages of the competition day: check-in (for a phone), the draw, the encryption officer's page,
and the judges' anonymous list (with the chief judge's submit and re-check)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from competition.dayof import anonymisation, checkin, draw
from competition.events import service as events
from frontend.pages import render
from kernel import access
from kernel.guards import allowed, principal
from kernel.i18n import register

register(
    {
        "dayof.section": ("比赛日", "Competition day"),
        "dayof.checkin": ("检录", "Check-in"),
        "dayof.draw": ("抽签", "Draw"),
        "dayof.encryption": ("加密与解密", "Anonymisation"),
        "dayof.judging": ("评分名单（加密号）", "Judging list (encrypted numbers)"),
        "dayof.skill": ("竞赛项目", "Skill"),
        "dayof.session": ("场次", "Session"),
        "dayof.session_n": ("第 {n} 场", "Session {n}"),
        "dayof.no_skills": ("本赛事还没有竞赛项目。", "This event has no skills yet."),
        "dayof.no_contestants": ("本场次没有选手。", "No contestants in this session."),
        "dayof.search": ("姓名、身份证后四位、工位号或扫描证件", "Name, last 4 of ID, workstation, or scan"),
        "dayof.name": ("姓名", "Name"),
        "dayof.id": ("身份证号", "ID number"),
        "dayof.delegation": ("代表队", "Delegation"),
        "dayof.employer": ("工作单位/学校", "Employer/school"),
        "dayof.group": ("组别", "Group"),
        "dayof.workstation": ("工位号", "Workstation"),
        "dayof.workstation_short": ("工位", "WS"),
        "dayof.status": ("状态", "Status"),
        "dayof.present": ("到场", "Present"),
        "dayof.late": ("迟到", "Late"),
        "dayof.absent": ("缺考", "Absent"),
        "dayof.pending": ("未检录", "Not yet"),
        "dayof.total": ("合计", "Total"),
        "dayof.id_prompt": ("核对身份证号（输入或扫描证件上的号码）", "Check the ID number (type or scan the one on the card)"),
        "dayof.reason": ("更正原因", "Reason for the correction"),
        "dayof.reason_help": ("已有检录记录，更改状态须说明原因。", "Already checked in: a change needs a reason."),
        "dayof.note": ("备注", "Note"),
        "dayof.cancel": ("取消", "Cancel"),
        "dayof.saved": ("已记录", "Recorded"),
        "dayof.summary": ("检录汇总", "Check-in summary"),
        "dayof.by": ("操作人", "By"),
        "dayof.at": ("时间", "Time"),
        "dayof.verified": ("已核验身份证", "ID verified"),
        "dayof.draw_run": ("抽签", "Draw now"),
        "dayof.redraw": ("重新抽签", "Redraw"),
        "dayof.redraw_reason": ("重新抽签原因（必填，原结果保留备查）", "Reason for the redraw (required; the earlier result is kept)"),
        "dayof.draw_help": (
            "已有检录记录时只对到场和迟到的选手抽签，否则对本场次全部报名选手抽签。随机种子由系统安全随机数生成并记录，任何人可凭种子复核结果。",
            "Once check-in has started only those present or late are drawn; before it, everyone registered for the session. "
            "The seed comes from the system's secure random source and is recorded, so anyone can recompute the result.",
        ),
        "dayof.draw_current": ("当前抽签结果", "Current result"),
        "dayof.draw_none": ("本场次还没有抽签。", "No draw for this session yet."),
        "dayof.draw_history": ("抽签记录", "Draw history"),
        "dayof.print": ("打印", "Print"),
        "dayof.replay": ("复核", "Replay"),
        "dayof.replay_ok": (
            "复核一致：按记录的种子重算结果相同，且与审计日志一致",
            "Replay matches: the stored seed gives the same result, and the audit log agrees",
        ),
        "dayof.replay_bad": ("复核不一致！请联系监督人员", "Replay does NOT match! Call the supervisor"),
        "dayof.seed": ("随机种子", "Seed"),
        "dayof.algorithm": ("算法", "Algorithm"),
        "dayof.pool": ("抽签范围", "Drawn among"),
        "dayof.pool_checked_in": ("已检录到场选手", "contestants checked in"),
        "dayof.pool_registered": ("全部报名选手", "everyone registered"),
        "dayof.superseded": ("已作废", "Superseded"),
        "dayof.current": ("有效", "Current"),
        "dayof.round1": ("一次加密号", "Round 1 number"),
        "dayof.round2": ("二次加密号", "Round 2 number"),
        "dayof.encrypted_no": ("加密号", "Encrypted number"),
        "dayof.gen_round1": ("生成一次加密号", "Generate round 1"),
        "dayof.gen_round2": ("生成二次加密号", "Generate round 2"),
        "dayof.gen_help": ("再次生成只为新报名的选手补号，已有号码不变。", "Generating again only numbers newcomers; existing numbers never change."),
        "dayof.rounds": ("已生成：一次加密 {r1} / {n}，二次加密 {r2} / {n}", "Generated: round 1 {r1} / {n}, round 2 {r2} / {n}"),
        "dayof.mapping": ("加密对照表（仅加密员可见，解密前请勿外传）", "Mapping (encryption officer only; keep it private until decryption)"),
        "dayof.submission": ("成绩提交", "Score submission"),
        "dayof.not_submitted": ("裁判长尚未提交成绩", "The chief judge has not submitted the scores"),
        "dayof.submitted": ("{by} 于 {at} 提交", "Submitted by {by} at {at}"),
        "dayof.rechecked": ("{by} 于 {at} 复核", "Re-checked by {by} at {at}"),
        "dayof.not_rechecked": ("尚未复核", "Not re-checked yet"),
        "dayof.submit": ("提交成绩", "Submit the scores"),
        "dayof.recheck": ("确认复核", "Confirm the re-check"),
        "dayof.decrypt": ("解密", "Decrypt"),
        "dayof.decrypt_note": ("解密说明（如监督人员）", "Note (e.g. the supervisor present)"),
        "dayof.decrypt_wait": (
            "须待裁判长提交并复核成绩后才能解密。",
            "Decryption waits until the chief judge has submitted and re-checked the scores.",
        ),
        "dayof.decrypted": ("已于 {at} 由 {by} 解密", "Decrypted at {at} by {by}"),
        "dayof.judging_help": (
            "评分只使用加密号，解密前不显示选手姓名、单位或代表队。",
            "Scoring uses encrypted numbers only; names, employers and delegations stay hidden until decryption.",
        ),
        "dayof.judging_none": ("还没有加密号。", "No encrypted numbers yet."),
        "dayof.overview": ("各项目概况", "All skills"),
        "dayof.officer_only": (
            "加密号由加密员生成，对照表在解密前只有加密员可见。",
            "Encrypted numbers are generated by the encryption officer, and only they see the mapping before decryption.",
        ),
        "dayof.mapping_hidden": ("解密后可查看对照表。", "The mapping is shown once the skill is decrypted."),
    }
)


async def _skills(event_id: int) -> list[dict[str, Any]]:
    return await events.list_skills(event_id)


def _pick(skills: list[dict[str, Any]], skill_id: int | None) -> dict[str, Any] | None:
    for s in skills:
        if s["id"] == skill_id:
            return s
    return skills[0] if skills else None


@get("/events/{event_id:int}/checkin", include_in_schema=False, guards=[allowed("run_checkin")])
async def checkin_page(request: Request, event_id: int, skill_id: int | None = None, session: str | None = None) -> Template:
    event = events.event_json(await events.get_event(event_id))
    skills = await _skills(event_id)
    skill = _pick(skills, skill_id)
    listing = await checkin.checkin_list(event_id, skill["id"], session) if skill else None
    return await render(
        request, "dayof_checkin.html", event=event, skills=skills, skill=skill, listing=listing, summary=await checkin.event_summary(event_id)
    )


@get("/events/{event_id:int}/draw", include_in_schema=False, guards=[allowed("run_draw")])
async def draw_page(request: Request, event_id: int, skill_id: int | None = None, session: str | None = None) -> Template:
    event = events.event_json(await events.get_event(event_id))
    skills = await _skills(event_id)
    skill = _pick(skills, skill_id)
    history, current, sessions = [], None, []
    if skill:
        everything = await draw.list_draws(event_id, skill["id"])
        sessions = everything["sessions"] or ["1"]
        session = session if session in sessions else sessions[0]
        history = [d for d in everything["draws"] if d["session"] == session]
        current = next((d for d in history if not d["superseded"]), None)
    return await render(
        request, "dayof_draw.html", event=event, skills=skills, skill=skill, session=session, sessions=sessions, history=history, current=current
    )


@get("/events/{event_id:int}/encryption", include_in_schema=False, guards=[allowed("read_anonymisation_status")])
async def encryption_page(request: Request, event_id: int, skill_id: int | None = None) -> Template:
    """The encryption officer's page; the organiser (and a chief judge, for their skills) sees the
    progress here, and the mapping only once the skill is decrypted (as the API decides)."""
    p = await principal(request)
    assert p is not None
    event = events.event_json(await events.get_event(event_id))
    visible = access.skills_where(p, "read_anonymisation_status", event_id)
    skills = [s for s in await _skills(event_id) if visible is None or s["id"] in visible]
    skill = _pick(skills, skill_id)
    holder = access.allows(p, "hold_encryption_mapping", event_id)
    mapping = None
    if skill:
        state = await anonymisation.status(event_id, skill["id"])
        mapping = await anonymisation.mapping(event_id, skill["id"]) if holder or state["decryption"] else {**state, "items": []}
    overview = [o for o in await anonymisation.event_overview(event_id) if visible is None or o["skill_id"] in visible]
    return await render(request, "dayof_encryption.html", event=event, skills=skills, skill=skill, mapping=mapping, overview=overview, holder=holder)


@get("/events/{event_id:int}/skills/{skill_id:int}/judging", include_in_schema=False, guards=[allowed("resolve_judge_number")])
async def judging_page(request: Request, event_id: int, skill_id: int) -> Template:
    p = await principal(request)
    assert p is not None
    event = events.event_json(await events.get_event(event_id))
    skill = await events.list_skills_by_id(event_id, skill_id)
    return await render(
        request,
        "dayof_judging.html",
        event=event,
        skill=skill,
        listing=await anonymisation.judging_list(event_id, skill_id),
        state=await anonymisation.status(event_id, skill_id),
        report=await anonymisation.completeness(event_id, skill_id) if access.allows(p, "sign_off", event_id, skill_id) else None,
    )


def page_handlers() -> list:
    return [checkin_page, draw_page, encryption_page, judging_page]
