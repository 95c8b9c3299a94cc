"""permessage-deflate as the server does it: on boards, small messages (pongs) uncompressed and big
ones (snapshots) compressed, and a client decodes the mix; judges' sockets, whose messages are all
small, negotiate no compression at all (server/wsprotocol.py)."""

from __future__ import annotations

import json

import pytest
import websockets
from harness import unique
from live_world import World, build, cookie_header, mark, recv_until
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory, PerMessageDeflate

from server.wsprotocol import MIN_COMPRESS

SEEN: list[tuple[bool, bytes]] = []  # (compressed, the decoded message) for each data frame received


class Recording(PerMessageDeflate):
    def decode(self, frame, *, max_size=None):
        out = super().decode(frame, max_size=max_size)
        if frame.opcode.name in ("TEXT", "BINARY"):
            SEEN.append((frame.rsv1, bytes(out.data)))
        return out


class RecordingFactory(ClientPerMessageDeflateFactory):
    def process_response_params(self, params, accepted_extensions):
        extension = super().process_response_params(params, accepted_extensions)
        extension.__class__ = Recording
        return extension


@pytest.fixture
async def world(server):
    w = await build(server, contestants=8)
    yield w
    await w.close()


async def test_small_frames_plain_big_frames_compressed(world: World):
    SEEN.clear()
    kwargs = {"extensions": [RecordingFactory()], "compression": None, "max_size": 2**22, "close_timeout": 1}
    board = await websockets.connect(world.ws_url(f"/ws/board/{world.skill['id']}"), **kwargs)
    judge = await websockets.connect(world.ws_url("/ws/judge"), additional_headers=cookie_header(world.judges[0]), **kwargs)
    # The tablet offered permessage-deflate; the server declined it for the judge's socket.
    assert board.protocol.extensions and not judge.protocol.extensions
    assert "permessage-deflate" not in (judge.response.headers.get("Sec-WebSocket-Extensions") or "")
    try:
        first = json.loads(await board.recv())
        assert first["type"] == "snapshot"
        await recv_until(judge, lambda f: f["type"] == "welcome")
        for i, ref in enumerate(world.refs[:3]):
            op = unique("cmp-")
            await judge.send(mark(world, ref, "B1.1", "40", op_id=op))
            assert (await recv_until(judge, lambda f: f.get("op_id") == op))["type"] == "ack"  # plain, never through the extension
            # Each mark moves the board: snapshots keep coming, compressed, between plain acks.
            await recv_until(board, lambda f: f["type"] == "snapshot" and f["seq"] > first["seq"] and len(f["groups"][0]["rows"]) == 8)
        await board.send(json.dumps({"type": "ping"}))
        assert (await recv_until(board, lambda f: True))["type"] == "pong"
    finally:
        await board.close()
        await judge.close()
    sizes = [(compressed, len(data), json.loads(data)["type"]) for compressed, data in SEEN]
    assert all(not c for c, n, _ in sizes if n < MIN_COMPRESS), sizes
    assert all(c for c, n, _ in sizes if n >= MIN_COMPRESS), sizes
    kinds = {t for _, _, t in sizes}
    assert {"pong", "snapshot"} <= kinds and "ack" not in kinds
    assert any(c and t == "snapshot" for c, _, t in sizes) and any(not c and t == "pong" for c, _, t in sizes)
