"""One message catalogue for templates and API errors; Chinese is the default, English the switch.

A message is looked up by key and formatted with named parameters. Packages register their own
messages with ``register`` so the catalogue stays next to the code that uses it; every key must
have both languages.

The request's language: ``?lang=`` > the ``lang`` cookie > ``Accept-Language`` > Chinese.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping
from zoneinfo import ZoneInfo

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
CHINA_TZ = ZoneInfo("Asia/Shanghai")

_CATALOGUE: dict[str, dict[str, str]] = {}


def register(messages: Mapping[str, tuple[str, str]]) -> None:
    """Add ``{key: (zh, en)}`` messages. A key registered twice with other texts is an error."""
    for key, (zh, en) in messages.items():
        entry = {"zh": zh, "en": en}
        if key in _CATALOGUE and _CATALOGUE[key] != entry:
            raise ValueError(f"message {key!r} registered twice with different texts")
        _CATALOGUE[key] = entry


def t(key: str, lang: str = DEFAULT_LANG, /, **params: Any) -> str:
    entry = _CATALOGUE.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry[DEFAULT_LANG]
    try:
        return text.format(**params) if params else text
    except (KeyError, IndexError):
        return text


GROUP_KINDS = ("employee", "student", "teacher")


def group_label(value: Any, lang: str = DEFAULT_LANG) -> str:
    """A group's name in ``lang`` through the catalogue (``group.<kind>``): its kind (``employee``)
    or its standard Chinese name (``职工组``) gives the catalogue's text; any other name (a group
    the organiser named) is shown as it is."""
    text = "" if value is None else str(value)
    for kind in GROUP_KINDS:
        if text == kind or text == t(f"group.{kind}", "zh"):
            return t(f"group.{kind}", lang)
    return text


def level_label(value: Any, lang: str = DEFAULT_LANG) -> str:
    """A skill level's name in ``lang`` (``level.<n>``): its number, or its Chinese name."""
    from scoring.levels import parse_level

    if value is None or value == "":
        return ""
    try:
        level = parse_level(value)
    except (ValueError, TypeError):
        return str(value)
    return t(f"level.{int(level)}", lang)


def has(key: str) -> bool:
    return key in _CATALOGUE


def texts(prefix: str, lang: str = DEFAULT_LANG) -> dict[str, str]:
    """Every message whose key starts with ``prefix``, unformatted, in ``lang``: for a page's script
    that looks messages up by key (the confirmation dialog's ``data-confirm="confirm.…"``)."""
    return {key: entry.get(lang) or entry[DEFAULT_LANG] for key, entry in _CATALOGUE.items() if key.startswith(prefix)}


def keys() -> frozenset[str]:
    """Every registered key (tests look for one rendered raw, which is what a missing key shows)."""
    return frozenset(_CATALOGUE)


