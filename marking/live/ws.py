"""The websockets: judges' tablets (``/ws/judge``), chief judges' consoles (``/ws/staff/{skill}``)
and the public boards (``/ws/board/{skill}``, ``/ws/board/event/{event}``).

Judge protocol (JSON text frames):
- ``{"type": "mark", "op_id", "skill_id", "contestant", "aspect", "value" | "measured", "reason"?}``
  → ``{"type": "ack", "op_id", "seq", "duplicate", "kind", "aspect_status", …}`` once committed,
  or ``{"type": "error", "op_id", "code", "message"}``; the socket stays open.
- ``{"type": "ping"}`` → ``{"type": "pong"}``.
- The server sends ``{"type": "flag", …}`` to the judges of a panel when its aspect needs re-marking
  (or no longer does).

Bad frames (not JSON, unknown type, too large) get an ``error`` frame; a socket that floods past
its rate gets ``rate_limited`` errors and, if it goes on, is closed with 1008.

Board and console sockets only listen: a ``{"type": "ping"}`` gets a pong, anything else is
ignored, and a socket that sends more than a few frames (``LISTENER_*``) or a large one is closed
with 1008 at once.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import time
from typing import Any
from urllib.parse import urlparse

import msgspec
from litestar import WebSocket, websocket
from litestar.channels import ChannelsPlugin
from litestar.exceptions import WebSocketDisconnect

from kernel import access
from kernel.errors import request_lang
from kernel.guards import SESSION_ENDED, account_channel, actor_of, principal
from kernel.roles import CHIEF_JUDGE, JUDGE
from kernel.tables import Skill
from marking.live.board import board_channel, judge_channel, staff_channel
from marking.live.ingest import MarkRefused, MarkRequest
from marking.live.service import Live

_encode = msgspec.json.Encoder().encode
MAX_FRAME = 8 * 1024
RATE_PER_S = 50
BURST = 100
MAX_IN_FLIGHT = 32
CLOSE_POLICY = 1008
#: Closing code when the account's sessions end (logout, password change, deactivation): log in again.
CLOSE_SESSION_ENDED = 4401
#: Boards and consoles only listen (their script pings every 25 s, a resume goes in the URL): a
#: burst of a few frames, then one every two seconds; more, or a frame larger than a ping, closes
#: the socket with 1008, so a flood costs one close instead of an answer per frame.
LISTENER_RATE_PER_S = 0.5
LISTENER_BURST = 5
LISTENER_MAX_FRAME = 256

TEXTS = {
    "bad_json": ("消息不是有效的 JSON", "The message is not valid JSON"),
    "unknown_type": ("未知的消息类型", "Unknown message type"),
    "too_large": ("消息过大", "The message is too large"),
    "rate_limited": ("发送过于频繁，请稍候", "Too many messages; slow down"),
    "bad_frame": ("消息缺少必要字段", "The message lacks required fields"),
    "internal": ("服务器内部错误", "Internal server error"),
}


def same_origin(socket: WebSocket) -> bool:
    """Refuse cross-site websocket hijacking: a browser's Origin must be this host."""
    origin = socket.headers.get("origin")
    if not origin:
        return True  # not a browser (tablet apps, tests, the bench)
    host = socket.headers.get("host", "")
    return urlparse(origin).netloc == host


class Bucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst, self.tokens, self.at = rate, burst, burst, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@functools.lru_cache(maxsize=16)
def _text_of(message: bytes) -> str:
    # A channel message reaches every subscriber as the same bytes: decode it once, not per socket.
    return message.decode()


