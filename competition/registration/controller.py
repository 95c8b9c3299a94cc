"""HTTP API for registration: contestants, the spreadsheet template, import, export, summary."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter

from competition.events.controller import given
from competition.registration import delegation, service
from kernel.audit import Actor
from kernel.errors import invalid, request_lang
from kernel.guards import allowed, principal
from kernel.settings import Settings
from scoring import codelists

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class ContestantIn(msgspec.Struct):
    name: str
    id_number: str
    skill_id: int
    group_id: int
    employer: str
    delegation: str
    phone: str
    current_level: int | str = "学徒工"
    level_certificate_no: str | None = None
    sex: str | None = None
    birth_date: dt.date | None = None
    team: str | None = None
    #: 队长: the one member who represents the team (its entry in marking and the draw)
    team_captain: bool = False
    session: str = "1"
    #: 参与评奖: false for an entrant who competes without taking part in the awards.
    award_eligible: bool = True
    #: 证件类型 (``scoring.identity.DOC_TYPES``): id_card (default), residence_permit, hk_macau_permit, taiwan_permit, passport.
    #: Permits and passports carry no sex or birth date: those are then required.
    id_type: str = "id_card"
    #: ISO 3166-1 alpha-3, required with a passport.
    nationality: str = ""


class ContestantPatch(msgspec.Struct):
    name: str | msgspec.UnsetType = msgspec.UNSET
    id_type: str | msgspec.UnsetType = msgspec.UNSET
    id_number: str | msgspec.UnsetType = msgspec.UNSET
    nationality: str | msgspec.UnsetType = msgspec.UNSET
    #: entered for a permit or passport; with an ID card or residence permit they must agree with the number
    sex: str | None | msgspec.UnsetType = msgspec.UNSET
    birth_date: dt.date | None | msgspec.UnsetType = msgspec.UNSET
    skill_id: int | msgspec.UnsetType = msgspec.UNSET
    group_id: int | msgspec.UnsetType = msgspec.UNSET
    employer: str | msgspec.UnsetType = msgspec.UNSET
    delegation: str | msgspec.UnsetType = msgspec.UNSET
    phone: str | msgspec.UnsetType = msgspec.UNSET
    current_level: int | str | msgspec.UnsetType = msgspec.UNSET
    level_certificate_no: str | None | msgspec.UnsetType = msgspec.UNSET
    team: str | None | msgspec.UnsetType = msgspec.UNSET
    team_captain: bool | msgspec.UnsetType = msgspec.UNSET
    award_eligible: bool | msgspec.UnsetType = msgspec.UNSET
    session: str | msgspec.UnsetType = msgspec.UNSET
    status: str | msgspec.UnsetType = msgspec.UNSET
    #: Why the status changes (withdrawal, disqualification, reinstatement): required then, and audited.
    reason: str | msgspec.UnsetType = msgspec.UNSET


class IdentityCorrectionIn(msgspec.Struct):
    reason: str
    name: str | msgspec.UnsetType = msgspec.UNSET
    id_type: str | msgspec.UnsetType = msgspec.UNSET
    id_number: str | msgspec.UnsetType = msgspec.UNSET
    nationality: str | msgspec.UnsetType = msgspec.UNSET
    sex: str | msgspec.UnsetType = msgspec.UNSET
    birth_date: dt.date | msgspec.UnsetType = msgspec.UNSET
    employer: str | msgspec.UnsetType = msgspec.UNSET
    delegation: str | msgspec.UnsetType = msgspec.UNSET


class RevealIn(msgspec.Struct):
    #: Why the full numbers are needed; kept in the audit log.
    reason: str


def attachment(content: bytes, filename: str, media_type: str = XLSX) -> Response[bytes]:
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f"attachment; filename=\"download.xlsx\"; filename*=UTF-8''{quote(filename)}"}
    )


class RegistrationController(Controller):
    path = "/api/events/{event_id:int}"
    tags = ["registration"]
    guards = [allowed("manage_registration")]

    @get("/contestants", summary="List and search contestants (ID and phone numbers masked)", operation_id="list_contestants")
    async def list_contestants(
        self,
        event_id: int,
        skill_id: int | None = None,
        group_id: int | None = None,
        q: str = "",
        status: str | None = None,
        session: str | None = None,
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 200,
        offset: Annotated[int, Parameter(ge=0, le=2**31 - 1)] = 0,
    ) -> dict[str, Any]:
        return await service.list_contestants(
            event_id, skill_id=skill_id, group_id=group_id, q=q, status=status, session=session, limit=limit, offset=offset
        )

    @post("/contestants", summary="Register one contestant", operation_id="register_contestant")
    async def register(self, request: Request, actor: Actor, event_id: int, data: ContestantIn) -> dict[str, Any]:
        return await service.register_one(event_id, msgspec.structs.asdict(data), actor)

    @get("/contestants/{contestant_id:int}", summary="Read a contestant (ID and phone numbers masked; see reveal)", operation_id="get_contestant")
    async def get_contestant(self, event_id: int, contestant_id: int) -> dict[str, Any]:
        return await service.get_contestant(event_id, contestant_id)

    @patch(
        "/contestants/{contestant_id:int}",
        summary="Correct a registration, withdraw or disqualify",
        operation_id="update_contestant",
        description="A change of status needs a reason. Once the results of the contestant's skill and group are published, "
        "identity fields (name, ID number, employer, delegation) and skill or group are frozen (409 identity_frozen): "
        "see identity-corrections.",
    )
    async def update(self, request: Request, actor: Actor, event_id: int, contestant_id: int, data: ContestantPatch) -> dict[str, Any]:
        return await service.update_one(event_id, contestant_id, given(data), actor)

    @delete(
        "/contestants/{contestant_id:int}",
        summary="Delete a mistaken registration (before check-in)",
        operation_id="delete_contestant",
        status_code=200,
        description="Refused (409) once the record names the contestant: check-in, draw, encrypted number, marks, appeals, proposals "
        "or certificates. Withdraw them with a reason instead.",
    )
    async def delete_(self, request: Request, actor: Actor, event_id: int, contestant_id: int) -> dict[str, Any]:
        await service.delete_one(event_id, contestant_id, actor)
        return {"ok": True}

    @post(
        "/contestants/{contestant_id:int}/reveal",
        summary="Show one contestant's full ID and phone numbers (lists and reads mask them); needs a reason, audited",
        operation_id="reveal_contestant",
        status_code=200,
        guards=[allowed("read_personal_data")],
    )
    async def reveal(self, request: Request, actor: Actor, event_id: int, contestant_id: int, data: RevealIn) -> Response[dict[str, Any]]:
        body = await service.reveal(event_id, contestant_id, data.reason, actor)
        return Response(body, headers={"Cache-Control": "no-store"})

    @post(
        "/contestants/{contestant_id:int}/photo",
        summary="Upload a contestant's photo (JPEG or PNG, at most 2 MB) for the identity check",
        operation_id="upload_contestant_photo",
        request_max_body_size=service.PHOTO_MAX_BYTES + 64 * 1024,
    )
    async def upload_photo(
        self,
        request: Request,
        actor: Actor,
        event_id: int,
        contestant_id: int,
        settings: Settings,
        data: Annotated[UploadFile, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> dict[str, Any]:
        if not isinstance(data, UploadFile):
            raise invalid("file", "请上传照片", "upload a photo")
        return await service.save_photo(event_id, contestant_id, await data.read(), settings.data_dir, actor)

    @get("/contestants/{contestant_id:int}/photo", summary="A contestant's photo", operation_id="get_contestant_photo", media_type="image/jpeg")
    async def get_photo(self, event_id: int, contestant_id: int, settings: Settings) -> Response[bytes]:
        content, media_type = await service.photo_file(event_id, contestant_id, settings.data_dir)
        return Response(content, media_type=media_type, headers={"Cache-Control": "private, no-store"})

    @get(
        "/registration/template", summary="Download the registration workbook template (.xlsx)", operation_id="registration_template", media_type=XLSX
    )
    async def template(self, event_id: int) -> Response[bytes]:
        return attachment(await service.template(event_id), "报名表模板.xlsx")

    @post(
        "/registration/import",
        summary="Import registrations from .xlsx or .csv (mode: check, all or valid)",
        description="check: validate only. all: store only when the whole sheet is valid. valid: store the valid rows. "
        "Every bad cell is reported with its row, column and reason; re-importing creates no duplicates.",
        operation_id="import_registrations",
        request_max_body_size=MAX_UPLOAD_BYTES + 64 * 1024,
    )
    async def import_(
        self,
        request: Request,
        actor: Actor,
        event_id: int,
        data: Annotated[UploadFile, Body(media_type=RequestEncodingType.MULTI_PART)],
        mode: str = "check",
    ) -> Response[dict[str, Any]]:
        if not isinstance(data, UploadFile):
            raise invalid("file", "请上传文件", "upload a file")
        content = await data.read()
        status, body = await service.import_sheet(event_id, content, data.filename or "upload.xlsx", mode, actor)
        return Response(body, status_code=status)

    @get(
        "/registration/export",
        summary="Export registrations (.xlsx, re-importable, full ID numbers; audited)",
        operation_id="export_registrations",
        media_type=XLSX,
    )
    async def export(self, request: Request, actor: Actor, event_id: int) -> Response[bytes]:
        lang = request_lang(request)
        content = await service.export_sheet(event_id, lang, actor)
        return attachment(content, "报名表.xlsx" if lang == "zh" else "registrations.xlsx")

    @get("/registration/summary", summary="Entrants per skill and group, with minimum-entrant warnings", operation_id="registration_summary")
    async def summary(self, event_id: int) -> dict[str, Any]:
        return await service.summary(event_id)


class IdentityCorrectionController(Controller):
    """Identity corrections after publication: the approver's (人社厅), recorded and audited."""

    path = "/api/events/{event_id:int}/contestants/{contestant_id:int}/identity-corrections"
    tags = ["registration"]
    guards = [allowed("correct_identity_after_publication")]

    @post(
        "/",
        summary="Correct a contestant's identity after publication (approver, with a reason)",
        operation_id="correct_identity",
        description="Name, ID number, employer or delegation; sex and birth date follow from the ID number. The contestant and the "
        "snapshot of their award proposals change together, audited with before and after (ID numbers masked).",
    )
    async def correct(self, request: Request, actor: Actor, event_id: int, contestant_id: int, data: IdentityCorrectionIn) -> dict[str, Any]:
        fields = {k: v for k, v in given(data).items() if k != "reason"}
        return await service.correct_identity(event_id, contestant_id, fields, data.reason, actor)


