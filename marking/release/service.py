"""The results workflow of one skill and group (成绩发布流程), and the rankings it publishes.

Steps, in order, each by its role and recorded in the audit log; none can be skipped:

1. **scoring** — judges' marks (``marking.live``);
2. **submitted** and **rechecked** — the chief judge's sign-off (``ScoreSubmission``);
3. **decrypted** — the encryption officer's decryption (``Decryption``);
4. **provisional** — the organiser publishes provisional results: the ranking with awards is
   kept in ``ResultRelease.provisional``; the public notice (公示) ends after the preset's
   ``results.notice_hours`` and appeals (申诉) close after ``results.appeal_window_hours``, both
   counted from publication (fractions of an hour are allowed);
5. **notice** and **appeals** — the notice period runs out; every appeal is decided, and the
   corrections of upheld ones are applied (``marking.release.appeals``);
6. **final** — the organiser makes the results final: the ranking is computed again from the
   marks as they now are (an upheld appeal may have changed some), kept in ``ResultRelease.final``
   with ``changed_by_appeal`` when it differs from the provisional one, and the rules' awards,
   honours and promotions are proposed for approval (``certificates.proposals``, which answers this
   module's ``FINALISED`` and ``APPROVALS`` extension points: results publish, certificates read).

A step taken out of order is refused with 409 and a code naming what is missing
(``not_submitted``, ``not_rechecked``, ``not_decrypted``, ``not_provisional``, ``notice_period``,
``appeal_window_open``, ``appeals_pending``, ``corrections_pending`` …).

Rankings come from ``scoring.results.compute_skill`` over the skill's current marks (the latest
row by ``Mark.seq`` of each contestant, aspect and judge), its marking scheme and the event's
effective preset: withdrawn contestants are left out, absent and disqualified ones are listed
unranked. What is published carries names, delegations and employers (results are public after
decryption), never ID numbers or phones.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from collections import OrderedDict
from decimal import Decimal
from typing import Any

from competition.dayof import face as dayof
from competition.dayof.common import skill_of
from competition.events import service as events
from competition.registration import face as registration
from kernel import audit
from kernel.db import json_value, lock_row, write_transaction
from kernel.errors import BilingualError, not_found
from kernel.extension import Extension
from kernel.i18n import china_time, register
from kernel.tables import CompetitionGroup, Skill
from marking.release.face import published_groups as published_groups  # for registration (server/wiring.py)
from marking.tables import Appeal, Mark, ResultRelease
from marking.tables import MarkingScheme as SchemeRow
from scoring import presets
from scoring.aggregation import COMPLETE
from scoring.awards import AWARDS
from scoring.messages import ScoringError
from scoring.numbers import decimal_str
from scoring.ranking import COMPETED, LOT_ALGORITHM, RankingRules, decided_by_lot, lot_needed
from scoring.results import ContestantInfo, SkillResults, compute_skill
from scoring.scheme import MarkingScheme, scheme_from_dict
from scoring.teams import Entry, TeamMember, entries_of

register(
    {
        # The public notice prints the windows that applied and the audit chain's head.
        "results.windows_applied": (
            "公示期 {notice} 小时（不少于 {min_notice} 小时）· 申诉期 {appeal} 小时（不少于 {min_appeal} 小时）",
            "Public notice {notice} h (at least {min_notice} h) · appeals {appeal} h (at least {min_appeal} h)",
        ),
        "results.chain_head": ("{step}时的审计链头：第 {seq} 条，{hash}", "Audit chain head at {step}: entry {seq}, {hash}"),
        "results.chain_head_provisional": ("公布暂定成绩", "provisional publication"),
        "results.chain_head_final": ("成绩确定", "final results"),
        "results.chain_head_note": (
            "请记下此链头：此后 competition audit verify 若发现审计链止于此条之前，即说明记录被截断",
            "Note this head: should the audit chain ever end before it, competition audit verify reports the record cut short",
        ),
        "thing.release": ("成绩发布", "results release"),
        "thing.appeal": ("申诉", "appeal"),
        "thing.proposal": ("拟表彰名单条目", "proposal"),
    }
)

PROVISIONAL = "provisional"
FINAL = "final"
#: The workflow's steps in order, with their labels (also used by the pages).
STEPS: list[tuple[str, str, str]] = [
    ("scoring", "评分", "Scoring"),
    ("submitted", "裁判长提交成绩", "Chief judge's submission"),
    ("rechecked", "裁判长复核成绩", "Chief judge's re-check"),
    ("decrypted", "解密", "Decryption"),
    ("provisional", "公布暂定成绩", "Provisional results published"),
    ("notice", "公示期结束", "Public notice over"),
    ("appeals", "申诉处理完毕", "Appeals settled"),
    ("final", "成绩确定", "Results final"),
    ("approved", "表彰名单审批", "Proposals approved"),
]
STEP_LABELS = {k: (zh, en) for k, zh, en in STEPS}


# ---- time -------------------------------------------------------------------------------------


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)


def iso(value: dt.datetime | None) -> str | None:
    value = aware(value)
    return value.isoformat() if value else None


def window_hours(preset: dict[str, Any], key: str, default: float | None = None) -> float:
    """A window of the preset's ``results`` section in hours (fractions allowed, up to ten years),
    never below the tier's floor (``scoring.presets.windows``; ``default`` is not used: the
    presets module knows the defaults)."""
    return presets.windows(preset)[key]


def missing_step(code: str, step: str, *, extra: Any = None) -> BilingualError:
    zh, en = STEP_LABELS[step]
    return BilingualError(409, code, zh=f"缺少步骤：{zh}", en=f"Missing step: {en}", extra=extra)


# ---- the skill's data and its ranking ---------------------------------------------------------


@dataclasses.dataclass
class SkillData:
    """Everything a ranking of one skill needs, read once."""

    event_id: int
    skill: dict[str, Any]
    groups: dict[int, dict[str, Any]]
    preset: dict[str, Any]
    scheme: MarkingScheme | None
    people: dict[int, dict[str, Any]]  # every contestant of the skill but the withdrawn
    refs: dict[int, str]  # latest encrypted number
    absent: set[int]
    results: SkillResults | None  # None without a scheme
    #: what is ranked (``scoring.teams``): each contestant, or in a team skill each team, by entry id
    entries: dict[int, Entry] = dataclasses.field(default_factory=dict)
    team_names: dict[int, str] = dataclasses.field(default_factory=dict)  # team id → name

    def group(self, group_id: int) -> dict[str, Any]:
        g = self.groups.get(group_id)
        if g is None:
            raise not_found("group")
        return g

    def in_group(self, group_id: int) -> list[int]:
        """The entries of a group: its contestants, or in a team skill its teams (by the captain)."""
        return [cid for cid in self.entries if self.people[cid]["group"] == group_id]


_RESULTS_CACHE: "OrderedDict[tuple, Any]" = OrderedDict()
_RESULTS_CACHE_SIZE = 64


async def load_skill(event_id: int, skill_id: int, preset: dict[str, Any] | None = None) -> SkillData:
    """Read the skill (of this event), its groups, scheme, preset, contestants and current marks,
    and compute its results (under ``preset`` instead of the event's rules: a draft's preview)."""
    skill = await skill_of(event_id, skill_id)
    groups = {g["id"]: g for g in await CompetitionGroup.select().where(CompetitionGroup.skill == skill_id).order_by(CompetitionGroup.id)}
    if preset is None:
        preset = (await events.event_preset(event_id))["effective"]
    scheme_row = await SchemeRow.select(SchemeRow.data, SchemeRow.version).where(SchemeRow.skill == skill_id).first()
    scheme = scheme_from_dict(json_value(scheme_row["data"], {})) if scheme_row else None
    rows = await registration.contestants_of_skill(
        skill_id,
        (
            "id",
            "group",
            "name",
            "delegation",
            "employer",
            "workstation_no",
            "status",
            "id_type",
            "id_number",
            "current_level",
            "team",
            "award_eligible",
            "team_captain",
            "team.name",
        ),
        excluding=("withdrawn",),
    )  # fmt: skip
    people = {r["id"]: r for r in rows}
    refs = await dayof.latest_refs(skill_id)
    absent = await dayof.absent(people) if people else set()
    short: set[Any] = set()  # teams a member withdrew from: a team short of a member does not compete
    if (skill["team_size"] or 1) > 1:
        short = {r["team"] for r in await registration.contestants_of_skill(skill_id, ("team",), statuses=("withdrawn",)) if r["team"]}
    entries = {
        e.entry_id: e
        for e in entries_of(
            (TeamMember(cid, c["team"], bool(c["team_captain"]), c["status"] == "disqualified", cid in absent or c["team"] in short,
                        bool(c["award_eligible"]))
             for cid, c in people.items()),
            int(skill["team_size"] or 1),
        )
    }  # fmt: skip
    team_names = {c["team"]: c["team.name"] for c in people.values() if c["team"] is not None}
    results = None
    if scheme is not None:
        infos = [
            ContestantInfo(str(e.entry_id), group=str(people[e.entry_id]["group"]), status=e.status, award_eligible=e.award_eligible)
            for e in entries.values()
        ]
        # Results only change with a new mark, a contestant's status, the scheme or the preset: the
        # key below; pages that list every skill then cost one query per skill, not a recompute.
        last = await Mark.select(Mark.seq).where(Mark.skill == skill_id).order_by(Mark.seq, ascending=False).first()
        key = (
            skill_id, last["seq"] if last else 0, scheme_row["version"] if scheme_row else 0,
            tuple((i.contestant_id, i.group, i.status, i.award_eligible) for i in infos), json.dumps(preset, sort_keys=True, default=str),
        )  # fmt: skip
        results = _RESULTS_CACHE.get(key)
        if results is None:
            marks: dict[str, dict[str, dict[str, str]]] = {}
            for m in await Mark.select(Mark.contestant, Mark.aspect, Mark.judge, Mark.value).where(Mark.skill == skill_id).order_by(Mark.seq):
                if m["contestant"] in entries and m["aspect"] in scheme.places:
                    marks.setdefault(str(m["contestant"]), {}).setdefault(m["aspect"], {})[str(m["judge"])] = m["value"]
            try:
                # Off the event loop: a large skill takes long enough to delay tablets and boards.
                results = await asyncio.to_thread(compute_skill, scheme, preset, infos, marks)
            except ScoringError as exc:
                raise BilingualError(422, exc.code, zh=f"规则预设有误：{exc.message.zh}", en=f"The rule preset is wrong: {exc.message.en}") from None
            _RESULTS_CACHE[key] = results
            while len(_RESULTS_CACHE) > _RESULTS_CACHE_SIZE:
                _RESULTS_CACHE.popitem(last=False)
        else:
            _RESULTS_CACHE.move_to_end(key)
    return SkillData(event_id, skill, groups, preset, scheme, people, refs, absent, results, entries, team_names)


def award_label(code: str | None) -> dict[str, str] | None:
    if code is None or code not in AWARDS:
        return None
    return AWARDS[code].label.to_dict()


def standardised(preset: dict[str, Any]) -> bool:
    return ((preset.get("standardisation") or {}).get("strategy") or "identity") != "identity"


def snapshot(data: SkillData, group_id: int) -> dict[str, Any]:
    """The ranking of one group with awards, as published (plain JSON)."""
    group = data.group(group_id)
    if data.scheme is None or data.results is None:
        raise BilingualError(409, "no_scheme", zh="本项目还没有评分标准", en="This skill has no marking scheme yet")
    res = data.results
    rows = []
    for r in res.rankings.get(str(group_id), []):
        cid = int(r.contestant_id)
        c = data.people[cid]
        cr = res.results[r.contestant_id]
        competed = r.status == COMPETED
        code = res.awards.get(r.contestant_id)
        rows.append({
            "contestant_id": cid, "encrypted_no": data.refs.get(cid), "workstation_no": c["workstation_no"],
            "name": c["name"], "delegation": c["delegation"], "employer": c["employer"],
            "status": r.status, "rank": r.rank, "tied": r.tied,
            "score": decimal_str(r.score), "total": decimal_str(cr.total) if competed else None,
            "criteria": {k: decimal_str(v) for k, v in cr.criteria.items()} if competed else {},
            "parts": {k: decimal_str(v) for k, v in cr.parts.items()} if competed else {},
            "award": code, "award_label": award_label(code), "award_eligible": bool(c["award_eligible"]),
            "complete": cr.status == COMPLETE, **team_of_row(data, cid),
        })  # fmt: skip
        if rows[-1].get("members"):  # a team: its name and its members, wherever a row's name is shown
            rows[-1]["name"] = f"{rows[-1]['team']}（{'、'.join(m['name'] for m in rows[-1]['members'])}）"
    return {
        "skill_id": data.skill["id"], "skill": data.skill["name"], "group_id": group_id, "group": group["name"], "group_kind": group["kind"],
        "computed_at": now().isoformat(), "standardised": standardised(data.preset),
        "complete": all(r["complete"] for r in rows if r["status"] == COMPETED),
        "criteria": [{"id": c.id, "name": c.name} for c in data.scheme.criteria], "parts": list(data.scheme.parts),
        "rows": rows,
    }  # fmt: skip


def team_of_row(data: SkillData, entry_id: int) -> dict[str, Any]:
    """A team entry's name and members (captain first), for a published row; nothing for a person."""
    e = data.entries.get(entry_id)
    if e is None or not e.is_team:
        return {}
    members = [{"contestant_id": m, "name": data.people[m]["name"], "captain": bool(data.people[m]["team_captain"]),
                "award_eligible": m in e.award_members} for m in e.members]  # fmt: skip
    return {"team": data.team_names.get(e.team), "team_id": e.team, "members": members}


