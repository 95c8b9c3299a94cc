"""Every benchmark runs, in its smoke mode, from a fresh copy of this checkout, as a user runs it.

The copy holds the checkout's files as they are now (tracked and untracked-but-not-ignored, so
uncommitted changes are tested too), and each bench runs there as ``python bench/bench_x.py
--smoke`` with the copy as working directory and no ``PYTHONPATH``: Python puts bench/ first on
``sys.path``, exactly where a bench file named like a package (``bench/certificates.py`` once hid
the ``certificates`` package: "'certificates' is not a package") would shadow it. The project is
installed editable from another checkout; the benches put their own checkout's root on
``sys.path`` (behind bench/, ahead of the installed copy), so what runs is the copy's code.

Each run must exit 0 and end with ``RESULT <name> <figure> target <target> ok|short`` (the
figure means nothing at smoke size; the benches' own checks — nothing lost, stored once, the
paths agree — still fail them). A bench needing PostgreSQL or Redis says so in its ``SERVICES``;
without them it is skipped with the reason (a failure with ``CI=true``).
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from harness import ROOT, need_postgres, need_redis

pytestmark = pytest.mark.slow(seconds=240)  # measured, under load: collected first, slowest first (tests/conftest.py)

BENCHES = sorted(p.name for p in (ROOT / "bench").glob("bench_*.py"))
RESULT = re.compile(r"^RESULT \S+ \S+ target \S+ (ok|short)$")
NEED = {"postgresql": need_postgres, "redis": need_redis}
TIMEOUT_S = 300


def services(path: Path) -> tuple[str, ...]:
    """The bench's module-level ``SERVICES``, read without importing it."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "SERVICES" for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    raise AssertionError(f"{path.name} declares no SERVICES (what its default run needs besides SQLite)")


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A fresh copy of the checkout's files (no .git, no virtualenv, nothing ignored)."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True, check=True).stdout.decode().split("\0")  # fmt: skip
    dest = tmp_path_factory.mktemp("checkout")
    for name in filter(None, listed):
        src = ROOT / name
        if src.is_file():  # not a file deleted but still in the index
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    assert (dest / "bench").is_dir() and (dest / "pyproject.toml").is_file()
    return dest


def bench_env() -> dict[str, str]:
    """The environment of someone running a bench: nothing pointing Python at a source tree."""
    drop = ("PYTHONPATH", "PYTHONSAFEPATH", "PYTHONHOME", "PYTHONSTARTUP", "DATABASE_URL", "REDIS_URL", "COMPETITION_")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


def test_benches_found():
    assert len(BENCHES) >= 5, BENCHES
    assert not [p.name for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("bench_")], "every bench is named bench_*"


@pytest.mark.parametrize("bench", BENCHES)
def test_bench_smoke(bench: str, checkout: Path):
    for service in services(checkout / "bench" / bench):
        NEED[service]()
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, f"bench/{bench}", "--smoke"], cwd=checkout, env=bench_env(),
                          capture_output=True, text=True, timeout=TIMEOUT_S)  # fmt: skip
    elapsed = time.perf_counter() - t
    lines = proc.stdout.strip().splitlines()
    tail = "\n".join(lines[-15:]) + "\n--- stderr ---\n" + proc.stderr[-3000:]
    assert proc.returncode == 0, f"{bench} --smoke exited {proc.returncode} after {elapsed:.1f} s:\n{tail}"
    assert lines and RESULT.match(lines[-1]), f"{bench} --smoke did not end with a RESULT line:\n{tail}"
    print(f"{bench} --smoke: {elapsed:.1f} s, {lines[-1]}")
