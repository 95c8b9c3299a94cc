"""The annual selection of honours (南粤技能大师, 广东省技术能手 by selection …): pure rules, no I/O.

Policy 二(七): each year the province selects 南粤技能大师 and 技术能手; people with outstanding
results in provincial or higher contests receive 广东省技术能手. The event-based honours are
decided by :mod:`scoring.honours`; this module decides the *selection* round's questions:

- **Eligibility** (:func:`eligibility_problems`): a round's rules are data (``Rules``): a minimum
  skill level, a minimum number of years in the occupation, and "no honour of the same kind already
  held" (nobody receives the same honour twice). Each problem is a ``Message``.
- **Quota** (:func:`quota_problem`): a nominating body (a city or an industry body) nominates at
  most its quota of each honour.
- **Review score** (:func:`review_score`): each reviewer's total is the sum of their criterion
  scores (each within 0 … the criterion's maximum); a candidate's score is the trimmed mean of the
  reviewers' totals — the same ``trimmed_mean`` strategy (去掉最高分、最低分) judges' panels use,
  from :mod:`scoring.aggregation` — or the plain mean when fewer than three reviewers scored.
- **The proposed list** (:func:`propose`): candidates of one honour ranked by score (highest
  first; equal scores share a rank); the first ``places`` at or above ``min_score`` are proposed.
- **Stages** (:func:`stage_on`): which stage of the round a day falls in, from its dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Mapping, Sequence

from scoring.aggregation import AGGREGATIONS
from scoring.levels import SkillLevel
from scoring.messages import Message, ScoringError
from scoring.numbers import Rounding
from scoring.scheme import MEASUREMENT, Aspect

#: Honours a round may select, with their names; a round may add others (``code``, ``zh``, ``en``).
SELECTION_HONOURS = {
    "nanyue_skills_master": Message("南粤技能大师", "Nanyue Skills Master"),
    "guangdong_technical_expert": Message("广东省技术能手", "Guangdong Technical Expert"),
}

#: The stages of a round, in order, and the date that ends each (the announcement day starts the last).
NOMINATION, REVIEW, PUBLICITY, ANNOUNCEMENT = "nomination", "review", "publicity", "announcement"
STAGES = (NOMINATION, REVIEW, PUBLICITY, ANNOUNCEMENT)
STAGE_LABELS = {
    NOMINATION: Message("推荐", "Nomination"),
    REVIEW: Message("评审", "Review"),
    PUBLICITY: Message("公示", "Public notice (objections)"),
    ANNOUNCEMENT: Message("公布", "Announcement"),
}


@dataclass(frozen=True)
class Rules:
    """A round's eligibility rules, as the organiser sets them."""

    min_level: int = int(SkillLevel.SENIOR)
    min_years: int = 0
    exclude_held: bool = True

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Rules:
        data = data or {}
        level = data.get("min_level", int(SkillLevel.SENIOR))
        years = data.get("min_years", 0)
        if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= max(SkillLevel):
            raise ScoringError("bad_min_level", Message("最低技能等级须为 0–7", "the minimum level must be 0–7"), field="min_level")
        if isinstance(years, bool) or not isinstance(years, int) or not 0 <= years <= 60:
            raise ScoringError("bad_min_years", Message("从业年限须为 0–60 年", "years in the occupation must be 0–60"), field="min_years")
        return cls(level, years, bool(data.get("exclude_held", True)))

    def to_dict(self) -> dict[str, Any]:
        return {"min_level": self.min_level, "min_years": self.min_years, "exclude_held": self.exclude_held}


@dataclass(frozen=True)
class Candidate:
    """What eligibility looks at: the person's level now (registered or promoted, the higher),
    years in the occupation, and the honour codes they already hold."""

    level: int | None
    years: int
    honours_held: frozenset[str] = field(default_factory=frozenset)


