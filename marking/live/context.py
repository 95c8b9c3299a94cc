"""What the live server needs to know about a skill, loaded once and kept for a few seconds.

Mark ingest runs at hundreds of marks a second; reading the scheme, the contestants, the judges'
assignments and the encrypted numbers from the database for every mark would dominate. A
``SkillContext`` holds them; it is reloaded after ``TTL_S`` or at once when a look-up misses (a
new encryption round, a new assignment), so changes reach the tablets within seconds. Everything
whose change must take effect exactly (locks, sign-off, the marks themselves) is read inside the
write transaction instead, never from here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from typing import Any

from competition.dayof import codes
from competition.dayof import face as dayof
from competition.events import service as events
from competition.judges import face as judges
from competition.judges.conflicts import Reason, conflict_reason
from competition.judges.conflicts import withheld as withheld_reason
from competition.registration import face as registration
from kernel.tables import Event, Skill
from marking.tables import MarkingScheme as SchemeRow
from scoring.aggregation import Scorer
from scoring.ranking import ABSENT, DISQUALIFIED
from scoring.scheme import MarkingScheme, scheme_from_dict
from scoring.teams import TeamMember, entries_of

TTL_S = 5.0


@dataclasses.dataclass
class ContestantInfo:
    id: int
    ref: str | None  # latest encrypted number
    workstation_no: int | None
    group_id: int
    group_kind: str
    delegation: str
    employer: str
    status: str  # registered / withdrawn / disqualified
    absent: bool
    name: str
    team_id: int | None
    checked_in: bool = False  # present or late at check-in (检录); absent is ``absent``
    #: In a team skill this is the team's entry (its captain's record): the other members' ids and
    #: their sides (delegation, employer), which a judge's conflicts of interest are checked against too.
    members: tuple[int, ...] = ()
    member_sides: tuple[tuple[str, str], ...] = ()
    team_name: str = ""  # the team's name, for a team entry (what the board shows after decryption)


@dataclasses.dataclass
class JudgeSeat:
    user_id: int
    role: str  # judge / chief_judge
    criteria: list[str]
    delegation: str
    employer: str
    name: str

    def covers(self, criterion: str, aspect: str) -> bool:
        if not self.criteria:
            return self.role == "judge"
        return criterion in self.criteria or aspect in self.criteria


@dataclasses.dataclass
class SkillContext:
    skill_id: int
    event_id: int
    skill_name: str
    team_size: int
    archived: bool
    preset: dict[str, Any]
    scheme: MarkingScheme | None
    scheme_version: int
    scorer: Scorer | None
    contestants: dict[int, ContestantInfo]
    by_ref: dict[str, int]
    seats: dict[int, JudgeSeat]
    loaded_at: float
    _conflicts: dict[tuple[int, int], Reason | None] = dataclasses.field(default_factory=dict, repr=False)

    def conflict(self, seat: JudgeSeat, contestant: ContestantInfo, *, withheld: bool = False) -> Reason | None:
        """Why this judge may not score this contestant, or None (worked out once per context);
        ``withheld``: told without the contestant's side (``conflicts.withheld``)."""
        key = (seat.user_id, contestant.id)
        if key not in self._conflicts:
            reason = conflict_reason(seat, contestant)
            for delegation, employer in contestant.member_sides:
                reason = reason or conflict_reason(seat, {"delegation": delegation, "employer": employer})
            self._conflicts[key] = reason
        reason = self._conflicts[key]
        return withheld_reason(seat.name) if reason is not None and withheld else reason

    def contestant_by_ref(self, ref: str) -> ContestantInfo | None:
        cid = self.by_ref.get(codes.normalise(ref))
        if cid is None and ref.strip().isdigit():
            # Before encryption a tablet may address a workstation number instead.
            no = int(ref.strip())
            cid = next((c.id for c in self.contestants.values() if c.workstation_no == no and c.ref is None), None)
        return self.contestants.get(cid) if cid is not None else None

    def expected_judges(self, aspect_id: str) -> int:
        assert self.scorer is not None and self.scheme is not None
        return self.scorer.rule_for(self.scheme.aspect(aspect_id)).expected_judges()


def _json(value: Any, default: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value or "null") or default
        except ValueError:
            return default
    return value if value is not None else default


