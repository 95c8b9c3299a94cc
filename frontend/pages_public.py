"""Pages for the public and the contestant, no login needed: the public home page (``/`` for a
visitor who is not logged in: current and past events with their live boards, published results
and formal notices, certificate verification, the contestant look-up), and the contestant's
look-up (``/lookup``: own results, honours and certificates by name and ID number, or through a
contestant account; then an appeal online within the window). The look-up's form posts to the
page itself (so the ID number never sits in an address) and goes through the same rate limit and
audit as ``POST /api/public/lookup`` (``certificates.controller.self_lookup``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template

from certificates import controller as certificates
from competition.events import service as events
from frontend.pages import render, staff_home
from kernel.errors import AppError, request_lang
from kernel.guards import principal
from kernel.i18n import CHINA_TZ, register, t
from kernel.ratelimit import RateLimited
from kernel.tables import Event, Skill
from marking.release import face as results
from scoring.identity import DOC_TYPES

register(
    {
        "public.title": ("广东省职业技能竞赛", "Guangdong skills competitions"),
        "public.tagline": (
            "赛事实时排名、成绩公示、证书查验与选手自助查询",
            "Live rankings, public notices of results, certificate verification and contestants' own look-up",
        ),
        "public.current": ("进行中和即将举行的赛事", "Current and upcoming events"),
        "public.past": ("往届赛事", "Past events"),
        "public.none": ("暂无赛事。", "No events yet."),
        "public.board": ("实时排名", "Live board"),
        "public.results": ("成绩", "Results"),
        "public.published": ("已公布成绩", "Results published"),
        "public.verify_help": ("输入证书编号，查验证书真伪", "Check a certificate by its number"),
        "public.lookup_help": ("选手本人查询成绩、荣誉和证书，在线申诉", "Contestants: your results, honours and certificates; appeal online"),
        "public.staff_login": ("工作人员登录", "Staff login"),
    }
)

#: The look-up form's document types (``scoring.identity``): a person is type + number.
_DOC_TYPES = [{"code": d.code, "zh": d.label.zh, "en": d.label.en} for d in DOC_TYPES.values()]


def _china_today() -> dt.date:
    return dt.datetime.now(CHINA_TZ).date()


async def public_home(request: Request) -> Template:
    """``/`` for a visitor: every event with skills, current first, then past (archived or ended)."""
    rows = await Event.select().order_by(Event.starts_on, ascending=False).order_by(Event.id, ascending=False)
    skills = await Skill.select(Skill.id, Skill.event)
    by_event: dict[int, list[int]] = {}
    for s in skills:
        by_event.setdefault(s["event"], []).append(s["id"])
    published = await results.published_groups([s["id"] for s in skills])
    published_skills = {skill for skill, _ in published}
    today = _china_today()
    current: list[dict[str, Any]] = []
    past: list[dict[str, Any]] = []
    for r in rows:
        if r["id"] not in by_event:
            continue
        e = events.event_json(r)
        e["published"] = any(s in published_skills for s in by_event[r["id"]])
        ended = r["archived"] or (r["ends_on"] is not None and r["ends_on"] < today)
        (past if ended else current).append(e)
    return await render(request, "public_home.html", current=current, past=past)


@get("/", include_in_schema=False)
async def home(request: Request, archived: bool = False) -> Template:
    """The logged-in home, or for a visitor the public home page."""
    if await principal(request) is None:
        return await public_home(request)
    return await staff_home(request, archived)


def _error_text(exc: Exception, lang: str) -> tuple[int, str, str | None]:
    if isinstance(exc, RateLimited):
        return 429, t("error.rate_limited", lang), None
    assert isinstance(exc, AppError)
    return exc.status_code, exc.message(lang), exc.field


@get("/lookup", include_in_schema=False)
async def lookup_page(request: Request) -> Template:
    """The form; a logged-in contestant account sees its own results at once (audited)."""
    p = await principal(request)
    found = None
    if p is not None and any(g.role == "contestant" and g.contestant_id is not None for g in p.grants):
        found = await certificates.own_lookup(request, p)
    return await render(request, "public_lookup.html", found=found, typed_name="", error=None, error_field=None, doc_types=_DOC_TYPES)


@post("/lookup", include_in_schema=False, status_code=200)
async def lookup_submit(request: Request, data: dict[str, str] = Body(media_type=RequestEncodingType.URL_ENCODED)) -> Template:
    name, id_number = str(data.get("name") or ""), str(data.get("id_number") or "")
    try:
        found = await certificates.self_lookup(request, name, id_number, str(data.get("id_type") or "") or None)
    except (AppError, RateLimited) as exc:
        status, message, field = _error_text(exc, request_lang(request))
        response = await render(
            request, "public_lookup.html", found=None, typed_name=name.strip()[:50], error=message, error_field=field, doc_types=_DOC_TYPES
        )
        response.status_code = status
        return response
    return await render(request, "public_lookup.html", found=found, typed_name="", error=None, error_field=None, doc_types=_DOC_TYPES)


def page_handlers() -> list:
    return [home, lookup_page, lookup_submit]
