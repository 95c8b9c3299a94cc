"""Awards, honours and promotions proposed from final results (拟表彰名单), and their approval.

When a skill and group's results become final (``marking.release.service.make_final``, which asks
its ``FINALISED`` extension point in the same transaction: :func:`create_for_final` answers), the
rules of the event's effective preset propose, per contestant of the final ranking:

- **award** — the award the ranking earned (``scoring.awards``), ``code`` = the award code;
- **honour** — ``scoring.honours.decide_honours`` over the standings (``scoring.standing``), with
  the honours each person already holds (``HonourHeld`` by ID number, and
  approved honour proposals of other events): ``outcome`` ``granted`` or ``already_held``;
- **promotion** — ``scoring.promotion.decide_promotions`` from each contestant's current level:
  ``outcome`` ``promoted`` or ``promoted_already_held``, ``code`` the new level's name,
  ``from_level`` / ``to_level`` as ``SkillLevel`` values. "No change" decisions are not proposals.

The approver (人社厅, role ``approver``) reviews the list, strikes entries with a reason, and
approves the list of the event or of one skill: every unstruck, not yet approved entry of it gets
``approved_by`` / ``approved_at``; struck entries keep their reason and are never approved.
Approval is final: an approved list takes no further strikes. The whole scope must be final first.

Issuance (``certificates.issuance``) reads the approved, unstruck entries of an event in bulk.

**What was approved is what is issued.** Each proposal carries a snapshot of its person taken at
finalisation (``holder_*``: name, ID number, employer, delegation; ``final_score``, ``final_award``),
and everything downstream — the list, certificates, honours held, the promotion ledger — reads the
snapshot, never the live contestant row. Identity is frozen once results are provisional; a later
correction is a recorded identity correction (``competition.registration.service.correct_identity``),
which updates the snapshot in the same audited transaction.
"""

from __future__ import annotations

from typing import Any

from certificates import changes
from certificates.ledger import higher_level, ledger_levels
from certificates.tables import AwardProposal, HonourHeld
from competition.auth import service as accounts
from competition.dayof import anonymisation
from competition.demo_data import DEMO_PASSWORD
from competition.events import service as events
from competition.registration import face as registration
from kernel import audit
from kernel.db import lock_row, write_transaction
from kernel.errors import BilingualError, clean_text, invalid, not_found
from kernel.i18n import china_time
from kernel.tables import CompetitionGroup, Event, Skill, User
from marking.release import event_awards as event_wide
from marking.release import face as results
from marking.release.service import now
from scoring.awards import AWARDS
from scoring.event_awards import EVENT_AWARD_CODES
from scoring.honours import GRANTED, HONOURS, decide_honours
from scoring.honours import OUTCOME_LABELS as HONOUR_OUTCOMES
from scoring.idcard import mask_id
from scoring.identity import DEFAULT_TYPE, normalise_ref, person_ref
from scoring.levels import SkillLevel
from scoring.messages import Message, ScoringError
from scoring.promotion import NO_CHANGE, decide_promotions
from scoring.promotion import OUTCOME_LABELS as PROMOTION_OUTCOMES
from scoring.standing import Person, standings_from

AWARD, HONOUR, PROMOTION = "award", "honour", "promotion"
KINDS = (AWARD, HONOUR, PROMOTION)
KIND_LABELS = {AWARD: Message("奖项", "Award"), HONOUR: Message("荣誉称号", "Honour"), PROMOTION: Message("晋升等级", "Level promotion")}
OUTCOME_LABELS = {GRANTED: Message("授予", "Granted"), **HONOUR_OUTCOMES, **PROMOTION_OUTCOMES}
#: Outcomes that lead to a certificate or a ledger entry.
ISSUABLE = {GRANTED, "promoted", "promoted_already_held"}


def _level(value: int | None) -> SkillLevel | None:
    if value is None:
        return None
    try:
        return SkillLevel(int(value))
    except ValueError:
        return None


