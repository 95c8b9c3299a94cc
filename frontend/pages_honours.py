"""The annual selection's pages (年度荣誉评选): the rounds and their setup, one round as its
organiser, a nominating body and a reviewer see it, and the public 公示 / 公布 notice with the
objection form. The API (``honours.controller``) does the work; these pages only show and post."""

from __future__ import annotations

import json

from litestar import Request, get
from litestar.response import Template

from frontend.pages import render
from honours import service
from kernel import access
from kernel.errors import request_lang
from kernel.guards import allowed_any, require_principal
from kernel.i18n import register
from scoring.honours import HONOURS
from scoring.levels import SkillLevel
from scoring.selection import SELECTION_HONOURS

register(
    {
        "hon.title": ("年度荣誉评选", "Annual honours selection"),
        "hon.rounds": ("评选轮次", "Selection rounds"),
        "hon.open": ("开设评选", "Open a round"),
        "hon.open_help": (
            "按格式填写：荣誉称号及名额、各推荐单位名额（地市或行业单位）、评选条件（最低技能等级 0–7、从业年限、已获同一荣誉者不再评选）、各阶段截止日期。",
            "Fill in: the honours and their places, each nominating body's quota (a city or an industry body), the eligibility rules "
            "(minimum level 0–7, years in the occupation, no honour held twice) and the stage dates.",
        ),
        "hon.spec": ("评选设置", "Round settings"),
        "hon.stage": ("当前阶段", "Stage"),
        "hon.status": ("状态", "Status"),
        "hon.quotas": ("推荐名额", "Quotas"),
        "hon.body": ("推荐单位", "Nominating body"),
        "hon.honour": ("荣誉称号", "Honour"),
        "hon.quota": ("名额", "Quota"),
        "hon.used": ("已推荐", "Nominated"),
        "hon.left": ("剩余", "Left"),
        "hon.nominate": ("推荐人选", "Nominate"),
        "hon.name": ("姓名", "Name"),
        "hon.id_number": ("身份证号", "ID number"),
        "hon.years": ("从业年限", "Years in the occupation"),
        "hon.level": ("技能等级（无记录时填写）", "Skill level (when the records have none)"),
        "hon.achievements": ("主要业绩", "Achievements"),
        "hon.mine": ("本单位推荐人选", "Our nominations"),
        "hon.dossier": ("档案（来自已核实的记录）", "Dossier (from the verified records)"),
        "hon.results": ("竞赛成绩", "Contest results"),
        "hon.held": ("已获荣誉", "Honours held"),
        "hon.promotions": ("等级晋升", "Level promotions"),
        "hon.attachments": ("附件", "Attachments"),
        "hon.review": ("评审打分", "Review"),
        "hon.stand_aside": ("须回避：{reason}", "Stand aside: {reason}"),
        "hon.score": ("提交评分", "Submit scores"),
        "hon.scored": ("已评分：{total}", "Scored: {total}"),
        "hon.list": ("拟表彰名单", "Proposed list"),
        "hon.rank": ("名次", "Rank"),
        "hon.points": ("评审得分", "Score"),
        "hon.proposed": ("拟表彰", "Proposed"),
        "hon.approve": ("确认名单", "Confirm the list"),
        "hon.publicise": ("公示名单", "Publish for objections"),
        "hon.announce": ("公布并颁发证书", "Announce and issue certificates"),
        "hon.second": ("开启第二轮评审", "Open a second review round"),
        "hon.objections": ("异议", "Objections"),
        "hon.uphold": ("异议成立", "Uphold"),
        "hon.dismiss": ("异议不成立", "Dismiss"),
        "hon.decision": ("裁决理由", "Reasons"),
        "hon.notice": ("公示", "Public notice"),
        "hon.announcement": ("公布", "Announcement"),
        "hon.notice_intro": ("公示期至 {until}。对公示人选有异议的，请实名提出。", "Objections are taken until {until}, with the objector's name."),
        "hon.announced_intro": ("以下人员获得荣誉称号，证书可凭编号查验。", "These people were granted the honour; certificates verify by number."),
        "hon.object": ("提出异议", "File an objection"),
        "hon.filer_name": ("您的姓名", "Your name"),
        "hon.filer_contact": ("联系方式", "How to reach you"),
        "hon.reason": ("异议理由", "Reasons"),
        "hon.certificate": ("证书编号", "Certificate number"),
        "hon.none": ("暂无", "None yet"),
        "hon.referrals": ("推荐名单导出", "Referral lists"),
        "hon.may_day": ("五一劳动奖章推荐名单（Excel）", "May Day medal referral list (Excel)"),
        "hon.national": ("全国技术能手推荐人选（Excel）", "National technical expert candidates (Excel)"),
        "nav.honours": ("荣誉评选", "Honours"),
        "hon.st.open": ("推荐与评审中", "Nominating and reviewing"),
        "hon.st.approved": ("名单已确认", "List confirmed"),
        "hon.st.publicised": ("公示中", "Public notice"),
        "hon.st.announced": ("已公布", "Announced"),
        "hon.st.nominated": ("已推荐", "Nominated"),
        "hon.st.proposed": ("拟表彰", "Proposed"),
        "hon.st.struck": ("已取消", "Struck"),
        "hon.st.granted": ("已授予", "Granted"),
        "hon.st.pending": ("待裁决", "Pending"),
        "hon.st.upheld": ("异议成立", "Upheld"),
        "hon.st.dismissed": ("异议不成立", "Dismissed"),
    }
)

