"""What a live board shows of a skill: who each row names, in which order, and which fields the
public and the staff see. Pure: the live server (``marking.live.board``) keeps the marks and the
scoring cache and hands plain facts in; the clock is an argument.

**Who a row names** (the public board, and the staff view the chief judge and organisers follow;
one rule, ``shown_number``):

- After decryption: name and delegation, with the encrypted and the workstation number.
- Before it, one anonymous number only: the contestant's latest encrypted number. The draw's list
  of who sits at which workstation is public, so an encrypted number shown beside its workstation
  number would name its contestant to anyone — and to the judges who mark by that number. The
  chief judge is a judge and organisers do not hold the mapping, so the staff view follows suit.
- In a skill never encrypted, the workstation number alone: no encrypted number exists to
  protect, judges score by workstation, and the draw list already says who sits there.
- In an encrypted skill, a contestant still without a number (registered after the round was
  generated) is shown by none rather than by the workstation the draw list names.
- Rows of one rank, and the unranked ones, are ordered by the number shown, never by registration
  (the order of internal ids), so their order says nothing about who they are.

What no rule can hide is that scores carry over: a board that showed marks under workstation
numbers before encryption, or under round-1 numbers before round 2 (二次加密), lets whoever watched
it match old and new numbers by their scores. Generate every round before the first mark.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scoring.aggregation import NEEDS_REMARK, ContestantResult, Scorer
from scoring.numbers import decimal_str
from scoring.ranking import ABSENT, COMPETED, DISQUALIFIED
from scoring.results import ContestantInfo, SkillResults, compute_skill
from scoring.scheme import MarkingScheme

#: contestant → aspect → judge → value (ids as strings, as the marks' view keys them).
Marks = Mapping[str, Mapping[str, Mapping[str, Any]]]


@dataclass(frozen=True)
class BoardEntrant:
    """A contestant as a board knows them."""

    id: int
    ref: str | None  # latest encrypted number
    workstation_no: int | None
    group_id: int
    group_kind: str = ""
    status: str = "registered"  # registered / withdrawn / disqualified
    absent: bool = False
    name: str = ""
    delegation: str = ""


@dataclass(frozen=True)
class BoardSkill:
    """A skill as a board knows it; ``scheme`` is None until one is stored."""

    skill_id: int
    event_id: int
    name: str
    scheme: MarkingScheme | None
    preset: Mapping[str, Any]
    entrants: Mapping[int, BoardEntrant] = field(default_factory=dict)

    @property
    def encrypted(self) -> bool:
        """Whether any contestant has an encrypted number (so the skill has been encrypted)."""
        return any(c.ref for c in self.entrants.values())


def shown_number(encrypted_no: str | None, workstation_no: int | None, *, skill_encrypted: bool) -> str | None:
    """The one number a contestant is shown by before decryption, wherever more than the
    encryption officer looks (boards, the chief judge's console and checks, the results preview).

    The latest encrypted number; in a skill never encrypted, the workstation number (the draw list
    is public and judges score by it, so it hides nothing); a contestant still without a number in
    an encrypted skill gets none. Never both: beside the public draw list an encrypted number shown
    next to its workstation names its contestant. This module's docstring sets out the whole rule.
    """
    if encrypted_no:
        return encrypted_no
    if skill_encrypted or workstation_no is None:
        return None
    return str(workstation_no)


def board_people(skill: BoardSkill) -> list[ContestantInfo]:
    """Who is ranked on the board: everyone but the withdrawn, with their participation."""
    people = []
    for c in skill.entrants.values():
        if c.status == "withdrawn":
            continue
        status = DISQUALIFIED if c.status == "disqualified" else ABSENT if c.absent else COMPETED
        people.append(ContestantInfo(str(c.id), group=str(c.group_id), status=status))
    return people


def board_results(
    skill: BoardSkill, marks: Marks, *, scorer: Scorer | None = None, known: Mapping[str, ContestantResult] | None = None
) -> SkillResults:
    """The skill's results as a board ranks them (``known``: results the caller kept of contestants
    whose marks have not changed, as ``compute_skill`` takes them)."""
    assert skill.scheme is not None
    return compute_skill(skill.scheme, skill.preset, board_people(skill), marks, scorer=scorer, known=known)


def board_view(
    skill: BoardSkill,
    marks: Marks,
    *,
    seq: int,
    frozen: bool,
    decrypted: bool,
    staff: bool,
    generated_at: dt.datetime,
    results: SkillResults | None = None,
    scorer: Scorer | None = None,
) -> dict[str, Any]:
    """The snapshot a board shows of ``marks`` (the view as of mark ``seq``).

    ``results``: the skill's ``board_results`` for these marks when the caller has them (a live
    board keeps most of them from the last snapshot); computed here otherwise. ``staff`` adds the
    re-marking flags with the panels' scores, for the staff channel only.
    """
    base: dict[str, Any] = {
        "type": "snapshot", "skill_id": skill.skill_id, "event_id": skill.event_id, "skill": skill.name, "seq": seq,
        "frozen": frozen, "decrypted": decrypted, "generated_at": generated_at.isoformat(),
    }  # fmt: skip
    if skill.scheme is None:
        return {**base, "groups": [], "has_scheme": False}
    if results is None:
        results = board_results(skill, marks, scorer=scorer)
    aspect_count = sum(1 for _ in skill.scheme.aspects())
    encrypted = skill.encrypted
    entrants = skill.entrants
    shown = {c.id: shown_number(c.ref, c.workstation_no, skill_encrypted=encrypted) for c in entrants.values()}
    groups = []
    kinds = {c.group_id: c.group_kind for c in entrants.values()}
    for group_id, ranking in sorted(results.rankings.items(), key=lambda kv: int(kv[0]) if kv[0].isdigit() else 0):
        rows = []
        for r in ranking:
            c = entrants[int(r.contestant_id)]
            res = results.results[r.contestant_id]
            done = res.counts().get("complete", 0)
            row: dict[str, Any] = {
                "rank": r.rank, "ref": shown[c.id], "score": decimal_str(results.scores.get(r.contestant_id)),
                "total": decimal_str(res.total), "status": r.status, "complete": done == aspect_count,
                "progress": f"{done}/{aspect_count}",
            }  # fmt: skip
            if decrypted:
                row.update(workstation_no=c.workstation_no, name=c.name, delegation=c.delegation)
            if r.contestant_id not in marks:
                # Not marked yet: listed after the ranked ones, without a rank or a score.
                row.update(rank=None, score=None, total=None, started=False)
            rows.append(row)
        rows.sort(key=row_order)
        groups.append({"group_id": int(group_id), "kind": kinds.get(int(group_id), ""), "rows": rows})
    snap = {**base, "has_scheme": True, "groups": groups, "complete": results.complete}
    if staff:
        flags = []
        for cid, res in results.results.items():
            for aspect_id, ar in res.aspects.items():
                if ar.status == NEEDS_REMARK:
                    scores = dict(marks.get(cid, {}).get(aspect_id, {}))
                    flags.append({"contestant": shown[int(cid)], "aspect": aspect_id, "scores": scores})
        snap["flags"] = flags
    return snap


def row_order(row: Mapping[str, Any]) -> tuple[bool, int, bool, int, str]:
    """Ranked rows by rank, then the rest; within one rank by the number shown (natural order:
    A99 before A100), so ties and unranked rows are not listed in registration order."""
    ref = row["ref"] or ""
    return (row["rank"] is None, row["rank"] or 0, ref == "", len(ref), ref)