def label_of(kind: str, code: str, to_level: int | None = None) -> dict[str, str]:
    if kind == AWARD and code in AWARDS:
        return AWARDS[code].label.to_dict()
    if kind == HONOUR and code in HONOURS:
        return HONOURS[code].to_dict()
    if kind == PROMOTION:
        lv = _level(to_level)
        if lv is not None:
            return {"zh": f"晋升{lv.zh}", "en": f"Promotion to {lv.en}"}
    return {"zh": code, "en": code}


def _scoring_error(exc: ScoringError) -> BilingualError:
    return BilingualError(422, exc.code, zh=f"规则预设有误：{exc.message.zh}", en=f"The rule preset is wrong: {exc.message.en}")


async def honours_held(people: list[str], *, exclude_event: int | None = None) -> dict[str, set[str]]:
    """Honours each person already holds: certificates' ``HonourHeld``, and honours approved (not
    struck) in other events whose certificates may not be issued yet. A person is their document
    type + number, as ``scoring.identity.person_ref`` writes it (a 居民身份证's number alone)."""
    out: dict[str, set[str]] = {}
    wanted = {normalise_ref(p) for p in people if p}
    numbers = sorted({ref.partition(":")[2] if ":" in ref else ref for ref in wanted})
    if not numbers:
        return out
    rows = await HonourHeld.select(HonourHeld.id_type, HonourHeld.id_number, HonourHeld.honour).where(HonourHeld.id_number.is_in(numbers))
    for h in rows:
        who = person_ref(h["id_type"], h["id_number"])
        if who in wanted:
            out.setdefault(who, set()).add(h["honour"])
    where = (
        (AwardProposal.kind == HONOUR) & (AwardProposal.outcome == GRANTED) & AwardProposal.approved_at.is_not_null()
        & (AwardProposal.struck == False) & AwardProposal.holder_id_number.is_in(numbers)  # noqa: E712
    )  # fmt: skip
    if exclude_event is not None:
        where &= AwardProposal.event != exclude_event
    for p in await AwardProposal.select(AwardProposal.code, AwardProposal.holder_id_type, AwardProposal.holder_id_number).where(where):
        who = person_ref(p["holder_id_type"], p["holder_id_number"])
        if who in wanted:
            out.setdefault(who, set()).add(p["code"])
    return out


