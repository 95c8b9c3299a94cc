"""The server's protocols: uvicorn's HTTP and websocket protocols with what they lack.

**HTTP: timeouts for stalled requests** (``HttpProtocol``). uvicorn closes a kept-alive
connection that stays idle after a response, but waits for ever for a request that never
completes: a connection that sends nothing, half a request line, or half a body holds its
descriptor (and, for a body, a request task) until the client goes away. So a connection is
closed when

- its request head is not complete within ``COMPETITION_HEADER_TIMEOUT`` seconds (default 10),
  counted from the connection or, on a kept-alive connection, from the next request's first byte,
  and not extended by bytes dripping in;
- a request body stops arriving for ``COMPETITION_BODY_TIMEOUT`` seconds (default 30; the gap
  between two pieces, so a large upload on a slow line is not cut while it moves).

uvicorn's own ``timeout_keep_alive`` (``COMPETITION_KEEPALIVE_TIMEOUT``, default 5) closes idle
kept-alive connections. The guard works on whichever protocol uvicorn picks (httptools, or h11
without it): both make a new ``RequestResponseCycle`` once a request's head is parsed.

**Websockets: small messages uncompressed** (``WebSocketProtocol``). Browsers always negotiate
permessage-deflate (RFC 7692), and the ``websockets`` library then compresses every message with
a sync flush. For the frames live scoring sends most (an ack of about 250 bytes, for each of
thousands of marks a second) that flush costs more CPU than the ~100 bytes it saves. RFC 7692
lets a sender send any message uncompressed (RSV1 clear; every decoder, browsers' and
``websockets``' alike, passes such a message through), and with context takeover an
uncompressed message leaves both sides' compression state as it was. So messages under
``MIN_COMPRESS`` bytes go out as they are; board snapshots (kilobytes, to thousands of phones)
are still compressed. A socket the app closes as a policy violation (1008: flooding, oversized
frames) is not read any further.

Used by ``competition serve`` (``uvicorn.run(..., http=HttpProtocol, ws=WebSocketProtocol)``).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from typing import Any, Sequence

from uvicorn.protocols.http.auto import AutoHTTPProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.extensions.base import Extension
from websockets.extensions.permessage_deflate import PerMessageDeflate, ServerPerMessageDeflateFactory
from websockets.frames import CONT, CTRL_OPCODES, Frame
from websockets.typing import ExtensionParameter

#: Environment variable → default, in seconds.
TIMEOUTS = {"COMPETITION_HEADER_TIMEOUT": 10.0, "COMPETITION_BODY_TIMEOUT": 30.0, "COMPETITION_KEEPALIVE_TIMEOUT": 5.0}


def timeouts_from_env(env: Mapping[str, str] | None = None) -> dict[str, float]:
    """The three timeouts (``TIMEOUTS``) from the environment; ``ValueError`` names a bad one."""
    env = os.environ if env is None else env
    out = {}
    for name, default in TIMEOUTS.items():
        text = (env.get(name) or "").strip()
        try:
            value = float(text) if text else default
        except ValueError:
            value = -1.0
        if not 0 < value <= 3600:
            raise ValueError(f"{name} 须为 0 到 3600 之间的秒数 / {name} must be a number of seconds between 0 and 3600 (got {text!r})")
        out[name] = value
    return out


def _configured() -> dict[str, float]:
    # Read at import, in every worker process; ``competition serve`` refuses bad values first.
    try:
        return timeouts_from_env()
    except ValueError:
        return dict(TIMEOUTS)


_CONFIGURED = _configured()


class RequestTimeouts:
    """Mixin for uvicorn's HTTP protocols: closes a connection whose request head or body stalls
    (see the module's docstring). One timer per connection, armed only while the server waits
    for the client; a body's deadline moves with each piece without re-arming the timer."""

    head_timeout = _CONFIGURED["COMPETITION_HEADER_TIMEOUT"]
    body_timeout = _CONFIGURED["COMPETITION_BODY_TIMEOUT"]
    # Set by uvicorn's protocols: the event loop, the transport, the current request's cycle.
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    cycle: Any
    flow: Any

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._seen_cycle: Any = None
        self._waiting: str | None = None  # "head" or "body": what the server waits for
        self._deadline = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._wait("head", self.head_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)  # type: ignore[misc]

    def data_received(self, data: bytes) -> None:
        super().data_received(data)  # type: ignore[misc]
        self._check(data_arrived=True)

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        self._check(data_arrived=False)

    def _check(self, *, data_arrived: bool) -> None:
        if self.transport.is_closing() or self.transport.get_protocol() is not self:  # closed, or now a websocket
            self._stop_waiting()
            return
        cycle = self.cycle
        if cycle is not self._seen_cycle:  # a request's head was parsed since
            self._seen_cycle = cycle
            self._stop_waiting()
        if cycle is not None and not cycle.response_complete:
            if cycle.more_body:
                self._wait("body", self.body_timeout, extend=True)
            else:
                self._stop_waiting()  # the app has the whole request
        elif data_arrived and self._waiting != "head":
            self._wait("head", self.head_timeout)  # the next request began: its head has its time
        elif not data_arrived and self._waiting == "body":
            self._stop_waiting()  # answered before the body was all there: kept alive as usual

    def _wait(self, what: str, seconds: float, *, extend: bool = False) -> None:
        if self._waiting == what and not extend:
            return
        self._waiting = what
        self._deadline = self.loop.time() + seconds
        if self._timer is None:
            self._timer = self.loop.call_at(self._deadline, self._expired)

    def _stop_waiting(self) -> None:
        self._waiting = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self) -> None:
        self._timer = None
        if self._waiting is None or self.transport.is_closing():
            return
        if self.loop.time() < self._deadline or (self._waiting == "body" and self.flow is not None and self.flow.read_paused):
            # More arrived meanwhile, or the server itself stopped reading (the app is behind).
            self._timer = self.loop.call_at(max(self._deadline, self.loop.time() + 1.0), self._expired)
            return
        self._waiting = None
        self.transport.close()


