"""Pages of live scoring: the public live boards (one skill, or every skill of an event; a big-screen
layout and a phone layout) and the chief judge's console.

The pages are shells: the server renders the first snapshot into them (so a board shows the ranking
before its websocket connects), and ``static/board.js`` / ``static/console.js`` keep them live over
``/ws/board/…`` and ``/ws/staff/…``. What a board shows is what the server's snapshot holds: one
anonymous number per contestant before decryption (never the encrypted number beside the
workstation; ``scoring.board`` gives the rule), names and delegations after it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.response import Template

from competition.dayof import anonymisation
from competition.events import service as events
from frontend.pages import render
from kernel import access
from kernel.errors import not_found, request_lang
from kernel.guards import allowed, principal
from kernel.i18n import register, t
from kernel.roles import CHIEF_JUDGE, ORGANISER
from kernel.tables import Skill

register(
    {
        # boards
        "live.board": ("实时成绩", "Live results"),
        "live.board_event": ("实时成绩 · 全部项目", "Live results · all skills"),
        "live.rank": ("名次", "Rank"),
        "live.number": ("加密号", "No."),
        "live.workstation": ("工位", "WS"),
        "live.name": ("姓名", "Name"),
        "live.delegation": ("代表队", "Delegation"),
        "live.score": ("成绩", "Score"),
        "live.progress": ("评分进度", "Marked"),
        "live.complete": ("已评完", "Complete"),
        "live.absent": ("缺考", "Absent"),
        "live.disqualified": ("取消资格", "Disqualified"),
        "live.frozen": ("成绩已冻结：大屏暂停更新，以最终公布为准", "Results frozen: the board is paused; the published results are final"),
        "live.no_scheme": ("本项目尚未设置评分标准", "This skill has no marking scheme yet"),
        "live.no_rows": ("暂无选手", "No contestants yet"),
        "live.no_skills": ("本赛事还没有竞赛项目。", "This event has no skills yet."),
        "live.noscript": ("实时成绩需要启用 JavaScript。", "Live results need JavaScript."),
        "live.state_live": ("实时", "Live"),
        "live.state_connecting": ("连接中…", "Connecting…"),
        "live.state_reconnecting": ("重新连接中…", "Reconnecting…"),
        "live.state_polling": ("定时刷新", "Polling"),
        "live.state_offline": ("网络已断开", "Offline"),
        "live.china_time": ("北京时间", "China time"),
        "live.layout_screen": ("大屏", "Big screen"),
        "live.layout_phone": ("手机", "Phone"),
        "live.open_board": ("实时成绩大屏", "Live board"),
        "live.group_other": ("组别", "Group"),
        # console
        "live.console": ("裁判长控制台", "Chief judge's console"),
        "live.console_link": ("裁判长控制台", "Console"),
        "live.ranking": ("实时排名（不冻结）", "Live ranking (never frozen)"),
        "live.flags": ("须复评", "Needs re-marking"),
        "live.flags_none": ("目前没有须复评的评分项。", "No aspect needs re-marking."),
        "live.flag_scores": ("裁判给分", "Judges' scores"),
        "live.history": ("评分记录", "Marks history"),
        "live.history_help": (
            "输入选手的加密号，查看每条评分由谁在何时录入，以及修改的理由和权限。",
            "Type a contestant's number to see who entered what and when, and every correction with its reason and authority.",
        ),
        "live.history_show": ("查看", "Show"),
        "live.history_none": ("该选手还没有评分记录。", "No marks for this contestant yet."),
        "live.contestant": ("选手（加密号）", "Contestant (number)"),
        "live.aspect": ("评分项", "Aspect"),
        "live.judge": ("裁判", "Judge"),
        "live.value": ("分数", "Score"),
        "live.kind": ("类型", "Kind"),
        "live.kind_mark": ("评分", "Mark"),
        "live.kind_remark": ("复评", "Re-mark"),
        "live.kind_correction": ("更正", "Correction"),
        "live.reason": ("理由", "Reason"),
        "live.authority": ("权限", "Authority"),
        "live.entered_by": ("录入人", "Entered by"),
        "live.at": ("时间（北京时间）", "Time (China)"),
        "live.seq": ("序号", "Seq."),
        "live.progress_by_aspect": ("各评分项进度", "Progress by aspect"),
        "live.progress_help": (
            "已评分数 / 应评分数（应到选手数 × 每项裁判人数）",
            "Scores entered / scores expected (competing contestants × judges per aspect)",
        ),
        "live.kind_J": ("评价", "Judgement"),
        "live.kind_M": ("测量", "Measurement"),
        "live.kind_S": ("主观", "Subjective"),
        "live.judges": ("裁判评分分析", "Judge analysis"),
        "live.judges_help": (
            "偏差：该裁判给分与同组其他裁判平均分之差（占满分的百分比），正值偏松、负值偏严。",
            "Deviation: a judge's score less the mean of the rest of the panel, in percent of the scale; positive is lenient, negative strict.",
        ),
        "live.judges_none": ("还没有可分析的评分。", "No marks to analyse yet."),
        "live.panels": ("评分次数", "Panels"),
        "live.mean_deviation": ("平均偏差 %", "Mean deviation %"),
        "live.mean_abs_deviation": ("平均绝对偏差 %", "Mean abs. deviation %"),
        "live.remarks": ("复评次数", "Re-marks"),
        "live.open_remarks": ("待复评", "Open re-marks"),
        "live.chart_deviation": ("平均偏差（%）", "Mean deviation (%)"),
        "live.chart_remarks": ("复评次数", "Re-marks"),
        "live.locks": ("模块锁定", "Criterion locks"),
        "live.locks_help": (
            "复核后锁定模块；锁定后裁判不能再修改，更正须由裁判长填写理由。",
            "Lock a criterion after review; judges can then no longer change it, and corrections need the chief judge and a reason.",
        ),
        "live.locked": ("已锁定", "Locked"),
        "live.unlocked": ("未锁定", "Open"),
        "live.lock": ("锁定", "Lock"),
        "live.unlock": ("解锁", "Unlock"),
        "live.unlock_reason": ("解锁理由（必填，记入审计日志）", "Reason for unlocking (required; goes to the audit log)"),
        "live.cancel": ("取消", "Cancel"),
        "live.signoff": ("签字确认", "Sign-off"),
        "live.submit": ("提交成绩", "Submit the scores"),
        "live.recheck": ("确认复核", "Confirm the re-check"),
        "live.submitted": ("已由 {by} 于 {at} 提交", "Submitted by {by} at {at}"),
        "live.rechecked": ("已由 {by} 于 {at} 复核", "Re-checked by {by} at {at}"),
        "live.not_submitted": ("尚未提交。", "Not submitted yet."),
        "live.decrypted_at": ("已于 {at} 解密", "Decrypted at {at}"),
        "live.board_state": ("公开大屏", "Public board"),
        "live.freeze": ("冻结大屏", "Freeze the board"),
        "live.unfreeze": ("解除冻结", "Unfreeze the board"),
        "live.is_frozen": ("公开大屏已冻结（本页仍实时更新）", "The public board is frozen (this page stays live)"),
        "live.not_frozen": ("公开大屏实时更新中", "The public board is live"),
        "live.corrections": ("更正评分", "Correct a mark"),
        "live.corrections_help": (
            "模块锁定后由裁判长更正，成绩签字确认后由组织方更正；须填写理由，原评分保留。",
            "After a lock the chief judge corrects, after sign-off the organiser; a reason is required and the earlier mark is kept.",
        ),
        "live.seat": ("代哪位裁判更正", "For which judge"),
        "live.save_correction": ("保存更正", "Save the correction"),
        "live.corrected": ("已更正", "Corrected"),
        "live.open_history": ("记录", "History"),
        "live.not_scheme": ("本项目还没有评分标准。", "This skill has no marking scheme yet."),
        "live.role_chief": ("裁判长", "Chief judge"),
        "live.role_organiser": ("组织方", "Organiser"),
        "live.role_judge": ("裁判", "Judge"),
    }
)

LAYOUTS = ("screen", "phone")
#: Strings the board script needs, in the page's language.
BOARD_STRINGS = (
    "live.rank",
    "live.number",
    "live.workstation",
    "live.name",
    "live.delegation",
    "live.score",
    "live.progress",
    "live.complete",
    "live.absent",
    "live.disqualified",
    "live.no_scheme",
    "live.no_rows",
    "live.state_live",
    "live.state_connecting",
    "live.state_reconnecting",
    "live.state_polling",
    "live.state_offline",
    "live.group_other",
)
CONSOLE_STRINGS = BOARD_STRINGS + (
    "live.flags_none",
    "live.flag_scores",
    "live.history_none",
    "live.kind_mark",
    "live.kind_remark",
    "live.kind_correction",
    "live.role_chief",
    "live.role_organiser",
    "live.role_judge",
    "live.judges_none",
    "live.panels",
    "live.mean_deviation",
    "live.chart_deviation",
    "live.chart_remarks",
    "live.locked",
    "live.unlocked",
    "live.lock",
    "live.unlock",
    "live.is_frozen",
    "live.not_frozen",
    "live.corrected",
    "live.open_history",
    "live.remarks",
    "live.open_remarks",
    "live.kind_J",
    "live.kind_M",
    "live.kind_S",
)
GROUP_KINDS = ("employee", "student", "teacher")


def _strings(keys: tuple[str, ...], lang: str) -> dict[str, str]:
    out = {k.removeprefix("live."): t(k, lang) for k in keys}
    out.update({f"group_{k}": t(f"group.{k}", lang) for k in GROUP_KINDS})
    return out


def _layout(value: str | None) -> str:
    return value if value in LAYOUTS else ""


def _live(request: Request):
    return request.app.state.live


def _query_without(request: Request, key: str) -> str:
    """The request's query string without one parameter (for the layout and language links)."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k != key]
    return urlencode(items)


