"""The server's websocket protocol: uvicorn's, with small messages sent uncompressed.

Browsers always negotiate permessage-deflate (RFC 7692), and the ``websockets`` library then
compresses every message with a sync flush. For the frames live scoring sends most (an ack of
about 250 bytes, for each of thousands of marks a second) that flush costs more CPU than the
~100 bytes it saves. RFC 7692 lets a sender send any message uncompressed (RSV1 clear; every
decoder, browsers' and ``websockets``' alike, passes such a message through), and with context
takeover an uncompressed message leaves both sides' compression state as it was. So messages
under ``MIN_COMPRESS`` bytes go out as they are; board snapshots (kilobytes, to thousands of
phones) are still compressed.

Used by ``competition serve`` (``uvicorn.run(..., ws=WebSocketProtocol)``).
"""

from __future__ import annotations

from typing import Any, Sequence

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.extensions.base import Extension
from websockets.extensions.permessage_deflate import PerMessageDeflate, ServerPerMessageDeflateFactory
from websockets.frames import CONT, CTRL_OPCODES, Frame
from websockets.typing import ExtensionParameter

#: The close code of a socket the app closes for breaking its rules (flooding, oversized frames).
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
    def process_request_params(self, params: Sequence[ExtensionParameter], accepted_extensions: Sequence[Extension]) -> tuple[list[ExtensionParameter], PerMessageDeflate]:
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
        if message.get("type") == "websocket.close" and message.get("code") == POLICY_VIOLATION and self.close_sent and not self.transport.is_closing():
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
