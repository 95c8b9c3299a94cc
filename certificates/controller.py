"""HTTP API of certificates: issuance with progress, listing, revocation, the ZIP of an event, the
promotion ledger (JSON and .xlsx; a person's, by ID number in a POST body), public verification,
and a holder's PDF download (the ID number's last 6 in a POST body). Thin.

Every look-up by a certificate number, and every ID-number check, goes through the rate limits of
``kernel/ratelimit.py`` (see docs/SECURITY.md, "Rate limits and look-ups")."""

from __future__ import annotations

from typing import Annotated, Any, Iterable
from urllib.parse import quote

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.handlers.base import BaseRouteHandler
from litestar.params import Body
from litestar.response import File, Stream

from certificates import issuance, ledger, proposals, seal, selfservice, service, verify
from competition.registration.controller import attachment
from kernel import access, audit, ratelimit
from kernel.audit import Actor
from kernel.db import write_transaction
from kernel.errors import BilingualError, forbidden, invalid, not_found, request_lang
from kernel.guards import actor_of, allowed, principal, require_principal
from kernel.i18n import register, t
from kernel.roles import Principal
from kernel.settings import Settings
from marking.release import export
from scoring.idcard import mask_id, normalise_id
from scoring.identity import doc_type_of, document_error_message, document_problem, unknown_type_message

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Wrong ID checks allowed per certificate number (and per client address) per hour.
DOWNLOAD_FAILURES_PER_NUMBER = ratelimit.Limits.DOWNLOAD_GUESSES_PER_NUMBER
DOWNLOAD_FAILURES_PER_CLIENT = ratelimit.Limits.DOWNLOAD_GUESSES_PER_ADDRESS

register(
    {
        "download.id_required": (
            "请在证书页面输入持证人身份证号后 6 位下载（以表单提交，不放在网址中）",
            "Enter the last 6 characters of the holder's ID number on the certificate's page (sent in a form, never in the address)",
        )
    }
)


class StrikeIn(msgspec.Struct):
    reason: str


class ApproveIn(msgspec.Struct):
    skill_id: int | None = None


class RevokeIn(msgspec.Struct):
    reason: str = ""


class LedgerLookupIn(msgspec.Struct):
    id_number: str
    #: the document's type (``scoring.identity``); a person is type + number
    id_type: str = "id_card"


class DownloadIn(msgspec.Struct):
    id6: str = ""


class SelfLookupIn(msgspec.Struct):
    name: str
    id_number: str
    #: the document's type (``scoring.identity``: id_card, residence_permit, hk_macau_permit,
    #: taiwan_permit, passport); when given, only registrations with this type and number match
    id_type: str | None = None


class SelfAppealIn(msgspec.Struct):
    token: str
    event_id: int
    skill_id: int
    group_id: int
    text: str


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _attachment_headers(filename: str, ascii_name: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}", "Cache-Control": "private, no-store"}


def may_read_ledger(principal: Principal, event_ids: Iterable[int]) -> bool:
    """May ``principal`` read the promotion-ledger rows of every event in ``event_ids``?

    A person's ledger spans events, so looking it up by ID number is an oracle over all of them:
    platform administrators may read every event's rows; an approver only those of events where
    they hold the approver grant (the policy's ``read_person_ledger``); nobody
    else any, organisers included. With no events named: may this principal look up at all.
    (Written to move into the central access policy as a capability.)
    """
    wanted = list(event_ids)
    if not wanted:
        return principal.is_admin or any(access.allows(principal, "read_person_ledger", e) for e in access.event_ids(principal) or ())
    return all(access.allows(principal, "read_person_ledger", e) for e in wanted)


