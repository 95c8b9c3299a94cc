"""Demo step: one skill taken all the way through, so a new user sees final results, honours and
certificates. Run after registration, judges and the competition-day steps, before certificates.

The finished skill is 数控车工 (CNC turning). Every mark goes through the live mark writer with the
panel's own seats, exactly as tablets would send them; then the chief judge signs off, the
encryption officer decrypts, the organiser publishes provisional and final results (the public
notice and appeal windows are shortened to zero for this one skill's release and restored after),
and the results are made final (the approver's part is the certificates' demo). Idempotent: a skill already final is left alone.
"""

from __future__ import annotations

import random
from decimal import Decimal

from competition.auth import service as accounts
from competition.dayof import anonymisation
from competition.events import service as events
from kernel import audit
from kernel.db import write_transaction
from kernel.guards import load_principal
from kernel.tables import CompetitionGroup, Skill, User
from marking.live.context import ContextCache
from marking.live.controller import store_scheme
from marking.live.ingest import MarkRefused, MarkRequest, MarkWriter
from marking.release import service
from marking.tables import CriterionLock, Mark, MarkingScheme, ResultRelease
from scoring import presets
from scoring.scheme import BANDED, DEDUCTION, FULL_OR_ZERO, JUDGEMENT, MEASUREMENT

FINISHED_SKILL = "数控车工"
ARBITRATOR = ("demo-arbitrator", "大赛监督仲裁组（演示）")
DEMO_PASSWORD = "demo-password-2026"


def _value(aspect, ability: float, rng: random.Random, base: int | None) -> str:
    if aspect.kind == JUDGEMENT:
        return str(base if base is not None else 2)
    if aspect.kind == MEASUREMENT:
        if aspect.mode == FULL_OR_ZERO:
            return str(aspect.max_mark if rng.random() < ability else 0)
        if aspect.mode == BANDED:
            marks = sorted({b.mark for b in aspect.bands}, reverse=True) + [Decimal(0)]
            return str(marks[min(len(marks) - 1, int((1 - ability) * len(marks) * rng.random() * 1.5))])
        if aspect.mode == DEDUCTION:
            step = aspect.deduction_step or Decimal(1)
            faults = int((1 - ability) * 6 * rng.random())
            return str(max(Decimal(0), aspect.max_mark - step * faults))
    return str((aspect.max_mark * Decimal(str(round(ability, 2)))).quantize(Decimal("0.5")))


