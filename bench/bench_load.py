"""Benchmark: a competition day in miniature on one machine.

One event, 60 skills of 20 contestants (a 50-aspect marking scheme each), 5 judges per skill:
300 judges' tablets send marks at a human pace with bursts — each tablet alternates bursts of
3-12 marks (0.1 s apart) with pauses, about 1.1 marks a second on average; half-way every tablet
sends a 10-mark burst at once (a module ends everywhere: 3,000 marks in a moment); 10% of the
tablets drop their socket once,
queue marks offline for 5 s, reconnect and flush, re-sending their last three acknowledged marks
too (lost acks). 3,000 spectators' sockets watch the boards (a skewed spread: a few popular
skills, a long tail; 10 of them are venue screens on the whole-event board) and 8 organisers
browse pages and the marks API. Run twice: the embedded default (SQLite, in-memory channels, one
worker) and PostgreSQL + Redis with two workers.

Measured: marks committed (acknowledged) per second within the scoring window; acknowledgement
p50/p99 (send → ack at the tablet) and board update p50/p99 (a mark's send → the first board frame
that includes it, at every spectator of its skill), both outside the module-end burst; how long
the burst takes to be acknowledged; spectators' connect time; organisers' page p50/p99 (slowest
pages named); errors of every kind; server and client CPU; the server processes' peak RSS.
Checked: every mark a tablet sent is stored exactly once, every acknowledgement names the stored
sequence number, nothing else is stored.

Target: 300 marks/s committed within the window — every one of the 300 judges entering a mark
every second, faster than people sustain, so the server is never what judges wait for — with ack
p99 ≤ 1 s (a tablet feels immediate), board update p99 ≤ 2 s (a board feels live), the 3,000-mark
burst acknowledged within 10 s, no errors, nothing lost or duplicated; on both configurations.

The client (3,300 sockets, one process) runs on the same machine as the server, the database and
Redis: figures are for the whole machine and move with whatever else runs on it.

    python bench/bench_load.py [--seconds 40] [--spectators 3000] [--skills 60] [--skip-sqlite] [--skip-postgres] [--smoke]
``--smoke``: the same day for 2 skills (10 judges, 2 dropping offline), 20 spectators, 3 s of scoring, the judges' pauses,
ramp-up and time offline at a fifth (seconds; the figures mean nothing, the checks still hold).
Last line: ``RESULT load <marks/s> target 300 ok|short`` (the lower of the two configurations).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import datetime as dt
import io
import json
import os
import random
import re
import resource
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# This checkout's packages ahead of an installed copy of the project, behind bench/ itself (which
# Python puts first for ``python bench/bench_x.py``; the benches are named bench_* so no file here
# shadows a package of the project or its dependencies).
if str(ROOT) not in sys.path:
    sys.path.insert(1, str(ROOT))
if str(BENCH) not in sys.path:  # imported from elsewhere, or run with python -P
    sys.path.insert(0, str(BENCH))

import bench_live as live  # noqa: E402  (scheme, logins, percentiles, PostgreSQL helpers)
import httpx  # noqa: E402
import websockets  # noqa: E402
from bench_import_registrations import CITIES, HEADERS  # noqa: E402

#: Services the default run uses besides SQLite (tests/bench/test_bench_smoke.py skips without them).
SERVICES = ("postgresql", "redis")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
TARGET_MARKS_S = 300
ACK_P99_MS = 1000
BOARD_P99_MS = 2000
BURST_DRAIN_S = 10
CONTESTANTS = 20
JUDGES_PER_SKILL = 5
EVENT_BOARDS = 10
ORGANISERS = 8
ASPECTS = [f"{c}1.{i}" for c in live.CRITERIA for i in range(1, live.ASPECTS_PER_CRITERION + 1)]
SEQ_RE = re.compile(rb'"seq":\s*(\d+)')
SKILL_RE = re.compile(rb'"skill_id":\s*(\d+)')


def raise_fd_limit(need: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(need, soft)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))  # the servers started below inherit it
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft < need:
        raise SystemExit(f"need {need} file descriptors, the hard limit allows {soft}: raise it (ulimit -Hn) and retry")
    return soft


# ---------------------------------------------------------------------------------------- setup


def workbook(skills: int, contestants: int) -> bytes:
    import openpyxl

    from scoring.idcard import make_id

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("报名表")
    ws.append(HEADERS)
    for i in range(skills * contestants):
        city, region = CITIES[i % len(CITIES)]
        born = dt.date(1975, 1, 1) + dt.timedelta(days=(i // 400) * 7)
        ws.append([f"选手{i:05d}", make_id(region, born, i % 400, "MF"[i % 3 == 0]), f"项目{i % skills:02d}", "职工组",
                   f"{city}某某制造有限公司{i % 7}", city, "高级工", f"CERT{i:08d}", f"138{i:08d}"])  # fmt: skip
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def prepare_day(database_url: str, skills: int, contestants: int, judges_per_skill: int) -> dict:
    """One event, ``skills`` skills with the bench scheme, contestants imported as one sheet,
    numbers drawn, judges assigned with login codes, and organisers with passwords."""
    from competition.auth import service as accounts
    from competition.dayof import anonymisation
    from competition.dayof.tables import EncryptedNumber
    from competition.events import service as events
    from competition.judges import service as judge_service
    from competition.registration import service as registration
    from kernel import audit, db
    from marking.live.controller import store_scheme

    engine = db.engine_from_url(database_url)
    db.bind_engine(engine)
    await db.start(engine)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # Piccolo's migration chatter
            await db.migrate()
        actor = audit.Actor(None, "bench")
        event = await events.create_event(
            {"name": "竞赛日负载测试", "code": "LOAD" + secrets.token_hex(3).upper(), "tier": "provincial", "tier_class": "class2"}, actor
        )
        eid = event["id"]
        await events.set_preset_overrides(eid, {"eligibility": {"school_check": "off"}}, actor)
        skill_ids = []
        for s in range(skills):
            skill = await events.create_skill(eid, {"name": f"项目{s:02d}", "groups": ["employee"]}, actor)
            skill_ids.append(skill["id"])
            await store_scheme(eid, skill["id"], live.scheme(), actor, None)
        status, body = await registration.import_sheet(eid, workbook(skills, contestants), "load.xlsx", "all", actor)
        if status != 200:
            raise SystemExit(f"import refused: {body.get('errors', [])[:3]}")
        out = {"event_id": eid, "skills": []}
        for sid in skill_ids:
            await anonymisation.generate_round(eid, sid, 1, actor)
            refs = [
                r["encrypted_no"]
                for r in await EncryptedNumber.select(EncryptedNumber.encrypted_no)
                .where(EncryptedNumber.skill == sid)
                .order_by(EncryptedNumber.contestant)
            ]
            codes = []
            for j in range(judges_per_skill):
                judge = await judge_service.create_judge(
                    eid, {"name": f"裁判{sid}-{j}", "delegation": f"裁判所在地{j}", "employer": f"裁判单位{sid}-{j}"}, actor
                )
                await judge_service.assign(eid, sid, judge["id"], "judge", [], actor)
                code, _ = await accounts.issue_login_code(judge["user"]["id"], hours=12, actor=actor, event_id=eid)
                codes.append(code)
            out["skills"].append({"id": sid, "refs": refs, "codes": codes})
        out["organisers"] = []
        for o in range(ORGANISERS):
            name, password = f"load-organiser-{o}-{secrets.token_hex(2)}", "load-password-2026"
            uid = await accounts.create_user(name, f"组织方{o}", password, home_event=eid)  # an account of the event
            await accounts.grant_role(uid, "organiser", eid, None)
            out["organisers"].append((name, password))
        return out
    finally:
        await db.stop(engine)


def start_server(env: dict, port: int, workers: int, log: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
        env=env,
        stdout=open(log, "w"),
        stderr=subprocess.STDOUT,
        cwd=env["COMPETITION_DATA_DIR"],
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    seen: set[int] = set()
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {log.read_text()[-2000:]}")
        try:
            r = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2)
            if r.status_code == 200:
                seen.add(r.json()["worker"])
                if len(seen) >= workers or workers == 1:
                    return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"server did not start: {log.read_text()[-2000:]}")


def process_tree_rss(pid: int) -> tuple[float, int]:
    """RSS (MiB) of a process and its children, and how many processes."""
    pids = [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()]
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024, len(pids)


# ---------------------------------------------------------------------------------------- clients


@dataclass
class Stats:
    sent_at: dict[str, float] = field(default_factory=dict)  # op → when it last went over the socket
    skill_of: dict[str, int] = field(default_factory=dict)
    acks: dict[str, dict] = field(default_factory=dict)
    ack_at: dict[str, float] = field(default_factory=dict)  # op → when its first ack arrived
    burst_ops: set[str] = field(default_factory=set)
    burst_start: float = 0.0
    duplicates: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


class Judge:
    def __init__(
        self,
        base_ws: str,
        cookie: str,
        skill: dict,
        index: int,
        stats: Stats,
        t0: float,
        seconds: float,
        rng: random.Random,
        drops: bool,
        pace: float = 1.0,
    ) -> None:
        """``pace`` scales the human timings (ramp-up, pauses, time offline): 1 for the full day."""
        self.url, self.cookie, self.skill, self.index, self.stats = f"{base_ws}/ws/judge", cookie, skill, index, stats
        self.t0, self.seconds, self.rng, self.drops, self.pace = t0, seconds, rng, drops, pace
        self.pending: dict[str, str] = {}
        self.texts: dict[str, str] = {}
        self.acked: list[str] = []
        self.n = 0
        self.ws = None
        self.reader: asyncio.Task | None = None
        refs = skill["refs"]
        self.slots = [(r, a) for r in refs for a in ASPECTS]
        rng.shuffle(self.slots)

    def frame(self) -> tuple[str, str]:
        ref, aspect = self.slots[self.n % len(self.slots)]
        op = f"L{self.skill['id']}j{self.index}n{self.n}"
        self.n += 1
        text = json.dumps(
            {
                "type": "mark",
                "op_id": op,
                "skill_id": self.skill["id"],
                "contestant": ref,
                "aspect": aspect,
                "value": str(self.n % 3),
                "reason": "负载测试",
            }
        )
        self.stats.skill_of[op] = self.skill["id"]
        return op, text

    async def connect(self) -> None:
        for attempt in range(10):
            try:
                self.ws = await websockets.connect(
                    self.url, additional_headers={"Cookie": self.cookie}, open_timeout=30, close_timeout=2, ping_interval=None, max_size=2**22
                )
                await self.ws.recv()  # welcome
                self.reader = asyncio.create_task(self.read(self.ws))
                return
            except (OSError, websockets.exceptions.WebSocketException, asyncio.TimeoutError):
                self.stats.error("judge_connect_retry")
                await asyncio.sleep(0.2 * (attempt + 1))
        raise RuntimeError("a judge could not connect")

    async def read(self, ws) -> None:
        try:
            async for raw in ws:
                now = time.perf_counter()
                f = json.loads(raw)
                op = f.get("op_id")
                if f.get("type") == "ack":
                    self.pending.pop(op, None)
                    if f.get("duplicate"):
                        self.stats.duplicates += 1
                    first = self.stats.acks.get(op)
                    if first is not None:  # the answer to a re-send: must name the same seq
                        if first["seq"] != f["seq"]:
                            self.stats.error("resend_seq_mismatch")
                        continue
                    self.stats.acks[op] = f
                    self.stats.ack_at[op] = now
                    self.acked.append(op)
                elif f.get("type") == "error":
                    self.stats.error(f"mark_{f.get('code')}")
                    if f.get("code") in ("unavailable", "internal", "rate_limited") and op in self.pending:
                        asyncio.get_running_loop().call_later(0.5, lambda o=op: asyncio.ensure_future(self.send(o)))
                    else:
                        self.pending.pop(op, None)
        except websockets.exceptions.ConnectionClosed:
            pass

    async def send(self, op: str) -> None:
        if self.ws is None or op not in self.pending:
            return
        self.stats.sent_at[op] = time.perf_counter()
        try:
            await self.ws.send(self.pending[op])
        except websockets.exceptions.ConnectionClosed:
            pass

    async def enter(self, burst: bool = False) -> str:
        """The judge taps one mark: sent now, or queued while offline."""
        op, text = self.frame()
        if burst:
            self.stats.burst_ops.add(op)
        self.pending[op] = self.texts[op] = text
        self.stats.sent_at.setdefault(op, time.perf_counter())
        await self.send(op)
        return op

    async def run(self, burst_at: float) -> None:
        rng, p = self.rng, self.pace
        end = self.t0 + self.seconds
        burst = asyncio.create_task(self.burst(self.t0 + burst_at))
        await asyncio.sleep(rng.uniform(0, 8 * p))  # judges start over the first seconds, not all at once
        drop_at = None
        if self.drops:  # once, away from the burst (a tablet offline then would only delay its own burst marks)
            drop_at = self.t0 + rng.choice([rng.uniform(5 * p, burst_at - 7 * p), rng.uniform(burst_at + 2 * p, self.seconds - 8 * p)])
        while time.perf_counter() < end:
            if drop_at and time.perf_counter() >= drop_at:
                drop_at = None
                await self.offline(5.0 * p)
                continue
            k = rng.randint(3, 12)
            for _ in range(k):
                await self.enter()
                await asyncio.sleep(0.1)
            await asyncio.sleep(k * 0.8 * rng.uniform(0.7, 1.3) * p)  # about 1.1 marks a second on average
        await burst

    async def burst(self, at: float) -> None:
        """A module ends everywhere: every tablet sends ten marks at the same moment."""
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        self.stats.burst_start = self.stats.burst_start or time.perf_counter()
        for _ in range(10):
            await self.enter(burst=True)

    async def offline(self, seconds: float) -> None:
        """The tablet loses the network: marks queue, then it reconnects and flushes them, and
        re-sends its last three acknowledged marks (their acks were lost)."""
        ws, self.ws = self.ws, None
        await ws.close()
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            await self.enter()
            await asyncio.sleep(0.5)
        await self.connect()
        for op in self.acked[-3:]:
            self.pending[op] = self.texts[op]  # answered again, as a duplicate with the same seq
        for op in list(self.pending):
            await self.send(op)
            await asyncio.sleep(0.02)  # the tablet's flush pace

    async def finish(self, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while self.pending and time.perf_counter() < deadline:
            for op in list(self.pending):  # like the tablet: re-send what stays unanswered
                if time.perf_counter() - self.stats.sent_at[op] > 5:
                    await self.send(op)
            await asyncio.sleep(0.2)
        if self.pending:
            self.stats.error("never_acknowledged")
        if self.ws is not None:
            await self.ws.close()
        if self.reader:
            await asyncio.gather(self.reader, return_exceptions=True)


class Spectators:
    """Every spectator socket: (receive time, seq) of each board frame, per skill watched."""

    def __init__(self) -> None:
        self.frames: dict[int, list[tuple[int, list[float], list[int]]]] = {}  # skill → [(socket, times, seqs)]
        self.connect_ms: list[float] = []
        self.errors: dict[str, int] = {}
        self.received = 0
        self.bytes = 0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    async def watch(self, url: str, skills: list[int], gate: asyncio.Semaphore, stop: asyncio.Event, ident: int) -> None:
        per_skill = {s: ([], []) for s in skills}
        for s, (times, seqs) in per_skill.items():
            self.frames.setdefault(s, []).append((ident, times, seqs))
        single = skills[0] if len(skills) == 1 else None
        async with gate:
            t = time.perf_counter()
            try:
                ws = await websockets.connect(url, open_timeout=60, close_timeout=1, ping_interval=None, max_size=2**24)
            except (OSError, websockets.exceptions.WebSocketException, asyncio.TimeoutError):
                self.error("spectator_connect")
                return
            self.connect_ms.append((time.perf_counter() - t) * 1e3)
        try:
            while not stop.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(decode=False), 1.0)
                except asyncio.TimeoutError:
                    continue
                now = time.perf_counter()
                self.received += 1
                self.bytes += len(raw)
                m = SEQ_RE.search(raw, 0, 400)
                if not m:
                    continue
                skill = single if single is not None else int(SKILL_RE.search(raw, 0, 400).group(1))
                times, seqs = per_skill[skill]
                seq = int(m.group(1))
                if not seqs or seq > seqs[-1]:
                    times.append(now)
                    seqs.append(seq)
        except websockets.exceptions.ConnectionClosed:
            if not stop.is_set():
                self.error("spectator_dropped")
        finally:
            await ws.close()


async def organiser(
    base: str,
    name: str,
    password: str,
    eid: int,
    skills: list[dict],
    stop: asyncio.Event,
    latencies: list[float],
    errors: dict[str, int],
    rng: random.Random,
    by_page: dict[str, list[float]],
    with_results: bool,
) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        await c.get("/login")
        r = await c.post("/auth/login", json={"username": name, "password": password}, headers={"X-CSRFToken": c.cookies.get("csrftoken") or ""})
        if r.status_code != 200:
            errors["organiser_login"] = errors.get("organiser_login", 0) + 1
            return
        while not stop.is_set():
            s = rng.choice(skills)
            pages = [
                f"/events/{eid}", f"/events/{eid}/skills/{s['id']}/console", f"/board/{s['id']}",
                f"/api/events/{eid}/skills/{s['id']}/marks?contestant={rng.choice(s['refs'])}", f"/api/public/skills/{s['id']}/board",
            ]  # fmt: skip
            if with_results:
                pages.append(f"/events/{eid}/results")
            path = rng.choice(pages)
            t = time.perf_counter()
            try:
                r = await c.get(path, headers={"Accept": "text/html" if not path.startswith("/api") else "application/json"})
                latencies.append((time.perf_counter() - t) * 1e3)
                by_page.setdefault(re.sub(r"\d+", "N", path.split("?")[0]), []).append(latencies[-1])
                if r.status_code >= 400:
                    key = f"page_{r.status_code}"
                    errors[key] = errors.get(key, 0) + 1
            except httpx.HTTPError:
                errors["page_transport"] = errors.get("page_transport", 0) + 1
            await asyncio.sleep(rng.uniform(0.5, 1.5))


def spectator_spread(skills: list[int], n: int, rng: random.Random) -> list[int]:
    """A skewed spread: skill i gets weight 1/(i+1)^0.8 (a few popular skills, a long tail), at least 5 each."""
    weights = [1 / (i + 1) ** 0.8 for i in range(len(skills))]
    base = [5] * len(skills)
    left = n - sum(base)
    total = sum(weights)
    counts = [b + int(left * w / total) for b, w in zip(base, weights)]
    counts[0] += n - sum(counts)
    order = list(skills)
    rng.shuffle(order)
    return [s for s, k in zip(order, counts) for _ in range(k)]


# ---------------------------------------------------------------------------------------- one run


async def day(port: int, info: dict, args, server_pid: int) -> dict:
    base, base_ws = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
    rng = random.Random(2026)
    skills = info["skills"]
    eid = info["event_id"]
    stats = Stats()
    spect = Spectators()
    stop = asyncio.Event()
    rss_peak = [0.0, 0]

    async def sample_rss() -> None:
        while not stop.is_set():
            rss, procs = process_tree_rss(server_pid)
            if rss > rss_peak[0]:
                rss_peak[0], rss_peak[1] = rss, procs
            await asyncio.sleep(1.0)

    rss_task = asyncio.create_task(sample_rss())
    lag_ms: list[float] = []
    health_ms: list[float] = []
    health_times: list[tuple[float, float]] = []

    async def client_lag() -> None:  # is the client keeping up? (its own event loop's lateness)
        while not stop.is_set():
            t = time.perf_counter()
            await asyncio.sleep(0.05)
            lag_ms.append((time.perf_counter() - t - 0.05) * 1e3)

    async def server_health() -> None:  # how quickly a worker answers a trivial request, all along
        async with httpx.AsyncClient(base_url=base, timeout=30) as c:
            while not stop.is_set():
                t = time.perf_counter()
                try:
                    await c.get("/health")
                    health_ms.append((time.perf_counter() - t) * 1e3)
                    health_times.append((t, health_ms[-1]))
                except httpx.HTTPError:
                    spect.error("health_probe")
                await asyncio.sleep(0.25)

    probes = [asyncio.create_task(client_lag()), asyncio.create_task(server_health())]
    cpu_server0, cpu_client0, wall0 = live.cpu_seconds(server_pid), time.process_time(), time.perf_counter()
    # Spectators first (a day's boards are open before scoring starts).
    t = time.perf_counter()
    gate = asyncio.Semaphore(200)
    spread = spectator_spread([s["id"] for s in skills], args.spectators - EVENT_BOARDS, rng)
    tasks = [asyncio.create_task(spect.watch(f"{base_ws}/ws/board/{sid}", [sid], gate, stop, i)) for i, sid in enumerate(spread)]
    tasks += [
        asyncio.create_task(spect.watch(f"{base_ws}/ws/board/event/{eid}", [s["id"] for s in skills], gate, stop, len(spread) + i))
        for i in range(EVENT_BOARDS)
    ]
    while len(spect.connect_ms) + sum(spect.errors.values()) < len(tasks):
        await asyncio.sleep(0.1)
    connect_s = time.perf_counter() - t
    # Tablets: log in with their codes (bench/bench_live.py), connect.
    codes = [(s, j, c) for s in skills for j, c in enumerate(s["codes"])]
    cookies = await live.login_all(base, [c for _, _, c in codes])
    t0 = time.perf_counter() + 2
    judges = [
        Judge(base_ws, cookie, s, j, stats, t0, args.seconds, random.Random(hash((s["id"], j))), drops=(k % 10 == 3), pace=args.pace)
        for k, ((s, j, _), cookie) in enumerate(zip(codes, cookies))
    ]
    await asyncio.gather(*(j.connect() for j in judges))
    org_lat: list[float] = []
    org_err: dict[str, int] = {}
    org_pages: dict[str, list[float]] = {}
    orgs = [
        asyncio.create_task(organiser(base, n, p, eid, skills, stop, org_lat, org_err, random.Random(i), org_pages, not args.without_results_hub))
        for i, (n, p) in enumerate(info["organisers"])
    ]
    await asyncio.sleep(max(0.0, t0 - time.perf_counter()))
    await asyncio.gather(*(j.run(args.seconds / 2) for j in judges))
    await asyncio.gather(*(j.finish(30) for j in judges))
    await asyncio.sleep(2.5)  # the last board refreshes
    cpu = {"server": live.cpu_seconds(server_pid) - cpu_server0, "client": time.process_time() - cpu_client0, "wall": time.perf_counter() - wall0}
    stop.set()
    await asyncio.gather(*tasks, *orgs, rss_task, *probes, return_exceptions=True)

    # Board update latency: for each mark, each spectator of its skill, the first frame that includes it.
    marks_by_skill: dict[int, list[tuple[float, int]]] = {}
    for op, ack in stats.acks.items():
        marks_by_skill.setdefault(stats.skill_of[op], []).append((stats.sent_at[op], ack["seq"]))
    board_ms: list[float] = []
    board_sent: list[float] = []
    missed = 0
    for sid, marks in marks_by_skill.items():
        for _, times, seqs in spect.frames.get(sid, []):
            for sent, seq in marks:
                i = bisect.bisect_left(seqs, seq)
                if i == len(seqs):
                    missed += 1
                else:
                    board_ms.append((times[i] - sent) * 1e3)
                    board_sent.append(sent)
    committed = len(stats.acks)
    window = t0 + args.seconds
    in_window = sum(1 for at in stats.ack_at.values() if at <= window)
    burst_acks = [stats.ack_at[o] for o in stats.burst_ops if o in stats.ack_at]
    burst_drain = (max(burst_acks) - stats.burst_start) if burst_acks else float("nan")
    burst_end = stats.burst_start + (burst_drain if burst_drain == burst_drain else 0)
    steady = lambda sent: not (stats.burst_start <= sent <= burst_end)  # noqa: E731
    ack_ms = [(stats.ack_at[o] - stats.sent_at[o]) * 1e3 for o in stats.acks if steady(stats.sent_at[o])]
    board_steady = [ms for ms, sent in zip(board_ms, board_sent) if steady(sent)]
    return {
        "marks_per_s": in_window / args.seconds,
        "committed": committed,
        "duplicates_answered": stats.duplicates,
        "ack_p50": live.pct(ack_ms, 50),
        "ack_p99": live.pct(ack_ms, 99),
        "burst_marks": len(stats.burst_ops),
        "burst_drain_s": burst_drain,
        "board_p50": live.pct(board_steady, 50),
        "board_p99": live.pct(board_steady, 99),
        "board_all_p99": live.pct(board_ms, 99),
        "board_missed": missed,
        "board_pairs": len(board_ms),
        "spectators": len(spect.connect_ms),
        "connect_s": connect_s,
        "connect_p99": live.pct(spect.connect_ms, 99),
        "frames": spect.received,
        "frame_mb": spect.bytes / 2**20,
        "pages": len(org_lat),
        "page_p50": live.pct(org_lat, 50),
        "page_p99": live.pct(org_lat, 99),
        "errors": {**stats.errors, **spect.errors, **org_err},
        "rss_mb": rss_peak[0],
        "processes": rss_peak[1],
        "cpu": cpu,
        "timeline": timeline(stats, t0, args.seconds, health_times),
        "client_lag_p99": live.pct(lag_ms, 99),
        "health_p50": live.pct(health_ms, 50),
        "health_p99": live.pct(health_ms, 99),
        "slowest_pages": sorted(org_pages.items(), key=lambda kv: -live.pct(kv[1], 99))[:3],
        "sent": dict(stats.sent_at),
        "acks": stats.acks,
    }


async def stored(database_url: str) -> list[tuple[str, int]]:
    if database_url.startswith("sqlite:"):
        from kernel.settings import sqlite_path

        con = sqlite3.connect(sqlite_path(database_url))
        try:
            return con.execute("SELECT op_id, seq FROM mark WHERE op_id LIKE 'L%'").fetchall()
        finally:
            con.close()
    import asyncpg

    con = await asyncpg.connect(database_url)
    try:
        return [(r["op_id"], r["seq"]) for r in await con.fetch("SELECT op_id, seq FROM mark WHERE op_id LIKE 'L%'")]
    finally:
        await con.close()


def check_stored(rows: list[tuple[str, int]], result: dict) -> list[str]:
    problems = []
    ops = [r[0] for r in rows]
    if len(ops) != len(set(ops)):
        problems.append(f"{len(ops) - len(set(ops))} mark(s) stored twice")
    by_op = dict(rows)
    sent = set(result["sent"])
    if set(by_op) - sent:
        problems.append(f"{len(set(by_op) - sent)} stored mark(s) nobody sent")
    if sent - set(by_op):
        problems.append(f"{len(sent - set(by_op))} sent mark(s) never stored")
    wrong = [op for op, a in result["acks"].items() if by_op.get(op) != a["seq"]]
    if wrong:
        problems.append(f"{len(wrong)} acknowledgement(s) name a seq that is not the stored one")
    return problems


def run_config(name: str, database_url: str, redis_url: str | None, workers: int, args, tmp: Path) -> dict:
    t = time.perf_counter()
    info = asyncio.run(prepare_day(database_url, args.skills, CONTESTANTS, JUDGES_PER_SKILL))
    setup_s = time.perf_counter() - t
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "COMPETITION_"))}
    env.update(COMPETITION_DATA_DIR=str(tmp), DATABASE_URL=database_url, COMPETITION_SECRET="load-" + secrets.token_hex(8),
               COMPETITION_LOGIN_RATE="100000/minute", PYTHONPATH=str(ROOT), COMPETITION_REDIS_PREFIX="load-" + secrets.token_hex(4))  # fmt: skip
    if redis_url:
        env["REDIS_URL"] = redis_url
    port = live.free_port()
    proc = start_server(env, port, workers, tmp / f"{name}.log")
    try:
        idle_rss, _ = process_tree_rss(proc.pid)
        res = asyncio.run(day(port, info, args, proc.pid))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    res["problems"] = check_stored(asyncio.run(stored(database_url)), res)
    res["setup_s"], res["idle_rss_mb"], res["seconds"], res["show_timeline"] = setup_s, idle_rss, args.seconds, args.timeline
    log = (tmp / f"{name}.log").read_text(errors="replace")
    res["server_errors"] = log.count("ERROR")
    return res


def timeline(stats: Stats, t0: float, seconds: float, health: list[tuple[float, float]], step: float = 5.0) -> list[str]:
    """Per 5 s of the scoring window: marks sent, ack p99, /health p99 — where the slow moments are."""
    out = []
    for start in range(0, int(seconds + 10), int(step)):
        lo, hi = t0 + start, t0 + start + step
        acks = [(stats.ack_at[o] - stats.sent_at[o]) * 1e3 for o in stats.acks if lo <= stats.sent_at[o] < hi]
        hs = [ms for t, ms in health if lo <= t < hi]
        if acks or hs:
            out.append(
                f"{start:>3}-{start + int(step)} s: {len(acks):>5} marks, ack p99 {live.pct(acks, 99):>5.0f} ms, /health p99 {live.pct(hs, 99):>5.0f} ms"
            )
    return out


def report(name: str, r: dict) -> bool:
    errors = sum(r["errors"].values()) + r["server_errors"] + r["board_missed"]
    ok = (r["marks_per_s"] >= TARGET_MARKS_S and r["ack_p99"] <= ACK_P99_MS and r["board_p99"] <= BOARD_P99_MS and r["burst_drain_s"] <= BURST_DRAIN_S
          and not errors and not r["problems"])  # fmt: skip
    print(
        f"{name}: {r['marks_per_s']:.0f} marks/s committed in the {r['seconds']:.0f} s window ({r['committed']} in all, "
        f"{r['duplicates_answered']} re-sends answered as duplicates); ack p50 {r['ack_p50']:.0f} ms p99 {r['ack_p99']:.0f} ms; "
        f"board update p50 {r['board_p50']:.0f} ms p99 {r['board_p99']:.0f} ms over {r['board_pairs']} mark×spectator pairs "
        f"({r['board_missed']} never shown); the module-end burst of {r['burst_marks']} marks acknowledged in {r['burst_drain_s']:.1f} s "
        f"(board p99 with the burst {r['board_all_p99']:.0f} ms)"
    )
    print(
        f"  {r['spectators']} spectators connected in {r['connect_s']:.1f} s (connect p99 {r['connect_p99']:.0f} ms), {r['frames']} board frames "
        f"({r['frame_mb']:.0f} MiB); organisers {r['pages']} pages, p50 {r['page_p50']:.0f} ms p99 {r['page_p99']:.0f} ms"
    )
    c = r["cpu"]
    print(
        f"  CPU during the day ({c['wall']:.0f} s): server {c['server']:.0f} s ({c['server'] / c['wall']:.0%} of a core), client {c['client']:.0f} s ({c['client'] / c['wall']:.0%}); "
        f"client loop lag p99 {r['client_lag_p99']:.0f} ms; /health p50 {r['health_p50']:.0f} ms p99 {r['health_p99']:.0f} ms; "
        f"slowest pages p99: " + ", ".join(f"{k} {live.pct(v, 99):.0f} ms" for k, v in r["slowest_pages"])
    )
    if r.get("show_timeline"):
        print("  " + "\n  ".join(r["timeline"]))
    print(
        f"  server RSS {r['idle_rss_mb']:.0f} MiB idle → {r['rss_mb']:.0f} MiB peak over {r['processes']} process(es); setup {r['setup_s']:.0f} s; "
        f"errors {r['errors'] or 'none'}, server log errors {r['server_errors']}; stored marks: {'; '.join(r['problems']) or 'every sent mark once, acks match'}"
    )
    return ok


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=40)
    ap.add_argument("--spectators", type=int, default=3000)
    ap.add_argument("--skills", type=int, default=60)
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--timeline", action="store_true", help="ack and /health p99 per 5 s of the day")
    ap.add_argument("--without-results-hub", action="store_true", help="organisers skip /events/{id}/results (it recomputes every skill per view)")
    ap.add_argument("--smoke", action="store_true", help="2 skills, 20 spectators, 3 s, human timings at a fifth: the same day in seconds")
    args = ap.parse_args()
    args.pace = 1.0
    if args.smoke:  # 10 judges (2 drop offline); 20 spectators: the 10 event boards and 5 a skill at least
        args.skills, args.spectators, args.seconds, args.pace = 2, 20, 3.0, 0.2
    judges = args.skills * JUDGES_PER_SKILL
    limit = raise_fd_limit(2 * (args.spectators + judges) + 500)  # client and server ends on one machine
    print(
        f"load: {args.skills} skills × {CONTESTANTS} contestants, {judges} judges, {args.spectators} spectators, {ORGANISERS} organisers, "
        f"{args.seconds:.0f} s of scoring; open files limit {limit}; {os.cpu_count()} CPUs shared by client, server, database and Redis",
        flush=True,
    )
    verdicts: list[tuple[str, float, bool]] = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        if not args.skip_sqlite:
            r = run_config("sqlite", f"sqlite:///{tmp / 'load.sqlite3'}", None, 1, args, tmp)
            verdicts.append(("sqlite", r["marks_per_s"], report("SQLite + memory channels, 1 worker", r)))
        if not args.skip_postgres:
            url = asyncio.run(live.pg_database())
            try:
                r = run_config("postgres", url, REDIS_URL, 2, args, tmp)
                verdicts.append(("postgres", r["marks_per_s"], report("PostgreSQL + Redis, 2 workers", r)))
            finally:
                asyncio.run(live.drop_pg(url))
    for name, rate, ok in verdicts:
        print(f"  {name}: {rate:.0f} marks/s target {TARGET_MARKS_S} {'ok' if ok else 'short'}")
    worst = min(verdicts, key=lambda v: v[1])
    print(f"RESULT load {worst[1]:.0f} target {TARGET_MARKS_S} {'ok' if all(v[2] for v in verdicts) else 'short'}")


if __name__ == "__main__":
    main()
