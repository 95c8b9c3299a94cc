"""The annual selection (年度荣誉评选): rounds, nominations, review, the list, 公示, 公布.

A round (``SelectionRound``) names its honours with the places each may fill, the eligibility rules
(``scoring.selection.Rules``), the criteria reviewers score and the stage dates. The organiser
(``manage_selection``) appoints nominating bodies' accounts and reviewers *for the round*
(``SelectionMember``; the account also gets the platform role, so the access policy lets it
reach the routes, and the round's members decide which round and body it acts for).

- **Nomination** (``nominate``, until ``nomination_ends``): within the body's quota of that honour;
  the dossier is filled from the verified records (``certificates.face.records_of``); eligibility
  by the round's rules on the records' level (the stated level only when the records know none).
- **Review**: a reviewer scores each candidate on every criterion, once per review round; a
  reviewer sharing the candidate's employer or city is refused (``competition.judges.conflicts``,
  the judges' rule). The organiser may open a second round; the list uses the latest.
- **The list** (``proposed_list``): per honour, ranked by the trimmed mean; the organiser confirms it
  (``approve``, asked first), then publishes it for objections (``publicise``); an objection
  is decided like an appeal (upheld: the candidate is struck); ``announce`` (no objection
  pending) issues the certificates (kind ``S``) and records the honours held.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from pathlib import Path
from typing import Any

from certificates import face as certificates
from certificates.numbering import CertType, format_number
from competition.auth import service as accounts
from competition.judges.conflicts import conflict_reason
from honours.tables import (
    Nomination,
    NominationAttachment,
    ReviewScore,
    SelectionCertificate,
    SelectionMember,
    SelectionObjection,
    SelectionQuota,
    SelectionRound,
)  # fmt: skip
from kernel import audit
from kernel.db import write_transaction
from kernel.errors import BilingualError, clean_text, invalid
from kernel.i18n import china_time
from kernel.roles import NOMINATOR, SELECTION_REVIEWER, Principal
from kernel.settings import Settings
from kernel.tables import User
from scoring import codelists
from scoring import selection as rules
from scoring.idcard import is_valid_id, mask_id, mask_name, normalise_id
from scoring.levels import SkillLevel
from scoring.messages import ScoringError

ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
_PNG = b"\x89PNG\r\n\x1a\n"


def _error(status: int, code: str, zh: str, en: str, field: str | None = None) -> BilingualError:
    return BilingualError(status, code, zh=zh, en=en, field=field)


def _scoring(exc: ScoringError) -> BilingualError:
    return _error(422, exc.code, exc.message.zh, exc.message.en, exc.details.get("field"))


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()


# ---- rounds --------------------------------------------------------------------------------


def _honours(items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not items:
        raise invalid("honours", "请至少选择一种荣誉称号", "choose at least one honour")
    out = []
    for h in items:
        if not isinstance(h, dict):
            raise invalid("honours", "每种荣誉须有代码和中文名称", "each honour needs a code and a Chinese name")
        code = str(h.get("code", "")).strip()
        known = rules.SELECTION_HONOURS.get(code)
        zh = str(h.get("zh") or (known.zh if known else "")).strip()
        en = str(h.get("en") or (known.en if known else zh)).strip()
        places = h.get("places", 0)
        if not code or len(code) > 40 or not zh:
            raise invalid("honours", "每种荣誉须有代码和中文名称", "each honour needs a code and a Chinese name")
        if isinstance(places, bool) or not isinstance(places, int) or not 0 < places <= 10000:
            raise invalid("honours", f"“{zh}”的评选名额须为 1–10000", f"{en}: the places must be 1–10000")
        out.append({"code": code, "zh": zh, "en": en, "places": places})
    if len({h["code"] for h in out}) != len(out):
        raise invalid("honours", "荣誉称号重复", "an honour is listed twice")
    return out


def _body(text: Any) -> tuple[str, str]:
    """A nominating body: a city (by code or name, from the code list) or a named industry body."""
    raw = str(text or "").strip()
    if not raw or len(raw) > 100:
        raise invalid("quotas", "推荐单位须为地市或行业单位名称", "a nominating body is a city or an industry body's name")
    city = codelists.CITY_BY_CODE.get(raw) or codelists.city_of_delegation(raw)
    if city.code != codelists.INDUSTRY_DELEGATION.code:
        return city.code, city.zh
    return raw, raw


async def create_round(data: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2099:
        raise invalid("year", "评选年度须为 2000–2099", "the year must be 2000–2099")
    name = clean_text(data.get("name"), "name", max_len=200, single_line=True)
    honours = _honours(data.get("honours"))
    try:
        rule = rules.Rules.from_dict(data.get("rules"))
        raw_criteria = data.get("criteria") or []
        stages_in = data.get("stages") or {}
        if not isinstance(raw_criteria, list) or not all(isinstance(c, dict) for c in raw_criteria) or not isinstance(stages_in, dict):
            raise invalid("criteria", "评审指标和阶段日期格式不正确", "the criteria or the stage dates are not in the right form")
        criteria = [rules.Criterion.from_dict(c) for c in raw_criteria] or list(rules.DEFAULT_CRITERIA)
        stages = rules.parse_stages(stages_in)
    except ScoringError as exc:
        raise _scoring(exc) from None
    codes = {h["code"] for h in honours}
    quotas = []
    raw_quotas = data.get("quotas") or []
    if not isinstance(raw_quotas, list) or not all(isinstance(q, dict) for q in raw_quotas):
        raise invalid("quotas", "名额须为推荐单位、荣誉和人数的列表", "quotas are a list of body, honour and number")
    for q in raw_quotas:
        body, body_name = _body(q.get("body"))
        if q.get("honour") not in codes:
            raise invalid("quotas", "名额须对应本轮评选的荣誉称号", "a quota must name one of the round's honours")
        n = q.get("quota")
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 1000:
            raise invalid("quotas", "推荐名额须为 0–1000", "a quota must be 0–1000")
        quotas.append((body, body_name, q["honour"], n))
    async with write_transaction():
        row = (
            await SelectionRound.insert(
                SelectionRound(
                    year=year, name=name, honours=honours, rules=rule.to_dict(), criteria=[c.to_dict() for c in criteria],
                    stages={k: v.isoformat() for k, v in stages.items()}, created_by=actor.user_id,
                )
            ).returning(SelectionRound.id)
        )[0]  # fmt: skip
        if quotas:
            await SelectionQuota.insert(*[SelectionQuota(round=row["id"], body=b, body_name=bn, honour=h, quota=n) for b, bn, h, n in quotas])
        await audit.record("selection.round_open", actor, target=f"selection_round:{row['id']}", details={"year": year, "honours": sorted(codes)})
    return await get_round(row["id"])


async def _round(round_id: int) -> dict[str, Any]:
    row = await SelectionRound.select().where(SelectionRound.id == round_id).output(load_json=True).first()
    if row is None:
        raise _error(404, "not_found", "没有这个评选", "no such selection round")
    return row


def _stages(r: dict[str, Any]) -> dict[str, dt.date]:
    return {k: dt.date.fromisoformat(v) for k, v in r["stages"].items()}


async def get_round(round_id: int, lang: str = "zh") -> dict[str, Any]:
    r = await _round(round_id)
    quotas = await SelectionQuota.select().where(SelectionQuota.round == round_id).order_by(SelectionQuota.id)
    used = await _used(round_id)
    stage = rules.stage_on(_stages(r), _today())
    return {
        "id": r["id"], "year": r["year"], "name": r["name"], "honours": r["honours"], "rules": r["rules"], "criteria": r["criteria"],
        "stages": r["stages"], "stage": stage, "stage_label": rules.STAGE_LABELS[stage].text(lang), "status": r["status"],
        "review_round": r["review_round"], "created_at_china": china_time(r["created_at"]),
        "quotas": [{"body": q["body"], "body_name": q["body_name"], "honour": q["honour"], "quota": q["quota"],
                    "used": used.get((q["body"], q["honour"]), 0)} for q in quotas],
    }  # fmt: skip


async def set_stages(round_id: int, data: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    """Move the round's stage dates (a deadline extended, the review started early), before it is announced."""
    try:
        stages = rules.parse_stages(data if isinstance(data, dict) else {})
    except ScoringError as exc:
        raise _scoring(exc) from None
    async with write_transaction():
        r = await _round(round_id)
        if r["status"] == "announced":
            raise _error(409, "announced", "评选已公布，日期不能再改", "the round is announced: its dates no longer change")
        await SelectionRound.update({SelectionRound.stages: {k: v.isoformat() for k, v in stages.items()}}).where(SelectionRound.id == round_id)
        await audit.record("selection.stages", actor, target=f"selection_round:{round_id}", details={k: v.isoformat() for k, v in stages.items()})
    return await get_round(round_id)


