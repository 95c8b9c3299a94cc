"""A world for the certificate tests, built in a database the test owns.

Approved award proposals come from the results workflow (``marking/release``), which another
feature is building; until it approves over HTTP, these tests build their data in a database
of their own — a fresh file (or PostgreSQL database) migrated by ``competition migrate`` —
through the same services the API uses (events, registration), and write the approved
``AwardProposal`` rows the approver would have produced. No server's database is touched behind
its back: in-process tests call the certificate services on that database, and HTTP tests start
their own server on it only after it is seeded.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import ADMIN_PASSWORD, base_env, create_pg_database, drop_pg_database, run_cli, start_server

from kernel import audit
from kernel.settings import Settings
from scoring.idcard import make_id

ACTOR = audit.Actor(None, "test")
BASE_URL = "http://testserver.local"  # harness.base_env's PUBLIC_BASE_URL
_seq = itertools.count(1)

#: (name, group, rank, registered level, award, honour outcome or None, promotion (outcome, from, to) or None, approved, struck honour)
EMPLOYEES = [
    ("张晓明", 1, 3, "first", "granted", ("promoted", 3, 4)),
    ("欧阳建华", 2, 4, "second", "granted", ("promoted_already_held", 4, 5)),
    ("李嘉欣", 3, 5, "second", "already_held", ("no_change", 5, None)),
    ("陈志强", 4, 2, "third", "struck", ("promoted", 2, 4)),
    ("黄俊杰", 5, 3, "third", None, ("promoted", 3, 4)),
    ("王丽", 6, 3, "excellence", None, None),
]
STUDENTS = [("周子涵", 1, 2, "first", None, ("promoted", 2, 3)), ("吴思远", 2, 0, "second", None, ("promoted", None, 3))]
UNAPPROVED = ("刘德华", 7, 3, "excellence")  # an award the approver has not approved yet


def expected_counts() -> dict[str, int]:
    """Certificates the world above should get: awards, granted honours, real promotions."""
    people = EMPLOYEES + STUDENTS
    return {
        "award": len(people),
        "honour": sum(1 for p in people if p[4] == "granted"),
        "promotion": sum(1 for p in people if p[5] and p[5][0] in ("promoted", "promoted_already_held")),
    }


def person_id() -> str:
    """A valid, random resident ID number (born 1985–1996)."""
    born = dt.date(1985, 1, 1) + dt.timedelta(days=secrets.randbelow(4000))
    return make_id("440106", born, secrets.randbelow(500), "MF"[secrets.randbelow(2)])


@dataclass
class World:
    event: dict[str, Any]
    skill: dict[str, Any]
    contestants: dict[str, dict[str, Any]]  # name → contestant (with id_number)
    approver_id: int
    proposals: dict[str, list[int]] = field(default_factory=dict)


async def make_user(username: str, display: str) -> int:
    from competition.auth import service as accounts

    return await accounts.create_user(username, display, "password-123", actor=ACTOR)


async def register(event_id: int, skill: dict[str, Any], group_kind: str, name: str, level: int, id_number: str | None = None) -> dict[str, Any]:
    from competition.registration import service as registration

    group = next(g for g in skill["groups"] if g["kind"] == group_kind)
    n = next(_seq)
    id_number = id_number or person_id()
    c = await registration.register_one(event_id, {
        "name": name, "id_number": id_number, "skill_id": skill["id"], "group_id": group["id"],
        "employer": "广州市机电技师学院" if group_kind == "student" else "广州供电局",
        "delegation": "广州市代表队", "phone": f"139{n:08d}", "current_level": level,
        "level_certificate_no": f"S{n:06d}44" if level else None}, ACTOR)  # fmt: skip
    return c | {"id_number": id_number, "group_id": group["id"], "group_kind": group_kind}


async def propose(
    event_id: int, c: dict[str, Any], kind: str, code: str, *, rank: int | None, approver_id: int | None, outcome: str = "",
    from_level: int | None = None, to_level: int | None = None, rule: str = "", struck: bool = False,
) -> int:  # fmt: skip
    """An approved proposal as the approver leaves it (``approver_id`` None: not approved yet), with
    the snapshot of its person that finalisation takes."""
    from certificates.tables import AwardProposal

    now = dt.datetime.now(dt.timezone.utc)
    row = AwardProposal(
        event=event_id, skill=c["skill_id"], group=c["group_id"], contestant=c["id"], kind=kind, code=code, rank=rank,
        holder_name=c["name"], holder_id_number=c["id_number"], holder_employer=c["employer"], holder_delegation=c["delegation"],
        final_award=code if kind == "award" else "",
        from_level=from_level, to_level=to_level, rule=rule, outcome=outcome, struck=struck,
        strike_reason="材料不全" if struck else "", approved_by=approver_id, approved_at=now if approver_id else None,
    )  # fmt: skip
    return (await AwardProposal.insert(row).returning(AwardProposal.id))[0]["id"]


async def build_world(code: str | None = None, *, name: str = "第三届广东省职业技能大赛", tier_class: str = "class1") -> World:
    """An event with one skill, two groups, and the approved proposals of ``EMPLOYEES`` and ``STUDENTS``."""
    from competition.events import service as events

    code = code or "C" + secrets.token_hex(4).upper()
    event = await events.create_event({"name": name, "code": code, "tier": "provincial", "tier_class": tier_class,
                                       "host": "广东省人力资源和社会保障厅"}, ACTOR)  # fmt: skip
    skill = await events.create_skill(event["id"], {"name": "电工", "occupation_code": "6-31-01-03", "groups": ["employee", "student"]}, ACTOR)
    approver = await make_user("approver-" + secrets.token_hex(4), "省人社厅审批员")
    world = World(event, skill, {}, approver)
    for group_kind, people in (("employee", EMPLOYEES), ("student", STUDENTS)):
        for name_, rank, level, award, honour, promotion in people:
            c = await register(event["id"], skill, group_kind, name_, level)
            world.contestants[name_] = c
            ids = [await propose(event["id"], c, "award", award, rank=rank, approver_id=approver)]
            if honour:
                ids.append(await propose(event["id"], c, "honour", "guangdong_technical_expert", rank=rank, approver_id=approver,
                                         outcome="already_held" if honour == "already_held" else "granted", struck=honour == "struck",
                                         rule="guangdong_technical_expert"))  # fmt: skip
            if promotion:
                outcome, frm, to = promotion
                ids.append(await propose(event["id"], c, "promotion", "" if to is None else _level_name(to), rank=rank,
                                         approver_id=approver, outcome=outcome, from_level=frm, to_level=to, rule="award_to_technician"))  # fmt: skip
            world.proposals[name_] = ids
    name_, rank, level, award = UNAPPROVED
    c = await register(event["id"], skill, "employee", name_, level)
    world.contestants[name_] = c
    world.proposals[name_] = [await propose(event["id"], c, "award", award, rank=rank, approver_id=None)]
    return world


def _level_name(level: int) -> str:
    from scoring.levels import SkillLevel

    return SkillLevel(level).zh


# ---- databases and servers the test owns ------------------------------------------------------


class OwnDatabase:
    """A freshly migrated database (SQLite file or PostgreSQL database) bound in-process while used."""

    def __init__(self, data_dir: Path, kind: str = "sqlite"):
        self.data_dir = data_dir
        self.kind = kind
        self.url = ""
        self._before = None
        self.settings: Settings | None = None

    async def __aenter__(self) -> "OwnDatabase":
        if self.kind == "postgres":
            self.url = await create_pg_database()
        else:
            self.url = f"sqlite:///{self.data_dir / 'own.sqlite3'}"
        env = self.env()
        await asyncio.to_thread(run_cli, env, "migrate")
        self.settings = Settings(data_dir=self.data_dir, database_url=self.url, public_base_url=BASE_URL)
        self.bind()
        return self

    def env(self, **extra: str) -> dict[str, str]:
        return base_env(self.data_dir, self.url, **extra)

    def bind(self) -> None:
        from kernel.db import bind_engine, current_engine, engine_from_url

        self._before = current_engine()
        bind_engine(engine_from_url(self.url))

    def unbind(self) -> None:
        from kernel.db import bind_engine

        if self._before is not None:
            bind_engine(self._before)
            self._before = None

    async def __aexit__(self, *exc) -> None:
        self.unbind()
        if self.kind == "postgres":
            await drop_pg_database(self.url)


async def seeded_server(data_dir: Path, kind: str, name: str, *, worlds: int = 1, workers: int = 1, **env_extra: str):
    """Own database, migrated and seeded with ``worlds`` worlds, then a real server on it.

    Returns (server, own database, worlds); the caller stops the server and closes the database.
    """
    db = OwnDatabase(data_dir, kind)
    await db.__aenter__()
    try:
        built = [await build_world() for _ in range(worlds)]
    finally:
        db.unbind()
    env = db.env(**env_extra)
    await asyncio.to_thread(run_cli, env, "create-user", "admin", "--name", "测试管理员", "--password", ADMIN_PASSWORD, "--admin")
    server = await asyncio.to_thread(start_server, env, f"cert-{name}-{kind}", db_kind=kind, workers=workers)
    return server, db, built


async def issued_server(data_dir: Path, kind: str, name: str, **env_extra: str):
    """:func:`seeded_server` with one world whose certificates are already issued (numbers and rows,
    no PDFs): what the national record and the verification tests start from."""
    from certificates import issuance

    db = OwnDatabase(data_dir, kind)
    await db.__aenter__()
    try:
        world = await build_world()
        await issuance.issue(world.event["id"], ACTOR, db.settings, render="none")
    finally:
        db.unbind()
    env = db.env(**env_extra)
    await asyncio.to_thread(run_cli, env, "create-user", "admin", "--name", "测试管理员", "--password", ADMIN_PASSWORD, "--admin")
    server = await asyncio.to_thread(start_server, env, f"cert-{name}-{kind}", db_kind=kind)
    return server, db, world
