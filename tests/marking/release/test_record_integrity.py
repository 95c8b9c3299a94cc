"""The record once results exist, over HTTP and the CLI on both databases:

1. marks are never deleted: a contestant the record names cannot be deleted (409, withdraw instead,
   with a reason), the record's foreign keys are ON DELETE RESTRICT — also in a database upgraded
   with rows in it — and a raw ``DELETE FROM contestant`` of a marked contestant fails;
2. identity is frozen once results are provisional: PATCH refuses (409 ``identity_frozen``), the
   approver's recorded correction works and is audited (ID numbers masked), and certificates and
   the ledger come from the approved snapshot even when the contestant row is changed behind the
   server's back;
3. (windows: ``test_record_windows.py``);
4. truncation is detectable: the chain's head is recorded at sign-off and at each publication,
   printed on the notice, kept beside backups; ``audit verify`` and ``restore`` name a chain whose
   newest entries were cut off together.

One world per database; the tests run in order and build on each other.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import io
import json
import re
import sqlite3
import subprocess
import sys

import pytest
from harness import create_pg_database, drop_pg_database, run_cli, sql
from results_world import ResultsWorld, decrypt, results_world, sign_off

from scoring.idcard import make_id, mask_id

pytestmark = pytest.mark.slow  # a minute or more: collected first (tests/conftest.py)

WINDOWS = {"notice_hours": 0, "appeal_window_hours": 0}
#: The migrations that made the record's foreign keys RESTRICT, and what they changed.
FK_MIGRATIONS = [
    ("scoring", "marking.piccolo_migrations.scoring_2026_12_03t13_28_30_000000"),
    ("certificates", "certificates.piccolo_migrations.certificates_2026_12_03t13_28_40_000000"),
]


@pytest.fixture(scope="module")
async def rw(server):
    world = await results_world(server, windows=WINDOWS)
    yield world
    await world.close()


def code(r) -> str:
    return r.json().get("code")


async def people(rw: ResultsWorld) -> dict[str, dict]:
    listed = (await rw.w.admin.get(f"/api/events/{rw.eid}/contestants", params={"skill_id": rw.sid})).json()["items"]
    return {p["name"]: p for p in listed}


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


async def on_delete(url: str, table: str) -> dict[str, str]:
    """Each foreign-key column of ``table`` → its ON DELETE rule, as the database reports it."""
    if is_postgres(url):
        rows = await sql(
            url,
            "SELECT kcu.column_name AS col, rc.delete_rule AS rule FROM information_schema.referential_constraints rc "
            "JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = rc.constraint_name AND kcu.constraint_schema = rc.constraint_schema "
            "JOIN information_schema.table_constraints tc ON tc.constraint_name = rc.constraint_name AND tc.constraint_schema = rc.constraint_schema "
            "WHERE tc.table_name = ?",
            table,
        )
        return {r["col"]: r["rule"] for r in rows}
    return {r["from"]: r["on_delete"] for r in await sql(url, f"PRAGMA foreign_key_list({table})")}


async def indexes(url: str, table: str) -> list[tuple]:
    if is_postgres(url):
        return sorted(
            (r["indexname"], r["indexdef"]) for r in await sql(url, "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ?", table)
        )
    return sorted((r["name"], r["sql"]) for r in await sql(url, "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", table))


async def raw_delete_contestant(url: str, contestant_id: int) -> str | None:
    """``DELETE FROM contestant`` on a connection that enforces foreign keys (as the server's do);
    the database's refusal, or None when it deleted the row."""
    if is_postgres(url):
        import asyncpg

        con = await asyncpg.connect(url)
        try:
            await con.execute("DELETE FROM contestant WHERE id = $1", contestant_id)
        except asyncpg.ForeignKeyViolationError as exc:
            return str(exc)
        finally:
            await con.close()
        return None
    from kernel.settings import sqlite_path

    con = sqlite3.connect(sqlite_path(url), timeout=30)
    try:
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("DELETE FROM contestant WHERE id = ?", (contestant_id,))
        con.commit()
    except sqlite3.IntegrityError as exc:
        return str(exc)
    finally:
        con.close()
    return None


async def last_entry(url: str, action: str, target: str) -> dict:
    rows = await sql(url, "SELECT seq, details FROM audit_log WHERE action = ? AND target = ? ORDER BY seq DESC LIMIT 1", action, target)
    assert rows, (action, target)
    details = rows[0]["details"]
    return {"seq": rows[0]["seq"], **(json.loads(details) if isinstance(details, str) else details)}


async def cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return await asyncio.to_thread(run_cli, env, *args, check=False)


# ---- 1. marks are never deleted ----------------------------------------------------------------


async def test_a_marked_contestant_is_withdrawn_with_a_reason_never_deleted(rw: ResultsWorld, server):
    url, admin, eid = server.env["DATABASE_URL"], rw.w.admin, rw.eid
    last = (await people(rw))["选手4"]
    marks_before = await sql(url, "SELECT count(*) AS n FROM mark WHERE contestant = ?", last["id"])
    assert marks_before[0]["n"] > 0

    # The API refuses, in both languages, and says what to do instead; nothing is lost.
    r = await admin.delete(f"/api/events/{eid}/contestants/{last['id']}")
    assert r.status_code == 409 and code(r) == "has_record", r.text
    assert "退赛" in r.json()["message"] and "评分" in r.json()["message"] and "marks" in r.json()["detail"]["record"]
    r = await admin.delete(f"/api/events/{eid}/contestants/{last['id']}", headers={"Accept-Language": "en"})
    assert r.status_code == 409 and "withdraw" in r.json()["message"] and "marks" in r.json()["message"]
    assert (await admin.get(f"/api/events/{eid}/contestants/{last['id']}")).status_code == 200
    assert await sql(url, "SELECT count(*) AS n FROM mark WHERE contestant = ?", last["id"]) == marks_before

    # Withdrawal needs a reason, and the reason is audited.
    r = await admin.patch(f"/api/events/{eid}/contestants/{last['id']}", json={"status": "withdrawn"})
    assert r.status_code == 422 and r.json()["field"] == "reason", r.text
    r = await admin.patch(f"/api/events/{eid}/contestants/{last['id']}", json={"status": "withdrawn", "reason": "本人书面申请退赛"})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn", r.text
    entry = await last_entry(url, "contestant.update", f"contestant:{last['id']}")
    assert entry["reason"] == "本人书面申请退赛" and entry["status"] == {"from": "registered", "to": "withdrawn"}
    r = await admin.patch(f"/api/events/{eid}/contestants/{last['id']}", json={"current_level": 5087})
    assert r.status_code == 422 and r.json()["field"] == "current_level", r.text
    # The form sends the status it shows: unchanged, it needs no reason.
    r = await admin.patch(f"/api/events/{eid}/contestants/{last['id']}", json={"status": "withdrawn", "phone": "13800138000"})
    assert r.status_code == 200, r.text

    # The database itself refuses: every foreign key of the record is RESTRICT.
    for table, columns in (("mark", ["skill", "contestant", "judge", "entered_by"]), ("appeal", ["contestant", "skill"]),
                           ("award_proposal", ["contestant", "skill", "group"]), ("result_release", ["skill", "group"]),
                           ("certificate", ["contestant", "event"]), ("promotion_ledger", ["event"])):  # fmt: skip
        rules = await on_delete(url, table)
        assert {c: rules.get(c) for c in columns} == {c: "RESTRICT" for c in columns}, (table, rules)
    refused = await raw_delete_contestant(url, last["id"])
    assert refused is not None and ("FOREIGN KEY" in refused.upper() or "foreign key" in refused.lower()), refused
    assert await sql(url, "SELECT count(*) AS n FROM mark WHERE contestant = ?", last["id"]) == marks_before

    verify = await cli(server.env, "audit", "verify")
    assert verify.returncode == 0 and "intact" in verify.stdout, verify.stdout


async def test_b_an_upgraded_database_keeps_every_row_and_index(rw: ResultsWorld, server):
    """The migration on a database that already holds marks (this one: every test's so far). The
    tables are put back as today's migrations made them (CASCADE), then ``competition migrate``."""
    url = server.env["DATABASE_URL"]
    plans = {app: importlib.import_module(module) for app, module in FK_MIGRATIONS}
    tables = [t for m in plans.values() for t in m.TABLES]
    before = {t: (await sql(url, f'SELECT * FROM "{t}" ORDER BY id'), await indexes(url, t)) for t in tables}
    assert before["mark"][0], "the database should hold marks"

    undo = (
        "import asyncio, importlib\n"
        "from kernel import db, foreign_keys\n"
        "from kernel.settings import Settings\n"
        "async def main():\n"
        "    engine = db.engine_from_url(Settings.from_env().database_url); db.bind_engine(engine); await db.start(engine)\n"
        "    try:\n"
        f"        for module in {[m for _, m in FK_MIGRATIONS]!r}:\n"
        "            plan = {t: cols for t, (_, cols) in importlib.import_module(module).TABLES.items()}\n"
        "            await foreign_keys.set_on_delete(plan, 'CASCADE')\n"
        "    finally:\n"
        "        await db.stop(engine)\n"
        "asyncio.run(main())\n"
    )
    done = await asyncio.to_thread(subprocess.run, [sys.executable, "-c", undo], env=server.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (await on_delete(url, "mark"))["contestant"] == "CASCADE"
    for module in plans.values():
        await sql(url, "DELETE FROM migration WHERE name = ?", module.ID)

    out = await cli(server.env, "migrate")
    assert out.returncode == 0 and "applied 2 migration" in out.stdout, out.stdout + out.stderr
    for app, module in plans.items():
        for table, (_, columns) in module.TABLES.items():
            rules = await on_delete(url, table)
            assert {c: rules[c] for c in columns} == {c: "RESTRICT" for c in columns}, (table, rules)
    for t in tables:
        rows, idx = before[t]
        assert await sql(url, f'SELECT * FROM "{t}" ORDER BY id') == rows, f"{t}: rows changed"
        assert await indexes(url, t) == idx, f"{t}: indexes changed"
    last = (await people(rw))["选手4"]
    assert await raw_delete_contestant(url, last["id"]) is not None
    # A unique index still holds: a mark's sequence number is unique.
    with pytest.raises(Exception):
        m = before["mark"][0][0]
        cols = [c for c in m if c != "id"]
        await sql(url, f"INSERT INTO mark ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", *[m[c] for c in cols])
    verify = await cli(server.env, "audit", "verify")
    assert verify.returncode == 0 and "intact" in verify.stdout, verify.stdout


# ---- 2. identity frozen, the approved snapshot issued ----------------------------------------


async def test_c_identity_frozen_once_provisional_and_the_approved_snapshot_issued(rw: ResultsWorld, server):
    url, admin, eid, w = server.env["DATABASE_URL"], rw.w.admin, rw.eid, rw.w
    winner = (await people(rw))["选手0"]
    path = f"/api/events/{eid}/contestants/{winner['id']}"
    await sign_off(w)
    await decrypt(w)
    # Before publication the registration can still be corrected.
    assert (await admin.patch(path, json={"employer": "广州市职业技术学院"})).status_code == 200
    assert (await rw.organiser.post(f"{rw.group_url}/results/provisional")).status_code == 200

    # Provisional: identity is frozen, other fields are not.
    r = await admin.patch(path, json={"name": "张冒名"})
    assert r.status_code == 409 and code(r) == "identity_frozen" and r.json()["field"] == "name", r.text
    assert "冻结" in r.json()["message"] and "审批人" in r.json()["message"]
    r = await admin.patch(path, json={"name": "张冒名"}, headers={"Accept-Language": "en"})
    assert "frozen" in r.json()["message"] and "approver" in r.json()["message"]
    other = make_id("440106", dt.date(2001, 2, 3), 7, "M")
    for patch in ({"id_number": other}, {"employer": "别处"}, {"delegation": "深圳市"}):
        r = await admin.patch(path, json=patch)
        assert r.status_code == 409 and code(r) == "identity_frozen", (patch, r.text)
    assert (await admin.patch(path, json={"phone": "13900139000", "name": winner["name"]})).status_code == 200

    r = await rw.organiser.post(f"{rw.group_url}/results/final")
    assert r.status_code == 200, r.text
    assert (await rw.approver.post(f"/api/events/{eid}/proposals/approve", json={})).status_code == 200
    assert code(await admin.patch(path, json={"name": "张冒名"})) == "identity_frozen"
    # Nor is a re-imported sheet a way around the freeze: the row is refused, the rest unchanged.
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO((await admin.get(f"/api/events/{eid}/registration/export")).content))
    ws = wb.worksheets[0]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == winner["name"]:  # reads show the ID number masked; the export has it in full
            row[0].value = "张冒名"
    buf = io.BytesIO()
    wb.save(buf)
    r = await admin.post(f"/api/events/{eid}/registration/import?mode=valid", files={"data": ("报名表.xlsx", buf.getvalue())})
    assert r.status_code == 200, r.text
    assert [e["code"] for e in r.json()["errors"]] == ["identity_frozen"] and r.json()["stored"]["updated"] == 0, r.text
    assert (await admin.get(path)).json()["name"] == "选手0"

    # The recorded correction: the approver's, with a reason, audited with before and after.
    corrections = f"{path}/identity-corrections"
    body = {"name": "选手零", "id_number": other, "reason": "依据身份证原件更正"}
    assert (await rw.organiser.post(corrections, json=body)).status_code == 403
    r = await rw.approver.post(corrections, json={**body, "reason": " "})
    assert r.status_code == 422 and r.json()["field"] == "reason", r.text
    r = await rw.approver.post(corrections, json=body)
    assert r.status_code == 201, r.text
    fixed = r.json()
    # The answer shows the ID number masked, as every read does (the full one only by an audited reveal).
    assert fixed["name"] == "选手零" and fixed["id_number"] == mask_id(other) and set(fixed["changed"]) >= {"name", "id_number", "birth_date"}
    assert fixed["proposals_updated"]
    entry = await last_entry(url, "contestant.identity_correction", f"contestant:{winner['id']}")
    assert entry["before"]["name"] == "选手0" and entry["after"]["name"] == "选手零" and entry["reason"] == "依据身份证原件更正"
    assert "*" in entry["before"]["id_number"] and "*" in entry["after"]["id_number"]
    text = json.dumps(entry, ensure_ascii=False)
    assert re.search(r"\d{17}[\dX]", text) is None and other not in text, "ID numbers must be masked in the audit log"
    listed = [p for p in (await rw.approver.get(f"/api/events/{eid}/proposals")).json() if p["contestant_id"] == winner["id"]]
    assert listed and {p["name"] for p in listed} == {"选手零"} and all(p["final_score"] for p in listed)

    # Behind the server's back the live row is changed: what is issued is the approved snapshot.
    await sql(
        url, "UPDATE contestant SET name = ?, id_number = ?, employer = ? WHERE id = ?", "冒名顶替", winner["id_number"], "冒名单位", winner["id"]
    )
    r = await rw.organiser.post(f"/api/events/{eid}/certificates/issue")
    assert r.status_code == 202, r.text
    batch = r.json()["batch"]
    for _ in range(600):
        batch = (await rw.organiser.get(f"/api/events/{eid}/certificates/batches/{batch['id']}")).json()
        if batch["status"] != "running":
            break
        await asyncio.sleep(0.3)
    assert batch["status"] == "finished", batch
    certs = [c for c in (await rw.organiser.get(f"/api/events/{eid}/certificates")).json() if c["contestant_id"] == winner["id"]]
    assert certs and {c["holder_name"] for c in certs} == {"选手零"}, certs
    stored = await sql(url, "SELECT holder_name, id_number FROM certificate WHERE contestant = ?", winner["id"])
    assert {(s["holder_name"], s["id_number"]) for s in stored} == {("选手零", other)}
    ledger = [e for e in (await rw.organiser.get(f"/api/events/{eid}/ledger")).json() if e["id_number"] == mask_id(other)]  # lists mask
    assert ledger and {e["name"] for e in ledger} == {"选手零"}
    rw.state["winner"] = winner


# ---- 4. truncation is detectable ---------------------------------------------------------------


async def test_d_a_chain_cut_short_is_named_by_verify_and_restore(rw: ResultsWorld, server, tmp_path):
    url, eid = server.env["DATABASE_URL"], rw.eid
    # The heads recorded at sign-off and at both publications, in the rows, the entries and the notice.
    sub = (await sql(url, "SELECT submitted_head_seq, submitted_head_hash, rechecked_head_seq FROM score_submission WHERE skill = ?", rw.sid))[0]
    flow = (await rw.organiser.get(f"{rw.group_url}/results")).json()
    heads = flow["release"]["heads"]
    assert (
        set(heads) == {"provisional", "final"}
        and sub["submitted_head_seq"] < sub["rechecked_head_seq"] < heads["provisional"]["seq"] < heads["final"]["seq"]
    )
    entry = await last_entry(url, "results.final", f"group:{rw.gid}")
    assert entry["seq"] == heads["final"]["seq"] and entry["chain_head"]["seq"] == heads["final"]["seq"] - 1
    page = (await rw.anon.get(f"/results/{eid}/skills/{rw.sid}")).text
    assert heads["final"]["hash"] in page and heads["provisional"]["hash"] in page and f"第 {heads['final']['seq']} 条" in page

    ok = await cli(server.env, "audit", "verify")
    assert ok.returncode == 0 and "intact" in ok.stdout and "heads recorded" in ok.stdout, ok.stdout

    # A backup carries the head beside it; restored elsewhere, the chain is checked against it.
    backup = tmp_path / "record.backup"
    out = await cli(server.env, "backup", str(backup))
    assert out.returncode == 0, out.stdout + out.stderr
    manifest = json.loads((tmp_path / "record.backup.head.json").read_text())
    assert manifest["head"]["seq"] >= heads["final"]["seq"] and manifest["sha256"]
    assert f"seq {manifest['head']['seq']}" in out.stdout
    if is_postgres(url):
        target = await create_pg_database()
    else:
        target = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    try:
        env = {**server.env, "DATABASE_URL": target}
        out = await cli(env, "restore", str(backup))
        assert out.returncode == 0 and f"matches the head recorded at backup time: seq {manifest['head']['seq']}" in out.stdout, (
            out.stdout + out.stderr
        )
        # A backup claiming a head its file does not hold (its newest entries cut off before it was
        # checksummed): the restore says the chain is truncated.
        claimed = {**manifest, "head": {"seq": manifest["head"]["seq"] + 5, "hash": "0" * 64}}
        (tmp_path / "record.backup.head.json").write_text(json.dumps(claimed))
        out = await cli(env, "restore", str(backup), "--force")
        assert out.returncode == 1 and f"truncated after seq {manifest['head']['seq']}" in out.stderr, out.stdout + out.stderr
        # A file that is not the one its manifest describes is refused before anything is replaced.
        with open(backup, "ab") as fh:
            fh.write(b"\0")
        out = await cli(env, "restore", str(backup), "--force")
        assert out.returncode == 1 and "checksums differ" in out.stderr, out.stderr
    finally:
        if is_postgres(url):
            await drop_pg_database(target)

    # The newest entries deleted together, behind the server's back: the links cannot show it, the heads do.
    cut = heads["provisional"]["seq"]
    removed = await sql(url, "SELECT * FROM audit_log WHERE seq >= ? ORDER BY seq", cut)
    await sql(url, "DELETE FROM audit_log WHERE seq >= ?", cut)
    try:
        broken = await cli(server.env, "audit", "verify")
        assert broken.returncode == 1, broken.stdout
        assert f"truncated after seq {cut - 1}" in broken.stdout and "被截断" in broken.stdout, broken.stdout
    finally:
        for row in removed:
            await sql(url, f"INSERT INTO audit_log ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", *row.values())
    again = await cli(server.env, "audit", "verify")
    assert again.returncode == 0 and "intact" in again.stdout, again.stdout