async def list_rounds() -> list[dict[str, Any]]:
    rows = await SelectionRound.select(SelectionRound.id, SelectionRound.year, SelectionRound.name, SelectionRound.status).order_by(
        SelectionRound.id, ascending=False
    )
    return list(rows)


async def appoint(round_id: int, data: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    """Appoint an existing account as a nominating body's account or a reviewer of the round."""
    await _round(round_id)
    role = data.get("role")
    if role not in ("nominator", "reviewer"):
        raise invalid("role", "角色须为推荐单位或评审专家", "the role is nominator or reviewer")
    username = str(data.get("username") or "").strip()
    user = await User.select(User.id, User.display_name).where(User.username == username).first()
    if user is None:
        raise invalid("username", "没有这个账号", "no account with this username")
    body = ""
    if role == "nominator":
        body, _ = _body(data.get("body"))
        if not await SelectionQuota.exists().where((SelectionQuota.round == round_id) & (SelectionQuota.body == body)):
            raise invalid("body", "该单位在本轮评选中没有推荐名额", "this body has no quota in the round")
    employer = str(data.get("employer") or "").strip()[:200]
    city = str(data.get("city") or "").strip()[:100]
    if role == "reviewer" and not (employer and city):
        raise invalid("employer", "评审专家须填写工作单位和所在地市（用于回避）", "a reviewer's employer and city are needed (conflicts of interest)")
    await accounts.grant_platform_role(user["id"], NOMINATOR if role == "nominator" else SELECTION_REVIEWER, actor=actor)
    async with write_transaction():
        q = (SelectionMember.round == round_id) & (SelectionMember.user == user["id"]) & (SelectionMember.role == role)
        if await SelectionMember.exists().where(q):
            await SelectionMember.update({SelectionMember.body: body, SelectionMember.employer: employer, SelectionMember.city: city}).where(q)
        else:
            await SelectionMember.insert(SelectionMember(round=round_id, user=user["id"], role=role, body=body, employer=employer, city=city))
        await audit.record("selection.appoint", actor, target=f"selection_round:{round_id}", details={"user": user["id"], "role": role, "body": body})
    return {"user_id": user["id"], "role": role, "body": body, "employer": employer, "city": city}


async def _member(round_id: int, p: Principal, role: str) -> dict[str, Any]:
    m = (
        await SelectionMember.select()
        .where((SelectionMember.round == round_id) & (SelectionMember.user == p.user_id) & (SelectionMember.role == role))
        .first()
    )
    if m is None:
        what = ("推荐单位", "a nominating body") if role == "nominator" else ("评审专家", "a reviewer")
        raise _error(403, "not_member", f"您不是本轮评选的{what[0]}", f"you are not {what[1]} of this round")
    return m


async def membership(round_id: int, p: Principal) -> dict[str, Any]:
    rows = await SelectionMember.select(SelectionMember.role, SelectionMember.body).where(
        (SelectionMember.round == round_id) & (SelectionMember.user == p.user_id)
    )
    return {r["role"]: r for r in rows}


# ---- nomination ----------------------------------------------------------------------------


async def _used(round_id: int) -> dict[tuple[str, str], int]:
    rows = await Nomination.select(Nomination.body, Nomination.honour).where(Nomination.round == round_id)
    out: dict[tuple[str, str], int] = {}
    for r in rows:
        out[(r["body"], r["honour"])] = out.get((r["body"], r["honour"]), 0) + 1
    return out


async def dossier_for(id_number: str) -> dict[str, Any]:
    """The verified records of one person, as a dossier starts."""
    person = normalise_id(id_number)
    return (await certificates.records_of([person]))[person]


async def nominate(round_id: int, p: Principal, data: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    r = await _round(round_id)
    member = await _member(round_id, p, "nominator")
    if r["status"] != "open" or _today() > _stages(r)["nomination_ends"]:
        raise _error(409, "nomination_closed", "推荐阶段已结束", "nomination has closed for this round")
    honour = data.get("honour")
    names = {h["code"]: h for h in r["honours"]}
    if honour not in names:
        raise invalid("honour", "请选择本轮评选的荣誉称号", "choose one of the round's honours")
    name = clean_text(data.get("name"), "name", max_len=50, single_line=True)
    person = normalise_id(str(data.get("id_number") or ""))
    if not is_valid_id(person):
        raise invalid("id_number", "身份证号不正确", "the ID number is not valid")
    years = data.get("years", 0)
    if isinstance(years, bool) or not isinstance(years, int) or not 0 <= years <= 60:
        raise invalid("years", "从业年限须为 0–60 年", "years in the occupation must be 0–60")
    stated = data.get("level")
    if stated is not None and (isinstance(stated, bool) or not isinstance(stated, int) or not 0 <= stated <= max(SkillLevel)):
        raise invalid("level", "技能等级须为 0–7", "the skill level must be 0–7")
    achievements = clean_text(data.get("achievements"), "achievements", max_len=5000, required=False)
    occupation = clean_text(data.get("occupation"), "occupation", max_len=100, required=False, single_line=True)
    dossier = await dossier_for(person)
    level = dossier["highest_level"] if dossier["highest_level"] is not None else stated
    held = frozenset(h["honour"] for h in dossier["honours"])
    problems = rules.eligibility_problems(rules.Rules.from_dict(r["rules"]), honour, rules.Candidate(level, years, held))
    if problems:
        raise _error(
            422,
            "not_eligible",
            "不符合评选条件：" + "；".join(m.zh for m in problems),
            "not eligible: " + "; ".join(m.en for m in problems),
            "id_number",
        )
    latest = dossier["results"][-1] if dossier["results"] else {}
    employer = str(data.get("employer") or latest.get("employer") or "").strip()[:200]
    city = codelists.city_of_delegation(str(data.get("city") or latest.get("delegation") or member["body"])).zh
    async with write_transaction():
        quota = (
            await SelectionQuota.select(SelectionQuota.quota)
            .where((SelectionQuota.round == round_id) & (SelectionQuota.body == member["body"]) & (SelectionQuota.honour == honour))
            .first()
        )
        used = await Nomination.count().where((Nomination.round == round_id) & (Nomination.body == member["body"]) & (Nomination.honour == honour))
        problem = rules.quota_problem(quota["quota"] if quota else None, used)
        if problem:
            raise _error(409, "over_quota", problem.zh, problem.en, "honour")
        if await Nomination.exists().where((Nomination.round == round_id) & (Nomination.honour == honour) & (Nomination.id_number == person)):
            raise _error(409, "already_nominated", "此人已被推荐参评该荣誉", "this person is already nominated for this honour", "id_number")
        row = (
            await Nomination.insert(
                Nomination(
                    round=round_id, honour=honour, body=member["body"], name=name, id_number=person, employer=employer, city=city,
                    occupation=occupation, years=years, level=level, dossier=dossier, achievements=achievements, nominated_by=p.user_id,
                )
            ).returning(Nomination.id)
        )[0]  # fmt: skip
        await audit.record(
            "selection.nominate", actor, target=f"nomination:{row['id']}", details={"round": round_id, "honour": honour, "body": member["body"]}
        )
    return await get_nomination(row["id"], reveal=True)


def _nomination_json(n: dict[str, Any], reveal: bool) -> dict[str, Any]:
    return {
        "id": n["id"], "round_id": n["round"], "honour": n["honour"], "body": n["body"], "name": n["name"],
        "id_number": n["id_number"] if reveal else mask_id(n["id_number"]), "employer": n["employer"], "city": n["city"],
        "occupation": n["occupation"], "years": n["years"], "level": n["level"],
        "level_name": "" if n["level"] is None else SkillLevel(n["level"]).zh, "dossier": n["dossier"], "achievements": n["achievements"],
        "status": n["status"], "score": n["score"], "rank": n["rank"], "strike_reason": n["strike_reason"],
        "certificate_number": n["certificate_number"],
    }  # fmt: skip


async def _nomination(nomination_id: int) -> dict[str, Any]:
    n = await Nomination.select().where(Nomination.id == nomination_id).output(load_json=True).first()
    if n is None:
        raise _error(404, "not_found", "没有这个推荐人选", "no such nomination")
    return n


async def get_nomination(nomination_id: int, *, reveal: bool = False) -> dict[str, Any]:
    n = await _nomination(nomination_id)
    out = _nomination_json(n, reveal)
    atts = await NominationAttachment.select(
        NominationAttachment.id, NominationAttachment.kind, NominationAttachment.title, NominationAttachment.size
    ).where(NominationAttachment.nomination == nomination_id)
    out["attachments"] = list(atts)
    return out


async def nominations(round_id: int, *, body: str | None = None, reveal: bool = False) -> list[dict[str, Any]]:
    q = Nomination.select().where(Nomination.round == round_id)
    if body is not None:
        q = q.where(Nomination.body == body)
    return [_nomination_json(n, reveal) for n in await q.order_by(Nomination.id).output(load_json=True)]


def attachment_kind(data: bytes) -> str:
    """``pdf``, ``png`` or ``jpeg`` from the content (never the name), or a 422 saying what is wrong."""
    if not data:
        raise invalid("file", "请选择附件文件", "choose the attachment's file")
    if len(data) > ATTACHMENT_MAX_BYTES:
        raise invalid("file", "附件不能超过 5 MB", "an attachment must be at most 5 MB")
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(_PNG) and len(data) >= 24 and data[12:16] == b"IHDR":
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    raise invalid("file", "附件须为 PDF、PNG 或 JPEG 文件", "an attachment must be a PDF, PNG or JPEG file")


async def attach(nomination_id: int, p: Principal, content: bytes, title: str, settings: Settings, actor: audit.Actor) -> dict[str, Any]:
    n = await _nomination(nomination_id)
    member = await _member(n["round"], p, "nominator")
    if member["body"] != n["body"]:
        raise _error(403, "not_own", "只能为本单位推荐的人选上传附件", "you may attach files only to your own body's nominations")
    kind = attachment_kind(content)
    title = clean_text(title or kind, "title", max_len=200, single_line=True)
    folder = settings.data_dir / "honours" / str(int(n["round"])) / str(int(nomination_id))
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(8)}.{'jpg' if kind == 'jpeg' else kind}"
    (folder / name).write_bytes(content)
    rel = str(Path("honours") / str(int(n["round"])) / str(int(nomination_id)) / name)
    async with write_transaction():
        row = (
            await NominationAttachment.insert(
                NominationAttachment(nomination=nomination_id, kind=kind, title=title, size=len(content), path=rel, uploaded_by=p.user_id)
            ).returning(NominationAttachment.id)
        )[0]
        await audit.record("selection.attach", actor, target=f"nomination:{nomination_id}", details={"kind": kind, "size": len(content)})
    return {"id": row["id"], "kind": kind, "title": title, "size": len(content)}


async def attachment(attachment_id: int, settings: Settings) -> tuple[bytes, str, dict[str, Any]]:
    a = await NominationAttachment.select().where(NominationAttachment.id == attachment_id).first()
    if a is None:
        raise _error(404, "not_found", "没有这个附件", "no such attachment")
    media = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}[a["kind"]]
    return (settings.data_dir / a["path"]).read_bytes(), media, a


