"""The SQLite file's disk fills up, or turns read-only, under a running server (private file
systems mounted for the test; needs root, skipped otherwise).

Disk full proves: writes answer 507 ``storage_full`` with a message, reads keep working, /ready
names ``storage``, tablets' marks are refused as ``unavailable`` (kept, not acknowledged); once
space is freed the same process stores the queued marks (no restart), and afterwards
``PRAGMA integrity_check`` is ok and ``competition audit verify`` passes.

Read-only proves the same for a file system the kernel turned read-only (ext4
``errors=remount-ro`` after a disk error): writes answer 507 ``storage_read_only``; after the
operator's repair (stop, fsck, mount) the file is intact, the audit chain verifies, every
acknowledged mark is still there, and the restarted server takes the marks the tablets kept.
It also shows why SQLite must run with ``synchronous=FULL``: with ``NORMAL`` the file is intact
and verifies, but everything committed since the last checkpoint — the whole event here — is gone.
"""

import asyncio
import sqlite3

import httpx
import ops_services  # noqa: F401
import pytest
from harness import ADMIN_PASSWORD, Client, base_env, run_cli, start_server
from live_world import build
from ops_clients import Marks, Tablet, check_stored, stored_marks
from ops_services import SmallDisk

from kernel import db

pytestmark = pytest.mark.slow(seconds=170)  # measured, under load: collected first, slowest first (tests/conftest.py)

NEW_SKILL = {"name": "新项目", "occupation_code": "6-31-01-03", "groups": ["employee"]}


def _integrity(path) -> str:
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


async def _queue_during_fault(tablet: Tablet, marks: Marks, n: int = 3) -> list[str]:
    ops = []
    for _ in range(n):
        op, frame = marks.next(tablet, 0)
        ops.append(op)
        await tablet.submit(op, frame)
    for _ in range(100):
        if set(ops) <= {e["op_id"] for e in tablet.retried}:
            break
        await asyncio.sleep(0.05)
    assert set(ops) <= {e["op_id"] for e in tablet.retried}, tablet.retried
    assert {e["code"] for e in tablet.retried} == {"unavailable"}
    assert not set(ops) & set(tablet.acks)
    return ops


async def _setup(tmp_path, disk: SmallDisk, name: str):
    db_file = disk.mount_point / "competition.sqlite3"
    env = base_env(tmp_path, f"sqlite:///{db_file}")
    run_cli(env, "migrate")
    run_cli(env, "create-user", "admin", "--password", ADMIN_PASSWORD, "--admin")
    srv = start_server(env, name)
    world = await build(srv)
    tablet = await Tablet(world, world.judges[0], "j0").start()
    marks = Marks(world, "s")
    for _ in range(5):
        await tablet.submit(*marks.next(tablet, 0))
    await tablet.wait_all_acked()
    return env, db_file, srv, world, tablet, marks


async def test_disk_full_gives_507_and_recovers_once_space_is_freed(tmp_path):
    disk = SmallDisk(tmp_path, "tmpfs", size_mb=16).mount()
    srv = tablet = None
    try:
        env, db_file, srv, world, tablet, marks = await _setup(tmp_path, disk, "ops-disk-full")
        eid = world.event["id"]
        assert disk.fill() > 0

        await _queue_during_fault(tablet, marks)
        r = await world.admin.post(f"/api/events/{eid}/skills", json=NEW_SKILL)
        assert r.status_code == 507, r.text
        assert r.json()["code"] == "storage_full" and "磁盘已满" in r.json()["message"]
        r = await world.admin.post(f"/api/events/{eid}/skills", json=NEW_SKILL, headers={"Accept-Language": "en"})
        assert "disk is full" in r.json()["message"]
        assert (await world.admin.get(f"/api/events/{eid}")).status_code == 200  # reads still work
        ready = httpx.get(srv.base_url + "/ready", timeout=5)
        assert ready.status_code == 503 and ready.json()["failed"] == ["storage"], ready.text

        disk.unfill()
        await tablet.wait_all_acked(30)  # the same process, no restart
        assert (await world.admin.post(f"/api/events/{eid}/skills", json=NEW_SKILL)).status_code == 201
        assert httpx.get(srv.base_url + "/ready", timeout=5).status_code == 200
        await tablet.close()
        await world.close()
        srv.stop()
        assert _integrity(db_file) == "ok"
        verify = run_cli(env, "audit", "verify", check=False)
        assert verify.returncode == 0, verify.stdout + verify.stderr
        counts = await check_stored(env["DATABASE_URL"], world.skill["id"], [tablet], set(marks.sent))
        assert counts["stored"] == counts["sent"] == 8
        assert "unhandled error" not in srv.log()
    finally:
        if tablet:
            await tablet.close()
        if srv:
            srv.stop()
        disk.close()


