"""HTTP API of scoring: marking schemes, the tablet's assignments, marks (and corrections), criterion
locks, freezing the public board, the chief judge's console data and the public board feeds."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body

from competition.events import service as events
from competition.registration.controller import XLSX, attachment
from kernel import audit, http_cache
from kernel.audit import Actor
from kernel.db import write_transaction
from kernel.errors import BilingualError, invalid, not_found, request_lang
from kernel.guards import actor_of, allowed, allowed_any, require_principal
from kernel.i18n import register
from kernel.roles import CHIEF_JUDGE, JUDGE
from kernel.tables import Skill
from marking.live import schemes
from marking.live.ingest import MarkRefused, MarkRequest
from marking.live.service import Live
from marking.tables import CriterionLock, Mark, MarkingScheme
from scoring.judges import panels_from_marks, review_judges
from scoring.messages import ScoringError
from scoring.scheme import scheme_from_dict, scheme_to_dict
from scoring.scheme_xlsx import write_scheme_template, write_scheme_xlsx

register({"thing.scheme": ("评分标准", "marking scheme"), "thing.lock": ("锁定", "lock")})


class SchemeIn(msgspec.Struct):
    scheme: dict[str, Any]


#: A mark is a few short fields (``ingest.MAX_FIELD``): a larger body is refused (413) unread.
MAX_MARK_BODY = 16 * 1024


class MarkIn(msgspec.Struct):
    op_id: str
    contestant: str
    aspect: str
    value: str | int | float | None = None
    measured: str | int | float | None = None
    reason: str = ""
    seat: int | None = None
    authority: str = "judge"


class LockIn(msgspec.Struct):
    criterion: str


def _live(request: Request) -> Live:
    return request.app.state.live


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def _skill(event_id: int, skill_id: int) -> dict[str, Any]:
    row = await Skill.select().where((Skill.id == skill_id) & (Skill.event == event_id)).first()
    if row is None:
        raise not_found("skill")
    return row


def _scheme_error(exc: ScoringError) -> BilingualError:
    problems = getattr(exc, "problems", None) or []
    first = problems[0] if problems else None
    return BilingualError(
        422,
        exc.code,
        field=(first.path if first else "scheme"),
        zh=exc.message.zh,
        en=exc.message.en,
        extra=[p.to_dict() for p in problems] if problems else None,
    )


async def store_scheme(event_id: int, skill_id: int, data: dict[str, Any], actor: audit.Actor, live: Live | None) -> dict[str, Any]:
    """Validate and store a skill's scheme; refused once marks exist (they were given under it)."""
    await events.editable_event(event_id)
    skill = await _skill(event_id, skill_id)
    preset = (await events.event_preset(event_id))["effective"]
    defaults = schemes.scheme_defaults(preset, skill)
    try:
        # The skill's total first: a scheme made for another total fails every sum, for one reason.
        total = scheme_from_dict(data, defaults=defaults, validate=False).total
        if total != Decimal(skill.get("total_marks") or 100):
            wrong = schemes.total_mismatch(total, skill)
            raise BilingualError(422, "scheme_total_mismatch", field="total", zh=wrong.zh, en=wrong.en)
        scheme = scheme_from_dict(data, defaults=defaults)
    except ScoringError as exc:
        raise _scheme_error(exc) from None
    stored = scheme_to_dict(scheme)
    async with write_transaction():
        if await Mark.exists().where(Mark.skill == skill_id):
            raise BilingualError(409, "scheme_in_use", zh=schemes.IN_USE.zh, en=schemes.IN_USE.en)
        row = await MarkingScheme.select(MarkingScheme.version).where(MarkingScheme.skill == skill_id).first()
        now = dt.datetime.now(dt.timezone.utc)
        if row:
            await MarkingScheme.update(
                {
                    MarkingScheme.data: stored,
                    MarkingScheme.version: row["version"] + 1,
                    MarkingScheme.updated_by: actor.user_id,
                    MarkingScheme.updated_at: now,
                }
            ).where(MarkingScheme.skill == skill_id)
        else:
            await MarkingScheme.insert(MarkingScheme(skill=skill_id, data=stored, version=1, updated_by=actor.user_id, updated_at=now))
        await audit.record("scheme.save", actor, event_id=event_id, target=f"skill:{skill_id}", details={"aspects": sum(1 for _ in scheme.aspects())})
    if live:
        live.contexts.forget(skill_id)
    return {"skill_id": skill_id, "scheme": stored, "version": (row["version"] + 1) if row else 1}


