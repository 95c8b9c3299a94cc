"""Team entries (团体项目): in a two- or three-person skill the team, not the person, is what is
drawn, checked in, marked and ranked.

A team is one **entry**, named by its captain's contestant id (队长): the captain's record
carries the team's workstation, encrypted number and marks; the other members carry the same
workstation and no marks of their own. The ranking, the awards and the 优胜奖 cut count entries,
so a team takes one place; every member then receives the team's place (``scoring.standing``).

The rules applied here (documented in docs/RULES.md, "Teams"):

- a team whose member is **disqualified** is disqualified (listed, unranked);
- a team with a member **absent** at check-in does not compete (参赛队成员不齐不得参赛): it is
  listed as absent, unranked — a team is marked as the whole team;
- a team takes part in the awards (参与评奖) when at least one member does; a member who does not
  receives no award, honour or promotion of the team's place (``award_members``);
- without a captain (a team still being registered) the member with the lowest id stands for it.

Pure: plain data in, plain data out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scoring.ranking import ABSENT, COMPETED, DISQUALIFIED

__all__ = ["Entry", "TeamMember", "entries_of", "member_index"]


@dataclass(frozen=True)
class TeamMember:
    contestant_id: int
    team: Any  # the team's id, None for an individual
    captain: bool = False
    disqualified: bool = False
    absent: bool = False
    award_eligible: bool = True


@dataclass(frozen=True)
class Entry:
    """What is ranked: one contestant, or one team (``members`` in id order, the entry's id first
    when it is the captain)."""

    entry_id: int
    members: tuple[int, ...]
    team: Any = None
    status: str = COMPETED
    award_eligible: bool = True
    award_members: tuple[int, ...] = field(default_factory=tuple)  # members who take part in the awards

    @property
    def is_team(self) -> bool:
        return self.team is not None


def _status(members: Sequence[TeamMember]) -> str:
    if any(m.disqualified for m in members):
        return DISQUALIFIED
    if any(m.absent for m in members):
        return ABSENT
    return COMPETED


def entries_of(people: Iterable[TeamMember], team_size: int) -> list[Entry]:
    """The entries of one skill: each person when ``team_size`` is 1, else one per team (a person
    of a team skill without a team stands alone). Ordered by entry id."""
    out: list[Entry] = []
    teams: dict[Any, list[TeamMember]] = {}
    for p in people:
        if team_size > 1 and p.team is not None:
            teams.setdefault(p.team, []).append(p)
        else:
            out.append(Entry(p.contestant_id, (p.contestant_id,), None, _status([p]), p.award_eligible,
                             (p.contestant_id,) if p.award_eligible else ()))  # fmt: skip
    for team, members in teams.items():
        members = sorted(members, key=lambda m: m.contestant_id)
        captains = [m for m in members if m.captain]
        head = captains[0] if captains else members[0]
        ids = (head.contestant_id, *(m.contestant_id for m in members if m is not head))
        eligible = tuple(m.contestant_id for m in members if m.award_eligible)
        out.append(Entry(head.contestant_id, ids, team, _status(members), bool(eligible), eligible))
    return sorted(out, key=lambda e: e.entry_id)


def member_index(entries: Iterable[Entry]) -> Mapping[int, Entry]:
    """Each member's contestant id → the entry it belongs to."""
    return {m: e for e in entries for m in e.members}