async def requires_ledger_reader(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    p = await require_principal(connection)
    if not may_read_ledger(p, ()):
        raise forbidden()


requires_ledger_reader.capability = "read_person_ledger"  # type: ignore[attr-defined]


requires_ledger_reader.capability = "read_person_ledger"  # type: ignore[attr-defined]


class ProposalsController(Controller):
    path = "/api/events/{event_id:int}/proposals"
    tags = ["proposals"]

    @get(
        "/",
        summary="Awards, honours and promotions proposed from final results, with strikes and approval",
        operation_id="list_proposals",
        guards=[allowed("read_proposals")],
    )
    async def list_all(self, event_id: int, skill_id: int | None = None, group_id: int | None = None) -> list[dict[str, Any]]:
        return await proposals.list_proposals(event_id, skill_id, group_id)

    @get("/export", summary="The proposals as .xlsx", operation_id="export_proposals", guards=[allowed("read_proposals")], media_type=XLSX)
    async def export_list(self, request: Request, event_id: int, skill_id: int | None = None) -> Response[bytes]:
        lang = request_lang(request)
        return attachment(export.proposals_book(await proposals.list_proposals(event_id, skill_id), lang), export.filename("proposals", lang))

    @post(
        "/{proposal_id:int}/strike",
        summary="Strike an entry with a reason (approver; refused once the list is approved)",
        operation_id="strike_proposal",
        guards=[allowed("approve_proposals")],
        status_code=200,
    )
    async def strike(self, request: Request, actor: Actor, event_id: int, proposal_id: int, data: StrikeIn) -> dict[str, Any]:
        return await proposals.strike(event_id, proposal_id, data.reason, actor)

    @post(
        "/approve",
        summary="Approve the event's (or one skill's) list: every unstruck entry (approver; final)",
        operation_id="approve_proposals",
        guards=[allowed("approve_proposals")],
        status_code=200,
    )
    async def approve(self, request: Request, actor: Actor, event_id: int, data: ApproveIn | None = None) -> dict[str, Any]:
        return await proposals.approve(event_id, data.skill_id if data else None, actor)


class CertificateController(Controller):
    path = "/api/events/{event_id:int}"
    tags = ["certificates"]

    @get("/certificates", summary="The event's certificates (full names; never ID numbers)", operation_id="list_certificates",
         guards=[allowed("read_certificates")])  # fmt: skip
    async def list_certificates(
        self, request: Request, event_id: int, skill_id: int | None = None, cert_type: str | None = None
    ) -> list[dict[str, Any]]:
        return await service.list_certificates(event_id, _settings(request), skill_id=skill_id, cert_type=cert_type, lang=request_lang(request))

    @get("/certificates/plan", summary="What issuing would do with each approved proposal: issue, already issued, or not issued and why",
         operation_id="certificate_plan", guards=[allowed("read_certificates")])  # fmt: skip
    async def plan(self, request: Request, event_id: int) -> dict[str, Any]:
        return await issuance.plan(event_id, _settings(request), request_lang(request))

    @post(
        "/certificates/issue",
        summary="Issue certificates for the approved proposals and render their PDFs (idempotent, resumes an interrupted run)",
        description="Numbers are allocated and certificate, honour and ledger rows written at once (the answer lists the new numbers); "
        "the PDFs are then rendered in the background: poll `GET …/certificates/batches/{batch_id}` for `done`/`total`/`status`.",
        operation_id="issue_certificates",
        guards=[allowed("issue_certificates")],
        status_code=202,
    )
    async def issue(self, request: Request, actor: Actor, event_id: int) -> dict[str, Any]:
        return await issuance.issue(event_id, actor, _settings(request), render="background")

    @get("/certificates/batches", summary="Issuance runs of the event, newest first", operation_id="list_issuance_batches",
         guards=[allowed("read_certificates")])  # fmt: skip
    async def batches(self, request: Request, event_id: int) -> list[dict[str, Any]]:
        return await issuance.list_batches(event_id, request_lang(request))

    @get("/certificates/batches/{batch_id:int}", summary="Progress of one issuance run", operation_id="get_issuance_batch",
         guards=[allowed("read_certificates")])  # fmt: skip
    async def batch(self, request: Request, event_id: int, batch_id: int) -> dict[str, Any]:
        return await issuance.get_batch(event_id, batch_id, request_lang(request))

    @post("/certificates/{number:str}/revoke", summary="Revoke a certificate with a reason (audited)", operation_id="revoke_certificate",
          guards=[allowed("revoke_certificate")], status_code=200)  # fmt: skip
    async def revoke(self, request: Request, actor: Actor, event_id: int, number: str, data: RevokeIn) -> dict[str, Any]:
        return await service.revoke(event_id, number, data.reason, actor)

    @get("/certificates.zip", summary="All valid certificates of the event as one ZIP (streamed), with a list in 清单.csv",
         operation_id="download_certificates_zip", guards=[allowed("issue_certificates")], media_type="application/zip")  # fmt: skip
    async def zip(self, request: Request, event_id: int, skill_id: int | None = None) -> Stream:
        items = await service.zip_contents(event_id, _settings(request), skill_id=skill_id)
        name = f"certificates-event-{event_id}.zip"
        return Stream(content=service.zip_stream(items), media_type="application/zip", headers=_attachment_headers(f"证书-{event_id}.zip", name))

    @get("/seal", summary="The issuing body's seal printed on the event's certificates (PNG or SVG); 404 when none",
         operation_id="get_certificate_seal", guards=[allowed("read_certificates")], media_type="image/png")  # fmt: skip
    async def get_seal(self, request: Request, event_id: int) -> Response[bytes]:
        content, media_type = seal.read(_settings(request), event_id)
        # An SVG opened on its own runs nothing: no scripts were accepted, and the CSP allows none.
        return Response(
            content,
            media_type=media_type,
            headers={"Cache-Control": "private, no-cache", "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"},
        )

    @post(
        "/seal",
        summary="Upload the issuing body's seal (PNG at least 64×64 px, or SVG; at most 1 MB), printed over the issuer's name and date",
        description="Multipart, field `data`. Certificates issued from then on carry it; those issued before keep the seal they were issued with.",
        operation_id="upload_certificate_seal",
        guards=[allowed("manage_certificate_seal")],
        request_max_body_size=seal.SEAL_MAX_BYTES + 64 * 1024,
        status_code=200,
    )
    async def upload_seal(
        self, request: Request, actor: Actor, event_id: int, data: Annotated[UploadFile, Body(media_type=RequestEncodingType.MULTI_PART)]
    ) -> dict[str, Any]:
        if not isinstance(data, UploadFile):
            raise invalid("seal", "请选择印章图片文件", "choose the seal's image file")
        return await seal.save(event_id, await data.read(), _settings(request), actor)

    @get("/ledger", summary="The event's promotions (晋级台账) as JSON, ID numbers masked", operation_id="event_ledger",
         guards=[allowed("read_event_ledger")])  # fmt: skip
    async def event_ledger(self, event_id: int, include_revoked: bool = False) -> list[dict[str, Any]]:
        return await ledger.event_ledger(event_id, include_revoked=include_revoked)

    @get("/ledger.xlsx", summary="The event's promotions as .xlsx for the provincial talent-evaluation system", operation_id="event_ledger_xlsx",
         guards=[allowed("read_event_ledger")], media_type=XLSX)  # fmt: skip
    async def event_ledger_xlsx(self, actor: Actor, event_id: int) -> Response[bytes]:
        # The provincial system needs the full ID numbers: the export is audited (who, how many rows).
        entries = await ledger.event_ledger(event_id, masked=False)
        async with write_transaction():
            await audit.record("ledger.export", actor, event_id=event_id, target=f"event:{event_id}", details={"rows": len(entries)})
        content = ledger.ledger_xlsx(entries)
        return Response(content, media_type=XLSX, headers=_attachment_headers(f"晋级台账-{event_id}.xlsx", f"ledger-event-{event_id}.xlsx"))


@post("/api/ledger/lookup", summary="A person's promotions and honours by ID number (administrators; approvers see their events' rows)",
      description="The ID number goes in the body, never in the address (it would end up in logs and browser history). "
      "Rate-limited per account (`COMPETITION_LEDGER_RATE`); every look-up is audited with the ID number masked.",
      operation_id="person_ledger", tags=["certificates"], guards=[requires_ledger_reader], status_code=200)  # fmt: skip
async def person_ledger(request: Request, data: LedgerLookupIn) -> dict[str, Any]:
    p = await require_principal(request)
    await ratelimit.of(request).ledger_lookup(p.user_id)
    person = normalise_id(data.id_number)
    doc_type = doc_type_of(data.id_type)
    if doc_type is None:
        msg = unknown_type_message(data.id_type)
        raise invalid("id_type", msg.zh, msg.en)
    problem = document_problem(doc_type, person)
    if problem:
        msg = document_error_message(doc_type, problem[0], person, problem[1])
        raise invalid("id_number", msg.zh, msg.en)
    found = _visible_ledger(await ledger.person_ledger(person, doc_type), p)
    async with write_transaction():
        await audit.record("ledger.lookup", actor_of(request, p), target="ledger", details={
            "id_number": mask_id(person), "rows": len(found["promotions"]) + len(found["honours"]),
            "promotions": len(found["promotions"]), "honours": len(found["honours"])})  # fmt: skip
    return found


def _visible_ledger(found: dict[str, Any], p: Principal) -> dict[str, Any]:
    """The rows of ``ledger.person_ledger`` that ``p`` may read, and what is derived from them
    (name, highest level) recomputed from those rows only: nothing hints at other events."""
    from certificates.service import level_text

    promotions = [r for r in found["promotions"] if may_read_ledger(p, (r["event_id"],))]
    honours = [h for h in found["honours"] if may_read_ledger(p, (h["event_id"],))]
    levels = [r["to_level"] for r in promotions if not r["revoked"]]
    highest = max(levels) if levels else None
    names = [r["name"] for r in promotions]
    return {
        **found,
        "name": names[-1] if names else "",
        "highest_level": highest,
        "highest_level_name": "" if highest is None else level_text(highest),
        "promotions": promotions,
        "honours": honours,
    }


@get("/api/verify/{number:str}", summary="Verify a certificate: genuine, revoked, unknown (404) or malformed (422); rate-limited",
     operation_id="verify_certificate", tags=["certificates"])  # fmt: skip
async def verify_certificate(request: Request, number: str) -> dict[str, Any]:
    await ratelimit.of(request).verify(request)
    return await verify.verify_or_raise(number, request_lang(request))


def _pdf_number(name: str) -> str | None:
    return name[: -len(".pdf")] if name.lower().endswith(".pdf") else None


def _file(path, row: dict[str, Any]) -> File:
    return File(
        path=path,
        filename=f"{row['number']}.pdf",
        media_type="application/pdf",
        content_disposition_type="attachment",
        headers={"Cache-Control": "private, no-store"},
    )


async def organiser_pdf(request: Request, name: str) -> Response:
    """``GET /certificates/{number}.pdf`` (the page's route, ``frontend/pages_certificates.py``): the
    PDF for the event's organisers; anyone else downloads it by POST with the ID number's last 6."""
    number = _pdf_number(name) or name
    p = await principal(request)
    row = await service.get_certificate_row(number) if p is not None else None
    if row is None or not access.allows(p, "read_certificates", row["event"]):
        # The same answer for unknown numbers: a GET tells nobody whether a number exists.
        raise BilingualError(403, "id_required", zh=t("download.id_required", "zh"), en=t("download.id_required", "en"), field="id6")
    return _file(await issuance.ensure_pdf(row, _settings(request)), row)


async def _posted_id6(request: Request) -> str:
    """``id6`` from a JSON body (the page's script) or a form (the page without script)."""
    content_type, _ = request.content_type
    if content_type == "application/json":
        try:
            return msgspec.json.decode(await request.body(), type=DownloadIn).id6
        except msgspec.ValidationError as exc:
            raise invalid("id6", "应为文本", "must be text") from exc
        except msgspec.DecodeError as exc:
            raise BilingualError(400, "invalid_body", zh="请求内容不是有效的 JSON", en="The request body is not valid JSON") from exc
    form = await request.form()
    value = form.get("id6", "")
    return value if isinstance(value, str) else ""


@post(
    "/certificates/{name:str}",
    summary="A holder's certificate PDF: `{number}.pdf` with `id6`, the last 6 characters of the holder's ID number, in the body",
    description='Body: JSON `{"id6": "…"}` or a form field `id6` (never the query string). Counted as a look-up by number '
    f"(like `/verify`), and each ID check is counted: after {DOWNLOAD_FAILURES_PER_NUMBER} wrong answers per number "
    f"(or {DOWNLOAD_FAILURES_PER_CLIENT} per client address) in an hour, 429 with `Retry-After`; a right answer is not counted. "
    "A revoked certificate is 410 for its holder. The event's organisers need no `id6`.",
    operation_id="download_certificate",
    tags=["certificates"],
    status_code=200,
)
async def certificate_download(request: Request, name: str) -> Response:
    number = _pdf_number(name)
    if number is None:
        raise not_found("certificate")
    id6 = (await _posted_id6(request)).strip()
    limits = ratelimit.of(request)
    await limits.verify(request)
    row = await service.get_certificate_row(number)
    if row is None:
        raise not_found("certificate")
    p = await principal(request)
    if not access.allows(p, "read_certificates", row["event"]):
        if not id6:
            raise invalid("id6", "必填", "is required")
        # Counted before the check, atomically: a burst of guesses cannot all pass a stale count.
        guess = await limits.id_guess(request, row["number"])
        if not service.id_tail_matches(row["id_number"], id6):
            raise BilingualError(403, "id_mismatch", zh=t("download.wrong_id", "zh"), en=t("download.wrong_id", "en"), field="id6")
        await guess.give_back()  # a right answer does not count against the holder
        if row["revoked_at"] is not None:
            raise BilingualError(410, "revoked", zh=t("download.revoked", "zh"), en=t("download.revoked", "en"))
    return _file(await issuance.ensure_pdf(row, _settings(request)), row)


async def self_lookup(request: Request, name: str, id_number: str, id_type: str | None = None) -> dict[str, Any]:
    """A contestant's look-up by name and document number, and its type when given (the API's and
    the page's): rate-limited, audited whether found or not; 404 ``not_found`` (neutral) when
    nothing matches."""
    name, person = selfservice.typed_identity(name, id_number)
    doc_type = selfservice.typed_doc_type(id_type)
    await ratelimit.of(request).self_lookup(request, person)
    found = await selfservice.find(name, person, doc_type)
    await selfservice.record_lookup(actor_of(request, await principal(request)), how="identity", name=name, id_number=person, found=found)
    if not found:
        raise selfservice.not_found_error()
    return {**await selfservice.own_results(found, request_lang(request)), "token": selfservice.make_token(_settings(request), found)}


async def own_lookup(request: Request, p: Principal) -> dict[str, Any]:
    """The same answer for a logged-in contestant account: its own registrations (audited)."""
    found = sorted({g.contestant_id for g in p.grants if g.role == "contestant" and g.contestant_id is not None})
    await selfservice.record_lookup(actor_of(request, p), how="account", name=p.display_name, id_number="", found=found)
    return {
        **await selfservice.own_results(found, request_lang(request)),
        "token": selfservice.make_token(_settings(request), found) if found else "",
    }


@post(
    "/api/public/lookup",
    summary="A contestant's own results, honours and certificates by name and ID number (public; rate-limited, audited)",
    description="Both must match a registration; otherwise 404 `not_found`, the same answer whatever did not match. The person is shown "
    "masked. `token` lets `POST /api/public/appeals` file an appeal for the registrations found (30 minutes). Rate-limited per ID "
    "number (10/hour) and per client address (`COMPETITION_SELF_LOOKUP_RATE`).",
    operation_id="contestant_self_lookup",
    tags=["public"],
    status_code=200,
)
async def contestant_lookup(request: Request, data: SelfLookupIn) -> dict[str, Any]:
    return await self_lookup(request, data.name, data.id_number, data.id_type)


@get("/api/me/results", summary="The logged-in contestant's own results, honours and certificates (audited)",
     operation_id="contestant_own_results", tags=["public"])  # fmt: skip
async def contestant_own_results(request: Request) -> dict[str, Any]:
    return await own_lookup(request, await require_principal(request))


@post(
    "/api/public/appeals",
    summary="File an appeal online as the contestant a look-up found (within the appeal window)",
    description="`token` from `POST /api/public/lookup` (or `GET /api/me/results`). The appeal rules apply: 409 "
    "appeal_window_closed after the window, results_final, not_provisional; 429 too_many_appeals past the preset's "
    "`results.max_appeals_per_contestant`; 403 lookup_expired for an old token.",
    operation_id="contestant_file_appeal",
    tags=["public"],
    status_code=201,
)
async def contestant_appeal(request: Request, data: SelfAppealIn) -> dict[str, Any]:
    await ratelimit.of(request).self_lookup(request, "appeal:" + data.token[:64])
    return await selfservice.file_appeal(
        _settings(request), data.token, data.event_id, data.skill_id, data.group_id, data.text, actor_of(request, await principal(request))
    )
