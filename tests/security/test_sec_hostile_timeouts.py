"""The server closes connections that stall: a request head not complete within
``COMPETITION_HEADER_TIMEOUT`` seconds (counted from the connection, or from the first byte of a
kept-alive connection's next request), a body that stops arriving for
``COMPETITION_BODY_TIMEOUT`` seconds, and an idle kept-alive connection after
``COMPETITION_KEEPALIVE_TIMEOUT``. A bare ``competition serve`` used to keep half-sent requests
open for ever (500 of them held 530 descriptors for 45 s).

The server runs with 2-second timeouts; 50 raw sockets each stall in their own way, and every one
is closed by the server (``recv`` gives ``b""`` or the connection is reset) while ``/health`` still
answers, and a request that takes its time within the limits still gets its answer.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time

import httpx
import pytest
from harness import ADMIN_PASSWORD, Client, base_env, free_port, new_event, new_skill, run_cli, sqlite_env, start_server

TIMEOUT = 2.0


@pytest.fixture(scope="module")
def timeout_server(tmp_path_factory):
    env = sqlite_env(
        tmp_path_factory.mktemp("timeouts"), COMPETITION_HEADER_TIMEOUT=str(TIMEOUT), COMPETITION_BODY_TIMEOUT=str(TIMEOUT),
        COMPETITION_KEEPALIVE_TIMEOUT=str(TIMEOUT),
    )  # fmt: skip
    server = start_server(env, "timeouts")
    yield server
    server.stop()


def _open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _address(server) -> tuple[str, int]:
    host, port = server.base_url.removeprefix("http://").split(":")
    return host, int(port)


def _closed_by_server(s: socket.socket, wait: float) -> bool:
    """Reads until the server closes (b"" or reset) or ``wait`` seconds pass."""
    s.settimeout(wait)
    try:
        while s.recv(4096):
            pass  # a 408 or the answer to a completed request, then the close
        return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


STALLS = {
    "nothing": [b""],
    "half a request line": [b"GET /hea"],
    "half the headers": [b"GET /health HTTP/1.1\r\nHost: x\r\nUser-Agent: slow"],
    "headers a byte at a time": [b"G", b"E", b"T", b" ", b"/"],  # drip-fed: the deadline is not extended
    "half a body": [b'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n{csrf}\r\n{"user'],
    "idle after an answer": [b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"],
    "half a second request": [b"GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /heal"],
}


def _csrf(server) -> bytes:
    """Headers that pass the CSRF check, so a POST's body is read (else it is refused unread)."""
    token = httpx.get(server.base_url + "/login", timeout=5).cookies["csrftoken"]
    return f"Cookie: csrftoken={token}\r\nX-CSRFToken: {token}\r\n".encode()


def test_stalled_connections_are_closed_and_the_server_still_answers(timeout_server):
    server = timeout_server
    address = _address(server)
    csrf = _csrf(server)
    fds_before = _open_fds(server.proc.pid)
    kinds = list(STALLS)
    sockets: list[tuple[str, socket.socket]] = []
    for i in range(50):
        kind = kinds[i % len(kinds)]
        s = socket.create_connection(address, timeout=5)
        sockets.append((kind, s))
    started = time.monotonic()
    # Drip-fed bytes keep coming for longer than the timeout: a head's deadline is not extended.
    for step in range(5):
        for kind, s in sockets:
            parts = STALLS[kind]
            if step < len(parts) and parts[step]:
                try:
                    s.sendall(parts[step].replace(b"{csrf}", csrf))
                except OSError:
                    pass
        time.sleep(TIMEOUT / 4)
        if step == 0:  # not closed at once: the server waits its time
            held = _open_fds(server.proc.pid)
            assert held >= fds_before + 40, (fds_before, held)
            assert httpx.get(server.base_url + "/health", timeout=5).status_code == 200
    open_after = [kind for kind, s in sockets if not _closed_by_server(s, max(0.1, started + 3 * TIMEOUT + 2 - time.monotonic()))]
    elapsed = time.monotonic() - started
    for _, s in sockets:
        s.close()
    assert not open_after, f"still open after {elapsed:.1f}s: {sorted(set(open_after))}"
    assert httpx.get(server.base_url + "/health", timeout=5).status_code == 200
    deadline = time.monotonic() + 5
    while _open_fds(server.proc.pid) > held - 40 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _open_fds(server.proc.pid) <= held - 40, f"the server still holds the descriptors ({held} then {_open_fds(server.proc.pid)})"


async def test_a_slow_but_steady_request_is_answered(timeout_server):
    """Within the limits nothing is cut: a head completed in time, a body sent in pieces closer
    together than the body timeout, a websocket that stays open past every timeout."""
    import websockets

    host, port = _address(timeout_server)
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n" + _csrf(timeout_server))
    await asyncio.sleep(TIMEOUT / 2)
    writer.write(b"Accept: application/json\r\n\r\n")
    body = b'{"username":"nobody","password":"x"}    '
    for i in range(0, len(body), 10):
        await writer.drain()
        await asyncio.sleep(TIMEOUT / 2)  # 4 pieces over 4 s: longer than the timeout, each gap shorter
        writer.write(body[i : i + 10])
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    assert head.startswith(b"HTTP/1.1 401"), head  # the whole body was read: a wrong password, not a cut
    writer.close()

    admin = Client(timeout_server.base_url)
    await admin.login("admin", ADMIN_PASSWORD)
    event = await new_event(admin)
    skill = await new_skill(admin, event["id"])
    await admin.aclose()
    async with websockets.connect(timeout_server.base_url.replace("http://", "ws://") + f"/ws/board/{skill['id']}", close_timeout=1) as ws:
        await asyncio.sleep(3 * TIMEOUT)  # quiet for longer than every timeout
        await ws.send('{"type":"ping"}')
        while (frame := json.loads(await asyncio.wait_for(ws.recv(), 5)))["type"] != "pong":
            assert frame["type"] == "snapshot", frame


@pytest.mark.parametrize("value", ["abc", "0", "-3", "99999"])
def test_a_bad_timeout_is_refused_before_the_server_starts(tmp_path, value):
    env = base_env(tmp_path, f"sqlite:///{tmp_path / 'x.sqlite3'}", COMPETITION_HEADER_TIMEOUT=value)
    proc = run_cli(env, "serve", "--port", str(free_port()), check=False, timeout=60)
    assert proc.returncode == 2 and "COMPETITION_HEADER_TIMEOUT" in proc.stderr and value in proc.stderr, proc.stderr
