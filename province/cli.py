"""``competition province …``: the province's summary (``province_fact``).

competition province rebuild   # count every event afresh (after a restore, or the first start)
competition province check     # compare the summary with a fresh count; exit 1 on a difference
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from kernel.settings import Settings


def add_parser(sub) -> None:
    p = sub.add_parser("province", help="the province's statistics summary: rebuild it, or check it against a fresh count")
    psub = p.add_subparsers(dest="province_command", required=True)
    r = psub.add_parser("rebuild", help="count every event afresh into the summary (idempotent)")
    r.set_defaults(func=cmd_rebuild)
    c = psub.add_parser("check", help="compare the summary with a fresh count of the records (exit 1 on any difference)")
    c.add_argument("--event", type=int, action="append", help="check only this event (repeatable)")
    c.set_defaults(func=cmd_check)


def _run(settings: Settings, work):
    from kernel import db

    async def run():
        if settings.database_kind == "sqlite":
            await db.migrate()
        return await work()

    return asyncio.run(db.run_with(settings.database_url, run))


def cmd_rebuild(settings: Settings, args: argparse.Namespace) -> int:
    from province import summary

    started = time.monotonic()
    result = _run(settings, summary.rebuild)
    print(f"全省统计汇总已重建 / province summary rebuilt: {result['events']} 项赛事 / events, "
          f"{result['rows']} 行 / rows ({time.monotonic() - started:.1f} s)")  # fmt: skip
    return 0


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    from province import summary

    diffs = _run(settings, lambda: summary.check(args.event))
    if not diffs:
        print("全省统计汇总与重新统计一致 / the province summary agrees with a fresh count")
        return 0
    print(f"全省统计汇总有 {len(diffs)} 处不一致（运行 competition province rebuild 重建）/ "
          f"{len(diffs)} difference(s) (run competition province rebuild)", file=sys.stderr)  # fmt: skip
    for d in diffs[:50]:
        print(f"  event {d['event']} skill {d['skill']} {d['key']} {d['measure']}: stored {d['stored']}, fresh {d['fresh']}", file=sys.stderr)
    return 1
