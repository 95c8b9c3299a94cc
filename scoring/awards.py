"""Awards (奖项): who gets which prize or medal, from a final ranking.

Chosen by the preset's ``awards`` section. Award codes are stable strings; :data:`AWARDS` gives
their Chinese and English labels and their standing (lower is better, for "优胜奖 and above").

- ``worldskills`` (世赛): gold, silver, bronze by rank with a ``medal_margin`` on the score:
  contestants within the margin of a medal's leader (or sharing its rank) share the medal and the
  next medal is skipped. Two golds → no silver, one or more bronze. Three or more golds → no
  silver, and bronze only to those within the margin of the last gold. One gold and two or more
  silvers → no bronze. A shared bronze goes to all. A contestant without a medal scoring at or
  above ``excellence_threshold`` (700) gets the Medallion for Excellence (优胜奖).
- ``provincial`` (省赛): 一/二/三等奖 in ``ratio`` (1:2:3), together at most ``cap_fraction`` (20 %)
  of entrants, the cap rounded by ``cap_rounding`` (floor) and split by ``split`` (see
  :func:`split_counts`); then 优胜奖 to the others in the top ``excellence_fraction`` (50 %), that
  cut rounded by its own ``excellence_rounding`` (floor; published national totals show the half
  cut often rounded up while the prize cap is rounded down). Roundings: floor, ceil, half_up.
- ``national`` (国赛): gold, silver, bronze to ranks up to ``medal_ranks`` (1st, 2nd, 3rd; ties
  share, competition ranking skips), then 优胜奖 as provincial.
- ``guangdong`` (广东省职业技能大赛): 金/银/铜牌 by rank as ``national`` — not 一/二/三等奖 — then
  优胜奖 to the rest of the top ``excellence_fraction``.

**Who uses up places** (``count_among``). The caller may say who is eligible for an award at all
(``eligible``; everyone when not given). Those not eligible never receive one; with
``count_among: "all"`` (default) they still take their places, with ``"eligible"`` places and the
entrant count *N* are counted among the eligible only (the next eligible moves up).

**Ties at a quota boundary.** Tied contestants (same rank) always get the same award. When a tie
group straddles a boundary (say 6 prizes and ranks 5, 6, 6), ``tie_at_boundary`` decides:
``"lower"`` (default) gives the whole group the award whose cumulative quota it fits inside
(here: the two 6th get 优胜奖), so no cap is ever exceeded, the 20 % cap being a maximum;
``"higher"`` gives the whole group the award its first member reached (both 6th get 三等奖), which
may exceed the cap by the size of that group less one.

``entrants`` (the *N* the fractions apply to) is the number of ranked contestants by default
(``basis: "ranked"``); ``basis: "listed"`` counts absent and disqualified contestants too.
An optional ``min_score`` withholds any award from scores below it (成绩不合格不评奖).
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from scoring.messages import Message, ScoringError
from scoring.numbers import div_round, normalise_mode
from scoring.ranking import Ranked
from scoring.strategy import Registry, Strategy


@dataclass(frozen=True)
class AwardKind:
    code: str
    label: Message
    standing: int  # 1 best; "min_award" compares standings


AWARDS: dict[str, AwardKind] = {
    k.code: k
    for k in (
        AwardKind("gold", Message("金牌", "Gold medal"), 1),
        AwardKind("silver", Message("银牌", "Silver medal"), 2),
        AwardKind("bronze", Message("铜牌", "Bronze medal"), 3),
        AwardKind("medallion", Message("优胜奖", "Medallion for Excellence"), 4),
        AwardKind("first", Message("一等奖", "First prize"), 1),
        AwardKind("second", Message("二等奖", "Second prize"), 2),
        AwardKind("third", Message("三等奖", "Third prize"), 3),
        AwardKind("excellence", Message("优胜奖", "Excellence award"), 4),
        # Across the skills of a WorldSkills event (scoring/event_awards.py), besides the medal of a skill.
        AwardKind("best_of_nation", Message("国家最佳选手奖", "Best of Nation"), 1),
        AwardKind("albert_vidal", Message("阿尔伯特·维达尔奖", "Albert Vidal Award"), 1),
    )
}


def award_label(code: str | None, lang: str = "zh") -> str:
    if code is None:
        return ""
    return AWARDS[code].label.text(lang)


def award_standing(code: str | None) -> int | None:
    """Lower is better; None for no award."""
    return None if code is None else AWARDS[code].standing


class AwardRule(Strategy):
    """Base: ``assign`` maps every contestant of one ranking to an award code or None."""

    @abc.abstractmethod
    def assign(self, ranking: Sequence[Ranked]) -> dict[str, str | None]:
        """Every contestant of the ranking → an award code, or None."""

    def award(self, ranking: Sequence[Ranked], eligible: Collection[str] | None = None) -> dict[str, str | None]:
        """:meth:`assign`, with only ``eligible`` contestants receiving (see ``count_among``)."""
        if eligible is None:
            return self.assign(ranking)
        eligible = set(eligible)
        out: dict[str, str | None] = {r.contestant_id: None for r in ranking}
        if getattr(self.params, "count_among", "all") == "eligible":
            out.update(self.assign(places_among([r for r in ranking if r.contestant_id in eligible])))
            return out
        return {cid: (code if cid in eligible else None) for cid, code in self.assign(ranking).items()}


AWARD_RULES: Registry[AwardRule] = Registry("award", "奖项")


def _tie_groups(ranking: Sequence[Ranked]) -> list[list[Ranked]]:
    """Ranked contestants in rank order, grouped by shared rank."""
    ranked = sorted((r for r in ranking if r.rank is not None), key=lambda r: (r.rank, r.position))
    groups: list[list[Ranked]] = []
    for r in ranked:
        if groups and groups[-1][0].rank == r.rank:
            groups[-1].append(r)
        else:
            groups.append([r])
    return groups


COUNT_AMONG = ("all", "eligible")


def check_count_among(value: str) -> None:
    if value not in COUNT_AMONG:
        raise ScoringError(
            "bad_param",
            Message("count_among 须为 all（全部参赛者）或 eligible（符合条件者）", "count_among must be all or eligible"),
            param="count_among",
        )


def places_among(ranking: Sequence[Ranked]) -> list[Ranked]:
    """The same contestants re-placed among themselves: a rank is 1 + those ranked above."""
    ranked = sorted((r for r in ranking if r.rank is not None), key=lambda r: (r.rank, r.position))
    out: list[Ranked] = []
    above = 0
    for i, r in enumerate(ranked):
        if i and r.rank != ranked[i - 1].rank:
            above = i
        shared = (i and r.rank == ranked[i - 1].rank) or (i + 1 < len(ranked) and ranked[i + 1].rank == r.rank)
        out.append(dataclasses.replace(r, rank=above + 1, position=i + 1, tied=bool(shared)))
    rest = [r for r in ranking if r.rank is None]
    out.extend(dataclasses.replace(r, position=len(out) + j + 1) for j, r in enumerate(rest))
    return out


def _count(fraction: Decimal, n: int, mode: str) -> int:
    f = Fraction(fraction) * n
    return max(0, div_round(f.numerator, f.denominator, normalise_mode(mode)))


def split_counts(cap: int, ratio: Sequence[int], split: str = "largest_remainder") -> list[int]:
    """Split ``cap`` prizes in ``ratio``.

    - ``largest_remainder`` (default): each prize gets its exact share rounded down, and what is
      left goes one each to the largest remainders (a tie in remainders favours the lower prize,
      which is the more plentiful). Counts add up to ``cap`` and each is within 1 of its share:
      20 → 3, 7, 10; 6 → 1, 2, 3.
    - ``floor``: each share rounded down; the remainder is not awarded (20 → 3, 6, 10).
    - ``unit``: whole multiples of the ratio only (20 → 3, 6, 9).
    """
    total = sum(ratio)
    if total <= 0 or any(r < 0 for r in ratio):
        raise ScoringError("bad_param", Message("奖项比例须为非负整数且不全为 0", "ratio must be non-negative, not all 0"), param="ratio")
    shares = [Fraction(cap * r, total) for r in ratio]
    floors = [int(s) for s in shares]  # shares are non-negative: int() floors
    if split == "floor":
        return floors
    if split == "unit":
        unit = cap // total
        return [unit * r for r in ratio]
    if split != "largest_remainder":
        raise ScoringError("bad_param", Message(f"未知的名额分配方式 {split!r}", f"unknown split {split!r}"), param="split")
    left = cap - sum(floors)
    order = sorted(range(len(ratio)), key=lambda i: (-(shares[i] - floors[i]), -i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def _allot(
    groups: list[list[Ranked]], limits: list[tuple[str, int]], tie_at_boundary: str, out: dict[str, str | None], start_rank_only: bool = False
) -> None:
    """Give each tie group the best award whose cumulative limit it reaches (see module doc)."""
    for g in groups:
        if out.get(g[0].contestant_id) is not None:
            continue
        first = g[0].rank or 0
        last = first + len(g) - 1
        reach = first if (tie_at_boundary == "higher" or start_rank_only) else last
        for code, limit in limits:
            if reach <= limit:
                for r in g:
                    out[r.contestant_id] = code
                break


def _entrants(ranking: Sequence[Ranked], basis: str) -> int:
    if basis == "listed":
        return len(ranking)
    if basis == "ranked":
        return sum(1 for r in ranking if r.rank is not None)
    raise ScoringError("bad_param", Message(f"未知的参赛人数口径 {basis!r}", f"unknown basis {basis!r}"))


def _check_rounding(param: str, mode: str) -> None:
    try:
        normalise_mode(mode)
    except ScoringError:
        raise ScoringError(
            "bad_param",
            Message(f"{param} 须为 floor、ceil、half_up 等舍入方式", f"{param} must be a rounding mode such as floor, ceil or half_up"),
            param=param,
        ) from None


def _check_tie_policy(policy: str) -> None:
    if policy not in ("lower", "higher"):
        raise ScoringError(
            "bad_param",
            Message("tie_at_boundary 须为 lower（取较低奖项）或 higher（取较高奖项）", "tie_at_boundary must be lower or higher"),
            param="tie_at_boundary",
        )


def _eligible(ranking: Sequence[Ranked], min_score: Decimal | None) -> list[list[Ranked]]:
    groups = _tie_groups(ranking)
    if min_score is None:
        return groups
    return [g for g in groups if g[0].score is not None and g[0].score >= min_score]


@AWARD_RULES.register
class ProvincialAwards(AwardRule):
    """省赛：一/二/三等奖 1:2:3 within 20 %, 优胜奖 to the rest of the top 50 %."""

    name = "provincial"

    @dataclass(frozen=True)
    class Params:
        ratio: tuple[int, ...] = (1, 2, 3)
        cap_fraction: Decimal = Decimal("0.20")
        cap_rounding: str = "floor"
        split: str = "largest_remainder"
        excellence_fraction: Decimal = Decimal("0.50")
        excellence_rounding: str = "floor"
        tie_at_boundary: str = "lower"
        basis: str = "ranked"
        min_score: Decimal | None = None
        count_among: str = "all"

    codes = ("first", "second", "third")

    def check_params(self) -> None:
        p = self.params
        if len(p.ratio) != 3:
            raise ScoringError("bad_param", Message("一、二、三等奖比例须为三个数", "ratio needs three numbers"), param="ratio")
        _check_rounding("cap_rounding", p.cap_rounding)
        _check_rounding("excellence_rounding", p.excellence_rounding)
        check_count_among(p.count_among)
        split_counts(6, p.ratio, p.split)
        _check_tie_policy(p.tie_at_boundary)
        for name in ("cap_fraction", "excellence_fraction"):
            if not 0 <= getattr(p, name) <= 1:
                raise ScoringError("bad_param", Message("比例须在 0 与 100 % 之间", "must be between 0 and 100 %"), param=name)

    def quotas(self, entrants: int) -> list[int]:
        """Prize counts ``[first, second, third]`` before ties are considered."""
        cap = _count(self.params.cap_fraction, entrants, self.params.cap_rounding)
        return split_counts(cap, self.params.ratio, self.params.split)

    def assign(self, ranking: Sequence[Ranked]) -> dict[str, str | None]:
        p = self.params
        n = _entrants(ranking, p.basis)
        out: dict[str, str | None] = {r.contestant_id: None for r in ranking}
        limits = []
        cumulative = 0
        for code, count in zip(self.codes, self.quotas(n), strict=True):
            cumulative += count
            limits.append((code, cumulative))
        limits.append(("excellence", max(cumulative, _count(p.excellence_fraction, n, p.excellence_rounding))))
        _allot(_eligible(ranking, p.min_score), limits, p.tie_at_boundary, out)
        return out


@AWARD_RULES.register
class NationalAwards(AwardRule):
    """国赛：金、银、铜牌 to 1st–3rd by rank, then 优胜奖 as provincial."""

    name = "national"

    @dataclass(frozen=True)
    class Params:
        medal_ranks: dict[str, int] | None = None  # {"gold": 1, "silver": 2, "bronze": 3}: last rank per medal
        excellence_fraction: Decimal = Decimal("0.50")
        excellence_rounding: str = "floor"
        tie_at_boundary: str = "lower"
        basis: str = "ranked"
        min_score: Decimal | None = None
        count_among: str = "all"

    def check_params(self) -> None:
        _check_rounding("excellence_rounding", self.params.excellence_rounding)
        if not 0 <= self.params.excellence_fraction <= 1:
            raise ScoringError("bad_param", Message("比例须在 0 与 100 % 之间", "must be between 0 and 100 %"), param="excellence_fraction")
        check_count_among(self.params.count_among)
        _check_tie_policy(self.params.tie_at_boundary)
        unknown = set(self.medal_ranks()) - {"gold", "silver", "bronze"}
        if unknown:
            raise ScoringError(
                "bad_param", Message("medal_ranks 只能含 gold、silver、bronze", "medal_ranks takes gold, silver, bronze"), param="medal_ranks"
            )

    def medal_ranks(self) -> dict[str, int]:
        return dict(self.params.medal_ranks or {"gold": 1, "silver": 2, "bronze": 3})

    def assign(self, ranking: Sequence[Ranked]) -> dict[str, str | None]:
        p = self.params
        n = _entrants(ranking, p.basis)
        out: dict[str, str | None] = {r.contestant_id: None for r in ranking}
        ranks = self.medal_ranks()
        limits: list[tuple[str, int]] = [(code, ranks[code]) for code in ("gold", "silver", "bronze") if code in ranks]
        groups = _eligible(ranking, p.min_score)
        # Medals go by rank: competition ranking already makes ties share and skip.
        _allot(groups, limits, p.tie_at_boundary, out, start_rank_only=True)
        last_medal = max((limit for _, limit in limits), default=0)
        cut = max(last_medal, _count(p.excellence_fraction, n, p.excellence_rounding))
        _allot(groups, [("excellence", cut)], p.tie_at_boundary, out)
        return out


@AWARD_RULES.register
class GuangdongAwards(NationalAwards):
    """广东省职业技能大赛：金、银、铜牌 by rank (not 一/二/三等奖), then 优胜奖 to the top half."""

    name = "guangdong"


@AWARD_RULES.register
class WorldSkillsAwards(AwardRule):
    """世赛：medals with a medal margin, then the Medallion for Excellence (see module doc)."""

    name = "worldskills"

    @dataclass(frozen=True)
    class Params:
        medal_margin: Decimal = Decimal(0)
        excellence_threshold: Decimal | None = Decimal(700)
        count_among: str = "all"

    def check_params(self) -> None:
        check_count_among(self.params.count_among)
        if self.params.medal_margin < 0:
            raise ScoringError("bad_param", Message("奖牌分差不能为负", "medal_margin cannot be negative"), param="medal_margin")

    def assign(self, ranking: Sequence[Ranked]) -> dict[str, str | None]:
        margin = self.params.medal_margin
        out: dict[str, str | None] = {r.contestant_id: None for r in ranking}
        ranked = [r for g in _tie_groups(ranking) for r in g]

        def take(start: int, anchor: Ranked) -> list[Ranked]:
            """From ``start`` on: those sharing the anchor's rank or within the margin of its score."""
            group: list[Ranked] = []
            i = start
            while i < len(ranked):
                r = ranked[i]
                # Sharing a rank with the anchor or with the group's last member keeps ties together.
                same_rank = r.rank == anchor.rank or (group and r.rank == group[-1].rank)
                if same_rank or (r.score is not None and anchor.score is not None and anchor.score - r.score <= margin):
                    group.append(r)
                    i += 1
                else:
                    break
            return group

        def give(group: list[Ranked], code: str) -> None:
            for r in group:
                out[r.contestant_id] = code

        if ranked:
            gold = take(0, ranked[0])
            give(gold, "gold")
            i = len(gold)
            if len(gold) == 1:
                silver = take(i, ranked[i]) if i < len(ranked) else []
                give(silver, "silver")
                i += len(silver)
                if len(silver) == 1 and i < len(ranked):
                    give(take(i, ranked[i]), "bronze")
            elif len(gold) == 2:
                if i < len(ranked):
                    give(take(i, ranked[i]), "bronze")
            else:
                # Three or more golds: bronze only within the margin of the last gold.
                give(take(i, gold[-1]), "bronze")
        threshold = self.params.excellence_threshold
        if threshold is not None:
            for r in ranked:
                if out[r.contestant_id] is None and r.score is not None and r.score >= threshold:
                    out[r.contestant_id] = "medallion"
        return out


def award_rule(section: Mapping[str, Any] | AwardRule) -> AwardRule:
    """The award strategy for a preset's ``awards`` section."""
    return AWARD_RULES.from_section(section)


def assign_awards(
    ranking: Sequence[Ranked], section: Mapping[str, Any] | AwardRule, eligible: Collection[str] | None = None
) -> dict[str, str | None]:
    """Awards for one ranking (one skill and group) under the preset's ``awards`` section; only
    ``eligible`` contestants (everyone when None) receive one (see ``count_among``)."""
    return award_rule(section).award(ranking, eligible)
