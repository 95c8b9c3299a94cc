"""Pages of results: the organiser's results control (steps and buttons per skill and group), the
public provisional and final results, the arbitrator's appeals page and the approver's review of
the proposed awards, honours and promotions. Forms post to the API (``marking.release.controller``)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from certificates import proposals
from competition.events import service as events
from frontend.pages import render
from kernel import access
from kernel.guards import allowed, principal
from kernel.i18n import register
from marking.release import appeals, public, service
from province import standings

register(
    {
        "results.link": ("成绩发布", "Results"),
        "results.title": ("成绩发布", "Results"),
        "results.public_title": ("比赛成绩", "Results"),
        "results.public_link": ("公开成绩页", "Public results page"),
        "results.export": ("下载成绩册（.xlsx）", "Download the results book (.xlsx)"),
        "results.export_skill": ("本项目成绩册", "This skill's results book"),
        "results.steps": ("流程", "Steps"),
        "results.skill_group": ("项目 · 组别", "Skill · group"),
        "results.contestants": ("{n} 名选手", "{n} contestant(s)"),
        "results.next": ("下一步", "Next step"),
        "results.open": ("查看", "Open"),
        "results.done": ("已完成", "Done"),
        "results.waiting": ("未完成", "Not yet"),
        "results.publish": ("公布暂定成绩", "Publish provisional results"),
        "results.finalise": ("确定最终成绩", "Make the results final"),
        "results.publish_help": (
            "公布后进入公示期（{notice} 小时），申诉期 {appeal} 小时，均自公布时起算（见赛事规则预设 results）。",
            "Publishing starts the public notice ({notice} h) and the appeal window ({appeal} h), both from publication (the event preset's results section).",
        ),
        "results.notice_until": ("公示期至 {at}（北京时间）", "Public notice until {at} (China time)"),
        "results.appeal_until": ("申诉期至 {at}（北京时间）", "Appeals until {at} (China time)"),
        "results.stage_none": ("未公布", "Not published"),
        "results.stage_provisional": ("暂定成绩（公示中）", "Provisional (public notice)"),
        "results.stage_final": ("最终成绩", "Final"),
        "results.changed": ("申诉后变动", "Changed after appeal"),
        "results.changed_note": (
            "申诉处理后，最终成绩与暂定成绩不同；变动处已标出。",
            "After the appeals the final results differ from the provisional ones; changes are marked.",
        ),
        "results.was": ("原：第 {rank} 名 {score} {award}", "was: rank {rank} {score} {award}"),
        "results.preview": ("当前排名（按现有评分）", "Ranking as the marks stand"),
        "results.provisional": ("暂定成绩", "Provisional results"),
        "results.final": ("最终成绩", "Final results"),
        "results.rank": ("名次", "Rank"),
        "results.encrypted_no": ("加密号", "No."),
        "results.name": ("姓名", "Name"),
        "results.delegation": ("代表队", "Delegation"),
        "results.employer": ("工作单位/学校", "Employer/school"),
        "results.score": ("成绩", "Score"),
        "results.total": ("总分", "Total"),
        "results.award": ("奖项", "Award"),
        "results.absent": ("缺考", "Absent"),
        "results.disqualified": ("取消资格", "Disqualified"),
        "results.incomplete": ("评分未完成", "Not fully marked"),
        "results.no_skills": ("本赛事还没有竞赛项目。", "This event has no skills yet."),
        "results.none_published": ("尚未公布成绩。", "No results published yet."),
        "results.published_at": ("公布于 {at}", "Published {at}"),
        "results.final_at": ("确定于 {at}", "Final since {at}"),
        "results.china_time": ("时间均为北京时间", "Times are China time"),
        "results.pending_appeals": ("待裁定申诉 {n} 件", "{n} appeal(s) pending"),
        "results.pending_corrections": ("待更正 {n} 件", "{n} with corrections pending"),
        # appeals
        "appeals.link": ("申诉", "Appeals"),
        "appeals.title": ("申诉与仲裁", "Appeals and arbitration"),
        "appeals.file": ("提交申诉", "File an appeal"),
        "appeals.file_for": ("代为登记申诉", "Record an appeal on someone's behalf"),
        "appeals.filed_by_name": ("申诉人（选手或领队）", "Filed by (contestant or team leader)"),
        "appeals.contestant": ("涉及选手", "Contestant concerned"),
        "appeals.none_selected": ("（不涉及具体选手）", "(no particular contestant)"),
        "appeals.text": ("申诉内容（书面）", "Appeal (in writing)"),
        "appeals.window": ("申诉期至 {at}", "Open until {at}"),
        "appeals.none_open": ("目前没有处于申诉期的项目。", "No results are open to appeal now."),
        "appeals.list": ("申诉记录", "Appeals"),
        "appeals.none": ("还没有申诉。", "No appeals yet."),
        "appeals.status.pending": ("待裁定", "Pending"),
        "appeals.status.upheld": ("支持", "Upheld"),
        "appeals.status.dismissed": ("驳回", "Dismissed"),
        "appeals.filed": ("{name} 于 {at} 提交", "Filed by {name} at {at}"),
        "appeals.decided": ("{by} 于 {at} 裁定：{decision}", "Decided by {by} at {at}: {decision}"),
        "appeals.decide": ("裁定", "Decide"),
        "appeals.uphold": ("支持", "Uphold"),
        "appeals.dismiss": ("驳回", "Dismiss"),
        "appeals.reason": ("裁定理由", "Reason"),
        "appeals.corrections": ("更正评分（每行：加密号 评分项 裁判编号 分数）", "Corrected marks (one per line: number aspect judge-id value)"),
        "appeals.corrections_applied": ("已更正", "Applied"),
        "appeals.corrections_pending": ("待组织方更正评分", "Corrections waiting for an organiser"),
        "appeals.apply": ("执行更正", "Apply the corrections"),
        "appeals.judges": ("本项目裁判编号", "Judges of this skill"),
        # proposals
        "proposals.link": ("表彰审批", "Approval"),
        "proposals.title": ("拟表彰名单审批", "Approval of awards, honours and promotions"),
        "proposals.none": ("还没有拟表彰条目（成绩确定后由规则生成）。", "No proposals yet (the rules propose them when results become final)."),
        "proposals.strike": ("删除", "Strike"),
        "proposals.strike_reason": ("删除理由", "Reason"),
        "proposals.approve": ("审批通过", "Approve"),
        "proposals.approve_scope": ("审批范围", "Scope"),
        "proposals.scope_event": ("整个赛事", "The whole event"),
        "proposals.approve_help": (
            "审批为最终决定：未删除的条目全部通过，已删除的条目保留删除理由；审批后不能再删除条目。",
            "Approval is final: every entry not struck is approved, struck entries keep their reason, and nothing can be struck afterwards.",
        ),
        "proposals.download": ("下载名单（.xlsx）", "Download the list (.xlsx)"),
        "proposals.state": ("状态", "State"),
        "proposals.item": ("内容", "Item"),
        "proposals.kind": ("类别", "Kind"),
        "proposals.outcome": ("结果", "Outcome"),
        "proposals.levels": ("等级", "Level"),
        "proposals.approved_by": ("{by} 于 {at} 审批", "Approved by {by} at {at}"),
    }
)


def _window(preset: dict[str, Any], key: str, default: float) -> str:
    hours = service.window_hours(preset, key, default)
    return f"{hours:g}"


@get("/events/{event_id:int}/results", include_in_schema=False, guards=[allowed("read_event")])
async def results_hub(request: Request, event_id: int) -> Template:
    p = await principal(request)
    assert p is not None
    event = events.event_json(await events.get_event(event_id))
    is_org = access.allows(p, "publish_results", event_id)
    rows = await service.event_workflow(event_id) if access.allows(p, "read_results_workflow", event_id) else []
    preset = (await events.event_preset(event_id))["effective"]
    return await render(
        request, "results_hub.html", event=event, rows=rows, is_organiser=is_org,
        can_appeals=access.allows(p, "read_appeals", event_id), can_proposals=access.allows(p, "read_proposals", event_id),
        notice_hours=_window(preset, "notice_hours", 72), appeal_hours=_window(preset, "appeal_window_hours", 2),
    )  # fmt: skip


@get("/events/{event_id:int}/results/skills/{skill_id:int}/groups/{group_id:int}", include_in_schema=False, guards=[allowed("preview_results")])
async def results_group(request: Request, event_id: int, skill_id: int, group_id: int) -> Template:
    p = await principal(request)
    assert p is not None
    event = events.event_json(await events.get_event(event_id))
    flow = await service.workflow(event_id, skill_id, group_id)
    rel = service.release_json(await service.release_row(skill_id, group_id))
    ranking = None
    title_key = "results.preview"
    if rel and rel["stage"] == service.FINAL:
        ranking, title_key = service.published_view(await service.release_row(skill_id, group_id))["ranking"], "results.final"
    elif rel:
        ranking, title_key = rel["provisional"], "results.provisional"
    else:
        try:
            ranking = await service.preview(event_id, skill_id, group_id)
        except Exception:  # no scheme yet: the steps say so
            ranking = None
    preset = (await events.event_preset(event_id))["effective"]
    return await render(
        request, "results_group.html", event=event, flow=flow, ranking=ranking, title_key=title_key, is_organiser=access.allows(p, "publish_results", event_id),
        notice_hours=_window(preset, "notice_hours", 72), appeal_hours=_window(preset, "appeal_window_hours", 2),
    )  # fmt: skip


@get("/events/{event_id:int}/appeals", include_in_schema=False, guards=[allowed("read_appeals")])
async def appeals_page(request: Request, event_id: int) -> Template:
    from competition.judges import face as judge_panels

    p = await principal(request)
    assert p is not None
    event = events.event_json(await events.get_event(event_id))
    # An organiser files on someone's behalf; the arbitration group decides; others see their own.
    is_org, is_arb = access.allows(p, "publish_results", event_id), access.allows(p, "decide_appeal", event_id)
    items = await appeals.list_appeals(event_id, **await appeals.visible_to(p, event_id))
    open_releases = []
    if access.allows(p, "file_appeal", event_id):
        for s in await events.list_skills(event_id):
            view = await service.public_skill(event_id, s["id"])
            for g in view["groups"]:
                if g.get("published") and g["stage"] == service.PROVISIONAL:
                    ends = service.aware(_parse(g.get("appeal_ends_at")))
                    if ends is not None and service.now() < ends:
                        open_releases.append({"skill": s, "group": g, "rows": g["ranking"].get("rows", [])})
    judges: dict[int, list[dict[str, Any]]] = {}
    if is_arb:
        for a in await judge_panels.assignments_of_event(event_id):
            if a["user_id"] is not None:
                judges.setdefault(a["skill_id"], []).append({"id": a["user_id"], "name": a["name"], "role": a["role"]})
    return await render(
        request, "results_appeals.html", event=event, items=items, open_releases=open_releases, is_organiser=is_org, is_arbitrator=is_arb,
        judges=judges,
    )  # fmt: skip


def _parse(value: str | None):
    import datetime as dt

    return dt.datetime.fromisoformat(value) if value else None


@get("/events/{event_id:int}/proposals", include_in_schema=False, guards=[allowed("read_proposals")])
async def proposals_page(request: Request, event_id: int, skill_id: int | None = None) -> Template:
    p = await principal(request)
    assert p is not None
    event = events.event_json(await events.get_event(event_id))
    items = await proposals.list_proposals(event_id, skill_id)
    sections: list[dict[str, Any]] = []
    for item in items:
        if not sections or sections[-1]["group_id"] != item["group_id"]:
            sections.append({"skill": item["skill"], "skill_id": item["skill_id"], "group": item["group"], "group_id": item["group_id"], "items": []})
        sections[-1]["items"].append(item)
    return await render(
        request, "results_proposals.html", event=event, sections=sections, skills=await events.list_skills(event_id),
        is_approver=access.allows(p, "approve_proposals", event_id), skill_id=skill_id,
    )  # fmt: skip


@get("/results/{event_id:int}", include_in_schema=False)
async def public_index(request: Request, event_id: int) -> Template:
    view = await service.public_event(event_id)
    return await render(request, "results_public_index.html", view=view, teams=await standings.event_standings(event_id))


@get("/results/{event_id:int}/skills/{skill_id:int}", include_in_schema=False)
async def public_skill(request: Request, event_id: int, skill_id: int) -> Template:
    from certificates import selfservice
    from certificates import service as cert_service
    from kernel.errors import request_lang

    # The published rows, with each contestant's honours and certificates (no personal data).
    view = await service.public_skill(event_id, skill_id)
    ids = public.contestant_ids(view)
    certs = await cert_service.certificates_of(ids, request_lang(request))
    honours = await selfservice.awards_of(ids, ("honour",))
    extra = {cid: {"certificates": certs.get(cid, []), "honours": honours.get(cid, [])} for cid in ids if certs.get(cid) or honours.get(cid)}
    view = public.cut(view, extra)
    for g in view["groups"]:
        ends = service.aware(_parse(g.get("appeal_ends_at")))
        g["appeal_open"] = g.get("stage") == service.PROVISIONAL and ends is not None and service.now() < ends
        if g.get("ranking"):
            g["ranking"]["with_certificates"] = any(r.get("certificates") or r.get("honours") for r in g["ranking"].get("rows", []))
    return await render(request, "results_public_skill.html", view=view)


def page_handlers() -> list:
    return [results_hub, results_group, appeals_page, proposals_page, public_index, public_skill]
