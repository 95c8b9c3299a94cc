"""The mark-acceptance rule (``scoring.acceptance.judge_mark``) on its own: examples of each
refusal, and properties over arbitrary marks, panels, stages and locks, with the real access
policy's answers (``kernel.access``) for the authorities. No server, no database."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from small_scheme import small_scheme_dict

from competition.judges.conflicts import conflict_reason, withheld
from kernel import access
from marking.live.ingest import AUTHORITY_CAPABILITY
from scoring import acceptance
from scoring.acceptance import ARBITRATION, CHIEF_JUDGE, JUDGE, ORGANISER, Accepted, Authority, Mark, Refusal, Standing, judge_mark
from scoring.aggregation import Scorer
from scoring.scheme import scheme_from_dict

SCHEME = scheme_from_dict(small_scheme_dict())
SCORER = Scorer(SCHEME)
ASPECTS = sorted(SCHEME.places)


@dataclasses.dataclass(frozen=True)
class Seat:
    user_id: int
    role: str
    criteria: tuple[str, ...]
    delegation: str
    employer: str
    name: str

    def covers(self, criterion: str, aspect: str) -> bool:
        return not self.criteria or criterion in self.criteria or aspect in self.criteria


@dataclasses.dataclass(frozen=True)
class Entrant:
    id: int
    ref: str | None
    workstation_no: int | None
    group_id: int
    status: str
    absent: bool
    delegation: str
    employer: str


@dataclasses.dataclass
class SkillView:
    """A skill as the live context presents it, built in memory."""

    seats: dict[int, Seat]
    contestants: list[Entrant]
    archived: bool = False
    skill_id: int = 7
    event_id: int = 3
    scheme: Any = SCHEME
    scorer: Any = SCORER

    def contestant_by_ref(self, ref: str) -> Entrant | None:
        return next((c for c in self.contestants if c.ref == ref or (c.ref is None and str(c.workstation_no) == ref)), None)

    def conflict(self, seat: Seat, contestant: Entrant, *, withheld: bool = False):
        reason = conflict_reason(seat, contestant)
        return globals()["withheld"](seat.name) if reason is not None and withheld else reason

    def expected_judges(self, aspect_id: str) -> int:
        return self.scorer.rule_for(self.scheme.aspect(aspect_id)).expected_judges()


CHIEF, J1, J2, J3, ORG, ARB = 1, 2, 3, 4, 5, 6
SEATS = {
    CHIEF: Seat(CHIEF, "chief_judge", (), "广州", "甲厂", "裁判长"),
    J1: Seat(J1, "judge", (), "深圳", "乙厂", "裁判一"),
    J2: Seat(J2, "judge", ("A",), "珠海", "丙厂", "裁判二"),  # criterion A only
    J3: Seat(J3, "judge", (), "佛山", "丁厂", "裁判三"),
}
ALICE = Entrant(11, "E01", 1, 100, "registered", False, "东莞", "戊厂")
BOB = Entrant(12, "E02", 2, 100, "registered", False, "深圳", "己厂")  # same delegation as J1
ABSENT = Entrant(13, "E03", 3, 100, "registered", True, "中山", "庚厂")
WITHDRAWN = Entrant(14, "E04", 4, 200, "withdrawn", False, "江门", "辛厂")
EARLY = Entrant(15, None, 5, 200, "registered", False, "湛江", "壬厂")  # before encryption
SKILL = SkillView(SEATS, [ALICE, BOB, ABSENT, WITHDRAWN, EARLY])

#: Who holds which authority in this skill (the organiser and arbitrator hold nothing else).
HOLDERS = {JUDGE: {J1, J2, J3, CHIEF}, CHIEF_JUDGE: {CHIEF}, ORGANISER: {ORG}, ARBITRATION: {ARB}}


def policy(user_id: int) -> Authority:
    """The real stage rules of the access policy; role holding as the skill above assigns it."""
    return Authority(
        holds=lambda authority: user_id in HOLDERS[authority],
        stage_allows=lambda authority, stage: access.stage_allows(AUTHORITY_CAPABILITY[authority], stage),
    )


def verdict(mark: Mark, standing: Standing = Standing(), skill: Any = SKILL) -> Accepted | Refusal:
    return judge_mark(skill, mark, standing, policy(mark.user_id))


def refused(result: Accepted | Refusal) -> str:
    assert isinstance(result, Refusal), result
    return result.code


# ---- examples ------------------------------------------------------------------------------------


def test_a_judges_first_mark_is_accepted_with_its_status():
    got = verdict(Mark(J1, "E01", "A1.1", "10"))
    assert isinstance(got, Accepted)
    assert (got.contestant_id, got.seat, got.value, got.kind, got.reason, got.authority) == (ALICE.id, J1, "10", "mark", "", JUDGE)
    assert got.previous_status is None and got.panel == {J1: "10"}


@pytest.mark.parametrize(
    ("skill", "mark", "code"),
    [
        (None, Mark(J1, "E01", "A1.1", "5"), "unknown_skill"),
        (dataclasses.replace(SKILL, archived=True), Mark(J1, "E01", "A1.1", "5"), "event_archived"),
        (dataclasses.replace(SKILL, scheme=None, scorer=None), Mark(J1, "E01", "A1.1", "5"), "no_scheme"),
        (SKILL, Mark(J1, "E01", "A1.1", "5", authority="owner"), "bad_authority"),
        (SKILL, Mark(J1, "E01", "A1.1", "5", authority=CHIEF_JUDGE, reason="x"), "not_assigned"),
        (SKILL, Mark(ARB, "E01", "A1.1", "5", authority=ARBITRATION, reason="x", seat=J1), "appeal_required"),
        (SKILL, Mark(J1, "E01", "A1.1", "5", seat=J3), "not_assigned"),
        (SKILL, Mark(J1, "E99", "A1.1", "5"), "unknown_contestant"),
        (SKILL, Mark(J1, "E03", "A1.1", "5"), "not_competing"),
        (SKILL, Mark(J1, "E04", "A1.1", "5"), "not_competing"),
        (SKILL, Mark(J1, "E01", "Z9.9", "5"), "unknown_aspect"),
        (SKILL, Mark(J1, "E01", ["A1.1"], "5"), "unknown_aspect"),
        (SKILL, Mark(ORG, "E01", "A1.1", "5", authority=ORGANISER, reason="x"), "not_assigned"),  # no seat given: the organiser's own
        (SKILL, Mark(J2, "E01", "B1.1", "2"), "not_assigned"),  # criterion B not assigned
        (SKILL, Mark(J1, "E02", "A1.1", "10"), "conflict_of_interest"),
        (SKILL, Mark(J1, "E01", "A1.1", "11"), "out_of_range"),
        (SKILL, Mark(J1, "E01", "A1.1", "abc"), "bad_value"),
        (SKILL, Mark(J1, "E01", "A1.1", None, measured="0.5x"), "bad_value"),
        (SKILL, Mark(J1, "E01", "A1.1", None, measured="0.01"), "bad_value"),  # not a banded aspect
    ],
)
def test_each_refusal(skill, mark, code):
    assert refused(verdict(mark, skill=skill)) == code


def test_a_workstation_number_addresses_a_contestant_before_encryption():
    got = verdict(Mark(J1, "5", "A1.1", "0"))
    assert isinstance(got, Accepted) and got.contestant_id == EARLY.id and got.contestant_ref == "5"


def test_a_banded_measurement_gives_the_bands_mark():
    got = verdict(Mark(J1, "E01", "A1.2", None, measured="0.07"))
    assert isinstance(got, Accepted) and got.value == "5"


def test_a_second_mark_is_a_correction_and_needs_a_reason():
    panel = Standing(panel={J1: "10"})
    assert refused(verdict(Mark(J1, "E01", "A1.1", "0"), panel)) == "reason_required"
    got = verdict(Mark(J1, "E01", "A1.1", "0", reason="  看错了 "), panel)
    assert isinstance(got, Accepted) and (got.kind, got.reason, got.panel) == ("correction", "看错了", {J1: "0"})


def test_a_first_mark_on_a_locked_criterion_is_told_the_chief_judge_locked_it():
    locked = frozenset({"A"})
    first = verdict(Mark(J1, "E01", "A1.1", "10"), Standing(locked=locked))
    assert isinstance(first, Refusal) and first.code == "locked"
    assert "已由裁判长锁定" in first.message.zh and "locked by the chief judge" in first.message.en and "理由" not in first.message.zh
    change = verdict(Mark(J1, "E01", "A1.1", "0", reason="再看"), Standing(locked=locked, panel={J1: "10"}))
    assert isinstance(change, Refusal) and "修改须由裁判长填写理由" in change.message.zh


def test_stages_and_locks_decide_who_may_change_a_mark():
    chief = Mark(CHIEF, "E01", "A1.1", "10", seat=J1, authority=CHIEF_JUDGE, reason="复核")
    judge = Mark(J1, "E01", "A1.1", "10")
    assert refused(verdict(judge, Standing(locked=frozenset({"A"})))) == "locked"
    assert isinstance(verdict(chief, Standing(locked=frozenset({"A"}))), Accepted)
    assert refused(verdict(dataclasses.replace(chief, reason=" "))) == "reason_required"
    assert refused(verdict(judge, Standing(signed_off=True))) == "signed_off"
    org = Mark(ORG, "E01", "A1.1", "10", seat=J1, authority=ORGANISER, reason="签字后更正")
    assert refused(verdict(org)) == "not_signed_off"
    assert isinstance(verdict(org, Standing(signed_off=True)), Accepted)
    arb = Mark(ARB, "E01", "A1.1", "10", seat=J1, authority=ARBITRATION, reason="申诉成立", appeal_id=9)
    assert refused(verdict(org, Standing(releases={100: "provisional"}))) == "results_published"
    assert isinstance(verdict(arb, Standing(releases={100: "provisional"})), Accepted)
    assert refused(verdict(arb, Standing(releases={100: "final"}))) == "results_final"
    # Another group's release does not touch this contestant's.
    assert isinstance(verdict(judge, Standing(releases={200: "final"})), Accepted)


def test_a_flagged_aspect_takes_a_remark_without_reason_and_a_full_panel_no_more_judges():
    # Judgement marks far apart need re-marking (the preset's default rule).
    far = {J1: "0", J3: "3", CHIEF: "0"}
    before = SCORER.score_aspect("B1.1", far).status
    assert before == "needs_remark"
    got = verdict(Mark(J3, "E01", "B1.1", "1"), Standing(panel=far))
    assert isinstance(got, Accepted) and got.kind == "remark" and got.previous_status == "needs_remark"
    assert SKILL.expected_judges("B1.1") == 3
    assert refused(verdict(Mark(J3, "E01", "B1.1", "2"), Standing(panel={CHIEF: "2", J1: "2", J2: "2"}))) == "panel_full"
    # More marks stored than the rule takes (the preset changed after marking): refused, not a crash.
    too_many = Standing(panel={CHIEF: "2", J1: "2", J2: "2", 99: "2"})
    assert refused(verdict(Mark(J1, "E01", "B1.1", "2", reason="x"), too_many))


def test_the_chief_judge_correcting_another_seat_learns_only_that_the_judge_stands_aside():
    got = verdict(Mark(CHIEF, "E02", "A1.1", "5", seat=J1, authority=CHIEF_JUDGE, reason="x"))
    assert refused(got) == "conflict_of_interest"
    assert "深圳" not in got.message.zh and "Shenzhen" not in got.message.en
    assert got.message.zh == withheld("裁判一").zh
    own = verdict(Mark(J1, "E02", "A1.1", "5"))
    assert "深圳" in own.message.zh  # the judge is told their own reason


# ---- properties ---------------------------------------------------------------------------------

users = st.sampled_from([CHIEF, J1, J2, J3, ORG, ARB, 77])
refs = st.sampled_from(["E01", "E02", "E03", "E04", "5", "E99", "e01", ""])
aspects = st.one_of(st.sampled_from(ASPECTS), st.sampled_from(["", "A1", "Z"]))
values = st.one_of(
    st.integers(-5, 120).map(str), st.decimals(-2, 40, places=2, allow_nan=False).map(str),
    st.sampled_from(["", "abc", "1e400", "NaN", None, "0", "3"]), st.floats(allow_nan=True, allow_infinity=True),
)  # fmt: skip
reasons = st.sampled_from(["", "  ", "复核", "typo"])
authorities = st.sampled_from([JUDGE, CHIEF_JUDGE, ORGANISER, ARBITRATION, "admin", None])
seats = st.one_of(st.none(), st.sampled_from([CHIEF, J1, J2, J3, 42]))


@st.composite
def plausible_marks(draw) -> Mark:
    """Mostly marks a real tablet or correction would send (the holder of the authority, a seat of
    the panel, a valid value for the aspect), so acceptance is exercised as much as refusal."""
    authority = draw(st.sampled_from([JUDGE, JUDGE, CHIEF_JUDGE, ORGANISER, ARBITRATION]))
    user = (
        draw(st.one_of(st.sampled_from(sorted(HOLDERS[authority])), users))
        if draw(st.booleans())
        else draw(st.sampled_from(sorted(HOLDERS[authority])))
    )
    seat = None if authority == JUDGE and draw(st.booleans()) else draw(st.sampled_from([CHIEF, J1, J2, J3]))
    aspect = draw(st.sampled_from(ASPECTS))
    kind = SCHEME.aspect(aspect).kind
    value = draw(st.sampled_from({"M": ["0", "10", "20", "18", "16"], "J": ["0", "1", "2", "3"]}.get(kind, ["0", "5", "10", "30", "7.5"])))
    return Mark(
        user, draw(st.sampled_from(["E01", "E01", "E02", "5", "E03"])), aspect, value, draw(reasons), seat, authority,
        None, draw(st.sampled_from([None, 5, 5])),
    )  # fmt: skip


marks = st.one_of(plausible_marks(), plausible_marks(), st.builds(
    Mark, user_id=users, contestant=refs, aspect=aspects, value=values, reason=reasons, seat=seats, authority=authorities,
    measured=st.one_of(st.none(), st.sampled_from(["0.01", "0.07", "0.5", "x"])), appeal_id=st.one_of(st.none(), st.just(5)),
))  # fmt: skip
stages = st.sampled_from([None, "provisional", "final"])
standings = st.builds(
    lambda stage, signed, locked, panel: Standing({100: stage} if stage else {}, signed, frozenset(locked), panel),
    stages, st.booleans(), st.sets(st.sampled_from(["A", "B", "T"])),
    st.dictionaries(st.sampled_from([CHIEF, J1, J2, J3]), st.sampled_from(["0", "1", "2", "3", "5"]), max_size=4),
)  # fmt: skip
RULE_SETTINGS = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@RULE_SETTINGS
@given(marks, standings)
def test_the_rule_is_pure_and_total(mark, standing):
    """Any mark gets an answer (no exception), the same one twice, and changes nothing it read."""
    panel_before = dict(standing.panel)
    first = verdict(mark, standing)
    assert isinstance(first, (Accepted, Refusal))
    assert verdict(mark, standing) == first
    assert dict(standing.panel) == panel_before
    if isinstance(first, Refusal):
        assert first.code and first.message.zh and first.message.en


@RULE_SETTINGS
@given(marks, standings)
def test_what_is_accepted_keeps_every_rule(mark, standing):
    got = verdict(mark, standing)
    if not isinstance(got, Accepted):
        return
    contestant = SKILL.contestant_by_ref(mark.contestant)
    assert contestant is not None and contestant.status == "registered" and not contestant.absent
    place = SCHEME.places[got.aspect]
    stage = standing.stage_of(contestant.group_id)
    assert stage != "final"
    assert got.authority in HOLDERS and mark.user_id in HOLDERS[got.authority]
    seat = SEATS[got.seat]
    assert conflict_reason(seat, contestant) is None
    assert Decimal(0) <= Decimal(got.value) <= place.aspect.max_mark
    if got.authority == JUDGE:
        assert got.seat == mark.user_id and seat.covers(place.criterion.id, got.aspect)
        assert place.criterion.id not in standing.locked and stage == "scoring"
    else:
        assert got.reason  # every change not a judge's own mark carries a reason
    if got.authority == ARBITRATION:
        assert mark.appeal_id is not None and stage == "provisional"
    if got.authority == ORGANISER:
        assert stage == "signed_off"
    if got.seat in standing.panel:
        assert got.kind in ("correction", "remark") and (got.reason or got.kind == "remark")
    else:
        assert got.kind == "mark" and len(standing.panel) < SKILL.expected_judges(got.aspect)
    assert got.panel == {**standing.panel, got.seat: got.value}
    assert got.status == SCORER.score_aspect(got.aspect, got.panel).status


@RULE_SETTINGS
@given(marks, standings)
def test_final_results_take_no_mark(mark, standing):
    final = Standing({100: "final", 200: "final"}, standing.signed_off, standing.locked, standing.panel)
    assert isinstance(verdict(mark, final), Refusal)


def test_the_shell_maps_every_authority_and_stage():
    assert set(AUTHORITY_CAPABILITY) == set(acceptance.AUTHORITIES)
    assert set(acceptance.STAGE_REFUSALS) == set(access.STAGES)