async def demo(event_id: int) -> str | None:
    skill = await Skill.select(Skill.id, Skill.name).where((Skill.event == event_id) & (Skill.name == FINISHED_SKILL)).first()
    if skill is None:
        return None
    sid = skill["id"]
    groups = await CompetitionGroup.select(CompetitionGroup.id).where(CompetitionGroup.skill == sid)
    finals = await ResultRelease.count().where((ResultRelease.skill == sid) & (ResultRelease.stage == "final"))
    if groups and finals == len(groups):
        return None
    actor = audit.Actor(None, "demo")
    preset = (await events.event_preset(event_id))["effective"]
    if not await MarkingScheme.exists().where(MarkingScheme.skill == sid):
        from competition.demo_data import demo_scheme

        await store_scheme(event_id, sid, demo_scheme(FINISHED_SKILL, preset["scoring"].get("parts")), actor, None)

    contexts = ContextCache()
    writer = MarkWriter(contexts)
    ctx = await contexts.get(sid, fresh=True)
    assert ctx is not None and ctx.scheme is not None
    rng = random.Random(20261126)
    principals = {uid: await load_principal(uid) for uid in ctx.seats}
    refused = 0
    if not await Mark.exists().where(Mark.skill == sid):
        for c in sorted(ctx.contestants.values(), key=lambda c: c.id):
            if c.status != "registered" or c.absent:
                continue
            ability = rng.uniform(0.55, 0.97)
            for crit in ctx.scheme.criteria:
                for sub in crit.sub_criteria:
                    for aspect in sub.aspects:
                        base = 1 if ability < 0.7 else 2 if ability < 0.9 else 3
                        seats = [s for s in ctx.seats.values() if s.covers(crit.id, aspect.id)]
                        seats = [s for s in seats if ctx.conflict(s, c) is None][: ctx.expected_judges(aspect.id)]
                        for n, seat in enumerate(seats):
                            # Judgement panels agree within one point, as they do after discussion.
                            jbase = max(0, min(3, base - (1 if (n == 1 and rng.random() < 0.3) else 0)))
                            req = MarkRequest(
                                user=principals[seat.user_id], actor=audit.Actor(seat.user_id, seat.name), op_id=f"demo-{c.id}-{aspect.id}-{seat.user_id}",
                                skill_id=sid, contestant=c.ref or str(c.workstation_no), aspect=aspect.id, value=_value(aspect, ability, rng, jbase),
                            )  # fmt: skip
                            try:
                                await writer.submit(req)
                            except MarkRefused:
                                refused += 1
    await writer.stop()

    chief = next((s for s in ctx.seats.values() if s.role == "chief_judge"), None)
    chief_actor = audit.Actor(chief.user_id if chief else None, chief.name if chief else "demo")
    if await anonymisation.submission_of(sid) is None:
        # The chief judge locks every reviewed criterion, then signs off; a demo whose simulated
        # judges left something out says so in the override the sign-off then asks for.
        locked = {r["criterion"] for r in await CriterionLock.select(CriterionLock.criterion).where(CriterionLock.skill == sid)}
        async with write_transaction():
            for crit in ctx.scheme.criteria if ctx.scheme else ():
                if crit.id not in locked:
                    await CriterionLock.insert(CriterionLock(skill=sid, criterion=crit.id, locked_by=chief_actor.user_id))
                    await audit.record("criterion.lock", chief_actor, event_id=event_id, target=f"skill:{sid}", details={"criterion": crit.id})
        report = await anonymisation.completeness(event_id, sid)
        reason = None if report["complete"] else "演示数据：模拟评分未全部录入"
        await anonymisation.submit_scores(event_id, sid, chief_actor, reason)
        await anonymisation.recheck_scores(event_id, sid, chief_actor, reason)
    if not await anonymisation.is_decrypted(sid):
        officer = await User.select(User.id, User.display_name).where(User.username == "demo-encryption").first()
        await anonymisation.decrypt(
            event_id, sid, audit.Actor(officer["id"] if officer else None, officer["display_name"] if officer else "demo"), "演示"
        )

    # This skill's notice and appeal periods are cut to nothing for the demo (below the tier's floors,
    # which only a demo or test may do: ``presets.window_floors_capped``), then the event's restored.
    saved = (await events.event_preset(event_id))["overrides"]
    with presets.window_floors_capped(0):
        await events.set_preset_overrides(event_id, {**saved, "results": {"notice_hours": 0, "appeal_window_hours": 0}}, actor)
    try:
        for g in groups:
            row = await service.release_row(sid, g["id"])
            if row is None:
                with presets.window_floors_capped(0):
                    await service.publish_provisional(event_id, sid, g["id"], actor)
            row = await service.release_row(sid, g["id"])
            if row["stage"] != "final":
                await service.make_final(event_id, sid, g["id"], actor)
    finally:
        await events.set_preset_overrides(event_id, saved, actor)

    # The arbitration group (监督仲裁组) decides appeals; the demo has one member.
    arbitrator = await User.select(User.id).where(User.username == ARBITRATOR[0]).first()
    arbitrator_id = (
        arbitrator["id"] if arbitrator else await accounts.create_user(ARBITRATOR[0], ARBITRATOR[1], DEMO_PASSWORD, home_event=event_id, actor=actor)
    )
    await accounts.grant_role(arbitrator_id, "arbitrator", event_id, None, actor=actor)
    extra = f"，{refused} 个评分被拒" if refused else ""
    return (
        f"{FINISHED_SKILL} 已评分、解密并公布最终成绩{extra} / {FINISHED_SKILL} scored, decrypted and final; "
        f"仲裁账号 / arbitrator login: {ARBITRATOR[0]} / {DEMO_PASSWORD}"
    )
