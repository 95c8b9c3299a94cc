"""The rules form (规则设置, ``/events/{id}/rules``): the award, honour, promotion, tie and window
rules of an event in its organisers' words, each setting with a hint, an "advanced" JSON view of
the overrides that round-trips with the form, and a live preview of who would get what
(``POST /api/events/{id}/rules/preview``, which never saves). Saving is ``PUT /preset``."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from competition.events import rule_fields
from competition.events import service as events
from frontend.pages import render
from kernel.errors import request_lang
from kernel.guards import allowed
from kernel.i18n import register
from scoring import presets
from scoring.awards import AWARD_RULES
from scoring.honours import HONOUR_RULES
from scoring.levels import SkillLevel

register(
    {
        "rules.title": ("规则设置", "Rules"),
        "rules.link": ("规则设置", "Rules"),
        "rules.intro": (
            "本赛事在“{preset}”规则的基础上可以修改以下设置。每项下方说明其含义；修改后可先预览结果，再保存。",
            "This event starts from the {preset} rules and may change the settings below. Each setting says what it means; preview the effect before saving.",
        ),
        "rules.save": ("保存规则", "Save the rules"),
        "rules.saved": ("规则已保存", "Rules saved"),
        "rules.preview": ("预览结果", "Preview"),
        "rules.preview_title": ("预览：按这些规则，谁获得什么", "Preview: who gets what under these rules"),
        "rules.preview_note": ("预览不会保存任何内容。", "The preview saves nothing."),
        "rules.preview_current": ("按各组当前排名计算。", "Computed on each group's current ranking."),
        "rules.preview_sample": (
            "还没有排名，按样例排名计算（可修改上面的样例成绩）。",
            "No ranking yet: computed on a sample ranking (edit the sample scores above).",
        ),
        "rules.sample_scores": ("样例成绩（用逗号或空格隔开）", "Sample scores (separated by commas or spaces)"),
        "rules.sample_only": ("只用样例排名", "Use the sample ranking only"),
        "rules.advanced": ("高级：以 JSON 查看与编辑", "Advanced: view and edit as JSON"),
        "rules.form_view": ("返回表单", "Back to the form"),
        "rules.advanced_help": (
            "这里是本赛事对基础规则的覆盖设置，与表单一一对应；返回表单时会按这里的内容重新填写。",
            "These are this event's overrides of the base rules, the same as the form; going back to the form fills it from them.",
        ),
        "rules.json_error": ("JSON 格式有误（第 {line} 行第 {col} 列附近）：{msg}", "The JSON is not valid (near line {line}, column {col}): {msg}"),
        "rules.col_place": ("名次", "Place"),
        "rules.col_who": ("选手", "Contestant"),
        "rules.col_score": ("成绩", "Score"),
        "rules.col_award": ("奖项", "Award"),
        "rules.col_honour": ("荣誉称号", "Honour"),
        "rules.col_promotion": ("晋级", "Promotion"),
        "rules.col_reason": ("原因", "Why"),
        "rules.none": ("—", "—"),
        "rules.tie": ("并列", "tied"),
        "rules.empty": ("（留空）", "(empty)"),
        "rules.all_groups": ("全部组别", "Every group"),
        "rules.tb_none": ("（不再比较）", "(nothing more)"),
        "rules.tb_n": ("第 {n} 依据", "Tie-break {n}"),
        "rules.rule_id": ("规则编号", "Rule id"),
        "rules.rule_min_award": ("获得至少", "With at least"),
        "rules.rule_ranks": ("或名次范围（起–止）", "Or places (from–to)"),
        "rules.rule_to": ("晋升到", "Promoted to"),
        "rules.rule_held_to": ("已具备者晋升到", "If already held, to"),
        "rules.rule_add": ("添加晋级规则", "Add a promotion rule"),
        "rules.rule_remove": ("删除此规则", "Remove this rule"),
        "rules.any": ("不限", "any"),
        "rules.floor": ("本级别下限 {hours} 小时", "The tier's minimum: {hours} h"),
        "rules.invalid_number": ("「{label}」应为数字", "'{label}' must be a number"),
        "rules.invalid_ratio": ("「{label}」应为三个整数，如 1:2:3", "'{label}' must be three whole numbers, e.g. 1:2:3"),
        "rules.group.employee": ("职工组", "Employee group"),
        "rules.group.student": ("学生组", "Student group"),
        "rules.group.teacher": ("教师组", "Teacher group"),
        "rules.medal.gold": ("金牌至第", "Gold to place"),
        "rules.medal.silver": ("银牌至第", "Silver to place"),
        "rules.medal.bronze": ("铜牌至第", "Bronze to place"),
        "rules.team.1": ("个人", "Individuals"),
        "rules.team.2": ("双人队", "Two-person teams"),
        "rules.team.3": ("三人队", "Three-person teams"),
        "rules.preset_name": ("规则预设", "Rule preset"),
    }
)


@get("/events/{event_id:int}/rules", include_in_schema=False, guards=[allowed("read_rules")])
async def rules_page(request: Request, event_id: int) -> Template:
    event = events.event_json(await events.get_event(event_id))
    preset = await events.event_preset(event_id)
    name = preset["name"]
    defaults = {
        "awards": {s: presets.strategy_defaults(AWARD_RULES, s) for s in AWARD_RULES.names()},
        "honours": {s: presets.strategy_defaults(HONOUR_RULES, s) for s in HONOUR_RULES.names()},
    }
    floors = presets.window_floors(preset["effective"])
    return await render(
        request,
        "event_rules.html",
        event=event,
        fields=rule_fields.FIELDS,
        sections=rule_fields.SECTIONS,
        levels=[lv.zh for lv in SkillLevel],
        floors=floors,
        labels={f.path: rule_fields.label(f.path, request_lang(request)) for f in rule_fields.FIELDS},
        data={
            "base": presets.base_preset(name),
            "overrides": preset["overrides"],
            "effective": preset["effective"],
            "defaults": defaults,
            "fields": rule_fields.form_fields(),
        },
    )


def page_handlers() -> list:
    return [rules_page]