async def load_scheme(skill_id: int) -> dict[str, Any] | None:
    row = await MarkingScheme.select(MarkingScheme.data, MarkingScheme.version).where(MarkingScheme.skill == skill_id).first()
    return {"skill_id": skill_id, "scheme": _json(row["data"]), "version": row["version"]} if row else None


class SchemeController(Controller):
    path = "/api/events/{event_id:int}/skills/{skill_id:int}/scheme"
    tags = ["marking schemes"]

    @get("/", summary="The skill's marking scheme", operation_id="get_scheme", guards=[allowed("read_scheme")])
    async def get_scheme(self, event_id: int, skill_id: int) -> dict[str, Any]:
        await _skill(event_id, skill_id)
        found = await load_scheme(skill_id)
        if found is None:
            raise not_found("scheme")
        return found

    @put(
        "/",
        summary="Store the skill's marking scheme (validated; refused once marks exist)",
        operation_id="put_scheme",
        guards=[allowed("manage_scheme")],
    )
    async def put_scheme(self, request: Request, actor: Actor, event_id: int, skill_id: int, data: SchemeIn) -> dict[str, Any]:
        return await store_scheme(event_id, skill_id, data.scheme, actor, _live(request))

    @post(
        "/import",
        summary="Import the marking scheme from .xlsx (one row per aspect; mode: check or save)",
        description="check: read the workbook and report, storing nothing: the scheme it holds (`scheme`, `counts`), every "
        "problem by row and column (`errors`), warnings such as a sheet naming another skill (`warnings`), and whether marks "
        "already forbid a change (`in_use`). save (the default): store it; a workbook with errors is refused (422).",
        operation_id="import_scheme",
        guards=[allowed("manage_scheme")],
    )
    async def import_scheme(
        self,
        request: Request,
        actor: Actor,
        event_id: int,
        skill_id: int,
        data: Annotated[UploadFile, Body(media_type=RequestEncodingType.MULTI_PART)],
        mode: str = "save",
    ) -> Response[dict[str, Any]]:
        if mode not in ("check", "save"):
            raise invalid("mode", "须为 check 或 save", "must be check or save")
        await _skill(event_id, skill_id)
        report = await schemes.check_file(event_id, skill_id, await data.read())
        result = report.pop("result")
        if mode == "check":
            return Response(report, status_code=200)
        if not report["ok"]:
            errs = [e.to_dict() for e in result.errors] or [
                {"row": e["row"], "column": e["column"], "sheet": e["sheet"], "message": {"zh": e["message_zh"], "en": e["message_en"]}}
                for e in report["errors"]
            ]
            first = errs[0]["message"] if errs else {"zh": "评分标准无效", "en": "invalid scheme"}
            raise BilingualError(422, "invalid_scheme_file", field="file", zh=first["zh"], en=first["en"], extra=errs)
        saved = await store_scheme(event_id, skill_id, report["scheme"], actor, _live(request))
        return Response({**saved, "warnings": report["warnings"]}, status_code=201)

    @get(
        "/template",
        summary="A blank marking scheme workbook (.xlsx): example rows, the skill in its settings, every column explained",
        operation_id="scheme_template",
        guards=[allowed("read_scheme")],
        media_type=XLSX,
    )
    async def scheme_template(self, request: Request, event_id: int, skill_id: int) -> Response[bytes]:
        skill = await _skill(event_id, skill_id)
        lang = request_lang(request)
        content = write_scheme_template(skill["name"], skill.get("occupation_code") or "", lang=lang)
        return attachment(content, "评分标准模板.xlsx" if lang == "zh" else "marking-scheme-template.xlsx")

    @get("/export", summary="Export the marking scheme as .xlsx", operation_id="export_scheme", guards=[allowed("read_scheme")], media_type=XLSX)
    async def export_scheme(self, request: Request, event_id: int, skill_id: int) -> Response[bytes]:
        found = await load_scheme(skill_id)
        if found is None:
            raise not_found("scheme")
        skill = await _skill(event_id, skill_id)
        lang = request_lang(request)
        content = write_scheme_xlsx(scheme_from_dict(found["scheme"]), lang=lang, occupation_code=skill.get("occupation_code") or "")
        return attachment(content, "评分标准.xlsx" if lang == "zh" else "marking-scheme.xlsx")


