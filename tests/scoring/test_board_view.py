"""The live board's view (``scoring.board.board_view``) on its own: who a row names before and
after decryption, in which order rows come, what the staff see beyond the public, with outcomes
worked out by hand; and properties over arbitrary skills and marks. No server, no database."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from small_scheme import small_scheme_dict

from competition.dayof import codes
from scoring.board import BoardEntrant, BoardSkill, board_results, board_view, shown_number
from scoring.presets import base_preset
from scoring.scheme import scheme_from_dict

SCHEME = scheme_from_dict(small_scheme_dict())
PRESET = base_preset("provincial")  # theory 30 %, practical 70 %; J by 3 judges (spread 1), S by 5
NOW = dt.datetime(2026, 12, 5, 9, 30, tzinfo=dt.timezone.utc)
ROW_FIELDS = {"rank", "ref", "score", "total", "status", "complete", "progress"}


def marks_of(
    theory: int, judgement: tuple[int, int, int], subjective: int, measure: tuple[int, int, int] = (10, 10, 20)
) -> dict[str, dict[str, str]]:
    """Every aspect of the small scheme marked: theory and the S aspect by five judges, the J
    aspect by three, the three measurements by one."""
    five = [f"s{i}" for i in range(5)]
    return {
        "T1.1": dict.fromkeys(five, str(theory)),
        "A1.1": {"m": str(measure[0])},
        "A1.2": {"m": str(measure[1])},
        "A1.3": {"m": str(measure[2])},
        "B1.1": {f"j{i}": str(v) for i, v in enumerate(judgement)},
        "B1.2": dict.fromkeys(five, str(subjective)),
    }


def skill_of(*entrants: BoardEntrant, scheme: Any = SCHEME) -> BoardSkill:
    return BoardSkill(7, 3, "焊接", scheme, PRESET, {e.id: e for e in entrants})


def view(
    skill: BoardSkill, marks: dict[str, Any], *, seq: int = 41, frozen: bool = False, decrypted: bool = False, staff: bool = False
) -> dict[str, Any]:
    return board_view(skill, marks, seq=seq, frozen=frozen, decrypted=decrypted, staff=staff, generated_at=NOW)


def rows(snapshot: dict[str, Any], group: int = 0) -> list[dict[str, Any]]:
    return snapshot["groups"][group]["rows"]


# -- who a row names ------------------------------------------------------------------------------

#: One group of an encrypted skill: Y and X tie on the total (80) and Y did better in the practical
#: part; Z has one measurement only; W is not marked yet; V is absent; U withdrew.
X = BoardEntrant(5, "A300", 12, 1, "employee", name="林晓", delegation="广州")
Y = BoardEntrant(8, "B204", 3, 1, "employee", name="陈伟", delegation="深圳")
Z = BoardEntrant(2, "A410", 7, 1, "employee", name="黄敏", delegation="佛山")
W = BoardEntrant(1, "A512", 9, 1, "employee", name="李强", delegation="东莞")
V = BoardEntrant(9, "A77", 4, 1, "employee", absent=True, name="周杰", delegation="珠海")
U = BoardEntrant(4, "A150", 5, 1, "employee", status="withdrawn", name="吴芳", delegation="中山")
MARKS = {
    "5": marks_of(80, (2, 2, 2), 20),  # 0.3 × 80 + 0.7 × (40 + 20 + 20) = 80
    "8": marks_of(66, (2, 2, 2), 26),  # 0.3 × 66 + 0.7 × (40 + 20 + 26) = 80, practical 86
    "2": {"A1.1": {"m": "10"}},  # 0.7 × 10 = 7
    "4": marks_of(90, (3, 3, 3), 30),  # withdrawn: their marks count for nothing on the board
}
ANONYMOUS_ROWS = [
    {"rank": 1, "ref": "B204", "score": "80", "total": "80", "status": "competed", "complete": True, "progress": "6/6"},
    {"rank": 2, "ref": "A300", "score": "80", "total": "80", "status": "competed", "complete": True, "progress": "6/6"},
    {"rank": 3, "ref": "A410", "score": "7", "total": "7", "status": "competed", "complete": False, "progress": "1/6"},
    # Unranked: by the number shown in natural order (A77 before A512), not by id (W is 1, V is 9).
    {"rank": None, "ref": "A77", "score": None, "total": None, "status": "absent", "complete": False, "progress": "0/6", "started": False},
    {"rank": None, "ref": "A512", "score": None, "total": None, "status": "competed", "complete": False, "progress": "0/6", "started": False},
]


def test_before_decryption_one_snapshot_in_full():
    snap = view(skill_of(X, Y, Z, W, V, U), MARKS)
    assert snap == {
        "type": "snapshot", "skill_id": 7, "event_id": 3, "skill": "焊接", "seq": 41, "frozen": False, "decrypted": False,
        "generated_at": "2026-12-05T09:30:00+00:00", "has_scheme": True, "complete": False,
        "groups": [{"group_id": 1, "kind": "employee", "rows": ANONYMOUS_ROWS}],
    }  # fmt: skip
    # The JSON the boards receive keeps this order of keys.
    assert list(snap) == ["type", "skill_id", "event_id", "skill", "seq", "frozen", "decrypted", "generated_at", "has_scheme", "groups", "complete"]
    assert list(rows(snap)[0]) == ["rank", "ref", "score", "total", "status", "complete", "progress"]


def test_after_decryption_rows_name_the_contestant_with_both_numbers():
    snap = view(skill_of(X, Y, Z, W, V, U), MARKS, decrypted=True)
    assert snap["decrypted"] is True
    named = [(r["ref"], r["workstation_no"], r["name"], r["delegation"]) for r in rows(snap)]
    assert named == [
        ("B204", 3, "陈伟", "深圳"),
        ("A300", 12, "林晓", "广州"),
        ("A410", 7, "黄敏", "佛山"),
        ("A77", 4, "周杰", "珠海"),
        ("A512", 9, "李强", "东莞"),
    ]
    assert [{k: v for k, v in r.items() if k not in ("workstation_no", "name", "delegation")} for r in rows(snap)] == ANONYMOUS_ROWS


def test_before_decryption_the_latest_encrypted_number_only_for_public_and_staff():
    # Y's latest number is round 2's (B204); their workstation (3) is on the public draw list.
    for staff in (False, True):
        snap = view(skill_of(X, Y), MARKS, staff=staff)
        assert [r["ref"] for r in rows(snap)] == ["B204", "A300"]
        assert all(set(r) == ROW_FIELDS for r in rows(snap))
        text = json.dumps(snap, ensure_ascii=False)
        assert not any(word in text for word in ("陈伟", "深圳", "林晓", "广州"))


def test_a_skill_never_encrypted_shows_the_workstation_number():
    a = BoardEntrant(1, None, 12, 1, name="林晓")
    b = BoardEntrant(2, None, 3, 1, name="陈伟")
    c = BoardEntrant(3, None, None, 1, name="黄敏")  # no workstation drawn yet: no number at all
    snap = view(skill_of(a, b, c), {"1": marks_of(80, (2, 2, 2), 20), "2": marks_of(66, (2, 2, 2), 26)})
    assert [(r["rank"], r["ref"]) for r in rows(snap)] == [(1, "3"), (2, "12"), (None, None)]
    assert all(set(r) == ROW_FIELDS | ({"started"} if r["rank"] is None else set()) for r in rows(snap))


def test_in_an_encrypted_skill_a_contestant_without_a_number_is_shown_by_none():
    late = BoardEntrant(6, None, 15, 1, name="郑丽")  # registered after the round was generated
    snap = view(skill_of(X, late), {"5": marks_of(80, (2, 2, 2), 20), "6": marks_of(90, (3, 3, 3), 30)}, staff=True)
    assert [(r["rank"], r["ref"]) for r in rows(snap)] == [(1, None), (2, "A300")]
    assert "15" not in json.dumps(rows(snap)[0])
    # Decrypted, the row names them and their workstation.
    first = rows(view(skill_of(X, late), {"6": marks_of(90, (3, 3, 3), 30)}, decrypted=True))[0]
    assert (first["ref"], first["workstation_no"], first["name"]) == (None, 15, "郑丽")


def test_rows_of_one_rank_are_ordered_by_the_number_shown_not_by_id():
    # Three identical mark sheets tie at rank 1; ids run opposite to the numbers' natural order.
    tied = [BoardEntrant(1, "A300", 1, 1), BoardEntrant(2, "A100", 2, 1), BoardEntrant(3, "A99", 3, 1), BoardEntrant(4, None, 4, 1)]
    same = marks_of(70, (2, 2, 2), 20)
    snap = view(skill_of(*tied), {str(e.id): same for e in tied})
    assert [(r["rank"], r["ref"]) for r in rows(snap)] == [(1, "A99"), (1, "A100"), (1, "A300"), (1, None)]
    # Unranked ones the same: absent, disqualified and not yet marked interleave by the number.
    out = [BoardEntrant(1, "A300", 1, 1, absent=True), BoardEntrant(2, "A100", 2, 1, status="disqualified"), BoardEntrant(3, "A99", 3, 1)]
    snap = view(skill_of(*out), {"1": same, "2": same})
    assert [(r["rank"], r["ref"], r["status"]) for r in rows(snap)] == [
        (None, "A99", "competed"),
        (None, "A100", "disqualified"),
        (None, "A300", "absent"),
    ]


def test_staff_see_the_re_marking_flags_under_the_number_shown_and_the_public_does_not():
    uneven = marks_of(80, (0, 2, 3), 20)  # the J panel spreads 3 points, more than 1: re-mark
    skill = skill_of(X, Y)
    staff = view(skill, {"5": uneven, "8": marks_of(66, (2, 2, 2), 26)}, staff=True)
    assert staff["flags"] == [{"contestant": "A300", "aspect": "B1.1", "scores": {"j0": "0", "j1": "2", "j2": "3"}}]
    public = view(skill, {"5": uneven, "8": marks_of(66, (2, 2, 2), 26)})
    assert "flags" not in public
    assert public == {k: v for k, v in staff.items() if k != "flags"}
    assert [(r["ref"], r["complete"], r["progress"]) for r in rows(public)] == [("B204", True, "6/6"), ("A300", False, "5/6")]
    # A skill never encrypted flags by workstation; after decryption still by the number shown.
    plain = skill_of(BoardEntrant(5, None, 12, 1, name="林晓"))
    assert view(plain, {"5": uneven}, staff=True)["flags"][0]["contestant"] == "12"
    assert view(skill, {"5": uneven}, staff=True, decrypted=True)["flags"][0]["contestant"] == "A300"


def test_a_frozen_board_says_so_and_shows_the_marks_it_is_given():
    # The shell hands a frozen board the marks as of the freeze; the view shows exactly those.
    before = {"5": marks_of(80, (2, 2, 2), 20)}
    snap = view(skill_of(X, Y), before, seq=17, frozen=True)
    assert (snap["frozen"], snap["seq"]) == (True, 17)
    assert [(r["rank"], r["ref"], r["total"]) for r in rows(snap)] == [(1, "A300", "80"), (None, "B204", None)]
    assert {k: v for k, v in snap.items() if k != "frozen"} == {k: v for k, v in view(skill_of(X, Y), before, seq=17).items() if k != "frozen"}


def test_groups_in_number_order_with_their_kind_and_a_skill_without_a_scheme():
    a = BoardEntrant(1, "A300", 1, 10, "student")
    b = BoardEntrant(2, "A200", 2, 2, "employee")
    snap = view(skill_of(a, b), {"1": marks_of(80, (2, 2, 2), 20)})
    assert [(g["group_id"], g["kind"], [r["ref"] for r in g["rows"]]) for g in snap["groups"]] == [
        (2, "employee", ["A200"]),
        (10, "student", ["A300"]),
    ]
    assert view(skill_of(a, b, scheme=None), {"1": {"A1.1": {"m": "10"}}}) == {
        "type": "snapshot", "skill_id": 7, "event_id": 3, "skill": "焊接", "seq": 41, "frozen": False, "decrypted": False,
        "generated_at": "2026-12-05T09:30:00+00:00", "groups": [], "has_scheme": False,
    }  # fmt: skip


def test_shown_number_rule_and_its_old_home():
    assert shown_number("B204", 3, skill_encrypted=True) == "B204"
    assert shown_number(None, 3, skill_encrypted=True) is None
    assert shown_number(None, 3, skill_encrypted=False) == "3"
    assert shown_number(None, None, skill_encrypted=False) is None
    assert codes.shown_number is shown_number  # callers of competition.dayof.codes keep working


# -- properties -----------------------------------------------------------------------------------

_VALUES = {
    "T1.1": (tuple(f"s{i}" for i in range(5)), st.integers(0, 100)),
    "A1.1": (("m",), st.sampled_from([0, 10])),
    "A1.2": (("m",), st.sampled_from([0, 5, 10])),
    "A1.3": (("m",), st.sampled_from(range(0, 21, 2))),
    "B1.1": (("j0", "j1", "j2"), st.integers(0, 3)),
    "B1.2": (tuple(f"s{i}" for i in range(5)), st.integers(0, 30)),
}


@st.composite
def skills_and_marks(draw: st.DrawFn) -> tuple[BoardSkill, dict[str, Any]]:
    """A skill of up to nine contestants in one or two groups, encrypted or not (some without a
    number, some without a workstation), with some aspects of some of them marked, often alike so
    that ranks tie."""
    n = draw(st.integers(0, 9))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    refs = draw(st.lists(st.integers(100, 999), min_size=n, max_size=n, unique=True))
    seats = draw(st.lists(st.integers(1, 60), min_size=n, max_size=n, unique=True))
    encrypted = draw(st.booleans())
    entrants = []
    for i, cid in enumerate(ids):
        numbered = encrypted and draw(st.integers(0, 5)) > 0
        entrants.append(
            BoardEntrant(
                cid,
                f"{draw(st.sampled_from('AB'))}{refs[i]}" if numbered else None,
                seats[i] if draw(st.integers(0, 6)) > 0 else None,
                draw(st.sampled_from([1, 2])),
                "employee",
                draw(st.sampled_from(["registered"] * 5 + ["withdrawn", "disqualified"])),
                draw(st.integers(0, 9)) == 0,
                f"姓名{i}号",
                f"代表队{i}号",
            )
        )
    sheets = [marks_of(70, (2, 2, 2), 20), {"A1.1": {"m": "10"}}]
    marks: dict[str, Any] = {}
    for cid in ids:
        kind = draw(st.integers(0, 3))
        if kind == 0:
            continue  # not marked yet
        if kind < 3:
            marks[str(cid)] = sheets[kind - 1]
            continue
        chosen = draw(st.lists(st.sampled_from(sorted(_VALUES)), unique=True, max_size=6))
        marks[str(cid)] = {a: {j: str(draw(_VALUES[a][1])) for j in _VALUES[a][0]} for a in chosen}
    return BoardSkill(7, 3, "焊接", SCHEME, PRESET, {e.id: e for e in entrants}), marks


FLAGS = st.fixed_dictionaries({"decrypted": st.booleans(), "staff": st.booleans(), "frozen": st.booleans()})
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _comparable(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot with the rows no number names (no one to tell apart) as a set per group, and
    the staff's flags as a set: they come in the order of the contestants handed in."""
    out = dict(snapshot)
    if "flags" in out:
        out["flags"] = sorted(json.dumps(f, sort_keys=True, ensure_ascii=False) for f in out["flags"])
    groups = []
    for g in snapshot["groups"]:
        numbered = [r for r in g["rows"] if r["ref"] is not None]
        unnamed = sorted(json.dumps(r, sort_keys=True, ensure_ascii=False) for r in g["rows"] if r["ref"] is None)
        groups.append({**g, "rows": numbered, "unnamed": unnamed})
    out["groups"] = groups
    return out


