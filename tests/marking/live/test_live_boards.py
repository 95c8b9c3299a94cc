"""Live boards over real websockets: snapshot on connect, updates with sequence numbers, resume,
freeze, names only after decryption, the event board, the JSON feed — on both channel backends."""

import asyncio
import json

import pytest
import websockets
from harness import ADMIN_PASSWORD, REDIS_URL, base_env, need_redis, run_cli, start_server, unique
from live_world import World, ack_for, build, connect, mark, recv_until


async def score(world: World, ws, ref: str, aspect: str, value: str) -> dict:
    op = unique("b-")
    await ws.send(mark(world, ref, aspect, value, op_id=op))
    ack = await recv_until(ws, ack_for(op))
    assert ack["type"] == "ack", ack
    return ack


async def board(world: World, path: str):
    return await websockets.connect(world.ws_url(path), close_timeout=1)


async def check_board_behaviour(world: World):
    eid, sid = world.event["id"], world.skill["id"]
    spectator = await board(world, f"/ws/board/{sid}")
    first = json.loads(await spectator.recv())
    assert first["type"] == "snapshot" and first["seq"] == 0 and first["frozen"] is False
    rows = first["groups"][0]["rows"]
    assert {r["ref"] for r in rows} == set(world.refs) and all("name" not in r for r in rows)

    judge = await connect(world, world.judges[0])
    await judge.recv()
    a1 = await score(world, judge, world.refs[1], "B1.1", "40")
    update = await recv_until(spectator, lambda f: f["type"] == "snapshot" and f["seq"] >= a1["seq"])
    top = update["groups"][0]["rows"][0]
    assert top["ref"] == world.refs[1] and top["rank"] == 1
    last_seen = update["seq"]
    await spectator.close()

    # Missed updates while away: resuming with the last sequence number brings a fresh snapshot.
    await score(world, judge, world.refs[2], "B1.1", "40")
    a3 = await score(world, judge, world.refs[2], "B1.2", "40")
    back = await board(world, f"/ws/board/{sid}?since={last_seen}")
    resumed = json.loads(await back.recv())
    assert resumed["type"] == "snapshot" and resumed["seq"] >= a3["seq"]
    assert resumed["groups"][0]["rows"][0]["ref"] == world.refs[2]
    await back.close()
    # Nothing missed: told so, without a snapshot.
    current = await board(world, f"/ws/board/{sid}?since={resumed['seq']}")
    told = json.loads(await current.recv())
    # The socket joins the channel before its first frame, so the refresh that a3 set off may be
    # broadcast to it first: the same seq, nothing new; the resume follows.
    while told["type"] == "snapshot" and told["seq"] == resumed["seq"]:
        told = json.loads(await asyncio.wait_for(current.recv(), 5))
    assert told == {"type": "resume", "skill_id": sid, "seq": resumed["seq"], "frozen": False}
    await current.close()

    # Freeze: the public board stops, the chief judge's view goes on.
    public = await board(world, f"/ws/board/{sid}")
    await public.recv()
    staff = await connect(world, world.chief, f"/ws/staff/{sid}")
    await staff.recv()
    r = await world.admin.post(f"/api/events/{eid}/skills/{sid}/board/freeze")
    assert r.status_code == 200 and r.json()["frozen"] is True
    assert (await recv_until(public, lambda f: f["type"] == "frozen"))["type"] == "frozen"
    frozen_at = r.json()["frozen_seq"]
    a4 = await score(world, judge, world.refs[3], "B1.1", "40")
    staff_update = await recv_until(staff, lambda f: f["type"] == "snapshot" and f["seq"] >= a4["seq"])
    assert staff_update["frozen"] is True
    with pytest.raises(asyncio.TimeoutError):
        await recv_until(public, lambda f: f["type"] == "snapshot", timeout=1.0)
    feed = (await world.admin.get(f"/api/public/skills/{sid}/board")).json()
    assert feed["seq"] == frozen_at and feed["frozen"] is True
    newcomer = await board(world, f"/ws/board/{sid}")
    assert json.loads(await newcomer.recv())["seq"] == frozen_at
    await newcomer.close()
    assert (await world.admin.post(f"/api/events/{eid}/skills/{sid}/board/unfreeze")).status_code == 200
    thawed = await recv_until(public, lambda f: f["type"] == "snapshot" and f["seq"] >= a4["seq"])
    assert thawed["frozen"] is False
    assert (await world.chief.post(f"/api/events/{eid}/skills/{sid}/board/freeze")).status_code == 403

    # The event board carries every skill of the event.
    ev = await board(world, f"/ws/board/event/{eid}")
    snap = json.loads(await ev.recv())
    assert snap["skill_id"] == sid and snap["type"] == "snapshot"
    await ev.close()
    await public.close()
    await staff.close()
    await judge.close()


