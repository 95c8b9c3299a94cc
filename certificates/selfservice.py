"""A contestant's self-service (选手自助查询): their own results, honours and certificates, found by
name and ID number (or through their contestant account), without knowing a certificate number;
then an appeal filed online within the appeal window.

- **Finding**: both the name as registered and the ID number must match a registration
  (``registration.contestants_by_identity``); anything else is one neutral answer,
  ``not_found`` — it never says whether the ID number exists under another name. Every look-up
  (found or not) is audited (``contestant.lookup``) with the ID number and name masked, and
  rate-limited per ID number and per client address (``kernel.ratelimit.Limits.self_lookup``).
- **The answer** shows the person masked (张*明, 440106********123X) and, per registration, only
  what the public results show of it (rank, score, award as published; nothing before
  publication), the honours and promotions approved for it, its certificates (with the links to
  download and verify) and the appeals filed about it; plus a short-lived signed ``token`` naming
  the registrations found, so the appeal form need not carry the ID number again.
- **Appealing**: ``marking.release.appeals.file_appeal`` with ``verified_contestant`` — the same
  rules as every appeal (window, stage, the per-contestant limit), refused with their messages.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from typing import Any

from certificates import service as cert_service
from certificates.proposals import label_of
from certificates.tables import AwardProposal
from competition.registration import face as registration
from kernel import audit
from kernel.db import write_transaction
from kernel.errors import BilingualError, clean_text
from kernel.i18n import register, t
from kernel.settings import Settings
from marking.release import appeals, service
from scoring.idcard import mask_id, mask_name, normalise_id
from scoring.identity import doc_type_of, unknown_type_message

register(
    {
        "lookup.title": ("成绩与证书查询", "Look up my results and certificates"),
        "lookup.link": ("选手查询", "Contestant look-up"),
        "lookup.help": (
            "选手本人输入报名时的姓名和身份证号（或其他证件号码），查询本人的成绩、荣誉和证书；查询记入审计日志。",
            "Enter your name and ID number as registered to see your own results, honours and certificates; every look-up is recorded.",
        ),
        "lookup.name": ("姓名", "Name"),
        "lookup.id_number": ("身份证号（或其他证件号码）", "ID number (or other document number)"),
        "lookup.id_type": ("证件类型", "Document type"),
        "lookup.any_type": ("任一证件", "Any document"),
        "lookup.submit": ("查询", "Look up"),
        "lookup.not_found": (
            "没有找到与所填姓名和证件号码相符的参赛记录，请核对后重试",
            "No registration matches this name and ID number; check them and try again",
        ),
        "lookup.expired": ("查询已过期，请重新查询后再提交申诉", "The look-up has expired; look yourself up again to file an appeal"),
        "lookup.person": ("选手：{name} · 证件号码：{id}", "Contestant: {name} · ID: {id}"),
        "lookup.not_published": ("成绩尚未公布", "Results not published yet"),
        "lookup.honours": ("荣誉与晋级", "Honours and promotions"),
        "lookup.certificates": ("证书", "Certificates"),
        "lookup.verify": ("查验", "Verify"),
        "lookup.download": ("下载", "Download"),
        "lookup.appeals": ("本人申诉", "My appeals"),
        "lookup.appeal_open": ("申诉期内，可在线提交申诉（至 {at}，北京时间）", "Appeals are open until {at} (China time)"),
        "lookup.appeal_closed": ("申诉期已结束（{at}，北京时间）", "The appeal window closed at {at} (China time)"),
        "lookup.appeal_text": ("申诉内容（写明申诉事项和理由）", "Your appeal (what you dispute and why)"),
        "lookup.appeal_submit": ("提交申诉", "File the appeal"),
        "lookup.appeal_confirm": (
            "提交后申诉将交监督仲裁组裁定，不能撤回或修改。确定提交？",
            "Once filed the appeal goes to the arbitration group and cannot be withdrawn or changed. File it?",
        ),
        "lookup.appeal_filed": ("申诉已提交，等待监督仲裁组裁定", "Appeal filed; the arbitration group will decide it"),
        "lookup.mine": ("我的成绩", "My results"),
        "lookup.none": ("没有参赛记录", "No registrations"),
        "thing.lookup": ("查询", "look-up"),
        "results.honours_certificates": ("荣誉与证书", "Honours and certificates"),
        "results.notice_period": ("公示期 {start} 至 {end}", "Public notice {start} to {end}"),
        "results.appeal_hint": (
            "对成绩有异议的选手，可在申诉截止前通过“选手查询”在线提交申诉，或向监督仲裁组递交书面申诉。",
            "A contestant who disputes a result may appeal online through the contestant look-up before the deadline, or in writing to the arbitration group.",
        ),
    }
)

#: How long a look-up's token lets its holder file an appeal, in seconds.
TOKEN_TTL_S = 1800
MAX_NAME = 50
MAX_ID = 32
#: What an ID number may hold once normalised: 居民身份证, 港澳台 permits (H1234567(8)), passports.
_ID_CHARS = re.compile(r"[0-9A-Z()\-]+")


def _key(settings: Settings) -> bytes:
    return hashlib.sha256(b"contestant-self-service\x00" + settings.resolved_secret().encode()).digest()


def make_token(settings: Settings, contestant_ids: list[int], *, now: float | None = None) -> str:
    expires = int((now or time.time()) + TOKEN_TTL_S)
    payload = base64.urlsafe_b64encode(f"{','.join(str(i) for i in sorted(contestant_ids))}|{expires}".encode()).decode().rstrip("=")
    sig = hmac.new(_key(settings), payload.encode(), hashlib.sha256).hexdigest()[:40]
    return f"{payload}.{sig}"


def _expired() -> BilingualError:
    return BilingualError(403, "lookup_expired", zh=t("lookup.expired", "zh"), en=t("lookup.expired", "en"), field="token")


def read_token(settings: Settings, token: str) -> set[int]:
    """The registrations a token names; 403 ``lookup_expired`` when it is forged or too old."""
    payload, _, sig = (token or "").partition(".")
    good = hmac.new(_key(settings), payload.encode(), hashlib.sha256).hexdigest()[:40]
    if not payload or not hmac.compare_digest(sig, good):
        raise _expired()
    try:
        text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
        ids_text, expires = text.split("|")
        ids = {int(i) for i in ids_text.split(",") if i}
    except ValueError:
        raise _expired() from None
    if int(expires) < time.time():
        raise _expired()
    return ids


def typed_identity(name: str, id_number: str) -> tuple[str, str]:
    """The name and ID number as compared (422 naming the field when one is missing)."""
    if not (name or "").strip():
        raise BilingualError(422, "invalid", field="name", zh="请填写姓名", en="Enter your name")
    name = clean_text(name, "name", max_len=MAX_NAME, single_line=True)
    person = normalise_id(id_number or "")
    if not person:
        raise BilingualError(422, "invalid", field="id_number", zh="请填写证件号码", en="Enter your ID number")
    if len(person) > MAX_ID:
        raise BilingualError(
            422, "invalid", field="id_number", zh=f"证件号码不超过 {MAX_ID} 个字符", en=f"An ID number has at most {MAX_ID} characters"
        )
    if not _ID_CHARS.fullmatch(person):
        raise BilingualError(
            422, "invalid", field="id_number", zh="证件号码只能包含字母、数字和括号", en="An ID number has only letters, digits and brackets"
        )
    return name, person


def typed_doc_type(value: str | None) -> str | None:
    """The document type a look-up names (``scoring.identity``), None for any; 422 when unknown."""
    if value is None or not str(value).strip():
        return None
    code = doc_type_of(value)
    if code is None:
        msg = unknown_type_message(value)
        raise BilingualError(422, "bad_id_type", field="id_type", zh=msg.zh, en=msg.en)
    return code


async def find(name: str, id_number: str, id_type: str | None = None) -> list[int]:
    """The registrations of this name and document (normalised number; of this type when named,
    since a person is type + number), in any event."""
    return [r["id"] for r in await registration.contestants_by_identity(id_number, name, ("id",), id_type=id_type)]


async def record_lookup(actor: audit.Actor, *, how: str, name: str, id_number: str, found: list[int]) -> None:
    async with write_transaction():
        await audit.record(
            "contestant.lookup", actor, target="self_service",
            details={"how": how, "name": mask_name(name), "id_number": mask_id(id_number), "found": len(found), "contestants": sorted(found)},
        )  # fmt: skip


def not_found_error() -> BilingualError:
    return BilingualError(404, "not_found", zh=t("lookup.not_found", "zh"), en=t("lookup.not_found", "en"))


async def awards_of(contestant_ids: list[int], kinds: tuple[str, ...] = ("honour", "promotion")) -> dict[int, list[dict[str, Any]]]:
    """The approved, unstruck honours and promotions (``kinds``) of these registrations."""
    out: dict[int, list[dict[str, Any]]] = {c: [] for c in contestant_ids}
    if not contestant_ids:
        return out
    P = AwardProposal
    rows = await P.select(P.contestant, P.kind, P.code, P.to_level, P.outcome).where(
        P.contestant.is_in(sorted(contestant_ids)) & P.kind.is_in(list(kinds)) & (P.struck == False)  # noqa: E712
        & P.approved_at.is_not_null() & P.outcome.is_in(["granted", "promoted"])
    ).order_by(P.id)  # fmt: skip
    for r in rows:
        out[r["contestant"]].append({"kind": r["kind"], "label": label_of(r["kind"], r["code"], r["to_level"])})
    return out


async def own_results(contestant_ids: list[int], lang: str = "zh") -> dict[str, Any]:
    """What a contestant may read of their own registrations (see the module doc)."""
    people = await registration.contestants_by_id(
        contestant_ids, ("id", "event", "skill", "group", "name", "id_number", "status", "event.name", "skill.name", "group.name")
    )
    certs = await cert_service.certificates_of([p["id"] for p in people], lang)
    honours = await awards_of([p["id"] for p in people])
    views: dict[int, dict[str, Any]] = {}
    now = service.now()
    entries = []
    for p in people:
        if p["skill"] not in views:
            views[p["skill"]] = await service.public_skill(p["event"], p["skill"])
        group = next((g for g in views[p["skill"]]["groups"] if g["group_id"] == p["group"]), None) or {"stage": None}
        row = next((r for r in (group.get("ranking") or {}).get("rows", []) if r.get("contestant_id") == p["id"]), None)
        ends = service.aware(_parse(group.get("appeal_ends_at")))
        mine = await appeals.list_appeals(p["event"], skill_id=p["skill"], contestants={p["id"]}, filed_by=-1)
        entries.append({
            "event_id": p["event"], "event": p["event.name"], "skill_id": p["skill"], "skill": p["skill.name"],
            "group_id": p["group"], "group": p["group.name"], "stage": group.get("stage"), "published": bool(group.get("published")),
            "rank": row["rank"] if row else None, "status": row["status"] if row else None, "score": row["score"] if row else None,
            "award_label": row["award_label"] if row else None, "changed": bool(row and row.get("changed")),
            "provisional_at_china": group.get("provisional_at_china", ""), "notice_ends_at_china": group.get("notice_ends_at_china", ""),
            "appeal_ends_at": group.get("appeal_ends_at"), "appeal_ends_at_china": group.get("appeal_ends_at_china", ""),
            "final_at_china": group.get("final_at_china", ""),
            "appeal_open": group.get("stage") == service.PROVISIONAL and ends is not None and now < ends,
            "honours": honours.get(p["id"], []), "certificates": certs.get(p["id"], []),
            "appeals": [{"id": a["id"], "status": a["status"], "filed_at_china": a["filed_at_china"], "decision": a["decision"]} for a in mine],
        })  # fmt: skip
    first = people[-1] if people else None
    return {
        "person": {"name": mask_name(first["name"]) if first else "", "id_number": mask_id(first["id_number"]) if first else ""},
        "entries": entries,
    }


def _parse(value: str | None):
    import datetime as dt

    return dt.datetime.fromisoformat(value) if value else None


async def file_appeal(settings: Settings, token: str, event_id: int, skill_id: int, group_id: int, text: str, actor: audit.Actor) -> dict[str, Any]:
    """File an appeal as the contestant a look-up found (the token names them)."""
    ids = read_token(settings, token)
    people = await registration.contestants_by_id(ids, ("id", "event", "skill", "group"))
    cid = next((p["id"] for p in people if (p["event"], p["skill"], p["group"]) == (event_id, skill_id, group_id)), None)
    if cid is None:
        raise not_found_error()
    filed = await appeals.file_appeal(event_id, skill_id, group_id, text=text, user=None, actor=actor, verified_contestant=cid)
    return {"id": filed["id"], "status": filed["status"], "filed_at_china": filed["filed_at_china"], "skill": filed["skill"], "group": filed["group"]}
