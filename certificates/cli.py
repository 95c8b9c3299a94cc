"""``competition certificates …``: issue an event's certificates with progress (resumes an interrupted
run), and show where an event's issuance stands.

    competition certificates issue --event 3 [--batch-size 50] [--yes]
    competition certificates status --event 3
    competition certificates national-record --event 3 [--out batch.xlsx|batch.csv] [--send] [--yes]

Issuing cannot be undone, so ``issue`` asks first, like the certificates page: it says what will
happen and wants the event's code typed; a script passes ``--yes`` instead (without a terminal and
without ``--yes`` it refuses).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from kernel.settings import Settings


def add_parser(sub) -> None:
    p = sub.add_parser("certificates", help="issue certificates and show issuance progress")
    cert_sub = p.add_subparsers(dest="certificates_command", required=True)
    i = cert_sub.add_parser("issue", help="issue an event's certificates for approved proposals and render their PDFs (idempotent, resumable)")
    i.add_argument("--event", type=int, required=True, help="event id")
    i.add_argument("--batch-size", type=int, default=None, help="certificates per rendered document (default 50)")
    i.add_argument("--yes", action="store_true", help="do not ask for the event code first (issuing cannot be undone)")
    i.set_defaults(func=cmd_issue)
    s = cert_sub.add_parser("status", help="an event's certificates, issuance plan and recent batches")
    s.add_argument("--event", type=int, required=True, help="event id")
    s.set_defaults(func=cmd_status)
    n = cert_sub.add_parser("national-record", help="the next batch for the national skills-evaluation record: check, write, mark as sent")
    n.add_argument("--event", type=int, required=True, help="event id")
    n.add_argument("--out", default="", help="write the batch to this .xlsx or .csv file")
    n.add_argument("--send", action="store_true", help="mark the batch written as sent (refused while a row is incomplete)")
    n.add_argument("--yes", action="store_true", help="do not ask before marking as sent (it cannot be undone)")
    n.set_defaults(func=cmd_national_record)


def _run(settings: Settings, work):
    from kernel import db

    return asyncio.run(db.run_with(settings.database_url, work))


def _confirmed(settings: Settings, event_id: int) -> bool:
    """Say what issuing does and what cannot be undone; true once the event's code is typed."""
    from kernel.tables import Event

    async def event():
        return await Event.select(Event.name, Event.code).where(Event.id == event_id).first()

    row = _run(settings, event)
    if row is None:
        print(f"错误 / error: 未找到赛事 {event_id} / event {event_id} not found", file=sys.stderr)
        return False
    print(
        f"将为赛事「{row['name']}」所有已审批的奖项、荣誉和晋级签发证书，分配正式证书编号并生成 PDF。签发不能撤销，编号不会重复使用。\n"
        f"This issues a certificate for every approved award, honour and promotion of {row['name']}, with its official number "
        "and PDF. Issuance cannot be undone and numbers are never reused."
    )
    if not sys.stdin.isatty():
        print("错误 / error: 需要确认：在终端中运行并输入赛事代码，或加 --yes / confirmation needed: run it in a terminal "
              "and type the event code, or pass --yes", file=sys.stderr)  # fmt: skip
        return False
    try:
        typed = input(f"请输入赛事代码 {row['code']} 以确认 / type the event code {row['code']} to confirm: ")
    except EOFError:
        typed = ""
    if typed.strip() != row["code"]:
        print("未签发：赛事代码不一致 / nothing issued: that is not the event code", file=sys.stderr)
        return False
    return True


