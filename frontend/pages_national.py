"""The national skills-evaluation record page (``/events/{id}/national-record``): the evaluating
body's codes, the next batch with its completeness report, its files, "mark as sent" (asks first),
and the batches sent. Everything it shows comes from :mod:`certificates.national`."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from certificates import national
from competition.events import service as events
from frontend.pages import render
from kernel.errors import request_lang
from kernel.guards import allowed


@get("/events/{event_id:int}/national-record", include_in_schema=False, guards=[allowed("read_national_record")])
async def national_record_page(request: Request, event_id: int) -> Template:
    lang = request_lang(request)
    event = events.event_json(await events.get_event(event_id))
    view = await national.pending(event_id, lang)
    batches = await national.list_batches(event_id)
    return await render(request, "certificates_national.html", event=event, view=view, batches=batches, categories=("Y", "S"))


def page_handlers() -> list:
    return [national_record_page]