def eligibility_problems(rules: Rules, honour: str, c: Candidate) -> list[Message]:
    """Why ``c`` may not be nominated for ``honour`` under ``rules`` (empty: eligible)."""
    out: list[Message] = []
    if c.level is None or c.level < rules.min_level:
        need = SkillLevel(rules.min_level)
        have = "无" if c.level is None else SkillLevel(c.level).zh
        have_en = "none" if c.level is None else SkillLevel(c.level).en
        out.append(Message(f"技能等级须不低于{need.zh}（现为{have}）", f"the skill level must be at least {need.en} (now {have_en})"))
    if c.years < rules.min_years:
        out.append(
            Message(f"从业年限须不少于 {rules.min_years} 年（现为 {c.years} 年）", f"needs {rules.min_years} years in the occupation (has {c.years})")
        )
    if rules.exclude_held and honour in c.honours_held:
        out.append(Message("已获此荣誉称号，不重复评选", "already holds this honour; nobody receives it twice"))
    return out


def quota_problem(quota: int | None, used: int) -> Message | None:
    """A body with ``used`` nominations of an honour may add one more? ``None`` quota: no quota set."""
    if quota is None or quota <= 0:
        return Message("本单位没有该荣誉的推荐名额", "this body has no nomination places for this honour")
    if used >= quota:
        return Message(f"推荐名额已用完（名额 {quota} 名，已推荐 {used} 名）", f"the quota is used up ({used} of {quota} nominated)")
    return None


@dataclass(frozen=True)
class Criterion:
    key: str
    zh: str
    en: str
    max: Decimal

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Criterion:
        key = str(d.get("key", "")).strip()
        if not key or len(key) > 20:
            raise ScoringError(
                "bad_criterion", Message("评审指标须有代码（不超过 20 个字符）", "each criterion needs a key (up to 20 characters)"), field="criteria"
            )
        try:
            top = Decimal(str(d.get("max", "")))
        except InvalidOperation:
            top = Decimal(0)
        if not top.is_finite() or top <= 0 or top > 1000:
            raise ScoringError(
                "bad_criterion",
                Message(f"评审指标 {key} 的满分须为 0–1000 的正数", f"criterion {key}: the maximum must be above 0, up to 1000"),
                field="criteria",
            )
        return cls(key, str(d.get("zh") or key), str(d.get("en") or d.get("zh") or key), top)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "zh": self.zh, "en": self.en, "max": str(self.max)}


DEFAULT_CRITERIA = (
    Criterion("skill", "技能水平", "Skill level", Decimal(40)),
    Criterion("results", "竞赛与工作业绩", "Contest and work results", Decimal(30)),
    Criterion("teaching", "传技带徒", "Passing on skills", Decimal(20)),
    Criterion("conduct", "职业道德", "Professional conduct", Decimal(10)),
)


def reviewer_total(criteria: Sequence[Criterion], scores: Mapping[str, Any]) -> Decimal:
    """One reviewer's total over every criterion; refuses a missing, unknown or out-of-range score."""
    known = {c.key for c in criteria}
    extra = sorted(set(scores) - known)
    if extra:
        raise ScoringError(
            "unknown_criterion", Message(f"未知的评审指标：{'、'.join(extra)}", f"unknown criteria: {', '.join(extra)}"), field="scores"
        )
    total = Decimal(0)
    for c in criteria:
        if c.key not in scores:
            raise ScoringError("missing_score", Message(f"缺少评审指标“{c.zh}”的分数", f"no score for the criterion {c.en}"), field="scores")
        try:
            v = Decimal(str(scores[c.key]))
        except InvalidOperation:
            v = Decimal(-1)
        if isinstance(scores[c.key], bool) or not v.is_finite() or v < 0 or v > c.max:
            raise ScoringError("bad_score", Message(f"“{c.zh}”的分数须为 0–{c.max}", f"the score for {c.en} must be 0–{c.max}"), field="scores")
        total += v
    return total