@PROPERTY
@given(skills_and_marks(), FLAGS, st.randoms(use_true_random=False))
def test_the_view_never_depends_on_internal_ids(drawn: tuple[BoardSkill, dict[str, Any]], flags: dict[str, bool], rnd: random.Random):
    """Relabel every contestant with other ids (in another order): the same rows in the same
    order. Rows shown by no number tie on it and are compared as a set: before decryption nothing
    tells them apart; after it their names do."""
    skill, marks = drawn
    old = list(skill.entrants)
    new = rnd.sample(range(20_000, 40_000), len(old))
    relabel = dict(zip(old, new, strict=True))
    entrants = {relabel[e.id]: dataclasses.replace(e, id=relabel[e.id]) for e in skill.entrants.values()}
    shuffled = dict(rnd.sample(sorted(entrants.items()), len(entrants)))
    other = dataclasses.replace(skill, entrants=shuffled)
    other_marks = {str(relabel[int(cid)]): m for cid, m in marks.items()}
    assert _comparable(view(other, other_marks, **flags)) == _comparable(view(skill, marks, **flags))


@PROPERTY
@given(skills_and_marks(), st.booleans(), st.booleans())
def test_before_decryption_no_snapshot_names_anyone(drawn: tuple[BoardSkill, dict[str, Any]], staff: bool, frozen: bool):
    """Public or staff, no name, delegation or workstation field before decryption, no name or
    delegation anywhere in the JSON, and in an encrypted skill no row shown by its workstation."""
    skill, marks = drawn
    snap = view(skill, marks, staff=staff, frozen=frozen)
    text = json.dumps(snap, ensure_ascii=False)
    assert "姓名" not in text and "代表队" not in text
    numbers = {e.ref for e in skill.entrants.values() if e.ref}
    for group in snap["groups"]:
        for row in group["rows"]:
            assert not {"name", "delegation", "workstation_no"} & set(row)
            if numbers:
                assert row["ref"] is None or row["ref"] in numbers
            else:
                assert row["ref"] is None or row["ref"] in {str(e.workstation_no) for e in skill.entrants.values()}
    for flag in snap.get("flags", []):
        assert flag["contestant"] is None or not numbers or flag["contestant"] in numbers


