"""The ``competition`` command: serve, migrate, create-user, demo, audit verify, backup, restore."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from kernel import db, passwords
from kernel.settings import Settings, SettingsError


def _fail(message: str, code: int = 2) -> int:
    print(f"错误 / error: {message}", file=sys.stderr)
    return code


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:

    applied = asyncio.run(db.run_with(settings.database_url, db.migrate))
    print(f"已应用 {len(applied)} 个迁移 / applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else ""))
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:

    if args.workers > 1 and not settings.redis_url:
        return _fail(
            "多个工作进程需要 Redis 来同步实时更新，请设置 REDIS_URL，或使用 --workers 1。 / "
            "Several workers need Redis for live updates (the in-memory channel backend would lose messages "
            "between workers): set REDIS_URL, or use --workers 1."
        )
    from server.wsprotocol import timeouts_from_env

    try:
        timeouts = timeouts_from_env()
    except ValueError as exc:
        return _fail(str(exc))
    if settings.database_kind == "sqlite":
        applied = asyncio.run(db.run_with(settings.database_url, db.migrate))
        if applied:
            print(f"已应用 {len(applied)} 个迁移 / applied {len(applied)} migration(s)")
    else:
        pending = asyncio.run(db.run_with(settings.database_url, db.pending_migrations))
        if pending:
            return _fail(
                "数据库有未应用的迁移，请先运行 competition migrate / pending migrations: run `competition migrate` first: " + ", ".join(pending)
            )
    if args.demo:
        from server.demo import load_demo

        for line in asyncio.run(db.run_with(settings.database_url, load_demo)):
            print(line)
    settings.resolved_secret()  # create the shared secret once, before workers race for it
    if getattr(args, "simulate", False):
        from server.simulate import start_in_background

        start_in_background(args.host, args.port)
    import uvicorn

    from server.wsprotocol import HttpProtocol, WebSocketProtocol

    print(f"服务地址 / serving on http://{args.host}:{args.port}  (API 文档 / API docs: /schema)", flush=True)
    uvicorn.run(
        "server.app:create_app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ws_max_size=64 * 1024,
        ws=WebSocketProtocol,
        # Stalled requests: the head and body timeouts are HttpProtocol's, idle kept-alive connections uvicorn's.
        http=HttpProtocol,
        timeout_keep_alive=timeouts["COMPETITION_KEEPALIVE_TIMEOUT"],
    )
    return 0


def cmd_create_user(settings: Settings, args: argparse.Namespace) -> int:
    from competition.auth import service
    from kernel.errors import AppError
    from scoring.codelists import CITY_BY_CODE

    if not args.admin and args.role == "city_supervisor" and args.city not in CITY_BY_CODE:
        return _fail("地市审核账号须用 --city 指明地市代码（如 440100） / a city supervisor needs --city with a city code (e.g. 440100)")
    password = args.password or os.environ.get("COMPETITION_NEW_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            return _fail("没有提供密码（--password 或 COMPETITION_NEW_PASSWORD） / no password given (--password or COMPETITION_NEW_PASSWORD)")
        password = getpass.getpass("密码 / password: ")

    async def work() -> int:
        user_id = await service.create_user(args.username, args.name or args.username, password, is_admin=args.admin)
        if not args.admin:
            await service.grant_platform_role(user_id, args.role, city=args.city)
        return user_id

    try:
        user_id = asyncio.run(db.run_with(settings.database_url, work))
    except AppError as exc:
        return _fail(exc.message("zh") + " / " + exc.message("en"))
    if args.admin:
        print(f"已创建平台管理员账号（可处理所有赛事）/ created platform administrator {args.username} (id {user_id}): acts in every event")
    elif args.role == "city_supervisor":
        print(
            f"已创建地市审核账号（审核本市代表队报名、查看本市统计）/ created city supervisor {args.username} (id {user_id}) for city {args.city}: "
            "reviews its city's delegation registrations and reads its city's figures"
        )
    elif args.role == "province_supervisor":
        print(
            f"已创建省级统计监督账号（只读全省统计，不含个人信息）/ created province supervisor {args.username} (id {user_id}): "
            "reads the province's figures, no personal data"
        )
    else:
        print(
            f"已创建赛事创建人账号（可创建赛事，并成为所创建赛事的组织方）/ created event creator {args.username} (id {user_id}): "
            "may create events and becomes the organiser of each event it creates, of no other"
        )
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from server.demo import load_demo

    async def work() -> list[str]:
        await db.migrate()
        return await load_demo()

    for line in asyncio.run(db.run_with(settings.database_url, work)):
        print(line)
    if args.simulate:
        from server.simulate import demo_command

        return demo_command(lambda serve_args: cmd_serve(settings, serve_args))
    return 0


def cmd_audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    from kernel import audit

    report = asyncio.run(db.run_with(settings.database_url, audit.verify))
    if report.ok:
        head = f"; head: seq {report.head.seq}, hash {report.head.hash}" if report.head else ""
        print(
            f"审计链完好，{report.records} 条评分记录与之一致，签字与发布时记下的 {report.heads} 个链头都在链中 / "
            f"audit chain intact: {report.entries} entries, {report.records} mark rows match them, "
            f"{report.heads} heads recorded at sign-offs and publications are in it{head}"
        )
        return 0
    if report.truncated_after is not None:
        print(f"审计链在第 {report.truncated_after} 条之后被截断 / audit chain truncated after seq {report.truncated_after}: {report.reason}")
        return 1
    print(f"审计链断裂于第 {report.first_broken_seq} 条 / audit chain broken at entry {report.first_broken_seq}: {report.reason}")
    return 1


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from server import backup

    try:
        report = backup.backup(settings, args.file)
    except backup.BackupError as exc:
        return _fail(str(exc), 1)
    print("\n".join(report.lines))
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from server import backup

    try:
        report = backup.restore(settings, Path(args.file), force=args.force)
    except backup.BackupError as exc:
        return _fail(str(exc), 1)
    print("\n".join(report.lines))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="competition", description="广东省职业技能竞赛系统 / Guangdong skills competition system")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the web server (applies pending migrations on SQLite)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--demo", action="store_true", help="load the demo event first (idempotent)")
    p.add_argument("--simulate", action="store_true", help="simulated judges score the demo event live once the server is up")
    p.add_argument("--log-level", default="info")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="apply pending database migrations")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser(
        "create-user", help="create an event creator (may create events, organiser of those) or, with --admin, a platform administrator"
    )
    p.add_argument("username")
    p.add_argument("--name", help="display name")
    p.add_argument("--password", help="or COMPETITION_NEW_PASSWORD, or asked for")
    p.add_argument("--admin", action="store_true", help="platform administrator: acts in every event (keep these few)")
    p.add_argument(
        "--role",
        choices=("event_creator", "province_supervisor", "city_supervisor"),
        default="event_creator",
        help="the platform role (without --admin): event_creator (default), province_supervisor (省人社厅: the province's figures, read only), "
        "or city_supervisor (市人社局, with --city: reviews its city's delegation registrations, reads its city's figures)",
    )
    p.add_argument("--city", help="for city_supervisor: the city's code (scoring.codelists, e.g. 440100 for 广州市)")  # fmt: skip
    p.set_defaults(func=cmd_create_user)

    p = sub.add_parser("demo", help="load a realistic demo event (idempotent)")
    p.add_argument("--simulate", action="store_true", help="then simulated judges score it live (against the server on :8000, or one started here)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("audit", help="audit log tools")
    audit_sub = p.add_subparsers(dest="audit_command", required=True)
    v = audit_sub.add_parser("verify", help="check the audit log's hash chain")
    v.set_defaults(func=cmd_audit_verify)

    p = sub.add_parser("backup", help="back up the database to FILE (consistent while the server runs; see server/backup.py)")
    p.add_argument("file", help="file to write; a directory (or a path ending in /): a dated file inside it")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="restore the database from FILE (stop the server first)")
    p.add_argument("file")
    p.add_argument("--force", action="store_true", help="replace a database that holds data (it is saved beside it first)")
    p.set_defaults(func=cmd_restore)

    from certificates.cli import add_parser as add_certificates

    add_certificates(sub)  # competition certificates issue|status --event ID
    from province.cli import add_parser as add_province

    add_province(sub)  # competition province rebuild|check
    return parser


def main(argv: list[str] | None = None) -> int:
    from server import wiring

    wiring.wire()
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        return _fail(str(exc))
    passwords.configure(settings.password_hashing)
    if getattr(args, "workers", 1) < 1:
        return _fail("--workers must be at least 1")
    return args.func(settings, args)


if __name__ == "__main__":
    sys.exit(main())
