"""The draw (抽签): workstation numbers for a skill's session, random, recorded, replayable.

A draw:
1. takes the **pool**: if any check-in is recorded for the skill's session, the contestants
   checked in as present or late (``pool = "checked_in"``); otherwise every active contestant of
   the session (``pool = "registered"``, for draws held before check-in);
2. sorts the pool by contestant id (the input order: it is the sorted keys of the stored result);
3. takes a fresh seed, ``secrets.token_bytes(32)``, stored as hex;
4. runs ``shuffle.draw`` (algorithm ``sha256-ctr-fisher-yates/1``, described in ``shuffle.py``):
   contestant ids → workstations 1…n;
5. stores the ``Draw`` row (seed, algorithm, result, who, when), sets the workstation numbers
   (``registration.set_workstations``: those of the session outside the pool get none), and records an audit entry
   (``draw.run``) with the seed, algorithm, pool, input ids and result, in the same transaction.

A redraw needs a reason; the earlier draw stays on record, marked superseded. Once the skill's
scores are submitted the draw can no longer change.

Replay recomputes the result from the stored seed and input and compares it with the stored
result, and compares the stored seed, input and result with the audit entry written at the draw
(the audit log is hash-chained, so it cannot be quietly edited to match a changed draw).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from competition.dayof import shuffle
from competition.dayof.checkin import arrived_ids
from competition.dayof.common import ACTIVE, active_contestants, clean_session, editable_skill, session_key, sessions_of, skill_of
from competition.dayof.tables import Draw, ScoreSubmission
from competition.events import service as events
from competition.registration import face as registration
from kernel import audit
from kernel.db import json_value, lock_row, write_transaction
from kernel.errors import BilingualError, invalid, not_found
from kernel.i18n import china_time
from kernel.tables import AuditLog, Skill
from scoring.idcard import mask_id
from scoring.ranking import COMPETED
from scoring.teams import TeamMember, entries_of

POOLS = ("checked_in", "registered")


def _result(row: dict[str, Any]) -> dict[int, int]:
    return {int(k): int(v) for k, v in json_value(row["result"], {}).items()}


async def _audit_entries(draw_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not draw_ids:
        return {}
    rows = await AuditLog.select(AuditLog.seq, AuditLog.actor, AuditLog.target, AuditLog.details).where(
        (AuditLog.action == "draw.run") & AuditLog.target.is_in([f"draw:{i}" for i in draw_ids])
    )
    return {int(r["target"].split(":", 1)[1]): {**json_value(r["details"], {}), "seq": r["seq"], "actor": r["actor"]} for r in rows}


def draw_json(row: dict[str, Any], recorded: dict[str, Any] | None, names: dict[int, dict[str, Any]] | None = None) -> dict[str, Any]:
    result = _result(row)
    table = sorted(result.items(), key=lambda kv: kv[1])
    out = {
        "id": row["id"],
        "event_id": row["event"],
        "skill_id": row["skill"],
        "session": row["session"],
        "algorithm": row["algorithm"],
        "seed": row["seed"],
        "pool": (recorded or {}).get("pool"),
        "input": sorted(result),
        "result": {str(k): v for k, v in result.items()},
        "reason": row["reason"],
        "superseded": row["superseded"],
        "run_by": row.get("run_by.display_name") or (recorded or {}).get("actor"),
        "run_at": row["run_at"].isoformat() if row["run_at"] else None,
        "run_at_china": china_time(row["run_at"]),
        "audit_seq": (recorded or {}).get("seq"),
    }
    if names is not None:
        out["table"] = [
            {"workstation_no": ws, "contestant_id": cid, **names.get(cid, {"name": "", "delegation": "", "id_masked": ""})} for cid, ws in table
        ]
    return out


async def _names(contestant_ids: set[int]) -> dict[int, dict[str, Any]]:
    if not contestant_ids:
        return {}
    rows = await registration.contestants_by_id(contestant_ids, ("id", "name", "delegation", "id_number"))
    return {r["id"]: {"name": r["name"], "delegation": r["delegation"], "id_masked": mask_id(r["id_number"])} for r in rows}


def _select():
    return Draw.select(Draw.all_columns(), Draw.run_by.display_name)


async def list_draws(event_id: int, skill_id: int, session: str | None = None, *, with_names: bool = True) -> dict[str, Any]:
    """The skill's draws, newest first (one session when named), and the sessions there are."""
    await events.get_event(event_id)
    skill = await skill_of(event_id, skill_id)
    query = _select().where(Draw.skill == skill_id)
    if session is not None:
        query = query.where(Draw.session == clean_session(session))
    rows = await query.order_by(Draw.id, ascending=False)
    recorded = await _audit_entries([r["id"] for r in rows])
    names = await _names({cid for r in rows for cid in _result(r)}) if with_names else None
    sessions = sorted(set(await sessions_of(skill_id)) | {r["session"] for r in rows}, key=session_key)
    return {"skill_id": skill_id, "skill": skill["name"], "sessions": sessions, "draws": [draw_json(r, recorded.get(r["id"]), names) for r in rows]}


