"""The access policy: who may do what, and when (权限).

One table, ``CAPABILITIES``, names every action that needs authority — a **capability** — and
says which roles hold it, at what scope (the platform, an event, one skill of an event) and in
which **stages** of a skill's results it may be taken. Route guards (``kernel.guards.
allowed``), the judges' websocket and the mark writer, the pages' templates (``can``) and the CLI
all ask ``allows(principal, capability, …)``; none of them lists roles.

Stages of a skill and group's results, in order (``STAGES``):

- ``scoring`` — before the chief judge's sign-off: judges mark, the chief judge corrects;
- ``signed_off`` — the chief judge has submitted (and maybe re-checked) and decryption may follow:
  only an organiser's recorded correction changes a mark;
- ``provisional`` — results published for the public notice (公示) and appeals (申诉): only the
  arbitration group's decision on an appeal changes a mark, and only for the contestant it names;
- ``final`` — nothing changes a mark; identity is frozen, what was approved is what is issued.

Roles held on the platform (``PLATFORM_ROLES``): ``platform_admin`` (the few accounts flagged
``is_admin`` who need every event) and ``event_creator`` (may create events, and becomes the
organiser of each event it creates — of no other). Every other role is held for one event (and,
for judges and chief judges, one skill; for a contestant, one contestant; for a delegation
leader, one delegation). An administrator's blanket authority does not cover capabilities marked
``explicit`` (the anonymisation mapping is for the encryption officer alone).
"""

from __future__ import annotations

import dataclasses
from typing import Iterable

from kernel.roles import (
    APPROVER,
    ARBITRATOR,
    CHIEF_JUDGE,
    CITY_SUPERVISOR,
    CONTESTANT,
    DELEGATION_LEADER,
    ENCRYPTION_OFFICER,
    EVENT_CREATOR,
    JUDGE,
    NOMINATOR,
    ORGANISER,
    PLATFORM_ADMIN,
    PROVINCE_SUPERVISOR,
    SELECTION_ORGANISER,
    SELECTION_REVIEWER,
    SUPERVISOR,
    Principal,
)

SCORING = "scoring"
SIGNED_OFF = "signed_off"
PROVISIONAL = "provisional"
FINAL = "final"
STAGES = (SCORING, SIGNED_OFF, PROVISIONAL, FINAL)

PLATFORM = "platform"
EVENT = "event"
SKILL = "skill"

#: Every role that sees an event's own pages (all but contestants and delegation leaders, who see
#: only what concerns their own people).
EVENT_STAFF = frozenset({ORGANISER, CHIEF_JUDGE, JUDGE, ENCRYPTION_OFFICER, ARBITRATOR, APPROVER, SUPERVISOR})
EVERYONE_IN_EVENT = EVENT_STAFF | {CONTESTANT, DELEGATION_LEADER}


@dataclasses.dataclass(frozen=True)
class Capability:
    """One action that needs authority.

    ``roles`` hold it (``platform_admin`` always does, unless ``explicit``); ``scope`` says what a
    grant must cover (a platform role, the route's event, or its skill); ``stages`` limits it to
    those stages of the results (``None``: any stage).
    """

    name: str
    roles: frozenset[str]
    scope: str
    zh: str
    en: str
    stages: frozenset[str] | None = None
    explicit: bool = False


def _cap(name: str, roles: Iterable[str], scope: str, zh: str, en: str, *, stages: Iterable[str] | None = None, explicit: bool = False) -> Capability:
    return Capability(name, frozenset(roles), scope, zh, en, frozenset(stages) if stages is not None else None, explicit)


