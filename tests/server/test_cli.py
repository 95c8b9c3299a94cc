"""The CLI: migrations on both databases, accounts, the demo, the workers refusal, audit verify."""

import asyncio
import sqlite3
import subprocess
import sys

import pytest
from harness import ROOT, base_env, create_pg_database, drop_pg_database, need_postgres, run_cli

pytestmark = pytest.mark.slow(seconds=180)  # measured, under load: collected first, slowest first (tests/conftest.py)

EXPECTED_TABLES = {
    "app_user",
    "event",
    "skill",
    "competition_group",
    "role_assignment",
    "login_code",
    "audit_log",
    "contestant",
    "team",
    "judge",
    "judge_assignment",
    "check_in",
    "draw",
    "encrypted_number",
    "decryption",
    "score_submission",
    "marking_scheme",
    "mark",
    "criterion_lock",
    "board_state",
    "result_release",
    "appeal",
    "award_proposal",
    "certificate_counter",
    "certificate",
    "issuance_batch",
    "honour_held",
    "promotion_ledger",
}


async def _pg_tables(url: str) -> set[str]:
    import asyncpg

    con = await asyncpg.connect(url)
    try:
        rows = await con.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {r["tablename"] for r in rows}
    finally:
        await con.close()


def _sqlite_tables(path) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()


def test_migrations_forward_on_sqlite(tmp_path):
    env = base_env(tmp_path, f"sqlite:///{tmp_path / 'm.sqlite3'}")
    first = run_cli(env, "migrate")
    assert "applied" in first.stdout and "applied 0" not in first.stdout
    assert EXPECTED_TABLES <= _sqlite_tables(tmp_path / "m.sqlite3")
    again = run_cli(env, "migrate")
    assert "applied 0 migration" in again.stdout


def test_migrations_forward_on_postgres(tmp_path):
    need_postgres()
    url = asyncio.run(create_pg_database())
    try:
        env = base_env(tmp_path, url)
        run_cli(env, "migrate")
        assert EXPECTED_TABLES <= asyncio.run(_pg_tables(url))
        assert "applied 0 migration" in run_cli(env, "migrate").stdout
    finally:
        asyncio.run(drop_pg_database(url))


def test_serve_on_postgres_refuses_pending_migrations(tmp_path):
    need_postgres()
    url = asyncio.run(create_pg_database())
    try:
        proc = run_cli(base_env(tmp_path, url), "serve", "--port", "1", check=False, timeout=60)
        assert proc.returncode == 2
        assert "competition migrate" in proc.stderr
    finally:
        asyncio.run(drop_pg_database(url))


def test_workers_without_redis_are_refused(tmp_path):
    env = base_env(tmp_path, f"sqlite:///{tmp_path / 'w.sqlite3'}")
    proc = run_cli(env, "serve", "--workers", "2", check=False, timeout=60)
    assert proc.returncode == 2
    assert "REDIS_URL" in proc.stderr
    assert "多个工作进程" in proc.stderr


def test_python_dash_m_and_console_script_agree(tmp_path):
    out = subprocess.run([sys.executable, "-m", "server", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and "serve" in out.stdout and "create-user" in out.stdout and "demo" in out.stdout


def test_create_user_refuses_duplicates_and_short_passwords(tmp_path):
    env = base_env(tmp_path, f"sqlite:///{tmp_path / 'u.sqlite3'}")
    run_cli(env, "migrate")
    run_cli(env, "create-user", "org1", "--password", "long-enough-1")
    dup = run_cli(env, "create-user", "org1", "--password", "long-enough-1", check=False)
    assert dup.returncode == 2 and "already exists" in dup.stderr
    short = run_cli(env, "create-user", "org2", "--password", "short", check=False)
    assert short.returncode == 2 and "password" in short.stderr.lower()


def test_demo_is_idempotent_and_prints_credentials(tmp_path):
    env = base_env(tmp_path, f"sqlite:///{tmp_path / 'd.sqlite3'}")
    first = run_cli(env, "demo", timeout=600)
    assert "demo-organiser" in first.stdout and "第三届广东省职业技能大赛" in first.stdout
    # The second, finished event (a 2025 市赛) is loaded by the same steps, so the province's
    # figures show two tiers and two years.
    assert "2025年广州市职业技能竞赛" in first.stdout and "[GZ2025]" in first.stdout
    # The arbitration group's login is printed too: appeals in the demo have someone to decide them.
    assert "arbitrator login: demo-arbitrator / demo-password-2026" in first.stdout
    # And the province's supervisor, whose statistics page shows the demo's figures.
    assert "province statistics login: demo-province / demo-password-2026" in first.stdout
    second = run_cli(env, "demo", timeout=600)
    assert "already loaded" in second.stdout and "second demo event already loaded" in second.stdout
    con = sqlite3.connect(tmp_path / "d.sqlite3")
    assert con.execute("SELECT count(*) FROM event").fetchone()[0] == 2
    assert con.execute("SELECT count(*) FROM skill").fetchone()[0] == 3 + 1
    assert con.execute("SELECT count(*) FROM competition_group").fetchone()[0] == 6 + 2
    # Both events finished: final results, approved proposals, certificates; the summary agrees.
    tiers = con.execute("SELECT e.tier, COUNT(c.id) FROM event e JOIN certificate c ON c.event = e.id GROUP BY e.tier").fetchall()
    assert {t for t, n in tiers if n} == {"provincial", "city"}
    assert "agrees" in run_cli(env, "province", "check").stdout


def test_audit_verify_names_the_altered_entry(tmp_path):
    env = base_env(tmp_path, f"sqlite:///{tmp_path / 'a.sqlite3'}")
    run_cli(env, "demo")
    assert "intact" in run_cli(env, "audit", "verify").stdout
    con = sqlite3.connect(tmp_path / "a.sqlite3")
    con.execute("UPDATE audit_log SET target = 'forged' WHERE seq = 3")
    con.commit()
    bad = run_cli(env, "audit", "verify", check=False)
    assert bad.returncode == 1 and "entry 3" in bad.stdout
    con.execute("DELETE FROM audit_log WHERE seq = 3")
    con.commit()
    gone = run_cli(env, "audit", "verify", check=False)
    assert gone.returncode == 1 and "entry 3" in gone.stdout
