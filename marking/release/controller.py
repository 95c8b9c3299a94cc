"""HTTP API of results: the workflow per skill and group (provisional → notice → appeals → final),
appeals and their decisions, the results book, and the public results (the proposals made from final
results are the certificates' API, ``certificates/controller.py``)."""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post

from competition.registration.controller import XLSX, attachment
from kernel.audit import Actor
from kernel.errors import not_found, request_lang
from kernel.guards import actor_of, allowed, require_principal
from marking.release import appeals, export, notice, public, service
from marking.release import event_awards as event_wide


class NamedMarkIn(msgspec.Struct):
    aspect: str
    contestant: str | None = None


class AppealIn(msgspec.Struct):
    text: str
    contestant: str | None = None  # encrypted number
    contestant_id: int | None = None
    filed_by_name: str = ""
    marks: list[NamedMarkIn] = msgspec.field(default_factory=list)


class CorrectionIn(msgspec.Struct):
    contestant: str  # encrypted number
    aspect: str
    seat: int  # the judge's user id: whose mark is corrected
    value: str | int | float


class DecisionIn(msgspec.Struct):
    outcome: Literal["upheld", "dismissed"]
    reason: str
    marks: list[CorrectionIn] = msgspec.field(default_factory=list)


class RulesPreviewIn(msgspec.Struct):
    #: The draft of the event's overrides, as ``PUT /preset`` would take them.
    overrides: dict[str, Any] = msgspec.field(default_factory=dict)
    #: Scores of a sample ranking (used when no group has a ranking yet, or with ``sample_only``).
    sample_scores: list[Any] | None = None
    sample_size: int = 20
    sample_only: bool = False


GROUP = "/skills/{skill_id:int}/groups/{group_id:int}"


class ResultsController(Controller):
    path = "/api/events/{event_id:int}"
    tags = ["results"]

    @get(
        "/results",
        summary="The results workflow of every skill and group (steps and their state)",
        operation_id="results_overview",
        guards=[allowed("read_results_workflow")],
    )
    async def overview(self, event_id: int) -> list[dict[str, Any]]:
        return await service.event_workflow(event_id)

    @get(
        "/results/event-awards",
        summary="Awards across the event's skills (WorldSkills: Best of Nation, Albert Vidal Award) as the published results stand",
        operation_id="results_event_awards",
        guards=[allowed("read_results_workflow")],
    )
    async def event_awards(self, request: Request, event_id: int) -> dict[str, Any]:
        return await event_wide.event_awards(event_id, request_lang(request))

    @get(
        GROUP + "/results",
        summary="The results workflow of one skill and group",
        operation_id="results_workflow",
        guards=[allowed("read_skill_results")],
    )
    async def workflow(self, event_id: int, skill_id: int, group_id: int) -> dict[str, Any]:
        return await service.workflow(event_id, skill_id, group_id)

    @get(
        GROUP + "/results/preview",
        summary="The group's ranking as the marks stand now (names once decrypted)",
        operation_id="results_preview",
        guards=[allowed("preview_results")],
    )
    async def preview(self, event_id: int, skill_id: int, group_id: int) -> dict[str, Any]:
        return await service.preview(event_id, skill_id, group_id)

    @post(
        "/rules/preview",
        summary="What a draft of the event's rules would give: awards, honours and promotions with the reasons (never saves)",
        description="On each group's current ranking, or a sample ranking (`sample_scores`, else `sample_size` contestants, two tied for 2nd) "
        "when no group has one yet or with `sample_only`. A wrong setting is refused as `PUT /preset` would refuse it, naming it in words.",
        operation_id="preview_rules",
        guards=[allowed("manage_event")],
        status_code=200,
    )
    async def rules_preview(self, event_id: int, data: RulesPreviewIn) -> dict[str, Any]:
        return await service.rules_preview(
            event_id, data.overrides, sample_scores=data.sample_scores, sample_size=data.sample_size, sample_only=data.sample_only
        )

    @post(
        GROUP + "/results/provisional",
        summary="Publish the provisional results (organiser; after sign-off and decryption)",
        description="Starts the public notice (`results.notice_hours`) and the appeal window (`results.appeal_window_hours`) of the event's preset. "
        "409 names the missing step: not_submitted, not_rechecked, not_decrypted, results_incomplete; already_published.",
        operation_id="publish_provisional_results",
        guards=[allowed("publish_results")],
        status_code=200,
    )
    async def provisional(self, request: Request, actor: Actor, event_id: int, skill_id: int, group_id: int) -> dict[str, Any]:
        return await service.publish_provisional(event_id, skill_id, group_id, actor)

    @post(
        GROUP + "/results/final",
        summary="Make the results final (organiser; after the notice period and every appeal)",
        description="409: not_provisional, notice_period, appeal_window_open, appeals_pending, corrections_pending, already_final. "
        "Stores the awards, honours and promotions the rules propose, for approval.",
        operation_id="finalise_results",
        guards=[allowed("publish_results")],
        status_code=200,
    )
    async def final(self, request: Request, actor: Actor, event_id: int, skill_id: int, group_id: int) -> dict[str, Any]:
        return await service.make_final(event_id, skill_id, group_id, actor)

    @get(
        "/results/export",
        summary="The event's results book (.xlsx, one sheet per skill and group)",
        operation_id="export_event_results",
        guards=[allowed("export_results")],
        media_type=XLSX,
    )
    async def export_event(self, request: Request, event_id: int) -> Response[bytes]:
        lang = request_lang(request)
        return attachment(export.results_book(await export.book_sheets(event_id), lang), export.filename("results", lang))

    @get(
        "/skills/{skill_id:int}/results/export",
        summary="A skill's results book (.xlsx, one sheet per group)",
        operation_id="export_skill_results",
        guards=[allowed("export_results")],
        media_type=XLSX,
    )
    async def export_skill(self, request: Request, event_id: int, skill_id: int) -> Response[bytes]:
        lang = request_lang(request)
        return attachment(export.results_book(await export.book_sheets(event_id, skill_id), lang), export.filename("results", lang))


