"""``competition backup FILE`` and ``competition restore FILE [--force]``, for both databases.

SQLite: SQLite's online backup API (``sqlite3.Connection.backup``): a consistent copy while the
server runs and writes (the copy is one read transaction over the WAL), written to a temporary
file, checked with ``PRAGMA integrity_check`` and renamed into place. The backup is itself a
SQLite database file.

PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot; ``pg_restore`` reads it) and
``pg_restore --single-transaction`` (all or nothing). The client tools come from Debian's
``postgresql-client`` and must be at least the server's major version.

Restore refuses a target that holds data (any row outside Piccolo's migration table) unless
``--force``; with ``--force`` the target is first backed up beside it (``…before-restore-…``), so
a mistaken restore can itself be undone. A backup of one kind restores only into a database of
that kind. After a restore the audit chain is verified and pending migrations are reported (a
backup taken before an upgrade needs ``competition migrate`` afterwards).

**The chain's head goes beside every backup**: ``<backup>.head.json`` names the audit chain's head
at backup time (sequence number and hash; on PostgreSQL read just before the dump, so the dump holds
at least that entry), the number of entries and the backup file's SHA-256. Restore checks the file
against it first (a different file is refused), and after restoring, that the restored chain still
holds that head with the same hash and does not end before it — a backup whose newest entries were
cut off is named ("truncated after seq N"), as ``competition audit verify`` names a database's.

Only the database: the data directory's files (``secret.key`` when the secret is generated,
``certificates/``) are copied with ordinary file tools — see docs/OPERATIONS.md.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from kernel.settings import Settings, sqlite_path

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
#: Piccolo's own bookkeeping: a freshly migrated database has rows here and is still "empty".
BOOKKEEPING_TABLES = {"migration"}


class BackupError(Exception):
    """A backup or restore that cannot proceed; the message says why and what to do (zh / en)."""


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.lines.append(text)


def kind_of_file(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"无法识别的备份文件 / not a backup this tool made (neither a SQLite file nor a pg_dump custom archive): {path}")


def _timestamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


# ---------------------------------------------------------------------------------------- the head

MANIFEST_SUFFIX = ".head.json"


def manifest_path(backup_file: Path) -> Path:
    return backup_file.with_name(backup_file.name + MANIFEST_SUFFIX)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(backup_file: Path, kind: str, head: dict | None, entries: int) -> Path:
    """``<backup>.head.json``: the audit chain's head the backup holds, and the file's checksum."""
    path = manifest_path(backup_file)
    data = {
        "format": 1, "kind": kind, "file": backup_file.name, "sha256": _sha256(backup_file),
        "taken_at": dt.datetime.now(dt.timezone.utc).isoformat(), "audit_entries": entries, "head": head,
    }  # fmt: skip
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    os.replace(tmp, path)
    return path


def read_manifest(backup_file: Path) -> dict | None:
    """The backup's manifest, checked against the file; None when there is none (an older backup)."""
    path = manifest_path(backup_file)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"备份的链头文件无法读取 / the backup's head file {path} cannot be read: {exc}") from None
    if data.get("sha256") != _sha256(backup_file):
        raise BackupError(
            f"备份文件与其链头文件 {path.name} 不符（校验和不同），可能被替换或改动 / the backup file does not match its head file "
            f"{path.name} (checksums differ): it was replaced or altered"
        )
    return data


def _say_head(report: Report, head: dict | None, manifest: Path) -> None:
    if head:
        report.say(f"审计链头 / audit chain head: seq {head['seq']}, hash {head['hash']} (recorded in {manifest})")
    else:
        report.say(f"审计链为空 / the audit chain is empty (recorded in {manifest})")


def _sqlite_head(path: Path) -> tuple[dict | None, int]:
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        if not con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'").fetchone():
            return None, 0
        row = con.execute('SELECT "seq", "hash" FROM "audit_log" ORDER BY "seq" DESC LIMIT 1').fetchone()
        count = con.execute('SELECT count(*) FROM "audit_log"').fetchone()[0]
        return ({"seq": row[0], "hash": row[1]} if row else None), count
    finally:
        con.close()


async def _pg_head(url: str) -> tuple[dict | None, int]:
    import asyncpg

    con = await asyncpg.connect(url)
    try:
        if not await con.fetchval("SELECT to_regclass('public.audit_log') IS NOT NULL"):
            return None, 0
        row = await con.fetchrow('SELECT "seq", "hash" FROM "audit_log" ORDER BY "seq" DESC LIMIT 1')
        count = await con.fetchval('SELECT count(*) FROM "audit_log"')
        return ({"seq": row["seq"], "hash": row["hash"]} if row else None), count
    finally:
        await con.close()


# ---------------------------------------------------------------------------------------- SQLite


def _sqlite_tables(con: sqlite3.Connection) -> list[str]:
    return [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def sqlite_row_counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in _sqlite_tables(con)}
    finally:
        con.close()