# ---- review --------------------------------------------------------------------------------


async def score(nomination_id: int, p: Principal, scores: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    n = await _nomination(nomination_id)
    r = await _round(n["round"])
    member = await _member(n["round"], p, "reviewer")
    if r["status"] != "open":
        raise _error(409, "review_closed", "评审已结束，名单已确认", "the review is over: the list is confirmed")
    if _today() <= _stages(r)["nomination_ends"]:
        raise _error(409, "review_not_open", "推荐阶段结束后才开始评审", "the review starts when nomination ends")
    reason = conflict_reason({"delegation": member["city"], "employer": member["employer"]}, {"delegation": n["city"], "employer": n["employer"]})
    if reason is not None:
        raise _error(409, "conflict_of_interest", f"须回避：{reason.zh}", f"you must stand aside: {reason.en}", "nomination")
    if not isinstance(scores, dict):
        raise invalid("scores", "请为每项评审指标打分", "score every criterion")
    try:
        total = rules.reviewer_total([rules.Criterion.from_dict(c) for c in r["criteria"]], scores or {})
    except ScoringError as exc:
        raise _scoring(exc) from None
    async with write_transaction():
        q = (ReviewScore.nomination == nomination_id) & (ReviewScore.reviewer == p.user_id) & (ReviewScore.review_round == r["review_round"])
        if await ReviewScore.exists().where(q):
            raise _error(409, "already_scored", "您已在本轮评审中为此人选评分", "you have already scored this candidate in this review round")
        await ReviewScore.insert(
            ReviewScore(nomination=nomination_id, reviewer=p.user_id, review_round=r["review_round"], scores=scores, total=str(total))
        )
        await audit.record(
            "selection.score", actor, target=f"nomination:{nomination_id}", details={"review_round": r["review_round"], "total": str(total)}
        )
    return {"nomination_id": nomination_id, "review_round": r["review_round"], "total": str(total)}


async def reviewer_view(round_id: int, p: Principal) -> list[dict[str, Any]]:
    """The candidates as a reviewer sees them: masked ID numbers, whether they must stand aside, their own score."""
    r = await _round(round_id)
    member = await _member(round_id, p, "reviewer")
    mine = {
        s["nomination"]: s["total"]
        for s in await ReviewScore.select(ReviewScore.nomination, ReviewScore.total).where(
            (ReviewScore.reviewer == p.user_id) & (ReviewScore.review_round == r["review_round"])
        )
    }
    out = []
    for n in await nominations(round_id):
        reason = conflict_reason({"delegation": member["city"], "employer": member["employer"]}, {"delegation": n["city"], "employer": n["employer"]})
        out.append(n | {"conflict": reason.as_json() if reason else None, "my_total": mine.get(n["id"])})
    return out


async def open_second_review(round_id: int, actor: audit.Actor) -> dict[str, Any]:
    async with write_transaction():
        r = await _round(round_id)
        if r["status"] != "open" or r["review_round"] != 1:
            raise _error(
                409, "no_second_review", "只能在名单确认前开启一次第二轮评审", "a second review round opens once, before the list is confirmed"
            )
        await SelectionRound.update({SelectionRound.review_round: 2}).where(SelectionRound.id == round_id)
        await audit.record("selection.second_review", actor, target=f"selection_round:{round_id}")
    return await get_round(round_id)


async def proposed_list(round_id: int) -> dict[str, Any]:
    """Per honour: candidates ranked by the reviewers' trimmed mean (latest review round), the
    first ``places`` proposed."""
    r = await _round(round_id)
    noms = await Nomination.select(Nomination.id, Nomination.honour, Nomination.name, Nomination.body, Nomination.status).where(
        Nomination.round == round_id
    )
    ids = [n["id"] for n in noms]
    totals: dict[int, list[Decimal]] = {i: [] for i in ids}
    if ids:
        for s in await ReviewScore.select(ReviewScore.nomination, ReviewScore.total).where(
            ReviewScore.nomination.is_in(ids) & (ReviewScore.review_round == r["review_round"])
        ):
            totals[s["nomination"]].append(Decimal(s["total"]))
    out = []
    for h in r["honours"]:
        mine = [n for n in noms if n["honour"] == h["code"] and n["status"] != "struck"]
        placed = rules.propose({n["id"]: rules.review_score(totals[n["id"]]) for n in mine}, h["places"])
        by_id = {n["id"]: n for n in mine}
        out.append({
            "honour": h, "rows": [
                {"nomination_id": pl.key, "name": by_id[pl.key]["name"], "body": by_id[pl.key]["body"], "score": None if pl.score is None else str(pl.score),
                 "reviewers": len(totals[pl.key]), "rank": pl.rank, "proposed": pl.proposed} for pl in placed
            ],
        })  # fmt: skip
    return {"round_id": round_id, "review_round": r["review_round"], "status": r["status"], "honours": out}


async def approve(round_id: int, actor: audit.Actor) -> dict[str, Any]:
    """The organiser confirms the proposed list: it is what the 公示 shows."""
    listing = await proposed_list(round_id)
    async with write_transaction():
        r = await _round(round_id)
        if r["status"] != "open":
            raise _error(409, "already_approved", "名单已确认", "the list is already confirmed")
        proposed = [row for h in listing["honours"] for row in h["rows"] if row["proposed"]]
        if not proposed:
            raise _error(409, "nothing_proposed", "没有可确认的拟表彰人选（尚无评分）", "nobody is proposed yet (no scores)")
        for row in [row for h in listing["honours"] for row in h["rows"]]:
            await Nomination.update({Nomination.score: row["score"] or "", Nomination.rank: row["rank"],
                                     Nomination.status: "proposed" if row["proposed"] else "nominated"}).where(Nomination.id == row["nomination_id"])  # fmt: skip
        now = dt.datetime.now(dt.timezone.utc)
        await SelectionRound.update(
            {SelectionRound.status: "approved", SelectionRound.approved_by: actor.user_id, SelectionRound.approved_at: now}
        ).where(SelectionRound.id == round_id)
        await audit.record(
            "selection.approve", actor, target=f"selection_round:{round_id}", details={"proposed": [r_["nomination_id"] for r_ in proposed]}
        )
    return await proposed_list(round_id)


async def publicise(round_id: int, actor: audit.Actor) -> dict[str, Any]:
    async with write_transaction():
        r = await _round(round_id)
        if r["status"] != "approved":
            raise _error(409, "not_approved", "名单确认后才能公示", "the list is published for objections once confirmed")
        await SelectionRound.update({SelectionRound.status: "publicised", SelectionRound.publicised_at: dt.datetime.now(dt.timezone.utc)}).where(
            SelectionRound.id == round_id
        )
        await audit.record("selection.publicise", actor, target=f"selection_round:{round_id}")
    return await public_notice(round_id)


async def public_notice(round_id: int, lang: str = "zh") -> dict[str, Any]:
    """The 公示 (or, once announced, the 公布) list: names partly masked, body, honour."""
    r = await _round(round_id)
    if r["status"] not in ("publicised", "announced"):
        raise _error(404, "not_published", "该评选尚未公示", "this round's list is not published")
    status = ("proposed", "granted") if r["status"] == "publicised" else ("granted",)
    rows = (
        await Nomination.select()
        .where((Nomination.round == round_id) & Nomination.status.is_in(list(status)))
        .order_by(Nomination.honour)
        .order_by(Nomination.rank)
    )
    names = {h["code"]: h for h in r["honours"]}
    stages = _stages(r)
    return {
        "round_id": round_id, "year": r["year"], "name": r["name"], "status": r["status"],
        "kind": "announcement" if r["status"] == "announced" else "publicity",
        "objections_until": stages["publicity_ends"].isoformat(), "announce_on": stages["announce_on"].isoformat(),
        "rows": [{"nomination_id": n["id"], "name": mask_name(n["name"]) if r["status"] == "publicised" else n["name"],
                  "honour": n["honour"], "honour_label": names.get(n["honour"], {}).get("en" if lang.startswith("en") else "zh", n["honour"]),
                  "body": n["body"], "employer": n["employer"], "certificate_number": n["certificate_number"]} for n in rows],
    }  # fmt: skip


async def file_objection(round_id: int, data: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    r = await _round(round_id)
    if r["status"] != "publicised" or _today() > _stages(r)["publicity_ends"]:
        raise _error(409, "objections_closed", "不在公示异议期内", "objections are taken only during the public notice period")
    nomination_id = data.get("nomination_id")
    n = (
        await Nomination.select(Nomination.id, Nomination.status).where((Nomination.id == nomination_id) & (Nomination.round == round_id)).first()
        if isinstance(nomination_id, int)
        else None
    )
    if n is None or n["status"] != "proposed":
        raise invalid("nomination_id", "请选择公示名单中的人选", "choose a person on the published list")
    filer = clean_text(data.get("filer_name"), "filer_name", max_len=50, single_line=True)
    contact = clean_text(data.get("filer_contact"), "filer_contact", max_len=100, single_line=True)
    reason = clean_text(data.get("reason"), "reason", max_len=2000)
    async with write_transaction():
        row = (
            await SelectionObjection.insert(
                SelectionObjection(round=round_id, nomination=nomination_id, filer_name=filer, filer_contact=contact, reason=reason)
            ).returning(SelectionObjection.id)
        )[0]
        await audit.record("selection.objection", actor, target=f"selection_objection:{row['id']}", details={"nomination": nomination_id})
    return {"id": row["id"], "status": "pending"}


async def objections(round_id: int) -> list[dict[str, Any]]:
    rows = await SelectionObjection.select().where(SelectionObjection.round == round_id).order_by(SelectionObjection.id)
    return [
        {"id": o["id"], "nomination_id": o["nomination"], "filer_name": o["filer_name"], "filer_contact": o["filer_contact"], "reason": o["reason"],
         "status": o["status"], "decision": o["decision"], "filed_at_china": china_time(o["filed_at"]), "decided_at_china": china_time(o["decided_at"])}
        for o in rows
    ]  # fmt: skip


async def decide_objection(round_id: int, objection_id: int, data: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    outcome = data.get("outcome")
    if outcome not in ("upheld", "dismissed"):
        raise invalid("outcome", "裁决须为成立或不成立", "the decision is upheld or dismissed")
    decision = clean_text(data.get("decision"), "decision", max_len=2000)
    async with write_transaction():
        o = await SelectionObjection.select().where((SelectionObjection.id == objection_id) & (SelectionObjection.round == round_id)).first()
        if o is None:
            raise _error(404, "not_found", "没有这个异议", "no such objection")
        if o["status"] != "pending":
            raise _error(409, "already_decided", "该异议已裁决", "this objection is already decided")
        now = dt.datetime.now(dt.timezone.utc)
        await SelectionObjection.update({SelectionObjection.status: outcome, SelectionObjection.decision: decision, SelectionObjection.decided_by: actor.user_id,
                                         SelectionObjection.decided_at: now}).where(SelectionObjection.id == objection_id)  # fmt: skip
        if outcome == "upheld":
            await Nomination.update({Nomination.status: "struck", Nomination.strike_reason: decision}).where(Nomination.id == o["nomination"])
        await audit.record("selection.objection_decide", actor, target=f"selection_objection:{objection_id}", details={"outcome": outcome})
    return {"id": objection_id, "status": outcome, "decision": decision}


def _round_code(round_id: int) -> str:
    return f"SEL{int(round_id)}"


async def announce(round_id: int, actor: audit.Actor) -> dict[str, Any]:
    """公布: the published list, less those struck on objection, is granted: a certificate each (kind
    ``S``) and the honour recorded as held. Refused while an objection is pending."""
    async with write_transaction():
        r = await _round(round_id)
        if r["status"] != "publicised":
            raise _error(409, "not_publicised", "公示后才能公布", "the list is announced after the public notice")
        if await SelectionObjection.exists().where((SelectionObjection.round == round_id) & (SelectionObjection.status == "pending")):
            raise _error(409, "objections_pending", "尚有未裁决的异议", "objections are still pending")
        rows = await Nomination.select().where((Nomination.round == round_id) & (Nomination.status == "proposed")).order_by(Nomination.id)
        names = {h["code"]: h for h in r["honours"]}
        held = await certificates.honours_held_by(n["id_number"] for n in rows)
        granted, skipped = [], []
        seq = await SelectionCertificate.count().where(SelectionCertificate.round == round_id)
        for n in rows:
            if n["honour"] in held.get(n["id_number"], frozenset()):
                skipped.append(n["id"])
                await Nomination.update({Nomination.status: "struck", Nomination.strike_reason: "已获此荣誉称号，不重复授予"}).where(
                    Nomination.id == n["id"]
                )
                continue
            seq += 1
            number = format_number(_round_code(round_id), CertType.SELECTION, seq, r["year"])
            data = {"round": r["name"], "year": r["year"], "honour_zh": names[n["honour"]]["zh"], "honour_en": names[n["honour"]]["en"],
                    "employer": n["employer"], "issuer": "广东省人力资源和社会保障厅", "issue_date": _today().isoformat()}  # fmt: skip
            await SelectionCertificate.insert(
                SelectionCertificate(
                    number=number,
                    round=round_id,
                    nomination=n["id"],
                    seq=seq,
                    honour=n["honour"],
                    holder_name=n["name"],
                    id_number=n["id_number"],
                    data=data,
                )
            )
            await Nomination.update({Nomination.status: "granted", Nomination.certificate_number: number}).where(Nomination.id == n["id"])
            granted.append({"id_number": n["id_number"], "name": n["name"], "honour": n["honour"], "certificate_number": number})
        await certificates.grant_honours(granted)
        await SelectionRound.update({SelectionRound.status: "announced", SelectionRound.announced_at: dt.datetime.now(dt.timezone.utc)}).where(
            SelectionRound.id == round_id
        )
        await audit.record(
            "selection.announce", actor, target=f"selection_round:{round_id}", details={"granted": len(granted), "already_held": skipped}
        )
    return await public_notice(round_id)


async def verify_number(number: str, lang: str = "zh") -> dict[str, Any] | None:
    """The answer to ``certificates.verify.OTHER_ISSUERS``: a round's certificate by its number."""
    c = (
        await SelectionCertificate.select(SelectionCertificate.all_columns(), SelectionCertificate.round.name.as_alias("round_name"))
        .where(SelectionCertificate.number == number)
        .output(load_json=True)
        .first()
    )
    if c is None:
        return None
    revoked = c["revoked_at"] is not None
    en = lang.startswith("en")
    data = c["data"]
    return {
        "number": number, "status": "revoked" if revoked else "genuine", "valid": not revoked,
        "message": ("This certificate was revoked" if revoked else "This certificate is genuine") if en else ("该证书已被撤销" if revoked else "该证书真实有效"),
        "holder": mask_name(c["holder_name"]), "cert_type": "selection", "type_label": "Honour certificate (annual selection)" if en else "荣誉证书（年度评选）",
        "what": data.get("honour_en" if en else "honour_zh", c["honour"]), "code": c["honour"], "event": c["round_name"], "skill": "", "group": "",
        "issuer": data.get("issuer", ""), "issued_on": data.get("issue_date", ""), "issued_at_china": china_time(c["issued_at"]),
        "revoked_at_china": china_time(c["revoked_at"]) if revoked else None, "revoke_reason": c["revoke_reason"] if revoked else None,
    }  # fmt: skip
