"""Demo of the competition day: check-in of every demo contestant (a few late, a few absent),
workstations drawn for every skill and session, round-1 encryption, and an encryption officer
account. Runs after registration's and judges' demo steps; idempotent (each part is done only where
it is missing). Uses the same services as the API."""

from __future__ import annotations

from competition.auth import service as accounts
from competition.dayof import anonymisation, checkin, draw
from competition.dayof.common import active_contestants, sessions_of
from competition.dayof.tables import CheckIn, EncryptedNumber
from kernel import audit
from kernel.roles import ENCRYPTION_OFFICER
from kernel.tables import Skill, User

OFFICER = ("demo-encryption", "加密员（演示）")


def _demo_status(position: int) -> str:
    """Roughly 1 in 15 late and 1 in 20 absent, spread over the list."""
    if position % 20 == 13:
        return "absent"
    if position % 15 == 6:
        return "late"
    return "present"


async def demo(event_id: int) -> str | None:
    from competition.demo_data import DEMO_PASSWORD

    actor = audit.Actor(None, "demo")
    user = await User.select(User.id).where(User.username == OFFICER[0]).first()
    officer_id = user["id"] if user else await accounts.create_user(OFFICER[0], OFFICER[1], DEMO_PASSWORD, home_event=event_id, actor=actor)
    await accounts.grant_role(officer_id, ENCRYPTION_OFFICER, event_id, None, actor=actor)
    officer = audit.Actor(officer_id, OFFICER[1])

    checked = drawn = encrypted = 0
    for skill in await Skill.select(Skill.id).where(Skill.event == event_id).order_by(Skill.id):
        skill_id = skill["id"]
        contestants = await active_contestants(skill_id, columns=("id", "id_number"))
        if not contestants:
            continue
        done = {r["contestant"] for r in await CheckIn.select(CheckIn.contestant).where(CheckIn.contestant.is_in([c["id"] for c in contestants]))}
        for position, c in enumerate(contestants):
            if c["id"] in done:
                continue
            status = _demo_status(position)
            note = "开赛后到场" if status == "late" else ""
            await checkin.set_checkin(event_id, c["id"], status, actor, id_number=None if status == "absent" else c["id_number"], note=note)
            checked += 1
        current = await draw.current_draws(skill_id)
        for session in await sessions_of(skill_id):
            if session not in current:
                await draw.run_draw(event_id, skill_id, session, actor)
                drawn += 1
        numbered = {
            r["contestant"]
            for r in await EncryptedNumber.select(EncryptedNumber.contestant).where(
                (EncryptedNumber.skill == skill_id) & (EncryptedNumber.round == 1)
            )
        }
        if not await anonymisation.is_decrypted(skill_id) and any(c["id"] not in numbered for c in contestants):
            await anonymisation.generate_round(event_id, skill_id, 1, officer)
            encrypted += 1
    if not (checked or drawn or encrypted):
        return "演示检录、抽签、加密已存在 / demo check-in, draw and encryption already done"
    return (
        f"已检录 {checked} 人、抽签 {drawn} 场、加密 {encrypted} 个项目 / checked in {checked}, drew {drawn} sessions, "
        f"encrypted {encrypted} skills; 加密员账号 / encryption officer login: {OFFICER[0]} / {DEMO_PASSWORD}"
    )
