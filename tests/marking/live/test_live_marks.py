"""Judges' marks over real websockets: ack after commit, idempotent re-send, every refusal code,
malformed and oversize frames, the spread rule and re-marking, locks, corrections, sign-off."""

import asyncio
import json

import pytest
from harness import unique
from live_world import World, ack_for, build, connect, mark, recv_until


@pytest.fixture
async def world(server):
    w = await build(server)
    yield w
    await w.close()


async def test_ack_after_commit_and_idempotent_resend(world: World):
    ws = await connect(world, world.judges[0])
    try:
        welcome = json.loads(await ws.recv())
        assert welcome["type"] == "welcome" and world.skill["id"] in welcome["skills"]
        await ws.send(mark(world, world.refs[1], "B1.1", "40", op_id="op-1"))
        ack = await recv_until(ws, ack_for("op-1"))
        assert ack["type"] == "ack" and ack["duplicate"] is False and ack["kind"] == "mark" and ack["seq"] > 0
        # The mark is stored: the chief judge sees it.
        marks = (await world.chief.get(f"/api/events/{world.event['id']}/skills/{world.skill['id']}/marks")).json()["marks"]
        assert [(m["contestant"], m["aspect"], m["value"], m["seq"]) for m in marks] == [(world.refs[1], "B1.1", "40", ack["seq"])]
        # Re-sending the same op_id answers the same ack and stores nothing new.
        await ws.send(mark(world, world.refs[1], "B1.1", "40", op_id="op-1"))
        again = await recv_until(ws, ack_for("op-1"))
        assert again["type"] == "ack" and again["duplicate"] is True and again["seq"] == ack["seq"]
        marks = (await world.chief.get(f"/api/events/{world.event['id']}/skills/{world.skill['id']}/marks")).json()["marks"]
        assert len(marks) == 1
    finally:
        await ws.close()


async def test_every_refusal_has_a_code_and_the_socket_stays_open(world: World):
    ws = await connect(world, world.judges[0])
    await ws.recv()
    cases = [
        (mark(world, "Z999", "B1.1", "40"), "unknown_contestant"),
        (mark(world, world.refs[1], "X9.9", "1"), "unknown_aspect"),
        (mark(world, world.refs[1], "A1.1", "4"), "out_of_range"),
        (mark(world, world.refs[1], "A1.1", "1.5"), "bad_value"),
        (mark(world, world.refs[1], "B1.1", "20"), "bad_value"),  # full-or-zero measurement
        (mark(world, world.refs[1], "A1.1", "abc"), "bad_value"),
        (
            json.dumps(
                {"type": "mark", "op_id": "bad op id!", "skill_id": world.skill["id"], "contestant": world.refs[1], "aspect": "A1.1", "value": 1}
            ),
            "bad_op_id",
        ),
        (
            json.dumps({"type": "mark", "op_id": unique("op"), "skill_id": 999999, "contestant": world.refs[1], "aspect": "A1.1", "value": 1}),
            "unknown_skill",
        ),
        (json.dumps({"type": "mark", "op_id": unique("op")}), "bad_frame"),
        ("not json at all", "bad_json"),
        (json.dumps([1, 2]), "bad_json"),
        (json.dumps({"type": "teleport"}), "unknown_type"),
        ("x" * 9000, "too_large"),
    ]
    try:
        for frame, code in cases:
            await ws.send(frame)
            got = await recv_until(ws, lambda f: f["type"] == "error")
            assert got["code"] == code, (frame[:80], got)
            assert got["message"]
        await ws.send(json.dumps({"type": "ping"}))
        assert (await recv_until(ws, lambda f: f["type"] == "pong"))["type"] == "pong"
    finally:
        await ws.close()