class MarksController(Controller):
    path = "/api/events/{event_id:int}/skills/{skill_id:int}"
    tags = ["live scoring"]

    @post(
        "/marks",
        summary="Enter a mark or a correction over HTTP (the tablet uses the websocket)",
        operation_id="enter_mark",
        guards=[allowed_any("enter_mark", "correct_mark", "correct_mark_after_signoff")],
        request_max_body_size=MAX_MARK_BODY,
    )
    async def enter_mark(self, request: Request, event_id: int, skill_id: int, data: MarkIn) -> dict[str, Any]:
        await _skill(event_id, skill_id)
        user = await require_principal(request)
        req = MarkRequest(
            user=user, actor=actor_of(request, user), op_id=data.op_id, skill_id=skill_id, contestant=data.contestant,
            aspect=data.aspect, value=data.value, reason=data.reason, seat=data.seat, authority=data.authority, measured=data.measured,
        )  # fmt: skip
        try:
            ack = await _live(request).writer.submit(req)
        except MarkRefused as exc:
            status = (
                403
                if exc.code in ("not_assigned", "conflict_of_interest", "appeal_required")
                else 409
                if exc.code in ("locked", "signed_off", "panel_full", "event_archived", "results_published", "results_final", "not_signed_off")
                else 422
            )
            raise BilingualError(status, exc.code, zh=exc.message.zh, en=exc.message.en) from None
        return ack.frame()

    @get("/marks", summary="Current marks and their history (chief judge, organiser)", operation_id="list_marks", guards=[allowed("read_marks")])
    async def list_marks(self, request: Request, event_id: int, skill_id: int, contestant: str | None = None) -> dict[str, Any]:
        ctx = await _live(request).contexts.get(skill_id, fresh=True)
        if ctx is None or ctx.event_id != event_id:
            raise not_found("skill")
        where = Mark.skill == skill_id
        if contestant:
            c = ctx.contestant_by_ref(contestant)
            if c is None:
                raise not_found("contestant")
            where &= Mark.contestant == c.id
        rows = await Mark.select(Mark.all_columns(), Mark.judge.display_name, Mark.entered_by.display_name).where(where).order_by(Mark.seq)
        refs = {c.id: c.ref or str(c.workstation_no) for c in ctx.contestants.values()}
        return {"marks": [
            {
                "seq": r["seq"], "contestant": refs.get(r["contestant"]), "aspect": r["aspect"], "judge": r["judge.display_name"],
                "judge_id": r["judge"], "value": r["value"], "kind": r["kind"], "reason": r["reason"], "authority": r["authority"],
                "entered_by": r["entered_by.display_name"], "at": r["created_at"].isoformat(), "op_id": r["op_id"],
            }
            for r in rows
        ]}  # fmt: skip

    @post("/locks", summary="Lock a criterion after review (chief judge)", operation_id="lock_criterion", guards=[allowed("lock_criterion")])
    async def lock(self, request: Request, actor: Actor, event_id: int, skill_id: int, data: LockIn) -> dict[str, Any]:
        ctx = await _live(request).contexts.get(skill_id, fresh=True)
        if ctx is None or ctx.event_id != event_id:
            raise not_found("skill")
        if ctx.scheme is None or data.criterion not in {c.id for c in ctx.scheme.criteria}:
            raise invalid("criterion", "评分标准中没有这个模块", "no such criterion in the marking scheme")
        aspects = [a.id for c in ctx.scheme.criteria if c.id == data.criterion for a in c.aspects()]
        async with write_transaction():
            if await CriterionLock.exists().where((CriterionLock.skill == skill_id) & (CriterionLock.criterion == data.criterion)):
                raise BilingualError(409, "already_locked", zh="该模块已锁定", en="The criterion is already locked")
            if not await Mark.exists().where((Mark.skill == skill_id) & Mark.aspect.is_in(aspects)):
                # Locking closes a reviewed criterion; one nobody has scored was never reviewed.
                raise BilingualError(
                    409,
                    "criterion_unscored",
                    zh=f"模块 {data.criterion} 还没有任何评分，不能锁定",
                    en=f"Nobody has scored criterion {data.criterion} yet, so it cannot be locked",
                )
            await CriterionLock.insert(CriterionLock(skill=skill_id, criterion=data.criterion, locked_by=actor.user_id))
            await audit.record("criterion.lock", actor, event_id=event_id, target=f"skill:{skill_id}", details={"criterion": data.criterion})
        return {"locked": await _locks(skill_id)}

    @delete(
        "/locks/{criterion:str}",
        summary="Unlock a criterion (chief judge, with a reason)",
        operation_id="unlock_criterion",
        guards=[allowed("lock_criterion")],
        status_code=200,
    )
    async def unlock(self, request: Request, actor: Actor, event_id: int, skill_id: int, criterion: str, reason: str = "") -> dict[str, Any]:
        await _skill(event_id, skill_id)
        if not reason.strip():
            raise invalid("reason", "解锁须填写理由", "unlocking needs a reason")
        async with write_transaction():
            if not await CriterionLock.exists().where((CriterionLock.skill == skill_id) & (CriterionLock.criterion == criterion)):
                raise not_found("lock")
            await CriterionLock.delete().where((CriterionLock.skill == skill_id) & (CriterionLock.criterion == criterion))
            await audit.record(
                "criterion.unlock", actor, event_id=event_id, target=f"skill:{skill_id}", details={"criterion": criterion, "reason": reason.strip()}
            )
        return {"locked": await _locks(skill_id)}

    @post(
        "/board/freeze",
        summary="Freeze the public board (the chief judge's view stays live)",
        operation_id="freeze_board",
        guards=[allowed("freeze_board")],
        status_code=200,
    )
    async def freeze(self, request: Request, actor: Actor, event_id: int, skill_id: int) -> dict[str, Any]:
        return await _set_frozen(request, actor, event_id, skill_id, True)

    @post("/board/unfreeze", summary="Unfreeze the public board", operation_id="unfreeze_board", guards=[allowed("freeze_board")], status_code=200)
    async def unfreeze(self, request: Request, actor: Actor, event_id: int, skill_id: int) -> dict[str, Any]:
        return await _set_frozen(request, actor, event_id, skill_id, False)

    @get(
        "/console",
        summary="The chief judge's console: live ranking, flags, progress, judge analysis",
        operation_id="chief_console",
        guards=[allowed("view_console")],
    )
    async def console(self, request: Request, event_id: int, skill_id: int) -> dict[str, Any]:
        live = _live(request)
        ctx = await live.contexts.get(skill_id, fresh=True)
        if ctx is None or ctx.event_id != event_id:
            raise not_found("skill")
        snap = await live.boards.snapshot(skill_id, public=False)
        sm = live.boards.marks.get(skill_id)
        view, _ = sm.view() if sm else ({}, 0)
        judges_out: list[dict[str, Any]] = []
        progress: dict[str, dict[str, int]] = {}
        if ctx.scheme is not None and view:
            rows = await Mark.select(Mark.contestant, Mark.aspect, Mark.judge, Mark.kind).where((Mark.skill == skill_id) & (Mark.kind == "remark"))
            remarked: dict[tuple[str, str], set[str]] = {}
            for r in rows:
                remarked.setdefault((str(r["contestant"]), r["aspect"]), set()).add(str(r["judge"]))
            panels = panels_from_marks(ctx.scheme, view, remarked=remarked)
            names = {str(uid): s.name for uid, s in ctx.seats.items()}
            for review in review_judges(panels, ctx.scorer.rounding if ctx.scorer else None):
                judges_out.append({**review.to_dict(), "name": names.get(review.judge_id, review.judge_id)})
            for cid, aspects in view.items():
                for aid, scores in aspects.items():
                    p = progress.setdefault(aid, {"scored": 0, "judges": 0})
                    p["scored"] += 1
                    p["judges"] += len(scores)
        state = await live.boards.board_state(skill_id)
        return {"snapshot": snap, "judges": judges_out, "progress_by_aspect": progress, "locked": await _locks(skill_id), "board": state}


