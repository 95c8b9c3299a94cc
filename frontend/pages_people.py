"""The people page of an event (人员与角色): who holds which role, and the forms to appoint and
remove co-organisers, the encryption officer, the arbitration group, approvers, supervisors,
delegation leaders and contestant accounts, to reset passwords and issue login codes. Every
action goes through the accounts API (``competition.auth.controller``); which roles the signed-in
user may appoint is the access policy's ``APPOINTING`` (``can.appoint``). Chief judges are shown
per skill and appointed on the skill's judge panel. Generated passwords and codes are shown once.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from competition import registration
from competition.auth import service as accounts
from competition.events import service as events
from frontend.pages import render
from kernel.guards import allowed
from kernel.i18n import china_time, register
from kernel.roles import APPROVER, ARBITRATOR, CHIEF_JUDGE, CONTESTANT, DELEGATION_LEADER, ENCRYPTION_OFFICER, ORGANISER, ROLE_LABELS, SUPERVISOR
from scoring.idcard import mask_id

#: The page's sections, in order; chief judges are listed (per skill) but appointed on the panels.
SECTIONS = (ORGANISER, ENCRYPTION_OFFICER, ARBITRATOR, APPROVER, SUPERVISOR, DELEGATION_LEADER, CONTESTANT)

register({f"people.role.{role}": labels for role, labels in ROLE_LABELS.items()})
register(
    {
        "people.title": ("人员与角色", "People and roles"),
        "people.help": (
            "为本赛事任命人员、撤销角色、重置密码和发放登录码。自动生成的密码和登录码只显示一次，请当场交给本人。",
            "Appoint the event's people, remove roles, reset passwords and issue login codes. "
            "Generated passwords and login codes are shown once: hand them over at once.",
        ),
        "people.help.organiser": ("联合组织方与您一样管理本赛事。", "Co-organisers run the event as you do."),
        "people.help.chief_judge": (
            "裁判长在各项目的裁判组中任命或更换（裁判库记录其代表队，用于回避）。",
            "Chief judges are appointed on each skill's judge panel (the registry knows their delegation, for conflicts of interest).",
        ),  # fmt: skip
        "people.help.encryption_officer": (
            "加密员生成加密号、保管对照表并解密；对照表在解密前只有加密员可见。",
            "The encryption officer generates the encrypted numbers, holds the mapping and decrypts; nobody else sees the mapping before decryption.",
        ),  # fmt: skip
        "people.help.arbitrator": (
            "监督仲裁组受理并裁决申诉；公示期间只有其裁决能更改评分。",
            "The arbitration group decides appeals; during the public notice only its decisions change marks.",
        ),  # fmt: skip
        "people.help.approver": ("审批人（人社厅）审批拟表彰名单。", "Approvers (the HRSS department) approve the proposals."),
        "people.help.supervisor": (
            "监督员查看流程、抽签、申诉和拟表彰名单，不看个人信息。",
            "Supervisors read the workflow, draws, appeals and proposals, not personal data.",
        ),  # fmt: skip
        "people.help.delegation_leader": (
            "领队代表一个代表队，可为本队选手提交申诉。",
            "A delegation leader speaks for one delegation and may file its contestants' appeals.",
        ),
        "people.help.contestant": (
            "选手账号关联一名已报名的选手，可查看和提交本人的申诉。",
            "A contestant account is linked to one registered contestant, who reads and files their own appeals.",
        ),  # fmt: skip
        "people.name": ("姓名", "Name"),
        "people.username": ("用户名", "Username"),
        "people.username_help": ("选填；不填则自动生成", "Optional; generated when empty"),
        "people.scope": ("范围", "Scope"),
        "people.account": ("账号", "Account"),
        "people.own": ("本赛事账号", "This event's account"),
        "people.invited": ("受邀账号", "Invited account"),
        "people.platform": ("平台账号", "Platform account"),
        "people.inactive": ("已停用", "Deactivated"),
        "people.actions": ("操作", "Actions"),
        "people.none": ("暂无。", "Nobody yet."),
        "people.appoint": ("任命{role}", "Appoint a new {role}"),
        "people.new_account": ("新建账号", "New account"),
        "people.existing_account": ("或授予本赛事已有账号", "Or give the role to an account of the event"),
        "people.pick_account": ("选择账号", "Choose an account"),
        "people.grant": ("授予", "Grant"),
        "people.create": ("创建并任命", "Create and appoint"),
        "people.delegation": ("代表队", "Delegation"),
        "people.contestant": ("选手", "Contestant"),
        "people.pick_contestant": ("选择选手", "Choose a contestant"),
        "people.no_contestants": ("没有尚无账号的选手。", "Every contestant has an account already."),
        "people.skill": ("竞赛项目", "Skill"),
        "people.no_chief": ("未任命", "Not appointed"),
        "people.panel": ("在裁判组中任命", "Appoint on the panel"),
        "people.remove": ("撤销", "Remove"),
        "people.remove_confirm": (
            "撤销“{name}”的{role}角色？其账号立即失去该角色的权限；如需恢复，须重新任命。",
            "Remove the {role} role from {name}? The account loses its authority at once; only a new appointment gives it back.",
        ),
        "people.reset": ("重置密码", "Reset password"),
        "people.reset_confirm": (
            "为“{name}”生成新密码？原密码立即失效，该账号的所有登录（含平板）随即退出；新密码只显示一次。",
            "Generate a new password for {name}? The old one stops working and every session of the account (tablets too) ends; the new one is shown once.",
        ),
        "people.code": ("发放登录码", "Issue login code"),
        "people.code_confirm": (
            "为“{name}”发放一次性登录码？之前未使用的登录码立即失效；新码只显示一次。",
            "Issue a one-time login code for {name}? Any unused earlier code stops working; the new one is shown once.",
        ),
        "people.secret_title": ("只显示这一次", "Shown this once"),
        "people.secret_help": (
            "请立即交给本人或打印；关闭后无法再次查看，只能重新生成。",
            "Hand it over or print it now; once closed it cannot be shown again, only replaced.",
        ),  # fmt: skip
        "people.secret_password": ("密码", "Password"),
        "people.secret_code": ("一次性登录码", "One-time login code"),
        "people.secret_expires": ("有效期至", "Valid until"),
        "people.secret_done": ("我已记下，关闭", "Noted, close"),
        "people.print": ("打印", "Print"),
        "people.invite": (
            "或邀请平台或其他赛事的已有账号（本人接受后生效）",
            "Or invite an existing account of the platform or another event (granted once its owner accepts)",
        ),
        "people.invite_username": ("对方的用户名", "Their username"),
        "people.invite_send": ("发送邀请", "Send invitation"),
        "people.pending": ("待接受的邀请：{who}（{at}）", "Invitation waiting: {who} ({at})"),
        "people.judges": ("裁判员在裁判管理中维护。", "Judges are kept on the judges pages."),
    }
)


def _scope(grant: dict[str, Any], skills: dict[int, str], contestants: dict[int, dict[str, Any]]) -> str:
    if grant["skill_id"] is not None:
        return skills.get(grant["skill_id"], "")
    if grant["delegation"]:
        return grant["delegation"]
    c = contestants.get(grant["contestant_id"] or 0)
    return f"{c['name']} · {c['id_masked']}" if c else ""


@get("/events/{event_id:int}/people", include_in_schema=False, guards=[allowed("grant_event_role")])
async def people_page(request: Request, event_id: int) -> Template:
    event = events.event_json(await events.get_event(event_id))
    skill_rows = await events.list_skills(event_id)
    skills = {s["id"]: s["name"] for s in skill_rows}
    everyone = await accounts.event_accounts(event_id)
    registered = await registration.contestants_of_event(event_id, ("id", "name", "id_number", "delegation"))
    contestants = {
        c["id"]: {"id": c["id"], "name": c["name"], "id_masked": mask_id(c["id_number"]), "delegation": c["delegation"]} for c in registered
    }
    holders: dict[str, list[dict[str, Any]]] = {role: [] for role in (*SECTIONS, CHIEF_JUDGE)}
    for u in everyone:
        for g in u["roles"]:
            if g["role"] in holders:
                holders[g["role"]].append({"user": u, "grant": g, "scope": _scope(g, skills, contestants)})
    linked = {g["grant"]["contestant_id"] for g in holders[CONTESTANT]}
    invitations: dict[str, list[dict[str, Any]]] = {}
    for inv in await accounts.pending_invitations(event_id):
        invitations.setdefault(inv["role"], []).append({**inv, "created_at_china": china_time(inv["created_at"])})
    chiefs = {s["id"]: [h for h in holders[CHIEF_JUDGE] if h["grant"]["skill_id"] == s["id"]] for s in skill_rows}
    return await render(
        request,
        "people.html",
        event=event,
        skills=skill_rows,
        sections=SECTIONS,
        holders=holders,
        chiefs=chiefs,
        own_accounts=[u for u in everyone if u["own"] and u["active"]],
        free_contestants=[c for c in contestants.values() if c["id"] not in linked],
        delegations=sorted({c["delegation"] for c in contestants.values() if c["delegation"]}),
        invitations=invitations,
    )


def page_handlers() -> list:
    return [people_page]
