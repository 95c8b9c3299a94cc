"""HTTP API of the competition day: check-in, the draw, anonymisation and decryption. Thin."""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar import Controller, Request, get, post, put

from competition.dayof import anonymisation, checkin, draw
from kernel import access
from kernel.audit import Actor
from kernel.errors import forbidden
from kernel.guards import allowed, allowed_any, principal


class CheckInIn(msgspec.Struct):
    status: Literal["present", "late", "absent"]
    id_number: str | None = None
    reason: str = ""
    note: str = ""


class DrawIn(msgspec.Struct):
    session: str = "1"
    reason: str = ""


class RoundIn(msgspec.Struct):
    round: int = 1


class DecryptIn(msgspec.Struct):
    note: str = ""


class SignOffIn(msgspec.Struct):
    #: Sign off although the completeness report names what is left (audited with the report).
    override_reason: str = ""


class WithdrawIn(msgspec.Struct):
    reason: str = ""


class DayOfController(Controller):
    path = "/api/events/{event_id:int}"
    tags = ["competition day"]

    # ---- check-in (检录) -------------------------------------------------------------------
    @get("/checkin", summary="Check-in tally per skill and session", operation_id="checkin_summary", guards=[allowed("run_checkin")])
    async def checkin_summary(self, event_id: int) -> list[dict[str, Any]]:
        return await checkin.event_summary(event_id)

    @get(
        "/skills/{skill_id:int}/checkin",
        summary="A skill session's contestants with their check-in status and the tally",
        operation_id="checkin_list",
        guards=[allowed("run_checkin")],
    )
    async def checkin_list(self, event_id: int, skill_id: int, session: str | None = None) -> dict[str, Any]:
        return await checkin.checkin_list(event_id, skill_id, session)

    @put(
        "/checkin/{contestant_id:int}",
        summary="Mark a contestant present, late or absent (ID checked); a change needs a reason",
        description="present/late need `id_number` equal to the registered one (spaces and case of X ignored); "
        "a mismatch is 422 and records nothing. Changing a recorded status needs `reason` and is audited.",
        operation_id="set_checkin",
        guards=[allowed("run_checkin")],
    )
    async def set_checkin(self, request: Request, actor: Actor, event_id: int, contestant_id: int, data: CheckInIn) -> dict[str, Any]:
        return await checkin.set_checkin(event_id, contestant_id, data.status, actor, id_number=data.id_number, reason=data.reason, note=data.note)

    # ---- the draw (抽签) --------------------------------------------------------------------
    @post(
        "/skills/{skill_id:int}/draws",
        summary="Draw workstation numbers for a skill's session (a redraw needs a reason)",
        operation_id="run_draw",
        guards=[allowed("run_draw")],
    )
    async def run_draw(self, request: Request, actor: Actor, event_id: int, skill_id: int, data: DrawIn) -> dict[str, Any]:
        return await draw.run_draw(event_id, skill_id, data.session, actor, reason=data.reason)

    @get(
        "/skills/{skill_id:int}/draws",
        summary="A skill's draws, newest first, superseded ones included",
        operation_id="list_draws",
        guards=[allowed("run_draw")],
    )
    async def list_draws(self, event_id: int, skill_id: int, session: str | None = None) -> dict[str, Any]:
        return await draw.list_draws(event_id, skill_id, session)

    @get("/draws/{draw_id:int}", summary="One draw with its result table", operation_id="get_draw", guards=[allowed("read_draw")])
    async def get_draw(self, event_id: int, draw_id: int) -> dict[str, Any]:
        return await draw.get_draw(event_id, draw_id)

    @post(
        "/draws/{draw_id:int}/replay",
        summary="Recompute a draw from its stored seed and input and compare with the stored result and the audit log",
        operation_id="replay_draw",
        guards=[allowed("read_draw")],
        status_code=200,
    )
    async def replay(self, event_id: int, draw_id: int) -> dict[str, Any]:
        return await draw.replay(event_id, draw_id)

    @get(
        "/draws/{draw_id:int}/replay",
        summary="Replay a draw (read-only, same as POST)",
        operation_id="replay_draw_get",
        guards=[allowed("read_draw")],
    )
    async def replay_get(self, event_id: int, draw_id: int) -> dict[str, Any]:
        return await draw.replay(event_id, draw_id)

    # ---- anonymisation (加密) and decryption (解密) ------------------------------------------
    @get(
        "/encryption",
        summary="Anonymisation status of every skill (counts, submission, decryption; no mapping)",
        operation_id="encryption_overview",
        guards=[allowed("read_anonymisation_status")],
    )
    async def encryption_overview(self, request: Request, event_id: int) -> list[dict[str, Any]]:
        p = await principal(request)
        assert p is not None
        rows = await anonymisation.event_overview(event_id)
        skills = access.skills_where(p, "read_anonymisation_status", event_id)
        return [r for r in rows if skills is None or r["skill_id"] in skills]

    @get(
        "/skills/{skill_id:int}/encryption",
        summary="A skill's anonymisation status (counts, submission, decryption; no mapping)",
        operation_id="encryption_status",
        guards=[allowed("read_anonymisation_status")],
    )
    async def encryption_status(self, event_id: int, skill_id: int) -> dict[str, Any]:
        return await anonymisation.status(event_id, skill_id)

    @post(
        "/skills/{skill_id:int}/encryption/rounds",
        summary="Generate round 1 (一次加密) or round 2 (二次加密) numbers for the skill's contestants",
        operation_id="generate_encryption_round",
        guards=[allowed("hold_encryption_mapping")],
    )
    async def generate_round(self, request: Request, actor: Actor, event_id: int, skill_id: int, data: RoundIn) -> dict[str, Any]:
        return await anonymisation.generate_round(event_id, skill_id, data.round, actor)

    @get(
        "/skills/{skill_id:int}/encryption/mapping",
        summary="The encrypted-number mapping: encryption officer; after decryption also organisers and the chief judge",
        operation_id="encryption_mapping",
        guards=[allowed("read_anonymisation_status")],
    )
    async def mapping(self, request: Request, event_id: int, skill_id: int) -> dict[str, Any]:
        p = await principal(request)
        assert p is not None
        if not access.allows(p, "hold_encryption_mapping", event_id) and not await anonymisation.is_decrypted(skill_id):
            raise forbidden()
        return await anonymisation.mapping(event_id, skill_id)

    @get(
        "/skills/{skill_id:int}/judging-list",
        summary="What judges see: encrypted number and workstation per contestant (names only after decryption)",
        operation_id="judging_list",
        guards=[allowed("resolve_judge_number")],
    )
    async def judging_list(self, event_id: int, skill_id: int) -> dict[str, Any]:
        return await anonymisation.judging_list(event_id, skill_id)

    @get(
        "/skills/{skill_id:int}/scores/completeness",
        summary="What is left before sign-off: unscored aspects of contestants present, open re-marks, unlocked criteria",
        operation_id="scores_completeness",
        guards=[allowed("view_console")],
    )
    async def completeness(self, event_id: int, skill_id: int) -> dict[str, Any]:
        return await anonymisation.completeness(event_id, skill_id)

    @post(
        "/skills/{skill_id:int}/scores/submit",
        summary="Chief judge: submit the skill's scores (提交); refused (409) while incomplete unless `override_reason` is given",
        operation_id="submit_scores",
        guards=[allowed("sign_off")],
        status_code=200,
    )
    async def submit(self, request: Request, actor: Actor, event_id: int, skill_id: int, data: SignOffIn | None = None) -> dict[str, Any]:
        return await anonymisation.submit_scores(event_id, skill_id, actor, data.override_reason if data else None)

    @post(
        "/skills/{skill_id:int}/scores/recheck",
        summary="Chief judge: confirm the re-check of the submitted scores (复核); the same checks as the submission",
        operation_id="recheck_scores",
        guards=[allowed("sign_off")],
        status_code=200,
    )
    async def recheck(self, request: Request, actor: Actor, event_id: int, skill_id: int, data: SignOffIn | None = None) -> dict[str, Any]:
        return await anonymisation.recheck_scores(event_id, skill_id, actor, data.override_reason if data else None)

    @post(
        "/skills/{skill_id:int}/scores/withdraw",
        summary="Withdraw the sign-off with a reason (chief judge before decryption, organiser after); tablets can score again",
        operation_id="withdraw_scores",
        guards=[allowed_any("withdraw_sign_off", "withdraw_sign_off_after_decryption")],
        status_code=200,
    )
    async def withdraw(self, request: Request, actor: Actor, event_id: int, skill_id: int, data: WithdrawIn) -> dict[str, Any]:
        p = await principal(request)
        assert p is not None
        return await anonymisation.withdraw_submission(event_id, skill_id, actor, p, data.reason)

    @post(
        "/skills/{skill_id:int}/decrypt",
        summary="Encryption officer: decrypt the skill (解密), once its scores are submitted and re-checked",
        operation_id="decrypt_skill",
        guards=[allowed("hold_encryption_mapping")],
        status_code=200,
    )
    async def decrypt(self, request: Request, actor: Actor, event_id: int, skill_id: int, data: DecryptIn | None = None) -> dict[str, Any]:
        return await anonymisation.decrypt(event_id, skill_id, actor, data.note if data else "")
