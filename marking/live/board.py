"""Live rankings: snapshots of a skill's ranking, published to its boards as marks arrive.

Each process keeps, per skill, every mark it has seen (loaded from the database incrementally by
sequence number, so marks committed by other workers are included) and recomputes the skill with
the pure core (``scoring.results.compute_skill``) when marks arrive — at most every
``REFRESH_S`` per skill, so a burst of marks costs one recompute. A snapshot carries the highest
mark sequence number it includes: clients keep the highest they have seen and ignore older ones,
and a reconnecting client sends it back to learn what it missed.

Channels: ``board:{skill}`` (public; silent while the board is frozen), ``staff:{skill}``
(chief judge and organisers; never frozen) and ``judge:{user}`` (re-marking flags for the tablets
of the panel's judges).

**Who a row names**, in which order, and what the public and the staff see is the pure view
``scoring.board.board_view`` (its docstring sets out the rule, ``shown_number``, and why); this
module keeps the marks and the scoring cache, reads the board's state and the decryption, and
hands the view plain facts (``board_skill``).
"""

from __future__ import annotations

import asyncio
import bisect
import dataclasses
import datetime as dt
import logging
from typing import Any

from litestar.channels import ChannelsPlugin

from competition.dayof import face as dayof
from marking.live.context import ContextCache, SkillContext
from marking.live.ingest import Accepted
from marking.tables import BoardState, Mark
from scoring.aggregation import NEEDS_REMARK
from scoring.board import BoardEntrant, BoardSkill, board_results, board_view

log = logging.getLogger("marking.live")
REFRESH_S = 0.2


def board_channel(skill_id: int) -> str:
    return f"board:{skill_id}"


def staff_channel(skill_id: int) -> str:
    return f"staff:{skill_id}"


def judge_channel(user_id: int) -> str:
    """One judge's own channel: re-marking flags of the panels they sit on (which carry the
    panel's scores, for the panel's eyes only)."""
    return f"judge:{user_id}"


@dataclasses.dataclass
class SkillMarks:
    """Every mark of a skill seen so far, and the current value of each (contestant, aspect, judge).

    Kept as a flat log of plain tuples and dicts of plain values, which the garbage collector
    stops tracking: a per-slot list for each of a big event's million slots would make every full
    collection (and the live server's pause) proportional to them.
    """

    last_seq: int = 0
    #: (seq, contestant, aspect, judge, value), by seq.
    log: list[tuple[int, int, str, int, str]] = dataclasses.field(default_factory=list)
    #: (contestant, aspect, judge) → seq of the value in ``current``.
    slot_seq: dict[tuple[int, str, int], int] = dataclasses.field(default_factory=dict)
    #: Results of the current view: per contestant, and per aspect, so a new mark re-scores one
    #: aspect and re-totals one contestant instead of the whole skill.
    results: dict[str, Any] = dataclasses.field(default_factory=dict)
    aspect_results: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    dirty: dict[str, set[str]] = dataclasses.field(default_factory=dict)
    scheme_version: int = -1
    #: The latest value of every (contestant, aspect, judge), as ``view()`` returns it.
    current: dict[str, dict[str, dict[str, str]]] = dataclasses.field(default_factory=dict)
    #: The live context last shown and the board's facts taken from it (rebuilt with the context).
    board: tuple[SkillContext, BoardSkill] | None = None

    def add(self, seq: int, contestant: int, aspect: str, judge: int, value: str) -> None:
        cid = str(contestant)
        self.results.pop(cid, None)
        self.dirty.setdefault(cid, set()).add(aspect)
        entry = (seq, contestant, aspect, judge, value)
        if not self.log or self.log[-1][0] < seq:
            self.log.append(entry)
        else:
            bisect.insort(self.log, entry)
        slot = (contestant, aspect, judge)
        if self.slot_seq.get(slot, 0) < seq:
            self.slot_seq[slot] = seq
            self.current.setdefault(cid, {}).setdefault(aspect, {})[str(judge)] = value
        self.last_seq = max(self.last_seq, seq)

    def view(self, upto: int | None = None) -> tuple[dict[str, dict[str, dict[str, str]]], int]:
        """contestant → aspect → judge → value as of ``upto`` (all when None), and its last seq.

        The current view is kept up to date as marks arrive (callers must not change it); a view
        as of an earlier mark (a frozen board) is replayed from the log.
        """
        if upto is None:
            return self.current, self.last_seq
        out: dict[str, dict[str, dict[str, str]]] = {}
        top = 0
        for seq, c, a, j, value in self.log:
            if seq > upto:
                break
            out.setdefault(str(c), {}).setdefault(a, {})[str(j)] = value
            top = seq
        return out, top