async def load(skill_id: int) -> SkillContext | None:
    skill = await Skill.select(Skill.id, Skill.event, Skill.name, Skill.team_size).where(Skill.id == skill_id).first()
    if skill is None:
        return None
    event = await Event.select(Event.archived).where(Event.id == skill["event"]).first()
    preset = (await events.event_preset(skill["event"]))["effective"]
    scheme_row = await SchemeRow.select(SchemeRow.data, SchemeRow.version).where(SchemeRow.skill == skill_id).first()
    scheme = scheme_from_dict(_json(scheme_row["data"], {})) if scheme_row else None
    scorer = Scorer(scheme, preset.get("scoring")) if scheme else None
    rows = await registration.contestants_of_skill(
        skill_id, ("id", "workstation_no", "group", "group.kind", "delegation", "employer", "status", "name", "team", "team_captain", "team.name")
    )
    numbers: dict[int, str] = {}
    attendance: dict[int, str] = {}
    if rows:
        numbers = await dayof.latest_refs(skill_id)
        attendance = await dayof.checked_in(r["id"] for r in rows)
    contestants = {
        r["id"]: ContestantInfo(
            r["id"],
            numbers.get(r["id"]),
            r["workstation_no"],
            r["group"],
            r["group.kind"],
            r["delegation"],
            r["employer"],
            r["status"],
            attendance.get(r["id"]) == "absent",
            r["name"],
            r["team"],
            attendance.get(r["id"]) in ("present", "late"),
        )
        for r in rows
    }
    if (skill["team_size"] or 1) > 1:
        contestants = _team_entries(contestants, {r["id"]: bool(r["team_captain"]) for r in rows}, int(skill["team_size"]))
        names = {r["team"]: r["team.name"] or "" for r in rows if r["team"] is not None}
        for c in contestants.values():
            c.team_name = names.get(c.team_id, "") if c.members else ""
    seats: dict[int, JudgeSeat] = {}
    for a in await judges.assignments_of(skill_id):
        if a["user_id"] is not None:
            seats[a["user_id"]] = JudgeSeat(a["user_id"], a["role"], a["criteria"], a["delegation"], a["employer"], a["name"])
    return SkillContext(
        skill_id,
        skill["event"],
        skill["name"],
        skill["team_size"],
        bool(event and event["archived"]),
        preset,
        scheme,
        scheme_row["version"] if scheme_row else 0,
        scorer,
        contestants,
        {codes.normalise(c.ref): c.id for c in contestants.values() if c.ref},
        seats,
        time.monotonic(),
    )


def _team_entries(people: dict[int, ContestantInfo], captains: dict[int, bool], team_size: int) -> dict[int, ContestantInfo]:
    """A team skill's entries (``scoring.teams``): one per team, its captain's record standing for
    it — absent when a member is, disqualified when a member is, checked in when all are."""
    out: dict[int, ContestantInfo] = {}
    short = {c.team_id for c in people.values() if c.status == "withdrawn"}  # a team short of a member does not compete
    members = [
        TeamMember(c.id, c.team_id, captains.get(c.id, False), c.status == "disqualified", c.absent or c.team_id in short)
        for c in people.values()
        if c.status != "withdrawn"
    ]
    for e in entries_of(members, team_size):
        head = people[e.entry_id]
        others = [people[m] for m in e.members[1:]]
        out[e.entry_id] = dataclasses.replace(
            head,
            status="disqualified" if e.status == DISQUALIFIED else head.status,
            absent=e.status == ABSENT,
            checked_in=head.checked_in and all(o.checked_in for o in others),
            members=e.members,
            member_sides=tuple((o.delegation, o.employer) for o in others),
        )
    return out


class ContextCache:
    """Per-process cache of skill contexts with a short time to live."""

    def __init__(self, ttl_s: float = TTL_S) -> None:
        self.ttl_s = ttl_s
        self._items: dict[int, SkillContext] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._forgotten: dict[int, int] = {}  # per skill: how many times ``forget`` was called

    async def get(self, skill_id: int, *, fresh: bool = False) -> SkillContext | None:
        item = self._items.get(skill_id)
        if item is not None and not fresh and time.monotonic() - item.loaded_at < self.ttl_s:
            return item
        lock = self._locks.setdefault(skill_id, asyncio.Lock())
        async with lock:
            item = self._items.get(skill_id)
            if item is not None and not fresh and time.monotonic() - item.loaded_at < self.ttl_s:
                return item
            while True:
                # A change committed while this load was reading (a scheme stored, say) is
                # forgotten before the load ends: load again rather than keep what it read.
                generation = self._forgotten.get(skill_id, 0)
                item = await load(skill_id)
                if self._forgotten.get(skill_id, 0) == generation:
                    break
            if item is not None:
                self._items[skill_id] = item
        if item is None:
            # No such skill: keep nothing for it (ids come from requests: anyone can name any).
            # A load already waiting keeps the lock it holds; at worst two loads of nothing overlap.
            self._locks.pop(skill_id, None)
        return item

    def forget(self, skill_id: int) -> None:
        """After a change committed in this process: the next ``get`` reads the skill afresh."""
        self._items.pop(skill_id, None)
        self._forgotten[skill_id] = self._forgotten.get(skill_id, 0) + 1
