"""A judge cannot grow the server's memory with oversized mark fields, over HTTP or the websocket.

A refused mark used to leave its fields behind: the writer's panel cache (``CurrentMarks``) took
a slot for every (skill, contestant, aspect) a batch named, before the aspect was checked, so
each ``POST …/marks`` with a 1 MB ``aspect`` kept about 1.5 MiB of the server's memory (100
requests: +150 MiB), and each 8 KiB judge frame kept its aspect too. Now sizes are checked before
anything is queued or kept: the HTTP route refuses a body past 16 KiB with 413 and fields past
their bounds with 422, the websocket answers an ``error`` frame, and the server's resident
memory (``/proc/<pid>/status``) stays within a few MiB.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from harness import unique

#: RSS growth allowed for the whole run (allocator pools, a few lazily built objects).
SLACK_KIB = 6 * 1024


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
async def world(server):
    import live_world

    w = await live_world.build(server, contestants=2)
    yield w
    await w.close()


def _url(w) -> str:
    return f"/api/events/{w.event['id']}/skills/{w.skill['id']}/marks"


async def _post_huge(w, judge, aspect_size: int, **over) -> tuple[int, dict]:
    body = {"op_id": unique("huge-"), "contestant": w.refs[1], "aspect": "A" * aspect_size, "value": "1"} | over
    r = await judge.post(_url(w), json=body)
    return r.status_code, r.json()


async def test_oversized_http_marks_are_refused_and_leave_no_memory_behind(world):
    w = world
    judge = w.judges[0]
    pid = w.server.proc.pid
    # Warm up the paths (error handling, the writer, the allocator's pools) before measuring.
    for _ in range(10):
        await _post_huge(w, judge, 1_000_000)
        await _post_huge(w, judge, 8_000)
    before = rss_kib(pid)
    answers = [await _post_huge(w, judge, 1_000_000) for _ in range(100)]
    after = rss_kib(pid)
    assert after - before < SLACK_KIB, f"RSS grew by {(after - before) / 1024:.1f} MiB over 100 refused marks"
    for status, body in answers:
        assert 400 <= status < 500, (status, str(body)[:200])
        # A clear refusal that does not echo the megabyte back.
        assert body["code"] and body["message"] and len(json.dumps(body)) < 2000, str(body)[:300]


@pytest.mark.parametrize(
    "field,value,code",
    [
        ("aspect", "A" * 65, "too_long"),
        ("contestant", "7" * 5000, "too_long"),
        ("op_id", "o" * 65, "bad_op_id"),
        ("reason", "r" * 501, "too_long"),
        ("value", "1" + "0" * 40, "too_long"),
        ("measured", "0." + "0" * 40, "too_long"),
    ],
)
async def test_each_field_has_a_bound_and_a_clear_error(world, field, value, code):
    w = world
    status, body = await _post_huge(w, w.judges[0], 4, **{field: value})
    assert status == 422, body
    assert body["code"] == code and field in body["message"], body
    en = await w.judges[0].post(
        _url(w),
        json={"op_id": unique("huge-"), "contestant": w.refs[1], "aspect": "A1.1", "value": "1", field: value},
        headers={"Accept-Language": "en"},
    )
    assert en.status_code == 422 and en.json()["message"] != body["message"], en.text
    # A normal mark still goes through afterwards.
    ok = await w.judges[1].post(_url(w), json={"op_id": unique("ok-"), "contestant": w.refs[0], "aspect": "A1.1", "value": "2"})
    assert ok.status_code in (201, 409, 422) and ok.json().get("code") not in ("too_long", "unavailable"), ok.text


async def test_a_huge_body_is_refused_before_it_is_read(world):
    w = world
    r = await w.judges[0].post(_url(w), content=b'{"op_id":"x","contestant":"' + b"1" * 200_000 + b'"}', headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "too_large" and r.json()["message"], r.text


async def test_oversized_websocket_marks_get_error_frames_and_leave_no_memory_behind(world):
    """Five judges' sockets each send their burst of 8 KiB frames naming a different bogus aspect."""
    import live_world

    w = world
    pid = w.server.proc.pid
    clients = [*w.judges, w.conflicted, w.chief]
    sockets = [await live_world.connect(w, c) for c in clients]
    try:
        for ws in sockets:
            assert json.loads(await ws.recv())["type"] == "welcome"

        async def burst(ws, n: int, tag: str) -> list[dict]:
            ops = [f"{tag}-{i}" for i in range(n)]
            for op in ops:
                aspect = f"{op}-" + "Z" * (8 * 1024 - 300)
                await ws.send(
                    json.dumps({"type": "mark", "op_id": op, "skill_id": w.skill["id"], "contestant": w.refs[1], "aspect": aspect, "value": 1})
                )
            answers = []
            for op in ops:
                answers.append(await live_world.recv_until(ws, live_world.ack_for(op), timeout=30))
            return answers

        await asyncio.gather(*(burst(ws, 20, f"warm{i}") for i, ws in enumerate(sockets)))
        before = rss_kib(pid)
        answers: list[dict] = []
        for round_ in range(6):  # 50 frames a second is each socket's rate: a burst, then a second's pause
            for group in await asyncio.gather(*(burst(ws, 45, f"r{round_}s{i}") for i, ws in enumerate(sockets))):
                answers += group
            await asyncio.sleep(1)
        after = rss_kib(pid)
        assert after - before < SLACK_KIB, f"RSS grew by {(after - before) / 1024:.1f} MiB over {len(answers)} refused frames"
        for a in answers:
            assert a["type"] == "error" and a["code"] == "too_long" and len(a["message"]) < 200, str(a)[:300]
        # The sockets still work.
        await sockets[0].send('{"type":"ping"}')
        assert (await live_world.recv_until(sockets[0], lambda f: f["type"] == "pong"))["type"] == "pong"
    finally:
        for ws in sockets:
            await ws.close()