class AppealsController(Controller):
    path = "/api/events/{event_id:int}"
    tags = ["appeals"]

    @post(
        GROUP + "/appeals",
        summary="File an appeal (申诉) within the appeal window (contestant, or organiser on someone's behalf)",
        description="Refused with 409 appeal_window_closed after `appeal_ends_at`, not_provisional before publication, results_final after.",
        operation_id="file_appeal",
        guards=[allowed("file_appeal")],
        status_code=201,
    )
    async def file(self, request: Request, event_id: int, skill_id: int, group_id: int, data: AppealIn) -> dict[str, Any]:
        user = await require_principal(request)
        return await appeals.file_appeal(
            event_id, skill_id, group_id, text=data.text, user=user, actor=actor_of(request, user), contestant_id=data.contestant_id,
            contestant=data.contestant, filed_by_name=data.filed_by_name, marks=[msgspec.structs.asdict(m) for m in data.marks],
        )  # fmt: skip

    @get("/appeals", summary="The event's appeals (a contestant sees their own)", operation_id="list_appeals", guards=[allowed("read_appeals")])
    async def list_all(self, request: Request, event_id: int, skill_id: int | None = None, status: str | None = None) -> list[dict[str, Any]]:
        user = await require_principal(request)
        return await appeals.list_appeals(event_id, skill_id=skill_id, status=status, **await appeals.visible_to(user, event_id))

    @get("/appeals/{appeal_id:int}", summary="One appeal with its decision", operation_id="get_appeal", guards=[allowed("read_appeals")])
    async def get_one(self, request: Request, event_id: int, appeal_id: int) -> dict[str, Any]:
        user = await require_principal(request)
        found = await appeals.get_appeal(event_id, appeal_id)
        if not await appeals.may_read(user, event_id, found):
            raise not_found("appeal")
        return found

    @post(
        "/appeals/{appeal_id:int}/decision",
        summary="The arbitrator's decision: upheld (with corrected marks) or dismissed, with a reason",
        description="Final: a second decision is refused (409 already_decided). An upheld appeal's corrections are applied at once under "
        "the arbitration authority, to the contestant the appeal names only; one refused by the mark writer waits for `POST …/apply`.",
        operation_id="decide_appeal",
        guards=[allowed("decide_appeal")],
        status_code=200,
    )
    async def decide(self, request: Request, event_id: int, appeal_id: int, data: DecisionIn) -> dict[str, Any]:
        user = await require_principal(request)
        return await appeals.decide_appeal(
            event_id, appeal_id, outcome=data.outcome, reason=data.reason, marks=[msgspec.structs.asdict(m) for m in data.marks],
            user=user, actor=actor_of(request, user), live=getattr(request.app.state, "live", None),
        )  # fmt: skip

    @post(
        "/appeals/{appeal_id:int}/apply",
        summary="Apply an upheld appeal's corrected marks that could not be applied at its decision (arbitration group)",
        operation_id="apply_appeal_corrections",
        guards=[allowed("apply_appeal_corrections")],
        status_code=200,
    )
    async def apply(self, request: Request, event_id: int, appeal_id: int) -> dict[str, Any]:
        user = await require_principal(request)
        return await appeals.apply_corrections(event_id, appeal_id, user=user, actor=actor_of(request, user), live=request.app.state.live)


@get(
    "/api/public/events/{event_id:int}/results",
    summary="An event's published results: stage of every skill and group (public)",
    operation_id="public_event_results",
    tags=["public"],
)
async def public_event_results(event_id: int) -> dict[str, Any]:
    return await service.public_event(event_id)


@get(
    "/api/public/events/{event_id:int}/event-awards",
    summary="Awards across the event's skills once every group is published (WorldSkills: Best of Nation, Albert Vidal Award; public)",
    operation_id="public_event_awards",
    tags=["public"],
)
async def public_event_awards(request: Request, event_id: int) -> dict[str, Any]:
    return await event_wide.public_event_awards(event_id, request_lang(request))


@get(
    "/api/public/events/{event_id:int}/skills/{skill_id:int}/results",
    summary="A skill's published results per group (public)",
    operation_id="public_skill_results",
    tags=["public"],
)
async def public_skill_results(event_id: int, skill_id: int) -> dict[str, Any]:
    return await public.public_skill(event_id, skill_id)


@get(
    "/api/public/events/{event_id:int}/notice.pdf",
    summary="The formal public notice (成绩公示) as a printable PDF: the published results, notice and appeal periods, how to appeal (public)",
    description="Every published skill and group of the event, or of `skill_id`; 404 nothing_published before any is published.",
    operation_id="public_notice_pdf",
    tags=["public"],
    media_type="application/pdf",
)
async def public_notice_pdf(request: Request, event_id: int, skill_id: int | None = None) -> Response[bytes]:
    from urllib.parse import quote

    lang = request_lang(request)
    pdf, title = await notice.notice_pdf(event_id, skill_id, lang=lang, base_url=request.app.state.settings.public_base_url)
    name = f"notice-event-{event_id}" + (f"-skill-{skill_id}" if skill_id else "") + ".pdf"
    return Response(
        pdf, media_type="application/pdf",
        headers={"Content-Disposition": f"inline; filename=\"{name}\"; filename*=UTF-8''{quote(title + '-' + name)}", "Cache-Control": "no-cache"},
    )  # fmt: skip
