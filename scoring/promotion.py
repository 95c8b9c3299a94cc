"""Level promotion (晋升职业技能等级): who moves from which level to which, and by which rule.

Rules are data in the preset's ``promotion`` section, ``{"strategy": "level_rules", "params":
{"rules": [...]}}`` (the flat ``{"rules": [...]}`` stored before 2026-12 is read too), each::

    {"id": "award_to_technician",
     "who": {"min_award": "excellence"},          # 优胜奖 and above
     "to": "技师",                                  # the level the rule grants
     "already_held_to": "高级技师"}                  # for those already at or above "to"

``who`` may combine (all must hold): ``min_award`` (an award at least this good: gold = first
< silver = second < bronze = third < medallion = excellence), ``awards`` (one of these codes),
``ranks`` (``[from, to]`` inclusive), ``groups`` (employee / student / teacher), ``team_sizes``.
Levels are written as people write them (``"技师"``, ``"二级"``, ``"technician"``).

The outcome, for each person a rule matches:

- below ``to`` → promoted to ``to`` (never further, whatever the starting level);
- at or above ``to`` and below ``already_held_to`` → promoted to ``already_held_to``
  (already 技师 → 高级技师);
- otherwise (already at or above what the rule grants) → ``no_change``.

So a promotion never lowers a level and never passes what the rule grants. When several rules
match a person, the one granting the highest new level decides; among equals, the first listed.
A person without a recorded level counts as below every level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scoring.awards import AWARDS, award_standing
from scoring.levels import SkillLevel, parse_level
from scoring.messages import Message, ScoringError
from scoring.standing import Standing
from scoring.strategy import Registry, Strategy

PROMOTED = "promoted"
PROMOTED_ALREADY_HELD = "promoted_already_held"
NO_CHANGE = "no_change"
OUTCOME_LABELS = {
    PROMOTED: Message("晋升", "Promoted"),
    PROMOTED_ALREADY_HELD: Message("已具备该等级，晋升更高一级", "Already held; promoted to the next level the rule grants"),
    NO_CHANGE: Message("已具备规则所授等级，不变", "Already at or above what the rule grants; no change"),
}

_WHO_KEYS = {"min_award", "awards", "ranks", "groups", "team_sizes"}


@dataclass(frozen=True)
class PromotionRule:
    id: str
    to: SkillLevel
    already_held_to: SkillLevel | None = None
    min_award: str | None = None
    awards: frozenset[str] | None = None
    ranks: tuple[int, int] | None = None
    groups: frozenset[str] | None = None
    team_sizes: frozenset[int] | None = None

    def matches(self, s: Standing) -> bool:
        if self.groups is not None and s.group not in self.groups:
            return False
        if self.team_sizes is not None and s.team_size not in self.team_sizes:
            return False
        if self.ranks is not None and (s.rank is None or not self.ranks[0] <= s.rank <= self.ranks[1]):
            return False
        if self.awards is not None and s.award not in self.awards:
            return False
        if self.min_award is not None:
            got = award_standing(s.award)
            if got is None or got > AWARDS[self.min_award].standing:
                return False
        return True

    def outcome(self, current: SkillLevel | None) -> tuple[str, SkillLevel | None]:
        """``(outcome, new level)`` for someone at ``current``; new level None when unchanged."""
        if current is None or current < self.to:
            return PROMOTED, self.to
        if self.already_held_to is not None and current < self.already_held_to:
            return PROMOTED_ALREADY_HELD, self.already_held_to
        return NO_CHANGE, None


@dataclass(frozen=True)
class PromotionDecision:
    person_id: str
    rule_id: str
    outcome: str
    from_level: SkillLevel | None
    to_level: SkillLevel | None  # None: no change

    def to_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "rule_id": self.rule_id,
            "outcome": self.outcome,
            "outcome_label": OUTCOME_LABELS[self.outcome].to_dict(),
            "from_level": None if self.from_level is None else self.from_level.zh,
            "to_level": None if self.to_level is None else self.to_level.zh,
        }


def _bad(rule_id: str, zh: str, en: str) -> ScoringError:
    return ScoringError("bad_promotion_rule", Message(f"晋级规则 {rule_id}：{zh}", f"promotion rule {rule_id}: {en}"), rule_id=rule_id)


class PromotionStrategy(Strategy):
    """Base of promotion strategies: ``rules`` is what :func:`decide_promotions` applies."""

    rules: list[PromotionRule]


PROMOTION_RULES: Registry[PromotionStrategy] = Registry("promotion", "晋级")


@PROMOTION_RULES.register
class LevelRules(PromotionStrategy):
    """A list of rules, each granting a level to those it matches (see the module doc)."""

    name = "level_rules"

    @dataclass(frozen=True)
    class Params:
        rules: tuple[Any, ...] = ()

    def check_params(self) -> None:
        self.rules = _parse_list(self.params.rules)


def parse_rules(section: Mapping[str, Any] | None) -> list[PromotionRule]:
    """Read the preset's ``promotion`` section; every mistake names the rule."""
    section = dict(section or {})
    if "strategy" in section or "params" in section:
        return PROMOTION_RULES.from_section({"strategy": "level_rules", **section}).rules
    return _parse_list(section.get("rules") or ())


