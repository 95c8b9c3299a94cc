"""HTTP API for the judge registry, assignments, conflicts and coverage. Thin: checks access, calls the service."""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar import Controller, Request, delete, get, patch, post, put

from competition.dayof.anonymisation import is_decrypted
from competition.events.controller import given
from competition.judges import service
from kernel import access
from kernel.audit import Actor
from kernel.errors import invalid, request_lang
from kernel.guards import allowed, principal
from kernel.settings import Settings

Role = Literal["judge", "chief_judge"]


class JudgeIn(msgspec.Struct):
    name: str
    id_number: str = ""
    employer: str = ""
    delegation: str = ""
    qualifications: str = ""
    phone: str = ""
    #: Create the judge's login account now (a generated username, no password: one-time codes).
    create_account: bool = True


class JudgePatch(msgspec.Struct):
    name: str | msgspec.UnsetType = msgspec.UNSET
    id_number: str | msgspec.UnsetType = msgspec.UNSET
    employer: str | msgspec.UnsetType = msgspec.UNSET
    delegation: str | msgspec.UnsetType = msgspec.UNSET
    qualifications: str | msgspec.UnsetType = msgspec.UNSET
    phone: str | msgspec.UnsetType = msgspec.UNSET


class AssignmentIn(msgspec.Struct):
    role: Role = "judge"
    #: Criterion codes ("A", "B1"), as a list or as text "A, B1"; empty: all criteria.
    criteria: list[str] | str = []
    #: Naming a chief judge when the skill has one: true makes the previous one an ordinary judge.
    replace_chief: bool = False


class LoginCardsIn(msgspec.Struct):
    judge_ids: list[int] | None = None
    skill_id: int | None = None
    hours: int = 12


