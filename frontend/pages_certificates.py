"""Certificate pages: the organiser's issuance page (progress, list, revocation, ZIP, ledger export),
the public verification page (what the QR code opens) and a holder's download page. Each look-up
by number counts against the per-address verification limit (``kernel/ratelimit.py``)."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Response, Template

from certificates import controller, issuance, seal, service, verify
from competition.events import service as events
from frontend.pages import render
from kernel import access, ratelimit
from kernel.guards import allowed, principal


@get("/events/{event_id:int}/certificates", include_in_schema=False, guards=[allowed("read_certificates")])
async def certificates_page(request: Request, event_id: int, skill_id: int | None = None) -> Template:
    from kernel.errors import request_lang

    lang = request_lang(request)
    settings = request.app.state.settings
    event = events.event_json(await events.get_event(event_id))
    skills = await events.list_skills(event_id)
    p = await principal(request)
    plan = await issuance.plan(event_id, settings, lang)
    certs = await service.list_certificates(event_id, settings, skill_id=skill_id, lang=lang)
    batches = await issuance.list_batches(event_id, lang, limit=5)
    running = next((b for b in batches if b["status"] == "running"), None)
    return await render(
        request,
        "certificates_event.html",
        event=event,
        skills=skills,
        skill_id=skill_id,
        plan=plan,
        skipped=[i for i in plan["items"] if i["action"] == "skip"],
        certificates=certs,
        batches=batches,
        running=running,
        is_organiser=access.allows(p, "issue_certificates", event_id),
        seal=seal.info(settings, event_id),
        may_upload_seal=access.allows(p, "manage_certificate_seal", event_id),
    )


async def _verify_page(request: Request, number: str | None) -> Template:
    from kernel.errors import request_lang

    result = None
    if number and number.strip():  # the empty form is not a look-up
        await ratelimit.of(request).verify(request)
        result = await verify.lookup(number, request_lang(request))
    response = await render(request, "certificates_verify.html", result=result, typed=(number or "").strip())
    if result is not None:
        response.status_code = {"unknown": 404, "malformed": 422}.get(result["status"], 200)
    return response


@get("/verify", include_in_schema=False)
async def verify_form(request: Request, number: str | None = None) -> Template:
    return await _verify_page(request, number)


@get("/verify/{number:str}", include_in_schema=False)
async def verify_number(request: Request, number: str) -> Template:
    return await _verify_page(request, number)


async def download_page(request: Request, number: str) -> Template:
    """``/certificates/{number}``: what the results page links to; asks for the ID number's last 6,
    which the form posts to ``/certificates/{number}.pdf`` (rate-limited by the caller)."""
    from kernel.errors import not_found, request_lang

    row = await service.get_certificate_row(number)
    if row is None:
        raise not_found("certificate")
    info = await verify.lookup(row["number"], request_lang(request))
    p = await principal(request)
    return await render(request, "certificates_download.html", info=info, number=row["number"],
                        organiser=access.allows(p, "read_certificates", row["event"]))  # fmt: skip


@get(
    "/certificates/{name:str}",
    summary="A certificate's page (`{number}`: what it is, and a form asking for the ID number's last 6), or its PDF for the event's organisers (`{number}.pdf`)",
    description="The page is a look-up by number, rate-limited like `/verify`. Anyone but the event's organisers downloads "
    "the PDF by POST (the last 6 of the ID number in the body); a GET of the PDF answers them 403 `id_required`, "
    "whether or not the number exists.",
    operation_id="certificate_page",
    tags=["certificates"],
)
async def certificate_file(request: Request, name: str) -> Response:
    if name.lower().endswith(".pdf"):
        return await controller.organiser_pdf(request, name)
    await ratelimit.of(request).verify(request)
    return await download_page(request, name)


def page_handlers() -> list:
    return [certificates_page, verify_form, verify_number, certificate_file]