def _sqlite_copy(source: Path, dest: Path) -> None:
    """``source`` → ``dest`` through the online backup API, via a temporary file renamed into place."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)
    try:
        out = sqlite3.connect(tmp)
        try:
            src.backup(out)  # all pages in one step: one consistent read transaction
            out.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
            check = out.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"备份文件校验失败 / the copy failed its integrity check: {check}")
        finally:
            out.close()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    os.replace(tmp, dest)


def _open_by_other_processes(path: Path) -> list[int]:
    """PIDs (Linux) that hold ``path`` open: a running server on the database about to be replaced."""
    pids = []
    target = str(path.resolve())
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                try:
                    if os.readlink(fd) == target:
                        pids.append(int(proc.name))
                        break
                except OSError:
                    continue
        except OSError:
            continue
    return pids


def backup_sqlite(settings: Settings, dest: Path, report: Report) -> None:
    source = sqlite_path(settings.database_url)
    if not source.exists():
        raise BackupError(f"数据库文件不存在 / no database file at {source}")
    _sqlite_copy(source, dest)
    counts = sqlite_row_counts(dest)
    report.say(
        f"已备份 / backed up {source} → {dest} ({dest.stat().st_size / 2**20:.1f} MiB, {len(counts)} tables, {counts.get('audit_log', 0)} audit entries)"
    )
    head, entries = _sqlite_head(dest)  # the copy's own head: exactly what a restore brings back
    _say_head(report, head, write_manifest(dest, "sqlite", head, entries))


def restore_sqlite(settings: Settings, source: Path, force: bool, report: Report) -> None:
    target = sqlite_path(settings.database_url)
    if target.exists():
        holders = _open_by_other_processes(target)
        if holders:
            raise BackupError(
                f"数据库正被进程 {holders} 使用，请先停止服务 / the database is open in process(es) {holders}: stop the server first "
                "(systemctl stop 'competition@*')"
            )
        counts = sqlite_row_counts(target)
        data = {t: n for t, n in counts.items() if n and t not in BOOKKEEPING_TABLES}
        if data and not force:
            raise BackupError(_not_empty(str(target), data))
        if counts:
            keep = target.with_name(f"{target.name}.before-restore-{_timestamp()}")
            _sqlite_copy(target, keep)
            report.say(f"原数据库已另存 / the previous database was saved as {keep}")
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
    _sqlite_copy(source, target)
    con = sqlite3.connect(target)
    try:
        con.execute("PRAGMA journal_mode=WAL")
    finally:
        con.close()
    report.say(f"已恢复 / restored {source} → {target}")


# ---------------------------------------------------------------------------------------- PostgreSQL


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(
            f"找不到 {name}，请安装 PostgreSQL 客户端（apt-get install postgresql-client）/ {name} not found: "
            "install the PostgreSQL client tools (apt-get install postgresql-client), at least the server's major version"
        )
    return path


def _pg_env(url: str) -> tuple[str, dict[str, str]]:
    """libpq takes the URL as the database name; the password (if any) goes by environment instead
    of the command line, where ``ps`` would show it."""
    env = dict(os.environ)
    parsed = urlparse(url)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
        netloc = parsed.netloc.split("@", 1)
        user = netloc[0].split(":", 1)[0]
        url = parsed._replace(netloc=f"{user}@{netloc[1]}").geturl()
    return url.replace("postgres://", "postgresql://", 1), env


def _run(cmd: list[str], env: dict[str, str], what: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"{what} 失败 / {what} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return proc


async def pg_row_counts(url: str) -> dict[str, int]:
    import asyncpg

    con = await asyncpg.connect(url)
    try:
        tables = [r["tablename"] for r in await con.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
        return {t: await con.fetchval(f'SELECT count(*) FROM "{t}"') for t in tables}
    finally:
        await con.close()


def _pg_dump(url: str, dest: Path) -> None:
    dsn, env = _pg_env(url)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={tmp}", f"--dbname={dsn}"], env, "pg_dump")
        _run([_pg_tool("pg_restore"), "--list", str(tmp)], env, "pg_restore --list")  # the archive reads back
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def backup_postgres(settings: Settings, dest: Path, report: Report) -> None:
    # Read before the dump: the dump's snapshot is later, so it holds at least this head.
    head, entries = asyncio.run(_pg_head(settings.database_url))
    _pg_dump(settings.database_url, dest)
    _say_head(report, head, write_manifest(dest, "postgresql", head, entries))
    report.say(f"已备份 / backed up {_safe(settings.database_url)} → {dest} ({dest.stat().st_size / 2**20:.1f} MiB, pg_dump custom format)")


def restore_postgres(settings: Settings, source: Path, force: bool, report: Report) -> None:
    url = settings.database_url
    counts = asyncio.run(pg_row_counts(url))
    data = {t: n for t, n in counts.items() if n and t not in BOOKKEEPING_TABLES}
    if data and not force:
        raise BackupError(_not_empty(_safe(url), data))
    if data:
        keep = source.with_name(f"before-restore-{_timestamp()}.dump")
        _pg_dump(url, keep)
        report.say(f"原数据库已另存 / the previous database was saved as {keep}")
    dsn, env = _pg_env(url)
    cmd = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", f"--dbname={dsn}"]
    if counts:  # tables exist (a migrated or used database): drop them first, inside the same transaction
        cmd += ["--clean", "--if-exists"]
    _run([*cmd, str(source)], env, "pg_restore")
    report.say(f"已恢复 / restored {source} → {_safe(url)}")


def _safe(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password:
        return parsed._replace(netloc=parsed.netloc.replace(f":{parsed.password}@", ":***@")).geturl()
    return url


def _not_empty(where: str, data: dict[str, int]) -> str:
    sample = ", ".join(f"{t} {n}" for t, n in sorted(data.items(), key=lambda kv: -kv[1])[:5])
    return (
        f"目标数据库不是空的（{sample} …），恢复会覆盖它；确认无误请加 --force（原数据会先另存）/ "
        f"the target database {where} is not empty ({sample} …); restoring would replace it. "
        "Add --force to go ahead (the current data is saved beside it first)."
    )


# ---------------------------------------------------------------------------------------- entry points


def backup(settings: Settings, target: str | Path) -> Report:
    """Back up to ``target``: a file, or — an existing directory or a path ending in ``/`` — a dated
    file inside it (``competition-<kind>-<YYYYmmdd-HHMMSS>.sqlite3|dump``)."""
    report = Report()
    dest = Path(target)
    if dest.is_dir() or str(target).endswith(("/", os.sep)):
        dest.mkdir(parents=True, exist_ok=True)
        stem, ext = f"competition-{settings.database_kind}-{_timestamp()}", "sqlite3" if settings.database_kind == "sqlite" else "dump"
        dest, n = dest / f"{stem}.{ext}", 1
        while dest.exists():  # two backups within a second
            n += 1
            dest = dest.with_name(f"{stem}-{n}.{ext}")
    if settings.database_kind == "sqlite":
        backup_sqlite(settings, dest, report)
    else:
        backup_postgres(settings, dest, report)
    return report


def restore(settings: Settings, source: Path, force: bool = False) -> Report:
    if not source.is_file():
        raise BackupError(f"备份文件不存在 / no backup file at {source}")
    kind = kind_of_file(source)
    if kind != settings.database_kind:
        raise BackupError(
            f"这是 {kind} 备份，而 DATABASE_URL 指向 {settings.database_kind} / this is a {kind} backup but DATABASE_URL is {settings.database_kind}: "
            "a backup restores into a database of its own kind"
        )
    manifest = read_manifest(source)  # before anything is replaced: a mismatching file is refused
    report = Report()
    if kind == "sqlite":
        restore_sqlite(settings, source, force, report)
    else:
        restore_postgres(settings, source, force, report)
    asyncio.run(_after_restore(settings, report, manifest, source))
    return report


async def _after_restore(settings: Settings, report: Report, manifest: dict | None = None, source: Path | None = None) -> None:
    from kernel import audit, db

    engine = db.engine_from_url(settings.database_url)
    db.bind_engine(engine)
    await db.start(engine)
    try:
        result = await audit.verify()
        if result.ok and manifest is not None and manifest.get("head"):
            head = manifest["head"]
            recorded = audit.RecordedHead(
                f"the backup {manifest.get('file') or (source.name if source else '')}", int(head["seq"]), str(head["hash"])
            )
            result = await audit.verify_heads(result, [recorded])
        if result.ok:
            report.say(f"审计链完好 / audit chain intact: {result.entries} entries")
            if manifest is None:
                report.say("此备份没有链头文件，无法核对是否被截断 / this backup has no head file, so a truncation cannot be checked")
            elif manifest.get("head"):
                report.say(f"与备份时的链头一致 / matches the head recorded at backup time: seq {manifest['head']['seq']}")
        elif result.truncated_after is not None:
            raise BackupError(
                f"恢复后的审计链在第 {result.truncated_after} 条之后被截断 / after the restore the audit chain is truncated after seq {result.truncated_after}: {result.reason}"
            )
        else:
            raise BackupError(
                f"恢复后审计链断裂于第 {result.first_broken_seq} 条 / after the restore the audit chain is broken at entry {result.first_broken_seq}: {result.reason}"
            )
        pending = await db.pending_migrations()
        if pending:
            report.say(f"有 {len(pending)} 个迁移未应用，请运行 competition migrate / {len(pending)} migration(s) pending: run `competition migrate`")
    finally:
        await db.stop(engine)
