"""The province's small data set, every figure of which the statistics tests write by hand (see
``seed``), and a real server on a database the test owns, seeded before it starts; with a
platform administrator and a province supervisor (``gdhrss``) made by the CLI."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import secrets
from pathlib import Path

from certificates_world import ACTOR, OwnDatabase, make_user, propose
from harness import ADMIN_PASSWORD, need_postgres, run_cli, start_server

from scoring.idcard import make_id

SUPERVISOR = ("gdhrss", "province-pass-1")

_n = itertools.count(1)


async def _register(event_id, skill, kind, name, delegation, born: dt.date, sex: str):
    from competition.registration import service as registration

    group = next(g for g in skill["groups"] if g["kind"] == kind)
    n = next(_n)
    id_number = make_id("440106", born, n, sex)
    c = await registration.register_one(event_id, {
        "name": name, "id_number": id_number, "skill_id": skill["id"], "group_id": group["id"],
        "employer": "某单位", "delegation": delegation, "phone": f"139{n:08d}", "current_level": 3,
        "level_certificate_no": f"S{n:06d}44"}, ACTOR)  # fmt: skip
    return c | {"id_number": id_number, "group_id": group["id"]}


async def seed() -> dict:
    """Event A (省赛, 2026): 电工, cluster 新一代电子信息 (by code P01), 6-31-01-03.
      employee: 广州市代表队 ×3 (men born 1990: 36 → 36-45), 佛山市 ×2 (women born 2000: 26 → 23-35),
                one more 广州 withdrawn (not counted);
      student:  深圳市 ×2 (men born 2006: 20 → <=22).
      approved: 广州0 一等奖 + 广东省技术能手 granted + promotion; 佛山0 二等奖 + honour already held
      (not counted as granted); struck: 深圳0 三等奖; not approved: 深圳1 优胜奖.
    Event B (市赛, 2025): 焊工, cluster typed by name 高端装备制造 (E02), no occupation code.
      employee: 广东电网有限责任公司 ×2 (an industry body; women born 1975: 50 → 46+);
      approved: one 三等奖."""
    from competition.events import service as events
    from competition.registration import service as registration

    a = await events.create_event({"name": "第三届广东省职业技能大赛", "code": "A" + secrets.token_hex(3).upper(), "tier": "provincial",
                                   "tier_class": "class1", "starts_on": dt.date(2026, 5, 10)}, ACTOR)  # fmt: skip
    sa = await events.create_skill(a["id"], {"name": "电工", "occupation_code": "6-31-01-03", "industry_cluster": "P01",
                                             "groups": ["employee", "student"]}, ACTOR)  # fmt: skip
    b = await events.create_event({"name": "2025年广州市职业技能竞赛", "code": "B" + secrets.token_hex(3).upper(), "tier": "city",
                                   "starts_on": dt.date(2025, 9, 1)}, ACTOR)  # fmt: skip
    sb = await events.create_skill(b["id"], {"name": "焊工", "industry_cluster": "高端装备制造", "groups": ["employee"]}, ACTOR)
    gz = [await _register(a["id"], sa, "employee", f"广州{i}", "广州市代表队", dt.date(1990, 3, 1), "M") for i in range(3)]
    fs = [await _register(a["id"], sa, "employee", f"佛山{i}", "佛山市", dt.date(2000, 3, 1), "F") for i in range(2)]
    left = await _register(a["id"], sa, "employee", "广州退赛", "广州市代表队", dt.date(1990, 3, 1), "M")
    await registration.update_one(a["id"], left["id"], {"status": "withdrawn", "reason": "本人申请退赛"}, ACTOR)
    sz = [await _register(a["id"], sa, "student", f"深圳{i}", "深圳市", dt.date(2006, 3, 1), "M") for i in range(2)]
    ind = [await _register(b["id"], sb, "employee", f"电网{i}", "广东电网有限责任公司", dt.date(1975, 3, 1), "F") for i in range(2)]
    approver = await make_user("approver-" + secrets.token_hex(4), "省人社厅审批员")
    await propose(a["id"], gz[0], "award", "first", rank=1, approver_id=approver)
    await propose(a["id"], gz[0], "honour", "guangdong_technical_expert", rank=1, approver_id=approver, outcome="granted")
    await propose(a["id"], gz[0], "promotion", "技师", rank=1, approver_id=approver, outcome="promoted", from_level=3, to_level=4)
    await propose(a["id"], fs[0], "award", "second", rank=2, approver_id=approver)
    await propose(a["id"], fs[0], "honour", "guangdong_technical_expert", rank=2, approver_id=approver, outcome="already_held")
    await propose(a["id"], sz[0], "award", "third", rank=1, approver_id=approver, struck=True)
    await propose(a["id"], sz[1], "award", "excellence", rank=2, approver_id=None)
    await propose(b["id"], ind[0], "award", "third", rank=1, approver_id=approver)
    return {"a": a["id"], "b": b["id"]}


async def province_server(data_dir: Path, kind: str):
    """(server, own database, {"a": event id, "b": event id}); the caller stops both."""
    if kind == "postgres":
        need_postgres()
    db = OwnDatabase(data_dir, kind)
    await db.__aenter__()
    try:
        ids = await seed()
    finally:
        db.unbind()
    env = db.env()
    # Seeded through the services and the test helpers, not the finalisation that keeps the
    # summary current: the CLI counts every event once, as after a restore.
    await asyncio.to_thread(run_cli, env, "province", "rebuild")
    await asyncio.to_thread(run_cli, env, "create-user", "admin", "--name", "测试管理员", "--password", ADMIN_PASSWORD, "--admin")
    await asyncio.to_thread(run_cli, env, "create-user", SUPERVISOR[0], "--name", "省人社厅统计", "--password", SUPERVISOR[1],
                            "--role", "province_supervisor")  # fmt: skip
    server = await asyncio.to_thread(start_server, env, f"province-{kind}-{data_dir.name}", db_kind=kind)
    return server, db, ids
