"""Texts of the pages (zh, en)."""

from frontend import messages_confirm  # noqa: F401  (the confirmation dialog and its steps)
from kernel.i18n import register

register(
    {
        "app.title": ("广东省职业技能竞赛系统", "Guangdong Skills Competition System"),
        "app.short": ("技能竞赛", "Skills competitions"),
        "nav.home": ("赛事", "Events"),
        "nav.logout": ("退出", "Log out"),
        "nav.login": ("登录", "Log in"),
        "nav.api": ("API 文档", "API docs"),
        "login.title": ("登录", "Log in"),
        "login.username": ("用户名", "Username"),
        "login.password": ("密码", "Password"),
        "login.submit": ("登录", "Log in"),
        "login.code_title": ("裁判平板登录", "Judge tablet login"),
        "login.code": ("一次性登录码", "One-time login code"),
        "login.code_help": ("输入组织方打印的登录码，或扫描二维码。", "Type the code the organiser printed, or scan its QR code."),
        "login.code_submit": ("用登录码登录", "Log in with code"),
        "home.title": ("赛事列表", "Events"),
        "home.new": ("新建赛事", "New event"),
        "home.empty": ("还没有赛事。", "No events yet."),
        "home.archived": ("已归档赛事", "Archived events"),
        "home.active": ("进行中的赛事", "Current events"),
        "event.name": ("赛事名称", "Event name"),
        "event.code": ("赛事代码", "Event code"),
        "event.code_help": (
            "2–12 位大写字母或数字，用于证书编号，例如 GD2026",
            "2–12 capital letters or digits, used in certificate numbers, e.g. GD2026",
        ),
        "event.tier": ("赛事级别", "Tier"),
        "event.tier_class": ("类别", "Class"),
        "event.no_class": ("（无）", "(none)"),
        "event.starts_on": ("开始日期", "Start date"),
        "event.ends_on": ("结束日期", "End date"),
        "event.venue": ("比赛地点", "Venue"),
        "event.host": ("承办单位", "Host"),
        "event.save": ("保存", "Save"),
        "event.create_title": ("新建赛事", "New event"),
        "event.edit_title": ("编辑赛事", "Edit event"),
        "event.edit": ("编辑", "Edit"),
        "event.archive": ("归档", "Archive"),
        "event.unarchive": ("取消归档", "Unarchive"),
        "event.archived": ("已归档", "Archived"),
        "event.dates": ("日期", "Dates"),
        "event.skills": ("竞赛项目", "Skills"),
        "event.no_skills": ("还没有竞赛项目。", "No skills yet."),
        "event.preset": ("规则预设", "Rule preset"),
        "event.preset_overrides": ("本赛事的覆盖设置（JSON）", "This event's overrides (JSON)"),
        "event.preset_effective": ("生效的规则", "Effective rules"),
        "event.preset_save": ("保存覆盖设置", "Save overrides"),
        "skill.name": ("项目名称", "Skill name"),
        "skill.occupation_code": ("职业编码", "Occupation code"),
        "skill.industry_cluster": ("服务产业集群", "Industry cluster"),
        "skill.team_size": ("每队人数", "Team size"),
        "skill.groups": ("组别", "Groups"),
        "skill.add": ("添加竞赛项目", "Add skill"),
        "common.saved": ("已保存", "Saved"),
        "common.error": ("出错了", "Something went wrong"),
        "common.back": ("返回", "Back"),
        "common.lang_switch": ("English", "中文"),
    }
)

# The chief judge's sign-off panel (templates/_signoff.html), on the console and the judging list.
register(
    {
        "signoff.complete": (
            "评分已完成：出场选手的评分项都已评完，没有待复评，模块都已锁定。",
            "Scoring is complete: every aspect of the contestants present is scored, no re-mark is open, every criterion is locked.",
        ),
        "signoff.incomplete_submit": ("提交前请先完成：", "Left to finish before sign-off:"),
        "signoff.incomplete_recheck": ("复核前请先完成：", "Left to finish before the re-check:"),
        "signoff.override_reason": ("仍要提交的理由（记入审计日志）", "Reason to sign off anyway (recorded in the audit log)"),
        "signoff.override_help": ("例如：该选手中途退出，已由仲裁组确认", "e.g. the contestant left mid-test, confirmed by the arbitration group"),
        "signoff.submit": ("提交成绩", "Submit the scores"),
        "signoff.recheck": ("确认复核", "Confirm the re-check"),
        "signoff.withdraw": ("撤回提交", "Withdraw the sign-off"),
        "signoff.withdraw_reason": ("撤回理由（记入审计日志）", "Reason for withdrawing (recorded in the audit log)"),
    }
)
