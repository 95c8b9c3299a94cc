"""A small world for the annual selection's tests, in a database the test owns: two finished
provincial events with approved results (see ``seed``), a selection organiser, two nominating-body
accounts and three reviewers (password ``password-123``), and a server started on it."""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from pathlib import Path

from certificates_world import ACTOR, OwnDatabase, make_user, propose
from harness import ADMIN_PASSWORD, need_postgres, run_cli, start_server

from scoring.idcard import make_id

PASSWORD = "password-123"
TODAY = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()


def day(n: int) -> str:
    """China's today plus ``n`` days, as ISO text."""
    return (TODAY + dt.timedelta(days=n)).isoformat()


async def _register(event_id, skill, kind, name, delegation, employer, n):
    from competition.registration import service as registration

    group = next(g for g in skill["groups"] if g["kind"] == kind)
    id_number = make_id("440106", dt.date(1985, 1, 1) + dt.timedelta(days=n * 37), n, "M")
    c = await registration.register_one(event_id, {
        "name": name, "id_number": id_number, "skill_id": skill["id"], "group_id": group["id"], "employer": employer,
        "delegation": delegation, "phone": f"139{n:08d}", "current_level": 4, "level_certificate_no": f"S{n:06d}44"}, ACTOR)  # fmt: skip
    return c | {"id_number": id_number, "group_id": group["id"]}


async def seed() -> dict:
    """Event A (省赛 2026): 电工 — 林志强 (广州, 广州供电局) first of the employees, 陈美玲 (深圳) second,
    周子涵 first of the students; 焊工 — 黄俊杰 first of the employees, holding 广东省技术能手.
    Event B (省赛 2025): 电工 — 林志强 first again. 林志强 was promoted to 技师 in B's ledger and holds
    市技术能手. 王小明 (深圳) is 中级工 (level 2): not eligible."""
    from certificates import face
    from certificates.tables import PromotionLedger
    from competition.events import service as events

    code = secrets.token_hex(3).upper()
    a = await events.create_event({"name": "第三届广东省职业技能大赛", "code": "A" + code, "tier": "provincial", "tier_class": "class1",
                                   "starts_on": dt.date(2026, 5, 10)}, ACTOR)  # fmt: skip
    b = await events.create_event({"name": "第二届广东省职业技能大赛", "code": "B" + code, "tier": "provincial", "tier_class": "class1",
                                   "starts_on": dt.date(2025, 5, 10)}, ACTOR)  # fmt: skip
    ea = await events.create_skill(a["id"], {"name": "电工", "occupation_code": "6-31-01-03", "groups": ["employee", "student"]}, ACTOR)
    wa = await events.create_skill(a["id"], {"name": "焊工", "groups": ["employee"]}, ACTOR)
    eb = await events.create_skill(b["id"], {"name": "电工", "occupation_code": "6-31-01-03", "groups": ["employee"]}, ACTOR)
    lin_a = await _register(a["id"], ea, "employee", "林志强", "广州市代表队", "广州供电局", 1)
    lin_b = await _register(b["id"], eb, "employee", "林志强", "广州市代表队", "广州供电局", 1)
    chen = await _register(a["id"], ea, "employee", "陈美玲", "深圳市代表队", "深圳地铁集团", 2)
    zhou = await _register(a["id"], ea, "student", "周子涵", "广州市代表队", "广州市机电技师学院", 3)
    huang = await _register(a["id"], wa, "employee", "黄俊杰", "佛山市代表队", "美的集团", 4)
    wang = make_id("440106", dt.date(1990, 6, 1), 5, "M")
    approver = await make_user("approver-" + secrets.token_hex(4), "省人社厅审批员")
    await propose(a["id"], lin_a, "award", "first", rank=1, approver_id=approver, from_level=4)
    await propose(b["id"], lin_b, "award", "first", rank=1, approver_id=approver, from_level=3)
    await propose(a["id"], chen, "award", "second", rank=2, approver_id=approver, from_level=4)
    await propose(a["id"], zhou, "award", "first", rank=1, approver_id=approver)
    await propose(a["id"], huang, "award", "first", rank=1, approver_id=approver, from_level=5)
    await PromotionLedger.insert(PromotionLedger(id_number=lin_a["id_number"], name="林志强", occupation="电工", from_level=3, to_level=4,
                                                 basis="第二届广东省职业技能大赛 电工 职工组 第1名", event=b["id"], approved_by=approver))  # fmt: skip
    await face.grant_honours([
        {"id_number": lin_a["id_number"], "name": "林志强", "honour": "city_technical_expert", "certificate_number": ""},
        {"id_number": huang["id_number"], "name": "黄俊杰", "honour": "guangdong_technical_expert", "certificate_number": ""},
    ])  # fmt: skip
    users = {}
    for name in ("organiser", "gz", "sz", "r1", "r2", "r3"):
        users[name] = "sel-" + name + "-" + secrets.token_hex(3)
        uid = await make_user(users[name], name)
        if name == "organiser":
            from competition.auth import service as accounts

            await accounts.grant_platform_role(uid, "selection_organiser")
    return {
        "lin": lin_a["id_number"],
        "chen": chen["id_number"],
        "huang": huang["id_number"],
        "zhou": zhou["id_number"],
        "wang": wang,
        "users": users,
    }


async def honours_server(data_dir: Path, kind: str):
    """(server, own database, seeded); the caller stops both."""
    if kind == "postgres":
        need_postgres()
    db = OwnDatabase(data_dir, kind)
    await db.__aenter__()
    try:
        seeded = await seed()
    finally:
        db.unbind()
    env = db.env()
    await asyncio.to_thread(run_cli, env, "create-user", "admin", "--name", "测试管理员", "--password", ADMIN_PASSWORD, "--admin")
    server = await asyncio.to_thread(start_server, env, f"honours-{kind}-{data_dir.name}", db_kind=kind)
    return server, db, seeded
