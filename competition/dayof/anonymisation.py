"""Anonymisation (加密) and decryption (解密).

- The encryption officer generates a skill's **round 1** numbers (一次加密) and, optionally,
  **round 2** (二次加密: a fresh, independent random mapping; it needs round 1). Numbers come from
  ``codes.generate`` (OS randomness, unique per skill and round). Generating again only tops up
  contestants registered since (existing numbers never change); after decryption nothing changes.
- **Who sees the mapping.** Before decryption only holders of an explicit ``encryption_officer``
  grant — not organisers, not administrators (whose blanket roles would otherwise cover it). After
  decryption the skill's chief judge and the event's organisers see it too (the results need it).
- **Judges** see only the latest round's number and the workstation (``judging_list``). The number
  is what the scoring feature keys marks by: ``judge_ref`` and ``contestant_for_ref``. After
  decryption the judging list also carries name and delegation (the scores are final by then).
- **Decryption** is a recorded step by the encryption officer, refused (409) until the chief judge
  has submitted (``submit_scores``) and re-checked (``recheck_scores``) the skill's scores; it is
  stored in ``Decryption`` and the audit log. It happens once per skill.
- The audit log records counts, never the mapping (the log is read more widely than the mapping).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Awaitable, Callable

from competition.dayof import codes, face
from competition.dayof.common import active_contestants, editable_skill, skill_of
from competition.dayof.tables import Decryption, EncryptedNumber, ScoreSubmission
from competition.events import service as events
from competition.registration import face as registration
from competition.registration import service as registration_service
from kernel import access, audit
from kernel.db import lock_row, write_transaction
from kernel.errors import BilingualError, clean_text, invalid, not_found
from kernel.extension import Extension
from kernel.i18n import china_time
from kernel.roles import Principal
from kernel.tables import CompetitionGroup, Skill
from scoring.idcard import mask_id

# ---- reading ----------------------------------------------------------------------------------


async def _numbers(skill_id: int) -> dict[int, dict[int, str]]:
    """{contestant_id: {round: encrypted_no}} for a skill."""
    rows = await EncryptedNumber.select(EncryptedNumber.contestant, EncryptedNumber.round, EncryptedNumber.encrypted_no).where(
        EncryptedNumber.skill == skill_id
    )
    out: dict[int, dict[int, str]] = {}
    for r in rows:
        out.setdefault(r["contestant"], {})[r["round"]] = r["encrypted_no"]
    return out


def _latest(rounds: dict[int, str]) -> tuple[int, str] | None:
    if not rounds:
        return None
    last = max(rounds)
    return last, rounds[last]


contestant_refs = face.contestant_refs
is_decrypted = face.is_decrypted


async def decryption_of(skill_id: int) -> dict[str, Any] | None:
    row = await face.decryption(skill_id)
    if row is None:
        return None
    return {
        "by": row["decrypted_by.display_name"],
        "at": row["decrypted_at"].isoformat(),
        "at_china": china_time(row["decrypted_at"]),
        "note": row["note"],
    }


async def submission_of(skill_id: int) -> dict[str, Any] | None:
    row = await face.submission(skill_id)
    if row is None:
        return None
    return {
        "submitted_by": row["submitted_by.display_name"],
        "submitted_at": row["submitted_at"].isoformat(),
        "submitted_at_china": china_time(row["submitted_at"]),
        "rechecked": row["rechecked_at"] is not None,
        "rechecked_by": row["rechecked_by.display_name"],
        "rechecked_at": row["rechecked_at"].isoformat() if row["rechecked_at"] else None,
        "rechecked_at_china": china_time(row["rechecked_at"]),
        # The audit chain's head as each was recorded: to note on the signed paper sheet.
        "submitted_head": {"seq": row["submitted_head_seq"], "hash": row["submitted_head_hash"]} if row["submitted_head_seq"] else None,
        "rechecked_head": {"seq": row["rechecked_head_seq"], "hash": row["rechecked_head_hash"]} if row["rechecked_head_seq"] else None,
    }


async def status(event_id: int, skill_id: int) -> dict[str, Any]:
    """What anyone involved may know: counts per round, submission, decryption. No mapping."""
    await events.get_event(event_id)
    skill = await skill_of(event_id, skill_id)
    numbers = await _numbers(skill_id)
    active = {c["id"] for c in await active_contestants(skill_id, columns=("id",))}
    rounds = {str(r): sum(1 for cid in active if r in numbers.get(cid, {})) for r in codes.ROUNDS}
    return {
        "skill_id": skill_id,
        "skill": skill["name"],
        "contestants": len(active),
        "rounds": rounds,
        "latest_round": max((r for r in codes.ROUNDS if rounds[str(r)]), default=0),
        "submission": await submission_of(skill_id),
        "decryption": await decryption_of(skill_id),
    }


async def mapping(event_id: int, skill_id: int) -> dict[str, Any]:
    """The full mapping (encryption officer; others only after decryption — the controller decides)."""
    info = await status(event_id, skill_id)
    numbers = await _numbers(skill_id)
    groups = {g["id"]: g["name"] for g in await CompetitionGroup.select().where(CompetitionGroup.skill == skill_id)}
    rows = await active_contestants(skill_id)
    items = []
    for c in rows:
        rounds = numbers.get(c["id"], {})
        items.append(
            {
                "contestant_id": c["id"],
                "name": c["name"],
                "id_masked": mask_id(c["id_number"]),
                "delegation": c["delegation"],
                "employer": c["employer"],
                "group": groups.get(c["group"], ""),
                "session": c["session"],
                "workstation_no": c["workstation_no"],
                "round1": rounds.get(1),
                "round2": rounds.get(2),
                "encrypted_no": (_latest(rounds) or (0, None))[1],
            }
        )
    items.sort(key=lambda i: (i["encrypted_no"] is None, i["encrypted_no"] or "", i["contestant_id"]))
    return {**info, "items": items}


async def judging_list(event_id: int, skill_id: int) -> dict[str, Any]:
    """What judges see: per contestant the latest round's number and the workstation, nothing else.

    Contestants without a number yet are not listed; neither are those checked in as absent.
    After decryption each entry also carries ``name`` and ``delegation``.
    """
    await events.get_event(event_id)
    await skill_of(event_id, skill_id)
    decrypted = await is_decrypted(skill_id)
    numbers = await _numbers(skill_id)
    rows = await active_contestants(skill_id)
    absent = await face.absent(c["id"] for c in rows)
    items = []
    for c in rows:
        latest = _latest(numbers.get(c["id"], {}))
        if latest is None or c["id"] in absent:
            continue
        item: dict[str, Any] = {"encrypted_no": latest[1], "workstation_no": c["workstation_no"]}
        if decrypted:
            item |= {"name": c["name"], "delegation": c["delegation"]}
        items.append(item)
    items.sort(key=lambda i: i["encrypted_no"])
    return {"skill_id": skill_id, "round": max((r for n in numbers.values() for r in n), default=0), "decrypted": decrypted, "items": items}


# ---- for other features -------------------------------------------------------------------------


class NotEncrypted(BilingualError):
    def __init__(self) -> None:
        super().__init__(409, "not_encrypted", zh="该选手还没有加密号", en="This contestant has no encrypted number yet")


async def judge_ref(contestant_id: int) -> str:
    """The number judges know a contestant by: the latest round's encrypted number.

    Raises ``not_found("contestant")`` (404) for an unknown id and ``NotEncrypted`` (409) before
    the contestant's skill is encrypted.
    """
    contestant = await registration.contestant(contestant_id, ("skill",))
    if contestant is None:
        raise not_found("contestant")
    rows = await EncryptedNumber.select(EncryptedNumber.round, EncryptedNumber.encrypted_no).where(
        (EncryptedNumber.contestant == contestant_id) & (EncryptedNumber.skill == contestant["skill"])
    )
    latest = _latest({r["round"]: r["encrypted_no"] for r in rows})
    if latest is None:
        raise NotEncrypted()
    return latest[1]


async def contestant_for_ref(skill_id: int, encrypted_no: str) -> int:
    """The contestant behind a judge-facing number of the skill (case and spaces ignored).

    Only a contestant's *latest* round number is accepted: once round 2 exists, judges know only
    round-2 numbers. Raises ``not_found("encrypted_no")`` (404) otherwise.
    """
    wanted = codes.normalise(encrypted_no)
    rows = await EncryptedNumber.select(EncryptedNumber.contestant, EncryptedNumber.round).where(
        (EncryptedNumber.skill == skill_id) & (EncryptedNumber.encrypted_no == wanted)
    )
    for r in rows:
        others = await EncryptedNumber.select(EncryptedNumber.round).where(
            (EncryptedNumber.contestant == r["contestant"]) & (EncryptedNumber.skill == skill_id)
        )
        current = await registration.is_of_skill(r["contestant"], skill_id)
        if current and max(o["round"] for o in others) == r["round"]:
            return r["contestant"]
    raise not_found("encrypted_no")


# ---- writing ----------------------------------------------------------------------------------


def _already_decrypted() -> BilingualError:
    return BilingualError(
        409, "decrypted", zh="本项目已解密，加密号不能再变", en="This skill is decrypted; its encrypted numbers can no longer change"
    )


async def generate_round(event_id: int, skill_id: int, round_no: int, actor: audit.Actor) -> dict[str, Any]:
    """Give every active contestant of the skill a number of ``round_no`` (those without one)."""
    if round_no not in codes.ROUNDS:
        raise invalid("round", "须为 1（一次加密）或 2（二次加密）", "must be 1 (first round) or 2 (second round)")
    await editable_skill(event_id, skill_id)
    async with write_transaction():
        await lock_row(Skill, skill_id)
        if await is_decrypted(skill_id):
            raise _already_decrypted()
        contestants = [c["id"] for c in await active_contestants(skill_id, columns=("id",))]
        if not contestants:
            raise BilingualError(409, "no_contestants", zh="本项目还没有选手", en="This skill has no contestants yet")
        numbers = await _numbers(skill_id)
        need = [cid for cid in contestants if round_no not in numbers.get(cid, {})]
        if round_no == 2:
            missing = [cid for cid in need if 1 not in numbers.get(cid, {})]
            if missing:
                raise BilingualError(
                    409,
                    "round1_required",
                    field="round",
                    extra={"contestants": missing},
                    zh=f"二次加密须先完成一次加密（{len(missing)} 名选手还没有一次加密号）",
                    en=f"The second round needs the first: {len(missing)} contestant(s) have no first-round number",
                )
        taken = [r[round_no] for r in numbers.values() if round_no in r]
        new = codes.generate(len(need), round_no, taken=taken, total=len(taken) + len(need))
        now = dt.datetime.now(dt.timezone.utc)
        if need:
            await EncryptedNumber.insert(
                *[
                    EncryptedNumber(contestant=cid, skill=skill_id, round=round_no, encrypted_no=no, created_by=actor.user_id, created_at=now)
                    for cid, no in zip(need, new)
                ]
            )
            await audit.record(
                "encryption.generate",
                actor,
                event_id=event_id,
                target=f"skill:{skill_id}",
                details={"round": round_no, "created": len(need), "total": len(taken) + len(need)},
            )
    return {"round": round_no, "created": len(need), **await status(event_id, skill_id)}


#: What is left to finish before a skill's scores can be signed off? Each answer is
#: ``async (skill_id) -> [{code, zh, en, items}]``, empty when nothing is; live scoring answers
#: (``marking.live.completeness``, wired in ``server/wiring.py``).
SIGN_OFF_CHECKS: Extension[Callable[[int], Awaitable[list[dict[str, Any]]]]] = Extension("what is incomplete in this skill's scores", required=True)

#: How long an override's or a withdrawal's reason may be.
MAX_REASON = 500


async def completeness(event_id: int, skill_id: int) -> dict[str, Any]:
    """The completeness report the sign-off and the re-check ask first: ``complete`` and every
    problem (``{code, zh, en, items}``)."""
    await skill_of(event_id, skill_id)
    problems = [p for answer in SIGN_OFF_CHECKS for p in await answer(skill_id)]
    return {"skill_id": skill_id, "complete": not problems, "problems": problems}


def _override(reason: str | None) -> str:
    return clean_text(reason, "override_reason", max_len=MAX_REASON, required=False)


async def _checked(skill_id: int, step_zh: str, step_en: str, override_reason: str) -> dict[str, Any]:
    """Run the checks inside the step's transaction: refuse (409, naming what is incomplete)
    unless the chief judge gave a reason to go ahead anyway; what the audit entry records."""
    problems = [p for answer in SIGN_OFF_CHECKS for p in await answer(skill_id)]
    if not problems:
        return {}
    if not override_reason:
        raise BilingualError(
            409,
            "scores_incomplete",
            zh=f"成绩尚未完成，不能{step_zh}：" + "；".join(p["zh"] for p in problems) + "。确需继续的，请填写理由。",
            en=f"The scores are not complete, so they cannot be {step_en}: "
            + "; ".join(p["en"] for p in problems)
            + ". To go ahead anyway, give a reason.",
            field="override_reason",
            extra=problems,
        )
    return {"override_reason": override_reason, "incomplete": [{"code": p["code"], "zh": p["zh"], "en": p["en"]} for p in problems]}


async def submit_scores(event_id: int, skill_id: int, actor: audit.Actor, override_reason: str | None = None) -> dict[str, Any]:
    """The chief judge's submission (提交) of the skill's scores: refused while the scoring is
    incomplete (``SIGN_OFF_CHECKS``), unless ``override_reason`` says why (audited)."""
    reason = _override(override_reason)
    await editable_skill(event_id, skill_id)
    async with write_transaction():
        await lock_row(Skill, skill_id)
        if await ScoreSubmission.exists().where(ScoreSubmission.skill == skill_id):
            raise BilingualError(409, "already_submitted", zh="本项目成绩已提交", en="This skill's scores are already submitted")
        details = await _checked(skill_id, "提交", "submitted", reason)
        await ScoreSubmission.insert(ScoreSubmission(skill=skill_id, submitted_by=actor.user_id, submitted_at=dt.datetime.now(dt.timezone.utc)))
        head = await audit.record_step("scores.submit", actor, event_id=event_id, target=f"skill:{skill_id}", details=details or None)
        # The sign-off keeps the chain's head, so cutting off the entries after it shows.
        await ScoreSubmission.update({ScoreSubmission.submitted_head_seq: head.seq, ScoreSubmission.submitted_head_hash: head.hash}).where(
            ScoreSubmission.skill == skill_id
        )
    return await status(event_id, skill_id)


async def recheck_scores(event_id: int, skill_id: int, actor: audit.Actor, override_reason: str | None = None) -> dict[str, Any]:
    """The chief judge's re-check (复核) after submission: it checks again what the submission
    checked (a correction after sign-off may have opened a re-mark), with the same override."""
    reason = _override(override_reason)
    await editable_skill(event_id, skill_id)
    async with write_transaction():
        await lock_row(Skill, skill_id)
        row = await ScoreSubmission.select().where(ScoreSubmission.skill == skill_id).first()
        if row is None:
            raise BilingualError(
                409, "not_submitted", zh="成绩还未提交，不能复核", en="The scores are not submitted yet, so they cannot be re-checked"
            )
        if row["rechecked_at"] is not None:
            raise BilingualError(409, "already_rechecked", zh="本项目成绩已复核", en="This skill's scores are already re-checked")
        details = await _checked(skill_id, "复核", "re-checked", reason)
        head = await audit.record_step("scores.recheck", actor, event_id=event_id, target=f"skill:{skill_id}", details=details or None)
        await ScoreSubmission.update({
            ScoreSubmission.rechecked_by: actor.user_id, ScoreSubmission.rechecked_at: dt.datetime.now(dt.timezone.utc),
            ScoreSubmission.rechecked_head_seq: head.seq, ScoreSubmission.rechecked_head_hash: head.hash,
        }).where(ScoreSubmission.id == row["id"])  # fmt: skip
    return await status(event_id, skill_id)


async def withdraw_submission(event_id: int, skill_id: int, actor: audit.Actor, principal: Principal, reason: str | None) -> dict[str, Any]:
    """Withdraw the sign-off (撤回提交), with a reason: before decryption the chief judge
    (``withdraw_sign_off``), after it the organiser (``withdraw_sign_off_after_decryption``);
    never once results are published. The tablets can score again; the audit entry keeps what
    was withdrawn (who submitted and re-checked, and the heads recorded then)."""
    text = clean_text(reason, "reason", max_len=MAX_REASON)
    await editable_skill(event_id, skill_id)
    async with write_transaction():
        await lock_row(Skill, skill_id)
        row = await ScoreSubmission.select().where(ScoreSubmission.skill == skill_id).first()
        if row is None:
            raise BilingualError(
                409, "not_submitted", zh="本项目成绩还未提交，无可撤回", en="The scores are not submitted, so there is nothing to withdraw"
            )
        if await registration_service.published_groups([skill_id]):
            raise BilingualError(
                409,
                "results_published",
                zh="本项目成绩已公示，不能撤回提交；更正须通过申诉",
                en="The results of this skill are published; the sign-off can no longer be withdrawn (corrections go through appeals)",
            )
        decrypted = await is_decrypted(skill_id)
        capability = "withdraw_sign_off_after_decryption" if decrypted else "withdraw_sign_off"
        if not access.allows(principal, capability, event_id, skill_id, stage=access.SIGNED_OFF):
            if decrypted:
                raise BilingualError(
                    403,
                    "forbidden",
                    zh="本项目已解密，只有组织方可以撤回提交",
                    en="The skill is decrypted; only an organiser may withdraw the sign-off",
                )
            raise BilingualError(403, "forbidden", zh="解密之前，由裁判长撤回提交", en="Before decryption the chief judge withdraws the sign-off")
        await ScoreSubmission.delete().where(ScoreSubmission.id == row["id"])
        withdrawn = {
            "submitted_by": row["submitted_by"], "submitted_at": row["submitted_at"].isoformat(),
            "submitted_head": [row["submitted_head_seq"], row["submitted_head_hash"]],
            "rechecked_by": row["rechecked_by"], "rechecked_at": row["rechecked_at"].isoformat() if row["rechecked_at"] else None,
            "rechecked_head": [row["rechecked_head_seq"], row["rechecked_head_hash"]] if row["rechecked_head_seq"] else None,
        }  # fmt: skip
        await audit.record(
            "scores.withdraw",
            actor,
            event_id=event_id,
            target=f"skill:{skill_id}",
            details={"reason": text, "after_decryption": decrypted, "withdrawn": withdrawn},
        )
    return await status(event_id, skill_id)


async def decrypt(event_id: int, skill_id: int, actor: audit.Actor, note: str = "") -> dict[str, Any]:
    """解密: allowed once the skill's scores are submitted and re-checked; recorded and audited."""
    note = (note or "").strip()
    if len(note) > 500:
        raise invalid("note", "不能超过 500 个字符", "at most 500 characters")
    await editable_skill(event_id, skill_id)
    async with write_transaction():
        await lock_row(Skill, skill_id)
        if await is_decrypted(skill_id):
            raise BilingualError(409, "already_decrypted", zh="本项目已解密", en="This skill is already decrypted")
        if not await EncryptedNumber.exists().where(EncryptedNumber.skill == skill_id):
            raise BilingualError(
                409, "not_encrypted", zh="本项目还没有加密，无需解密", en="This skill has not been encrypted, so there is nothing to decrypt"
            )
        row = await ScoreSubmission.select().where(ScoreSubmission.skill == skill_id).first()
        if row is None:
            raise BilingualError(
                409, "not_submitted", zh="裁判长提交成绩之前不能解密", en="Decryption waits until the chief judge has submitted the scores"
            )
        if row["rechecked_at"] is None:
            raise BilingualError(
                409, "not_rechecked", zh="裁判长复核成绩之前不能解密", en="Decryption waits until the chief judge has re-checked the scores"
            )
        await Decryption.insert(Decryption(skill=skill_id, decrypted_by=actor.user_id, decrypted_at=dt.datetime.now(dt.timezone.utc), note=note))
        count = await EncryptedNumber.count().where(EncryptedNumber.skill == skill_id)
        await audit.record("decryption", actor, event_id=event_id, target=f"skill:{skill_id}", details={"numbers": count, "note": note})
    return await mapping(event_id, skill_id)


async def event_overview(event_id: int) -> list[dict[str, Any]]:
    """Every skill's anonymisation status (no mapping)."""
    skills = await Skill.select(Skill.id).where(Skill.event == event_id).order_by(Skill.id)
    return [await status(event_id, s["id"]) for s in skills]


async def record_of(contestant_id: int, skill_id: int) -> list[str]:
    """For registration: does the day's record hold this contestant (check-in, an encrypted
    number, a draw)?"""
    from competition.dayof.tables import CheckIn, Draw, EncryptedNumber
    from kernel.db import json_value

    found = []
    if await CheckIn.exists().where(CheckIn.contestant == contestant_id):
        found.append("checked_in")
    if await EncryptedNumber.exists().where(EncryptedNumber.contestant == contestant_id):
        found.append("encrypted_number")
    draws = await Draw.select(Draw.result).where(Draw.skill == skill_id)
    if any(str(contestant_id) in (json_value(d["result"], {}) or {}) for d in draws):
        found.append("draw")
    return found
