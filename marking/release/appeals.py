"""Appeals (申诉) to the arbitration group (监督仲裁组) and their recorded decisions.

- **Filing**: a contestant (an account with role ``contestant`` in the event) or a team leader
  files in writing; an organiser may record an appeal on someone's behalf (``filed_by_name`` is
  then required); a contestant without an account files online after proving who they are by name
  and ID number (``certificates.selfservice``: ``verified_contestant``, no ``filed_by``). Accepted only while the skill and group's provisional results are published
  and the appeal window (``ResultRelease.appeal_ends_at``) is open; afterwards 409
  ``appeal_window_closed`` with the time it closed.
- **Decision**: the arbitrator (role ``arbitrator``) decides once — ``upheld`` or ``dismissed`` —
  with a reason; the decision is final and recorded. An upheld appeal may list corrected marks
  ``[{contestant: encrypted no, aspect, seat: judge user id, value}]``; they are checked at once
  (contestant, aspect, panel seat, value range).
- **Corrections** go through the live mark writer as organiser corrections after sign-off (the
  only authority ingest accepts then), with the reason ``申诉裁定 #id：<decision>``, so they
  appear in the marks history and the audit log like any correction. When the arbitrator is also
  an organiser of the event they are applied with the decision; otherwise the appeal stays
  "upheld, corrections pending" until an organiser applies them (``apply_corrections``).
  Results cannot be made final while an appeal is pending or has corrections pending.

``Appeal.marks`` holds both lists, each entry tagged: ``{"kind": "named", aspect, contestant}``
(what the appeal names) and ``{"kind": "correction", contestant, aspect, seat, value, seq,
applied_by, applied_at}`` (``seq`` is the stored mark's sequence number once applied, else null).
"""

from __future__ import annotations

from typing import Any

from competition.dayof import anonymisation, codes
from competition.events import service as events
from competition.judges import face as judges
from competition.registration import face as registration
from kernel import access, audit
from kernel.db import json_value, lock_row, write_transaction
from kernel.errors import AppError, BilingualError, clean_text, forbidden, invalid, not_found
from kernel.i18n import china_time
from kernel.roles import Principal
from kernel.tables import Skill
from marking.live.ingest import ARBITRATION, MarkRefused, MarkRequest
from marking.release.service import FINAL, SkillData, _check_signed_off_and_decrypted, aware, iso, load_skill, missing_step, now, release_row
from marking.tables import Appeal
from scoring.aggregation import Scorer
from scoring.messages import ScoringError
from scoring.numbers import decimal_str

PENDING, UPHELD, DISMISSED = "pending", "upheld", "dismissed"
MAX_TEXT = 4000
MAX_MARKS = 50
#: Appeals one contestant may have in one skill, unless the preset's ``results.max_appeals_per_contestant`` says otherwise.
MAX_APPEALS_PER_CONTESTANT = 3


def _ref_to_id(data: SkillData, ref: str) -> int | None:
    wanted = codes.normalise(str(ref))
    for cid, r in data.refs.items():
        if codes.normalise(r) == wanted:
            return cid
    return None


def _corrections(marks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in marks if m.get("kind") == "correction"]


def appeal_json(r: dict[str, Any], refs: dict[int, str] | None = None) -> dict[str, Any]:
    marks = json_value(r["marks"], [])
    corrections = _corrections(marks)
    return {
        "id": r["id"], "event_id": r["event"], "skill_id": r["skill"], "skill": r.get("skill.name"), "group_id": r["group"], "group": r.get("group.name"),
        "contestant_id": r["contestant"], "contestant": (refs or {}).get(r["contestant"]) if r["contestant"] else None,
        "contestant_name": r.get("contestant.name"), "contestant_delegation": r.get("contestant.delegation"),
        "filed_by": r.get("filed_by.display_name"), "filed_by_id": r["filed_by"], "filed_by_name": r["filed_by_name"],
        "filed_at": iso(r["filed_at"]), "filed_at_china": china_time(r["filed_at"]), "text": r["text"],
        "marks": [m for m in marks if m.get("kind") == "named"], "corrections": corrections,
        "corrections_pending": r["status"] == UPHELD and any(m.get("seq") is None for m in corrections),
        "status": r["status"], "decided_by": r.get("decided_by.display_name"), "decided_at": iso(r["decided_at"]),
        "decided_at_china": china_time(r["decided_at"]), "decision": r["decision"],
    }  # fmt: skip


