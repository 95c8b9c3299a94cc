"""Hostile frames on every websocket (``/ws/judge``, ``/ws/board/…``, ``/ws/staff/…``), from
Hypothesis: binary frames, junk text, JSON of every shape, marks with a wrong type in every field
(huge and negative ids, NaN and Infinity, lists, objects, unicode, lone surrogates), deeply nested
JSON, frames up to the 8 KiB protocol limit and past uvicorn's 64 KiB frame limit.

On the judge socket every frame gets an answer: an ``error`` frame with a code (a ``pong`` for a
ping, an ``ack`` for a mark that happens to be valid), or, past 64 KiB, a close with a code. The
handler never fails with ``internal``, the socket keeps answering after every error, and the
server stays healthy. The socket is paced under its rate limit (50 frames/s) so every answer is
about the frame, not about flooding (flooding has its own test in tests/live).

Board and console sockets only listen: each hostile frame goes to a fresh socket (they allow only
a few frames each), and is ignored — the ping sent after it gets its pong, no error frame — or,
when larger than a ping may be, closes the socket with 1008 (flooding them:
``test_sec_hostile_boards.py``).
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sec_world import cookie_header
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

pytestmark = pytest.mark.slow  # a minute or more: collected first (tests/conftest.py)

MAX_PROTOCOL_FRAME = 8 * 1024
MAX_WS_FRAME = 64 * 1024
EXAMPLES = 200
REPLY_TIMEOUT = 5.0


@pytest.fixture(scope="module")
async def world(sqlite_server):
    import live_world

    w = await live_world.build(sqlite_server, contestants=4)
    yield w
    await w.close()


# ------------------------------------------------------------------------------ frame strategies

SCALARS = (
    st.none() | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.sampled_from([0, -1, 2**31, 2**63, -(2**63) - 1, 10**100])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.sampled_from(["", " ", "\u0000", "٣", "𝟘", "🙂" * 10, "A1.1", "mark", "ping", "<script>", "' OR 1=1 --"])
)  # fmt: skip
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=10)
MARK_FIELDS = ("op_id", "skill_id", "contestant", "aspect", "value", "measured", "reason", "seat", "authority")

# Raw texts json.dumps cannot make: non-standard number tokens, lone surrogates, depth, size.
SPECIAL = [
    '{"type":"mark","op_id":"nan1","skill_id":NaN,"contestant":"A1","aspect":"A1.1","value":1}',
    '{"type":"mark","op_id":"inf1","skill_id":Infinity,"contestant":"A1","aspect":"A1.1","value":1}',
    '{"type":"mark","op_id":"inf2","skill_id":-Infinity,"contestant":"A1","aspect":"A1.1","value":-Infinity}',
    '{"type":"mark","op_id":"big1","skill_id":1e400,"contestant":"A1","aspect":"A1.1","value":1e400}',
    '{"type":"mark","op_id":"\\ud800","skill_id":1,"contestant":"\\udfff","aspect":"\\ud83d","value":1}',
    '{"type":"\\ud800","op_id":"\\udc00"}',
    '{"type":"mark","op_id":NaN}',
    '{"type":"mark","op_id":' + "9" * 4000 + "}",
    "[" * 3000 + "]" * 3000,
    '{"a":' * 2000 + "1" + "}" * 2000,
    '{"type":"mark","op_id":"deep","skill_id":1,"contestant":' + "[" * 3000 + "]" * 3000 + "}",
    "{" + '"k":1,' * 1300 + '"type":"ping"}',
    '"' + "x" * (MAX_PROTOCOL_FRAME - 2) + '"',
    "x" * (MAX_PROTOCOL_FRAME + 1),
    "y" * (MAX_WS_FRAME - 100),
    "\ufeff{}",
    "null",
    "",
]


def frames(skill_id: int, refs: list[str]) -> st.SearchStrategy[str | bytes]:
    good = {
        "type": st.just("mark"),
        "op_id": st.text(alphabet="abcdef0123456789", min_size=6, max_size=12).map(lambda s: "fz-" + s),
        "skill_id": st.just(skill_id),
        "contestant": st.sampled_from(refs),
        "aspect": st.sampled_from(["A1.1", "A1.2", "B1.1", "B1.2"]),
        "value": st.sampled_from(["0", "1", "2", "3", "40"]),
    }

    @st.composite
    def mark(draw) -> str:
        frame = {k: draw(v) for k, v in good.items()}
        for key in draw(st.sets(st.sampled_from(MARK_FIELDS + ("type",)), max_size=4)):
            if draw(st.booleans()):
                frame[key] = draw(JSON)
            else:
                frame.pop(key, None)
        frame.update(draw(st.dictionaries(st.text(max_size=6), JSON, max_size=2)))
        return json.dumps(frame, ensure_ascii=draw(st.booleans()))

    return st.one_of(
        mark(),
        JSON.map(json.dumps),
        st.text(max_size=300),
        st.binary(max_size=300),
        st.sampled_from(SPECIAL),
        st.integers(min_value=MAX_PROTOCOL_FRAME + 1, max_value=MAX_WS_FRAME - 64).map(lambda n: "z" * n),
    )


# ------------------------------------------------------------------------------ the fuzz loop


class Paced:
    """A synchronous socket that sends at most ``rate`` frames a second."""

    def __init__(self, url: str, headers: dict[str, str], rate: float = 40.0):
        self.url, self.headers, self.gap, self.last = url, headers, 1.0 / rate, 0.0
        self.ws = self.open()

    def open(self):
        ws = connect(self.url, additional_headers=self.headers, max_size=2**22, open_timeout=10, close_timeout=2).__enter__()
        first = json.loads(ws.recv(timeout=REPLY_TIMEOUT))
        assert first.get("type") in ("welcome", "snapshot", "resume"), first
        return ws

    def send(self, frame: str | bytes) -> None:
        wait = self.last + self.gap - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self.last = time.monotonic()
        self.ws.send(frame)

    def reply(self) -> dict[str, Any]:
        """The next frame that answers something (broadcast snapshots and flags are skipped)."""
        deadline = time.monotonic() + REPLY_TIMEOUT
        while True:
            raw = self.ws.recv(timeout=max(0.01, deadline - time.monotonic()))
            frame = json.loads(raw)
            if frame.get("type") in ("error", "ack", "pong"):
                return frame

    def close(self) -> None:
        self.ws.close()


def _answered(sock: Paced, frame: str | bytes, problems: list[str]) -> None:
    shown = frame[:120] if isinstance(frame, (str, bytes)) else frame
    try:
        sock.send(frame)
        got = sock.reply()
    except TimeoutError:
        problems.append(f"no answer to {shown!r}")
        return
    except ConnectionClosed as exc:
        problems.append(f"socket closed ({exc.rcvd.code if exc.rcvd else None} {exc.rcvd.reason if exc.rcvd else ''}) after {shown!r}")
        sock.ws = sock.open()
        return
    if got["type"] == "error":
        if not got.get("code") or not got.get("message") or got["code"] == "internal":
            problems.append(f"error frame {got} for {shown!r}")
    elif got["type"] == "pong" and '"ping"' not in (frame if isinstance(frame, str) else "")[:64] and "ping" not in str(frame):
        problems.append(f"pong for a frame that was no ping: {shown!r}")


def fuzz_socket(url: str, headers: dict[str, str], strategy, examples: int) -> tuple[int, list[str]]:
    sock = Paced(url, headers)
    problems: list[str] = []
    sent = 0
    try:
        for frame in SPECIAL:
            _answered(sock, frame, problems)
            sent += 1

        @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(frame=strategy)
        def one(frame):
            nonlocal sent
            sent += 1
            _answered(sock, frame, problems)
            if sent % 10 == 0:  # still answering pings between the junk
                _answered(sock, '{"type":"ping"}', problems)

        one()
        sock.send('{"type":"ping"}')
        assert sock.reply()["type"] == "pong", "the socket stopped answering"
    finally:
        sock.close()
    return sent, problems


#: Longest frame a listening socket reads (``marking.live.ws.LISTENER_MAX_FRAME``).
LISTENER_MAX_FRAME = 256


def _length(frame: str | bytes) -> int:
    return len(frame.decode(errors="replace") if isinstance(frame, bytes) else frame)


def _listener_answered(url: str, headers: dict[str, str], frame: str | bytes, problems: list[str]) -> None:
    shown = frame[:120]
    length = _length(frame)
    sock = Paced(url, headers)
    try:
        sock.send(frame)
        if length <= LISTENER_MAX_FRAME:
            sock.send('{"type":"ping"}')
        deadline = time.monotonic() + REPLY_TIMEOUT
        while True:
            got = json.loads(sock.ws.recv(timeout=max(0.01, deadline - time.monotonic())))
            if got.get("type") == "error":
                problems.append(f"error frame {got} for {shown!r}: a listening socket ignores what it is sent")
            if got.get("type") == "pong":
                if length > LISTENER_MAX_FRAME:
                    problems.append(f"pong after an oversized frame {shown!r}")
                return
    except TimeoutError:
        problems.append(f"no pong after {shown!r}")
    except ConnectionClosed as exc:
        code = exc.rcvd.code if exc.rcvd else None
        if length <= LISTENER_MAX_FRAME or code != 1008:
            problems.append(f"socket closed ({code} {exc.rcvd.reason if exc.rcvd else ''}) after {shown!r}")
    finally:
        sock.close()


def fuzz_listener(url: str, headers: dict[str, str], strategy, examples: int) -> tuple[int, list[str]]:
    problems: list[str] = []
    sent = 0
    for frame in SPECIAL:
        _listener_answered(url, headers, frame, problems)
        sent += 1

    # Oversized frames close the socket whatever they hold: the specials above have several; the
    # drawn frames stay within the limit, so each is about what a socket ignores.
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(frame=strategy.filter(lambda f: _length(f) <= LISTENER_MAX_FRAME))
    def one(frame):
        nonlocal sent
        sent += 1
        _listener_answered(url, headers, frame, problems)

    one()
    return sent, problems


def oversize_closes(url: str, headers: dict[str, str]) -> tuple[int | None, str]:
    sock = Paced(url, headers)
    try:
        sock.send("q" * (MAX_WS_FRAME + 1))
        try:
            while True:
                sock.ws.recv(timeout=REPLY_TIMEOUT)
        except ConnectionClosed as exc:
            return (exc.rcvd.code if exc.rcvd else None), (exc.rcvd.reason if exc.rcvd else "")
        except TimeoutError:
            return None, "still open"
    finally:
        sock.close()


def _healthy(base_url: str) -> None:
    assert httpx.get(base_url + "/health", timeout=10).status_code == 200


# ------------------------------------------------------------------------------ the tests


@pytest.mark.parametrize("socket", ["judge", "board", "event_board", "staff"])
async def test_hostile_frames_get_answers_and_the_socket_survives(world, socket):
    sid, eid = world.skill["id"], world.event["id"]
    path, client = {
        "judge": ("/ws/judge", world.judges[0]),
        "board": (f"/ws/board/{sid}", None),
        "event_board": (f"/ws/board/event/{eid}", None),
        "staff": (f"/ws/staff/{sid}", world.chief),
    }[socket]
    headers = {"Cookie": cookie_header(client)} if client else {}
    url = world.ws_url(path)
    started = time.monotonic()
    if socket == "judge":
        sent, problems = await asyncio.to_thread(fuzz_socket, url, headers, frames(sid, world.refs), EXAMPLES)
    else:
        sent, problems = await asyncio.to_thread(fuzz_listener, url, headers, frames(sid, world.refs), EXAMPLES // 3)
    print(f"\n{socket}: {sent} hostile frames in {time.monotonic() - started:.1f}s")
    assert not problems, "\n".join(problems[:30])
    code, reason = await asyncio.to_thread(oversize_closes, url, headers)
    assert code == 1009, (code, reason)  # "message too big", from uvicorn's 64 KiB ws_max_size
    # A new socket works and the server is fine.
    sock = await asyncio.to_thread(Paced, url, headers)
    await asyncio.to_thread(sock.send, '{"type":"ping"}')
    assert (await asyncio.to_thread(sock.reply))["type"] == "pong"
    await asyncio.to_thread(sock.close)
    _healthy(world.server.base_url)


@pytest.mark.parametrize("path", ["/ws/board/{n}", "/ws/board/event/{n}", "/ws/staff/{n}", "/ws/board/{n}?since={n}"])
@pytest.mark.parametrize("n", ["0", "-1", "2147483648", "99999999999999999999999999", "abc", "1.5"])
async def test_hostile_path_ids_are_refused_with_a_reason(world, path, n):
    url = world.ws_url(path.format(n=n))
    headers = {"Cookie": cookie_header(world.chief)}

    def attempt() -> str:
        try:
            with connect(url, additional_headers=headers, open_timeout=10, close_timeout=2) as ws:
                try:
                    ws.recv(timeout=REPLY_TIMEOUT)
                except ConnectionClosed as exc:
                    return f"closed {exc.rcvd.code if exc.rcvd else None}"
                return "open"
        except InvalidStatus as exc:
            return f"http {exc.response.status_code}"

    before = len(world.server.log())
    outcome = await asyncio.to_thread(attempt)
    # Refused at the handshake (403/404) or closed as a policy violation; never a server error.
    assert outcome in ("http 403", "http 404", "closed 1008"), outcome
    _healthy(world.server.base_url)
    logged = world.server.log()[before:]
    assert "Traceback" not in logged, "a websocket handler failed:\n" + logged[-3000:]


def test_specials_are_what_they_claim():
    assert any(s.startswith("[" * 100) for s in SPECIAL) and any(len(s) > MAX_PROTOCOL_FRAME for s in SPECIAL)
    assert math.isnan(json.loads(SPECIAL[0])["skill_id"])