async def create_for_final(data: Any, group_id: int, actor: audit.Actor, final: dict[str, Any] | None = None) -> dict[str, int]:
    """Store the rules' proposals for one group made final (inside the caller's transaction).

    ``data`` is the ``service.SkillData`` the final ranking was computed from, ``final`` the
    ranking as made final (``service.snapshot``). Each proposal keeps a snapshot of the person as
    they stood then — name, ID number, employer, delegation, score and award — which is what is
    approved and what certificates, honours and the ledger are issued from.
    """
    res = data.results
    group = data.group(group_id)
    ranking = res.rankings.get(str(group_id), [])
    # In a team skill a ranked entry is a team (``scoring.teams``): its members who take part in
    # the awards each receive its place; an individual entry is its one contestant.
    entry_members = {
        r.contestant_id: [str(m) for m in (data.entries[int(r.contestant_id)].award_members if int(r.contestant_id) in data.entries
                                          else (int(r.contestant_id),))]
        for r in ranking
    }  # fmt: skip
    entry_of = {m: entry for entry, ms in entry_members.items() for m in ms}
    people = {int(m): data.people[int(m)] for ms in entry_members.values() for m in ms}
    who = {cid: person_ref(c.get("id_type"), c["id_number"]) if c["id_number"] else "" for cid, c in people.items()}
    id_numbers = sorted({p for p in who.values() if p})
    held = await honours_held(id_numbers, exclude_event=data.event_id)
    # A promotion granted by an earlier event counts: start from the higher of the registered
    # level and the ledger's (certificates/ledger.py); both read once for the whole group.
    promoted = await ledger_levels(id_numbers)

    def member(cid: int) -> Person:
        c = people[cid]
        return Person(str(cid), level=higher_level(c["current_level"], promoted.get(who[cid])), honours_held=frozenset(held.get(who[cid], ())))

    members = {entry: [member(int(m)) for m in ms] for entry, ms in entry_members.items()}
    standings = standings_from(ranking, res.awards, members, group=group["kind"], team_size=int(data.skill.get("team_size") or 1))
    preset = data.preset
    try:
        honours = decide_honours(standings, preset.get("honours"))
        promotions = decide_promotions(standings, preset.get("promotion"))
    except ScoringError as exc:
        raise _scoring_error(exc) from None
    rank_of = {m: r.rank for r in ranking for m in entry_members[r.contestant_id]}
    base = {"event": data.event_id, "skill": data.skill["id"], "group": group_id}
    scores = {r["contestant_id"]: r["score"] for r in (final or {}).get("rows", [])}

    def person(cid: str) -> dict[str, Any]:
        c = people[int(cid)]
        entry = entry_of[cid]
        return {
            "contestant": int(cid), "holder_name": c["name"], "holder_id_type": c.get("id_type") or DEFAULT_TYPE,
            "holder_id_number": (c["id_number"] or "").upper(),
            "holder_employer": c["employer"] or "", "holder_delegation": c["delegation"] or "",
            "final_score": scores.get(int(entry)) or "", "final_award": res.awards.get(entry) or "",
            "holder_team": (data.team_names.get(c["team"]) or "") if int(entry) in data.entries and data.entries[int(entry)].is_team else "",
        }  # fmt: skip

    award_rule = str((preset.get("awards") or {}).get("strategy") or "")
    rows: list[AwardProposal] = []
    for r in ranking:
        code = res.awards.get(r.contestant_id)
        if code:
            for m in entry_members[r.contestant_id]:
                rows.append(AwardProposal(**base, **person(m), kind=AWARD, code=code, rank=r.rank, rule=award_rule, outcome=GRANTED))
    for h in honours:
        rows.append(AwardProposal(**base, **person(h.person_id), kind=HONOUR, code=h.honour, rank=h.rank, rule=h.rule_id, outcome=h.outcome))
    for p in promotions:
        if p.outcome == NO_CHANGE or p.to_level is None:
            continue
        rows.append(AwardProposal(
            **base, **person(p.person_id), kind=PROMOTION, code=p.to_level.zh, rank=rank_of.get(p.person_id),
            from_level=None if p.from_level is None else int(p.from_level), to_level=int(p.to_level), rule=p.rule_id, outcome=p.outcome,
        ))  # fmt: skip
    if rows:
        await AwardProposal.insert(*rows)
    made = {"proposals": {k: sum(1 for r in rows if r.kind == k) for k in KINDS}}
    across = await _event_award_proposals(data)
    if across:
        made["event_awards"] = across
    return made


async def _event_award_proposals(data: Any) -> int:
    """Once the last group of the event is final, the awards across its skills that the preset
    names (``event_awards``: WorldSkills' Best of Nation and Albert Vidal Award) are proposed like
    the medals — kind ``award``, in the winner's skill and group — for approval and certificates.
    Inside the finalising transaction; each award once per person and event."""
    if str((data.preset.get("event_awards") or {}).get("strategy") or "none") == "none":
        return 0
    across = await event_wide.event_awards(data.event_id)
    if across["stage"] != "final" or not across["awards"]:
        return 0
    P = AwardProposal
    done = {
        (r["contestant"], r["code"])
        for r in await P.select(P.contestant, P.code).where((P.event == data.event_id) & (P.kind == AWARD) & P.code.is_in(list(EVENT_AWARD_CODES)))
    }
    todo = [a for a in across["awards"] if (a["contestant_id"], a["code"]) not in done]
    people = {
        c["id"]: c
        for c in await registration.contestants_by_id([a["contestant_id"] for a in todo], ["id", "name", "id_number", "employer", "delegation"])
    }
    rule = str(data.preset["event_awards"]["strategy"])
    rows = [
        P(event=data.event_id, skill=a["skill_id"], group=a["group_id"], contestant=a["contestant_id"], kind=AWARD, code=a["code"],
          rank=a.get("rank"), rule=f"{rule}.{a['code']}", outcome=GRANTED,
          holder_name=people[a["contestant_id"]]["name"], holder_id_number=(people[a["contestant_id"]]["id_number"] or "").upper(),
          holder_employer=people[a["contestant_id"]]["employer"] or "", holder_delegation=people[a["contestant_id"]]["delegation"] or "",
          final_score=a["score"], final_award=a.get("award") or "")
        for a in todo if a["contestant_id"] in people
    ]  # fmt: skip
    if rows:
        await P.insert(*rows)
    return len(rows)