async def test_conflict_of_interest_and_not_assigned(world: World, server):
    ws = await connect(world, world.conflicted)
    await ws.recv()
    try:
        await ws.send(mark(world, world.refs[0], "B1.1", "40", op_id="coi-1"))
        got = await recv_until(ws, ack_for("coi-1"))
        assert got["type"] == "error" and got["code"] == "conflict_of_interest" and "广州" in got["message"]
        await ws.send(mark(world, world.refs[1], "B1.1", "40", op_id="coi-2"))
        assert (await recv_until(ws, ack_for("coi-2")))["type"] == "ack"
    finally:
        await ws.close()
    # The chief judge with no criteria listed supervises and does not mark.
    ws = await connect(world, world.chief)
    await ws.recv()
    try:
        await ws.send(mark(world, world.refs[1], "B1.2", "40", op_id="chief-1"))
        got = await recv_until(ws, ack_for("chief-1"))
        assert got["code"] == "not_assigned"
    finally:
        await ws.close()
    # Someone with no seat at all cannot even connect usefully.
    ws = await connect(world, world.officer)
    await ws.recv()
    try:
        await ws.send(mark(world, world.refs[1], "B1.2", "40", op_id="off-1"))
        assert (await recv_until(ws, ack_for("off-1")))["code"] == "not_assigned"
    finally:
        await ws.close()


async def test_anonymous_socket_is_refused(world: World):
    import websockets

    with pytest.raises(websockets.exceptions.WebSocketException):
        async with websockets.connect(world.ws_url("/ws/judge")) as ws:
            await ws.recv()


async def test_cross_site_origin_is_refused(world: World):
    import websockets
    from live_world import cookie_header

    headers = {**cookie_header(world.judges[0]), "Origin": "http://evil.example"}
    with pytest.raises(websockets.exceptions.WebSocketException):
        async with websockets.connect(world.ws_url("/ws/judge"), additional_headers=headers) as ws:
            await ws.recv()


async def test_spread_rule_flags_and_remarking(world: World):
    sockets = [await connect(world, j) for j in world.judges]
    chief = await connect(world, world.chief, f"/ws/staff/{world.skill['id']}")
    outsider = await connect(world, world.conflicted)  # a judge of the skill, not on this panel
    try:
        for s in [*sockets, outsider]:
            await s.recv()
        ref = world.refs[2]
        for s, value in zip(sockets, ["0", "2", "3"]):  # 0 and 3 differ by more than 1
            op = unique("j-")
            await s.send(mark(world, ref, "A1.1", value, op_id=op))
            assert (await recv_until(s, ack_for(op)))["type"] == "ack"
        flag = await recv_until(sockets[0], lambda f: f["type"] == "flag")
        assert flag["aspect"] == "A1.1" and flag["contestant"] == ref and flag["status"] == "needs_remark"
        seats = {str(u): v for u, v in zip(world.judge_ids, ["0", "2", "3"])}
        assert flag["scores"] == seats
        staff_flag = await recv_until(chief, lambda f: f["type"] == "flag")
        assert staff_flag["status"] == "needs_remark"
        # The chief judge's snapshots list the flag with the panel's scores too (for a reloaded console).
        snap = await recv_until(chief, lambda f: f["type"] == "snapshot" and f.get("flags"))
        assert snap["flags"] == [{"contestant": ref, "aspect": "A1.1", "scores": seats}]
        # A judge not on the panel is not told (the flag carries the panel's scores).
        await outsider.send(json.dumps({"type": "ping"}))
        frames = []
        while not frames or frames[-1]["type"] != "pong":
            frames.append(json.loads(await asyncio.wait_for(outsider.recv(), 10)))
        await asyncio.sleep(0.5)
        while True:
            try:
                frames.append(json.loads(await asyncio.wait_for(outsider.recv(), 0.2)))
            except asyncio.TimeoutError:
                break
        assert not [f for f in frames if f["type"] == "flag"]
        # The judges re-score after discussing: no reason needed for a re-mark.
        op = unique("re-")
        await sockets[0].send(mark(world, ref, "A1.1", "2", op_id=op))
        ack = await recv_until(sockets[0], ack_for(op))
        assert ack["type"] == "ack" and ack["kind"] == "remark" and ack["aspect_status"] == "complete"
        cleared = await recv_until(sockets[1], lambda f: f["type"] == "flag" and f["status"] != "needs_remark")
        assert cleared["status"] == "complete"
        # A fourth judge cannot join a full panel.
        ws4 = await connect(world, world.conflicted)
        await ws4.recv()
        op = unique("p-")
        await ws4.send(mark(world, ref, "A1.1", "2", op_id=op))
        assert (await recv_until(ws4, ack_for(op)))["code"] == "panel_full"
        await ws4.close()
    finally:
        for s in sockets:
            await s.close()
        await chief.close()
        await outsider.close()