# ---- delegations register their own (代表队报名) and the review (市 → 省) --------------------------------


class WindowIn(msgspec.Struct):
    #: ISO times; without a zone they are China time.
    opens_at: str
    closes_at: str


class ReviewIn(msgspec.Struct):
    contestant_ids: list[int]


class AcceptIn(msgspec.Struct):
    contestant_ids: list[int]
    #: Accept a city's submitted rows without the city's step (no reviewer there, the window
    #: closing): why, on record (audited as ``registration.accept`` with ``city_step_skipped``).
    skip_city_reason: str | None = None


class SendBackIn(msgspec.Struct):
    contestant_ids: list[int]
    #: Why the rows go back: the leader sees it; audited.
    reason: str


class CoachIn(msgspec.Struct):
    name: str
    employer: str = ""
    phone: str = ""


async def _delegations(request: Request, event_id: int) -> set[str]:
    p = await principal(request)
    return p.delegations_for(event_id) if p else set()


async def _cities(request: Request) -> set[str]:
    """The cities the reader reviews: a city supervisor's own; every city for an administrator."""
    p = await principal(request)
    if p is not None and p.is_admin:
        return {c.code for c in codelists.CITIES}
    return p.cities() if p else set()


class RegistrationWindowController(Controller):
    path = "/api/events/{event_id:int}/registration/window"
    tags = ["registration"]

    @get("/", summary="The delegations' registration window", operation_id="get_registration_window", guards=[allowed("read_event")])
    async def get_window(self, event_id: int) -> dict[str, Any]:
        return await delegation.get_window(event_id)

    @put(
        "/",
        summary="Set when delegation leaders may register (times without a zone are China time)",
        operation_id="set_registration_window",
        guards=[allowed("manage_registration")],
    )
    async def set_window(self, actor: Actor, event_id: int, data: WindowIn) -> dict[str, Any]:
        return await delegation.set_window(event_id, data.opens_at, data.closes_at, actor)


