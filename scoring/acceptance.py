"""Whether a mark is accepted: the rule every mark a tablet (or a correction) passes, as one pure
function, :func:`judge_mark`.

The live shell (``marking.live.ingest``) reads what the rule needs — the skill's context (scheme,
panel, contestants), the stage of the contestant's results and the criterion locks, read inside
the write transaction, the judges' latest marks on the slot — calls ``judge_mark`` and writes
what it accepted. Nothing here touches a database, a clock or the access policy's tables: the
policy is asked through the two questions of :class:`Authority`, so the rule can be tested
exhaustively (``tests/scoring/test_acceptance.py``) without a server.

Checks, in order: the skill (known, not archived, a marking scheme); the authority the user acts
in and the policy's answer for it; an arbitration correction only through an appeal; a judge's
own seat only; the contestant (known by encrypted or workstation number, competing, not absent);
the aspect; the seat on the panel and, for a judge, the criterion assigned; conflict of interest;
the value against the aspect's kind and range (or a banded measurement's deviation); the stage of
the contestant's results (scoring → signed off → provisional → final) by the policy; a locked
criterion only by the chief judge; a reason for every change not a judge's own first mark; a
second mark of a seat is a correction and needs a reason, unless the aspect was flagged for
re-marking; a full panel admits no further judge.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any, Callable, Mapping, Protocol

from scoring.aggregation import NEEDS_REMARK, Scorer
from scoring.messages import Message, ScoringError
from scoring.numbers import decimal_str
from scoring.scheme import MarkingScheme

#: The authorities a mark is entered under: a judge marks, the chief judge corrects, an organiser
#: corrects after sign-off, the arbitration group through an upheld appeal.
JUDGE, CHIEF_JUDGE, ORGANISER, ARBITRATION = "judge", "chief_judge", "organiser", "arbitration"
AUTHORITIES = (JUDGE, CHIEF_JUDGE, ORGANISER, ARBITRATION)
#: The stages of a group's results, in order (the access policy's names).
SCORING, SIGNED_OFF, PROVISIONAL, FINAL = "scoring", "signed_off", "provisional", "final"

#: Why an authority cannot change a mark in a stage of the results (code, zh, en).
STAGE_REFUSALS = {
    FINAL: ("results_final", "本组别成绩已确定，评分不能再更改", "The results of this group are final; no mark can change"),
    PROVISIONAL: ("results_published", "本组别成绩已公示，只有监督仲裁组对申诉的裁定才能更改评分",
                  "The results of this group are published; only the arbitration group's decision on an appeal changes a mark"),
    SIGNED_OFF: ("signed_off", "本项目成绩已由裁判长签字确认，修改须由组织方填写理由", "The skill is signed off; only an organiser may change a mark, with a reason"),
    SCORING: ("not_signed_off", "裁判长签字确认前，由裁判和裁判长评分和更正", "Before sign-off, judges mark and the chief judge corrects"),
}  # fmt: skip
_NOT_HOLDING = {
    ORGANISER: ("您不是本赛事的组织方", "You are not an organiser of this event"),
    CHIEF_JUDGE: ("您不是本项目的裁判长", "You are not this skill's chief judge"),
    ARBITRATION: ("您不是本赛事的仲裁人员", "You are not an arbitrator of this event"),
}


# ---- what the rule reads -------------------------------------------------------------------------


class Seat(Protocol):
    """A judge's seat on the skill's panel."""

    user_id: int
    role: str
    name: str

    def covers(self, criterion: str, aspect: str) -> bool: ...


class Entrant(Protocol):
    """A contestant as the panel knows them."""

    id: int
    ref: str | None  # latest encrypted number
    workstation_no: int | None
    group_id: int
    status: str  # registered / withdrawn / disqualified
    absent: bool


class Bilingual(Protocol):
    zh: str
    en: str


class Skill(Protocol):
    """What the rule needs of a skill (``marking.live.context.SkillContext`` is one)."""

    skill_id: int
    event_id: int
    archived: bool
    scheme: MarkingScheme | None
    scorer: Scorer | None
    seats: Mapping[int, Any]

    def contestant_by_ref(self, ref: str) -> Any: ...

    def conflict(self, seat: Any, contestant: Any, *, withheld: bool = False) -> Bilingual | None: ...

    def expected_judges(self, aspect_id: str) -> int: ...


@dataclasses.dataclass(frozen=True)
class Authority:
    """The access policy's two answers for one user: may they act under ``authority`` in this
    skill at all, and does the stage of the results allow that authority to change a mark."""

    holds: Callable[[str], bool]
    stage_allows: Callable[[str, str], bool]


@dataclasses.dataclass(frozen=True)
class Mark:
    """A mark as sent: whose (``seat``, default the user's own), on what, under which authority."""

    user_id: int
    contestant: str  # encrypted number (or workstation number before encryption)
    aspect: Any
    value: Any
    reason: str = ""
    seat: int | None = None
    authority: Any = JUDGE
    measured: Any = None  # a banded measurement's measured deviation, instead of ``value``
    appeal_id: int | None = None


@dataclasses.dataclass(frozen=True)
class Standing:
    """What was read in the writing transaction: the results' stage of each group of the skill
    (absent: scoring, or signed off when ``signed_off``), the locked criteria, and the latest mark
    of each judge on the slot (judge → value)."""

    releases: Mapping[int, str] = dataclasses.field(default_factory=dict)
    signed_off: bool = False
    locked: frozenset[str] = frozenset()
    panel: Mapping[int, str] = dataclasses.field(default_factory=dict)

    def stage_of(self, group_id: int) -> str:
        return self.releases.get(group_id) or (SIGNED_OFF if self.signed_off else SCORING)


# ---- what the rule answers -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Accepted:
    """A mark the rule accepts, with everything the writer stores and the boards are told."""

    contestant_id: int
    contestant_ref: str
    aspect: str
    seat: int
    value: str
    kind: str  # mark / correction / remark
    reason: str
    authority: str
    status: str | None  # the aspect's status after this mark
    previous_status: str | None
    panel: dict[int, str]  # judge → value, this mark included


@dataclasses.dataclass(frozen=True)
class Refusal:
    """Why not: ``code`` is stable, the message bilingual."""

    code: str
    message: Message


def _no(code: str, zh: str, en: str) -> Refusal:
    return Refusal(code, Message(zh, en))


def judge_mark(skill: Skill | None, mark: Mark, standing: Standing, authority: Authority) -> Accepted | Refusal:
    """Accept ``mark`` or say why not. Pure: reads its arguments, changes none of them."""
    if skill is None:
        return _no("unknown_skill", "没有这个竞赛项目", "No such skill")
    if skill.archived:
        return _no("event_archived", "赛事已归档，不能再评分", "The event is archived; no more marks")
    if skill.scheme is None or skill.scorer is None:
        return _no("no_scheme", "本项目还没有评分标准", "This skill has no marking scheme yet")
    acting = mark.authority if isinstance(mark.authority, str) and mark.authority in AUTHORITIES else None
    if acting is None:
        return _no("bad_authority", "无效的权限", "Unknown authority")
    if not authority.holds(acting):
        return _no("not_assigned", *_NOT_HOLDING.get(acting, ("您没有被分配到本项目评分", "You are not assigned to mark this skill")))
    if acting == ARBITRATION and mark.appeal_id is None:
        return _no("appeal_required", "仲裁更正只能通过对申诉的裁定录入", "An arbitration correction is entered only through a decided appeal")
    seat_id = mark.seat if mark.seat is not None else mark.user_id
    if seat_id != mark.user_id and acting == JUDGE:
        return _no("not_assigned", "裁判只能录入自己的评分", "A judge enters only their own marks")
    seat = skill.seats.get(seat_id)
    contestant = skill.contestant_by_ref(str(mark.contestant))
    if contestant is None:
        return _no("unknown_contestant", f"本项目没有加密号为 {mark.contestant} 的选手", f"No contestant numbered {mark.contestant} in this skill")
    if contestant.status != "registered" or contestant.absent:
        return _no(
            "not_competing", f"选手 {mark.contestant} 缺考、退赛或被取消资格", f"Contestant {mark.contestant} is absent, withdrawn or disqualified"
        )
    if not isinstance(mark.aspect, str) or mark.aspect not in skill.scheme.places:
        return _no("unknown_aspect", f"评分标准中没有评分项 {mark.aspect}", f"No aspect {mark.aspect} in the marking scheme")
    place = skill.scheme.places[mark.aspect]
    criterion = place.criterion.id
    if seat is None:
        return _no("not_assigned", "该裁判不在本项目的裁判组中", "That judge is not on this skill's panel")
    if acting == JUDGE and not seat.covers(criterion, mark.aspect):
        return _no("not_assigned", f"您没有被分配评判模块 {criterion}", f"You are not assigned to criterion {criterion}")
    # Correcting another judge's seat, the chief judge learns that the judge stands aside, not the
    # contestant's delegation or employer the reason names.
    conflict = skill.conflict(seat, contestant, withheld=acting == CHIEF_JUDGE and seat_id != mark.user_id)
    if conflict is not None:
        return _no("conflict_of_interest", conflict.zh, conflict.en)
    raw_value = mark.value
    if mark.measured is not None:
        # A banded measurement may be entered as the measured deviation; the bands give the mark.
        try:
            raw_value = place.aspect.band_mark(mark.measured)
        except (ScoringError, ValueError, ArithmeticError):
            return _no(
                "bad_value",
                f"评分项 {mark.aspect} 不能按测量值评分，或测量值无效",
                f"Aspect {mark.aspect} takes no measured value, or the value is invalid",
            )
    try:
        value = skill.scorer.check_score(mark.aspect, raw_value)
    except ScoringError as exc:
        return Refusal("out_of_range" if exc.code == "score_out_of_range" else "bad_value", exc.message)
    reason = (mark.reason or "").strip() if isinstance(mark.reason, str) else ""
    stage = standing.stage_of(contestant.group_id)
    if not authority.stage_allows(acting, stage):
        return _no(*STAGE_REFUSALS[stage])
    if criterion in standing.locked and acting == JUDGE:
        if seat_id not in standing.panel:
            # A first mark, not a change: the judge learns the criterion is closed, not how to change it.
            return _no(
                "locked",
                f"模块 {criterion} 已由裁判长锁定，不能再评分；如有遗漏，请联系裁判长",
                f"Criterion {criterion} is locked by the chief judge; no more marks can be entered (ask the chief judge if one is missing)",
            )
        return _no(
            "locked",
            f"模块 {criterion} 已锁定，修改须由裁判长填写理由",
            f"Criterion {criterion} is locked; only the chief judge may change it, with a reason",
        )
    if acting != JUDGE and not reason:
        return _no("reason_required", "须填写修改理由", "A reason is required")
    before = dict(standing.panel)
    try:
        previous_status = skill.scorer.score_aspect(mark.aspect, before).status if before else None
    except ScoringError as exc:  # more marks stored than the rule now takes (the preset changed since)
        return Refusal(exc.code, exc.message)
    if seat_id in before:
        if previous_status == NEEDS_REMARK:
            kind = "remark"
        elif not reason:
            return _no("reason_required", "修改已录入的评分须填写理由", "Changing a mark already entered needs a reason")
        else:
            kind = "correction"
    else:
        if len(before) >= skill.expected_judges(mark.aspect):
            return _no("panel_full", "该评分项的裁判人数已满", "This aspect already has its full panel of judges")
        kind = "mark"
    text = (decimal_str(value) or "0") if isinstance(value, Decimal) else str(value)
    after = {**before, seat_id: text}
    try:
        status = skill.scorer.score_aspect(mark.aspect, after).status
    except ScoringError as exc:
        return Refusal(exc.code, exc.message)
    return Accepted(
        contestant.id, contestant.ref or str(contestant.workstation_no), mark.aspect, seat_id, text, kind, reason, acting,
        status, previous_status, after,
    )  # fmt: skip