async def get_draw(event_id: int, draw_id: int) -> dict[str, Any]:
    row = await _select().where((Draw.id == draw_id) & (Draw.event == event_id)).first()
    if row is None:
        raise not_found("draw")
    recorded = await _audit_entries([draw_id])
    return draw_json(row, recorded.get(draw_id), await _names(set(_result(row))))


async def run_draw(event_id: int, skill_id: int, session: Any, actor: audit.Actor, *, reason: str = "") -> dict[str, Any]:
    """Draw (or redraw, with a reason) the workstations of a skill's session."""
    await editable_skill(event_id, skill_id)
    session = clean_session(session)
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise invalid("reason", "不能超过 500 个字符", "at most 500 characters")
    async with write_transaction():
        await lock_row(Skill, skill_id)
        if await ScoreSubmission.exists().where(ScoreSubmission.skill == skill_id):
            raise BilingualError(
                409, "scores_submitted", zh="本项目成绩已提交，不能再抽签", en="This skill's scores are submitted; the draw can no longer change"
            )
        current = await Draw.select(Draw.id).where((Draw.skill == skill_id) & (Draw.session == session) & (Draw.superseded == False)).first()  # noqa: E712
        if current is not None and not reason:
            raise invalid("reason", "重新抽签须说明原因（原结果会保留）", "a redraw needs a reason (the earlier result is kept)")
        checked, arrived = await arrived_ids(skill_id, session)
        if checked:
            pool, ids = "checked_in", arrived
        else:
            pool, ids = "registered", [c["id"] for c in await active_contestants(skill_id, session, columns=("id",))]
        skill = await skill_of(event_id, skill_id)
        members: dict[int, tuple[int, ...]] = {}
        if (skill["team_size"] or 1) > 1:
            ids, members = await _team_pool(skill_id, session, int(skill["team_size"]), set(ids))
        if not ids:
            raise invalid(
                "session",
                "本场次没有可抽签的选手（已有检录记录时只对到场或迟到的选手抽签）",
                "no contestants to draw in this session (once check-in has started, only those present or late are drawn)",
            )
        seed = secrets.token_bytes(shuffle.SEED_BYTES)
        result = shuffle.draw(ids, seed)
        if current is not None:
            await Draw.update({Draw.superseded: True}).where(Draw.id == current["id"])
        rows = await Draw.insert(
            Draw(
                event=event_id,
                skill=skill_id,
                session=session,
                algorithm=shuffle.ALGORITHM,
                seed=seed.hex(),
                result={str(k): v for k, v in result.items()},
                reason=reason if current is not None else "",
                superseded=False,
                run_by=actor.user_id,
                run_at=dt.datetime.now(dt.timezone.utc),
            )
        ).returning(Draw.id)
        draw_id = rows[0]["id"]
        everyone = [c["id"] for c in await active_contestants(skill_id, session, columns=("id",))]
        # A team is one entry: every member takes the workstation its captain drew.
        await registration.set_workstations(skill_id, session, {m: ws for cid, ws in result.items() for m in members.get(cid, (cid,))})
        await audit.record(
            "draw.run",
            actor,
            event_id=event_id,
            target=f"draw:{draw_id}",
            details={
                "skill_id": skill_id,
                "session": session,
                "algorithm": shuffle.ALGORITHM,
                "seed": seed.hex(),
                "pool": pool,
                "input": ids,
                "result": {str(k): v for k, v in result.items()},
                "supersedes": current["id"] if current else None,
                "reason": reason if current is not None else "",
                "left_out": [cid for cid in everyone if cid not in result],
            },
        )
    return await get_draw(event_id, draw_id)