def review_score(totals: Sequence[Decimal], rounding: Rounding | None = None) -> Decimal | None:
    """A candidate's score from the reviewers' totals: the trimmed mean (highest and lowest dropped,
    :class:`scoring.aggregation.TrimmedMean`) with three or more reviewers, else the mean; None
    without any score."""
    rounding = rounding or Rounding(places=2)
    values = sorted(Decimal(v) for v in totals)
    if not values:
        return None
    top = max(max(values), Decimal(1))
    aspect = Aspect("review", "评审", MEASUREMENT, top)
    if len(values) >= 3:
        rule = AGGREGATIONS.create("trimmed_mean", {"judges": len(values), "drop_high": 1, "drop_low": 1})
    else:
        rule = AGGREGATIONS.create("mean", {"judges": len(values)})
    result = rule.combine(aspect, values, rounding)
    if result.mark is None:  # pragma: no cover - no spread limit is set, so a full panel always gives a mark
        return rounding.quantize(Fraction(sum(values, Decimal(0))) / len(values))
    return result.mark


@dataclass(frozen=True)
class Placed:
    key: Any
    score: Decimal | None
    rank: int | None
    proposed: bool


def propose(scores: Mapping[Any, Decimal | None], places: int, min_score: Decimal | None = None) -> list[Placed]:
    """Rank candidates of one honour by score and propose the first ``places``.

    Equal scores share a rank (1, 2, 2, 4); a shared rank that would cross ``places`` proposes
    nobody at that rank — the approver decides the tie, the rule does not pick one. Unscored
    candidates are listed last, unranked, never proposed.
    """
    if isinstance(places, bool) or not isinstance(places, int) or places < 0:
        raise ScoringError("bad_places", Message("名额须为不小于 0 的整数", "places must be a whole number, 0 or more"), field="places")
    scored = sorted(((k, s) for k, s in scores.items() if s is not None), key=lambda kv: (-kv[1], str(kv[0])))
    out: list[Placed] = []
    rank = 0
    for i, (key, score) in enumerate(scored):
        if i == 0 or score != scored[i - 1][1]:
            rank = i + 1
        same = sum(1 for _, s in scored if s == score)
        fits = rank - 1 + same <= places
        out.append(Placed(key, score, rank, fits and (min_score is None or score >= min_score)))
    out += [Placed(k, None, None, False) for k, s in scores.items() if s is None]
    return out


def parse_stages(data: Mapping[str, Any]) -> dict[str, dt.date]:
    """The round's dates: ``nomination_ends``, ``review_ends``, ``publicity_ends`` and ``announce_on``,
    in that order (each after the one before); dates as ISO text or ``date``."""
    names = ("nomination_ends", "review_ends", "publicity_ends", "announce_on")
    out: dict[str, dt.date] = {}
    for name in names:
        value = data.get(name)
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        except ValueError:
            raise ScoringError("bad_date", Message("日期须写成 2026-06-30", "dates are written 2026-06-30"), field=name) from None
        out[name] = day
    for before, after in zip(names, names[1:]):
        if out[after] <= out[before]:
            raise ScoringError("bad_order", Message("各阶段日期须依次在后", "each stage must end after the one before"), field=after)
    return out


def stage_on(stages: Mapping[str, dt.date], day: dt.date) -> str:
    """The stage ``day`` falls in: nomination up to its end day, then review, 公示, 公布."""
    if day <= stages["nomination_ends"]:
        return NOMINATION
    if day <= stages["review_ends"]:
        return REVIEW
    if day <= stages["publicity_ends"] or day < stages["announce_on"]:
        return PUBLICITY
    return ANNOUNCEMENT


def is_first_place_employee(group_kind: str, rank: int | None, tier: str) -> bool:
    """A row for the 五一劳动奖章 referral list: first place of an employees' group (职工组) of a
    provincial (or higher) contest."""
    return group_kind == "employee" and rank == 1 and tier in ("provincial", "national", "worldskills")