EXAMPLE = {
    "year": 2026, "name": "2026年南粤技能大师和广东省技术能手评选",
    "honours": [{"code": "nanyue_skills_master", "places": 10}, {"code": "guangdong_technical_expert", "places": 50}],
    "quotas": [{"body": "广州市", "honour": "nanyue_skills_master", "quota": 2}, {"body": "深圳市", "honour": "guangdong_technical_expert", "quota": 5}],
    "rules": {"min_level": 4, "min_years": 5, "exclude_held": True},
    "stages": {"nomination_ends": "2026-03-31", "review_ends": "2026-04-30", "publicity_ends": "2026-05-07", "announce_on": "2026-05-10"},
}  # fmt: skip


@get("/honours", include_in_schema=False, guards=[allowed_any("manage_selection", "nominate", "review_selection")])
async def rounds_page(request: Request) -> Template:
    return await render(
        request, "honours_rounds.html", rounds=await service.list_rounds(), example=json.dumps(EXAMPLE, ensure_ascii=False, indent=2),
        manage=access.allows(await require_principal(request), "manage_selection"),
    )  # fmt: skip


@get("/honours/{round_id:int}", include_in_schema=False, guards=[allowed_any("manage_selection", "nominate", "review_selection")])
async def round_page(request: Request, round_id: int) -> Template:
    p = await require_principal(request)
    lang = request_lang(request)
    rnd = await service.get_round(round_id, lang)
    member = await service.membership(round_id, p)
    known = {code: m.to_dict() for code, m in (HONOURS | SELECTION_HONOURS).items()}
    ctx: dict = {"round": rnd, "honour_names": known | {h["code"]: h for h in rnd["honours"]}, "levels": list(SkillLevel)}
    if access.allows(p, "approve_selection"):
        ctx["listing"] = await service.proposed_list(round_id)
        ctx["objections"] = await service.objections(round_id)
    if "nominator" in member:
        body = member["nominator"]["body"]
        ctx["body"] = body
        ctx["my_quotas"] = [q for q in rnd["quotas"] if q["body"] == body]
        ctx["mine"] = [await service.get_nomination(n["id"], reveal=True) for n in await service.nominations(round_id, body=body)]
    if "reviewer" in member:
        ctx["candidates"] = await service.reviewer_view(round_id, p)
    return await render(request, "honours_round.html", **ctx)


@get("/honours/{round_id:int}/notice", include_in_schema=False)
async def notice_page(request: Request, round_id: int) -> Template:
    return await render(request, "honours_notice.html", notice=await service.public_notice(round_id, request_lang(request)))


def page_handlers() -> list:
    return [rounds_page, round_page, notice_page]