def lot_record(data: SkillData, group_id: int) -> dict[str, Any]:
    """Where ranks must not be shared (选手排名不并列), what decided the last ties — the chief
    judge's seed, its algorithm and who was placed by the lot — for the publication's audit entry;
    refused with 409 ``lot_seed_needed`` while ties remain that only a lot can decide."""
    rules = RankingRules.from_section(data.preset.get("ranking"))
    if not rules.unshared or data.results is None:
        return {}
    ranking = data.results.rankings.get(str(group_id), [])
    waiting = lot_needed(ranking, rules)
    if waiting:
        refs = [str(data.refs.get(int(cid)) or cid) for group in waiting for cid in group]
        raise BilingualError(
            409, "lot_seed_needed", field="ranking.params.lot_seed", extra={"contestants": refs},
            zh=f"本赛事选手排名不并列：{len(refs)} 名选手仍并列（{'、'.join(refs[:10])}），须由裁判长给出抽签种子（ranking.params.lot_seed）",
            en=f"Ranks may not be shared in this event: {len(refs)} contestant(s) still tie ({', '.join(refs[:10])}); "
            "the chief judge's lot seed (ranking.params.lot_seed) must be set first",
        )  # fmt: skip
    return {"lot": {"unshared_by": rules.unshared_by, "seed": rules.lot_seed, "algorithm": LOT_ALGORITHM,
                    "decided_by_lot": [int(cid) for cid in decided_by_lot(ranking)]}}  # fmt: skip