class BoardService:
    def __init__(self, channels: ChannelsPlugin, contexts: ContextCache) -> None:
        self.channels = channels
        self.contexts = contexts
        self.marks: dict[int, SkillMarks] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._dirty: set[int] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="board-refresh")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            skills, self._dirty = self._dirty, set()
            for skill_id in skills:
                try:
                    await self.publish(skill_id)
                except Exception:  # one skill's failure must not stop the other boards
                    log.exception("board refresh of skill %s failed", skill_id)
            await asyncio.sleep(REFRESH_S)

    # -- marks arriving -------------------------------------------------------------------------

    async def committed(self, accepted: list[Accepted]) -> None:
        """Called by the mark writer after each commit: flags now, rankings soon."""
        for a in accepted:
            if a.status != a.previous_status and NEEDS_REMARK in (a.status, a.previous_status):
                frame = {
                    "type": "flag", "skill_id": a.skill_id, "contestant": a.contestant_ref, "aspect": a.aspect,
                    "status": a.status, "judges": sorted(a.judges), "scores": {str(j): v for j, v in a.judges.items()},
                }  # fmt: skip
                self.channels.publish(frame, [*(judge_channel(j) for j in sorted(a.judges)), staff_channel(a.skill_id)])
        self.touch({a.skill_id for a in accepted})

    def touch(self, skill_ids: set[int]) -> None:
        self.start()
        self._dirty |= skill_ids
        self._wake.set()

    async def _catch_up(self, skill_id: int) -> SkillMarks:
        lock = self._locks.setdefault(skill_id, asyncio.Lock())
        async with lock:
            sm = self.marks.setdefault(skill_id, SkillMarks())
            rows = (
                await Mark.select(Mark.seq, Mark.contestant, Mark.aspect, Mark.judge, Mark.value)
                .where((Mark.skill == skill_id) & (Mark.seq > sm.last_seq))
                .order_by(Mark.seq)
            )
            for r in rows:
                sm.add(r["seq"], r["contestant"], r["aspect"], r["judge"], r["value"])
            return sm

    # -- snapshots ------------------------------------------------------------------------------

    async def board_state(self, skill_id: int) -> dict[str, Any]:
        row = await BoardState.select(BoardState.frozen, BoardState.frozen_seq).where(BoardState.skill == skill_id).first()
        return row or {"frozen": False, "frozen_seq": None}

    async def snapshot(self, skill_id: int, *, public: bool) -> dict[str, Any] | None:
        ctx = await self.contexts.get(skill_id)
        if ctx is None:
            return None
        sm = await self._catch_up(skill_id)
        state = await self.board_state(skill_id)
        frozen = bool(state["frozen"])
        upto = state["frozen_seq"] if (public and frozen) else None
        decrypted = await dayof.is_decrypted(skill_id)
        return build_snapshot(ctx, sm, upto=upto, frozen=frozen, decrypted=decrypted, staff=not public)

    async def publish(self, skill_id: int) -> None:
        staff = await self.snapshot(skill_id, public=False)
        if staff is None:
            return
        self.channels.publish(staff, [staff_channel(skill_id)])
        if not staff["frozen"]:
            public = {k: v for k, v in staff.items() if k not in ("flags", "progress_by_aspect")}
            self.channels.publish(public, [board_channel(skill_id)])

    async def set_frozen(self, skill_id: int, frozen: bool, user_id: int | None) -> dict[str, Any]:
        """Freeze or unfreeze the public board, inside the caller's transaction (which audits it);
        call ``announce_state`` once that has committed."""
        sm = await self._catch_up(skill_id)
        now = dt.datetime.now(dt.timezone.utc)
        values = {
            BoardState.frozen: frozen,
            BoardState.frozen_seq: sm.last_seq if frozen else None,
            BoardState.changed_by: user_id,
            BoardState.changed_at: now,
        }
        if await BoardState.exists().where(BoardState.skill == skill_id):
            await BoardState.update(values).where(BoardState.skill == skill_id)
        else:
            await BoardState.insert(
                BoardState(skill=skill_id, frozen=frozen, frozen_seq=sm.last_seq if frozen else None, changed_by=user_id, changed_at=now)
            )
        return {"frozen": frozen, "frozen_seq": sm.last_seq if frozen else None}

    def announce_state(self, skill_id: int, state: dict[str, Any]) -> None:
        """After the freeze or unfreeze has committed: tell the public board, refresh the views."""
        if state["frozen"]:
            self.channels.publish({"type": "frozen", "skill_id": skill_id, "seq": state["frozen_seq"]}, [board_channel(skill_id)])
        self.touch({skill_id})


