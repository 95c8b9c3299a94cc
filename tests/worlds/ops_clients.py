"""Simulated tablets and boards that behave like the real ones across faults, and the checks on
what the database holds afterwards.

``Tablet`` keeps every mark until it is acknowledged; on a dropped socket it reconnects (with
backoff) and re-sends every unacknowledged mark with the same ``op_id``; ``unavailable``,
``internal`` and ``rate_limited`` errors are retried later (as ``frontend/static/tablet.js`` does).
``Board`` keeps the highest sequence number it has seen and reconnects with ``?since=``.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

import websockets
from live_world import World, cookie_header

RETRY_CODES = {"unavailable", "internal", "rate_limited"}
RESEND_AFTER_S = 3.0


class Tablet:
    def __init__(self, world: World, client: Any, name: str) -> None:
        self.world = world
        self.client = client
        self.name = name
        self.pending: dict[str, str] = {}  # op_id → frame, until acknowledged or refused for good
        self.acks: dict[str, dict] = {}
        self.refused: dict[str, dict] = {}
        self.retried: list[dict] = []  # errors that kept the mark queued (e.g. unavailable)
        self.workers: list[int] = []  # the worker of each connection, in order
        self.reconnects = 0
        self.last_error: str | None = None
        self.sent_at: dict[str, float] = {}
        self.resent = 0
        self.ws: Any = None
        self._task: asyncio.Task | None = None
        self._connected = asyncio.Event()
        self._stop = False

    # ---- driver side
    async def start(self) -> "Tablet":
        self._task = asyncio.create_task(self._run(), name=f"tablet-{self.name}")
        await asyncio.wait_for(self._connected.wait(), 20)
        return self

    async def submit(self, op_id: str, frame: str) -> None:
        self.pending[op_id] = frame
        self.sent_at[op_id] = time.monotonic()
        await self._send(frame)

    @property
    def worker(self) -> int | None:
        return self.workers[-1] if self.workers else None

    async def wait_all_acked(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.pending:
            # Like the real tablet: a mark unanswered on a live socket is sent again (same op id).
            now = time.monotonic()
            for op, frame in list(self.pending.items()):
                if now - self.sent_at.get(op, now) > RESEND_AFTER_S:
                    self.sent_at[op] = now
                    self.resent += 1
                    await self._send(frame)
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"tablet {self.name}: {len(self.pending)} mark(s) never acknowledged; connected to {self.workers}, "
                    f"{self.reconnects} reconnect(s), now {'on' if self.ws else 'off'}line; last errors {self.retried[-3:]}; last error {self.last_error}"
                )
            await asyncio.sleep(0.05)

    async def reconnect(self) -> None:
        """Drop the socket on purpose (the loop reconnects), e.g. to land on another worker."""
        self._connected.clear()
        if self.ws is not None:
            await self.ws.close()
        await asyncio.wait_for(self._connected.wait(), 20)

    async def close(self) -> None:
        self._stop = True
        if self.ws is not None:
            await self.ws.close()
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    # ---- the tablet itself
    async def _send(self, frame: str) -> None:
        ws = self.ws
        if ws is None:
            return  # sent on reconnect
        try:
            await ws.send(frame)
        except (websockets.exceptions.ConnectionClosed, OSError):
            pass

    async def _resend_later(self, op_id: str) -> None:
        await asyncio.sleep(0.5)
        if op_id in self.pending:
            await self._send(self.pending[op_id])

    async def _run(self) -> None:
        backoff = 0.1
        first = True
        while not self._stop:
            try:
                ws = await websockets.connect(
                    self.world.ws_url("/ws/judge"), additional_headers=cookie_header(self.client), open_timeout=5, close_timeout=1
                )
            except (OSError, websockets.exceptions.WebSocketException, asyncio.TimeoutError) as exc:
                self.last_error = repr(exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 1.0)
                continue
            try:
                welcome = json.loads(await asyncio.wait_for(ws.recv(), 10))
                self.workers.append(welcome.get("worker"))
                if not first:
                    self.reconnects += 1
                first = False
                backoff = 0.1
                self.ws = ws
                self._connected.set()
                for op, frame in list(self.pending.items()):  # flush the queue: same op ids
                    self.sent_at[op] = time.monotonic()
                    await ws.send(frame)
                async for raw in ws:
                    f = json.loads(raw)
                    op = f.get("op_id")
                    if f.get("type") == "ack" and op:
                        self.acks[op] = f
                        self.pending.pop(op, None)
                    elif f.get("type") == "error" and op:
                        if f.get("code") in RETRY_CODES:
                            self.retried.append(f)
                            asyncio.create_task(self._resend_later(op))
                        else:
                            self.refused[op] = f
                            self.pending.pop(op, None)
            except (websockets.exceptions.ConnectionClosed, OSError, asyncio.TimeoutError):
                pass
            finally:
                self.ws = None
                self._connected.clear()
            await asyncio.sleep(backoff)


class Board:
    """A public board: the highest sequence number seen; reconnects with ``?since=``."""

    def __init__(self, world: World, skill_id: int) -> None:
        self.world = world
        self.skill_id = skill_id
        self.seq = -1
        self.workers: list[int | None] = []
        self.reconnects = 0
        self.resumes: list[dict] = []  # ``resume`` frames and snapshots received right after a reconnect
        self.frames = 0
        self.ws: Any = None
        self._task: asyncio.Task | None = None
        self._connected = asyncio.Event()
        self._changed = asyncio.Event()
        self._stop = False

    async def start(self) -> "Board":
        self._task = asyncio.create_task(self._run(), name=f"board-{self.skill_id}")
        await asyncio.wait_for(self._connected.wait(), 20)
        return self

    @property
    def worker(self) -> int | None:
        return self.workers[-1] if self.workers else None

    async def wait_seq(self, seq: int, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while self.seq < seq:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"board (worker {self.worker}) stuck at seq {self.seq}, wanted {seq}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except asyncio.TimeoutError:
                pass

    async def close(self) -> None:
        self._stop = True
        if self.ws is not None:
            await self.ws.close()
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        first = True
        while not self._stop:
            path = f"/ws/board/{self.skill_id}" + (f"?since={self.seq}" if self.seq >= 0 else "")
            try:
                ws = await websockets.connect(self.world.ws_url(path), open_timeout=5, close_timeout=1, max_size=2**24)
            except (OSError, websockets.exceptions.WebSocketException, asyncio.TimeoutError):
                await asyncio.sleep(0.2)
                continue
            self.ws = ws
            resumed = not first
            if resumed:
                self.reconnects += 1
            first = False
            try:
                async for raw in ws:
                    f = json.loads(raw)
                    self.frames += 1
                    if f.get("type") == "snapshot":
                        if "worker" in f:
                            self.workers.append(f["worker"])
                            self._connected.set()
                        if resumed:
                            self.resumes.append(f)
                            resumed = False
                        self.seq = max(self.seq, f["seq"])
                    elif f.get("type") == "resume":
                        self.workers.append(None)  # a resume names no worker
                        self._connected.set()
                        self.resumes.append(f)
                        resumed = False
                        self.seq = max(self.seq, f["seq"])
                    self._changed.set()
            except (websockets.exceptions.ConnectionClosed, OSError):
                pass
            finally:
                self.ws = None
            await asyncio.sleep(0.2)


async def spread_boards(world: World, want_workers: int, tries: int = 60) -> tuple[list[Board], list[Board]]:
    """Open boards until ``want_workers`` distinct workers serve one each: (one per worker, spares)."""
    chosen: dict[int, Board] = {}
    spare: list[Board] = []
    for _ in range(tries):
        b = await Board(world, world.skill["id"]).start()
        if b.worker in chosen:
            spare.append(b)
        else:
            chosen[b.worker] = b  # type: ignore[index]
        if len(chosen) >= want_workers:
            break
    assert len(chosen) >= want_workers, f"boards reached only workers {sorted(chosen)}"
    return list(chosen.values()), spare


@dataclass
class Marks:
    """Marks to send: many ops over a few slots (first marks, then corrections with a reason).
    Each judge marks their own contestant (no conflicts, no full panels)."""

    world: World
    prefix: str
    n: int = 0
    sent: dict[str, str] = field(default_factory=dict)  # op_id → tablet name

    def next(self, tablet: Tablet, judge_index: int) -> tuple[str, str]:
        i = self.n
        self.n += 1
        op = f"{self.prefix}{judge_index}x{i}"
        ref = self.world.refs[1 + judge_index % 3]
        aspect = ["B1.1", "B1.2"][i % 2]
        frame = json.dumps({
            "type": "mark", "op_id": op, "skill_id": self.world.skill["id"], "contestant": ref, "aspect": aspect,
            "value": "40" if (i // 6) % 2 else "0", "reason": f"运维测试{i}",
        }, ensure_ascii=False)  # fmt: skip
        self.sent[op] = tablet.name
        return op, frame


async def stored_marks(database_url: str, skill_id: int) -> list[tuple[str, int, int]]:
    """(op_id, entered_by, seq) of every stored mark of the skill, straight from the database."""
    if database_url.startswith("sqlite:"):
        from kernel.settings import sqlite_path

        con = sqlite3.connect(sqlite_path(database_url))
        try:
            return [tuple(r) for r in con.execute("SELECT op_id, entered_by, seq FROM mark WHERE skill = ?", (skill_id,))]  # type: ignore[misc]
        finally:
            con.close()
    import asyncpg

    con = await asyncpg.connect(database_url)
    try:
        return [
            (r["op_id"], r["entered_by"], r["seq"]) for r in await con.fetch("SELECT op_id, entered_by, seq FROM mark WHERE skill = $1", skill_id)
        ]
    finally:
        await con.close()


async def check_stored(database_url: str, skill_id: int, tablets: list[Tablet], sent_ops: set[str]) -> dict[str, int]:
    """Every acknowledged mark is stored with its acknowledged seq, every op once, nothing unsent."""
    rows = await stored_marks(database_url, skill_id)
    ours = [r for r in rows if r[0] in sent_ops]
    ops = [r[0] for r in ours]
    dupes = {o for o in ops if ops.count(o) > 1}
    assert not dupes, f"stored twice: {sorted(dupes)[:10]}"
    by_op = {r[0]: r[2] for r in ours}
    acked = {op: f["seq"] for t in tablets for op, f in t.acks.items()}
    lost = {op: seq for op, seq in acked.items() if by_op.get(op) != seq}
    assert not lost, f"acknowledged but not stored (or stored under another seq): {dict(list(lost.items())[:10])}"
    refused = {op for t in tablets for op in t.refused}
    assert not refused, f"marks refused for good: {[t.refused for t in tablets if t.refused]}"
    missing = sent_ops - set(by_op)
    assert not missing, f"sent, never stored: {sorted(missing)[:10]}"
    return {"sent": len(sent_ops), "stored": len(ours), "acked": len(acked)}