async def _locks(skill_id: int) -> list[str]:
    return sorted(r["criterion"] for r in await CriterionLock.select(CriterionLock.criterion).where(CriterionLock.skill == skill_id))


async def _set_frozen(request: Request, actor: Actor, event_id: int, skill_id: int, frozen: bool) -> dict[str, Any]:
    await _skill(event_id, skill_id)
    async with write_transaction():
        state = await _live(request).boards.set_frozen(skill_id, frozen, actor.user_id)
        await audit.record("board.freeze" if frozen else "board.unfreeze", actor, event_id=event_id, target=f"skill:{skill_id}")
    _live(request).boards.announce_state(skill_id, state)
    return state


@get(
    "/api/judge/assignments",
    summary="The signed-in judge's skills, aspects and contestants to score (encrypted numbers only)",
    operation_id="judge_assignments",
    tags=["live scoring"],
)
async def judge_assignments(request: Request) -> dict[str, Any]:
    user = await require_principal(request)
    live = _live(request)
    out = []
    for skill_id in sorted({g.skill_id for g in user.grants if g.role in (JUDGE, CHIEF_JUDGE) and g.skill_id is not None}):
        ctx = await live.contexts.get(skill_id)
        if ctx is None or ctx.archived:
            continue
        seat = ctx.seats.get(user.user_id)
        aspects = []
        if ctx.scheme is not None and seat is not None:
            for crit in ctx.scheme.criteria:
                for sub in crit.sub_criteria:
                    for a in sub.aspects:
                        if seat.covers(crit.id, a.id):
                            aspects.append({
                                "id": a.id, "criterion": crit.id, "criterion_name": crit.name, "sub_criterion": sub.name,
                                "description": a.description, "kind": a.kind, "mode": a.mode, "max_mark": str(a.max_mark),
                                "scale_max": str(a.scale_max), "descriptors": list(a.descriptors), "requirement": a.requirement,
                                "bands": [{"tolerance": str(b.tolerance), "mark": str(b.mark)} for b in a.bands],
                                "deduction_step": str(a.deduction_step) if a.deduction_step is not None else None,
                            })  # fmt: skip
        contestants = [
            {"ref": c.ref or str(c.workstation_no), "workstation_no": c.workstation_no}
            for c in sorted(ctx.contestants.values(), key=lambda c: (c.workstation_no or 10**6, c.ref or ""))
            # Only those who checked in (present or late) sit at a workstation to be scored.
            if c.status == "registered" and c.checked_in and (seat is None or ctx.conflict(seat, c) is None)
        ]
        mine, flags = await _judge_state(live, ctx, user.user_id)
        out.append({
            "skill_id": skill_id, "event_id": ctx.event_id, "skill": ctx.skill_name, "role": seat.role if seat else None,
            "aspects": aspects, "contestants": contestants, "marks": mine, "flags": flags,
        })  # fmt: skip
    return {"user": {"id": user.user_id, "name": user.display_name}, "skills": out}


