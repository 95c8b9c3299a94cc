"""A person's final standing (最终成绩): what honour and promotion rules look at.

In a team event (双人赛 / 三人赛) the ranking is of teams; every member gets a standing carrying
the team's rank and award plus the team size, since 全国技术能手 limits depend on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from scoring.levels import SkillLevel
from scoring.ranking import Ranked


@dataclass(frozen=True)
class Standing:
    person_id: str
    rank: int | None
    award: str | None = None
    group: str = ""  # employee (职工组) / student (学生组) / teacher (教师组)
    team_size: int = 1
    level: SkillLevel | None = None  # current skill level; None when the person holds none
    honours_held: frozenset[str] = field(default_factory=frozenset)
    team_id: str | None = None


@dataclass(frozen=True)
class Person:
    """What the registry knows of a person, for :func:`standings_from`."""

    person_id: str
    level: SkillLevel | None = None
    honours_held: frozenset[str] = field(default_factory=frozenset)


def standings_from(
    ranking: Sequence[Ranked], awards: Mapping[str, str | None], members: Mapping[str, Iterable[Person]], *, group: str = "", team_size: int = 0
) -> list[Standing]:
    """Standings of one ranking (one skill and group).

    ``members`` maps each ranked id (a contestant, or a team) to the people it stands for; an
    individual event maps each contestant id to one person. ``team_size`` is the skill's (the
    team's size even when some members are left out, e.g. those not taking part in the awards);
    without it, the number of people listed.
    """
    out = []
    for r in ranking:
        people = list(members.get(r.contestant_id, ()))
        size = team_size or len(people)
        team_id = r.contestant_id if size > 1 else None
        for p in people:
            out.append(
                Standing(
                    person_id=p.person_id,
                    rank=r.rank,
                    award=awards.get(r.contestant_id),
                    group=group or r.group,
                    team_size=size,
                    level=p.level,
                    honours_held=frozenset(p.honours_held),
                    team_id=team_id,
                )
            )
    return out