def cmd_issue(settings: Settings, args: argparse.Namespace) -> int:
    from certificates import issuance
    from kernel import audit
    from kernel.errors import AppError

    if not args.yes and not _confirmed(settings, args.event):
        return 2
    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        print(f"进度 / progress: {done}/{total} PDF", flush=True)

    async def work():
        from kernel import db

        if settings.database_kind == "sqlite":
            await db.migrate()
        return await issuance.issue(
            args.event, audit.Actor(None, "命令行 / cli"), settings, render="now", batch_size=args.batch_size, progress=progress
        )

    try:
        result = _run(settings, work)
    except AppError as exc:
        print(f"错误 / error: {exc.message('zh')} / {exc.message('en')}", file=sys.stderr)
        return 2
    batch = result["batch"]
    print(
        f"批次 / batch {batch['id']}: 新签发 / newly issued {result['issued']}, 已有 / already issued {result['existing']}, "
        f"不签发 / not issued {sum(result['skipped'].values())} {result['skipped'] or ''} ({time.monotonic() - started:.1f} s)"
    )
    for p in result["problems"]:
        print(f"  未签发 / not issued: {p['holder_name']} {p['kind']} {p['code']}: {p['reason_text']}", file=sys.stderr)
    return 0


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    from certificates import issuance
    from certificates.tables import Certificate

    async def work():
        plan = await issuance.plan(args.event, settings)
        batches = await issuance.list_batches(args.event, limit=5)
        total = await Certificate.count().where(Certificate.event == args.event)
        return plan, batches, total

    plan, batches, total = _run(settings, work)
    print(f"证书 / certificates: {total}; 已审批 / approved {plan['approved']}: 已签发 / issued {plan['issued']}, "
          f"待签发 / to issue {plan['pending']}, 不签发 / not issued {plan['skipped']}")  # fmt: skip
    for b in batches:
        print(f"  批次 / batch {b['id']} {b['started_at_china']} {b['status']} {b['done']}/{b['total']} {b['error']}")
    return 0


def cmd_national_record(settings: Settings, args: argparse.Namespace) -> int:
    """Show the next batch and its completeness report; ``--out`` writes it, ``--send`` marks what was
    written as sent (asking first unless ``--yes``)."""
    from pathlib import Path

    from certificates import national
    from kernel import audit
    from kernel.errors import AppError

    actor = audit.Actor(None, "命令行 / cli")
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in (".xlsx", ".csv"):
        print("错误 / error: --out 须以 .xlsx 或 .csv 结尾 / --out must end in .xlsx or .csv", file=sys.stderr)
        return 2
    if args.send and out is None:
        print("错误 / error: --send 需要 --out（先写出本批文件）/ --send needs --out (write the batch first)", file=sys.stderr)
        return 2

    async def report():
        return await national.pending(args.event)

    try:
        view = _run(settings, report)
    except AppError as exc:
        print(f"错误 / error: {exc.message('zh')} / {exc.message('en')}", file=sys.stderr)
        return 2
    print(f"待上报 / to send: {view['count']} (新增 / new {view['new']}, 更正 / corrections {view['corrections']})")
    for p in view["problems"]:
        print(f"  {p['message']}", file=sys.stderr)
    if out is None:
        return 0 if view["complete"] else 1
    fmt = out.suffix.lower().lstrip(".")

    async def write():
        return await national.pending_file(args.event, fmt, actor)

    content, token = _run(settings, write)
    out.write_bytes(content)
    print(f"已写出 / written: {out} ({view['count']} 行 / rows)")
    if not args.send:
        return 0 if view["complete"] else 1
    if not args.yes:
        print("标记为已上报后，本批各行不会再次上报，此操作不能撤销。/ Once marked as sent these rows are never sent again; this cannot be undone.")
        if not sys.stdin.isatty():
            print("错误 / error: 需要确认：在终端中运行，或加 --yes / confirmation needed: run it in a terminal, or pass --yes", file=sys.stderr)
            return 2
        if input("输入 yes 确认 / type yes to confirm: ").strip().lower() != "yes":
            print("未标记 / not marked as sent", file=sys.stderr)
            return 2

    async def send():
        return await national.send(args.event, token, actor)

    try:
        sent = _run(settings, send)
    except AppError as exc:
        print(f"错误 / error: {exc.message('zh')} / {exc.message('en')}", file=sys.stderr)
        return 2
    print(f"已上报 / sent: 批次 / batch {sent['batch_id']}, {sent['rows']} 行 / rows, 更正 / corrections {sent['corrections']}")
    return 0
