"""What other features may read of the competition day (its tables are its own): encrypted numbers,
check-in, the chief judge's submission and decryption. Each call is one query however many people
or skills it covers.
"""

from __future__ import annotations

from typing import Any, Iterable

from competition.dayof.tables import CheckIn, Decryption, EncryptedNumber, ScoreSubmission
from kernel import audit
from kernel.db import Query


def _keep_latest(rows: list[dict[str, Any]]) -> dict[int, str]:
    latest: dict[int, tuple[int, str]] = {}
    for n in rows:
        if n["contestant"] not in latest or latest[n["contestant"]][0] < n["round"]:
            latest[n["contestant"]] = (n["round"], n["encrypted_no"])
    return {cid: number for cid, (_, number) in latest.items()}


async def latest_refs(skill_id: int) -> dict[int, str]:
    """``{contestant_id: encrypted number}`` of the skill, each of its latest round: the number
    judges know the contestant by. Contestants without one are left out."""
    return _keep_latest(
        await EncryptedNumber.select(EncryptedNumber.contestant, EncryptedNumber.round, EncryptedNumber.encrypted_no).where(
            EncryptedNumber.skill == skill_id
        )
    )


async def contestant_refs(contestant_ids: Iterable[int]) -> dict[int, str]:
    """The same for these contestants, whatever their skills (for lists that show them)."""
    ids = sorted(set(contestant_ids))
    if not ids:
        return {}
    return _keep_latest(
        await EncryptedNumber.select(EncryptedNumber.contestant, EncryptedNumber.round, EncryptedNumber.encrypted_no).where(
            EncryptedNumber.contestant.is_in(ids)
        )
    )


async def checked_in(contestant_ids: Iterable[int], *, status: str | None = None) -> dict[int, str]:
    """``{contestant_id: check-in status}`` (present / late / absent) of those checked in (only
    those of ``status``, when named)."""
    ids = sorted(set(contestant_ids))
    if not ids:
        return {}
    where = CheckIn.contestant.is_in(ids)
    if status is not None:
        where &= CheckIn.status == status
    return {r["contestant"]: r["status"] for r in await CheckIn.select(CheckIn.contestant, CheckIn.status).where(where)}


async def absent(contestant_ids: Iterable[int]) -> set[int]:
    """Those of these contestants checked in as absent (缺考)."""
    return set(await checked_in(contestant_ids, status="absent"))


async def is_decrypted(skill_id: int) -> bool:
    return await Decryption.exists().where(Decryption.skill == skill_id)


async def decrypted_skills(skill_ids: Iterable[int]) -> set[int]:
    """Those of these skills that are decrypted."""
    ids = sorted(set(skill_ids))
    if not ids:
        return set()
    return {r["skill"] for r in await Decryption.select(Decryption.skill).where(Decryption.skill.is_in(ids))}


async def decryption(skill_id: int) -> dict[str, Any] | None:
    """The skill's decryption row (with ``decrypted_by.display_name``), or None."""
    return await Decryption.select(Decryption.all_columns(), Decryption.decrypted_by.display_name).where(Decryption.skill == skill_id).first()


async def submission(skill_id: int) -> dict[str, Any] | None:
    """The chief judge's submission of the skill's scores (with ``submitted_by.display_name`` and
    ``rechecked_by.display_name``; ``rechecked_at`` is None until re-checked), or None."""
    return (
        await ScoreSubmission.select(
            ScoreSubmission.all_columns(), ScoreSubmission.submitted_by.display_name, ScoreSubmission.rechecked_by.display_name
        )
        .where(ScoreSubmission.skill == skill_id)
        .first()
    )


def submitted_query(skills_sql: str, params: list[Any]) -> Query:
    """For reads run together in one step (``kernel.db.batch_transaction``): the skills, of those
    ``skills_sql`` (a condition on ``"skill"``, with ``params``) names, whose scores the chief judge
    has submitted (signed off), one row ``{"skill": id}`` each."""
    return (f'SELECT "skill" FROM "score_submission" WHERE {skills_sql}', params)


async def recorded_heads() -> list[audit.RecordedHead]:
    """The audit chain's heads recorded at every submission and re-check (``audit.HEAD_SOURCES``)."""
    heads: list[audit.RecordedHead] = []
    for r in await ScoreSubmission.select(
        ScoreSubmission.skill, ScoreSubmission.submitted_head_seq, ScoreSubmission.submitted_head_hash,
        ScoreSubmission.rechecked_head_seq, ScoreSubmission.rechecked_head_hash,
    ):  # fmt: skip
        for step in ("submitted", "rechecked"):
            if r[f"{step}_head_seq"]:
                heads.append(audit.RecordedHead(f"skill {r['skill']} scores {step}", r[f"{step}_head_seq"], r[f"{step}_head_hash"]))
    return heads
