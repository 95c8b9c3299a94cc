"""Eligibility (参赛资格) rules, read from the ``eligibility`` section of an event's rule preset.

Each rule gives a ``Finding``: a stable ``code``, the preset key it comes from (``rule``), a
severity, and a message in Chinese and English.

- ``eligibility.born_on_or_after`` → refusal ``too_old`` (WorldSkills-tier age limit). The value
  is ``"YYYY-MM-DD"``, a ``date``, or a bare year meaning 1 January of that year; ``None`` is no limit.
- ``eligibility.min_level`` (``{group_kind: level name}``) → refusal ``level_too_low``.
- ``eligibility.school_check`` → ``not_a_school``: a 学生组 or 教师组 entrant's employer should look
  like a school (学校, 学院, 大学, 技校, 技工, 职业, 中专, 职校, 中学, 高职, school, college…).
  Keyword matching cannot be certain, so by default this is a *warning* to the organiser;
  ``"strict"`` makes it a refusal and ``"off"`` disables it. (The key is not in the base presets yet;
  absent means ``"warning"``.) Employee groups are not checked: school staff may enter them.
- ``eligibility.min_entrants`` → warning ``few_entrants`` for a skill and group with fewer
  entrants: the organiser decides whether to merge or cancel, registration itself is not refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from scoring.idcard import Message
from scoring.levels import SkillLevel, parse_level

__all__ = ["EligibilityRules", "Finding", "check_entrant", "check_entrant_counts", "looks_like_school"]

REFUSAL = "refusal"
WARNING = "warning"

GROUP_KINDS = ("employee", "student", "teacher")
GROUP_LABELS: dict[str, Message] = {
    "employee": Message("职工组", "employee group"),
    "student": Message("学生组", "student group"),
    "teacher": Message("教师组", "teacher group"),
}
#: Group kinds whose entrants come from a school.
SCHOOL_GROUPS = ("student", "teacher")

_SCHOOL = re.compile(
    r"学校|学院|大学|技校|技工|职业|中专|职校|中学|高中|职中|高职|中职|书院|"
    r"school|college|universit|institute|academy|polytechnic",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: str  # REFUSAL or WARNING
    rule: str  # the preset key, e.g. "eligibility.min_level"
    message: Message
    field: str | None = None  # the entrant field it concerns: birth_date, current_level, employer


@dataclass(frozen=True)
class EligibilityRules:
    born_on_or_after: date | None = None
    min_level: Mapping[str, SkillLevel] = field(default_factory=dict)
    min_entrants: int = 0
    school_check: str = WARNING  # WARNING, "strict" or "off"

    @classmethod
    def from_preset(cls, preset: Mapping[str, Any] | None) -> EligibilityRules:
        """Read a whole effective preset (with an ``eligibility`` key) or just its section.

        Raises ValueError on a malformed section: a bad date or level name is a configuration
        mistake the organiser must see, not something to skip quietly.
        """
        section: Mapping[str, Any] = preset or {}
        if "eligibility" in section and isinstance(section["eligibility"], Mapping):
            section = section["eligibility"]
        born = _limit_date(section.get("born_on_or_after"))
        levels: dict[str, SkillLevel] = {}
        for kind, name in (section.get("min_level") or {}).items():
            if kind not in GROUP_KINDS:
                raise ValueError(f"eligibility.min_level: unknown group kind {kind!r}")
            if name is not None:
                levels[kind] = parse_level(name)
        school = section.get("school_check", WARNING) or "off"
        if school not in (WARNING, "strict", "off"):
            raise ValueError(f"eligibility.school_check must be 'warning', 'strict' or 'off', not {school!r}")
        return cls(born, levels, int(section.get("min_entrants") or 0), school)


def _limit_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit() and len(value.strip()) == 4):
        return date(int(value), 1, 1)
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"eligibility.born_on_or_after must be YYYY-MM-DD or a year, not {value!r}") from None


def looks_like_school(employer: str | None) -> bool:
    return bool(employer) and _SCHOOL.search(employer or "") is not None


def check_entrant(
    rules: EligibilityRules, *, group_kind: str, birth_date: date | None, current_level: SkillLevel | int | str | None, employer: str | None
) -> list[Finding]:
    """Refusals and warnings for one entrant of a group of kind ``group_kind``."""
    out: list[Finding] = []
    limit = rules.born_on_or_after
    if limit is not None and birth_date is not None and birth_date < limit:
        out.append(
            Finding(
                "too_old",
                REFUSAL,
                "eligibility.born_on_or_after",
                Message(
                    f"出生日期 {birth_date.isoformat()} 早于本赛事年龄限制（须在 {limit.isoformat()} 或之后出生）",
                    f"Born {birth_date.isoformat()}; this event requires a birth date on or after {limit.isoformat()}",
                ),
                "birth_date",
            )
        )
    need = rules.min_level.get(group_kind)
    if need is not None:
        level = None if current_level is None else parse_level(current_level)
        if level is None or level < need:
            have = level.zh if level is not None else "无"
            have_en = level.en if level is not None else "none"
            label = GROUP_LABELS[group_kind]
            out.append(
                Finding(
                    "level_too_low",
                    REFUSAL,
                    "eligibility.min_level",
                    Message(
                        f"{label.zh}要求现职业技能等级不低于{need.zh}，此人为{have}",
                        f"The {label.en} requires a current level of at least {need.en}; this entrant has {have_en}",
                    ),
                    "current_level",
                )
            )
    if rules.school_check != "off" and group_kind in SCHOOL_GROUPS and not looks_like_school(employer):
        label = GROUP_LABELS[group_kind]
        out.append(
            Finding(
                "not_a_school",
                REFUSAL if rules.school_check == "strict" else WARNING,
                "eligibility.school_check",
                Message(
                    f"{label.zh}选手的工作单位/学校“{employer or ''}”看起来不是学校，请核实",
                    f"Entrants of the {label.en} come from a school; '{employer or ''}' does not look like one, please check",
                ),
                "employer",
            )
        )
    return out


def check_entrant_counts(rules: EligibilityRules, counts: Mapping[tuple[str, str], int]) -> list[Finding]:
    """Warnings for each ``(skill name, group kind)`` with fewer entrants than the preset wants.

    Pass every group the event runs, with 0 for an empty one, so empty groups are reported too.
    """
    need = rules.min_entrants
    out: list[Finding] = []
    if need <= 0:
        return out
    for (skill, kind), n in counts.items():
        if n < need:
            label = GROUP_LABELS.get(kind, Message(kind, kind))
            out.append(
                Finding(
                    "few_entrants",
                    WARNING,
                    "eligibility.min_entrants",
                    Message(
                        f"竞赛项目“{skill}”{label.zh}现有 {n} 人报名，少于最低 {need} 人",
                        f"Skill '{skill}', {label.en}: {n} entrants, fewer than the minimum of {need}",
                    ),
                )
            )
    return out