class Sender:
    """Sends (and receives) on one socket.

    Frames go straight to the server's ASGI ``send`` (kept in the scope by ``RawSendApp``) once the
    socket is accepted: Litestar's middleware wrappers only matter for the handshake, and skipping
    them per frame is most of the cost of fanning a board update out to thousands of sockets.
    """

    def __init__(self, socket: WebSocket) -> None:
        self.socket = socket
        self.raw_send = socket.scope.get("competition.raw_send")
        self.raw_receive = socket.scope.get("competition.raw_receive")
        self.closed = False

    async def send(self, data: dict[str, Any] | str | bytes) -> None:
        # No lock: the server writes a whole frame per call (it may wait before writing, never in
        # the middle), so concurrent sends on one socket cannot interleave.
        if self.closed:
            return
        text = _text_of(data) if isinstance(data, bytes) else data if isinstance(data, str) else _dumps(data)
        try:
            if self.raw_send is not None:
                await self.raw_send({"type": "websocket.send", "text": text})
            else:
                await self.socket.send_text(text)
        except Exception:  # the peer went away; the receive loop will notice
            self.closed = True

    async def receive_text(self) -> str:
        """The next text message (bytes decoded); ``WebSocketDisconnect`` when the peer is gone."""
        if self.raw_receive is None:
            return await self.socket.receive_text()
        message = await self.raw_receive()
        if message["type"] != "websocket.receive":
            self.socket.connection_state = "disconnect"
            raise WebSocketDisconnect(detail="disconnected", code=message.get("code", 1000))
        text = message.get("text")
        return text if text is not None else (message.get("bytes") or b"").decode(errors="replace")


class Hub:
    """One channel subscription per process and public board, fanned out to this process's sockets.

    A subscription per spectator would give each of thousands of sockets its own queue and task;
    here a board update is received once and written to every socket in one pass (the server's
    websocket send only buffers the frame, it does not wait for the peer).
    """

    def __init__(self, channels: ChannelsPlugin) -> None:
        self.channels = channels
        self.sockets: dict[str, set[Sender]] = {}
        self.tasks: dict[str, asyncio.Task] = {}
        self.ready: dict[str, asyncio.Event] = {}

    async def join(self, channel: str, sender: Sender) -> None:
        self.sockets.setdefault(channel, set()).add(sender)
        if channel not in self.tasks:
            self.ready[channel] = asyncio.Event()
            self.tasks[channel] = asyncio.create_task(self._pump(channel), name=f"hub:{channel}")
        await self.ready[channel].wait()

    def leave(self, channel: str, sender: Sender) -> None:
        members = self.sockets.get(channel)
        if members is not None:
            members.discard(sender)
            if not members:
                del self.sockets[channel]
                task = self.tasks.pop(channel, None)
                self.ready.pop(channel, None)
                if task is not None:
                    task.cancel()

    async def _pump(self, channel: str) -> None:
        async with self.channels.start_subscription([channel]) as subscriber:
            self.ready[channel].set()
            async for message in subscriber.iter_events():
                for sender in list(self.sockets.get(channel, ())):
                    await sender.send(message)


def _hub(socket: WebSocket, channels: ChannelsPlugin) -> Hub:
    hub = getattr(socket.app.state, "board_hub", None)
    if hub is None:
        hub = socket.app.state.board_hub = Hub(channels)
    return hub


def _dumps(data: dict[str, Any]) -> str:
    try:
        return _encode(data).decode()  # msgspec: a tenth of json.dumps's time for an ack
    except (UnicodeEncodeError, TypeError):
        # A lone surrogate echoed from a client ("op_id": "\ud800"): escaped by json instead.
        return json.dumps(data)


def _error(code: str, lang: str, op_id: Any = None, message: str | None = None) -> dict[str, Any]:
    zh, en = TEXTS.get(code, (code, code))
    frame = {"type": "error", "code": code, "message": message or (zh if lang == "zh" else en)}
    if op_id is not None:
        frame["op_id"] = op_id
    return frame


def _live(socket: WebSocket) -> Live:
    return socket.app.state.live