async def approval_state(skill_id: int, group_id: int) -> dict[str, Any]:
    """For the results workflow's last step: is the group's list approved, how many entries."""
    scope = (AwardProposal.skill == skill_id) & (AwardProposal.group == group_id)
    approved = await AwardProposal.exists().where(scope & AwardProposal.approved_at.is_not_null())
    return {"done": approved, "proposals": await AwardProposal.count().where(scope)}


async def record_of(contestant_id: int, skill_id: int) -> list[str]:
    """For registration: proposals for this contestant."""
    return ["proposals"] if await AwardProposal.exists().where(AwardProposal.contestant == contestant_id) else []


async def identity_copies(contestant_id: int, record: dict[str, Any]) -> dict[str, list]:
    """For an identity correction: the proposals' copies of the holder follow the record."""
    proposals = [p["id"] for p in await AwardProposal.select(AwardProposal.id).where(AwardProposal.contestant == contestant_id)]
    if proposals:
        await AwardProposal.update({
            AwardProposal.holder_name: record["name"], AwardProposal.holder_id_number: record["id_number"],
            AwardProposal.holder_id_type: record.get("id_type") or DEFAULT_TYPE,
            AwardProposal.holder_employer: record["employer"], AwardProposal.holder_delegation: record["delegation"],
        }).where(AwardProposal.contestant == contestant_id)  # fmt: skip
    return {"proposals": proposals}


# ---- reading ----------------------------------------------------------------------------------

_COLUMNS = (
    AwardProposal.all_columns(),
    AwardProposal.skill.name, AwardProposal.group.name, AwardProposal.group.kind,
    AwardProposal.struck_by.display_name, AwardProposal.approved_by.display_name,
)  # fmt: skip
_KIND_ORDER = {k: i for i, k in enumerate(KINDS)}


def proposal_json(r: dict[str, Any], refs: dict[int, str] | None = None) -> dict[str, Any]:
    from_lv, to_lv = _level(r["from_level"]), _level(r["to_level"])
    outcome = OUTCOME_LABELS.get(r["outcome"])
    return {
        "id": r["id"], "event_id": r["event"], "skill_id": r["skill"], "skill": r["skill.name"], "group_id": r["group"], "group": r["group.name"],
        "group_kind": r["group.kind"], "contestant_id": r["contestant"], "name": r["holder_name"], "delegation": r["holder_delegation"],
        "employer": r["holder_employer"], "id_masked": mask_id(r["holder_id_number"]), "encrypted_no": (refs or {}).get(r["contestant"]),
        "final_score": r["final_score"] or None, "final_award": r["final_award"] or None, "team": r.get("holder_team") or None,
        "kind": r["kind"], "kind_label": KIND_LABELS[r["kind"]].to_dict() if r["kind"] in KIND_LABELS else {"zh": r["kind"], "en": r["kind"]},
        "code": r["code"], "label": label_of(r["kind"], r["code"], r["to_level"]), "rank": r["rank"],
        "from_level": r["from_level"], "from_level_label": {"zh": from_lv.zh, "en": from_lv.en} if from_lv is not None else None,
        "to_level": r["to_level"], "to_level_label": {"zh": to_lv.zh, "en": to_lv.en} if to_lv is not None else None,
        "rule": r["rule"], "outcome": r["outcome"], "outcome_label": outcome.to_dict() if outcome else {"zh": r["outcome"], "en": r["outcome"]},
        "struck": bool(r["struck"]), "strike_reason": r["strike_reason"], "struck_by": r["struck_by.display_name"],
        "approved": r["approved_at"] is not None, "approved_by": r["approved_by.display_name"],
        "approved_at": r["approved_at"].isoformat() if r["approved_at"] else None, "approved_at_china": china_time(r["approved_at"]),
    }  # fmt: skip