async def _judge_state(live: Live, ctx, user_id: int) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """This judge's current marks in the skill, and the aspects flagged for re-marking on them,
    so a tablet with an empty local store (a new device) knows what it already did."""
    from scoring.aggregation import NEEDS_REMARK

    rows = (
        await Mark.select(Mark.contestant, Mark.aspect, Mark.value, Mark.seq, Mark.judge)
        .where((Mark.skill == ctx.skill_id) & (Mark.judge == user_id))
        .order_by(Mark.seq)
    )
    current: dict[tuple[int, str], dict[str, Any]] = {}
    for r in rows:
        current[(r["contestant"], r["aspect"])] = r
    refs = {c.id: c.ref or str(c.workstation_no) for c in ctx.contestants.values()}
    mine = [{"contestant": refs.get(c), "aspect": a, "value": r["value"], "seq": r["seq"]} for (c, a), r in current.items()]
    flags: list[dict[str, str]] = []
    if current and ctx.scorer is not None:
        sm = await live.boards._catch_up(ctx.skill_id)
        view, _ = sm.view()
        for c, a in current:
            scores = view.get(str(c), {}).get(a)
            if scores and ctx.scorer.score_aspect(a, scores).status == NEEDS_REMARK:
                flags.append({"contestant": refs.get(c), "aspect": a})
    return mine, flags


@get("/api/public/skills/{skill_id:int}/board", summary="A skill's live board (public JSON feed)", operation_id="public_skill_board", tags=["public"])
async def public_skill_board(request: Request, skill_id: int) -> Response[dict[str, Any]]:
    snap = await _live(request).boards.snapshot(skill_id, public=True)
    if snap is None:
        raise not_found("skill")
    return _feed(snap, [snap])


@get(
    "/api/public/events/{event_id:int}/board",
    summary="An event's live boards, one per skill (public JSON feed)",
    operation_id="public_event_board",
    tags=["public"],
)
async def public_event_board(request: Request, event_id: int) -> Response[dict[str, Any]]:
    await events.get_event(event_id)
    skills = await Skill.select(Skill.id).where(Skill.event == event_id).order_by(Skill.id)
    live = _live(request)
    snaps = [await live.boards.snapshot(s["id"], public=True) for s in skills]
    return _feed({"event_id": event_id, "skills": snaps}, [s for s in snaps if s])


def _feed(body: dict[str, Any], snaps: list[dict[str, Any]]) -> Response[dict[str, Any]]:
    """A board feed with an ETag of what it shows: its snapshots without their ``generated_at``
    (the time each was built, different on every read), so an unchanged board revalidates to 304
    (kernel.http_cache)."""
    shown = msgspec.json.encode([{k: v for k, v in s.items() if k != "generated_at"} for s in snaps])
    return Response(body, headers={"ETag": http_cache.etag_of(msgspec.json.encode(body) if not snaps else shown)})