def incomplete_refs(snap: dict[str, Any]) -> list[str]:
    return [str(r["encrypted_no"] or r["contestant_id"]) for r in snap["rows"] if r["status"] == COMPETED and not r["complete"]]


def differences(provisional: dict[str, Any], final: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Contestants whose rank, score or award differ between two snapshots: id → provisional values."""
    before = {r["contestant_id"]: r for r in provisional.get("rows", [])}
    out: dict[int, dict[str, Any]] = {}
    for r in final.get("rows", []):
        b = before.get(r["contestant_id"])
        if b is None or (b["rank"], b["score"], b["award"], b["status"]) != (r["rank"], r["score"], r["award"], r["status"]):
            out[r["contestant_id"]] = {k: (b or {}).get(k) for k in ("rank", "score", "award", "award_label", "status")}
    for cid, b in before.items():
        if cid not in {r["contestant_id"] for r in final.get("rows", [])}:
            out[cid] = {k: b.get(k) for k in ("rank", "score", "award", "award_label", "status")}
    return out


# ---- release rows ---------------------------------------------------------------------------


async def release_row(skill_id: int, group_id: int) -> dict[str, Any] | None:
    return (
        await ResultRelease.select(ResultRelease.all_columns(), ResultRelease.provisional_by.display_name, ResultRelease.final_by.display_name)
        .where((ResultRelease.skill == skill_id) & (ResultRelease.group == group_id))
        .first()
    )


def release_json(row: dict[str, Any] | None, *, with_rankings: bool = True) -> dict[str, Any] | None:
    if row is None:
        return None
    out = {
        "id": row["id"], "stage": row["stage"],
        "provisional_by": row.get("provisional_by.display_name"), "provisional_at": iso(row["provisional_at"]),
        "provisional_at_china": china_time(row["provisional_at"]),
        "notice_ends_at": iso(row["notice_ends_at"]), "notice_ends_at_china": china_time(row["notice_ends_at"]),
        "appeal_ends_at": iso(row["appeal_ends_at"]), "appeal_ends_at_china": china_time(row["appeal_ends_at"]),
        "final_by": row.get("final_by.display_name"), "final_at": iso(row["final_at"]), "final_at_china": china_time(row["final_at"]),
        "changed_by_appeal": bool(row["changed_by_appeal"]),
        "windows": windows_json(row), "heads": heads_json(row),
    }  # fmt: skip
    if with_rankings:
        out["provisional"] = json_value(row["provisional"], {}) or None
        out["final"] = json_value(row["final"], {}) or None
    return out


def windows_json(row: dict[str, Any]) -> dict[str, Any] | None:
    """The windows that applied to a release (hours) and their floors; None for a release
    published before they were recorded."""
    return json_value(row.get("windows"), {}) or None


def heads_json(row: dict[str, Any]) -> dict[str, Any]:
    """The audit chain's head as each publication was recorded (``audit.record_step``)."""
    out: dict[str, Any] = {}
    for step in (PROVISIONAL, FINAL):
        seq = row.get(f"{step}_head_seq")
        if seq:
            out[step] = {"seq": seq, "hash": row.get(f"{step}_head_hash") or ""}
    return out


async def recorded_heads() -> list[audit.RecordedHead]:
    """Every head recorded at a sign-off (``ScoreSubmission``) or a publication (``ResultRelease``),
    for ``competition audit verify`` (``audit.HEAD_SOURCES``)."""
    heads = await dayof.recorded_heads()
    for r in await ResultRelease.select(
        ResultRelease.id, ResultRelease.skill, ResultRelease.group, ResultRelease.provisional_head_seq, ResultRelease.provisional_head_hash,
        ResultRelease.final_head_seq, ResultRelease.final_head_hash,
    ):  # fmt: skip
        for step in (PROVISIONAL, FINAL):
            if r[f"{step}_head_seq"]:
                heads.append(
                    audit.RecordedHead(f"skill {r['skill']} group {r['group']} {step} results", r[f"{step}_head_seq"], r[f"{step}_head_hash"])
                )
    return heads


def published_view(row: dict[str, Any]) -> dict[str, Any]:
    """What the public sees of a release: the provisional ranking, or the final one with what
    changed after the appeals."""
    rel = release_json(row)
    assert rel is not None
    view: dict[str, Any] = {k: v for k, v in rel.items() if k not in ("provisional", "final", "provisional_by", "final_by")}
    prov = rel["provisional"] or {}
    if rel["stage"] == FINAL and rel["final"]:
        final = rel["final"]
        diff = differences(prov, final)
        rows = [{**r, "changed": r["contestant_id"] in diff, "provisional": diff.get(r["contestant_id"])} for r in final["rows"]]
        view["ranking"] = {**final, "rows": rows}
    else:
        view["ranking"] = prov
    return view


# ---- the workflow ---------------------------------------------------------------------------


async def appeal_counts(skill_id: int, group_id: int) -> dict[str, int]:
    """Appeals of a skill and group: pending (undecided) and upheld with corrections not yet applied."""
    rows = await Appeal.select(Appeal.status, Appeal.marks).where((Appeal.skill == skill_id) & (Appeal.group == group_id))
    pending = sum(1 for r in rows if r["status"] == "pending")
    unapplied = sum(
        1 for r in rows if r["status"] == "upheld" and any(m.get("kind") == "correction" and m.get("seq") is None for m in json_value(r["marks"], []))
    )
    return {"total": len(rows), "pending": pending, "corrections_pending": unapplied}


async def workflow(event_id: int, skill_id: int, group_id: int, data: SkillData | None = None) -> dict[str, Any]:
    """Every step of one skill and group with its state; ``next`` names the step to take now."""
    data = data or await load_skill(event_id, skill_id)
    group = data.group(group_id)
    sub = await dayof.submission(skill_id)
    dec = await dayof.decryption(skill_id)
    rel = await release_row(skill_id, group_id)
    appeals = await appeal_counts(skill_id, group_id)
    members = data.in_group(group_id)
    res = data.results
    competing = [cid for cid in members if data.people[cid]["status"] != "disqualified" and cid not in data.absent]
    complete = sum(1 for cid in competing if res is not None and res.results[str(cid)].status == COMPLETE)
    t = now()
    approval = {"done": False, "proposals": 0}
    for answer in APPROVALS:
        approval = await answer(skill_id, group_id)
    notice_end = aware(rel["notice_ends_at"]) if rel else None
    appeal_end = aware(rel["appeal_ends_at"]) if rel else None
    steps = {
        "scoring": {"done": res is not None and bool(competing) and complete == len(competing), "complete": complete, "competing": len(competing)},
        "submitted": {"done": sub is not None, "by": sub and sub["submitted_by.display_name"], "at": iso(sub and sub["submitted_at"]), "at_china": china_time(sub and sub["submitted_at"])},
        "rechecked": {"done": bool(sub and sub["rechecked_at"]), "by": sub and sub["rechecked_by.display_name"], "at": iso(sub and sub["rechecked_at"]), "at_china": china_time(sub and sub["rechecked_at"])},
        "decrypted": {"done": dec is not None, "by": dec and dec["decrypted_by.display_name"], "at": iso(dec and dec["decrypted_at"]), "at_china": china_time(dec and dec["decrypted_at"])},
        "provisional": {"done": rel is not None, "by": rel and rel["provisional_by.display_name"], "at": iso(rel and rel["provisional_at"]), "at_china": china_time(rel and rel["provisional_at"])},
        "notice": {"done": notice_end is not None and t >= notice_end, "ends_at": iso(notice_end), "ends_at_china": china_time(notice_end)},
        "appeals": {
            "done": appeal_end is not None and t >= appeal_end and appeals["pending"] == 0 and appeals["corrections_pending"] == 0,
            "open": appeal_end is not None and t < appeal_end and (rel or {}).get("stage") != FINAL,
            "ends_at": iso(appeal_end), "ends_at_china": china_time(appeal_end), **appeals,
        },
        "final": {"done": bool(rel and rel["stage"] == FINAL), "by": rel and rel["final_by.display_name"], "at": iso(rel and rel["final_at"]), "at_china": china_time(rel and rel["final_at"]),
                  "changed_by_appeal": bool(rel and rel["changed_by_appeal"])},
        "approved": approval,
    }  # fmt: skip
    out_steps = [{"step": k, "label": {"zh": zh, "en": en}, **steps[k]} for k, zh, en in STEPS]
    next_step = None
    if rel is None:
        next_step = "provisional" if steps["decrypted"]["done"] else None
    elif rel["stage"] != FINAL:
        next_step = "final"
    return {
        "event_id": event_id, "skill_id": skill_id, "skill": data.skill["name"], "group_id": group_id, "group": group["name"],
        "group_kind": group["kind"], "contestants": len(members), "stage": rel["stage"] if rel else None,
        "steps": out_steps, "next": next_step, "release": release_json(rel, with_rankings=False),
    }  # fmt: skip


async def event_workflow(event_id: int) -> list[dict[str, Any]]:
    """The workflow of every skill and group of the event."""
    await events.get_event(event_id)
    out = []
    for s in await Skill.select(Skill.id).where(Skill.event == event_id).order_by(Skill.id):
        data = await load_skill(event_id, s["id"])
        for gid in data.groups:
            out.append(await workflow(event_id, s["id"], gid, data))
    return out


async def preview(event_id: int, skill_id: int, group_id: int) -> dict[str, Any]:
    """The ranking as the marks stand now, for the chief judge and organisers.

    Before decryption a row names its contestant only by the number judges know
    (``contestant``: ``codes.shown_number`` — the encrypted number, or the workstation in a skill
    never encrypted), as the boards do: no name, delegation, employer or internal id, and no
    workstation beside an encrypted number (with the public draw list that pair names the
    contestant). After decryption rows are as published, with the contestant's id.
    """
    from competition.dayof.codes import shown_number

    data = await load_skill(event_id, skill_id)
    snap = snapshot(data, group_id)
    if not await dayof.is_decrypted(skill_id):
        encrypted = bool(data.refs)
        for r in snap["rows"]:
            del r["contestant_id"]
            number = shown_number(r["encrypted_no"], r["workstation_no"], skill_encrypted=encrypted)
            r.update(contestant=number, workstation_no=None if encrypted else r["workstation_no"], name=None, delegation=None, employer=None)
        snap["rows"].sort(
            key=lambda r: (r["rank"] is None, r["rank"] or 0, r["contestant"] is None, len(r["contestant"] or ""), r["contestant"] or "")
        )
    return snap


async def _check_signed_off_and_decrypted(skill_id: int) -> None:
    sub = await dayof.submission(skill_id)
    if sub is None:
        raise missing_step("not_submitted", "submitted")
    if sub["rechecked_at"] is None:
        raise missing_step("not_rechecked", "rechecked")
    if not await dayof.is_decrypted(skill_id):
        raise missing_step("not_decrypted", "decrypted")


async def publish_provisional(event_id: int, skill_id: int, group_id: int, actor: audit.Actor) -> dict[str, Any]:
    """The organiser publishes the provisional results; the notice and appeal windows start."""
    await events.editable_event(event_id)
    async with write_transaction():
        await lock_row(Skill, skill_id)
        data = await load_skill(event_id, skill_id)
        data.group(group_id)
        await _check_signed_off_and_decrypted(skill_id)
        if await ResultRelease.exists().where((ResultRelease.skill == skill_id) & (ResultRelease.group == group_id)):
            raise BilingualError(
                409, "already_published", zh="本组别的暂定成绩已公布", en="The provisional results of this group are already published"
            )
        snap = snapshot(data, group_id)
        if not any(r["status"] == COMPETED for r in snap["rows"]):
            raise BilingualError(409, "no_contestants", zh="本组别没有参赛选手", en="This group has no competing contestants")
        missing = incomplete_refs(snap)
        if missing:
            raise BilingualError(
                409, "results_incomplete", extra={"contestants": missing},
                zh=f"缺少步骤：评分（{len(missing)} 名选手的评分不完整：{'、'.join(missing[:10])}）",
                en=f"Missing step: scoring ({len(missing)} contestant(s) not fully marked: {', '.join(missing[:10])})",
            )  # fmt: skip
        lot = lot_record(data, group_id)
        t = now()
        # The windows as the preset sets them, held to the tier's floors, recorded with the release.
        windows = presets.windows(data.preset)
        notice_end = t + dt.timedelta(hours=windows["notice_hours"])
        appeal_end = t + dt.timedelta(hours=windows["appeal_window_hours"])
        rows = await ResultRelease.insert(ResultRelease(
            skill=skill_id, group=group_id, stage=PROVISIONAL, provisional=snap, provisional_by=actor.user_id, provisional_at=t,
            notice_ends_at=notice_end, appeal_ends_at=appeal_end, final={}, changed_by_appeal=False, windows=windows,
        )).returning(ResultRelease.id)  # fmt: skip
        head = await audit.record_step(
            "results.provisional", actor, event_id=event_id, target=f"group:{group_id}",
            details={"skill": skill_id, "group": group_id, "ranked": sum(1 for r in snap["rows"] if r["rank"] is not None),
                     "notice_ends_at": notice_end.isoformat(), "appeal_ends_at": appeal_end.isoformat(), "windows": windows, **lot},
        )  # fmt: skip
        await ResultRelease.update({ResultRelease.provisional_head_seq: head.seq, ResultRelease.provisional_head_hash: head.hash}).where(
            ResultRelease.id == rows[0]["id"]
        )
    return await workflow(event_id, skill_id, group_id)


async def make_final(event_id: int, skill_id: int, group_id: int, actor: audit.Actor) -> dict[str, Any]:
    """The organiser makes the results final once the notice and appeals are over; the rules'
    proposals (awards, honours, promotions) are stored for approval in the same transaction (the
    ``FINALISED`` extension point: ``certificates.proposals.create_for_final``)."""
    await events.editable_event(event_id)
    async with write_transaction():
        await lock_row(Skill, skill_id)
        data = await load_skill(event_id, skill_id)
        data.group(group_id)
        rel = await release_row(skill_id, group_id)
        if rel is None:
            await _check_signed_off_and_decrypted(skill_id)
            raise missing_step("not_provisional", "provisional")
        if rel["stage"] == FINAL:
            raise BilingualError(409, "already_final", zh="本组别的成绩已确定", en="The results of this group are already final")
        t = now()
        notice_end = aware(rel["notice_ends_at"])
        if notice_end and t < notice_end:
            raise BilingualError(
                409, "notice_period", extra={"ends_at": notice_end.isoformat()},
                zh=f"公示期至 {china_time(notice_end)}（北京时间）结束，公示期内不能确定成绩",
                en=f"The public notice runs until {china_time(notice_end)} (China time); results cannot be made final before",
            )  # fmt: skip
        appeal_end = aware(rel["appeal_ends_at"])
        if appeal_end and t < appeal_end:
            raise BilingualError(
                409, "appeal_window_open", extra={"ends_at": appeal_end.isoformat()},
                zh=f"申诉期至 {china_time(appeal_end)}（北京时间）结束，申诉期内不能确定成绩",
                en=f"Appeals may be filed until {china_time(appeal_end)} (China time); results cannot be made final before",
            )  # fmt: skip
        counts = await appeal_counts(skill_id, group_id)
        if counts["pending"]:
            raise BilingualError(
                409, "appeals_pending", extra=counts,
                zh=f"缺少步骤：申诉处理（{counts['pending']} 件申诉尚未裁定）",
                en=f"Missing step: appeals ({counts['pending']} appeal(s) not yet decided)",
            )  # fmt: skip
        if counts["corrections_pending"]:
            raise BilingualError(
                409, "corrections_pending", extra=counts,
                zh=f"缺少步骤：申诉处理（{counts['corrections_pending']} 件已支持的申诉尚未更正评分）",
                en=f"Missing step: appeals ({counts['corrections_pending']} upheld appeal(s) have corrections not yet applied)",
            )  # fmt: skip
        snap = snapshot(data, group_id)
        missing = incomplete_refs(snap)
        if missing:
            raise BilingualError(
                409,
                "results_incomplete",
                extra={"contestants": missing},
                zh=f"缺少步骤：评分（{len(missing)} 名选手的评分不完整）",
                en=f"Missing step: scoring ({len(missing)} contestant(s) not fully marked)",
            )
        lot = lot_record(data, group_id)
        prov = json_value(rel["provisional"], {})
        diff = differences(prov, snap)
        changed = bool(diff)
        await ResultRelease.update({
            ResultRelease.stage: FINAL, ResultRelease.final: snap, ResultRelease.final_by: actor.user_id,
            ResultRelease.final_at: t, ResultRelease.changed_by_appeal: changed,
        }).where(ResultRelease.id == rel["id"])  # fmt: skip
        made: dict[str, Any] = {}
        for answer in FINALISED:
            made.update(await answer(data, group_id, actor, snap))
        head = await audit.record_step(
            "results.final", actor, event_id=event_id, target=f"group:{group_id}",
            details={"skill": skill_id, "group": group_id, "changed_by_appeal": changed, "changed": sorted(diff), **made, **lot},
        )  # fmt: skip
        await ResultRelease.update({ResultRelease.final_head_seq: head.seq, ResultRelease.final_head_hash: head.hash}).where(
            ResultRelease.id == rel["id"]
        )
    return await workflow(event_id, skill_id, group_id)


# ---- public -----------------------------------------------------------------------------------


async def public_event(event_id: int) -> dict[str, Any]:
    """The event's published results: per skill and group, the stage and its times."""
    event = await events.get_event(event_id)
    skills = await Skill.select(Skill.id, Skill.name).where(Skill.event == event_id).order_by(Skill.id)
    groups = await CompetitionGroup.select().where(CompetitionGroup.skill.is_in([s["id"] for s in skills] or [0])).order_by(CompetitionGroup.id)
    rels = await ResultRelease.select(
        ResultRelease.id,
        ResultRelease.skill,
        ResultRelease.group,
        ResultRelease.stage,
        ResultRelease.provisional_at,
        ResultRelease.notice_ends_at,
        ResultRelease.appeal_ends_at,
        ResultRelease.final_at,
        ResultRelease.changed_by_appeal,
    ).where(ResultRelease.skill.is_in([s["id"] for s in skills] or [0]))
    by_group = {r["group"]: r for r in rels}
    out = []
    for s in skills:
        items = []
        for g in (g for g in groups if g["skill"] == s["id"]):
            r = by_group.get(g["id"])
            items.append({
                "group_id": g["id"], "group": g["name"], "group_kind": g["kind"], "stage": r["stage"] if r else None,
                "provisional_at_china": china_time(r["provisional_at"]) if r else "", "notice_ends_at_china": china_time(r["notice_ends_at"]) if r else "",
                "appeal_ends_at_china": china_time(r["appeal_ends_at"]) if r else "", "final_at_china": china_time(r["final_at"]) if r else "",
                "changed_by_appeal": bool(r and r["changed_by_appeal"]),
            })  # fmt: skip
        out.append({"skill_id": s["id"], "skill": s["name"], "groups": items})
    return {"event_id": event_id, "event": event["name"], "skills": out}


async def public_skill(event_id: int, skill_id: int) -> dict[str, Any]:
    """A skill's published results per group (provisional, or final with what changed)."""
    event = await events.get_event(event_id)
    skill = await skill_of(event_id, skill_id)
    groups = await CompetitionGroup.select().where(CompetitionGroup.skill == skill_id).order_by(CompetitionGroup.id)
    rels = {r["group"]: r for r in await ResultRelease.select(ResultRelease.all_columns()).where(ResultRelease.skill == skill_id)}
    items = []
    for g in groups:
        r = rels.get(g["id"])
        items.append(
            {
                "group_id": g["id"],
                "group": g["name"],
                "group_kind": g["kind"],
                "published": r is not None,
                **(published_view(r) if r else {"stage": None}),
            }
        )
    return {"event_id": event_id, "event": event["name"], "skill_id": skill_id, "skill": skill["name"], "groups": items}


#: Asked in the transaction that makes a group's results final, with ``(data, group_id, actor,
#: final)``; each answer stores what follows from the final ranking and returns what to add to
#: the audit entry (certificates: the proposals, ``{"proposals": {kind: count}}``).
FINALISED: Extension = Extension("what follows from a group's final results", required=True)
#: Asked for the workflow's last step, with ``(skill_id, group_id)``: ``{"done": bool, "proposals": n}``.
APPROVALS: Extension = Extension("how far a group's proposals are approved", required=True)


async def record_of(contestant_id: int, skill_id: int) -> list[str]:
    """For registration: appeals about this contestant."""
    return ["appeals"] if await Appeal.exists().where(Appeal.contestant == contestant_id) else []


async def dependants(target: events.Target) -> list[tuple[str, str]]:
    """For events: the marks, marking scheme, releases and appeals of a skill (or a group)."""
    found = []
    if target.kind == "session":
        return found
    if target.kind == "skill":
        marks = await Mark.count().where(Mark.skill == target.skill_id)
        if marks:
            found.append((f"{marks} 条评分记录", f"{marks} mark(s)"))
        if await SchemeRow.exists().where(SchemeRow.skill == target.skill_id):
            found.append(("评分标准", "the marking scheme"))
    release = ResultRelease.skill == target.skill_id
    appeal = Appeal.skill == target.skill_id
    if target.group_id is not None:
        release, appeal = release & (ResultRelease.group == target.group_id), appeal & (Appeal.group == target.group_id)
    if await ResultRelease.exists().where(release):
        found.append(("已公布的成绩", "published results"))
    n = await Appeal.count().where(appeal)
    if n:
        found.append((f"{n} 件申诉", f"{n} appeal(s)"))
    return found


# ---- what a draft of the rules would give (规则预览) ----------------------------------------------

SAMPLE_MAX = 500


def _sample_scores(scores: Any) -> list[Decimal] | None:
    if scores is None:
        return None
    from decimal import InvalidOperation

    if not isinstance(scores, list) or not 1 <= len(scores) <= SAMPLE_MAX:
        raise BilingualError(
            422, "invalid", field="sample_scores",
            zh=f"样例成绩须为 1–{SAMPLE_MAX} 个分数", en=f"The sample scores are 1 to {SAMPLE_MAX} scores",
        )  # fmt: skip
    out = []
    for i, v in enumerate(scores):
        try:
            if isinstance(v, bool):
                raise InvalidOperation
            d = Decimal(str(v).strip())
            if not d.is_finite() or not 0 <= d <= 10000:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            raise BilingualError(
                422, "invalid", field="sample_scores", zh=f"样例成绩第 {i + 1} 个（{v}）不是 0–10000 的分数",
                en=f"Sample score {i + 1} ({v}) is not a score from 0 to 10000",
            ) from None  # fmt: skip
        out.append(d)
    return out


async def rules_preview(
    event_id: int, overrides: Any, *, sample_scores: Any = None, sample_size: int = 20, sample_only: bool = False
) -> dict[str, Any]:
    """Who would get what under a draft of the event's rules, on each group's current ranking (or,
    with none yet or when asked, on a sample ranking), with the reasons. Refused exactly as saving
    the draft would be; nothing is stored. Before a skill's decryption its rows name contestants
    only by the number judges know, as the results preview does."""
    from competition.dayof.codes import shown_number
    from scoring.levels import parse_level
    from scoring.rules_preview import PreviewPerson, preview_group, sample_ranking

    row = await events.get_event(event_id)
    overrides, effective = events.checked_overrides(row["preset_name"], overrides)
    scores = _sample_scores(sample_scores)
    if not isinstance(sample_size, int) or isinstance(sample_size, bool) or not 1 <= sample_size <= SAMPLE_MAX:
        raise BilingualError(422, "invalid", field="sample_size", zh=f"样例人数须为 1–{SAMPLE_MAX}", en=f"The sample size is 1 to {SAMPLE_MAX}")
    groups: list[dict[str, Any]] = []

    def worded(gp: Any) -> list[dict[str, Any]]:
        return [r.to_dict() for r in gp.rows]

    if not sample_only:
        for s in await Skill.select(Skill.id).where(Skill.event == event_id).order_by(Skill.id):
            data = await load_skill(event_id, s["id"], preset=effective)
            if data.results is None:
                continue
            decrypted = await dayof.is_decrypted(s["id"])
            encrypted = bool(data.refs)
            for gid, g in data.groups.items():
                ranking = data.results.rankings.get(str(gid), [])
                if not any(r.rank is not None for r in ranking):
                    continue
                people = {}
                for r in ranking:
                    c = data.people[int(r.contestant_id)]
                    try:
                        level = parse_level(c["current_level"]) if c["current_level"] else None
                    except ValueError:
                        level = None
                    people[r.contestant_id] = PreviewPerson(level=level, team_size=int(data.skill["team_size"] or 1))
                gp = preview_group(effective, ranking, g["kind"], people)
                rows = worded(gp)
                for out in rows:
                    c = data.people[int(out.pop("contestant_id"))]
                    cid = c["id"]
                    if decrypted:
                        out["contestant"] = c["name"] + (f"（{c['delegation']}）" if c["delegation"] else "")
                    else:
                        out["contestant"] = shown_number(data.refs.get(cid), c["workstation_no"], skill_encrypted=encrypted) or "—"
                groups.append(
                    {"skill": data.skill["name"], "group": g["name"], "group_kind": g["kind"], "source": "current",
                     "entrants": sum(1 for r in ranking if r.rank is not None), **gp.to_dict(), "rows": rows}
                )  # fmt: skip
    source = "current"
    if not groups:
        source = "sample"
        ranking = sample_ranking(scores, sample_size)
        gp = preview_group(effective, ranking, "employee")
        rows = worded(gp)
        for out in rows:
            out["contestant"] = out.pop("contestant_id")
        groups.append(
            {"skill": None, "group": GROUP_NAME_SAMPLE, "group_kind": "employee", "source": "sample",
             "entrants": len(ranking), **gp.to_dict(), "rows": rows}
        )  # fmt: skip
    return {"source": source, "overrides": overrides, "effective": effective, "groups": groups}


GROUP_NAME_SAMPLE = "职工组（样例）"
