"""Benchmark: phones polling the public feeds through nginx, with and without its cache.

A national final's boards and results draw far more phones than one server holds sockets for; the
public feeds (``/api/public/...`` boards and results; kernel/http_cache.py) are cacheable, and the
shipped ``deploy/nginx.conf`` answers them from its cache. This bench runs the demo event with its
simulated judges (boards change every few seconds) behind Debian's nginx with the shipped
configuration, and simulated phones each polling one feed every 2 s the way ``static/board.js``
polls (``If-None-Match`` with the ETag it last saw), twice for the same time:

- **cached**: ``deploy/nginx.conf`` as shipped;
- **reference**: the same file without its public-feed cache location (every poll reaches the app).

Measured per run: polls answered per second (and how many phones that is), the requests that
reached the app (nginx's access log, ``up=`` set) per second, the app's CPU (its process tree, from
/proc), poll latency p50/p99, 200s and 304s. Checked: every answer is a 200 with a JSON feed or a
304 to a poll that named an ETag, and no phone sees a board go back (its ``seq`` never decreases).

Target: with the cache the app's cost is a constant — requests reaching it ≤ 1.5 × feeds / max-age
per second, whatever the number of phones — while every phone is served (≥ 90 % of the polls the
phones were due to send: phones / 2 s × the seconds).

The phones (``--clients`` processes, raw HTTP/1.1 keep-alive connections), nginx and the server share
this machine: the polls per second are what the machine sustains, not the server alone.

    python bench/bench_public.py [--phones 20000] [--seconds 20] [--connections 400] [--clients 2] [--smoke]
``--smoke``: 200 phones for 3 s (the figures mean nothing; the checks still hold).
Last line: ``RESULT public_feeds <app requests/s with the cache> target <ceiling> ok|short``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(1, str(ROOT))

import httpx  # noqa: E402

SERVICES = ()
POLL_S = 2.0
SEQ = re.compile(rb'"seq":(\d+)')
MAX_AGE = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_binary() -> str:
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise SystemExit("nginx is not installed (Debian: apt-get install nginx; ./dev install does it)")


PUBLIC_LOCATION = re.compile(r"\n    # The public JSON feeds:.*?\n    }\n", re.S)


def nginx_conf(tmp: Path, port: int, upstream_port: int, *, cache: bool) -> Path:
    """deploy/nginx.conf around a main nginx.conf, its paths moved into ``tmp`` (as the ops tests do);
    ``cache=False`` removes the public feeds' cache location."""
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    for old, new in [
        ("\n    listen 80;", f"\n    listen 127.0.0.1:{port} backlog=4096;"),
        ("\n    listen [::]:80;\n", "\n"),
        ("/var/log/nginx/competition.access.log", str(tmp / "access.log")),
        ("/var/log/nginx/competition.error.log", str(tmp / "error.log")),
        ("/var/cache/nginx/competition ", f"{tmp}/cache "),
    ]:
        if old not in site:
            raise SystemExit(f"deploy/nginx.conf no longer contains {old!r}")
        site = site.replace(old, new, 1)
    if not cache:
        site, n = PUBLIC_LOCATION.subn("\n", site)
        if n != 1:
            raise SystemExit("deploy/nginx.conf: the public feeds' location was not found")
    (tmp / "site.conf").write_text(site)
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = tmp / "nginx.conf"
    main.write_text(f"""{user}worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
worker_rlimit_nofile 16384;
events {{ worker_connections 8192; }}
http {{
    include /etc/nginx/mime.types;
    log_subrequest on;  # the cache's background updates reach the app too: count them
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream competition_app {{ server 127.0.0.1:{upstream_port}; keepalive 64; }}
    include {tmp}/site.conf;
}}
""")
    return main