async def list_proposals(event_id: int, skill_id: int | None = None, group_id: int | None = None) -> list[dict[str, Any]]:
    """The event's proposals (or one skill's, one group's), by skill, group, kind and rank."""
    await events.get_event(event_id)
    where = AwardProposal.event == event_id
    if skill_id is not None:
        where &= AwardProposal.skill == skill_id
    if group_id is not None:
        where &= AwardProposal.group == group_id
    rows = await AwardProposal.select(*_COLUMNS).where(where).order_by(AwardProposal.id)
    refs = await anonymisation.contestant_refs(sorted({r["contestant"] for r in rows}))
    out = [proposal_json(r, refs) for r in rows]
    out.sort(key=lambda p: (p["skill_id"], p["group_id"], _KIND_ORDER.get(p["kind"], 9), p["rank"] if p["rank"] is not None else 10**6, p["id"]))
    return out


# ---- strikes and approval -----------------------------------------------------------------------


async def _list_approved(skill_id: int, group_id: int) -> bool:
    return await AwardProposal.exists().where(
        (AwardProposal.skill == skill_id) & (AwardProposal.group == group_id) & AwardProposal.approved_at.is_not_null()
    )


async def strike(event_id: int, proposal_id: int, reason: str, actor: audit.Actor) -> dict[str, Any]:
    """Strike one entry with a reason (approver); refused once its list is approved."""
    if not isinstance(reason, str) or not reason.strip():
        raise invalid("reason", "删除条目须填写理由", "striking an entry needs a reason")
    reason = clean_text(reason, "reason", max_len=500)
    await events.editable_event(event_id)
    async with write_transaction():
        await lock_row(Event, event_id)
        row = await AwardProposal.select().where((AwardProposal.id == proposal_id) & (AwardProposal.event == event_id)).first()
        if row is None:
            raise not_found("proposal")
        if row["approved_at"] is not None or await _list_approved(row["skill"], row["group"]):
            raise BilingualError(
                409,
                "approved",
                zh="该名单已审批，审批后不能再删除条目",
                en="This list is approved; approval is final and no entry can be struck any more",
            )
        if row["struck"]:
            raise BilingualError(409, "already_struck", zh="该条目已删除", en="This entry is already struck")
        await AwardProposal.update({AwardProposal.struck: True, AwardProposal.strike_reason: reason, AwardProposal.struck_by: actor.user_id}).where(
            AwardProposal.id == proposal_id
        )
        await audit.record(
            "proposal.strike", actor, event_id=event_id, target=f"proposal:{proposal_id}",
            details={"kind": row["kind"], "code": row["code"], "contestant": row["contestant"], "skill": row["skill"], "reason": reason},
        )  # fmt: skip
        await changes.outcomes_changed(event_id)
    rows = await AwardProposal.select(*_COLUMNS).where(AwardProposal.id == proposal_id)
    return proposal_json(rows[0], await anonymisation.contestant_refs([rows[0]["contestant"]]))


async def _unfinished(event_id: int, skill_id: int | None) -> list[dict[str, Any]]:
    """Groups of the scope with contestants whose results are not final yet."""
    skills = Skill.select(Skill.id).where(Skill.event == event_id)
    if skill_id is not None:
        skills = skills.where(Skill.id == skill_id)
    ids = [s["id"] for s in await skills]
    if not ids:
        return []
    groups = await CompetitionGroup.select(CompetitionGroup.id, CompetitionGroup.name, CompetitionGroup.skill.name).where(
        CompetitionGroup.skill.is_in(ids)
    )
    with_people = await registration.groups_with_contestants(ids, excluding=("withdrawn",))
    final = await results.final_groups(ids)
    return [{"group_id": g["id"], "group": g["name"], "skill": g["skill.name"]} for g in groups if g["id"] in with_people and g["id"] not in final]