_COLUMNS = (
    Appeal.all_columns(), Appeal.skill.name, Appeal.group.name, Appeal.contestant.name, Appeal.contestant.delegation,
    Appeal.filed_by.display_name, Appeal.decided_by.display_name,
)  # fmt: skip


async def _refs_of(rows: list[dict[str, Any]]) -> dict[int, str]:
    return await anonymisation.contestant_refs(sorted({r["contestant"] for r in rows if r["contestant"]}))


async def get_appeal(event_id: int, appeal_id: int) -> dict[str, Any]:
    rows = await Appeal.select(*_COLUMNS).where((Appeal.id == appeal_id) & (Appeal.event == event_id))
    if not rows:
        raise not_found("appeal")
    return appeal_json(rows[0], await _refs_of(rows))


async def list_appeals(
    event_id: int, *, skill_id: int | None = None, status: str | None = None, filed_by: int | None = None, contestants: set[int] | None = None
) -> list[dict[str, Any]]:
    """The event's appeals; ``filed_by`` and ``contestants`` narrow them to one filer's or to
    those about some contestants (either matching: what ``visible_to`` gives a contestant or leader)."""
    await events.get_event(event_id)
    where = Appeal.event == event_id
    if skill_id is not None:
        where &= Appeal.skill == skill_id
    if status:
        where &= Appeal.status == status
    if filed_by is not None or contestants is not None:
        mine = Appeal.filed_by == (filed_by if filed_by is not None else -1)
        if contestants:
            mine = mine | Appeal.contestant.is_in(sorted(contestants))
        where &= mine
    rows = await Appeal.select(*_COLUMNS).where(where).order_by(Appeal.id)
    refs = await _refs_of(rows)
    return [appeal_json(r, refs) for r in rows]


async def delegation_contestants(event_id: int, delegations: set[str]) -> set[int]:
    if not delegations:
        return set()
    return {r["id"] for r in await registration.contestants_of_event(event_id, ("id",), delegations=delegations)}


async def own_contestants(user: Principal, event_id: int) -> set[int]:
    """The contestants a contestant account is, and those of the delegations a leader leads."""
    return user.contestants_for(event_id) | await delegation_contestants(event_id, user.delegations_for(event_id))


async def visible_to(user: Principal, event_id: int) -> dict[str, Any]:
    """``list_appeals`` filters for what ``user`` may read: everything with ``read_all_appeals``,
    else what they filed and what concerns their own contestants."""
    if access.allows(user, "read_all_appeals", event_id):
        return {}
    return {"filed_by": user.user_id, "contestants": await own_contestants(user, event_id)}


async def may_read(user: Principal, event_id: int, appeal: dict[str, Any]) -> bool:
    if access.allows(user, "read_all_appeals", event_id):
        return True
    return appeal["filed_by_id"] == user.user_id or appeal["contestant_id"] in await own_contestants(user, event_id)