class DelegationRegistrationController(Controller):
    """A delegation leader's own registrations: only their delegation's rows, within the window."""

    path = "/api/events/{event_id:int}/delegation"
    tags = ["registration"]
    guards = [allowed("register_delegation")]

    @get("/contestants", summary="The leader's own delegation's rows with their review and coaches (masked)", operation_id="list_delegation_rows")
    async def list_rows(self, request: Request, event_id: int) -> dict[str, Any]:
        return {**await delegation.delegation_rows(event_id, await _delegations(request, event_id)), "window": await delegation.get_window(event_id)}

    @post(
        "/contestants",
        summary="A leader registers one contestant of their delegation (submitted for review)",
        operation_id="register_delegation_contestant",
        description="Same validation as the organiser's entry. 403 other_delegation for another delegation; 422 registration_closed outside the window.",
    )
    async def register(self, request: Request, actor: Actor, event_id: int, data: ContestantIn) -> dict[str, Any]:
        return await delegation.register(event_id, msgspec.structs.asdict(data), await _delegations(request, event_id), actor)

    @patch(
        "/contestants/{contestant_id:int}",
        summary="A leader corrects their own pending row (submitted or returned)",
        operation_id="update_delegation_contestant",
    )
    async def update(self, request: Request, actor: Actor, event_id: int, contestant_id: int, data: ContestantPatch) -> dict[str, Any]:
        return await delegation.update(event_id, contestant_id, given(data), await _delegations(request, event_id), actor)

    @post(
        "/contestants/{contestant_id:int}/resubmit",
        summary="Resubmit a row that was sent back",
        operation_id="resubmit_delegation_contestant",
        status_code=200,
    )
    async def resubmit(self, request: Request, actor: Actor, event_id: int, contestant_id: int) -> dict[str, Any]:
        return await delegation.resubmit(event_id, contestant_id, await _delegations(request, event_id), actor)

    @post("/contestants/{contestant_id:int}/coaches", summary="Add a coach (指导教师) to one's own pending row", operation_id="add_delegation_coach")
    async def add_coach(self, request: Request, actor: Actor, event_id: int, contestant_id: int, data: CoachIn) -> dict[str, Any]:
        return await delegation.add_coach(event_id, contestant_id, msgspec.structs.asdict(data), await _delegations(request, event_id), actor)

    @get("/template", summary="Download the registration workbook template (.xlsx)", operation_id="delegation_template", media_type=XLSX)
    async def template(self, event_id: int) -> Response[bytes]:
        return attachment(await service.template(event_id), "报名表模板.xlsx")

    @post(
        "/import",
        summary="A leader imports their delegation's rows (.xlsx or .csv; mode: check, all or valid)",
        description="The organiser's import and row/column report; a row of another delegation, or naming someone registered "
        "that the leader may not change, is an error of its row. Stored rows are submitted for review.",
        operation_id="import_delegation_rows",
        request_max_body_size=MAX_UPLOAD_BYTES + 64 * 1024,
    )
    async def import_(
        self,
        request: Request,
        actor: Actor,
        event_id: int,
        data: Annotated[UploadFile, Body(media_type=RequestEncodingType.MULTI_PART)],
        mode: str = "check",
    ) -> Response[dict[str, Any]]:
        if not isinstance(data, UploadFile):
            raise invalid("file", "请上传文件", "upload a file")
        content = await data.read()
        status, body = await delegation.import_rows(
            event_id, content, data.filename or "upload.xlsx", mode, await _delegations(request, event_id), actor
        )
        return Response(body, status_code=status)