async def _team_pool(skill_id: int, session: str, team_size: int, pool: set[int]) -> tuple[list[int], dict[int, tuple[int, ...]]]:
    """A team skill's draw is of teams (``scoring.teams``): each team once, by its captain's id,
    when every member is active and in the pool (a team with a member absent, withdrawn or
    disqualified is not drawn); refused while a team has the wrong number of members or no captain."""
    rows = await registration.contestants_of_skill(skill_id, ("id", "team", "team_captain", "team.name", "status"), session=session)
    by_team: dict[Any, list[dict[str, Any]]] = {}
    for r in rows:
        by_team.setdefault(r["team"], []).append(r)
    bad = sorted(
        str(ms[0]["team.name"] or "—") for team, ms in by_team.items()
        if any(m["status"] == ACTIVE for m in ms)
        and (team is None or len(ms) != team_size or sum(1 for m in ms if m["team_captain"]) != 1)
    )  # fmt: skip
    if bad:
        raise BilingualError(
            409, "team_incomplete", field="team", extra={"teams": bad},
            zh=f"本项目每队 {team_size} 人、一名队长；以下团队（或无团队的选手）不符，不能抽签：{'、'.join(bad)}",
            en=f"Teams of this skill have {team_size} members and one captain; these do not (or have no team), so the draw cannot run: {', '.join(bad)}",
        )  # fmt: skip
    members = (TeamMember(r["id"], r["team"], bool(r["team_captain"]), absent=r["status"] != ACTIVE or r["id"] not in pool) for r in rows)
    drawn = [e for e in entries_of(members, team_size) if e.status == COMPETED]
    return sorted(e.entry_id for e in drawn), {e.entry_id: e.members for e in drawn}


async def replay(event_id: int, draw_id: int) -> dict[str, Any]:
    """Recompute a draw from its stored seed and input; compare with the stored result and the audit record."""
    row = await Draw.select().where((Draw.id == draw_id) & (Draw.event == event_id)).first()
    if row is None:
        raise not_found("draw")
    recorded = (await _audit_entries([draw_id])).get(draw_id)
    return {"draw_id": draw_id, **check(row["seed"], row["algorithm"], _result(row), recorded)}


def check(seed_hex: str, algorithm: str, stored: dict[int, int], recorded: dict[str, Any] | None) -> dict[str, Any]:
    """Pure: does the stored result follow from the stored seed (``matches``), and do seed,
    algorithm, input and result equal what the audit entry recorded at the draw (``audit``)?"""
    ids = sorted(stored)
    problems: list[str] = []
    recomputed: dict[int, int] = {}
    try:
        recomputed = shuffle.draw(ids, shuffle.seed_from_hex(seed_hex), algorithm)
    except ValueError as exc:
        problems.append(f"cannot recompute: {exc}")
    differences = [
        {"contestant_id": cid, "stored": stored.get(cid), "recomputed": recomputed.get(cid)}
        for cid in sorted(set(stored) | set(recomputed))
        if stored.get(cid) != recomputed.get(cid)
    ]
    matches = not problems and not differences
    audit_check: dict[str, Any] = {"found": recorded is not None, "matches": False}
    if recorded is not None:
        audit_check["seq"] = recorded.get("seq")
        audit_check["seed_matches"] = recorded.get("seed") == seed_hex
        audit_check["algorithm_matches"] = recorded.get("algorithm") == algorithm
        audit_check["input_matches"] = [int(i) for i in recorded.get("input", [])] == ids
        audit_check["result_matches"] = {int(k): int(v) for k, v in (recorded.get("result") or {}).items()} == stored
        audit_check["matches"] = all(audit_check[k] for k in ("seed_matches", "algorithm_matches", "input_matches", "result_matches"))
    return {
        "algorithm": algorithm,
        "seed": seed_hex,
        "input": ids,
        "stored": {str(k): v for k, v in stored.items()},
        "recomputed": {str(k): v for k, v in recomputed.items()},
        "matches": matches,
        "differences": differences,
        "problems": problems,
        "audit": audit_check,
        "verified": matches and audit_check["matches"],
    }


async def current_draws(skill_id: int) -> dict[str, dict[str, Any]]:
    """The skill's current (not superseded) draw per session."""
    rows = await Draw.select().where((Draw.skill == skill_id) & (Draw.superseded == False))  # noqa: E712
    return {r["session"]: r for r in rows}


async def dependants(target: events.Target) -> list[tuple[str, str]]:
    """For events: the draws (抽签) of a skill or a session, and the chief judge's submission and
    encrypted numbers of a skill."""
    from competition.dayof.tables import Decryption, EncryptedNumber

    where = Draw.skill == target.skill_id
    if target.session is not None:
        where = where & (Draw.session == target.session)
    found = []
    if target.group_id is None:
        n = await Draw.count().where(where)
        if n:
            found.append((f"{n} 次抽签记录", f"{n} draw record(s)"))
    if target.kind == "skill":
        if await EncryptedNumber.exists().where(EncryptedNumber.skill == target.skill_id):
            found.append(("加密号", "encrypted numbers"))
        if await ScoreSubmission.exists().where(ScoreSubmission.skill == target.skill_id):
            found.append(("裁判长提交的成绩", "the chief judge's submission"))
        if await Decryption.exists().where(Decryption.skill == target.skill_id):
            found.append(("解密记录", "a decryption record"))
    return found
