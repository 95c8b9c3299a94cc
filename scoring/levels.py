"""Skill levels (职业技能等级), lowest to highest, as the 新八级工 system of 2022 names them.

Registration, eligibility and promotion all speak of levels; this module is the one place that
orders them and parses the names people type into spreadsheets.
"""

from __future__ import annotations

import enum
import re


class SkillLevel(enum.IntEnum):
    """A skill level; the integer order is the seniority order (higher is more senior)."""

    APPRENTICE = 0  # 学徒工
    JUNIOR = 1  # 初级工 (五级)
    INTERMEDIATE = 2  # 中级工 (四级)
    SENIOR = 3  # 高级工 (三级)
    TECHNICIAN = 4  # 技师 (二级)
    SENIOR_TECHNICIAN = 5  # 高级技师 (一级)
    PRINCIPAL_TECHNICIAN = 6  # 特级技师
    CHIEF_TECHNICIAN = 7  # 首席技师

    @property
    def zh(self) -> str:
        return _ZH[self]

    @property
    def en(self) -> str:
        return _EN[self]

    def label(self, lang: str = "zh") -> str:
        return self.en if lang.startswith("en") else self.zh


_ZH = {
    SkillLevel.APPRENTICE: "学徒工",
    SkillLevel.JUNIOR: "初级工",
    SkillLevel.INTERMEDIATE: "中级工",
    SkillLevel.SENIOR: "高级工",
    SkillLevel.TECHNICIAN: "技师",
    SkillLevel.SENIOR_TECHNICIAN: "高级技师",
    SkillLevel.PRINCIPAL_TECHNICIAN: "特级技师",
    SkillLevel.CHIEF_TECHNICIAN: "首席技师",
}
_EN = {
    SkillLevel.APPRENTICE: "Apprentice",
    SkillLevel.JUNIOR: "Junior worker (level 5)",
    SkillLevel.INTERMEDIATE: "Intermediate worker (level 4)",
    SkillLevel.SENIOR: "Senior worker (level 3)",
    SkillLevel.TECHNICIAN: "Technician (level 2)",
    SkillLevel.SENIOR_TECHNICIAN: "Senior technician (level 1)",
    SkillLevel.PRINCIPAL_TECHNICIAN: "Principal technician",
    SkillLevel.CHIEF_TECHNICIAN: "Chief technician",
}
# The numbered grades people also write: 五级 … 一级.
_GRADES = {
    "五级": SkillLevel.JUNIOR,
    "四级": SkillLevel.INTERMEDIATE,
    "三级": SkillLevel.SENIOR,
    "二级": SkillLevel.TECHNICIAN,
    "一级": SkillLevel.SENIOR_TECHNICIAN,
}
_ALIASES: dict[str, SkillLevel] = {}
for _lvl in SkillLevel:
    _ALIASES[_ZH[_lvl]] = _lvl
    _ALIASES[_lvl.name.lower()] = _lvl
    _ALIASES[_EN[_lvl].lower()] = _lvl
_ALIASES.update(_GRADES)
_ALIASES["无"] = SkillLevel.APPRENTICE


def parse_level(text: str | int | SkillLevel | None) -> SkillLevel:
    """Read a level as people write it: "技师", "技师（二级）", "二级", "technician", 4.

    Raises ValueError with the list of accepted names when the text names no level.
    """
    if isinstance(text, SkillLevel):
        return text
    if isinstance(text, int):
        return SkillLevel(text)
    if text is None:
        raise ValueError("empty level")
    raw = str(text).strip()
    key = raw.lower()
    if key in _ALIASES:
        return _ALIASES[key]
    # "技师（二级）" / "技师(二级)": the name before the bracket decides; the bracket must agree.
    m = re.fullmatch(r"(.+?)\s*[（(]\s*(.+?)\s*[)）]", raw)
    if m:
        head, grade = m.group(1).strip(), m.group(2).strip()
        lvl = _ALIASES.get(head.lower())
        if lvl is not None and (grade not in _GRADES or _GRADES[grade] == lvl):
            return lvl
    raise ValueError(f"unknown skill level {raw!r}; use one of: " + "、".join(_ZH.values()))
