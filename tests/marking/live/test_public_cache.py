"""The public JSON feeds are cacheable by a proxy (kernel/http_cache.py): an ETag and a short public
max-age, a 304 without a body for an unchanged feed, no cookies; staff and other API answers keep
no such headers. Through the real server on both databases."""

import asyncio

import httpx
from harness import unique
from live_world import ack_for, build, connect, mark, recv_until


async def test_public_feeds_carry_etag_and_revalidate_to_304(server):
    world = await build(server, contestants=2)
    eid, sid = world.event["id"], world.skill["id"]
    try:
        async with httpx.AsyncClient(base_url=server.base_url) as phone:
            feeds = [f"/api/public/skills/{sid}/board", f"/api/public/events/{eid}/board", f"/api/public/events/{eid}/results"]
            for path in feeds:
                r = await phone.get(path)
                assert r.status_code == 200, (path, r.text)
                assert r.headers["etag"].startswith('W/"'), path
                assert r.headers["cache-control"] == "public, max-age=2, stale-while-revalidate=2", path
                assert "set-cookie" not in r.headers, path  # no CSRF cookie handed to a shared cache
                assert r.headers["x-content-type-options"] == "nosniff"  # the security headers stay
                same = await phone.get(path, headers={"If-None-Match": r.headers["etag"]})
                assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == r.headers["etag"], path

            board = f"/api/public/skills/{sid}/board"
            before = await phone.get(board)
            # A mark changes the board: the old ETag no longer matches and the new body comes back.
            ws = await connect(world, world.judges[0])
            await ws.recv()
            op = unique("cache-")
            await ws.send(mark(world, world.refs[0], "B1.1", "40", op_id=op))
            ack = await recv_until(ws, ack_for(op))
            assert ack["type"] == "ack", ack
            await ws.close()
            for _ in range(40):
                fresh = await phone.get(board, headers={"If-None-Match": before.headers["etag"]})
                if fresh.status_code == 200:
                    break
                await asyncio.sleep(0.1)
            assert fresh.status_code == 200 and fresh.json()["seq"] >= ack["seq"]
            assert fresh.headers["etag"] != before.headers["etag"]

            # Not a public feed, or not a 200: untouched.
            assert "etag" not in (await phone.get(f"/api/public/skills/{sid + 10_000}/board")).headers
            assert "etag" not in (await phone.get("/api/verify/GD-NO-SUCH-NUMBER")).headers
        staff = await world.admin.get(f"/api/events/{eid}")
        assert staff.status_code == 200 and "etag" not in staff.headers and "public" not in staff.headers.get("cache-control", "")
    finally:
        await world.close()
