"""Benchmark: live scoring under load, against a bare ``websockets`` server in the same run.

Fan-out (embedded default: SQLite + in-memory channels): 1,000 spectator sockets on one skill's
board while 200 marks arrive a quarter-second apart, each producing a board update. Measured: the
server's CPU time per delivered update and the publish-to-all-clients latency (from the snapshot's
``generated_at`` to the last of the 1,000 clients receiving it). Reference: a bare ``websockets``
server broadcasting the same payloads to the same number of clients at the same pace. Targets:
CPU per update at most 1.3x the reference; p99 at most 1.5x.

Ingest (SQLite, then PostgreSQL): 200 judge sockets each sending marks as fast as they are
acknowledged (each committed, audited and re-ranked live). Targets: 1,000 marks/s on SQLite,
2,000 on PostgreSQL, acknowledgement p99 under 100 ms. Checks: every acknowledged mark is stored
exactly once.

    python bench/bench_live.py [--spectators 1000] [--updates 200] [--judges 200] [--seconds 15] [--skip-fanout] [--skip-ingest] [--smoke]

``--smoke``: the same path with 10 contestants, 20 spectators, 8 updates, 10 judges (25 marks/s each) for 2 s
(seconds; the figures mean nothing).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# This checkout's packages ahead of an installed copy of the project, behind bench/ itself (which
# Python puts first for ``python bench/bench_x.py``; the benches are named bench_* so no file here
# shadows a package of the project or its dependencies).
if str(ROOT) not in sys.path:
    sys.path.insert(1, str(ROOT))

import httpx  # noqa: E402
import websockets  # noqa: E402

#: Services the default run uses besides SQLite (tests/bench/test_bench_smoke.py skips without them).
SERVICES = ("postgresql",)
PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
CONTESTANTS = 60
ASPECTS_PER_CRITERION = 10
CRITERIA = "ABCDE"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children so far (from /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    try:
        for line in Path(f"/proc/{pid}/task").iterdir():
            pass
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError):
            pass
    return total


def run_client(coro):
    """Run a load generator on uvloop (as the server runs): the judges' side of the bench shares
    the machine with the server, and the lighter it is the less it skews the server's figures."""
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds of each thread of a process (the event loop's thread is the one whose id is the pid)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for t in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (t / "stat").read_text().rsplit(")", 1)[1].split()
            out[int(t.name)] = (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return out


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


# ---------------------------------------------------------------------------------------- setup


def scheme() -> dict:
    return {
        "skill": "基准项目", "parts": {"practical": "100"},
        "criteria": [
            {"id": c, "name": f"模块{c}", "part": "practical", "mark": "20", "sub_criteria": [
                {"id": f"{c}1", "name": f"{c}1", "aspects": [
                    {"id": f"{c}1.{i}", "description": f"评分项{c}{i}", "kind": "S", "max_mark": "2"}
                    for i in range(1, ASPECTS_PER_CRITERION + 1)
                ]},
            ]}
            for c in CRITERIA
        ],
    }  # fmt: skip


async def prepare(database_url: str, judges: int) -> dict:
    from competition.auth import service as accounts
    from competition.dayof import anonymisation
    from competition.dayof.tables import EncryptedNumber
    from competition.events import service as events
    from competition.judges import service as judge_service
    from competition.registration import service as registration
    from kernel import audit, db
    from marking.live.controller import store_scheme
    from scoring.idcard import make_id

    engine = db.engine_from_url(database_url)
    db.bind_engine(engine)
    await db.start(engine)
    try:
        await db.migrate()
        actor = audit.Actor(None, "bench")
        event = await events.create_event(
            {"name": "实时评分基准测试", "code": "LIVE" + secrets.token_hex(3).upper(), "tier": "provincial", "tier_class": "class2"}, actor
        )
        eid = event["id"]
        await events.set_preset_overrides(eid, {"eligibility": {"school_check": "off"}}, actor)
        skill = await events.create_skill(eid, {"name": "基准项目", "groups": ["employee"]}, actor)
        sid, gid = skill["id"], skill["groups"][0]["id"]
        await store_scheme(eid, sid, scheme(), actor, None)
        for i in range(CONTESTANTS):
            await registration.register_one(eid, {
                "name": f"选手{i:03d}", "id_number": make_id("440106", dt.date(1990, 1, 1) + dt.timedelta(days=i), i % 400, "M"),
                "skill_id": sid, "group_id": gid, "employer": f"参赛单位{i}", "delegation": f"代表队{i}",
                "phone": "13800138000", "current_level": "高级工", "level_certificate_no": f"CERT{i:06d}",
            }, actor)  # fmt: skip
        await anonymisation.generate_round(eid, sid, 1, actor)
        refs = {r["contestant"]: r["encrypted_no"] for r in await EncryptedNumber.select().where(EncryptedNumber.skill == sid)}
        ordered = [refs[c] for c in sorted(refs)]
        codes = []
        for j in range(judges):
            judge = await judge_service.create_judge(eid, {"name": f"裁判{j:03d}", "delegation": f"裁判所在地{j}", "employer": f"裁判单位{j}"}, actor)
            await judge_service.assign(eid, sid, judge["id"], "judge", [], actor)
            code, _ = await accounts.issue_login_code(judge["user"]["id"], hours=12, actor=actor, event_id=eid)
            codes.append(code)
        return {"event_id": eid, "skill_id": sid, "refs": ordered, "codes": codes}
    finally:
        await db.stop(engine)


def start_server(env: dict, port: int, log: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=open(log, "w"),
        stderr=subprocess.STDOUT,
        cwd=env["COMPETITION_DATA_DIR"],
    )
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"server did not start: {log.read_text()[-2000:]}")


async def login_all(base: str, codes: list[str]) -> list[str]:
    cookies = []
    async with httpx.AsyncClient(base_url=base) as c:
        await c.get("/login")
        token = c.cookies.get("csrftoken")
        for code in codes:
            c.cookies.delete("session")
            r = await c.post("/auth/code", json={"code": code}, headers={"X-CSRFToken": token})
            assert r.status_code == 200, r.text
            cookies.append(f"session={r.cookies['session']}")
    return cookies


# ---------------------------------------------------------------------------------------- fan-out


class Receivers:
    """N clients; for each message seq, when each client received it."""

    def __init__(self) -> None:
        self.received: dict[int, list[float]] = {}
        self.sent_at: dict[int, float] = {}
        self.errors = 0
        self.initial_seq = -1

    async def client(self, url: str, ready: asyncio.Event, counter: list[int], n: int, first_frame: bool = False) -> None:
        """``first_frame``: the client counts as ready once the server has sent it its first
        snapshot (so it has joined the board), not as soon as the handshake is done."""
        try:
            async with websockets.connect(url, max_size=2**24, open_timeout=60, close_timeout=1, ping_interval=None) as ws:
                waiting = first_frame
                if not waiting:
                    counter[0] += 1
                    if counter[0] == n:
                        ready.set()
                async for raw in ws:
                    now = time.time()
                    f = json.loads(raw)
                    seq = f.get("seq")
                    if f.get("type") != "snapshot" or seq is None:
                        continue
                    if waiting:  # the snapshot on connect: not one of the updates measured
                        waiting = False
                        self.initial_seq = max(self.initial_seq, seq)
                        counter[0] += 1
                        if counter[0] == n:
                            ready.set()
                        continue
                    self.received.setdefault(seq, []).append(now)
                    if seq not in self.sent_at and f.get("generated_at"):
                        self.sent_at[seq] = dt.datetime.fromisoformat(f["generated_at"]).timestamp()
        except (websockets.exceptions.ConnectionClosed, OSError, asyncio.TimeoutError):
            self.errors += 1


REFERENCE_SERVER = r"""
import asyncio, json, sys, time, datetime as dt
import websockets
payloads = json.load(open(sys.argv[2]))
interval = float(sys.argv[3]); want = int(sys.argv[4])
clients = set()
started = asyncio.Event()
async def handler(ws):
    clients.add(ws)
    if len(clients) >= want:
        started.set()
    try:
        await ws.wait_closed()
    finally:
        clients.discard(ws)
async def main():
    async with websockets.serve(handler, "127.0.0.1", int(sys.argv[1]), max_size=2**24, ping_interval=None):
        print("ready", flush=True)
        await started.wait()
        await asyncio.sleep(1.0)
        for p in payloads:
            p["generated_at"] = dt.datetime.now(dt.timezone.utc).isoformat()
            websockets.broadcast(clients, json.dumps(p, ensure_ascii=False))
            await asyncio.sleep(interval)
        await asyncio.sleep(2.0)
        print("done", flush=True)
asyncio.run(main())
"""


async def fanout(base_ws: str, skill_id: int, judge_cookies: list[str], refs: list[str], spectators: int, updates: int, server_pid: int) -> dict:
    recv = Receivers()
    ready = asyncio.Event()
    counter = [0]
    clients = [
        asyncio.create_task(recv.client(f"{base_ws}/ws/board/{skill_id}", ready, counter, spectators, first_frame=True)) for _ in range(spectators)
    ]
    await asyncio.wait_for(ready.wait(), 120)
    await asyncio.sleep(1.0)
    # One judge per mark slot: five judges on contestant 0's fifty aspects give 250 distinct first marks.
    judges = [await websockets.connect(f"{base_ws}/ws/judge", additional_headers={"Cookie": c}, close_timeout=1) for c in judge_cookies[:5]]
    for ws in judges:
        await ws.recv()
    aspects = [f"{c}1.{i}" for c in CRITERIA for i in range(1, ASPECTS_PER_CRITERION + 1)]
    cpu0 = cpu_seconds(server_pid)
    t0 = time.perf_counter()
    for n in range(updates):
        ws = judges[n % 5]
        aspect = aspects[(n // 5) % len(aspects)]
        await ws.send(
            json.dumps({"type": "mark", "op_id": f"fan{n}", "skill_id": skill_id, "contestant": refs[0], "aspect": aspect, "value": str(1 + n % 2)})
        )
        while True:
            f = json.loads(await ws.recv())
            if f.get("op_id") == f"fan{n}":
                assert f["type"] == "ack", f
                break
        await asyncio.sleep(0.25)
    await asyncio.sleep(2.0)
    cpu = cpu_seconds(server_pid) - cpu0
    elapsed = time.perf_counter() - t0
    for ws in judges:
        await ws.close()
    for t in clients:
        t.cancel()
    await asyncio.gather(*clients, return_exceptions=True)
    seqs = sorted(s for s, times in recv.received.items() if s in recv.sent_at and s > recv.initial_seq)
    complete = [s for s in seqs if len(recv.received[s]) >= spectators]
    latencies = [max(recv.received[s]) - recv.sent_at[s] for s in complete]
    delivered = sum(len(recv.received[s]) for s in seqs)
    return {
        "updates": len(seqs),
        "complete_updates": len(complete),
        "delivered": delivered,
        "cpu_s": cpu,
        "elapsed_s": elapsed,
        "cpu_per_delivered_us": cpu / max(delivered, 1) * 1e6,
        "p50_ms": pct(latencies, 50) * 1e3,
        "p99_ms": pct(latencies, 99) * 1e3,
        "errors": recv.errors,
        "sample_payload": None,
    }


async def reference_fanout(payload: dict, spectators: int, updates: int) -> dict:
    port = free_port()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump([dict(payload, seq=i + 1) for i in range(updates)], fh, ensure_ascii=False)
        payload_path = fh.name
    proc = subprocess.Popen(
        [sys.executable, "-c", REFERENCE_SERVER, str(port), payload_path, "0.25", str(spectators)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "ready"
    recv = Receivers()
    ready = asyncio.Event()
    counter = [0]
    cpu0 = cpu_seconds(proc.pid)
    clients = [asyncio.create_task(recv.client(f"ws://127.0.0.1:{port}", ready, counter, spectators)) for _ in range(spectators)]
    await asyncio.wait_for(ready.wait(), 120)
    cpu_connected = cpu_seconds(proc.pid)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, proc.stdout.readline)  # "done"
    cpu = cpu_seconds(proc.pid) - cpu_connected
    for t in clients:
        t.cancel()
    await asyncio.gather(*clients, return_exceptions=True)
    proc.terminate()
    proc.wait(10)
    os.unlink(payload_path)
    seqs = sorted(s for s in recv.received if s in recv.sent_at)
    complete = [s for s in seqs if len(recv.received[s]) >= spectators]
    latencies = [max(recv.received[s]) - recv.sent_at[s] for s in complete]
    delivered = sum(len(recv.received[s]) for s in seqs)
    return {
        "updates": len(seqs),
        "delivered": delivered,
        "cpu_s": cpu,
        "cpu_per_delivered_us": cpu / max(delivered, 1) * 1e6,
        "p50_ms": pct(latencies, 50) * 1e3,
        "p99_ms": pct(latencies, 99) * 1e3,
        "connect_cpu_s": cpu_connected - cpu0,
    }


# ---------------------------------------------------------------------------------------- ingest


async def ingest(base_ws: str, skill_id: int, cookies: list[str], refs: list[str], seconds: float, pace: float = 0.0) -> dict:
    """``pace``: at least that many seconds between one judge's marks (0: as fast as acknowledged)."""
    aspects = [f"{c}1.{i}" for c in CRITERIA for i in range(1, ASPECTS_PER_CRITERION + 1)]
    panels = len(cookies) // 5
    latencies: list[float] = []
    acked: set[str] = set()
    errors: dict[str, int] = {}
    stop_at = time.perf_counter() + seconds

    async def judge(j: int, cookie: str) -> None:
        panel = j // 5
        mine = [refs[c] for c in range(len(refs)) if c % max(panels, 1) == panel] or [refs[panel % len(refs)]]
        slots = [(r, a) for r in mine for a in aspects]
        async with websockets.connect(f"{base_ws}/ws/judge", additional_headers={"Cookie": cookie}, close_timeout=2, ping_interval=None) as ws:
            await ws.recv()
            n = 0
            while time.perf_counter() < stop_at:
                ref, aspect = slots[n % len(slots)]
                op = f"in{j}x{n}"
                # A reason always: the slot may already hold this judge's mark (a correction).
                frame = {
                    "type": "mark",
                    "op_id": op,
                    "skill_id": skill_id,
                    "contestant": ref,
                    "aspect": aspect,
                    "value": str(n % 3),
                    "reason": "基准测试",
                }
                t = time.perf_counter()
                await ws.send(json.dumps(frame))
                while True:
                    f = json.loads(await ws.recv())
                    # A frame refused before it was read (rate_limited) is answered without its op_id.
                    if f.get("op_id") == op or (f.get("type") == "error" and "op_id" not in f):
                        break
                latencies.append(time.perf_counter() - t)
                if f["type"] == "ack":
                    acked.add(op)
                else:
                    errors[f["code"]] = errors.get(f["code"], 0) + 1
                n += 1
                if pace:
                    await asyncio.sleep(pace - (time.perf_counter() - t))

    t0 = time.perf_counter()
    await asyncio.gather(*(judge(j, c) for j, c in enumerate(cookies)))
    elapsed = time.perf_counter() - t0
    return {
        "acked": acked,
        "rate": len(acked) / elapsed,
        "p50_ms": pct(latencies, 50) * 1e3,
        "p99_ms": pct(latencies, 99) * 1e3,
        "errors": errors,
        "elapsed": elapsed,
    }


async def stored_ops(database_url: str, skill_id: int) -> list[str]:
    from kernel import db
    from marking.tables import Mark

    engine = db.engine_from_url(database_url)
    db.bind_engine(engine)
    await db.start(engine)
    try:
        return [r["op_id"] for r in await Mark.select(Mark.op_id).where(Mark.skill == skill_id)]
    finally:
        await db.stop(engine)


async def pg_database() -> str:
    import asyncpg

    name = f"bench_{secrets.token_hex(4)}"
    con = await asyncpg.connect(PG_ADMIN)
    await con.execute(f'CREATE DATABASE "{name}"')
    await con.close()
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


async def drop_pg(url: str) -> None:
    import asyncpg

    con = await asyncpg.connect(PG_ADMIN)
    await con.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    await con.close()


def run_with_server(database_url: str, judges: int, tmp: Path, name: str):
    info = asyncio.run(prepare(database_url, judges))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "COMPETITION_"))}
    env.update(
        COMPETITION_DATA_DIR=str(tmp),
        DATABASE_URL=database_url,
        COMPETITION_SECRET="bench-" + secrets.token_hex(8),
        COMPETITION_LOGIN_RATE="100000/minute",
        PYTHONPATH=str(ROOT),
    )
    if os.environ.get("COMPETITION_PROFILE_BATCHES"):
        env["COMPETITION_PROFILE_BATCHES"] = "1"
    proc = start_server(env, port, Path(tempfile.gettempdir()) / f"bench-live-{name}.log")
    return info, port, proc


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spectators", type=int, default=1000)
    ap.add_argument("--updates", type=int, default=200)
    ap.add_argument("--judges", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--skip-fanout", action="store_true")
    ap.add_argument("--skip-ingest", action="store_true")
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--py-spy", metavar="FILE", help="profile the server during SQLite ingest (needs py-spy); writes a speedscope file")
    ap.add_argument("--smoke", action="store_true", help="20 spectators, 8 updates, 10 judges, 2 s: the same path in seconds")
    args = ap.parse_args()
    # Smoke: at least 5 judges (the fan-out's marks come from five of them), and ingest paced at 25
    # marks/s a judge: 10 judges as fast as acks come back would each pass the server's flood limit
    # of 50 frames/s a socket (marking/live/ws.py), which the full run's 200 judges stay under.
    global CONTESTANTS
    pace = 0.0
    if args.smoke:
        args.spectators, args.updates, args.judges, args.seconds, pace = 20, 8, 10, 2.0, 1 / 25
        CONTESTANTS = 10
    verdicts: list[tuple[str, float, float, bool]] = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        db_url = f"sqlite:///{tmp / 'live.sqlite3'}"
        info, port, proc = run_with_server(db_url, args.judges, tmp, "sqlite")
        base_ws = f"ws://127.0.0.1:{port}"
        try:
            cookies = asyncio.run(login_all(f"http://127.0.0.1:{port}", info["codes"]))
            if not args.skip_fanout:
                ours = asyncio.run(fanout(base_ws, info["skill_id"], cookies, info["refs"], args.spectators, args.updates, proc.pid))
                snap = httpx.get(f"http://127.0.0.1:{port}/api/public/skills/{info['skill_id']}/board").json()
                ref = asyncio.run(reference_fanout(snap, args.spectators, ours["updates"] or args.updates))
                print(
                    f"fan-out ours: {ours['updates']} updates ({ours['complete_updates']} reached all {args.spectators}), {ours['delivered']} deliveries, "
                    f"CPU {ours['cpu_s']:.2f} s = {ours['cpu_per_delivered_us']:.1f} us/delivery, p50 {ours['p50_ms']:.1f} ms, p99 {ours['p99_ms']:.1f} ms, client errors {ours['errors']}"
                )
                print(
                    f"fan-out reference (bare websockets): {ref['updates']} updates, {ref['delivered']} deliveries, CPU {ref['cpu_s']:.2f} s = "
                    f"{ref['cpu_per_delivered_us']:.1f} us/delivery, p50 {ref['p50_ms']:.1f} ms, p99 {ref['p99_ms']:.1f} ms"
                )
                cpu_ratio = ours["cpu_per_delivered_us"] / max(ref["cpu_per_delivered_us"], 1e-9)
                p99_ratio = ours["p99_ms"] / max(ref["p99_ms"], 1e-9)
                print(f"fan-out ratios: CPU/update {cpu_ratio:.2f} (target 1.3), p99 {p99_ratio:.2f} (target 1.5)")
                verdicts.append(("fanout_cpu", cpu_ratio, 1.3, cpu_ratio <= 1.3))
                verdicts.append(("fanout_p99", p99_ratio, 1.5, p99_ratio <= 1.5))
            if not args.skip_ingest:
                spy = None
                if args.py_spy:
                    spy = subprocess.Popen(
                        ["py-spy", "record", "-p", str(proc.pid), "-d", str(int(args.seconds)), "-f", "speedscope", "-o", args.py_spy, "-r", "200"]
                        + (["--native"] if os.environ.get("BENCH_PYSPY_NATIVE") else ["--nonblocking"]),
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                cpu0, ccpu0, threads0 = cpu_seconds(proc.pid), time.process_time(), thread_cpu(proc.pid)
                res = run_client(ingest(base_ws, info["skill_id"], cookies, info["refs"], args.seconds, pace))
                res["server_cpu_us"] = (cpu_seconds(proc.pid) - cpu0) / max(len(res["acked"]), 1) * 1e6
                threads1 = thread_cpu(proc.pid)
                loop_s = threads1.get(proc.pid, 0) - threads0.get(proc.pid, 0)
                res["loop_cpu_us"] = loop_s / max(len(res["acked"]), 1) * 1e6
                res["client_cpu_us"] = (time.process_time() - ccpu0) / max(len(res["acked"]), 1) * 1e6
                if spy is not None:
                    spy.wait(60)
                ops = asyncio.run(stored_ops(db_url, info["skill_id"]))
                bench_ops = [o for o in ops if o.startswith("in")]
                assert len(bench_ops) == len(set(bench_ops)), "a mark was stored twice"
                lost = res["acked"] - set(bench_ops)
                assert not lost, f"{len(lost)} acknowledged marks are missing"
                print(
                    f"ingest SQLite: {res['rate']:.0f} marks/s committed ({len(res['acked'])} in {res['elapsed']:.1f} s), ack p50 {res['p50_ms']:.1f} ms, "
                    f"p99 {res['p99_ms']:.1f} ms, refusals {res['errors']}; stored = acknowledged, no duplicates; "
                    f"CPU per mark: server {res['server_cpu_us']:.0f} us (event loop thread {res['loop_cpu_us']:.0f}), load generator {res['client_cpu_us']:.0f} us"
                )
                verdicts.append(("ingest_sqlite", res["rate"], 1000, res["rate"] >= 1000 and res["p99_ms"] < 100))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(15)
        if not args.skip_ingest and not args.no_postgres:
            url = asyncio.run(pg_database())
            try:
                info, port, proc = run_with_server(url, args.judges, tmp, "pg")
                try:
                    cookies = asyncio.run(login_all(f"http://127.0.0.1:{port}", info["codes"]))
                    cpu0, ccpu0 = cpu_seconds(proc.pid), time.process_time()
                    res = run_client(ingest(f"ws://127.0.0.1:{port}", info["skill_id"], cookies, info["refs"], args.seconds, pace))
                    res["server_cpu_us"] = (cpu_seconds(proc.pid) - cpu0) / max(len(res["acked"]), 1) * 1e6
                    res["client_cpu_us"] = (time.process_time() - ccpu0) / max(len(res["acked"]), 1) * 1e6
                    ops = [o for o in asyncio.run(stored_ops(url, info["skill_id"])) if o.startswith("in")]
                    assert len(ops) == len(set(ops)), "a mark was stored twice"
                    assert not (res["acked"] - set(ops)), "acknowledged marks are missing"
                    print(
                        f"ingest PostgreSQL: {res['rate']:.0f} marks/s committed ({len(res['acked'])} in {res['elapsed']:.1f} s), ack p50 {res['p50_ms']:.1f} ms, "
                        f"p99 {res['p99_ms']:.1f} ms, refusals {res['errors']}; stored = acknowledged, no duplicates; "
                        f"CPU per mark: server {res['server_cpu_us']:.0f} us, load generator {res['client_cpu_us']:.0f} us"
                    )
                    verdicts.append(("ingest_postgres", res["rate"], 2000, res["rate"] >= 2000 and res["p99_ms"] < 100))
                finally:
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(15)
            finally:
                asyncio.run(drop_pg(url))
    for name, figure, target, ok in verdicts:
        print(f"  {name}: {figure:.2f} target {target} {'ok' if ok else 'short'}")
    all_ok = all(v[3] for v in verdicts)
    worst = next((v for v in verdicts if not v[3]), verdicts[0] if verdicts else ("none", 0, 0, True))
    print(f"RESULT live {worst[1]:.2f} target {worst[2]} {'ok' if all_ok else 'short'}")


if __name__ == "__main__":
    main()
