"""Pages of the judges feature: the registry with search and the add/edit forms, a skill's panel
(chief judge, judges, criteria) with coverage warnings and conflicts, and printable login cards."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from competition.events import service as events
from competition.judges import service as judges
from frontend.pages import render
from kernel import access
from kernel.guards import allowed, principal
from kernel.i18n import register

register(
    {
        "judges.link": ("裁判管理", "Judges"),
        "judges.title": ("裁判库", "Judge registry"),
        "judges.back_event": ("返回赛事", "Back to the event"),
        "judges.back_registry": ("返回裁判库", "Back to the judge registry"),
        "judges.search": ("搜索", "Search"),
        "judges.search_placeholder": ("姓名、单位、代表队、资格、电话或身份证号", "Name, employer, delegation, qualification, phone or ID number"),
        "judges.search_clear": ("清除", "Clear"),
        "judges.all_skills": ("全部竞赛项目", "All skills"),
        "judges.count": ("共 {n} 名裁判", "{n} judge(s)"),
        "judges.empty": ("还没有裁判。", "No judges yet."),
        "judges.no_match": ("没有符合条件的裁判。", "No judge matches."),
        "judges.add": ("添加裁判", "Add judge"),
        "judges.edit": ("编辑", "Edit"),
        "judges.edit_title": ("编辑裁判信息", "Edit judge"),
        "judges.save": ("保存", "Save"),
        "judges.remove": ("删除", "Remove"),
        "judges.remove_confirm": ("确定从裁判库删除“{name}”？", "Remove {name} from the registry?"),
        "judges.name": ("姓名", "Name"),
        "judges.id_number": ("身份证号", "ID number"),
        "judges.id_number_help": ("选填；填写时校验", "Optional; checked when given"),
        "judges.employer": ("工作单位", "Employer"),
        "judges.delegation": ("代表队（地市/行业）", "Delegation (city or industry)"),
        "judges.delegation_short": ("代表队", "Delegation"),
        "judges.qualifications": ("裁判资格", "Qualifications"),
        "judges.qualifications_help": ("如：国家级裁判员、世赛专家", "e.g. national judge, WorldSkills expert"),
        "judges.phone": ("联系电话", "Phone"),
        "judges.create_account": ("同时创建登录账号（凭一次性登录码登录）", "Create the login account now (log in with one-time codes)"),
        "judges.account": ("登录账号", "Login account"),
        "judges.no_account": ("无账号", "No account"),
        "judges.make_account": ("创建登录账号", "Create login account"),
        "judges.assignments": ("分配", "Assignments"),
        "judges.unassigned": ("未分配", "Not assigned"),
        "judges.actions": ("操作", "Actions"),
        "judges.skills": ("各竞赛项目的裁判组", "Panels by skill"),
        "judges.panel": ("裁判组", "Panel"),
        "judges.manage_panel": ("分配裁判", "Assign judges"),
        "judges.chief": ("裁判长", "Chief judge"),
        "judges.no_chief": ("未指定裁判长", "No chief judge"),
        "judges.chief_is": ("裁判长：{name}", "Chief judge: {name}"),
        "judges.members": ("裁判 {n} 名", "{n} judge(s)"),
        "judges.shortfalls": ("{n} 处可评分裁判不足", "{n} shortfall(s)"),
        "judges.covered": ("裁判充足", "Enough judges"),
        "judges.role": ("角色", "Role"),
        "judges.criteria": ("评分模块", "Criteria"),
        "judges.criteria_help": (
            "模块代码，用逗号分隔，如 A, B1；留空表示全部模块（裁判长留空表示只监督不评分）",
            "Criterion codes separated by commas, e.g. A, B1; empty means all criteria (for a chief judge: supervises, does not mark)",
        ),
        "judges.all_criteria": ("全部模块", "All criteria"),
        "judges.supervises": ("监督（不评分）", "Supervises (does not mark)"),
        "judges.replace_chief": ("更换裁判长（原裁判长改为裁判员）", "Replace the chief judge (the previous one becomes a judge)"),
        "judges.assign": ("分配到本项目", "Assign to this skill"),
        "judges.assign_judge": ("选择裁判", "Judge"),
        "judges.none_left": ("裁判库中的裁判都已分配到本项目。", "Every judge of the registry is on this skill."),
        "judges.unassign": ("取消分配", "Unassign"),
        "judges.unassign_confirm": ("确定将“{name}”从本项目取消分配？", "Take {name} off this skill?"),
        "judges.update": ("更新", "Update"),
        "judges.no_members": ("本项目还没有分配裁判。", "No judge is assigned to this skill yet."),
        "judges.coverage": ("裁判覆盖检查", "Coverage check"),
        "judges.coverage_help": (
            "每名选手在每个评分模块需要 {needed} 名无回避关系的裁判（{panel}，按赛事规则预设）。解密前选手只以一个号码显示：裁判长看到加密号（未加密的项目为工位号），组织方看到工位号。",
            "Each contestant needs {needed} judges without a conflict of interest on every criterion ({panel}, from the event's rule preset). Before decryption a contestant is shown by one number only: the encrypted number to the chief judge (the workstation in a skill never encrypted), the workstation to organisers.",
        ),
        "judges.panel_subjective": ("主观评分裁判组", "subjective panel"),
        "judges.panel_judgement": ("世赛评价分裁判组", "WorldSkills judgement panel"),
        "judges.coverage_ok": ("所有选手在所有评分模块上都有足够的可评分裁判。", "Every contestant has enough eligible judges on every criterion."),
        "judges.no_contestants": (
            "本项目还没有报名选手；以下只检查裁判组人数。",
            "The skill has no contestants yet; only the panel sizes are checked.",
        ),
        "judges.panel_size": ("裁判组人数", "Panel size"),
        "judges.workstation": ("工位号", "Workstation"),
        "judges.encrypted_no": ("加密号", "Encrypted no."),
        "judges.not_drawn": ("未抽签", "Not drawn"),
        "judges.eligible": ("可评分裁判", "Eligible judges"),
        "judges.needed": ("需要", "Needed"),
        "judges.short_contestants": ("可评分裁判不足的选手", "Contestants short of judges"),
        "judges.contestants": ("选手 {n} 名", "{n} contestant(s)"),
        "judges.conflicts": ("回避关系", "Conflicts of interest"),
        "judges.conflicts_help": ("裁判不评本代表队或本单位的选手。", "A judge does not score contestants of their own delegation or employer."),
        "judges.no_conflicts": ("没有回避关系。", "No conflicts of interest."),
        "judges.contestant": ("选手", "Contestant"),
        "judges.judge": ("裁判", "Judge"),
        "judges.reason": ("原因", "Reason"),
        "judges.cards": ("打印登录卡", "Print login cards"),
        "judges.cards_title": ("裁判登录卡", "Judge login cards"),
        "judges.cards_help": (
            "生成新的一次性登录码会使该裁判此前未使用的登录码失效。每张 A4 纸打印 8 张卡片。",
            "Issuing new one-time codes voids each judge's earlier unused code. Eight cards print on each A4 page.",
        ),
        "judges.cards_hours": ("有效时长（小时）", "Valid for (hours)"),
        "judges.cards_issue": ("生成登录码并打印", "Issue codes and print"),
        "judges.cards_print": ("打印", "Print"),
        "judges.cards_select_all": ("全选", "Select all"),
        "judges.cards_none": ("请至少选择一名有登录账号的裁判。", "Choose at least one judge with a login account."),
        "judges.cards_skipped": ("以下裁判没有登录账号，未生成：{names}", "These judges have no login account and got no card: {names}"),
        "judges.card_heading": ("裁判登录卡", "Judge login card"),
        "judges.card_code": ("登录码", "Login code"),
        "judges.card_expires": ("有效期至", "Valid until"),
        "judges.card_help": (
            "扫描二维码，或在登录页输入登录码。登录码仅能使用一次。",
            "Scan the QR code or type the code on the login page. The code works once.",
        ),
    }
)


async def _skills_summary(event_id: int) -> list[dict]:
    out = []
    for skill in await events.list_skills(event_id):
        panel = await judges.skill_panel(event_id, skill["id"])
        report = await judges.coverage(event_id, skill["id"])
        short = len(report["shortfalls"]) + sum(1 for c in report["criteria"] if c["short"] and not report["contestants"])
        out.append({**skill, "panel": panel, "shortfalls": short, "needed": report["needed"]})
    return out


@get("/events/{event_id:int}/judges", include_in_schema=False, guards=[allowed("manage_judges")])
async def registry_page(request: Request, event_id: int, q: str = "", skill_id: int | None = None) -> Template:
    event = events.event_json(await events.get_event(event_id))
    rows = await judges.list_judges(event_id, q or None, skill_id)
    total = len(rows) if not q and skill_id is None else len(await judges.list_judges(event_id))
    return await render(
        request, "judges_registry.html", event=event, judges=rows, total=total, q=q, skill_id=skill_id, skills=await _skills_summary(event_id)
    )


@get("/events/{event_id:int}/judges/{judge_id:int}/edit", include_in_schema=False, guards=[allowed("manage_judges")])
async def edit_page(request: Request, event_id: int, judge_id: int) -> Template:
    event = events.event_json(await events.get_event(event_id))
    return await render(request, "judges_edit.html", event=event, judge=await judges.get_judge(event_id, judge_id))


@get("/events/{event_id:int}/judges/skills/{skill_id:int}", include_in_schema=False, guards=[allowed("read_skill_panel")])
async def skill_page(request: Request, event_id: int, skill_id: int) -> Template:
    p = await principal(request)
    assert p is not None
    is_organiser = access.allows(p, "manage_judges", event_id)
    event = events.event_json(await events.get_event(event_id))
    skill = await events.list_skills_by_id(event_id, skill_id)
    panel = await judges.skill_panel(event_id, skill_id)
    report = await judges.coverage(event_id, skill_id, organiser=is_organiser)
    on_skill = {m["judge_id"] for m in panel["members"]}
    available = [j for j in await judges.list_judges(event_id) if j["id"] not in on_skill] if is_organiser else []
    conflict_rows = await judges.skill_conflicts(event_id, skill_id) if is_organiser else []
    return await render(
        request,
        "judges_skill.html",
        event=event,
        skill=skill,
        panel=panel,
        coverage=report,
        available=available,
        conflicts=conflict_rows,
        is_organiser=is_organiser,
    )


@get("/events/{event_id:int}/judges/cards", include_in_schema=False, guards=[allowed("issue_login_code")])
async def cards_page(request: Request, event_id: int, skill_id: int | None = None, judge_id: int | None = None) -> Template:
    event = events.event_json(await events.get_event(event_id))
    rows = await judges.list_judges(event_id, None, skill_id)
    if judge_id is not None:
        rows = [r for r in rows if r["id"] == judge_id]
    return await render(
        request, "judges_cards.html", event=event, judges=rows, skill_id=skill_id, judge_id=judge_id, skills=await events.list_skills(event_id)
    )


def page_handlers() -> list:
    return [registry_page, edit_page, skill_page, cards_page]
