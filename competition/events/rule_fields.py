"""The rules form (规则设置): every setting of the award, honour, promotion, tie and window rules
in the words of the people who set them, with a hint each, zh and en.

One list, :data:`FIELDS`, serves the page (which renders an input per field) and the API (whose
refusals name a setting by its label here, never by its path). Each field is a path in the preset
(``awards.params.cap_fraction``), how it is typed (``kind``), and the strategies of its section it
belongs to (``strategies``; empty: every strategy). Labels and hints are in the message catalogue
under ``rules.f.<path>`` and ``rules.h.<path>``; a choice's options under ``rules.o.<field>.<value>``.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from kernel.errors import AppError, BilingualError
from kernel.i18n import register, t

#: Sections of the form, in order, each with its heading's message key.
SECTIONS = ("awards", "ranking", "honours", "promotion", "results", "eligibility")


@dataclasses.dataclass(frozen=True)
class Field:
    path: str
    kind: str  # choice, ratio, percent, decimal, int, hours, bool, groups, award, text, date, medal_ranks, team_sizes, tie_breaks, levels, promotion_rules
    zh: str
    en: str
    hint_zh: str
    hint_en: str
    strategies: tuple[str, ...] = ()
    options: tuple[tuple[str, str, str], ...] = ()  # (value, zh, en)
    nullable: bool = False

    @property
    def section(self) -> str:
        return self.path.split(".")[0]

    @property
    def key(self) -> str:
        return self.path.replace(".", "_")

    def option_key(self, value: str) -> str:
        return f"rules.o.{self.path}.{value}"


_ROUNDINGS = (("floor", "向下取整", "round down"), ("ceil", "向上取整", "round up"), ("half_up", "四舍五入", "round half up"))
_TIES = (
    ("lower", "整组取较低奖项（名额上限不会被突破）", "the whole tie takes the lower award (the cap is never exceeded)"),
    ("higher", "整组取较高奖项（可能超出名额）", "the whole tie takes the higher award (may exceed the cap)"),
)
_BASIS = (
    ("ranked", "参与排名的人数", "those ranked"),
    ("listed", "报名名单上的全部人数（含缺考、取消资格）", "everyone listed (absent and disqualified too)"),
)
_COUNT_AMONG = (
    ("all", "全部参赛者都占名额", "every entrant takes a place"),
    ("eligible", "只有符合条件者占名额（后面的顺延）", "only those eligible take places (the next move up)"),
)
_AWARD_CHOICES = (
    ("first", "一等奖", "first prize"),
    ("second", "二等奖", "second prize"),
    ("third", "三等奖", "third prize"),
    ("excellence", "优胜奖", "excellence award"),
    ("gold", "金牌", "gold medal"),
    ("silver", "银牌", "silver medal"),
    ("bronze", "铜牌", "bronze medal"),
    ("medallion", "优胜奖（世赛）", "Medallion for Excellence"),
)
_PROVINCIAL = ("provincial",)
_MEDALS_BY_RANK = ("national", "guangdong")
_HALF_CUT = ("provincial", "national", "guangdong")
_TOP_RULES = ("guangdong_technical_expert", "national_technical_expert", "top_by_rank")

FIELDS: tuple[Field, ...] = (
    # ---- awards (奖项) ----
    Field(
        "awards.strategy",
        "choice",
        "奖项设置方式",
        "How awards are given",
        "省赛多为一/二/三等奖按比例；国赛与广东省职业技能大赛为金/银/铜牌按名次；世赛按分差授奖牌。",
        "Provincial contests award first/second/third prizes by ratio; national and the Guangdong skills contest medals by place; WorldSkills medals by margin.",
        options=(
            ("provincial", "一/二/三等奖按比例（省赛）", "first/second/third prizes by ratio (provincial)"),
            ("national", "金/银/铜牌按名次（国赛）", "gold/silver/bronze by place (national)"),
            ("guangdong", "金/银/铜牌按名次（广东省职业技能大赛）", "gold/silver/bronze by place (Guangdong skills contest)"),
            ("worldskills", "世赛奖牌（分差内同奖）", "WorldSkills medals (shared within a margin)"),
        ),
    ),
    Field(
        "awards.params.ratio",
        "ratio",
        "比例（一等奖:二等奖:三等奖）",
        "Ratio (first : second : third)",
        "三个整数，用冒号隔开，如 1:2:3。获奖名额按此比例分配。",
        "Three whole numbers separated by colons, e.g. 1:2:3; the prize places are split in this ratio.",
        _PROVINCIAL,
    ),
    Field(
        "awards.params.cap_fraction",
        "percent",
        "获奖比例上限（%）",
        "Prizes at most (% of entrants)",
        "一、二、三等奖合计不超过参赛人数的这一比例，如 20 %。",
        "First, second and third prizes together are at most this share of the entrants, e.g. 20 %.",
        _PROVINCIAL,
    ),
    Field(
        "awards.params.cap_rounding",
        "choice",
        "上限人数取整",
        "Rounding of that cap",
        "参赛人数乘以上限比例不是整数时如何取整；上限一般向下取整。",
        "How the cap is rounded when it is not a whole number; a maximum is usually rounded down.",
        _PROVINCIAL,
        _ROUNDINGS,
    ),
    Field(
        "awards.params.split",
        "choice",
        "名额分配方式",
        "How the places are split",
        "按比例分配后余下的名额如何处理。",
        "What happens to the places left over after the split by ratio.",
        _PROVINCIAL,
        (
            ("largest_remainder", "余额按最大余数补给（合计等于上限）", "left-overs go to the largest remainders (adds up to the cap)"),
            ("floor", "各自向下取整，余额不授", "each rounded down, left-overs not awarded"),
            ("unit", "只按比例的整数倍授予", "whole multiples of the ratio only"),
        ),
    ),
    Field(
        "awards.params.medal_ranks",
        "medal_ranks",
        "奖牌授至第几名",
        "Medals up to which place",
        "金、银、铜牌各授至第几名（按名次，并列者同奖，其后名次顺延跳过）。",
        "The last place that gets gold, silver and bronze (by place; ties share and the next places are skipped).",
        _MEDALS_BY_RANK,
    ),
    Field(
        "awards.params.excellence_fraction",
        "percent",
        "优胜奖：前 % 内未获奖者",
        "Excellence award: the rest of the top %",
        "排名在前这一比例内、未获其他奖项者获优胜奖，如 50 %；0 表示不设优胜奖。",
        "Those in the top share who got no other award receive the excellence award, e.g. 50 %; 0 means none.",
        _HALF_CUT,
    ),
    Field(
        "awards.params.excellence_rounding",
        "choice",
        "优胜奖人数取整",
        "Rounding of the excellence cut",
        "前 % 的人数不是整数时如何取整。",
        "How the excellence cut is rounded when it is not a whole number.",
        _HALF_CUT,
        _ROUNDINGS,
    ),
    Field(
        "awards.params.tie_at_boundary",
        "choice",
        "并列处理（跨越名额界线时）",
        "Ties across a quota line",
        "并列者总是同奖。一组并列者跨越两个奖项的界线时（如二等奖只剩 1 个名额而 2 人并列），整组取较低还是较高的奖项。",
        "Tied contestants always get the same award. When a tie crosses the line between two awards (one second prize left, two tied), the whole tie takes the lower or the higher award.",
        _HALF_CUT,
        _TIES,
    ),
    Field(
        "awards.params.basis",
        "choice",
        "参赛人数口径",
        "Entrants counted",
        "比例按哪些人的人数计算。",
        "Whose number the shares are taken of.",
        _HALF_CUT,
        _BASIS,
    ),
    Field(
        "awards.params.min_score",
        "decimal",
        "不评奖分数线",
        "No award below",
        "低于此成绩者不获任何奖项（成绩不合格不评奖）；留空表示不设。",
        "No award for a score below this (成绩不合格不评奖); empty for none.",
        _HALF_CUT,
        nullable=True,
    ),
    Field(
        "awards.params.medal_margin",
        "decimal",
        "奖牌分差",
        "Medal margin",
        "与某奖牌首位的分差在此之内者同获该奖牌，下一奖牌顺延跳过；0 表示只有同分才并列。",
        "Those within this many points of a medal's leader share it and the next medal is skipped; 0: only equal scores share.",
        ("worldskills",),
    ),
    Field(
        "awards.params.excellence_threshold",
        "decimal",
        "优胜奖分数线（世赛）",
        "Medallion for Excellence from",
        "未获奖牌且成绩不低于此者获优胜奖，一般为 700；留空表示不设。",
        "Without a medal, a score at least this earns the Medallion for Excellence, usually 700; empty for none.",
        ("worldskills",),
        nullable=True,
    ),
    Field(
        "awards.params.count_among",
        "choice",
        "名额计算范围",
        "Places counted among",
        "不能获奖者（如不符合条件）是否仍占名额。",
        "Whether those who may not receive an award still take a place.",
        (),
        _COUNT_AMONG,
    ),
    # ---- ranking (排名与并列) ----
    Field(
        "ranking.params.tie_margin",
        "decimal",
        "并列分差",
        "Tie margin",
        "与同组领先者分差在此之内者视为同分，再按并列处理依据排序；0 表示只有同分才并列。",
        "Scores within this many points of a group's leader count as equal and go to the tie-breaks; 0: only equal scores tie.",
    ),
    Field(
        "ranking.params.tie_break",
        "tie_breaks",
        "同分时依次比较",
        "Equal scores are separated by",
        "同分者依次按这些依据排先后；都相同则并列（名次相同，下一名次跳过，如 1、1、3）。",
        "Equal scores are ordered by these in turn; equal on all of them, they share the place (1, 1, 3).",
        options=(
            ("practical_total", "实操成绩高者在前", "higher practical total"),
            ("theory_total", "理论成绩高者在前", "higher theory total"),
            ("fewer_deductions", "扣分少者在前", "fewer deductions"),
            ("earlier_finish", "先完成者在前", "earlier finish"),
        ),
    ),
    Field(
        "ranking.params.unshared",
        "bool",
        "选手排名不并列",
        "Ranks are never shared",
        "勾选后，比较完上述依据仍同分者由下一项决定先后，不再并列。",
        "When ticked, those still equal after the tie-breaks are separated by the next setting; no place is shared.",
    ),
    Field(
        "ranking.params.unshared_by",
        "choice",
        "仍并列时由…决定",
        "What decides the last ties",
        "只在选手排名不并列时使用。",
        "Used only when ranks are never shared.",
        options=(("lot", "抽签", "a lot"), ("earlier_finish", "先完成者在前，再抽签", "earlier finish, then a lot")),
    ),
    Field(
        "ranking.params.lot_seed",
        "text",
        "抽签种子",
        "Lot seed",
        "由裁判长给出的一串字符；同一种子总是得出同一顺序。未给出时，需抽签决定的并列不能公布。",
        "A string the chief judge gives; the same seed always gives the same order. Without it, ties only a lot decides cannot be published.",
        nullable=True,
    ),
    # ---- honours (荣誉称号) ----
    Field(
        "honours.strategy",
        "choice",
        "荣誉称号",
        "Honour granted",
        "本赛事按成绩授予的荣誉称号。",
        "The honour this event grants by result.",
        options=(
            ("none", "不授荣誉称号", "no honour"),
            ("guangdong_technical_expert", "广东省技术能手（职工组）", "Guangdong Technical Expert (employee group)"),
            ("national_technical_expert", "全国技术能手", "National Technical Expert"),
            ("top_by_rank", "按名次授予其他称号（如市技术能手）", "another honour by place (e.g. city technical expert)"),
        ),
    ),
    Field(
        "honours.params.honour",
        "choice",
        "称号名称",
        "Which honour",
        "按名次授予的称号。",
        "The honour granted by place.",
        ("top_by_rank",),
        (
            ("city_technical_expert", "市技术能手", "City Technical Expert"),
            ("guangdong_technical_expert", "广东省技术能手", "Guangdong Technical Expert"),
            ("national_technical_expert", "全国技术能手", "National Technical Expert"),
        ),
    ),
    Field(
        "honours.params.top",
        "int",
        "技术能手名额（前几名）",
        "Places that earn it (top N)",
        "排名前几名获此称号（并列第 N 名者都算在内）；省级一类常为 5，二类常为 3。",
        "The top N places earn it (a tie at place N counts whole); class 1 provincial events commonly 5, class 2 commonly 3.",
        _TOP_RULES,
    ),
    Field(
        "honours.params.top_by_team_size",
        "team_sizes",
        "按每队人数的名额",
        "Places by team size",
        "双人赛、三人赛的名额（全国技术能手：个人 5、双人 3、三人 2）；留空则都用上面的名额。",
        "Places for two- and three-person teams (National Technical Expert: 5, 3, 2); empty: the places above for all.",
        _TOP_RULES,
        nullable=True,
    ),
    Field(
        "honours.params.groups",
        "groups",
        "可获称号的组别",
        "Groups that may earn it",
        "广东省技术能手只授职工组；全部勾选表示各组都可。",
        "Guangdong Technical Expert goes to the employee group only; all ticked: every group.",
        _TOP_RULES,
        nullable=True,
    ),
    Field(
        "honours.params.min_award",
        "award",
        "还须获得至少",
        "Also needs at least the award",
        "除名次外，还须获得不低于此的奖项；留空表示不要求。",
        "Besides the place, an award at least this good; empty: not required.",
        _TOP_RULES,
        _AWARD_CHOICES,
        nullable=True,
    ),
    Field(
        "honours.params.requires_approval",
        "bool",
        "须经审批（省人社厅）",
        "Needs approval",
        "勾选后，名单须经审批后才能签发证书。",
        "When ticked, the list is approved before certificates are issued.",
        _TOP_RULES,
    ),
    Field(
        "honours.params.count_among",
        "choice",
        "名额计算范围",
        "Places counted among",
        "其他组别、已获此称号者是否占名额。",
        "Whether other groups and those already holding the honour take places.",
        _TOP_RULES,
        (
            ("all", "全部参赛者都占名额", "every entrant takes a place"),
            ("eligible", "只有候选人占名额（其他组别、已获称号者不占）", "only candidates take places (not other groups, nor holders)"),
        ),
    ),
    # ---- promotion (晋级) ----
    Field(
        "promotion.params.rules",
        "promotion_rules",
        "晋级规则",
        "Level promotion rules",
        "每条规则：获得至少某奖项（或某名次范围、某组别）者晋升到某等级；已具备该等级者晋升到更高一级。晋升不会降低等级，也不超过规则所授。",
        "Each rule: those with at least an award (or within places, or of a group) are promoted to a level; those already holding it to the next one. A promotion never lowers a level nor passes what the rule grants.",
    ),
    # ---- results windows (公示与申诉) ----
    Field(
        "results.notice_hours",
        "hours",
        "公示时长（小时）",
        "Public notice (hours)",
        "暂定成绩公示多少小时后才能确定成绩；不能短于本级别的下限。",
        "How long provisional results are publicly noticed before they can be made final; not below the tier's minimum.",
    ),
    Field(
        "results.appeal_window_hours",
        "hours",
        "申诉时长（小时）",
        "Appeals within (hours)",
        "公布暂定成绩后多少小时内可以申诉；不能短于本级别的下限。",
        "How many hours after provisional results appeals may be filed; not below the tier's minimum.",
    ),
    # ---- eligibility (参赛资格) ----
    Field(
        "eligibility.born_on_or_after",
        "date",
        "出生日期不早于",
        "Born on or after",
        "年龄限制（世赛）：在此日期或之后出生；留空表示不限。",
        "Age limit (WorldSkills): born on or after this date; empty for none.",
        nullable=True,
    ),
    Field(
        "eligibility.min_level",
        "levels",
        "各组别最低技能等级",
        "Lowest skill level per group",
        "报名者须至少具备此等级；留空表示不限。",
        "Entrants hold at least this level; empty for none.",
    ),
    Field(
        "eligibility.min_entrants",
        "int",
        "每组最少参赛人数",
        "Fewest entrants per group",
        "低于此人数时提示组织方合并或取消（报名本身不被拒绝）；省赛一般 30。",
        "Below this the organiser is warned to merge or cancel (registration is not refused); provincial contests commonly 30.",
    ),
    Field(
        "eligibility.school_check",
        "choice",
        "学生组、教师组单位核对",
        "School check of student and teacher groups",
        "学生组、教师组的单位应为学校；按关键词判断，不能完全确定。",
        "Student and teacher entrants' employer should be a school; judged by keywords, so never certain.",
        options=(("warning", "提示", "warn"), ("strict", "拒绝", "refuse"), ("off", "不核对", "off")),
    ),
)

BY_PATH = {f.path: f for f in FIELDS}

_SECTION_TITLES = {
    "awards": ("奖项", "Awards"),
    "ranking": ("排名与并列", "Ranking and ties"),
    "honours": ("荣誉称号", "Honours"),
    "promotion": ("晋升职业技能等级", "Level promotion"),
    "results": ("公示与申诉", "Public notice and appeals"),
    "eligibility": ("参赛资格", "Eligibility"),
}

_catalogue: dict[str, tuple[str, str]] = {f"rules.s.{k}": v for k, v in _SECTION_TITLES.items()}
for _f in FIELDS:
    _catalogue[f"rules.f.{_f.path}"] = (_f.zh, _f.en)
    _catalogue[f"rules.h.{_f.path}"] = (_f.hint_zh, _f.hint_en)
    for _value, _zh, _en in _f.options:
        _catalogue[_f.option_key(_value)] = (_zh, _en)
# Settings outside the form that a refusal may still name.
_catalogue.update(
    {
        "rules.f.results.min_notice_hours": ("公示时长下限", "Minimum public notice"),
        "rules.f.results.min_appeal_window_hours": ("申诉时长下限", "Minimum appeal window"),
        "rules.f.ranking.strategy": ("排名方式", "Ranking rule"),
        "rules.f.promotion.strategy": ("晋级方式", "Promotion rule"),
        "rules.f.eligibility": ("参赛资格", "Eligibility"),
        "rules.f.overrides": ("规则", "The rules"),
        "rules.f.awards": ("奖项", "Awards"),
        "rules.f.honours": ("荣誉称号", "Honours"),
        "rules.f.ranking": ("排名", "Ranking"),
        "rules.f.promotion": ("晋级规则", "Level promotion"),
        "rules.f.results": ("公示与申诉", "Public notice and appeals"),
        "rules.f.scoring": ("评分规则", "Scoring"),
        "rules.f.standardisation": ("标准分换算", "Standardisation"),
        "rules.f.judging": ("裁判组", "Judge panels"),
    }
)
register(_catalogue)


def label(path: str, lang: str = "zh") -> str:
    """The setting at ``path`` in words: its own label, else its nearest labelled parent's with
    the rest of the path (a key the form does not know, typed in the advanced view)."""
    parts = path.split(".")
    rest: list[str] = []
    while parts:
        key = "rules.f." + ".".join(parts)
        text = t(key, lang)
        if text != key:
            tail = ".".join(p for p in rest if p != "params")
            return f"{text} › {tail}" if tail else text
        rest.insert(0, parts.pop())
    return path


def _params_tail(path: str) -> str | None:
    parts = path.split(".")
    return parts[-1] if len(parts) >= 3 and parts[-2] == "params" else None


def worded(exc: AppError) -> AppError:
    """The same refusal with every mention of the setting's path (or its parameter's name) in the
    user's words: ``awards.params.ratio`` → 「比例（一等奖:二等奖:三等奖）」."""
    path = exc.field
    if not path or not isinstance(exc, BilingualError):
        return exc
    out = {}
    for lang, text in exc.texts.items():
        name = label(path, lang)
        quoted = f"「{name}」" if lang == "zh" else f"'{name}'"
        names = [re.escape(f"“{path}”"), re.escape(f"'{path}'")]
        if "." in path:
            names.append(rf"(?<![\w.]){re.escape(path)}(?![\w.])")
        tail = _params_tail(path)
        if tail:
            names.append(rf"(?<![\w.']){re.escape(tail)}(?![\w'])")
        text = re.sub("|".join(names), lambda _m: quoted, text)
        if lang == "zh":
            text = text.replace(" 「", "「").replace("」 ", "」")
        if name not in text:
            text = (f"{quoted}：" if lang == "zh" else f"{quoted}: ") + text
        out[lang] = text
    return BilingualError(exc.status_code, exc.code, zh=out.get("zh", ""), en=out.get("en", ""), field=path, extra=exc.extra_data)


def form_fields() -> list[dict[str, Any]]:
    """The fields as the page renders them (by section, in order)."""
    return [
        {
            "path": f.path, "key": f.key, "kind": f.kind, "section": f.section, "strategies": list(f.strategies),
            "options": [v for v, _, _ in f.options], "nullable": f.nullable,
        }
        for f in FIELDS
    ]  # fmt: skip
