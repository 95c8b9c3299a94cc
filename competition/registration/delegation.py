"""Delegations register their own contestants (代表队报名), and the review of those rows (市 → 省).

A delegation leader (领队) enters or imports — through the same one-row sheet or import as the
organiser (``service.register_one`` / ``service.import_sheet`` with a ``LeaderScope``) — only rows of
the delegations they lead, only within the event's registration window (``RegistrationWindow``),
and edits only their own rows that are still ``submitted`` or ``returned``. Each row they store gets
a ``RegistrationReview``:

- ``submitted`` → a city's rows are approved by that city's reviewer (``city_supervisor``, step 市)
  → ``city_approved`` → the organiser accepts (step 省) → ``accepted``; an industry body's rows
  (no city) go from ``submitted`` straight to the organiser;
- either step may send rows back (``returned``) with a reason the leader sees; the leader corrects
  and resubmits (``submitted`` again).

Only accepted rows count as registered (``service.accepted_only``, the face's reads). Every step is
audited: who, when, the row, the states and the reason.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable

from competition.events import service as events
from competition.registration import service, sheet
from competition.registration.sheet.columns import COLUMN_BY_KEY
from competition.registration.tables import Coach, Contestant, RegistrationReview, RegistrationWindow
from kernel import audit
from kernel.db import write_transaction
from kernel.errors import BilingualError, invalid, not_found
from kernel.i18n import china_time, register
from kernel.tables import Event
from scoring import codelists
from scoring.idcard import mask_phone

SUBMITTED = "submitted"
CITY_APPROVED = "city_approved"
RETURNED = "returned"
ACCEPTED = "accepted"
STATES = (SUBMITTED, CITY_APPROVED, RETURNED, ACCEPTED)
#: A leader may still change a row in these states.
EDITABLE = (SUBMITTED, RETURNED)
INDUSTRY = codelists.INDUSTRY_DELEGATION.code

register(
    {
        "review.submitted": ("已提交，待审核", "Submitted, awaiting review"),
        "review.city_approved": ("市级已审核，待省级审核", "Approved by the city, awaiting the organiser"),
        "review.returned": ("已退回，请修改后重新提交", "Sent back: correct and resubmit"),
        "review.accepted": ("已通过", "Accepted"),
    }
)


def city_of(delegation: str) -> str:
    """The city code of a delegation (``440100``…), or ``industry`` for an industry body."""
    return codelists.city_of_delegation(delegation).code


# ---- the registration window ---------------------------------------------------------------------


def _when(value: Any, field: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        t = value
    else:
        try:
            t = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise invalid(field, "时间格式应为 2026-12-01T09:00", "the time must look like 2026-12-01T09:00") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))  # typed in China time
    return t.astimezone(dt.timezone.utc)


def _window_json(row: dict[str, Any] | None) -> dict[str, Any]:
    opens, closes = (row or {}).get("opens_at"), (row or {}).get("closes_at")
    now = dt.datetime.now(dt.timezone.utc)
    return {
        "opens_at": opens.isoformat() if opens else None,
        "closes_at": closes.isoformat() if closes else None,
        "opens_at_china": china_time(opens),
        "closes_at_china": china_time(closes),
        "open": bool(opens and closes and opens <= now < closes),
    }


async def get_window(event_id: int) -> dict[str, Any]:
    await events.get_event(event_id)
    return _window_json(await RegistrationWindow.select().where(RegistrationWindow.event == event_id).first())


async def set_window(event_id: int, opens_at: Any, closes_at: Any, actor: audit.Actor) -> dict[str, Any]:
    """The organiser sets when leaders may register (times without a zone are China time)."""
    await events.editable_event(event_id)
    opens, closes = _when(opens_at, "opens_at"), _when(closes_at, "closes_at")
    if opens is None:
        raise invalid("opens_at", "请填写报名开始时间", "give the time registration opens")
    if closes is None:
        raise invalid("closes_at", "请填写报名截止时间", "give the time registration closes")
    if closes <= opens:
        raise invalid("closes_at", "报名截止时间须晚于开始时间", "registration must close after it opens")
    async with write_transaction():
        if await RegistrationWindow.exists().where(RegistrationWindow.event == event_id):
            await RegistrationWindow.update({RegistrationWindow.opens_at: opens, RegistrationWindow.closes_at: closes}).where(
                RegistrationWindow.event == event_id
            )
        else:
            await RegistrationWindow.insert(RegistrationWindow(event=event_id, opens_at=opens, closes_at=closes))
        await audit.record(
            "registration.window", actor, event_id=event_id, target=f"event:{event_id}",
            details={"opens_at": opens.isoformat(), "closes_at": closes.isoformat()},
        )  # fmt: skip
    return await get_window(event_id)


async def check_window(event_id: int) -> None:
    """Refuse a leader's entry outside the event's registration window (422, both languages)."""
    w = await get_window(event_id)
    if w["open"]:
        return
    if not w["opens_at"]:
        raise BilingualError(
            422, "registration_closed", field="registration_window",
            zh="组织方尚未开放代表队报名（未设置报名时间）", en="The organiser has not opened registration for delegations (no registration window set)",
        )  # fmt: skip
    raise BilingualError(
        422, "registration_closed", field="registration_window",
        zh=f"不在报名时间内（{w['opens_at_china']} 至 {w['closes_at_china']}，北京时间），不能报名或修改",
        en=f"Outside the registration window ({w['opens_at_china']} to {w['closes_at_china']}, China time): no entries or changes",
    )  # fmt: skip


# ---- the leader's entries --------------------------------------------------------------------------


def other_delegation(delegations: Iterable[str]) -> BilingualError:
    names = "、".join(sorted(delegations)) or "—"
    return BilingualError(
        403, "other_delegation", field="delegation",
        zh=f"只能报名和修改本代表队（{names}）的选手", en=f"You may enter and change only your own delegation's contestants ({names})",
    )  # fmt: skip


def _leader_set(delegations: Iterable[str]) -> set[str]:
    found = {d for d in delegations if d}
    if not found:
        raise other_delegation(())
    return found


def _header(key: str) -> str:
    """A column as the sheet's report names it (the template's header)."""
    return COLUMN_BY_KEY[key].zh


class LeaderScope:
    """A leader's entry for ``service``: rows of other delegations, and rows naming someone
    registered that the leader may not change, are errors of their row; stored rows are submitted."""

    def __init__(self, delegations: Iterable[str]) -> None:
        self.delegations = _leader_set(delegations)

    async def refuse_rows(self, event_id: int, report: sheet.ImportReport) -> None:
        existing = [r.record["id_number"] for r in report.rows if r.status != "new"]
        stored: dict[str, dict[str, Any]] = {}
        if existing:
            found = await Contestant.select(Contestant.id, Contestant.id_number, Contestant.delegation).where(
                (Contestant.event == event_id) & Contestant.id_number.is_in(existing)
            )
            states = {
                r["contestant"]: r["state"]
                for r in await RegistrationReview.select(RegistrationReview.contestant, RegistrationReview.state).where(
                    RegistrationReview.contestant.is_in([c["id"] for c in found] or [0])
                )
            }
            stored = {c["id_number"]: {**c, "state": states.get(c["id"], ACCEPTED)} for c in found}
        bad = []
        for row in report.rows:
            r = row.record
            if r["delegation"] not in self.delegations:
                err = other_delegation(self.delegations)
                report.errors.append(sheet.Issue(row.row, _header("delegation"), "other_delegation", err.texts["zh"], err.texts["en"]))
                bad.append(row)
                continue
            if row.status == "new":
                continue
            c = stored.get(r["id_number"], {})
            own = c.get("delegation") in self.delegations
            state = c.get("state")
            if not own or (row.status == "update" and state not in EDITABLE):
                report.errors.append(
                    sheet.Issue(
                        row.row, _header("id_number"), "already_registered",
                        "此人已报名，且不是本代表队可修改的待审核记录" if own else "此人已在本赛事报名（其他代表队或组织方录入）",
                        "Already registered, and no longer a pending row you may change" if own else "Already registered in this event (by another delegation or the organiser)",
                    )
                )  # fmt: skip
                bad.append(row)
        if bad:
            report.rows = [r for r in report.rows if r not in bad]
            report.invalid_rows = sorted({*report.invalid_rows, *(r.row for r in bad)})
            report.errors.sort(key=lambda e: e.row or 0)

    async def stored(self, event_id: int, report: sheet.ImportReport, actor: audit.Actor) -> None:
        new = report.records("new")
        if not new:
            return
        ids = await Contestant.select(Contestant.id, Contestant.delegation).where(
            (Contestant.event == event_id) & Contestant.id_number.is_in([r["id_number"] for r in new])
        )
        now = dt.datetime.now(dt.timezone.utc)
        await RegistrationReview.insert(
            *[RegistrationReview(contestant=c["id"], event=event_id, city=city_of(c["delegation"]), state=SUBMITTED, updated_at=now) for c in ids]
        )
        for c in ids:
            await audit.record(
                "registration.submit", actor, event_id=event_id, target=f"contestant:{c['id']}",
                details={"delegation": c["delegation"], "to": SUBMITTED},
            )  # fmt: skip


async def register(event_id: int, data: dict[str, Any], delegations: Iterable[str], actor: audit.Actor) -> dict[str, Any]:
    """A leader enters one contestant of their delegation (the organiser's validation), submitted."""
    scope = LeaderScope(delegations)
    if (data.get("delegation") or "").strip() not in scope.delegations:
        raise other_delegation(scope.delegations)
    await check_window(event_id)
    out = await service.register_one(event_id, data, actor, scope)
    return {**out, "review": await _review_of(out["id"])}


async def import_rows(
    event_id: int, content: bytes, filename: str, mode: str, delegations: Iterable[str], actor: audit.Actor
) -> tuple[int, dict[str, Any]]:
    """A leader's import: the organiser's sheet and report; other delegations' rows are row errors."""
    scope = LeaderScope(delegations)
    await check_window(event_id)
    return await service.import_sheet(event_id, content, filename, mode, actor, scope)


async def _own_row(event_id: int, contestant_id: int, delegations: set[str]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    c = await Contestant.select(Contestant.id, Contestant.delegation).where((Contestant.id == contestant_id) & (Contestant.event == event_id)).first()
    if c is None or c["delegation"] not in delegations:
        raise not_found("contestant")  # another delegation's row is not shown to a leader at all
    review = await RegistrationReview.select().where(RegistrationReview.contestant == contestant_id).first()
    return c, review


def _not_editable(state: str) -> BilingualError:
    return BilingualError(
        409, "under_review", field="state",
        zh="该记录已进入审核或已通过，领队不能再修改；如需更正请联系组织方",
        en="This row is under review or accepted and can no longer be changed by a leader; ask the organiser to correct it",
        extra={"state": state},
    )  # fmt: skip


async def update(event_id: int, contestant_id: int, patch: dict[str, Any], delegations: Iterable[str], actor: audit.Actor) -> dict[str, Any]:
    """A leader corrects their own pending row (submitted or returned), within the window."""
    mine = _leader_set(delegations)
    _, review = await _own_row(event_id, contestant_id, mine)
    state = review["state"] if review else ACCEPTED
    if state not in EDITABLE:
        raise _not_editable(state)
    if "delegation" in patch and (patch["delegation"] or "").strip() not in mine:
        raise other_delegation(mine)
    await check_window(event_id)
    fields = {k: v for k, v in patch.items() if k not in ("status", "session", "reason")}
    out = await service.update_one(event_id, contestant_id, fields, actor)
    return {**out, "review": await _review_of(contestant_id)}


async def resubmit(event_id: int, contestant_id: int, delegations: Iterable[str], actor: audit.Actor) -> dict[str, Any]:
    """A returned row goes back to review (the reason it was returned stays in the audit log)."""
    mine = _leader_set(delegations)
    c, review = await _own_row(event_id, contestant_id, mine)
    if review is None or review["state"] != RETURNED:
        raise BilingualError(
            409, "not_returned", field="state", zh="只有被退回的记录才能重新提交", en="Only a row that was sent back can be resubmitted",
            extra={"state": review["state"] if review else ACCEPTED},
        )  # fmt: skip
    await check_window(event_id)
    async with write_transaction():
        await _move(event_id, [contestant_id], {contestant_id: review}, SUBMITTED, "", "", "registration.resubmit", actor)
    return await _review_of(contestant_id)


async def delegation_rows(event_id: int, delegations: Iterable[str]) -> dict[str, Any]:
    """The leader's list: every row of their delegations (masked), with its review and coaches."""
    mine = sorted({d for d in delegations if d})
    if not mine:
        return {"items": [], "delegations": []}
    rows = await service._select().where((Contestant.event == event_id) & Contestant.delegation.is_in(mine)).order_by(Contestant.id)
    return {"items": await _with_reviews([service.contestant_json(r) for r in rows]), "delegations": mine}


# ---- coaches (指导教师) ------------------------------------------------------------------------------

_PHONE = re.compile(r"^[0-9+\-() ]{7,20}$")


def _coach_json(r: dict[str, Any]) -> dict[str, Any]:
    return {"id": r["id"], "contestant_id": r["contestant"], "name": r["name"], "employer": r["employer"], "phone": mask_phone(r["phone"])}


async def coaches_of(contestant_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    ids = sorted(set(contestant_ids))
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if ids:
        for r in await Coach.select().where(Coach.contestant.is_in(ids)).order_by(Coach.id):
            out[r["contestant"]].append(_coach_json(r))
    return out


async def add_coach(event_id: int, contestant_id: int, data: dict[str, Any], delegations: Iterable[str] | None, actor: audit.Actor) -> dict[str, Any]:
    """A coach linked to a contestant: by the organiser (``delegations`` None), or by the leader of
    the contestant's delegation within the window while the row is pending."""
    name = (data.get("name") or "").strip()
    employer = (data.get("employer") or "").strip()
    phone = (data.get("phone") or "").strip()
    if not name or len(name) > 50:
        raise invalid("name", "请填写指导教师姓名（不超过 50 个字符）", "give the coach's name (at most 50 characters)")
    if len(employer) > 200:
        raise invalid("employer", "工作单位不能超过 200 个字符", "the employer must be at most 200 characters")
    if phone and not _PHONE.match(phone):
        raise invalid("phone", "电话号码只能包含数字、空格和 + - ( )，7–20 位", "the phone number takes 7–20 digits, spaces and + - ( )")
    if delegations is not None:
        _, review = await _own_row(event_id, contestant_id, _leader_set(delegations))
        if (review["state"] if review else ACCEPTED) not in EDITABLE:
            raise _not_editable(review["state"] if review else ACCEPTED)
        await check_window(event_id)
    else:
        await service.get_contestant(event_id, contestant_id)
    async with write_transaction():
        rows = await Coach.insert(Coach(event=event_id, contestant=contestant_id, name=name, employer=employer, phone=phone)).returning(Coach.id)
        await audit.record(
            "coach.add", actor, event_id=event_id, target=f"contestant:{contestant_id}", details={"coach": rows[0]["id"], "name": name}
        )
    return (await coaches_of([contestant_id]))[contestant_id][-1]


# ---- review (市 → 省) ---------------------------------------------------------------------------------


def _review_json(r: dict[str, Any] | None) -> dict[str, Any]:
    if r is None:
        return {"state": ACCEPTED, "reason": "", "returned_by": "", "city": "", "updated_at": None, "updated_at_china": ""}
    return {
        "state": r["state"], "reason": r["reason"], "returned_by": r["returned_by"], "city": r["city"],
        "updated_at": r["updated_at"].isoformat() if r["updated_at"] else None, "updated_at_china": china_time(r["updated_at"]),
    }  # fmt: skip


async def _review_of(contestant_id: int) -> dict[str, Any]:
    return _review_json(await RegistrationReview.select().where(RegistrationReview.contestant == contestant_id).first())


async def _with_reviews(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = [c["id"] for c in items]
    reviews = {r["contestant"]: r for r in await RegistrationReview.select().where(RegistrationReview.contestant.is_in(ids))} if ids else {}
    coaches = await coaches_of(ids)
    return [{**c, "review": _review_json(reviews.get(c["id"])), "coaches": coaches.get(c["id"], [])} for c in items]


async def queue(
    *, event_id: int | None = None, cities: Iterable[str] | None = None, delegation: str = "", state: str = "", limit: int = 500
) -> dict[str, Any]:
    """Rows a leader entered, for review: of one event (the organiser), or of these cities across
    events (a city reviewer), filtered by delegation and state; masked."""
    if state and state not in STATES:
        raise invalid(
            "state", "状态须为 submitted、city_approved、returned 或 accepted", "state must be submitted, city_approved, returned or accepted"
        )
    where = RegistrationReview.id.is_not_null()
    if event_id is not None:
        where &= RegistrationReview.event == event_id
    if cities is not None:
        wanted = sorted(set(cities))
        if not wanted:
            return {"items": [], "total": 0}
        where &= RegistrationReview.city.is_in(wanted)
    if state:
        where &= RegistrationReview.state == state
    reviews = await RegistrationReview.select().where(where).order_by(RegistrationReview.id).limit(min(limit, 2000))
    ids = [r["contestant"] for r in reviews]
    cwhere = Contestant.id.is_in(ids) if ids else None
    if cwhere is None:
        return {"items": [], "total": 0}
    if delegation:
        cwhere &= Contestant.delegation == delegation
    rows = await service._select().where(cwhere).order_by(Contestant.event).order_by(Contestant.delegation).order_by(Contestant.id)
    items = await _with_reviews([service.contestant_json(r) for r in rows])
    names = (
        {e["id"]: e["name"] for e in await Event.select(Event.id, Event.name).where(Event.id.is_in(sorted({c["event_id"] for c in items})))}
        if items
        else {}
    )
    for c in items:
        c["event_name"] = names.get(c["event_id"], "")
    return {"items": items, "total": len(items)}


async def _reviews_for(contestant_ids: list[int], where: Any = None) -> dict[int, dict[str, Any]]:
    ids = sorted(set(contestant_ids))
    if not ids:
        raise invalid("contestant_ids", "请选择要审核的记录", "choose the rows to review")
    q = RegistrationReview.contestant.is_in(ids)
    if where is not None:
        q &= where
    found = {r["contestant"]: r for r in await RegistrationReview.select().where(q)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise BilingualError(
            404, "not_found", field="contestant_ids", extra={"contestant_ids": missing},
            zh=f"没有这些待审核的代表队报名记录：{missing}", en=f"No such delegation rows to review: {missing}",
        )  # fmt: skip
    return found


def _wrong_state(bad: dict[int, str], zh: str, en: str) -> BilingualError:
    return BilingualError(
        409, "wrong_state", field="contestant_ids", zh=zh, en=en, extra={"rows": [{"contestant_id": k, "state": v} for k, v in bad.items()]}
    )


def _reason(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise invalid("reason", "退回须填写理由（领队将看到）", "sending rows back needs a reason (the leader sees it)")
    if len(text) > 500:
        raise invalid("reason", "理由不能超过 500 个字符", "the reason must be at most 500 characters")
    return text


async def _move(
    event_id: int | None, ids: list[int], reviews: dict[int, dict[str, Any]], to: str, reason: str, by: str, action: str, actor: audit.Actor
) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    await RegistrationReview.update(
        {RegistrationReview.state: to, RegistrationReview.reason: reason, RegistrationReview.returned_by: by, RegistrationReview.updated_at: now}
    ).where(RegistrationReview.contestant.is_in(ids))
    for cid in ids:
        r = reviews[cid]
        await audit.record(
            action, actor, event_id=r["event"], target=f"contestant:{cid}",
            details={"from": r["state"], "to": to, "city": r["city"]} | ({"reason": reason} if reason else {}),
        )  # fmt: skip


async def city_approve(contestant_ids: list[int], cities: Iterable[str], actor: audit.Actor) -> dict[str, Any]:
    """Step 市: the city reviewer approves its city's submitted rows (all or none)."""
    mine = sorted(set(cities))
    async with write_transaction():
        reviews = await _reviews_for(contestant_ids, RegistrationReview.city.is_in(mine) if mine else RegistrationReview.id.is_null())
        bad = {k: r["state"] for k, r in reviews.items() if r["state"] != SUBMITTED}
        if bad:
            raise _wrong_state(bad, "只能审核“已提交”的记录", "only submitted rows can be approved by the city")
        await _move(None, sorted(reviews), reviews, CITY_APPROVED, "", "", "registration.city_approve", actor)
    return {"approved": len(reviews)}


async def city_return(contestant_ids: list[int], reason: Any, cities: Iterable[str], actor: audit.Actor) -> dict[str, Any]:
    """Step 市: send its city's submitted rows back to the leader with a reason."""
    text = _reason(reason)
    mine = sorted(set(cities))
    async with write_transaction():
        reviews = await _reviews_for(contestant_ids, RegistrationReview.city.is_in(mine) if mine else RegistrationReview.id.is_null())
        bad = {k: r["state"] for k, r in reviews.items() if r["state"] != SUBMITTED}
        if bad:
            raise _wrong_state(bad, "只能退回“已提交”的记录", "only submitted rows can be sent back by the city")
        await _move(None, sorted(reviews), reviews, RETURNED, text, "city", "registration.city_return", actor)
    return {"returned": len(reviews)}


async def accept(event_id: int, contestant_ids: list[int], actor: audit.Actor, *, skip_city_reason: str | None = None) -> dict[str, Any]:
    """Step 省: the organiser accepts rows (all or none): a city's rows once the city approved
    them, an industry body's once submitted. With ``skip_city_reason`` a city's submitted rows are
    accepted without the city's step (a city with no reviewer must not leave its entrants stuck):
    the reason is kept on each row's audit entry. Accepted rows count as registered."""
    skip = None
    if skip_city_reason is not None:
        skip = skip_city_reason.strip()
        if not skip:
            raise invalid(
                "skip_city_reason", "跳过市级审核须填写理由（记录在案）", "accepting without the city's step needs a reason (it is recorded)"
            )
        if len(skip) > 500:
            raise invalid("skip_city_reason", "理由不能超过 500 个字符", "the reason must be at most 500 characters")
    async with write_transaction():
        reviews = await _reviews_for(contestant_ids, RegistrationReview.event == event_id)
        bad = {
            k: r["state"] for k, r in reviews.items()
            if not (r["state"] == CITY_APPROVED or (r["state"] == SUBMITTED and (r["city"] == INDUSTRY or skip)))
        }  # fmt: skip
        if bad:
            raise _wrong_state(
                bad,
                "有记录尚未经市级审核或状态不对，不能通过（地市代表队的记录须先由地市审核）",
                "some rows are not ready: a city delegation's rows are approved by the city first",
            )
        skipped = sorted(k for k, r in reviews.items() if r["state"] == SUBMITTED and r["city"] != INDUSTRY)
        if skipped:
            await _move(event_id, skipped, reviews, ACCEPTED, f"city_step_skipped: {skip}", "", "registration.accept", actor)
        rest = sorted(set(reviews) - set(skipped))
        if rest:
            await _move(event_id, rest, reviews, ACCEPTED, "", "", "registration.accept", actor)
    return {"accepted": len(reviews), "city_step_skipped": len(skipped)}


async def send_back(event_id: int, contestant_ids: list[int], reason: Any, actor: audit.Actor) -> dict[str, Any]:
    """Step 省: the organiser sends rows back to the leader with a reason."""
    text = _reason(reason)
    async with write_transaction():
        reviews = await _reviews_for(contestant_ids, RegistrationReview.event == event_id)
        bad = {k: r["state"] for k, r in reviews.items() if r["state"] not in (SUBMITTED, CITY_APPROVED)}
        if bad:
            raise _wrong_state(bad, "只能退回待审核的记录", "only rows awaiting review can be sent back")
        await _move(event_id, sorted(reviews), reviews, RETURNED, text, "province", "registration.return", actor)
    return {"returned": len(reviews)}