_ALL = (
    # The platform.
    _cap("create_event", {EVENT_CREATOR}, PLATFORM, "创建赛事", "create events"),
    _cap("manage_platform", set(), PLATFORM, "管理平台账号", "manage platform accounts"),
    # ``city_supervisor`` reads the figures of its own city only (``province.statistics.city_cut``).
    _cap("read_province_statistics", {PROVINCE_SUPERVISOR, CITY_SUPERVISOR}, PLATFORM, "查看全省竞赛统计", "read the province's contest statistics"),
    _cap(
        "review_city_registration",
        {CITY_SUPERVISOR},
        PLATFORM,
        "审核本市代表队的报名（市级）",
        "review one's own city's delegation registrations (step 市)",
    ),
    # The annual selection of honours (评选): platform roles; a nominator and a reviewer act only
    # in the rounds they are appointed to (``honours.service`` asks the round's members).
    _cap(
        "manage_selection",
        {SELECTION_ORGANISER},
        PLATFORM,
        "组织年度荣誉评选（开设评选、名额、推荐单位和评审专家）",
        "run the annual honours selection (rounds, quotas, nominators, reviewers)",
    ),  # fmt: skip
    _cap("nominate", {NOMINATOR}, PLATFORM, "推荐评选人选", "nominate candidates for a selection round"),
    _cap("review_selection", {SELECTION_REVIEWER}, PLATFORM, "评审评选人选", "score a selection round's candidates"),
    _cap(
        "approve_selection",
        {SELECTION_ORGANISER},
        PLATFORM,
        "确认评选拟表彰名单、裁决异议、公布",
        "confirm the proposed list, decide objections, announce",
    ),
    _cap(
        "read_referrals",
        {SELECTION_ORGANISER, PROVINCE_SUPERVISOR},
        PLATFORM,
        "导出五一劳动奖章和全国技术能手推荐名单",
        "export the referral lists (May Day medal, national technical experts)",
    ),  # fmt: skip
    # An event and its set-up.
    _cap("read_event", EVERYONE_IN_EVENT, EVENT, "查看赛事", "read the event"),
    _cap("read_skill", EVERYONE_IN_EVENT, SKILL, "查看竞赛项目", "read a skill (judges: their own skills)"),
    _cap("manage_event", {ORGANISER}, EVENT, "修改赛事、项目、组别和规则", "change the event, its skills, groups and rules"),
    _cap("read_rules", EVENT_STAFF, EVENT, "查看规则", "read the rules"),
    _cap("archive_event", {ORGANISER}, EVENT, "归档赛事", "archive the event"),
    # People and accounts.
    _cap("read_event_accounts", {ORGANISER}, EVENT, "查看赛事账号", "read the event's accounts"),
    _cap("grant_event_role", {ORGANISER}, EVENT, "打开人员与角色页、授予和收回赛事角色", "open the people page, grant and revoke roles in the event"),
    # Which roles one may grant and revoke: ``APPOINTING`` maps each role to one of these.
    _cap("appoint_organiser", {ORGANISER}, EVENT, "任命和撤销联合组织方", "appoint and remove co-organisers"),
    _cap(
        "appoint_official",
        {ORGANISER},
        EVENT,
        "任命和撤销加密员、监督仲裁组、审批人、监督员",
        "appoint and remove encryption officers, arbitrators, approvers and supervisors",
    ),
    _cap("appoint_delegation_account", {ORGANISER}, EVENT, "任命领队、开设选手账号", "appoint delegation leaders and open contestant accounts"),
    _cap("issue_login_code", {ORGANISER}, EVENT, "发放平板登录码", "issue tablet login codes"),
    _cap("manage_event_accounts", {ORGANISER}, EVENT, "重置密码、停用赛事账号", "reset passwords and deactivate the event's accounts"),
    # Registration and personal data.
    _cap("manage_registration", {ORGANISER}, EVENT, "管理报名", "manage registrations"),
    _cap(
        "register_delegation",
        {DELEGATION_LEADER},
        EVENT,
        "领队在报名时间内报名本代表队选手和指导教师",
        "enter one's own delegation's contestants and coaches within the registration window",
    ),
    _cap(
        "review_registration",
        {ORGANISER},
        EVENT,
        "审核代表队报名（省级）：退回、通过",
        "review delegations' registrations (step 省): send back, accept",
    ),
    _cap("read_personal_data", {ORGANISER}, EVENT, "查看完整身份证号和电话", "read full ID numbers and phones"),
    _cap("correct_identity_after_publication", {APPROVER}, EVENT, "成绩公示后更正选手身份信息", "correct a contestant's identity after publication"),
    _cap("withdraw_contestant", {ORGANISER}, EVENT, "登记选手退赛", "withdraw a contestant"),
    _cap("manage_judges", {ORGANISER}, EVENT, "管理裁判库和分配", "manage judges and their assignment"),
    _cap("read_skill_panel", {ORGANISER, CHIEF_JUDGE}, SKILL, "查看项目裁判组", "read a skill's judge panel"),
    _cap("read_own_assignment", {JUDGE, CHIEF_JUDGE}, SKILL, "查看本人的评分分配", "read one's own judging assignment"),
    # The competition day.
    _cap("run_checkin", {ORGANISER}, EVENT, "检录", "run check-in"),
    _cap("run_draw", {ORGANISER}, EVENT, "抽签", "run the draw"),
    _cap("read_draw", {ORGANISER, ARBITRATOR, SUPERVISOR}, EVENT, "查看抽签结果", "read draws"),
    _cap("read_anonymisation_status", {ORGANISER, CHIEF_JUDGE, ENCRYPTION_OFFICER}, SKILL, "查看加密进度", "read the encryption status"),
    _cap("hold_encryption_mapping", {ENCRYPTION_OFFICER}, EVENT, "加密、解密和查看对照表", "encrypt, decrypt and read the mapping", explicit=True),
    _cap(
        "resolve_judge_number",
        {JUDGE, CHIEF_JUDGE, ENCRYPTION_OFFICER},
        SKILL,
        "按加密号查找评分对象",
        "look up a contestant by encrypted number",
        explicit=True,
    ),
    # Scoring.
    _cap("read_scheme", EVENT_STAFF, SKILL, "查看评分标准", "read the marking scheme"),
    _cap("manage_scheme", {ORGANISER, CHIEF_JUDGE}, SKILL, "制定评分标准", "set the marking scheme", stages={SCORING}),
    _cap("enter_mark", {JUDGE, CHIEF_JUDGE}, SKILL, "评分", "enter marks", stages={SCORING}),
    _cap("correct_mark", {CHIEF_JUDGE}, SKILL, "裁判长更正评分", "correct a mark as chief judge", stages={SCORING}),
    _cap("correct_mark_after_signoff", {ORGANISER}, EVENT, "签字确认后更正评分", "correct a mark after sign-off", stages={SIGNED_OFF}),
    _cap("correct_mark_by_appeal", {ARBITRATOR}, EVENT, "按申诉决定更正评分", "correct a mark by an appeal decision", stages={PROVISIONAL}),
    _cap("read_marks", {CHIEF_JUDGE, ORGANISER}, SKILL, "查看评分记录", "read marks and their history"),
    _cap("lock_criterion", {CHIEF_JUDGE}, SKILL, "锁定模块", "lock and unlock criteria", stages={SCORING}),
    _cap("sign_off", {CHIEF_JUDGE}, SKILL, "裁判长提交和复核成绩", "submit and re-check scores", stages={SCORING, SIGNED_OFF}),
    _cap("withdraw_sign_off", {CHIEF_JUDGE}, SKILL, "解密前撤回成绩提交", "withdraw the sign-off before decryption", stages={SIGNED_OFF}),
    _cap(
        "withdraw_sign_off_after_decryption", {ORGANISER}, EVENT, "解密后撤回成绩提交", "withdraw the sign-off after decryption", stages={SIGNED_OFF}
    ),
    _cap("view_console", {CHIEF_JUDGE, ORGANISER}, SKILL, "查看裁判长控制台", "use the chief judge's console"),
    _cap("freeze_board", {ORGANISER}, EVENT, "冻结公开排名", "freeze the public board"),
    # Results.
    _cap("read_results_workflow", {ORGANISER, ARBITRATOR, APPROVER, SUPERVISOR}, EVENT, "查看成绩发布流程", "read the results workflow"),
    _cap(
        "read_skill_results",
        {ORGANISER, CHIEF_JUDGE, ARBITRATOR, APPROVER, SUPERVISOR},
        SKILL,
        "查看项目成绩发布流程",
        "read a skill's results workflow",
    ),
    _cap("preview_results", {ORGANISER, CHIEF_JUDGE}, SKILL, "预览当前排名", "preview the ranking as the marks stand"),
    _cap("publish_results", {ORGANISER}, EVENT, "公布暂定成绩和确定成绩", "publish provisional and final results"),
    _cap("export_results", {ORGANISER}, EVENT, "导出成绩册", "export the results book"),
    _cap("file_appeal", {CONTESTANT, DELEGATION_LEADER, ORGANISER}, EVENT, "提交申诉", "file an appeal", stages={PROVISIONAL}),
    _cap("read_appeals", {ORGANISER, ARBITRATOR, SUPERVISOR, CONTESTANT, DELEGATION_LEADER}, EVENT, "查看申诉", "read appeals (one's own, or all)"),
    _cap("read_all_appeals", {ORGANISER, ARBITRATOR, SUPERVISOR}, EVENT, "查看全部申诉", "read every appeal"),
    _cap("decide_appeal", {ARBITRATOR}, EVENT, "裁决申诉", "decide appeals", stages={PROVISIONAL}),
    _cap("apply_appeal_corrections", {ARBITRATOR}, EVENT, "执行申诉更正", "apply an upheld appeal's corrections", stages={PROVISIONAL}),
    _cap("read_proposals", {APPROVER, ORGANISER, SUPERVISOR}, EVENT, "查看拟表彰名单", "read the proposals"),
    _cap("approve_proposals", {APPROVER}, EVENT, "审批表彰名单", "strike and approve proposals", stages={FINAL}),
    # Certificates.
    _cap("read_certificates", {ORGANISER, APPROVER}, EVENT, "查看证书", "read certificates"),
    _cap("issue_certificates", {ORGANISER}, EVENT, "颁发证书", "issue certificates", stages={FINAL}),
    _cap("revoke_certificate", {ORGANISER}, EVENT, "撤销证书", "revoke a certificate"),
    _cap("manage_certificate_seal", {ORGANISER}, EVENT, "上传发证机构印章", "upload the issuing body's seal"),
    _cap("read_event_ledger", {ORGANISER, APPROVER}, EVENT, "查看晋级台账", "read the event's promotion ledger"),
    _cap("read_person_ledger", {APPROVER}, EVENT, "按身份证号查询晋级记录", "look up a person's promotions by ID number"),
    _cap("read_national_record", {ORGANISER, APPROVER}, EVENT, "查看全国技能人才评价记录上报", "read the national skills-evaluation record export"),
    _cap("send_national_record", {ORGANISER, APPROVER}, EVENT, "上报全国技能人才评价记录", "export and mark batches sent to the national record"),
)