class HttpProtocol(RequestTimeouts, AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """uvicorn's HTTP protocol (httptools, else h11) with ``RequestTimeouts``."""


POLICY_VIOLATION = 1008
#: How long such a socket stays open for its close frame to reach the peer.
POLICY_CLOSE_S = 1.0
#: Messages shorter than this (bytes) are sent uncompressed.
MIN_COMPRESS = 512
#: Sockets that never negotiate compression: every message on them is small.
UNCOMPRESSED_PATHS = ("/ws/judge",)


class ThresholdDeflate(PerMessageDeflate):
    """permessage-deflate that leaves small single-frame messages uncompressed."""

    def encode(self, frame: Frame) -> Frame:
        if frame.fin and frame.opcode is not CONT and frame.opcode not in CTRL_OPCODES and len(frame.data) < MIN_COMPRESS:
            return frame
        return super().encode(frame)


class ThresholdDeflateFactory(ServerPerMessageDeflateFactory):
    def process_request_params(
        self, params: Sequence[ExtensionParameter], accepted_extensions: Sequence[Extension]
    ) -> tuple[list[ExtensionParameter], PerMessageDeflate]:
        response, extension = super().process_request_params(params, accepted_extensions)
        extension.__class__ = ThresholdDeflate  # same state, one method different
        return response, extension


class WebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O websockets protocol with ``ThresholdDeflate`` (same window settings)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.conn.available_extensions:
            self.conn.available_extensions = [
                ThresholdDeflateFactory(server_max_window_bits=12, client_max_window_bits=12, compress_settings={"memLevel": 5})
            ]

    async def send(self, message: Any) -> None:
        await super().send(message)
        if (
            message.get("type") == "websocket.close"
            and message.get("code") == POLICY_VIOLATION
            and self.close_sent
            and not self.transport.is_closing()
        ):
            # Closed for flooding or an oversized frame: the close frame is written; read nothing
            # more (waiting for the peer's close reply would mean parsing and dropping every frame
            # it queued before it, for up to 10 s) and drop the connection a moment later. Closing
            # at once would reset it with the close frame still unread by the peer.
            self.transport.pause_reading()
            self.read_paused = True
            if self.close_timer is not None:
                self.close_timer.cancel()
            self.close_timer = self.loop.call_later(POLICY_CLOSE_S, self.transport.close)

    def handle_connect(self, event: Any) -> None:
        # Judges' tablets exchange only small messages (marks, acks, flags): compressing them costs
        # both sides CPU on every mark and saves nothing, so their sockets are not compressed.
        if event.path.startswith(UNCOMPRESSED_PATHS):
            self.conn.available_extensions = []
        super().handle_connect(event)
