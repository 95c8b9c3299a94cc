"""Pages of delegation registration (代表队报名) and its review: the leader's own page (enter,
import, see each row's state and the reason it was sent back, correct, resubmit, add coaches), the
organiser's review queue (step 省: filter by delegation and state, send back with a reason, accept,
bulk accept asks first), and the city reviewer's queue (step 市, its own city only)."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from competition.events import service as events
from competition.registration import delegation
from frontend.pages import render
from kernel.guards import allowed, principal
from kernel.i18n import register
from scoring import codelists
from scoring.levels import SkillLevel

register(
    {
        "deleg.title": ("本代表队报名", "My delegation's registrations"),
        "deleg.intro": (
            "在报名时间内录入或导入本代表队的选手（与组织方相同的校验）；提交后先由地市审核，再由组织方（省）审核。被退回的记录请按理由修改后重新提交。",
            "Enter or import your delegation's contestants within the registration window (the organiser's own checks). "
            "Rows go to the city's review, then the organiser's. Correct a row that was sent back and resubmit it.",
        ),
        "deleg.window": ("报名时间（北京时间）：{opens} 至 {closes}", "Registration window (China time): {opens} to {closes}"),
        "deleg.window_open": ("报名进行中", "Registration is open"),
        "deleg.window_closed": ("不在报名时间内：不能录入或修改", "Outside the registration window: no entries or changes"),
        "deleg.window_none": ("组织方尚未开放代表队报名", "The organiser has not opened registration for delegations"),
        "deleg.add": ("录入一名选手", "Enter a contestant"),
        "deleg.import": ("从 Excel 导入本代表队选手", "Import my delegation from Excel"),
        "deleg.rows": ("本代表队的记录", "My delegation's rows"),
        "deleg.none": ("还没有记录。", "No rows yet."),
        "deleg.state": ("审核状态", "Review"),
        "deleg.reason": ("退回理由", "Reason sent back"),
        "deleg.returned_by.city": ("地市退回", "sent back by the city"),
        "deleg.returned_by.province": ("组织方退回", "sent back by the organiser"),
        "deleg.resubmit": ("重新提交", "Resubmit"),
        "deleg.edit": ("修改", "Correct"),
        "deleg.coaches": ("指导教师", "Coaches"),
        "deleg.coach_add": ("添加指导教师", "Add a coach"),
        "deleg.coach_name": ("指导教师姓名", "Coach's name"),
        "deleg.coach_employer": ("工作单位", "Employer"),
        "deleg.coach_phone": ("电话", "Phone"),
        "deleg.edit_title": ("修改本代表队选手", "Correct a row"),
        "review.title": ("代表队报名审核（省级）", "Delegation registrations: review"),
        "review.city_title": ("代表队报名审核（市级）", "Delegation registrations: city review"),
        "review.intro": (
            "地市代表队的记录须先经地市审核，才能在此通过；行业代表队的记录提交后即可审核。退回须填写理由，领队可看到。",
            "A city delegation's rows are approved by the city first; an industry body's come here once submitted. "
            "Sending rows back needs a reason, which the leader sees.",
        ),
        "review.city_intro": (
            "本市（{city}）代表队在各赛事提交的报名记录。审核通过后交组织方（省）审核；退回须填写理由。",
            "Rows your city's ({city}) delegations submitted, in every event. Approved rows go to the organiser; sending back needs a reason.",
        ),
        "review.all_delegations": ("全部代表队", "All delegations"),
        "review.all_states": ("全部状态", "Any state"),
        "review.filter": ("筛选", "Filter"),
        "review.select_all": ("全选", "Select all"),
        "review.accept": ("通过所选记录", "Accept the selected rows"),
        "review.approve": ("市级审核通过所选记录", "Approve the selected rows"),
        "review.return": ("退回所选记录", "Send the selected rows back"),
        "review.reason": ("退回理由（领队可见，记入审计日志）", "Reason (the leader sees it; audited)"),
        "review.none": ("没有符合条件的记录。", "No rows match."),
        "review.event": ("赛事", "Event"),
        "review.nothing_selected": ("请先勾选记录", "Select some rows first"),
        "review.done": ("已处理 {n} 条记录", "{n} rows done"),
        "review.link": ("代表队报名审核", "Review delegations' rows"),
        "review.window": ("代表队报名时间", "Delegations' registration window"),
        "review.window_opens": ("开始（北京时间）", "Opens (China time)"),
        "review.window_closes": ("截止（北京时间）", "Closes (China time)"),
        "review.window_save": ("保存报名时间", "Save the window"),
        "nav.city_review": ("本市报名审核", "City review"),
    }
)


def _local(iso: str | None) -> str:
    """An ISO time as a datetime-local value in China time."""
    import datetime as dt

    if not iso:
        return ""
    return dt.datetime.fromisoformat(iso).astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%dT%H:%M")


@get("/events/{event_id:int}/delegation", include_in_schema=False, guards=[allowed("register_delegation")])
async def delegation_page(request: Request, event_id: int) -> Template:
    p = await principal(request)
    mine = p.delegations_for(event_id) if p else set()
    event = events.event_json(await events.get_event(event_id))
    rows = await delegation.delegation_rows(event_id, mine)
    return await render(
        request, "delegation_registration.html", event=event, rows=rows["items"], delegations=rows["delegations"],
        window=await delegation.get_window(event_id), skills=await events.list_skills(event_id), levels=list(SkillLevel),
    )  # fmt: skip


@get("/events/{event_id:int}/delegation/{contestant_id:int}", include_in_schema=False, guards=[allowed("register_delegation")])
async def delegation_edit_page(request: Request, event_id: int, contestant_id: int) -> Template:
    p = await principal(request)
    mine = p.delegations_for(event_id) if p else set()
    event = events.event_json(await events.get_event(event_id))
    rows = {c["id"]: c for c in (await delegation.delegation_rows(event_id, mine))["items"]}
    if contestant_id not in rows:
        from kernel.errors import not_found

        raise not_found("contestant")
    return await render(
        request, "delegation_form.html", event=event, c=rows[contestant_id], delegations=sorted(mine),
        skills=await events.list_skills(event_id), levels=list(SkillLevel),
    )  # fmt: skip


@get("/events/{event_id:int}/delegation/import", include_in_schema=False, guards=[allowed("register_delegation")])
async def delegation_import_page(request: Request, event_id: int) -> Template:
    event = events.event_json(await events.get_event(event_id))
    return await render(
        request, "registration_import.html", event=event, import_url=f"/api/events/{event_id}/delegation/import",
        template_url=f"/api/events/{event_id}/delegation/template", back_url=f"/events/{event_id}/delegation", back_label="deleg.title",
    )  # fmt: skip


@get("/events/{event_id:int}/registration/review", include_in_schema=False, guards=[allowed("review_registration")])
async def review_page(request: Request, event_id: int) -> Template:
    state = request.query_params.get("state", "")
    event = events.event_json(await events.get_event(event_id))
    everything = (await delegation.queue(event_id=event_id))["items"]
    found = await delegation.queue(event_id=event_id, delegation=request.query_params.get("delegation", ""), state=state)
    window = await delegation.get_window(event_id)
    return await render(
        request, "registration_review.html", event=event, found=found, states=delegation.STATES, state=state,
        delegation=request.query_params.get("delegation", ""), delegations=sorted({c["delegation"] for c in everything}),
        window=window, opens_local=_local(window["opens_at"]), closes_local=_local(window["closes_at"]), city_step=False,
    )  # fmt: skip


@get("/city/review", include_in_schema=False, guards=[allowed("review_city_registration")])
async def city_review_page(request: Request) -> Template:
    state = request.query_params.get("state", "submitted")
    p = await principal(request)
    cities = {c.code for c in codelists.CITIES} if p and p.is_admin else (p.cities() if p else set())
    found = await delegation.queue(cities=cities, state=state)
    names = "、".join(codelists.CITY_BY_CODE[c].zh for c in sorted(cities) if c in codelists.CITY_BY_CODE)
    names_en = ", ".join(codelists.CITY_BY_CODE[c].en for c in sorted(cities) if c in codelists.CITY_BY_CODE)
    return await render(
        request, "registration_review.html", event=None, found=found, states=delegation.STATES, state=state, delegation="",
        delegations=[], window=None, city_step=True, city_names={"zh": names, "en": names_en},
    )  # fmt: skip


def page_handlers() -> list:
    return [delegation_page, delegation_import_page, delegation_edit_page, review_page, city_review_page]