def _named_marks(data: SkillData, marks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(marks) > MAX_MARKS:
        raise invalid("marks", f"最多 {MAX_MARKS} 项", f"at most {MAX_MARKS} entries")
    out = []
    for i, m in enumerate(marks):
        aspect = str(m.get("aspect") or "").strip()
        if data.scheme is None or aspect not in data.scheme.places:
            raise invalid(f"marks[{i}].aspect", f"评分标准中没有评分项 {aspect}", f"no aspect {aspect} in the marking scheme")
        ref = m.get("contestant")
        if ref and _ref_to_id(data, ref) is None:
            raise invalid(f"marks[{i}].contestant", f"本项目没有加密号 {ref}", f"no contestant numbered {ref} in this skill")
        out.append({"kind": "named", "aspect": aspect, "contestant": codes.normalise(str(ref)) if ref else None})
    return out


async def file_appeal(
    event_id: int,
    skill_id: int,
    group_id: int,
    *,
    text: str,
    user: Principal | None,
    actor: audit.Actor,
    contestant_id: int | None = None,
    contestant: str | None = None,
    filed_by_name: str = "",
    marks: list[dict[str, Any]] | None = None,
    verified_contestant: int | None = None,
) -> dict[str, Any]:
    """File an appeal about a skill and group's provisional results (see the module doc).

    ``verified_contestant``: filed online by the contestant themselves without an account, who
    proved who they are by name and ID number (``certificates.selfservice``); ``user`` is then None."""
    await events.editable_event(event_id)
    data = await load_skill(event_id, skill_id)
    data.group(group_id)
    name = clean_text(filed_by_name, "filed_by_name", max_len=100, required=False, single_line=True)
    # An organiser records an appeal made on paper, for anyone; a contestant files about themselves,
    # a delegation leader about the delegation's contestants.
    on_behalf = user is not None and access.allows(user, "publish_results", event_id)
    own: set[int] | None = None
    if verified_contestant is not None:
        if verified_contestant not in data.people:
            raise not_found("contestant")
        own = {verified_contestant}
        name = data.people[verified_contestant]["name"]
    elif user is None:
        raise forbidden()
    elif on_behalf:
        if not name:
            raise invalid(
                "filed_by_name", "代为登记申诉须填写申诉人（选手或领队）姓名", "an appeal recorded on someone's behalf needs the name of who filed it"
            )
    else:
        own = await own_contestants(user, event_id)
        if not own:
            raise forbidden()
        name = user.display_name
    name = name[:100]
    if not (text or "").strip():
        raise invalid("text", "申诉须以书面形式说明理由", "an appeal is made in writing: the text is required")
    body = clean_text(text, "text", max_len=MAX_TEXT)
    cid: int | None = None
    if contestant_id is not None:
        if contestant_id not in data.people:
            raise not_found("contestant")
        cid = contestant_id
    elif contestant:
        cid = _ref_to_id(data, contestant)
        if cid is None:
            raise not_found("contestant")
    if own is not None:
        if cid is None and len(own & set(data.people)) == 1:
            cid = next(iter(own & set(data.people)))
        if cid is None:
            raise invalid("contestant_id", "请指明申诉涉及的选手", "name the contestant the appeal is about")
        if cid not in own:
            raise forbidden()
    if cid is not None and data.people[cid]["group"] != group_id:
        raise invalid("contestant", "该选手不在此组别", "the contestant is not in this group")
    named = _named_marks(data, marks or [])
    limit = int((data.preset.get("results") or {}).get("max_appeals_per_contestant", MAX_APPEALS_PER_CONTESTANT))
    async with write_transaction():
        await lock_row(Skill, skill_id)
        rel = await release_row(skill_id, group_id)
        if rel is None:
            await _check_signed_off_and_decrypted(skill_id)
            raise missing_step("not_provisional", "provisional")
        if rel["stage"] == FINAL:
            raise BilingualError(
                409, "results_final", zh="本组别成绩已确定，不再受理申诉", en="The results of this group are final; appeals are no longer accepted"
            )
        ends = aware(rel["appeal_ends_at"])
        if ends is not None and now() >= ends:
            raise BilingualError(
                409, "appeal_window_closed", extra={"ended_at": ends.isoformat()},
                zh=f"申诉期已于 {china_time(ends)}（北京时间）结束，不再受理申诉", en=f"The appeal window closed at {china_time(ends)} (China time); appeals are no longer accepted",
            )  # fmt: skip
        if cid is not None and not on_behalf:
            # A flood must not hold up finalisation (every appeal must be decided first): each
            # contestant has a few appeals per skill; the organiser may still record one on paper.
            filed = await Appeal.count().where((Appeal.skill == skill_id) & (Appeal.contestant == cid))
            if filed >= limit:
                raise BilingualError(
                    429, "too_many_appeals", extra={"limit": limit},
                    zh=f"每位选手在本项目最多提交 {limit} 份申诉", en=f"At most {limit} appeals per contestant in this skill",
                )  # fmt: skip
        rows = await Appeal.insert(Appeal(
            event=event_id, skill=skill_id, group=group_id, contestant=cid, filed_by=user.user_id if user else None, filed_by_name=name,
            filed_at=now(), text=body, marks=named, status=PENDING,
        )).returning(Appeal.id)  # fmt: skip
        appeal_id = rows[0]["id"]
        await audit.record(
            "appeal.file", actor, event_id=event_id, target=f"appeal:{appeal_id}",
            details={"skill": skill_id, "group": group_id, "contestant": cid, "filed_by_name": name, "on_behalf": on_behalf, "marks": named, "chars": len(body),
                     **({"identity_verified": True} if verified_contestant is not None else {})},
        )  # fmt: skip
    return await get_appeal(event_id, appeal_id)


async def _check_corrections(data: SkillData, marks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(marks) > MAX_MARKS:
        raise invalid("marks", f"最多 {MAX_MARKS} 项", f"at most {MAX_MARKS} entries")
    if data.scheme is None:
        raise BilingualError(409, "no_scheme", zh="本项目还没有评分标准", en="This skill has no marking scheme yet")
    scorer = Scorer(data.scheme, data.preset.get("scoring"))
    seats = {a["user_id"]: a["name"] for a in await judges.assignments_of(data.skill["id"]) if a["user_id"] is not None}
    out = []
    for i, m in enumerate(marks):
        ref = str(m.get("contestant") or "")
        cid = _ref_to_id(data, ref) if ref else None
        if cid is None:
            raise invalid(f"marks[{i}].contestant", f"本项目没有加密号 {ref}", f"no contestant numbered {ref} in this skill")
        aspect = str(m.get("aspect") or "").strip()
        if aspect not in data.scheme.places:
            raise invalid(f"marks[{i}].aspect", f"评分标准中没有评分项 {aspect}", f"no aspect {aspect} in the marking scheme")
        seat = m.get("seat")
        if not isinstance(seat, int) or isinstance(seat, bool) or seat not in seats:
            raise invalid(f"marks[{i}].seat", "须为本项目裁判组中裁判的用户编号", "must be the user id of a judge on this skill's panel")
        try:
            value = scorer.check_score(aspect, m.get("value"))
        except ScoringError as exc:
            raise invalid(f"marks[{i}].value", exc.message.zh, exc.message.en) from None
        out.append(
            {
                "kind": "correction",
                "contestant": data.refs[cid],
                "contestant_id": cid,
                "aspect": aspect,
                "seat": seat,
                "seat_name": seats[seat],
                "value": decimal_str(value),
                "seq": None,
                "applied_by": None,
                "applied_at": None,
            }
        )
    return out


async def decide_appeal(
    event_id: int, appeal_id: int, *, outcome: str, reason: str, marks: list[dict[str, Any]] | None, user: Principal, actor: audit.Actor, live: Any
) -> dict[str, Any]:
    """The arbitrator's decision (final and recorded); see the module doc for the corrections."""
    await events.editable_event(event_id)
    appeal = await get_appeal(event_id, appeal_id)
    if outcome not in (UPHELD, DISMISSED):
        raise invalid("outcome", "须为 upheld（支持）或 dismissed（驳回）", "must be upheld or dismissed")
    if not (reason or "").strip():
        raise invalid("reason", "裁定须写明理由", "a decision needs its reason")
    reason = clean_text(reason, "reason", max_len=2000)
    marks = marks or []
    if outcome == DISMISSED and marks:
        raise invalid("marks", "驳回的申诉不更正评分", "a dismissed appeal corrects no marks")
    data = await load_skill(event_id, appeal["skill_id"])
    corrections = await _check_corrections(data, marks)
    # An appeal changes the marks of the contestant(s) it is about, nobody else's.
    named = {appeal["contestant_id"]} | {_ref_to_id(data, m["contestant"]) for m in appeal["marks"] if m.get("contestant")}
    for i, c in enumerate(corrections):
        if c["contestant_id"] not in named:
            raise invalid(
                f"marks[{i}].contestant",
                f"该申诉不涉及选手 {c['contestant']}，不能更正其评分",
                f"this appeal is not about contestant {c['contestant']}; their marks cannot be corrected by it",
            )
    async with write_transaction():
        await lock_row(Skill, appeal["skill_id"])
        row = await Appeal.select(Appeal.status, Appeal.marks).where(Appeal.id == appeal_id).first()
        if row["status"] != PENDING:
            raise BilingualError(
                409, "already_decided", zh="该申诉已裁定，裁定为最终决定", en="This appeal is already decided; the decision is final"
            )
        rel = await release_row(appeal["skill_id"], appeal["group_id"]) if appeal["group_id"] else None
        if rel is not None and rel["stage"] == FINAL:
            raise BilingualError(409, "results_final", zh="本组别成绩已确定", en="The results of this group are final")
        stored = [m for m in json_value(row["marks"], []) if m.get("kind") != "correction"] + corrections
        await Appeal.update({
            Appeal.status: outcome, Appeal.decided_by: actor.user_id, Appeal.decided_at: now(), Appeal.decision: reason, Appeal.marks: stored,
        }).where(Appeal.id == appeal_id)  # fmt: skip
        await audit.record(
            "appeal.decide", actor, event_id=event_id, target=f"appeal:{appeal_id}",
            details={"outcome": outcome, "reason": reason, "corrections": [{k: m[k] for k in ("contestant", "aspect", "seat", "value")} for m in corrections]},
        )  # fmt: skip
    result = await get_appeal(event_id, appeal_id)
    if outcome == UPHELD and corrections and live is not None:
        # The arbitration group's decision is final: its corrections go in at once, under the
        # arbitration authority the mark writer accepts after sign-off (with the decision as reason).
        try:
            result = await apply_corrections(event_id, appeal_id, user=user, actor=actor, live=live)
        except AppError as exc:  # the decision stands; an organiser may apply the corrections later
            result = {
                **await get_appeal(event_id, appeal_id),
                "apply_error": {"code": exc.code, "message": {"zh": exc.message("zh"), "en": exc.message("en")}},
            }
    return result


async def apply_corrections(event_id: int, appeal_id: int, *, user: Principal, actor: audit.Actor, live: Any) -> dict[str, Any]:
    """Apply an upheld appeal's pending corrections through the live mark writer (organiser)."""
    await events.editable_event(event_id)
    appeal = await get_appeal(event_id, appeal_id)
    if appeal["status"] != UPHELD:
        raise BilingualError(409, "not_upheld", zh="只有已支持的申诉才更正评分", en="Only an upheld appeal corrects marks")
    rel = await release_row(appeal["skill_id"], appeal["group_id"]) if appeal["group_id"] else None
    if rel is not None and rel["stage"] == FINAL:
        raise BilingualError(409, "results_final", zh="本组别成绩已确定", en="The results of this group are final")
    row = await Appeal.select(Appeal.marks).where(Appeal.id == appeal_id).first()
    marks = json_value(row["marks"], [])
    pending = [(i, m) for i, m in enumerate(marks) if m.get("kind") == "correction" and m.get("seq") is None]
    if not pending:
        raise BilingualError(409, "nothing_to_apply", zh="该申诉没有待更正的评分", en="This appeal has no corrections waiting")
    reason = f"申诉裁定 #{appeal_id}：{appeal['decision']}"[:500]
    applied: list[dict[str, Any]] = []
    refusal: MarkRefused | None = None
    for i, m in pending:
        req = MarkRequest(
            user=user, actor=actor, op_id=f"appeal-{appeal_id}-{i}", skill_id=appeal["skill_id"], contestant=m["contestant"],
            aspect=m["aspect"], value=m["value"], reason=reason, seat=m["seat"], authority=ARBITRATION, appeal_id=appeal_id,
        )  # fmt: skip
        try:
            ack = await live.writer.submit(req)
        except MarkRefused as exc:
            refusal = exc
            break
        m.update(seq=ack.seq, applied_by=user.display_name, applied_at=now().isoformat())
        applied.append({"aspect": m["aspect"], "contestant": m["contestant"], "seat": m["seat"], "value": m["value"], "seq": ack.seq})
    if applied:
        async with write_transaction():
            await Appeal.update({Appeal.marks: marks}).where(Appeal.id == appeal_id)
            await audit.record("appeal.apply", actor, event_id=event_id, target=f"appeal:{appeal_id}", details={"applied": applied})
    if refusal is not None:
        raise BilingualError(
            409, "correction_refused", extra={"mark_code": refusal.code, "applied": applied},
            zh=f"更正评分被拒绝：{refusal.message.zh}", en=f"A correction was refused: {refusal.message.en}",
        )  # fmt: skip
    return await get_appeal(event_id, appeal_id)