@websocket("/ws/judge")
async def judge_socket(socket: WebSocket, channels: ChannelsPlugin) -> None:
    if not same_origin(socket):
        await socket.close(code=CLOSE_POLICY, reason="origin")
        return
    user = await principal(socket)
    if user is None:
        await socket.close(code=CLOSE_POLICY, reason="login required")
        return
    await socket.accept()
    lang = request_lang(socket)  # type: ignore[arg-type]
    live = _live(socket)
    actor = actor_of(socket, user)
    sender = Sender(socket)
    skill_ids = sorted({g.skill_id for g in user.grants if g.role in (JUDGE, CHIEF_JUDGE) and g.skill_id is not None})
    bucket = Bucket(RATE_PER_S, BURST)
    strikes = 0
    # Marks waiting for their commit, in arrival order: the writer commits them in that order, so
    # one task per socket answers them all. When it is full the socket is not read any further.
    pending: asyncio.Queue[tuple[Any, asyncio.Future] | None] = asyncio.Queue(MAX_IN_FLIGHT)

    async def answer() -> None:
        while (item := await pending.get()) is not None:
            op_id, fut = item
            try:
                frame = (await fut).frame()
            except MarkRefused as exc:
                frame = {"type": "error", "op_id": op_id, "code": exc.code, "message": exc.message.text(lang)}
            except Exception:
                frame = _error("internal", lang, op_id)
            await sender.send(frame)

    async def forward(message: bytes) -> None:
        if message == SESSION_ENDED:  # logout, a password change or deactivation, on any worker
            await sender.send(message)
            sender.closed = True
            await socket.close(code=CLOSE_SESSION_ENDED, reason="session ended")
            return
        await sender.send(message)

    async with channels.start_subscription([judge_channel(user.user_id), account_channel(user.user_id)]) as subscriber:
        async with subscriber.run_in_background(forward):
            await sender.send({"type": "welcome", "user": user.display_name, "user_id": user.user_id, "skills": skill_ids, "worker": os.getpid()})
            answering = asyncio.create_task(answer(), name="judge-acks")
            try:
                while True:
                    text = await sender.receive_text()
                    if len(text) > MAX_FRAME:
                        await sender.send(_error("too_large", lang))
                        continue
                    if not bucket.take():
                        strikes += 1
                        await sender.send(_error("rate_limited", lang))
                        if strikes > BURST:
                            await socket.close(code=CLOSE_POLICY, reason="flood")
                            break
                        continue
                    try:
                        frame = json.loads(text)
                    except (ValueError, RecursionError):  # RecursionError: [[[[…]]]] thousands deep
                        await sender.send(_error("bad_json", lang))
                        continue
                    if not isinstance(frame, dict):
                        await sender.send(_error("bad_json", lang))
                        continue
                    kind = frame.get("type")
                    if kind == "mark":
                        op_id = frame.get("op_id")
                        try:
                            req = MarkRequest(
                                user=user, actor=actor, op_id=op_id, skill_id=int(frame["skill_id"]), contestant=str(frame["contestant"]),
                                aspect=str(frame["aspect"]), value=frame.get("value"), reason=str(frame.get("reason") or ""),
                                measured=frame.get("measured"),
                            )  # fmt: skip
                            fut = live.writer.enqueue(req)
                        except (KeyError, TypeError, ValueError, OverflowError):  # OverflowError: "skill_id": Infinity
                            await sender.send(_error("bad_frame", lang, op_id))
                            continue
                        except MarkRefused as exc:
                            await sender.send({"type": "error", "op_id": op_id, "code": exc.code, "message": exc.message.text(lang)})
                            continue
                        await pending.put((op_id, fut))
                    elif kind == "ping":
                        await sender.send({"type": "pong"})
                    else:
                        await sender.send(_error("unknown_type", lang, frame.get("op_id")))
            except WebSocketDisconnect:
                pass
            finally:
                # Marks already submitted still commit; their acks simply have nowhere to go.
                sender.closed = True
                try:
                    pending.put_nowait(None)
                except asyncio.QueueFull:
                    answering.cancel()
                await asyncio.gather(answering, return_exceptions=True)