async def _board(request: Request, *, template_context: dict[str, Any]) -> Template:
    return await render(
        request, "live_board.html", **template_context, plain_query=_query_without(request, "layout"), lang_query=_query_without(request, "lang")
    )


@get("/board/{skill_id:int}", include_in_schema=False)
async def skill_board(request: Request, skill_id: int, layout: str | None = None) -> Template:
    """A skill's public live board (no login)."""
    row = await Skill.select(Skill.id, Skill.event, Skill.name).where(Skill.id == skill_id).first()
    if row is None:
        raise not_found("skill")
    event = events.event_json(await events.get_event(row["event"]))
    snap = await _live(request).boards.snapshot(skill_id, public=True)
    lang = request_lang(request)
    config = {
        "mode": "skill", "event_id": event["id"], "skills": [{"id": row["id"], "name": row["name"]}],
        "ws": f"/ws/board/{skill_id}", "feed": f"/api/public/skills/{skill_id}/board", "layout": _layout(layout),
        "snapshots": [snap] if snap else [], "strings": _strings(BOARD_STRINGS, lang), "lang": lang,
    }  # fmt: skip
    return await _board(request, template_context={"event": event, "title": row["name"], "config": config, "layout": _layout(layout)})


@get("/board/event/{event_id:int}", include_in_schema=False)
async def event_board(request: Request, event_id: int, layout: str | None = None) -> Template:
    """Every skill of an event on one public board (no login)."""
    event = events.event_json(await events.get_event(event_id))
    skills = await events.list_skills(event_id)
    live = _live(request)
    snaps = [s for s in [await live.boards.snapshot(sk["id"], public=True) for sk in skills] if s]
    lang = request_lang(request)
    config = {
        "mode": "event", "event_id": event_id, "skills": [{"id": s["id"], "name": s["name"]} for s in skills],
        "ws": f"/ws/board/event/{event_id}", "feed": f"/api/public/events/{event_id}/board", "layout": _layout(layout),
        "snapshots": snaps, "strings": _strings(BOARD_STRINGS, lang), "lang": lang,
    }  # fmt: skip
    return await _board(request, template_context={"event": event, "title": t("live.board_event", lang), "config": config, "layout": _layout(layout)})