CAPABILITIES: dict[str, Capability] = {c.name: c for c in _ALL}

#: Who may appoint whom: the capability that grants and revokes each role of an event. Judges and
#: chief judges are appointed on the skills' judge panels (``manage_judges``: the registry knows
#: their delegations, for conflicts of interest). A holder of ``grant_event_role`` reaches the
#: people page and the account routes; each grant or revocation then asks this table.
APPOINTING: dict[str, str] = {
    ORGANISER: "appoint_organiser",
    CHIEF_JUDGE: "manage_judges",
    JUDGE: "manage_judges",
    ENCRYPTION_OFFICER: "appoint_official",
    ARBITRATOR: "appoint_official",
    APPROVER: "appoint_official",
    SUPERVISOR: "appoint_official",
    DELEGATION_LEADER: "appoint_delegation_account",
    CONTESTANT: "appoint_delegation_account",
}


def capability(name: str) -> Capability:
    try:
        return CAPABILITIES[name]
    except KeyError:
        raise KeyError(f"unknown capability {name!r}") from None


def allows(p: Principal | None, name: str, event_id: int | None = None, skill_id: int | None = None, stage: str | None = None) -> bool:
    """May ``p`` take the action ``name`` in this event (and skill), in this stage of the results?

    ``stage`` is checked only when given and the capability is limited to some stages: a route
    that acts on a whole event (say, the list of marks) is guarded without one, and the action
    itself asks again with the stage of what it changes.
    """
    if p is None:
        return False
    cap = capability(name)
    if stage is not None and cap.stages is not None and stage not in cap.stages:
        return False
    if p.is_admin and not cap.explicit:
        return True
    if cap.scope == PLATFORM:
        return any(p.holds_platform(role) for role in cap.roles)
    if event_id is None:
        return False
    skill = skill_id if cap.scope == SKILL else None
    return any(p.holds(role, event_id, skill) for role in cap.roles)


