"""Benchmark: issue 1,000 certificate PDFs vs. one 1,000-page reference document.

    python bench/bench_certificates.py [--count 1000] [--batch-size 100] [--split pypdf|weasyprint] [--smoke]

``--smoke``: the same path for 12 certificates in batches of 5 (seconds; the figures mean nothing).

Two parts, each in its own subprocess so each has its own peak memory (ru_maxrss), run
concurrently:

- issue: ``render_batch`` writes one PDF per certificate (<number>.pdf) into a temp dir, in
  batches laid out as one multi-page WeasyPrint document each, split per certificate; then
  every file is checked (count, opens, one page, holder's number and name in its text) by a
  process pool. The check is timed separately and not part of the ratio.
- reference: the same certificates as ONE WeasyPrint document (layout + write_pdf), the
  fastest WeasyPrint can produce these pages at all.

Targets: issuing time at most 2.5 × the reference time (the ratio uses CPU time of each part,
robust to other load on the machine; wall-clock times and their ratio are printed too); issuing
peak RSS under 600 MB.
The last line is ``RESULT certificates <ratio> target 2.5 ok|short``; exit status 0 either way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# This checkout's packages ahead of an installed copy of the project, behind bench/ itself (which
# Python puts first for ``python bench/bench_x.py``; the benches are named bench_* so no file here
# shadows a package of the project or its dependencies).
if str(ROOT) not in sys.path:
    sys.path.insert(1, str(ROOT))

#: Services the default run uses besides SQLite (tests/bench/test_bench_smoke.py skips without them).
SERVICES = ()
TARGET_RATIO = 2.5
TARGET_PEAK_MB = 600
PUBLIC_BASE_URL = "https://zs.hrss.gd.gov.cn"

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志文辉玲红梅鹏飞俊峰"
    "晓燕婷雪琳宇浩然子涵欣怡梓轩雨泽思远嘉豪佳琪博文一诺家乐立新海波永康德胜振华春"
    "晨曦天佑宏伟光荣锦绣丹凤翠兰金凤玉兰淑珍秀梅少华耀祖荣辉柏林嘉欣颖彤诗雨梦琪"
)
_SKILLS = ["数控车", "数控铣", "焊接", "电工", "工业机器人系统运维", "汽车维修", "信息网络布线", "美发", "烹饪（中餐）", "砌筑"]
_GROUPS = ["职工组", "学生组", "教师组"]
_AWARDS = ["一等奖", "二等奖", "三等奖", "优胜奖"]
_LEVELS = [("中级工（四级）", "高级工（三级）"), ("高级工（三级）", "技师（二级）"), ("技师（二级）", "高级技师（一级）")]


def make_certificates(count: int, seed: int = 2026):
    """``count`` varied certificates of all three types, deterministic for a seed."""
    from certificates.numbering import format_number
    from certificates.render import CertificateData, make_verify_url

    rng = random.Random(seed)
    kinds = ["A"] * 6 + ["H"] * 1 + ["P"] * 3
    seqs = {"A": 0, "H": 0, "P": 0}
    out = []
    for _ in range(count):
        kind = rng.choice(kinds)
        seqs[kind] += 1
        number = format_number("GDJN3", kind, seqs[kind], 2026)
        name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))
        common = dict(
            cert_type=kind,
            number=number,
            holder_name=name,
            event_name="第三届广东省职业技能大赛",
            skill=rng.choice(_SKILLS),
            group=rng.choice(_GROUPS),
            issuer="广东省人力资源和社会保障厅",
            issue_date=dt.date(2026, 11, 26),
            verify_url=make_verify_url(PUBLIC_BASE_URL, number),
            id_number_masked=f"4401{rng.randrange(10**10):010d}{rng.randrange(10**4):04d}",
            organisation=rng.choice(["广州市机电技师学院", "深圳市第二高级技工学校", "广汽集团", "佛山市技师学院"]),
        )
        if kind == "A":
            common["award"] = rng.choice(_AWARDS)
        elif kind == "H":
            common["honour"] = "广东省技术能手"
        else:
            lv_from, lv_to = rng.choice(_LEVELS)
            common.update(occupation="车工", occupation_code="6-18-01-01", level_from=lv_from, level_to=lv_to)
        out.append(CertificateData(**common))
    return out


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _warm_up(renderer) -> None:
    """Load fonts and caches once, outside the timed part (both parts do the same)."""
    renderer.render_batch(make_certificates(3, seed=1))


def _check_file(job: tuple[str, str, str]) -> list[str]:
    """Problems with one issued file: name, page count, number and holder's name in its text."""
    from pypdf import PdfReader

    path, number, name = job
    base = os.path.basename(path)
    if base != f"{number}.pdf":
        return [f"{base}: expected {number}.pdf"]
    try:
        reader = PdfReader(path)
        text = re.sub(r"\s+", "", reader.pages[0].extract_text())
    except Exception as exc:  # noqa: BLE001 - report any unreadable file
        return [f"{base}: {type(exc).__name__}: {exc}"]
    problems = []
    if len(reader.pages) != 1:
        problems.append(f"{base}: {len(reader.pages)} pages")
    if number not in text:
        problems.append(f"{base}: number not in text")
    if name not in text:
        problems.append(f"{base}: holder name not in text")
    return problems


