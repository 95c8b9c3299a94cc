"""Private Redis and PostgreSQL instances for fault tests.

The shared services on 5432 and 6379 belong to everyone's tests: fault tests never stop them. They
start their own throw-away instances on free ports instead — ``redis-server`` without persistence
and a PostgreSQL cluster made with ``initdb`` in a temporary directory — and stop, kill and
restart those. As root, PostgreSQL runs as the ``postgres`` user (``initdb`` refuses root).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from harness import IN_CI, ROOT, free_port

DEPLOY = ROOT / "deploy"

PG_BIN = Path(os.environ.get("TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _missing(what: str) -> None:
    message = f"{what} is not available for a private instance"
    if IN_CI:
        pytest.fail(message + "; CI=true, so this is a failure, not a skip")
    pytest.skip(message)


def wait_port(port: int, up: bool, timeout: float = 20) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                ok = True
        except OSError:
            ok = False
        if ok == up:
            return
        time.sleep(0.05)
    raise AssertionError(f"port {port} did not go {'up' if up else 'down'} in {timeout}s")


class PrivateRedis:
    """``redis-server`` on a free port, no persistence: a restart loses everything, like a crash."""

    def __init__(self) -> None:
        if not shutil.which("redis-server"):
            _missing("redis-server")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="ops-redis-"))
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "PrivateRedis":
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=open(self.dir / "redis.log", "a"),
            stderr=subprocess.STDOUT,
        )
        wait_port(self.port, True)
        return self

    def kill(self) -> None:
        """SIGKILL: what a crashed or OOM-killed Redis looks like to its clients."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        wait_port(self.port, False)

    def close(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivatePostgres:
    """A PostgreSQL cluster of its own (``initdb`` + ``pg_ctl``) on a free port, trust auth."""

    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            _missing(f"PostgreSQL server binaries ({PG_BIN})")
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="ops-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.user: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                _missing("a postgres system user (initdb refuses to run as root)")
            self.user = "postgres"
            shutil.chown(self.root, "postgres", "postgres")
            os.chmod(self.root, 0o700)

    def _run(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        cmd = [str(a) for a in args]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}\n{self.log.read_text() if self.log.exists() else ''}")
        return proc

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> "PrivatePostgres":
        self._run(PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8")
        return self

    def start(self) -> "PrivatePostgres":
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-o", opts, "-l", self.log, "-w", "-t", "60", "start")
        wait_port(self.port, True)
        return self

    def stop(self, mode: str = "fast") -> None:
        """``fast`` disconnects clients and shuts down cleanly; ``immediate`` is a crash (recovery on start)."""
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop", check=False)
        wait_port(self.port, False)

    def create_database(self, name: str) -> str:
        self._run(PG_BIN / "psql", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", "-d", "postgres", "-qc", f'CREATE DATABASE "{name}"')
        return self.url(name)

    def close(self) -> None:
        if self.data.exists():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


# ---------------------------------------------------------------------------------------- disks


def _need_mount() -> None:
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a private file system needs root")  # not a CI service: skipped, never failed


class SmallDisk:
    """A private, small file system for the SQLite file: a tmpfs (to fill up), or ext4 on a loop
    device (to turn read-only the way the kernel does after disk errors: ``errors=remount-ro``)."""

    def __init__(self, where: Path, kind: str = "tmpfs", size_mb: int = 16) -> None:
        _need_mount()
        self.kind = kind
        self.mount_point = where / "disk"
        self.mount_point.mkdir(parents=True, exist_ok=True)
        self.image = where / "disk.img"
        self.size_mb = size_mb
        self.device: str | None = None
        self.mounted = False

    def mount(self) -> "SmallDisk":
        if self.kind == "tmpfs":
            cmd = ["mount", "-t", "tmpfs", "-o", f"size={self.size_mb}m,mode=0755", "tmpfs", str(self.mount_point)]
        else:
            if not self.image.exists():
                subprocess.run(["truncate", "-s", f"{self.size_mb}M", str(self.image)], check=True)
                subprocess.run(["mkfs.ext4", "-q", "-F", str(self.image)], check=True, capture_output=True)
            cmd = ["mount", "-o", "loop,errors=remount-ro", str(self.image), str(self.mount_point)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"cannot mount a private {self.kind} here: {proc.stderr.strip()}")
        self.mounted = True
        self.device = subprocess.run(["findmnt", "-n", "-o", "SOURCE", str(self.mount_point)], capture_output=True, text=True).stdout.strip()
        return self

    def fill(self) -> int:
        """Fill every free byte (unbuffered, down to single 512-byte writes); returns bytes written."""
        written = 0
        with open(self.mount_point / "filler", "wb", buffering=0) as fh:
            for chunk in (1 << 20, 1 << 16, 4096, 512):
                try:
                    while True:
                        written += fh.write(b"\0" * chunk)
                except OSError:
                    pass
        return written

    def unfill(self) -> None:
        (self.mount_point / "filler").unlink(missing_ok=True)

    def fail_read_only(self) -> None:
        """What the kernel does on a disk error with errors=remount-ro: the mounted file system
        turns read-only under the running server (ext4's own error trigger)."""
        trigger = Path(f"/sys/fs/ext4/{os.path.basename(self.device or '')}/trigger_fs_error")
        if not trigger.exists():
            pytest.skip("ext4 error trigger not available")
        trigger.write_text("ops fault test")
        options = subprocess.run(["findmnt", "-n", "-o", "OPTIONS", str(self.mount_point)], capture_output=True, text=True).stdout.strip().split(",")
        if "ro" not in options and "emergency_ro" not in options:
            raise AssertionError("file system did not turn read-only")

    def repair(self) -> str:
        """The operator's repair: unmount, fsck, mount again (the server must be stopped first)."""
        self.unmount()
        proc = subprocess.run(["e2fsck", "-fy", str(self.image)], capture_output=True, text=True)
        self.mount()
        return proc.stdout

    def unmount(self) -> None:
        if self.mounted:
            subprocess.run(["umount", str(self.mount_point)], check=True)
            self.mounted = False

    def close(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.mount_point)])
            self.mounted = False


def nginx_binary() -> str:
    """nginx, or a skip (a failure with CI=true) naming the package."""
    path = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not path:
        if IN_CI:
            pytest.fail("nginx is not installed (apt-get install nginx); CI=true, so this is a failure")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    return path


def nginx_config(tmp: Path, port: int, upstream: str) -> Path:
    """A main nginx.conf around deploy/nginx.conf: only the listen address and log paths changed."""
    site = (DEPLOY / "nginx.conf").read_text()
    for old, new in [
        ("\n    listen 80;", f"\n    listen 127.0.0.1:{port};"),
        ("\n    listen [::]:80;\n", "\n"),
        ("/var/log/nginx/competition.access.log", str(tmp / "access.log")),
        ("/var/cache/nginx/competition ", f"{tmp}/cache "),
        ("/var/log/nginx/competition.error.log", str(tmp / "error.log")),
    ]:
        assert old in site, f"deploy/nginx.conf no longer contains {old!r}"
        site = site.replace(old, new, 1)
    (tmp / "site.conf").write_text(site)
    (tmp / "upstream.conf").write_text(upstream)
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must write the temp dirs below
    main = tmp / "nginx.conf"
    main.write_text(f"""{user}worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/upstream.conf;
    include {tmp}/site.conf;
}}
""")
    return main