async def _initial_frames(socket: WebSocket, sender: Sender, skill_ids: list[int], public: bool, since: int | None) -> None:
    live = _live(socket)
    for skill_id in skill_ids:
        snap = await live.boards.snapshot(skill_id, public=public)
        if snap is None:
            continue
        if since is not None and snap["seq"] <= since and len(skill_ids) == 1:
            await sender.send({"type": "resume", "skill_id": skill_id, "seq": snap["seq"], "frozen": snap["frozen"]})
        else:
            # Which worker serves this socket: lets operators (and tests) see the spread.
            await sender.send({**snap, "worker": os.getpid()})


async def _until_closed(socket: WebSocket, sender: Sender) -> None:
    """Reads a listening socket until it closes: pings get a pong, anything else is ignored, and
    past the listener's bounds (``LISTENER_*``) the socket is closed as a policy violation."""
    bucket = Bucket(LISTENER_RATE_PER_S, LISTENER_BURST)
    try:
        while True:
            text = await sender.receive_text()
            if len(text) > LISTENER_MAX_FRAME or not bucket.take():
                sender.closed = True
                await socket.close(code=CLOSE_POLICY, reason="too large" if len(text) > LISTENER_MAX_FRAME else "flood")
                break
            if text.find('"ping"') >= 0:
                await sender.send({"type": "pong"})
    except WebSocketDisconnect:
        pass
    finally:
        sender.closed = True


async def _board_stream(socket: WebSocket, channels: ChannelsPlugin, skill_ids: list[int], public: bool, since: int | None) -> None:
    sender = Sender(socket)
    if public:
        hub = _hub(socket, channels)
        names = [board_channel(s) for s in skill_ids]
        try:
            # Joined (subscribed) first, then the snapshot: nothing published in between is lost.
            for name in names:
                await hub.join(name, sender)
            await _initial_frames(socket, sender, skill_ids, public, since)
            await _until_closed(socket, sender)
        finally:
            for name in names:
                hub.leave(name, sender)
        return

    names = [staff_channel(s) for s in skill_ids]

    async def forward(message: bytes) -> None:
        await sender.send(message)

    async with channels.start_subscription(names) as subscriber:
        await _initial_frames(socket, sender, skill_ids, public, since)
        async with subscriber.run_in_background(forward):
            await _until_closed(socket, sender)


@websocket("/ws/board/{skill_id:int}")
async def board_socket(socket: WebSocket, channels: ChannelsPlugin, skill_id: int, since: int | None = None) -> None:
    """Public live board of a skill: a snapshot (or, resuming at ``since``, what changed), then updates."""
    if not await Skill.exists().where(Skill.id == skill_id):
        await socket.close(code=CLOSE_POLICY, reason="unknown skill")
        return
    await socket.accept()
    await _board_stream(socket, channels, [skill_id], True, since)


@websocket("/ws/board/event/{event_id:int}")
async def event_board_socket(socket: WebSocket, channels: ChannelsPlugin, event_id: int) -> None:
    skills = [s["id"] for s in await Skill.select(Skill.id).where(Skill.event == event_id).order_by(Skill.id)]
    if not skills:
        await socket.close(code=CLOSE_POLICY, reason="unknown event")
        return
    await socket.accept()
    await _board_stream(socket, channels, skills, True, None)


@websocket("/ws/staff/{skill_id:int}")
async def staff_socket(socket: WebSocket, channels: ChannelsPlugin, skill_id: int) -> None:
    """The chief judge's live view: never frozen, with re-marking flags."""
    if not same_origin(socket):
        await socket.close(code=CLOSE_POLICY, reason="origin")
        return
    user = await principal(socket)
    skill = await Skill.select(Skill.event).where(Skill.id == skill_id).first()
    if user is None or skill is None or not access.allows(user, "view_console", skill["event"], skill_id):
        await socket.close(code=CLOSE_POLICY, reason="forbidden")
        return
    await socket.accept()
    await _board_stream(socket, channels, [skill_id], False, None)


def ws_handlers() -> list:
    return [judge_socket, board_socket, event_board_socket, staff_socket]
