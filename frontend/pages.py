"""Server-rendered pages (Jinja). Forms post JSON to the API through ``static/app.js``, so the pages
and the API share one validation path and one error format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, get
from litestar.response import File, Redirect, Template

from competition.events import service as events
from frontend import messages  # noqa: F401  (registers page texts)
from kernel import access
from kernel.errors import request_lang
from kernel.guards import allowed, principal
from kernel.i18n import LANGS
from kernel.security import safe_next as safe_next_path
from marking.live import schemes
from scoring import codelists
from scoring.presets import TIER_CLASSES, TIERS


async def render(request: Request, template: str, **context: Any) -> Template:
    lang = request_lang(request)
    p = await principal(request)
    # ``can('capability', event_id, skill_id)``: templates ask the access policy, never a role.
    return Template(template_name=template, context={"lang": lang, "user": p, "can": access.Checker(p), "path": request.url.path, **context})


@get("/login", include_in_schema=False)
async def login_page(request: Request, next: str = "/", code: str | None = None) -> Template:
    safe_next = safe_next_path(next)
    return await render(request, "login.html", next=safe_next, code=code or "")


@get("/lang/{code:str}", include_in_schema=False)
async def switch_lang(request: Request, code: str, next: str = "/") -> Redirect:
    safe_next = safe_next_path(next)
    response = Redirect(path=safe_next)
    if code in LANGS:
        response.set_cookie("lang", code, max_age=365 * 86400, samesite="lax")
    return response


async def staff_home(request: Request, archived: bool = False) -> Template:
    """The logged-in home: the events one may act in (``/``, routed by ``pages_public.home``,
    which gives a visitor the public home page instead)."""
    from kernel.tables import Event

    p = await principal(request)
    assert p is not None
    query = Event.select().where(Event.archived == archived).order_by(Event.id, ascending=False)
    visible = access.event_ids(p)
    rows = [] if visible == set() else await (query if visible is None else query.where(Event.id.is_in(list(visible))))
    return await render(
        request,
        "home.html",
        events=[events.event_json(r) for r in rows],
        archived=archived,
        can_create=access.allows(p, "create_event"),
        show_tablet=any(access.allows(p, "enter_mark", g.event_id, g.skill_id) for g in p.grants if g.event_id is not None),
    )


@get("/events/new", include_in_schema=False, guards=[allowed("create_event")])
async def new_event(request: Request) -> Template:
    return await render(request, "event_form.html", event=None, tiers=TIERS, tier_classes=TIER_CLASSES)


@get("/events/{event_id:int}/edit", include_in_schema=False, guards=[allowed("manage_event")])
async def edit_event(request: Request, event_id: int) -> Template:
    event = events.event_json(await events.get_event(event_id))
    return await render(request, "event_form.html", event=event, tiers=TIERS, tier_classes=TIER_CLASSES)


@get("/events/{event_id:int}", include_in_schema=False, guards=[allowed("read_event")])
async def event_page(request: Request, event_id: int) -> Template:
    import json

    event = events.event_json(await events.get_event(event_id))
    skills = await events.list_skills(event_id)
    preset = await events.event_preset(event_id)
    return await render(
        request,
        "event_detail.html",
        event=event,
        skills=skills,
        with_scheme=await schemes.has_schemes([s["id"] for s in skills]),
        sessions=await events.sessions_of_event(event_id),
        clusters=codelists.CLUSTERS,
        effective_json=json.dumps(preset["effective"], ensure_ascii=False, indent=2),
    )


_STATIC = Path(__file__).parent / "static"


@get("/favicon.ico", include_in_schema=False)
async def favicon() -> File:
    """Browsers ask for ``/favicon.ico`` whatever the page links; the pages link the SVG beside it."""
    return File(
        path=_STATIC / "favicon.ico", media_type="image/x-icon", content_disposition_type="inline", headers={"Cache-Control": "public, max-age=86400"}
    )


def page_handlers() -> list:
    return [login_page, switch_lang, new_event, edit_event, event_page, favicon]