@PROPERTY
@given(skills_and_marks(), FLAGS)
def test_rows_come_by_rank_then_by_the_number_shown(drawn: tuple[BoardSkill, dict[str, Any]], flags: dict[str, bool]):
    """Ranked rows first by rank; within one rank (and among the unranked) numbers in natural
    order (A99 before A100), rows without one last; the withdrawn not at all."""
    skill, marks = drawn
    snap = view(skill, marks, **flags)
    listed = sum(len(g["rows"]) for g in snap["groups"])
    assert listed == sum(1 for e in skill.entrants.values() if e.status != "withdrawn")
    for group in snap["groups"]:
        for a, b in zip(group["rows"], group["rows"][1:]):
            assert (a["rank"] is None, a["rank"] or 0) <= (b["rank"] is None, b["rank"] or 0)
            if a["rank"] == b["rank"]:
                if a["ref"] is None:
                    assert b["ref"] is None
                elif b["ref"] is not None:
                    assert (len(a["ref"]), a["ref"]) < (len(b["ref"]), b["ref"])


@PROPERTY
@given(skills_and_marks(), st.booleans(), st.booleans())
def test_the_public_view_is_the_staff_view_without_the_flags(drawn: tuple[BoardSkill, dict[str, Any]], decrypted: bool, frozen: bool):
    """What the shell publishes to the public from a staff snapshot is the public view itself, and
    results handed in (as the live board keeps them) give the view computed from the marks."""
    skill, marks = drawn
    staff = view(skill, marks, staff=True, decrypted=decrypted, frozen=frozen)
    public = view(skill, marks, decrypted=decrypted, frozen=frozen)
    assert public == {k: v for k, v in staff.items() if k != "flags"}
    kept = board_results(skill, marks)
    handed = board_view(skill, marks, seq=41, frozen=frozen, decrypted=decrypted, staff=True, generated_at=NOW, results=kept)
    assert handed == staff
