"""deploy/nginx.conf for real: Debian's nginx in front of two separate ``competition serve``
processes sharing one PostgreSQL database and one Redis (two "machines").

Proves: the shipped files pass ``nginx -t``; requests are spread over both servers; websockets
are upgraded through nginx (a judge's tablet and boards on both servers, a mark entered on one
reaches the board on the other); X-Forwarded-For carries the real client address, so the login
rate limits count per client across both servers and a forged header does not escape them; static
files get their cache header; an oversized upload gets nginx's JSON 413; when one server dies,
nginx keeps answering from the other.
"""

import asyncio
import json
import os
import signal
import subprocess

import httpx
import ops_services  # noqa: F401
import pytest
import websockets
from harness import (
    ADMIN_PASSWORD,
    REDIS_URL,
    base_env,
    create_pg_database,
    drop_pg_database,
    free_port,
    need_postgres,
    need_redis,
    run_cli,
    start_server,
)
from live_world import build, cookie_header, mark, recv_until
from ops_services import DEPLOY, nginx_binary, nginx_config, wait_port

pytestmark = pytest.mark.slow(seconds=100)  # measured, under load: collected first, slowest first (tests/conftest.py)


def test_shipped_nginx_files_pass_nginx_t(tmp_path):
    nginx = nginx_binary()
    main = nginx_config(tmp_path, free_port(), (DEPLOY / "nginx-upstream.conf").read_text())
    proc = subprocess.run([nginx, "-t", "-c", str(main), "-p", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    # The compose upstream names containers (app1, app2) that resolve only inside compose: check its shape.
    compose_upstream = (DEPLOY / "compose" / "nginx-upstream.conf").read_text()
    assert "upstream competition_app" in compose_upstream and "server app1:8000" in compose_upstream and "server app2:8000" in compose_upstream


async def test_nginx_in_front_of_two_servers_sharing_postgres_and_redis(tmp_path):
    nginx = nginx_binary()
    need_postgres()
    need_redis()
    url = await create_pg_database()
    env = base_env(tmp_path, url, redis_url=REDIS_URL, COMPETITION_VERIFY_RATE="3/minute")
    run_cli(env, "migrate")
    run_cli(env, "create-user", "admin", "--password", ADMIN_PASSWORD, "--admin")
    # Two "machines": two separate processes, each its own port, same database, Redis and secret.
    a = start_server(env, "ops-nginx-a", db_kind="postgres")
    b = start_server(env, "ops-nginx-b", db_kind="postgres")
    port = free_port()
    ports = [int(s.base_url.rsplit(":", 1)[1]) for s in (a, b)]
    upstream = (
        "upstream competition_app {\n    least_conn;\n"
        + "".join(f"    server 127.0.0.1:{p} max_fails=2 fail_timeout=10s;\n" for p in ports)
        + "    keepalive 32;\n}\n"
    )
    main = nginx_config(tmp_path, port, upstream)
    proxy = subprocess.Popen([nginx, "-c", str(main), "-p", str(tmp_path), "-g", "daemon off;"], stderr=open(tmp_path / "nginx.out", "w"))
    front = f"http://127.0.0.1:{port}"
    sockets: list = []
    try:
        wait_port(port, True)
        # Spread: both servers answer through nginx.
        pids = {httpx.get(front + "/health").json()["worker"] for _ in range(10)}
        assert len(pids) == 2, pids
        assert httpx.get(front + "/ready").json()["checks"]["redis"]["ok"] is True

        # The competition, built through nginx (logins, CSRF, JSON API).
        class Front:
            base_url = front

        world = await build(Front)
        sid = world.skill["id"]

        # Websockets through nginx: boards until both servers hold one, a tablet on one of them.
        boards: dict[int, object] = {}
        for _ in range(30):
            ws = await websockets.connect(front.replace("http", "ws") + f"/ws/board/{sid}", close_timeout=1)
            sockets.append(ws)
            first = json.loads(await ws.recv())
            boards.setdefault(first["worker"], ws)
            if len(boards) == 2:
                break
        assert len(boards) == 2, "websockets through nginx reached only one server"
        judge = await websockets.connect(
            front.replace("http", "ws") + "/ws/judge", additional_headers=cookie_header(world.judges[0]), close_timeout=1
        )
        sockets.append(judge)
        welcome = json.loads(await judge.recv())
        assert welcome["type"] == "welcome"
        await judge.send(mark(world, world.refs[1], "B1.1", "40", op_id="nginx-1"))
        ack = await recv_until(judge, lambda f: f.get("op_id") == "nginx-1")
        assert ack["type"] == "ack", ack
        for worker, ws in boards.items():
            snap = await recv_until(ws, lambda f: f.get("type") == "snapshot" and f["seq"] >= ack["seq"])
            assert snap["seq"] >= ack["seq"]
        assert welcome["worker"] in boards and len(set(boards) - {welcome["worker"]}) == 1  # one board is on the other server

        # The public board feed is answered from nginx's cache: the second read within max-age does
        # not reach a server; no cookie in it; a later mark shows once the copy is older than max-age.
        feed = f"/api/public/skills/{sid}/board"
        with httpx.Client(base_url=front) as phone:
            first_read = phone.get(feed)
            again = phone.get(feed)
            assert first_read.status_code == again.status_code == 200
            assert again.headers["x-cache"] == "HIT" and again.content == first_read.content
            assert "set-cookie" not in first_read.headers and first_read.headers["cache-control"].startswith("public, max-age=")
            assert first_read.json()["seq"] >= ack["seq"]
            await judge.send(mark(world, world.refs[1], "B1.2", "40", op_id="nginx-2"))
            ack2 = await recv_until(judge, lambda f: f.get("op_id") == "nginx-2")
            for _ in range(40):
                if phone.get(feed).json()["seq"] >= ack2["seq"]:
                    break
                await asyncio.sleep(0.25)
            else:
                raise AssertionError("the cached board feed never showed the new mark")

        # X-Forwarded-For: the certificate look-up limit (3/minute) counts per real client, across both servers.
        async def look_up_from(address: str, forged: str | None = None) -> int:
            transport = httpx.AsyncHTTPTransport(local_address=address)
            async with httpx.AsyncClient(base_url=front, transport=transport) as c:
                r = await c.get("/api/verify/GD-NO-SUCH-NUMBER", headers={"X-Forwarded-For": forged} if forged else {})
                return r.status_code

        codes = [await look_up_from("127.0.0.5") for _ in range(4)]
        assert 429 not in codes[:3] and codes[3] == 429, codes
        assert await look_up_from("127.0.0.5", forged="203.0.113.7") == 429, "a forged X-Forwarded-For escaped the limit"
        assert await look_up_from("127.0.0.6") != 429  # another client is not limited

        # Static files: browser cache header; uploads past the limit: nginx's JSON 413.
        r = httpx.get(front + "/static/app.js")
        assert r.status_code == 200 and r.headers["cache-control"] == "public, max-age=600"
        r = httpx.post(front + "/api/events/1/upload", content=b"x" * (13 * 2**20), headers={"Content-Type": "application/octet-stream"})
        assert r.status_code == 413 and r.json()["code"] == "too_large", r.text[:200]

        # One server dies: nginx keeps answering from the other.
        os.kill(a.proc.pid, signal.SIGKILL)
        a.proc.wait(10)
        statuses = [httpx.get(front + "/health", timeout=10).status_code for _ in range(10)]
        assert statuses == [200] * 10, statuses
        await world.close()
    finally:
        for ws in sockets:
            await ws.close()
        proxy.send_signal(signal.SIGQUIT)
        try:
            proxy.wait(10)
        except subprocess.TimeoutExpired:
            proxy.kill()
        a.stop()
        b.stop()
        await drop_pg_database(url)
    log = (tmp_path / "access.log").read_text()
    assert "up=127.0.0.1:" in log  # the access log names the upstream that served each request