@get("/events/{event_id:int}/skills/{skill_id:int}/console", include_in_schema=False, guards=[allowed("view_console")])
async def console_page(request: Request, event_id: int, skill_id: int) -> Template:
    """The chief judge's console (chief judge of the skill, organisers)."""
    p = await principal(request)
    assert p is not None
    event = events.event_json(await events.get_event(event_id))
    skill = await events.list_skills_by_id(event_id, skill_id)
    lang = request_lang(request)
    ctx = await _live(request).contexts.get(skill_id, fresh=True)
    criteria: list[dict[str, Any]] = []
    if ctx is not None and ctx.scheme is not None and ctx.scorer is not None:
        for crit in ctx.scheme.criteria:
            aspects = []
            for sub in crit.sub_criteria:
                for a in sub.aspects:
                    aspects.append({
                        "id": a.id, "description": a.description, "kind": a.kind, "max_mark": str(a.max_mark),
                        "scale_max": str(a.scale_max), "judges": ctx.scorer.rule_for(a).expected_judges(),
                    })  # fmt: skip
            criteria.append({"id": crit.id, "name": crit.name, "part": crit.part, "aspects": aspects})
    seats = sorted(
        ({"user_id": s.user_id, "name": s.name, "role": s.role} for s in (ctx.seats.values() if ctx else [])),
        key=lambda s: (s["role"] != CHIEF_JUDGE, s["name"]),
    )
    is_chief = access.allows(p, "lock_criterion", event_id, skill_id)
    is_organiser = access.allows(p, "freeze_board", event_id)
    # The authorities this user may correct marks under, in the order the form offers them.
    authorities = [
        a for a, cap in ((CHIEF_JUDGE, "correct_mark"), (ORGANISER, "correct_mark_after_signoff")) if access.allows(p, cap, event_id, skill_id)
    ]
    state = await anonymisation.status(event_id, skill_id)
    config = {
        "event_id": event_id, "skill_id": skill_id, "ws": f"/ws/staff/{skill_id}",
        "console": f"/api/events/{event_id}/skills/{skill_id}/console", "marks": f"/api/events/{event_id}/skills/{skill_id}/marks",
        "locks": f"/api/events/{event_id}/skills/{skill_id}/locks", "board": f"/api/events/{event_id}/skills/{skill_id}/board",
        "criteria": criteria, "seats": seats, "is_chief": is_chief, "is_organiser": is_organiser,
        "strings": _strings(CONSOLE_STRINGS, lang), "lang": lang,
    }  # fmt: skip
    return await render(
        request,
        "live_console.html",
        event=event,
        skill=skill,
        config=config,
        criteria=criteria,
        seats=seats,
        authorities=authorities,
        is_chief=is_chief,
        is_organiser=is_organiser,
        state=state,
        report=await anonymisation.completeness(event_id, skill_id) if access.allows(p, "sign_off", event_id, skill_id) else None,
    )


def page_handlers() -> list:
    return [skill_board, event_board, console_page]