def _with_message(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """Add a one-line summary of coverage warnings in the request's language."""
    warnings = body.get("warnings") or []
    if warnings:
        people = len({(w.get("contestant_id"), w.get("workstation_no")) for w in warnings})
        criteria = len({w["criterion"] for w in warnings})
        needed = warnings[0]["needed"]
        zh = f"注意：有 {people} 名选手在 {criteria} 个评分模块上可评分的裁判少于 {needed} 名（已排除回避）"
        en = (
            f"Warning: {people} contestant(s) have fewer than {needed} eligible judges on {criteria} criterion/criteria (after conflicts of interest)"
        )
        body["warning"] = zh if request_lang(request) == "zh" else en
    return body


class JudgeController(Controller):
    """The event's judge registry (裁判库), its skills' panels, conflicts of interest and coverage."""

    path = "/api/events/{event_id:int}"
    tags = ["judges"]

    @get("/judges", summary="List the event's judges (search with q; filter by skill)", operation_id="judges_list", guards=[allowed("manage_judges")])
    async def list_judges(self, event_id: int, q: str | None = None, skill_id: int | None = None) -> list[dict[str, Any]]:
        return await service.list_judges(event_id, q, skill_id)

    @post(
        "/judges",
        summary="Add a judge to the registry (and create their login account)",
        operation_id="judges_create",
        guards=[allowed("manage_judges")],
    )
    async def create_judge(self, request: Request, actor: Actor, event_id: int, data: JudgeIn) -> dict[str, Any]:
        values = msgspec.structs.asdict(data)
        create_account = values.pop("create_account")
        return await service.create_judge(event_id, values, actor, create_account=create_account)

    @get(
        "/judges/me",
        summary="The signed-in judge's own skills, roles and criteria in the event",
        operation_id="judges_me",
        guards=[allowed("read_own_assignment")],
    )
    async def me(self, request: Request, event_id: int) -> list[dict[str, Any]]:
        p = await principal(request)
        assert p is not None
        return await service.my_assignments(event_id, p.user_id)

    @get("/judges/{judge_id:int}", summary="Read a judge of the registry", operation_id="judges_get", guards=[allowed("manage_judges")])
    async def get_judge(self, event_id: int, judge_id: int) -> dict[str, Any]:
        return await service.get_judge(event_id, judge_id)

    @patch("/judges/{judge_id:int}", summary="Change a judge's registry entry", operation_id="judges_update", guards=[allowed("manage_judges")])
    async def update_judge(self, request: Request, actor: Actor, event_id: int, judge_id: int, data: JudgePatch) -> dict[str, Any]:
        return await service.update_judge(event_id, judge_id, given(data), actor)

    @delete(
        "/judges/{judge_id:int}",
        summary="Remove a judge (refused while assigned to a skill)",
        operation_id="judges_delete",
        guards=[allowed("manage_judges")],
        status_code=200,
    )
    async def delete_judge(self, request: Request, actor: Actor, event_id: int, judge_id: int) -> dict[str, Any]:
        return await service.delete_judge(event_id, judge_id, actor)

    @post(
        "/judges/{judge_id:int}/account",
        summary="Create the login account of a judge who has none",
        operation_id="judges_create_account",
        guards=[allowed("manage_judges")],
    )
    async def create_account(self, request: Request, actor: Actor, event_id: int, judge_id: int) -> dict[str, Any]:
        return await service.create_judge_account(event_id, judge_id, actor)

    @post(
        "/judges/login-cards",
        summary="Issue one-time login codes (text and QR) for judges' printed login cards",
        operation_id="judges_login_cards",
        guards=[allowed("issue_login_code")],
        status_code=200,
    )
    async def login_cards(self, request: Request, actor: Actor, event_id: int, data: LoginCardsIn, settings: Settings) -> dict[str, Any]:
        return await service.issue_login_cards(
            event_id, actor, settings.public_base_url, judge_ids=data.judge_ids, skill_id=data.skill_id, hours=data.hours
        )

    @get(
        "/skills/{skill_id:int}/judges",
        summary="A skill's chief judge and judges with their criteria",
        operation_id="judges_skill_panel",
        guards=[allowed("read_skill_panel")],
    )
    async def panel(self, event_id: int, skill_id: int) -> dict[str, Any]:
        return await service.skill_panel(event_id, skill_id)

    @put(
        "/skills/{skill_id:int}/judges/{judge_id:int}",
        summary="Assign a judge to a skill as judge or chief judge, with criteria (grants the role)",
        operation_id="judges_assign",
        guards=[allowed("manage_judges")],
    )
    async def assign(self, request: Request, actor: Actor, event_id: int, skill_id: int, judge_id: int, data: AssignmentIn) -> dict[str, Any]:
        body = await service.assign(event_id, skill_id, judge_id, data.role, data.criteria, actor, replace_chief=data.replace_chief)
        return _with_message(request, body)

    @delete(
        "/skills/{skill_id:int}/judges/{judge_id:int}",
        summary="Take a judge off a skill (revokes the role)",
        operation_id="judges_unassign",
        guards=[allowed("manage_judges")],
        status_code=200,
    )
    async def unassign(self, request: Request, actor: Actor, event_id: int, skill_id: int, judge_id: int) -> dict[str, Any]:
        return _with_message(request, await service.unassign(event_id, skill_id, judge_id, actor))

    @get(
        "/skills/{skill_id:int}/coverage",
        summary="Contestants (by workstation / encrypted number) with too few eligible judges, per criterion",
        operation_id="judges_coverage",
        guards=[allowed("read_skill_panel")],
    )
    async def coverage(self, request: Request, event_id: int, skill_id: int) -> dict[str, Any]:
        p = await principal(request)
        return await service.coverage(event_id, skill_id, organiser=access.allows(p, "manage_judges", event_id))

    @get(
        "/skills/{skill_id:int}/conflicts",
        summary="Judge–contestant pairs of a skill barred by conflict of interest, with reasons",
        operation_id="judges_conflicts",
        guards=[allowed("manage_judges")],
    )
    async def conflicts(self, event_id: int, skill_id: int) -> list[dict[str, Any]]:
        return await service.skill_conflicts(event_id, skill_id)

    @get(
        "/skills/{skill_id:int}/may-score",
        summary="Check that a judge may score a contestant (403 conflict_of_interest / not_assigned if not)",
        operation_id="judges_may_score",
        guards=[allowed("read_skill_panel")],
    )
    async def may_score(
        self,
        request: Request,
        event_id: int,
        skill_id: int,
        contestant_id: int,
        judge_user_id: int | None = None,
        judge_id: int | None = None,
        criterion: str | None = None,
    ) -> dict[str, Any]:
        if judge_user_id is None:
            if judge_id is None:
                raise invalid("judge_user_id", "须给出 judge_user_id 或 judge_id", "give judge_user_id or judge_id")
            judge = await service.get_judge_row(event_id, judge_id)
            if not judge["user"]:
                raise invalid("judge_id", "该裁判还没有登录账号", "the judge has no login account yet")
            judge_user_id = judge["user"]
        await service.eligible_judges(skill_id, contestant_id)  # the contestant must be in this skill
        codes = service.clean_criteria([criterion]) if criterion else []
        p = await principal(request)
        # A chief judge learns that the judge stands aside, not the contestant's delegation or employer.
        disclose = access.allows(p, "read_personal_data", event_id) or await is_decrypted(skill_id)
        await service.assert_may_score(judge_user_id, contestant_id, codes[0] if codes else None, disclose=disclose)
        return {"ok": True, "judge_user_id": judge_user_id, "contestant_id": contestant_id}

    @get(
        "/skills/{skill_id:int}/contestants/{contestant_id:int}/eligible-judges",
        summary="Judges of the skill who may score a contestant (optionally on one criterion)",
        operation_id="judges_eligible",
        guards=[allowed("read_skill_panel")],
    )
    async def eligible(self, event_id: int, skill_id: int, contestant_id: int, criterion: str | None = None) -> list[dict[str, Any]]:
        codes = service.clean_criteria([criterion]) if criterion else []
        return await service.eligible_judges(skill_id, contestant_id, codes[0] if codes else None)
