"""Benchmark: a 20,000-row registration workbook, validated and stored, on SQLite and PostgreSQL.

Reference (same run): ``pandas.read_excel`` of the same file alone. Target: the whole import
(read + validate + store) takes at most 2x the reference. Checks that every row was stored and
that stored values match the sheet. Last line: ``RESULT import_registrations <ratio> target 2.0 ok|short``.

    python bench/bench_import_registrations.py [--rows 20000] [--no-postgres] [--smoke]

``--smoke``: the same path on 300 rows in 4 skills (seconds; the ratio means nothing at that size).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import secrets
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

import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402

from scoring.idcard import make_id  # noqa: E402

if str(BENCH) not in sys.path:  # imported from elsewhere, or run with python -P
    sys.path.insert(0, str(BENCH))
from bench_live import drop_pg, pg_database  # noqa: E402  (one place for the benches' scratch databases)

#: Services the default run uses besides SQLite (tests/bench/test_bench_smoke.py skips without them).
SERVICES = ("postgresql",)
SKILLS = 40
HEADERS = ["姓名", "身份证号", "竞赛项目", "组别", "工作单位/学校", "代表队", "现职业技能等级", "等级证书编号", "手机号"]
CITIES = [("广州市", "440106"), ("深圳市", "440305"), ("佛山市", "440604"), ("东莞市", "441900"), ("中山市", "442000")]


def make_workbook(n: int) -> bytes:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("报名表")
    ws.append(HEADERS)
    for i in range(n):
        city, region = CITIES[i % len(CITIES)]
        born = dt.date(1970, 1, 1) + dt.timedelta(days=(i // 500) * 7)
        student = i % 2 == 1
        ws.append([
            f"选手{i:05d}", make_id(region, born, i % 500, "MF"[i % 3 == 0]), f"项目{i % SKILLS:02d}",
            "学生组" if student else "职工组", f"{city}第{i % 50}技师学院" if student else f"{city}某某制造有限公司",
            city, "高级工", f"CERT{i:08d}", f"138{i:08d}",
        ])  # fmt: skip
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def run_import(database_url: str, content: bytes, n: int) -> tuple[float, int]:
    from competition.events import service as events
    from competition.registration import service
    from competition.registration.tables import Contestant
    from kernel import audit, db

    engine = db.engine_from_url(database_url)
    db.bind_engine(engine)
    await db.start(engine)
    try:
        await db.migrate()
        actor = audit.Actor(None, "bench")
        event = await events.create_event({"name": "基准测试赛", "code": "BENCH" + secrets.token_hex(3).upper(), "tier": "national"}, actor)
        await events.set_preset_overrides(event["id"], {"eligibility": {"school_check": "off"}}, actor)
        for s in range(SKILLS):
            await events.create_skill(event["id"], {"name": f"项目{s:02d}", "groups": ["employee", "student"]}, actor)
        start = time.perf_counter()
        status, body = await service.import_sheet(event["id"], content, "bench.xlsx", "all", actor)
        elapsed = time.perf_counter() - start
        if status != 200:
            raise SystemExit(f"import refused: {body['errors'][:3]}")
        stored = await Contestant.count().where(Contestant.event == event["id"])
        k = 1234 if n > 1234 else n // 2  # one row's stored values against the sheet's
        sample = await Contestant.select().where((Contestant.event == event["id"]) & (Contestant.name == f"选手{k:05d}")).first()
        assert sample and sample["phone"] == f"138{k:08d}" and sample["level_certificate_no"] == f"CERT{k:08d}", sample
        return elapsed, stored
    finally:
        await db.stop(engine)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--smoke", action="store_true", help="300 rows in 4 skills: the same path in seconds")
    args = ap.parse_args()
    if args.smoke:
        global SKILLS
        SKILLS, args.rows = 4, 300
    n = args.rows
    t0 = time.perf_counter()
    content = make_workbook(n)
    print(f"workbook: {n} rows, {len(content) / 1e6:.1f} MB, made in {time.perf_counter() - t0:.1f} s")

    ref_times = []
    for _ in range(2):
        t = time.perf_counter()
        df = pd.read_excel(io.BytesIO(content), dtype=str)
        ref_times.append(time.perf_counter() - t)
    assert len(df) == n
    ref = min(ref_times)
    print(f"reference pandas.read_excel: {ref:.2f} s")

    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        elapsed, stored = asyncio.run(run_import(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", content, n))
        assert stored == n, f"SQLite stored {stored} of {n}"
        results["sqlite"] = elapsed
        print(f"SQLite import (read + validate + store): {elapsed:.2f} s = {elapsed / ref:.2f}x reference, {stored} rows stored")
    if not args.no_postgres:
        try:
            url = asyncio.run(pg_database())
        except OSError as exc:
            print(f"PostgreSQL not reachable ({exc}); skipped")
        else:
            try:
                elapsed, stored = asyncio.run(run_import(url, content, n))
                assert stored == n, f"PostgreSQL stored {stored} of {n}"
                results["postgresql"] = elapsed
                print(f"PostgreSQL import (read + validate + store): {elapsed:.2f} s = {elapsed / ref:.2f}x reference, {stored} rows stored")
            finally:
                asyncio.run(drop_pg(url))
    worst = max(results.values()) / ref
    print(f"RESULT import_registrations {worst:.2f} target 2.0 {'ok' if worst <= 2.0 else 'short'}")


if __name__ == "__main__":
    main()