class RegistrationReviewController(Controller):
    """Step 省: the organiser's review of delegations' rows."""

    path = "/api/events/{event_id:int}/registration/reviews"
    tags = ["registration"]
    guards = [allowed("review_registration")]

    @get("/", summary="Delegations' rows for review (filter by delegation and state; masked)", operation_id="list_registration_reviews")
    async def list_(
        self,
        event_id: int,
        delegation_name: Annotated[str, Parameter(query="delegation")] = "",
        review_state: Annotated[str, Parameter(query="state")] = "",
    ) -> dict[str, Any]:
        return await delegation.queue(event_id=event_id, delegation=delegation_name, state=review_state)

    @post(
        "/accept",
        summary="Accept rows (all or none): a city's once the city approved (or, with skip_city_reason, without its step), an industry body's once submitted",
        operation_id="accept_registrations",
        status_code=200,
    )
    async def accept(self, actor: Actor, event_id: int, data: AcceptIn) -> dict[str, Any]:
        return await delegation.accept(event_id, data.contestant_ids, actor, skip_city_reason=data.skip_city_reason)

    @post("/return", summary="Send rows back to the leader with a reason", operation_id="return_registrations", status_code=200)
    async def send_back(self, actor: Actor, event_id: int, data: SendBackIn) -> dict[str, Any]:
        return await delegation.send_back(event_id, data.contestant_ids, data.reason, actor)

    @post("/{contestant_id:int}/coaches", summary="The organiser adds a coach to a contestant", operation_id="add_coach")
    async def add_coach(self, actor: Actor, event_id: int, contestant_id: int, data: CoachIn) -> dict[str, Any]:
        return await delegation.add_coach(event_id, contestant_id, msgspec.structs.asdict(data), None, actor)


class CityReviewController(Controller):
    """Step 市: a city reviewer's queue, across events, of its own city's delegation rows only."""

    path = "/api/city/reviews"
    tags = ["registration"]
    guards = [allowed("review_city_registration")]

    @get("/", summary="The city's delegation rows for review (masked)", operation_id="list_city_reviews")
    async def list_(self, request: Request, review_state: Annotated[str, Parameter(query="state")] = "") -> dict[str, Any]:
        return {**await delegation.queue(cities=await _cities(request), state=review_state), "cities": sorted(await _cities(request))}

    @post("/approve", summary="Approve the city's submitted rows (all or none)", operation_id="city_approve_registrations", status_code=200)
    async def approve(self, request: Request, actor: Actor, data: ReviewIn) -> dict[str, Any]:
        return await delegation.city_approve(data.contestant_ids, await _cities(request), actor)

    @post("/return", summary="Send the city's submitted rows back with a reason", operation_id="city_return_registrations", status_code=200)
    async def send_back(self, request: Request, actor: Actor, data: SendBackIn) -> dict[str, Any]:
        return await delegation.city_return(data.contestant_ids, data.reason, await _cities(request), actor)