async def approve(event_id: int, skill_id: int | None, actor: audit.Actor) -> dict[str, Any]:
    """Approve the list of the event (or one skill): every unstruck entry not yet approved."""
    await events.editable_event(event_id)
    if skill_id is not None:
        await events.get_skill(event_id, skill_id)
    async with write_transaction():
        await lock_row(Event, event_id)
        open_groups = await _unfinished(event_id, skill_id)
        if open_groups:
            names = "、".join(f"{g['skill']} {g['group']}" for g in open_groups[:5])
            raise BilingualError(
                409, "results_not_final", extra={"groups": open_groups},
                zh=f"缺少步骤：成绩确定（尚未确定：{names}）", en=f"Missing step: final results (not final yet: {names})",
            )  # fmt: skip
        scope = AwardProposal.event == event_id
        if skill_id is not None:
            scope &= AwardProposal.skill == skill_id
        todo = scope & (AwardProposal.struck == False) & AwardProposal.approved_at.is_null()  # noqa: E712
        count = await AwardProposal.count().where(todo)
        if count == 0:
            if await AwardProposal.exists().where(scope & AwardProposal.approved_at.is_not_null()):
                raise BilingualError(409, "already_approved", zh="该名单已审批", en="This list is already approved")
            raise BilingualError(409, "nothing_to_approve", zh="没有待审批的条目", en="There is nothing to approve")
        t = now()
        await AwardProposal.update({AwardProposal.approved_by: actor.user_id, AwardProposal.approved_at: t}).where(todo)
        struck = await AwardProposal.count().where(scope & (AwardProposal.struck == True))  # noqa: E712
        await audit.record(
            "proposals.approve", actor, event_id=event_id, target=f"skill:{skill_id}" if skill_id else f"event:{event_id}",
            details={"skill": skill_id, "approved": count, "struck": struck},
        )  # fmt: skip
        await changes.outcomes_changed(event_id)
    return {
        "event_id": event_id,
        "skill_id": skill_id,
        "approved": count,
        "struck": struck,
        "approved_at": t.isoformat(),
        "approved_at_china": china_time(t),
    }


# ---- demo ------------------------------------------------------------------------------------

#: The demo's approver (人社厅), who approves whatever the rules proposed.
APPROVER = ("demo-approver", "广东省人社厅职业能力建设处（演示）")


async def demo(event_id: int) -> str | None:
    """The approver approves the list of every skill whose results are final (idempotent)."""
    actor = audit.Actor(None, "demo")
    approver = await User.select(User.id).where(User.username == APPROVER[0]).first()
    approver_id = (
        approver["id"] if approver else await accounts.create_user(APPROVER[0], APPROVER[1], DEMO_PASSWORD, home_event=event_id, actor=actor)
    )
    await accounts.grant_role(approver_id, "approver", event_id, None, actor=actor)
    approved = []
    for sid in sorted({r["skill"] for r in await AwardProposal.select(AwardProposal.skill).where(AwardProposal.event == event_id)}):
        if await _unfinished(event_id, sid):
            continue
        pending = (AwardProposal.skill == sid) & (AwardProposal.struck == False) & AwardProposal.approved_at.is_null()  # noqa: E712
        if await AwardProposal.exists().where(pending):
            await approve(event_id, sid, audit.Actor(approver_id, APPROVER[1]))
            approved.append(sid)
    return f"拟表彰名单已审批 / proposals approved ({len(approved)} skill(s) now); 审批人账号 / approver login: {APPROVER[0]} / {DEMO_PASSWORD}"


async def approved_outcomes(event_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """What was approved (not struck) in these events (every event when None): rows
    ``{event, skill, group, contestant, kind, code, outcome}``, one query — the province's
    statistics count prizes, honours and promotions from them, never from typed-in figures."""
    where = AwardProposal.approved_at.is_not_null() & (AwardProposal.struck == False)  # noqa: E712
    if event_ids is not None:
        if not event_ids:
            return []
        where &= AwardProposal.event.is_in(list(event_ids))
    return await AwardProposal.select(
        AwardProposal.event, AwardProposal.skill, AwardProposal.group, AwardProposal.contestant,
        AwardProposal.kind, AwardProposal.code, AwardProposal.outcome,
    ).where(where)  # fmt: skip