def board_skill(ctx: SkillContext) -> BoardSkill:
    """The facts of the live context the board's view reads."""
    entrants = {
        c.id: BoardEntrant(c.id, c.ref, c.workstation_no, c.group_id, c.group_kind, c.status, c.absent, c.team_name or c.name, c.delegation)
        for c in ctx.contestants.values()
    }
    return BoardSkill(ctx.skill_id, ctx.event_id, ctx.skill_name, ctx.scheme, ctx.preset, entrants)


def build_snapshot(ctx: SkillContext, sm: SkillMarks, *, upto: int | None, frozen: bool, decrypted: bool, staff: bool) -> dict[str, Any]:
    marks, seq = sm.view(upto)
    if sm.scheme_version != ctx.scheme_version:
        sm.results.clear()
        sm.aspect_results.clear()
        sm.dirty.clear()
        sm.scheme_version = ctx.scheme_version
    if sm.board is None or sm.board[0] is not ctx:
        sm.board = (ctx, board_skill(ctx))
    skill = sm.board[1]
    now = dt.datetime.now(dt.timezone.utc)
    if skill.scheme is None:
        return board_view(skill, marks, seq=seq, frozen=frozen, decrypted=decrypted, staff=staff, generated_at=now)
    # The current view re-scores only the aspects with new marks; a frozen view is computed whole.
    cache: dict[str, Any] = {}
    if upto is None:
        assert ctx.scorer is not None
        for cid in map(str, ctx.contestants):
            if cid in sm.results:
                cache[cid] = sm.results[cid]
                continue
            per_aspect = sm.aspect_results.get(cid)
            if per_aspect is None:
                continue  # never scored: board_results scores it whole
            for aspect_id in sm.dirty.pop(cid, set()):
                per_aspect[aspect_id] = ctx.scorer.score_aspect(aspect_id, marks.get(cid, {}).get(aspect_id))
            cache[cid] = sm.results[cid] = ctx.scorer.totals(cid, per_aspect)
    results = board_results(skill, marks, scorer=ctx.scorer, known=cache)
    if upto is None:
        for cid, res in results.results.items():
            if cid not in sm.aspect_results:
                sm.aspect_results[cid] = dict(res.aspects)
                sm.dirty.pop(cid, None)
            sm.results[cid] = res
    return board_view(skill, marks, seq=seq, frozen=frozen, decrypted=decrypted, staff=staff, generated_at=now, results=results)