def may_appoint(p: Principal | None, role: str, event_id: int, skill_id: int | None = None) -> bool:
    """May ``p`` grant (and revoke) ``role`` in the event (and skill)? Unknown roles: nobody."""
    name = APPOINTING.get(role)
    return name is not None and allows(p, name, event_id, skill_id)


def stage_allows(name: str, stage: str) -> bool:
    """Is the action ``name`` possible at all in ``stage`` (whoever asks)?"""
    cap = capability(name)
    return cap.stages is None or stage in cap.stages


def skills_where(p: Principal, name: str, event_id: int) -> set[int] | None:
    """The skills of the event where ``p`` may take ``name``: ``None`` means every skill."""
    cap = capability(name)
    if p.is_admin and not cap.explicit:
        return None
    out: set[int] = set()
    for role in cap.roles:
        found = p.skills_for(role, event_id)
        if found is None:
            return None
        out |= found
    return out


def event_ids(p: Principal) -> set[int] | None:
    """The events ``p`` has any role in; ``None`` means every event (a platform administrator)."""
    if p.is_admin:
        return None
    return {g.event_id for g in p.grants if g.event_id is not None}


class Checker:
    """``allows`` bound to one principal, for templates: ``can('manage_event', event.id)``."""

    def __init__(self, p: Principal | None) -> None:
        self.p = p

    def __call__(self, name: str, event_id: int | None = None, skill_id: int | None = None, stage: str | None = None) -> bool:
        return allows(self.p, name, event_id, skill_id, stage)

    def appoint(self, role: str, event_id: int, skill_id: int | None = None) -> bool:
        """``can.appoint('arbitrator', event.id)``: may grant and revoke that role."""
        return may_appoint(self.p, role, event_id, skill_id)


def matrix() -> list[dict]:
    """The policy as rows, for docs/SECURITY.md and the access test: capability, roles, scope, stages."""
    return [
        {
            "capability": c.name,
            "roles": sorted(c.roles | ({PLATFORM_ADMIN} if not c.explicit else set())),
            "scope": c.scope,
            "stages": sorted(c.stages, key=STAGES.index) if c.stages is not None else list(STAGES),
            "zh": c.zh,
            "en": c.en,
        }
        for c in _ALL
    ]