def pick_lang(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    for candidate in (query, cookie):
        if candidate and candidate[:2].lower() in LANGS:
            return candidate[:2].lower()
    if accept_language:
        # The first language the browser names that we have; q-values are in preference order already.
        for part in accept_language.split(","):
            code = part.split(";")[0].strip()[:2].lower()
            if code in LANGS:
                return code
    return DEFAULT_LANG


def china_time(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A timestamp as shown to users: China time (UTC+8)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(CHINA_TZ).strftime(fmt)


def china_date(value: dt.date | None, lang: str = DEFAULT_LANG) -> str:
    if value is None:
        return ""
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


register(
    {
        # errors
        "error.not_found": ("未找到{what}", "{what} not found"),
        "error.validation": ("{field}无效：{reason}", "{field} is not valid: {reason}"),
        "error.this_value": ("填写的内容", "A value"),
        "error.invalid_body": ("请求内容无效：{reason}", "Invalid request: {reason}"),
        "error.unauthorized": ("请先登录", "Please log in first"),
        "error.forbidden": ("您没有执行此操作的权限", "You are not allowed to do this"),
        "error.csrf": ("页面已过期或请求来源不可信，请刷新页面后重试", "The page expired or the request is not trusted; reload and try again"),
        "error.rate_limited": ("请求过于频繁，请稍后再试", "Too many requests; try again later"),
        "error.bad_login": ("用户名或密码错误", "Wrong username or password"),
        "error.bad_code": ("登录码无效、已使用或已过期", "The login code is invalid, used or expired"),
        "error.conflict": ("{what}已存在", "{what} already exists"),
        "error.method": ("不支持此请求方法", "Method not allowed"),
        "error.internal": ("服务器内部错误，请稍后再试", "Internal server error; try again later"),
        "error.unavailable": ("服务暂时不可用：{what}", "Service temporarily unavailable: {what}"),
        "error.archived": ("赛事已归档，不能修改", "The event is archived and cannot be changed"),
        # things
        "thing.event": ("赛事", "event"),
        "thing.skill": ("竞赛项目", "skill"),
        "thing.group": ("组别", "group"),
        "thing.user": ("用户", "user"),
        "thing.page": ("页面", "page"),
        "thing.role": ("角色", "role"),
        # tiers and groups
        "tier.provincial": ("省赛", "Provincial"),
        "tier.national": ("国赛", "National"),
        "tier.worldskills": ("世赛", "WorldSkills"),
        "tier.city": ("市赛", "City"),
        "tier.industry": ("行业竞赛", "Industry contest"),
        "tier.enterprise": ("企业竞赛", "Enterprise contest"),
        "class.class1": ("省级一类", "Provincial class 1"),
        "class.class2": ("省级二类", "Provincial class 2"),
        "class.drill": ("岗位练兵", "On-the-job drill"),
        "class.contest": ("技术比武", "Skills contest"),
        "class.recognised": ("技术比武（认定晋级）", "Skills contest recognised for promotion"),
        "group.employee": ("职工组", "Employee group"),
        "group.student": ("学生组", "Student group"),
        "group.teacher": ("教师组", "Teacher group"),
        # fields, as a person calls them in an error message (kernel.errors.invalid)
        "field.id_number": ("身份证号", "ID number"),
        "field.reason": ("原因", "Reason"),
        "field.note": ("备注", "Note"),
        "field.status": ("状态", "Status"),
        "field.name": ("名称", "Name"),
        "field.tier": ("赛事级别", "Tier"),
        "field.phone": ("电话", "Phone"),
        "field.delegation": ("代表队", "Delegation"),
        "field.employer": ("工作单位", "Employer"),
        "field.current_level": ("现有等级", "Current level"),
        "field.skill_id": ("竞赛项目", "Skill"),
        "field.group_id": ("组别", "Group"),
        "field.session": ("场次", "Session"),
        "field.username": ("用户名", "Username"),
        "field.password": ("密码", "Password"),
        "field.current_password": ("当前密码", "Current password"),
        "field.display_name": ("显示名称", "Display name"),
        "field.role": ("角色", "Role"),
        "field.file": ("文件", "File"),
        "field.code": ("赛事代码", "Event code"),
        "field.number": ("证书编号", "Certificate number"),
        "field.ends_on": ("结束日期", "End date"),
        "field.starts_on": ("开始日期", "Start date"),
        "field.tier_class": ("赛事类别", "Event class"),
        "field.team_size": ("每队人数", "Team size"),
        "field.occupation_code": ("职业编码", "Occupation code"),
        "field.criteria": ("评分模块", "Criteria"),
        "field.hours": ("时长（小时）", "Hours"),
        "field.text": ("内容", "Text"),
        "field.seal": ("印章图片", "Seal image"),
        # roles
        "role.organiser": ("组织方", "Organiser"),
        "role.chief_judge": ("裁判长", "Chief judge"),
        "role.judge": ("裁判员", "Judge"),
        "role.encryption_officer": ("加密员", "Encryption officer"),
        "role.arbitrator": ("仲裁员", "Arbitrator"),
        "role.approver": ("审批人（人社厅）", "Approver (HRSS department)"),
        "role.contestant": ("选手", "Contestant"),
    }
)


def _register_levels() -> None:
    from scoring.levels import SkillLevel

    register({f"level.{int(level)}": (level.zh, level.en) for level in SkillLevel})


_register_levels()