async def test_corrections_locks_and_sign_off(world: World):
    eid, sid = world.event["id"], world.skill["id"]
    ws = await connect(world, world.judges[0])
    await ws.recv()
    ref = world.refs[3]
    try:
        await ws.send(mark(world, ref, "B1.2", "0", op_id="c-1"))
        assert (await recv_until(ws, ack_for("c-1")))["type"] == "ack"
        await ws.send(mark(world, ref, "B1.2", "40", op_id="c-2"))
        assert (await recv_until(ws, ack_for("c-2")))["code"] == "reason_required"
        await ws.send(mark(world, ref, "B1.2", "40", op_id="c-3", reason="看错了测试结果"))
        fixed = await recv_until(ws, ack_for("c-3"))
        assert fixed["type"] == "ack" and fixed["kind"] == "correction"

        r = await world.chief.post(f"/api/events/{eid}/skills/{sid}/locks", json={"criterion": "B"})
        assert r.status_code == 201 and r.json()["locked"] == ["B"]
        assert (await world.judges[0].post(f"/api/events/{eid}/skills/{sid}/locks", json={"criterion": "A"})).status_code == 403
        await ws.send(mark(world, ref, "B1.2", "0", op_id="c-4", reason="再改"))
        assert (await recv_until(ws, ack_for("c-4")))["code"] == "locked"
        # After a lock the chief judge may change it, with a reason, and it shows as such.
        judge_id = world.judge_ids[0]
        r = await world.chief.post(
            f"/api/events/{eid}/skills/{sid}/marks",
            json={"op_id": "chief-fix-1", "contestant": ref, "aspect": "B1.2", "value": "0", "seat": judge_id, "authority": "chief_judge"},
        )
        assert r.status_code == 422 and r.json()["code"] == "reason_required"
        r = await world.chief.post(
            f"/api/events/{eid}/skills/{sid}/marks",
            json={
                "op_id": "chief-fix-2",
                "contestant": ref,
                "aspect": "B1.2",
                "value": "0",
                "seat": judge_id,
                "authority": "chief_judge",
                "reason": "复核发现策略未生效",
            },
        )
        assert r.status_code == 201, r.text
        history = (await world.chief.get(f"/api/events/{eid}/skills/{sid}/marks", params={"contestant": ref})).json()["marks"]
        assert [(m["value"], m["kind"], m["authority"]) for m in history] == [
            ("0", "mark", "judge"),
            ("40", "correction", "judge"),
            ("0", "correction", "chief_judge"),
        ]
        assert history[-1]["reason"] == "复核发现策略未生效"

        # Sign-off: then only the organiser, with a reason.
        assert (
            await world.chief.post(f"/api/events/{eid}/skills/{sid}/scores/submit", json={"override_reason": "测试：只评了部分评分项"})
        ).status_code == 200
        r = await world.chief.post(
            f"/api/events/{eid}/skills/{sid}/marks",
            json={
                "op_id": "chief-fix-3",
                "contestant": ref,
                "aspect": "B1.2",
                "value": "40",
                "seat": judge_id,
                "authority": "chief_judge",
                "reason": "x",
            },
        )
        assert r.status_code == 409 and r.json()["code"] == "signed_off"
        r = await world.admin.post(
            f"/api/events/{eid}/skills/{sid}/marks",
            json={
                "op_id": "org-fix-1",
                "contestant": ref,
                "aspect": "B1.2",
                "value": "40",
                "seat": judge_id,
                "authority": "organiser",
                "reason": "仲裁裁定",
            },
        )
        assert r.status_code == 201 and r.json()["kind"] == "correction"
        await ws.send(mark(world, world.refs[1], "A1.2", "2", op_id="c-5"))
        assert (await recv_until(ws, ack_for("c-5")))["code"] == "signed_off"
    finally:
        await ws.close()


async def test_flood_is_rate_limited_and_the_handler_survives(world: World):
    ws = await connect(world, world.judges[1])
    await ws.recv()
    try:
        for _ in range(300):
            await ws.send(json.dumps({"type": "ping"}))
        limited = await recv_until(ws, lambda f: f.get("code") == "rate_limited")
        assert limited["type"] == "error"
    finally:
        await ws.close()
    # The server is still fine for others.
    ws = await connect(world, world.judges[2])
    await ws.recv()
    await ws.send(json.dumps({"type": "ping"}))
    assert (await recv_until(ws, lambda f: f["type"] == "pong"))["type"] == "pong"
    await ws.close()