def start_server(data: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "COMPETITION_DATA_DIR": str(data),
        "COMPETITION_PASSWORD_HASHING": "test",
        "COMPETITION_MIN_WINDOW_HOURS": "0.001",
        "COMPETITION_PUBLIC_MAX_AGE": str(MAX_AGE),
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    log = open(data / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--demo", "--simulate", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=data, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {(data / 'server.log').read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (alive ones), in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()]
    total = 0.0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


class Stats:
    def __init__(self) -> None:
        self.due = 0
        self.sent = 0
        self.ok = 0
        self.not_modified = 0
        self.errors: list[str] = []
        self.latencies: list[float] = []
        self.went_back = 0


async def connection(port: int, phones: list[tuple[str, dict]], stop_at: float, interval: float, stats: Stats) -> None:
    """One keep-alive connection carrying ``phones`` (each a feed and its memory: ETag, last seq),
    one poll every ``interval`` seconds, round robin."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**20)
    nxt = time.monotonic() + random.random() * interval
    i = random.randrange(len(phones))
    try:
        while True:
            now = time.monotonic()
            if nxt > now:
                await asyncio.sleep(nxt - now)
            if time.monotonic() >= stop_at:
                return
            nxt += interval
            path, memory = phones[i % len(phones)]
            i += 1
            etag = memory.get("etag")
            head = f"GET {path} HTTP/1.1\r\nHost: bench\r\nAccept: application/json\r\n"
            if etag:
                head += f"If-None-Match: {etag}\r\n"
            t0 = time.monotonic()
            writer.write((head + "\r\n").encode())
            stats.sent += 1
            raw = await reader.readuntil(b"\r\n\r\n")
            lines = raw.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            body = await reader.readexactly(int(headers.get("content-length", "0"))) if status != 304 else b""
            stats.latencies.append(time.monotonic() - t0)
            if status == 304:
                if not etag:
                    stats.errors.append("304 to a poll without an ETag")
                stats.not_modified += 1
            elif status == 200:
                # A board's seq (an event's board: every skill's seq added up), read without decoding
                # the whole feed (the client is what limits this machine); every 20th is decoded.
                seq = sum(int(m) for m in SEQ.findall(body)) if path.endswith("/board") else 0
                if stats.ok % 20 == 0:
                    feed = json.loads(body)
                    if path.endswith("/board") and seq != (feed["seq"] if "seq" in feed else sum(s["seq"] for s in feed["skills"])):
                        stats.errors.append(f"seq read wrong in {path}")
                if seq < memory.get("seq", -1):
                    stats.went_back += 1
                memory["seq"] = seq
                memory["etag"] = headers.get("etag")
                stats.ok += 1
            else:
                stats.errors.append(f"{status} {path}")
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        stats.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        writer.close()


async def poll(port: int, feeds: list[str], phones: int, connections: int, seconds: float) -> Stats:
    stats = Stats()
    connections = min(connections, phones)
    per = [phones // connections + (1 if c < phones % connections else 0) for c in range(connections)]
    stop_at = time.monotonic() + seconds
    tasks = []
    for n in per:
        group = [(random.choice(feeds), {}) for _ in range(n)]
        tasks.append(connection(port, group, stop_at, POLL_S / n, stats))
    await asyncio.gather(*tasks)
    return stats


def poll_in_process(job: tuple[int, list[str], int, int, float, int]) -> dict:
    port, feeds, phones, connections, seconds, seed = job
    random.seed(seed)
    stats = asyncio.run(poll(port, feeds, phones, connections, seconds))
    return {k: getattr(stats, k) for k in ("due", "sent", "ok", "not_modified", "errors", "latencies", "went_back")}


def poll_all(port: int, feeds: list[str], phones: int, connections: int, seconds: float, processes: int) -> Stats:
    """The phones split over ``processes`` client processes (one asyncio loop each), merged."""
    jobs = [
        (port, feeds, phones // processes + (1 if p < phones % processes else 0), max(1, connections // processes), seconds, p)
        for p in range(processes)
    ]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        parts = pool.map(poll_in_process, jobs)
    total = Stats()
    for part in parts:
        for k, v in part.items():
            setattr(total, k, getattr(total, k) + v)
    return total


def upstream_requests(log: Path, offset: int) -> tuple[int, int]:
    """(requests that reached the app, all requests) logged after ``offset``."""
    with open(log, "rb") as fh:
        fh.seek(offset)
        lines = fh.read().decode("utf-8", "replace").splitlines()
    reached = sum(1 for line in lines if " up=127.0.0.1:" in line)
    return reached, len(lines)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def run(cache: bool, app_port: int, server_pid: int, feeds: list[str], args, tmp: Path) -> dict:
    port = free_port()
    work = tmp / ("cached" if cache else "reference")
    work.mkdir()
    conf = nginx_conf(work, port, app_port, cache=cache)
    proxy = subprocess.Popen([nginx_binary(), "-c", str(conf), "-p", str(work), "-g", "daemon off;"], stderr=open(work / "nginx.out", "w"))
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        # Warm up (phones arriving), then measure.
        poll_all(port, feeds, min(args.phones, 500), min(args.connections, 50), 1.0, 1)
        offset = (work / "access.log").stat().st_size
        cpu0, ngx0, t0 = cpu_seconds(server_pid), cpu_seconds(proxy.pid), time.monotonic()
        stats = poll_all(port, feeds, args.phones, args.connections, args.seconds, args.clients)
        elapsed = time.monotonic() - t0
        cpu = (cpu_seconds(server_pid) - cpu0) / elapsed
        nginx_cpu = (cpu_seconds(proxy.pid) - ngx0) / elapsed
        time.sleep(0.5)  # nginx writes its log lines after the answers
        reached, logged = upstream_requests(work / "access.log", offset)
    finally:
        proxy.send_signal(signal.SIGQUIT)
        try:
            proxy.wait(10)
        except subprocess.TimeoutExpired:
            proxy.kill()
    answered = stats.ok + stats.not_modified
    return {
        "name": "cached" if cache else "reference (no cache)",
        "answered_per_s": answered / elapsed,
        "phones_served": answered / elapsed * POLL_S,
        "due": int(args.phones / POLL_S * args.seconds),
        "answered": answered,
        "ok": stats.ok,
        "not_modified": stats.not_modified,
        "reached_per_s": reached / elapsed,
        "logged": logged,
        "server_cpu": cpu,
        "nginx_cpu": nginx_cpu,
        "p50_ms": pct(stats.latencies, 50) * 1000,
        "p99_ms": pct(stats.latencies, 99) * 1000,
        "errors": stats.errors,
        "went_back": stats.went_back,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--phones", type=int, default=20000)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--connections", type=int, default=400)
    ap.add_argument("--clients", type=int, default=2, help="client processes")
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args()
    if args.smoke:
        args.phones, args.seconds, args.connections, args.clients = 200, 3, 20, 1
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 16384)), hard))
    tmp = Path(tempfile.mkdtemp(prefix="bench-public-"))
    app_port = free_port()
    server = start_server(tmp, app_port)
    try:
        event = httpx.get(f"http://127.0.0.1:{app_port}/api/public/events/1/board", timeout=10).json()
        feeds = [f"/api/public/skills/{s['skill_id']}/board" for s in event["skills"]]
        feeds += ["/api/public/events/1/board", "/api/public/events/1/results"]
        feeds += [f"/api/public/events/1/skills/{s['skill_id']}/results" for s in event["skills"]]
        print(f"demo event: {len(event['skills'])} skills, {len(feeds)} public feeds; {args.phones} phones polling every {POLL_S:.0f} s "
              f"over {args.connections} connections for {args.seconds:.0f} s; load before: {os.getloadavg()[0]:.2f}")  # fmt: skip
        results = [run(True, app_port, server.pid, feeds, args, tmp), run(False, app_port, server.pid, feeds, args, tmp)]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"{'':24} {'polls/s':>9} {'phones':>8} {'due':>8} {'200':>7} {'304':>7} {'to app/s':>9} {'app CPU':>8} {'nginx CPU':>9} {'p50 ms':>7} {'p99 ms':>8}"
    )
    for r in results:
        print(
            f"{r['name']:24} {r['answered_per_s']:9.0f} {r['phones_served']:8.0f} {r['due']:8d} {r['ok']:7d} {r['not_modified']:7d} "
            f"{r['reached_per_s']:9.1f} {r['server_cpu'] * 100:7.0f}% {r['nginx_cpu'] * 100:8.0f}% {r['p50_ms']:7.1f} {r['p99_ms']:8.1f}"
        )
    failures = [f"{r['name']}: {e}" for r in results for e in r["errors"][:5]] + [
        f"{r['name']}: a board went back {r['went_back']} times" for r in results if r["went_back"]
    ]
    for f in failures:
        print("ERROR", f)
    cached = results[0]
    ceiling = 1.5 * len(feeds) / MAX_AGE
    served = cached["answered"] >= 0.9 * cached["due"]
    ok = not failures and served and cached["reached_per_s"] <= ceiling
    print(f"cached: {cached['answered']} of {cached['due']} polls due answered ({'all phones served' if served else 'phones NOT all served'})")
    print(f"RESULT public_feeds {cached['reached_per_s']:.1f} target {ceiling:.1f} {'ok' if ok else 'short'}")


if __name__ == "__main__":
    main()