async def test_boards_on_memory_channels(server):
    world = await build(server)
    try:
        await check_board_behaviour(world)
    finally:
        await world.close()


async def test_boards_on_redis_channels(tmp_path):
    need_redis()
    env = base_env(tmp_path, f"sqlite:///{tmp_path / 'redis-board.sqlite3'}", redis_url=REDIS_URL)
    run_cli(env, "migrate")
    run_cli(env, "create-user", "admin", "--password", ADMIN_PASSWORD, "--admin")
    srv = start_server(env, "redis-board")
    try:
        world = await build(srv)
        try:
            await check_board_behaviour(world)
        finally:
            await world.close()
    finally:
        srv.stop()


async def test_names_only_after_decryption(server):
    world = await build(server)
    eid, sid = world.event["id"], world.skill["id"]
    try:
        judge = await connect(world, world.judges[0])
        await judge.recv()
        await score(world, judge, world.refs[1], "B1.1", "40")
        await judge.close()
        before = (await world.admin.get(f"/api/public/skills/{sid}/board")).json()
        text = json.dumps(before, ensure_ascii=False)
        assert "选手" not in text and "广州市" not in text
        assert (
            await world.chief.post(f"/api/events/{eid}/skills/{sid}/scores/submit", json={"override_reason": "测试：只评了部分评分项"})
        ).status_code == 200
        assert (
            await world.chief.post(f"/api/events/{eid}/skills/{sid}/scores/recheck", json={"override_reason": "测试：只评了部分评分项"})
        ).status_code == 200
        r = await world.officer.post(f"/api/events/{eid}/skills/{sid}/decrypt", json={})
        assert r.status_code == 200, r.text
        after = (await world.admin.get(f"/api/public/skills/{sid}/board")).json()
        assert after["decrypted"] is True
        assert {row["name"] for row in after["groups"][0]["rows"]} == {"选手0", "选手1", "选手2", "选手3"}
        assert "id_number" not in json.dumps(after) and "phone" not in json.dumps(after)
    finally:
        await world.close()


async def test_chief_console(server):
    world = await build(server)
    eid, sid = world.event["id"], world.skill["id"]
    try:
        sockets = [await connect(world, j) for j in world.judges]
        for s in sockets:
            await s.recv()
        for s, v in zip(sockets, ["1", "2", "3"]):
            await score(world, s, world.refs[1], "A1.1", v)
        for s in sockets:
            await s.close()
        console = (await world.chief.get(f"/api/events/{eid}/skills/{sid}/console")).json()
        assert console["snapshot"]["type"] == "snapshot" and console["progress_by_aspect"]["A1.1"] == {"scored": 1, "judges": 3}
        assert len(console["judges"]) == 3 and all(j["mean_deviation"] is not None for j in console["judges"])
        assert {j["name"] for j in console["judges"]} == {"甲裁判", "乙裁判", "丙裁判"}
        assert (await world.judges[0].get(f"/api/events/{eid}/skills/{sid}/console")).status_code == 403
        tablet = (await world.judges[0].get("/api/judge/assignments")).json()
        skill = next(s for s in tablet["skills"] if s["skill_id"] == sid)
        assert {a["id"] for a in skill["aspects"]} == {"A1.1", "A1.2", "B1.1", "B1.2"}
        assert {c["ref"] for c in skill["contestants"]} == set(world.refs)
        assert "选手" not in json.dumps(tablet, ensure_ascii=False)
        conflicted = (await world.conflicted.get("/api/judge/assignments")).json()
        assert world.refs[0] not in {c["ref"] for c in conflicted["skills"][0]["contestants"]}
    finally:
        await world.close()
