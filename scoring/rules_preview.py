"""What a draft of an event's rules would give (规则预览): awards, honours and promotions on a
ranking, each with the reason in words.

Pure: the shell hands in each group's ranking (the current one, or :func:`sample_ranking`) and the
draft's effective preset; nothing is stored. The reasons describe what the rules in
``scoring.awards``, ``scoring.honours`` and ``scoring.promotion`` actually do — the quotas and cuts
are computed by the same functions the awards use, so the preview and the final results agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from scoring.awards import AWARDS, NationalAwards, ProvincialAwards, WorldSkillsAwards, _count, _entrants, _tie_groups, award_label, award_rule
from scoring.honours import HONOUR_RULES, HONOURS, TopByRank, decide_honours
from scoring.levels import SkillLevel
from scoring.messages import Message
from scoring.numbers import decimal_str
from scoring.promotion import OUTCOME_LABELS as PROMOTION_OUTCOMES
from scoring.promotion import decide_promotions
from scoring.ranking import COMPETED, Entry, Ranked, rank
from scoring.standing import Standing

_ROUNDING = {"floor": ("向下", "rounded down"), "ceil": ("向上", "rounded up"), "half_up": ("四舍五入", "rounded half up")}
_GROUPS = {"employee": ("职工组", "employee group"), "student": ("学生组", "student group"), "teacher": ("教师组", "teacher group")}


def _pct(fraction: Decimal) -> str:
    return f"{(Decimal(fraction) * 100).normalize():f}"


def _rounding(mode: str) -> tuple[str, str]:
    return _ROUNDING.get(str(mode).lower(), (str(mode), str(mode)))


@dataclass(frozen=True)
class PreviewPerson:
    """Who a ranked id stands for, as far as honours and promotion look."""

    level: SkillLevel | None = None
    team_size: int = 1
    honours_held: frozenset[str] = frozenset()


@dataclass
class PreviewRow:
    contestant_id: str
    rank: int | None
    tied: bool
    score: Decimal | None
    status: str
    award: str | None = None
    reason: list[Message] = field(default_factory=list)
    honour: str | None = None
    honour_outcome: str | None = None
    promotion_to: SkillLevel | None = None
    promotion_outcome: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "contestant_id": self.contestant_id,
            "rank": self.rank,
            "tied": self.tied,
            "score": decimal_str(self.score),
            "status": self.status,
            "award": self.award,
            "award_label": None if self.award is None else AWARDS[self.award].label.to_dict(),
            "honour": self.honour,
            "honour_label": None if self.honour is None else HONOURS.get(self.honour, Message(self.honour, self.honour)).to_dict(),
            "honour_outcome": self.honour_outcome,
            "promotion_to": None if self.promotion_to is None else self.promotion_to.zh,
            "promotion_outcome": self.promotion_outcome,
            "promotion_label": None if self.promotion_outcome is None else PROMOTION_OUTCOMES[self.promotion_outcome].to_dict(),
            "reason": {"zh": "；".join(m.zh for m in self.reason), "en": "; ".join(m.en for m in self.reason)},
        }


@dataclass
class GroupPreview:
    summary: list[Message]
    rows: list[PreviewRow]

    def to_dict(self) -> dict[str, Any]:
        return {"summary": [m.to_dict() for m in self.summary], "rows": [r.to_dict() for r in self.rows]}


def sample_ranking(scores: Sequence[Decimal | int | str] | None = None, size: int = 20, group: str = "employee") -> list[Ranked]:
    """A ranking to try rules on when there is none yet: ``scores`` as given, or ``size`` scores
    with two contestants tied for 2nd (so the tie rule shows)."""
    if scores is None:
        size = max(1, min(int(size), 500))
        values = [Decimal(96), Decimal(92), Decimal(92)] + [Decimal(90) - Decimal(i) * Decimal("1.5") for i in range(max(0, size - 3))]
        values = values[:size]
    else:
        values = [Decimal(str(s)) for s in scores]
    entries = [Entry(contestant_id=f"S{i + 1:03d}", score=v, group=group) for i, v in enumerate(values)]
    return rank(entries, {"strategy": "competition", "params": {"tie_break": []}})


def _tie_text(g: list[Ranked]) -> Message | None:
    if len(g) < 2:
        return None
    first = g[0].rank or 0
    last = first + len(g) - 1
    return Message(f"{len(g)} 人并列第 {first} 名（占第 {first}–{last} 名）", f"{len(g)} tied for place {first} (places {first}–{last})")


def _by_limits(
    ranking: Sequence[Ranked],
    limits: list[tuple[str, int]],
    tie_at_boundary: str,
    awards: Mapping[str, str | None],
    start_rank_only: bool,
    reasons: dict[str, list[Message]],
    final: bool = True,
) -> None:
    """The reason of each tie group's award under cumulative ``limits`` (as ``awards._allot``);
    a group whose award is not among ``limits`` (or, unless ``final``, who has none) is left to
    another pass."""
    for g in _tie_groups(ranking):
        if reasons.get(g[0].contestant_id):
            continue
        first = g[0].rank or 0
        last = first + len(g) - 1
        code = awards.get(g[0].contestant_id)
        if (code is None and not final) or (code is not None and code not in dict(limits)):
            continue
        out: list[Message] = []
        tie = _tie_text(g)
        if tie:
            out.append(tie)
        straddled = [(c, lim) for c, lim in limits if first <= lim < last]
        if code is None:
            lim_code, lim = limits[-1] if limits else ("", 0)
            if straddled and not start_rank_only and tie_at_boundary == "lower":
                c, lim = straddled[-1]
                out.append(
                    Message(
                        f"{award_label(c)}只到第 {lim} 名，并列跨越界线时整组取较低奖项，故无奖",
                        f"{award_label(c, 'en')} reaches place {lim} only; a tie across the line takes the lower award, so none",
                    )
                )
            elif lim_code:
                out.append(
                    Message(
                        f"第 {first} 名在{award_label(lim_code)}线（第 {lim} 名）之外",
                        f"place {first} is below the {award_label(lim_code, 'en')} line (place {lim})",
                    )
                )
        else:
            lim = dict(limits)[code]
            better = [(c, li) for c, li in straddled if AWARDS[c].standing < AWARDS[code].standing]
            if start_rank_only and tie:
                out.append(
                    Message(
                        f"按名次授奖，并列者同奖：{award_label(code)}授至第 {lim} 名",
                        f"medals go by place and ties share: {award_label(code, 'en')} up to place {lim}",
                    )
                )
            elif better and tie_at_boundary == "lower":
                c, li = better[-1]
                out.append(
                    Message(
                        f"{award_label(c)}名额只到第 {li} 名，并列跨越名额界线时整组取较低奖项，故均为{award_label(code)}",
                        f"{award_label(c, 'en')} reaches place {li} only; a tie across a quota line takes the lower award, so all get {award_label(code, 'en')}",
                    )
                )
            elif straddled and tie_at_boundary == "higher":
                out.append(
                    Message(
                        f"并列跨越名额界线时整组取较高奖项，故均为{award_label(code)}（可超出名额）",
                        f"a tie across a quota line takes the higher award, so all get {award_label(code, 'en')} (the quota may be exceeded)",
                    )
                )
            else:
                out.append(
                    Message(f"在{award_label(code)}名额内（至第 {lim} 名）", f"within the {award_label(code, 'en')} places (up to place {lim})")
                )
        for r in g:
            reasons[r.contestant_id] = list(out)


def _unranked_reason(r: Ranked) -> Message:
    if r.status != COMPETED:
        return Message("未参与排名（缺考或取消资格），不评奖", "not ranked (absent or disqualified): no award")
    return Message("尚无成绩，不参与排名", "no score yet: not ranked")


def _min_score(ranking: Sequence[Ranked], min_score: Decimal | None, reasons: dict[str, list[Message]]) -> None:
    if min_score is None:
        return
    for r in ranking:
        if r.rank is not None and (r.score is None or r.score < min_score):
            reasons[r.contestant_id] = [
                Message(f"成绩低于不评奖分数线 {decimal_str(min_score)}", f"score below the no-award line {decimal_str(min_score)}")
            ]


def _skipped(limits: list[tuple[str, int]], awards: Mapping[str, str | None]) -> list[Message]:
    given = set(awards.values())
    out = []
    previous = 0
    for code, lim in limits:
        if lim > previous and code not in given:
            zh = f"第 {lim} 名" if lim == previous + 1 else f"第 {previous + 1}–{lim} 名"
            en = f"place {lim}" if lim == previous + 1 else f"places {previous + 1}–{lim}"
            out.append(
                Message(
                    f"{award_label(code)}有名额（{zh}）却无人获得：并列跨越了名额界线，并列者取较低奖项",
                    f"{award_label(code, 'en')} has a quota ({en}) but nobody gets it: a tie crossed its line and took the lower award",
                )
            )
        previous = max(previous, lim)
    return out


def explain_awards(section: Mapping[str, Any], ranking: Sequence[Ranked]) -> tuple[dict[str, str | None], list[Message], dict[str, list[Message]]]:
    """Awards of one ranking, the rule's quotas in words, and each contestant's reason."""
    rule = award_rule(section)
    awards = rule.award(ranking)
    reasons: dict[str, list[Message]] = {r.contestant_id: [_unranked_reason(r)] for r in ranking if r.rank is None}
    summary: list[Message] = []
    p = rule.params
    if isinstance(rule, ProvincialAwards):
        n = _entrants(ranking, p.basis)
        cap = _count(p.cap_fraction, n, p.cap_rounding)
        quotas = rule.quotas(n)
        limits, cumulative = [], 0
        for code, count in zip(rule.codes, quotas, strict=True):
            cumulative += count
            limits.append((code, cumulative))
        cut = max(cumulative, _count(p.excellence_fraction, n, p.excellence_rounding))
        limits.append(("excellence", cut))
        ratio = ":".join(str(x) for x in p.ratio)
        rz, re_ = _rounding(p.cap_rounding)
        ez, ee = _rounding(p.excellence_rounding)
        summary.append(
            Message(
                f"{n} 人参与排名：获奖比例上限 {_pct(p.cap_fraction)}%，{rz}取整为 {cap} 名；按 {ratio} 分为一等奖 {quotas[0]}、二等奖 {quotas[1]}、三等奖 {quotas[2]} 名"
                f"（一等奖至第 {limits[0][1]} 名，二等奖至第 {limits[1][1]} 名，三等奖至第 {limits[2][1]} 名）；优胜奖至前 {_pct(p.excellence_fraction)}%（{ez}取整）即第 {cut} 名",
                f"{n} ranked: prizes capped at {_pct(p.cap_fraction)}%, {re_}: {cap}; split {ratio} into {quotas[0]} first, {quotas[1]} second, {quotas[2]} third "
                f"(first to place {limits[0][1]}, second to {limits[1][1]}, third to {limits[2][1]}); excellence award to the top {_pct(p.excellence_fraction)}% ({ee}): place {cut}",
            )
        )
        summary.append(
            Message(
                "并列跨越名额界线时整组取较低奖项（上限不会被突破）", "a tie across a quota line takes the lower award (the cap is never exceeded)"
            )
            if p.tie_at_boundary == "lower"
            else Message(
                "并列跨越名额界线时整组取较高奖项（可能超出上限）", "a tie across a quota line takes the higher award (the cap may be exceeded)"
            )
        )
        _min_score(ranking, p.min_score, reasons)
        _by_limits(ranking, limits, p.tie_at_boundary, awards, False, reasons)
        summary.extend(_skipped(limits[:3], awards))
    elif isinstance(rule, NationalAwards):
        n = _entrants(ranking, p.basis)
        ranks = rule.medal_ranks()
        medal_limits: list[tuple[str, int]] = [(code, ranks[code]) for code in ("gold", "silver", "bronze") if code in ranks]
        last_medal = max((lim for _, lim in medal_limits), default=0)
        cut = max(last_medal, _count(p.excellence_fraction, n, p.excellence_rounding))
        ez, ee = _rounding(p.excellence_rounding)
        summary.append(
            Message(
                f"{n} 人参与排名：奖牌按名次（"
                + "，".join(f"{award_label(c)}至第 {lim} 名" for c, lim in medal_limits)
                + "），并列同奖，其后名次顺延跳过；"
                f"优胜奖至前 {_pct(p.excellence_fraction)}%（{ez}取整）即第 {cut} 名",
                f"{n} ranked: medals by place ("
                + ", ".join(f"{award_label(c, 'en')} to place {lim}" for c, lim in medal_limits)
                + f"), ties share and the next places are skipped; excellence award to the top {_pct(p.excellence_fraction)}% ({ee}): place {cut}",
            )
        )
        _min_score(ranking, p.min_score, reasons)
        _by_limits(ranking, medal_limits, p.tie_at_boundary, awards, True, reasons, final=False)
        _by_limits(ranking, medal_limits + [("excellence", cut)], p.tie_at_boundary, awards, False, reasons)
        given = set(awards.values())
        for code, _ in medal_limits:
            if code not in given and any(r.rank is not None for r in ranking):
                summary.append(
                    Message(
                        f"无人获得{award_label(code)}：并列者占用了它的名次",
                        f"nobody gets the {award_label(code, 'en')}: tied contestants took its place",
                    )
                )
    elif isinstance(rule, WorldSkillsAwards):
        margin = decimal_str(p.medal_margin)
        threshold = None if p.excellence_threshold is None else decimal_str(p.excellence_threshold)
        summary.append(
            Message(
                f"奖牌分差 {margin} 分：与奖牌首位分差在此之内或并列者同获该奖牌，下一奖牌顺延跳过"
                + (f"；未获奖牌且成绩不低于 {threshold} 者获优胜奖" if threshold else ""),
                f"medal margin {margin}: those within it of a medal's leader, or tied, share the medal and the next one is skipped"
                + (f"; without a medal, {threshold} or more earns the Medallion for Excellence" if threshold else ""),
            )
        )
        for r in ranking:
            if r.rank is None:
                continue
            medal = awards.get(r.contestant_id)
            if medal in ("gold", "silver", "bronze"):
                reasons[r.contestant_id] = [
                    Message(
                        f"第 {r.rank} 名：{award_label(medal)}（含分差 {margin} 分内与并列者）",
                        f"place {r.rank}: {award_label(medal, 'en')} (with those within {margin} or tied)",
                    )
                ]
            elif medal == "medallion":
                reasons[r.contestant_id] = [Message(f"未获奖牌，成绩不低于 {threshold}", f"no medal, score at least {threshold}")]
            else:
                reasons[r.contestant_id] = [
                    Message(f"未获奖牌，成绩低于 {threshold}", f"no medal, score below {threshold}") if threshold else Message("未获奖牌", "no medal")
                ]
        given = set(awards.values())
        for code in ("silver", "bronze"):
            if code not in given and len([r for r in ranking if r.rank is not None]) >= 3:
                summary.append(
                    Message(f"无人获得{award_label(code)}：并列或分差规则使其跳过", f"no {award_label(code, 'en')}: ties or the margin skipped it")
                )
    else:  # another strategy: awards without a worded quota
        for r in ranking:
            if r.rank is not None and awards.get(r.contestant_id):
                reasons.setdefault(r.contestant_id, [Message(f"第 {r.rank} 名", f"place {r.rank}")])
    return awards, summary, reasons


def preview_group(
    preset: Mapping[str, Any], ranking: Sequence[Ranked], group_kind: str, people: Mapping[str, PreviewPerson] | None = None
) -> GroupPreview:
    """Awards, honours and promotions of one group's ranking under ``preset``, with reasons."""
    people = people or {}
    awards: dict[str, str | None] = {r.contestant_id: None for r in ranking}
    summary: list[Message] = []
    reasons: dict[str, list[Message]] = {}
    if preset.get("awards"):
        awards, summary, reasons = explain_awards(preset["awards"], ranking)
    standings = [
        Standing(
            person_id=r.contestant_id,
            rank=r.rank,
            award=awards.get(r.contestant_id),
            group=group_kind,
            team_size=people.get(r.contestant_id, PreviewPerson()).team_size,
            level=people.get(r.contestant_id, PreviewPerson()).level,
            honours_held=people.get(r.contestant_id, PreviewPerson()).honours_held,
        )
        for r in ranking
    ]
    honours = {d.person_id: d for d in decide_honours(standings, preset.get("honours"))}
    section = preset.get("honours") or {}
    hrule = HONOUR_RULES.from_section(section) if section else None
    if isinstance(hrule, TopByRank):
        hp = hrule.params
        label = HONOURS.get(hp.honour, Message(hp.honour, hp.honour))
        if hp.groups is not None and group_kind not in hp.groups:
            zh_g, en_g = _GROUPS.get(group_kind, (group_kind, group_kind))
            summary.append(Message(f"{zh_g}不授{label.zh}", f"the {en_g} does not earn {label.en}"))
        else:
            summary.append(
                Message(
                    f"{label.zh}授予前 {hrule.limit(1)} 名" + ("（须审批）" if hp.requires_approval else ""),
                    f"{label.en} to the top {hrule.limit(1)}" + (" (needs approval)" if hp.requires_approval else ""),
                )
            )
    promotions = {d.person_id: d for d in decide_promotions(standings, preset.get("promotion"))}
    rows = []
    for r in ranking:
        row = PreviewRow(r.contestant_id, r.rank, r.tied, r.score, r.status, awards.get(r.contestant_id), reasons.get(r.contestant_id, []))
        h = honours.get(r.contestant_id)
        if h is not None:
            row.honour, row.honour_outcome = h.honour, h.outcome
        pr = promotions.get(r.contestant_id)
        if pr is not None:
            row.promotion_to, row.promotion_outcome = pr.to_level, pr.outcome
        rows.append(row)
    return GroupPreview(summary, rows)
