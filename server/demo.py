"""``competition demo``: a realistic demo event, loaded through the same services the API uses.

Idempotent: running it again finds the demo event and leaves it as it is. Later features add their
part (registrations, judges, scores …) through ``DEMO_STEPS``.
"""

from __future__ import annotations

import datetime as dt
from typing import Awaitable, Callable

from certificates import issuance as certificates_issuance
from certificates import proposals as certificates_proposals
from competition.auth import service as accounts
from competition.dayof import demo as competition_dayof_demo
from competition.demo_data import (  # noqa: F401  (re-exported for the CLI and tests)
    DEMO_EVENT_CODE,
    DEMO_PASSWORD,
    DEMO_SECOND_EVENT,
    DEMO_SECOND_SKILLS,
    DEMO_SKILLS,
    DEMO_USERS,
)
from competition.events import service as events
from competition.judges import service as competition_judges_service
from competition.registration import demo as competition_registration_demo
from kernel import audit
from kernel.roles import ENCRYPTION_OFFICER
from kernel.tables import Event, User
from marking.release import demo as scoring_release_demo

#: The features' demo steps, in order; each is ``async def demo(event_id) -> str | None`` returning a
#: line to print (idempotent: it finds its data already there on a second run). The approver
#: approves what the final results proposed, then certificates are issued for what was approved.
DEMO_STEPS: list[Callable[[int], Awaitable[str | None]]] = [
    competition_registration_demo.demo,
    competition_registration_demo.window_demo,
    competition_judges_service.demo,
    competition_dayof_demo.demo,
    scoring_release_demo.demo,
    certificates_proposals.demo,
    certificates_issuance.demo,
]


async def load_demo() -> list[str]:
    lines: list[str] = []
    actor = audit.Actor(None, "demo")
    org_name, org_display = DEMO_USERS["organiser"]
    user = await User.select(User.id).where(User.username == org_name).first()
    org_id = user["id"] if user else await accounts.create_user(org_name, org_display, DEMO_PASSWORD, actor=actor)
    await accounts.grant_platform_role(org_id, "event_creator", actor=actor)
    # The province's supervisor (人社厅): reads the statistics of every event, no personal data.
    prov_name, prov_display = DEMO_USERS["province"]
    prov = await User.select(User.id).where(User.username == prov_name).first()
    prov_id = prov["id"] if prov else await accounts.create_user(prov_name, prov_display, DEMO_PASSWORD, actor=actor)
    await accounts.grant_platform_role(prov_id, "province_supervisor", actor=actor)

    existing = await Event.select(Event.id).where(Event.code == DEMO_EVENT_CODE).first()
    if existing:
        event_id = existing["id"]
        lines.append(f"演示赛事已存在 / demo event already loaded (id {event_id})")
    else:
        today = dt.date.today()
        event = await events.create_event(
            {
                "name": "第三届广东省职业技能大赛",
                "code": DEMO_EVENT_CODE,
                "tier": "provincial",
                "tier_class": "class1",
                "starts_on": today,
                "ends_on": today + dt.timedelta(days=2),
                "venue": "广州·中国进出口商品交易会展馆",
                "host": "广东省人力资源和社会保障厅",
            },
            actor,
        )
        event_id = event["id"]
        for skill in DEMO_SKILLS:
            await events.create_skill(event_id, skill, actor)
        lines.append(f"已载入演示赛事 / demo event loaded: 第三届广东省职业技能大赛 (id {event_id})")
    # The demo organiser is an event creator and this event's organiser (a no-op when it already is).
    await accounts.grant_role(org_id, "organiser", event_id, None, actor=actor, trusted=True)
    for step in DEMO_STEPS:
        line = await step(event_id)
        if line:
            lines.append(line)
    lines += await _second_event(org_id, actor)
    lines.append(f"组织方账号 / organiser login: {org_name} / {DEMO_PASSWORD}")
    lines.append(f"全省统计账号 / province statistics login: {prov_name} / {DEMO_PASSWORD} (/province/statistics)")
    return lines


async def _second_event(org_id: int, actor: audit.Actor) -> list[str]:
    """The demo's second, finished event (a 2025 市赛 of one skill) through the same steps:
    registered, drawn, scored, made final, approved, certified (idempotent: found by its code)."""
    existing = await Event.select(Event.id).where(Event.code == DEMO_SECOND_EVENT["code"]).first()
    if existing:
        event_id = existing["id"]
        lines = [f"第二项演示赛事已存在 / second demo event already loaded (id {event_id})"]
    else:
        data = {**DEMO_SECOND_EVENT}
        data["starts_on"], data["ends_on"] = dt.date.fromisoformat(data["starts_on"]), dt.date.fromisoformat(data["ends_on"])
        event_id = (await events.create_event(data, actor))["id"]
        for skill in DEMO_SECOND_SKILLS:
            await events.create_skill(event_id, skill, actor)
        lines = [f"已载入第二项演示赛事 / second demo event loaded: {DEMO_SECOND_EVENT['name']} (id {event_id})"]
    await accounts.grant_role(org_id, "organiser", event_id, None, actor=actor, trusted=True)
    # The first event's demo officer, arbitrator and approver serve this one too (as one
    # province-wide team would): invited to their role here and accepting, as any account of
    # another event joins one.
    for (username, _display), role in ((competition_dayof_demo.OFFICER, ENCRYPTION_OFFICER), (scoring_release_demo.ARBITRATOR, "arbitrator"),
                                      (certificates_proposals.APPROVER, "approver")):  # fmt: skip
        user = await User.select(User.id).where(User.username == username).first()
        if user and not await accounts.belongs_to_event(user["id"], event_id):
            invitation = await accounts.invite(event_id, username, role, None, actor=actor)
            await accounts.answer_invitation(invitation["id"], user["id"], True, actor=audit.Actor(user["id"], _display))
    for step in DEMO_STEPS:
        line = await step(event_id)
        if line:
            lines.append(f"[{DEMO_SECOND_EVENT['code']}] {line}")
    return lines