def part_issue(count: int, batch_size: int, split: str) -> dict:
    from certificates.render import CertificateRenderer

    certs = make_certificates(count)
    renderer = CertificateRenderer(batch_size=batch_size, split=split)
    _warm_up(renderer)
    with tempfile.TemporaryDirectory(prefix="bench-certs-") as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        paths = renderer.render_batch(certs, tmp)
        issue_s, issue_cpu = time.perf_counter() - t0, time.process_time() - c0
        peak_issue = _peak_mb()

        t1 = time.perf_counter()
        problems = []
        files = sorted(Path(tmp).glob("*.pdf"))
        if len(files) != count:
            problems.append(f"{len(files)} files for {count} certificates")
        jobs = [(str(path), cert.number, cert.holder_name) for cert, path in zip(certs, paths, strict=True)]
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            for found in pool.map(_check_file, jobs, chunksize=25):
                problems.extend(found)
        total_bytes = sum(path.stat().st_size for path in paths)
        check_s = time.perf_counter() - t1
    return {
        "issue_s": issue_s,
        "issue_cpu": issue_cpu,
        "check_s": check_s,
        "peak_mb": peak_issue,
        "avg_kb": total_bytes / max(1, count) / 1024,
        "problems": problems,
    }


def part_reference(count: int) -> dict:
    from certificates.render import CertificateRenderer

    certs = make_certificates(count)
    renderer = CertificateRenderer()
    _warm_up(renderer)
    with tempfile.TemporaryDirectory(prefix="bench-certs-ref-") as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        doc = renderer.render_document(certs)
        t1 = time.perf_counter()
        doc.write_pdf(os.path.join(tmp, "reference.pdf"))
        t2, c2 = time.perf_counter(), time.process_time()
        size = os.path.getsize(os.path.join(tmp, "reference.pdf"))
    return {"layout_s": t1 - t0, "write_s": t2 - t1, "ref_s": t2 - t0, "ref_cpu": c2 - c0, "peak_mb": _peak_mb(), "size_mb": size / 2**20}


def _start_part(args: argparse.Namespace, part: str) -> subprocess.Popen:
    cmd = [
        sys.executable, __file__, "--part", part, "--count", str(args.count),
        "--batch-size", str(args.batch_size), "--split", args.split,
    ]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def _result(proc: subprocess.Popen, part: str) -> dict:
    out, err = proc.communicate()
    if proc.returncode != 0:
        sys.stderr.write(err)
        raise RuntimeError(f"part {part} failed with exit status {proc.returncode}")
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--split", default="pypdf", choices=("pypdf", "weasyprint"))
    ap.add_argument("--smoke", action="store_true", help="12 certificates in batches of 5: the same path in seconds")
    ap.add_argument("--part", choices=("issue", "reference"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.smoke:  # the parts get the small sizes on their command lines
        args.count, args.batch_size = 12, 5

    if args.part == "issue":
        print(json.dumps(part_issue(args.count, args.batch_size, args.split)))
        return 0
    if args.part == "reference":
        print(json.dumps(part_reference(args.count)))
        return 0

    n = args.count
    print(f"certificates bench: {n} certificates, batch size {args.batch_size}, split {args.split}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    # Both parts run at the same time, each in its own process (own peak RSS): the run takes
    # about half as long on two or more CPUs, and both see the same load from anything else.
    try:
        ref_proc = _start_part(args, "reference")
        iss_proc = _start_part(args, "issue")
        ref = _result(ref_proc, "reference")
        print(f"reference: one {n}-page document  layout {ref['layout_s']:.1f} s + write {ref['write_s']:.1f} s"
              f" = {ref['ref_s']:.1f} s ({ref['ref_s'] / n * 1000:.1f} ms/page), {ref['size_mb']:.1f} MB,"
              f" peak RSS {ref['peak_mb']:.0f} MB", flush=True)  # fmt: skip
        iss = _result(iss_proc, "issue")
    except Exception as exc:  # noqa: BLE001 - the bench always ends with its RESULT line
        print(f"error: {exc}")
        print(f"RESULT certificates nan target {TARGET_RATIO} short")
        return 0
    print(f"issue: {n} PDF files  {iss['issue_s']:.1f} s ({iss['issue_s'] / n * 1000:.1f} ms/certificate),"
          f" {iss['avg_kb']:.0f} KB/file, peak RSS {iss['peak_mb']:.0f} MB (target < {TARGET_PEAK_MB})")  # fmt: skip
    print(f"check: {n} files opened and their text checked in {iss['check_s']:.1f} s (not timed above); "
          f"{len(iss['problems'])} problem(s)")  # fmt: skip
    for problem in iss["problems"][:10]:
        print(f"  - {problem}")
    # The ratio compares CPU time: WeasyPrint is single-threaded, and on a shared machine the
    # wall-clock ratio mostly measures what the neighbours were doing during each part.
    ratio = iss["issue_cpu"] / ref["ref_cpu"]
    wall_ratio = iss["issue_s"] / ref["ref_s"]
    print(f"cpu: issuing {iss['issue_cpu']:.1f} s ({iss['issue_cpu'] / n * 1000:.1f} ms/certificate), "
          f"reference {ref['ref_cpu']:.1f} s ({ref['ref_cpu'] / n * 1000:.1f} ms/page)")  # fmt: skip
    print(f"ratio: issuing / reference = {ratio:.2f} CPU time, {wall_ratio:.2f} wall clock (target <= {TARGET_RATIO})")
    ok = ratio <= TARGET_RATIO and iss["peak_mb"] < TARGET_PEAK_MB and not iss["problems"]
    if not ok:
        reasons = []
        if ratio > TARGET_RATIO:
            reasons.append("ratio over target")
        if iss["peak_mb"] >= TARGET_PEAK_MB:
            reasons.append("peak memory over target")
        if iss["problems"]:
            reasons.append("files failed the check")
        print("short: " + ", ".join(reasons))
    print(f"RESULT certificates {ratio:.2f} target {TARGET_RATIO} {'ok' if ok else 'short'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