@pytest.mark.xfail(
    getattr(db, "SQLITE_SYNCHRONOUS", "NORMAL") != "FULL",
    strict=True,
    reason="SQLite runs with synchronous=NORMAL: commits since the last checkpoint are only in the page cache, "
    "and a file system that fails (or a power cut) loses them, acknowledged marks included; needs synchronous=FULL",
)
async def test_read_only_file_system_gives_507_and_no_acknowledged_mark_is_lost(tmp_path):
    disk = SmallDisk(tmp_path, "ext4", size_mb=32).mount()
    srv = srv2 = tablet = None
    try:
        env, db_file, srv, world, tablet, marks = await _setup(tmp_path, disk, "ops-read-only")
        eid = world.event["id"]
        disk.fail_read_only()

        queued = await _queue_during_fault(tablet, marks)
        r = await world.admin.post(f"/api/events/{eid}/skills", json=NEW_SKILL)
        # With synchronous=FULL the first failure may be the fsync (an I/O error, 503) rather than
        # the read-only write (507): either way a clear, non-500 refusal.
        assert (r.status_code, r.json()["code"]) in ((507, "storage_read_only"), (503, "unavailable")), r.text
        assert r.json()["message"]
        assert (await world.admin.get(f"/api/events/{eid}")).status_code == 200
        ready = httpx.get(srv.base_url + "/ready", timeout=5)
        assert ready.status_code == 503 and ready.json()["checks"]["storage"]["read_only"] is True, ready.text

        # The operator's repair: stop the server, fsck, mount; the file is intact.
        srv.stop()
        disk.repair()
        assert _integrity(db_file) == "ok"
        verify = run_cli(env, "audit", "verify", check=False)
        assert verify.returncode == 0, verify.stdout + verify.stderr
        # Intact is not enough: an intact but older file passes both checks. Every acknowledged mark must be there.
        stored = {r[0]: r[2] for r in await stored_marks(env["DATABASE_URL"], world.skill["id"])}
        lost = {op: f["seq"] for op, f in tablet.acks.items() if stored.get(op) != f["seq"]}
        assert not lost, f"{len(lost)} acknowledged mark(s) lost with the file system: {lost}"

        # Back up: the tablet reconnects to the new server and its kept marks go in.
        srv2 = start_server(env, "ops-read-only-again")
        world.server = srv2
        await tablet.wait_all_acked(30)
        assert set(queued) <= set(tablet.acks)
        admin = Client(srv2.base_url)
        await admin.login("admin", ADMIN_PASSWORD)
        assert (await admin.post(f"/api/events/{eid}/skills", json=NEW_SKILL)).status_code == 201
        await admin.aclose()
        await tablet.close()
        await world.close()
        srv2.stop()
        assert _integrity(db_file) == "ok"
        assert run_cli(env, "audit", "verify", check=False).returncode == 0
        counts = await check_stored(env["DATABASE_URL"], world.skill["id"], [tablet], set(marks.sent))
        assert counts["stored"] == counts["sent"] == 8
        assert "unhandled error" not in srv.log() + srv2.log()
    finally:
        if tablet:
            await tablet.close()
        for s in (srv, srv2):
            if s:
                s.stop()
        disk.close()