def _parse_list(raws: Sequence[Any]) -> list[PromotionRule]:
    out = []
    seen: set[str] = set()
    for i, raw in enumerate(raws):
        if not isinstance(raw, Mapping):
            raise _bad(f"#{i + 1}", "须为对象", "must be an object")
        rid = str(raw.get("id") or f"#{i + 1}")
        if rid in seen:
            raise _bad(rid, "编号重复", "id is used twice")
        seen.add(rid)
        who = dict(raw.get("who") or {})
        unknown = set(who) - _WHO_KEYS
        if unknown or set(raw) - {"id", "who", "to", "already_held_to"}:
            raise _bad(rid, f"不认识的条件 {sorted(unknown)}", f"unknown keys {sorted(unknown)}")
        try:
            to = parse_level(raw.get("to"))
            held = None if raw.get("already_held_to") in (None, "") else parse_level(raw["already_held_to"])
        except ValueError as exc:
            raise _bad(rid, f"等级无法识别（{exc}）", f"unknown level ({exc})") from None
        if held is not None and held <= to:
            raise _bad(rid, "already_held_to 须高于 to", "already_held_to must be above to")
        min_award = who.get("min_award")
        awards = who.get("awards")
        for code in ([min_award] if min_award else []) + list(awards or []):
            if code not in AWARDS:
                raise _bad(rid, f"未知的奖项 {code!r}", f"unknown award {code!r}")
        ranks = who.get("ranks")
        if ranks is not None:
            if len(ranks) != 2 or not all(isinstance(r, int) for r in ranks) or not 1 <= ranks[0] <= ranks[1]:
                raise _bad(rid, "ranks 须为 [起, 止] 名次", "ranks must be [from, to]")
            ranks = (ranks[0], ranks[1])
        groups = who.get("groups")
        sizes = who.get("team_sizes")
        out.append(
            PromotionRule(
                id=rid,
                to=to,
                already_held_to=held,
                min_award=min_award,
                awards=None if awards is None else frozenset(awards),
                ranks=ranks,
                groups=None if groups is None else frozenset(groups),
                team_sizes=None if sizes is None else frozenset(int(x) for x in sizes),
            )
        )
    return out


def decide_promotions(standings: Sequence[Standing], section: Mapping[str, Any] | Sequence[PromotionRule] | None) -> list[PromotionDecision]:
    """A decision for every person some rule matches (people no rule matches are left out)."""
    rules = list(section) if isinstance(section, Sequence) else parse_rules(section)
    by_person: dict[str, list[Standing]] = {}
    for s in standings:
        by_person.setdefault(s.person_id, []).append(s)
    out = []
    for person_id in sorted(by_person):
        # A person listed twice (two standings) is decided once, by the best outcome of either.
        best: tuple[str, SkillLevel | None, PromotionRule] | None = None
        level = by_person[person_id][0].level
        for s in by_person[person_id]:
            for rule in rules:
                if not rule.matches(s):
                    continue
                outcome, new = rule.outcome(level)
                if best is None or (new is not None and (best[1] is None or new > best[1])):
                    best = (outcome, new, rule)
        if best is not None:
            out.append(PromotionDecision(person_id, best[2].id, best[0], level, best[1]))
    return out
