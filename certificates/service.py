"""Certificates as the rest of the system sees them: listing, revocation, downloads (one PDF for its
holder, one ZIP for organisers), what the results pages link to, and the demo step.

Issuance (numbers, batches, rendering) is in :mod:`certificates.issuance`, verification in
:mod:`certificates.verify`, the promotion ledger in :mod:`certificates.ledger`.

Files live at ``<data_dir>/certificates/<event id>/<number>.pdf``; ``Certificate.file`` holds that
path relative to the data directory once the PDF is written (empty until then).
"""

from __future__ import annotations

import datetime as dt
import hmac
import io
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from certificates import changes
from certificates.numbering import CertType, parse_number
from certificates.tables import Certificate, HonourHeld
from kernel import audit
from kernel.db import write_transaction
from kernel.errors import BilingualError, invalid, not_found
from kernel.i18n import CHINA_TZ, china_time, register
from kernel.settings import Settings
from scoring.awards import AWARDS, award_label
from scoring.honours import HONOURS
from scoring.levels import SkillLevel
from scoring.spreadsheet import csv_bytes

register(
    {
        "thing.certificate": ("证书", "certificate"),
        "thing.batch": ("签发批次", "issuance batch"),
        "cert.title": ("证书", "Certificates"),
        "cert.link": ("证书签发", "Certificates"),
        "cert.type.award": ("获奖证书", "Certificate of Award"),
        "cert.type.honour": ("荣誉证书", "Certificate of Honour"),
        "cert.type.promotion": ("职业技能等级证书", "Skill level certificate"),
        "cert.number": ("证书编号", "Certificate number"),
        "cert.holder": ("持证人", "Holder"),
        "cert.type": ("证书类型", "Type"),
        "cert.what": ("内容", "Certifies"),
        "cert.event": ("赛事", "Event"),
        "cert.skill": ("竞赛项目", "Skill"),
        "cert.group": ("组别", "Group"),
        "cert.issued": ("签发时间", "Issued"),
        "cert.issuer": ("发证单位", "Issued by"),
        "cert.status": ("状态", "Status"),
        "cert.valid": ("有效", "Valid"),
        "cert.revoked": ("已撤销", "Revoked"),
        "cert.revoked_on": ("已于 {at} 撤销，原因：{reason}", "Revoked on {at}; reason: {reason}"),
        "cert.file_pending": ("PDF 生成中", "PDF being prepared"),
        "cert.download": ("下载 PDF", "Download PDF"),
        "cert.revoke": ("撤销", "Revoke"),
        "cert.revoke_reason": ("撤销原因（必填，记入审计日志）", "Reason (required; recorded in the audit log)"),
        "cert.issue": ("签发证书", "Issue certificates"),
        "cert.issue_help": (
            "为已审批、未被划去的获奖、荣誉和晋级名单签发证书。可重复执行：已签发的证书不会重复签发，中断后再次执行会补齐未生成的 PDF。",
            "Issues certificates for the approved, unstruck awards, honours and promotions. Safe to repeat: nothing is issued twice, "
            "and running it again after an interruption renders the missing PDFs.",
        ),
        "cert.progress": ("进度", "Progress"),
        "cert.batches": ("签发批次", "Issuance batches"),
        "cert.batch_status.running": ("进行中", "running"),
        "cert.batch_status.finished": ("已完成", "finished"),
        "cert.batch_status.failed": ("失败", "failed"),
        "cert.started": ("开始时间", "Started"),
        "cert.by": ("操作人", "By"),
        "cert.plan": ("待签发", "To issue"),
        "cert.plan_summary": (
            "已审批 {approved} 项：已签发 {issued}，待签发 {pending}，不签发 {skipped}",
            "{approved} approved: {issued} issued, {pending} to issue, {skipped} not issued",
        ),
        "cert.skipped": ("不签发", "Not issued"),
        "cert.none": ("还没有签发证书。", "No certificates issued yet."),
        "cert.zip": ("下载全部证书（ZIP）", "Download all (ZIP)"),
        "cert.seal": ("发证机构印章", "Issuing body's seal"),
        "cert.seal_help": (
            "PNG（至少 64×64 像素，建议透明背景）或 SVG，不超过 1 MB。印章盖在证书的发证机构名称和日期上；此后签发的证书使用新印章，已签发的保留原印章。",
            "PNG (at least 64×64 pixels, a transparent background is best) or SVG, at most 1 MB. It is stamped over the issuer's name and date; certificates issued from now on carry it, those issued before keep theirs.",
        ),
        "cert.seal_none": ("尚未上传印章：证书上印“电子证书”标记。", "No seal uploaded yet: certificates show an “E-CERT” emblem."),
        "cert.seal_file": ("印章图片文件", "Seal image file"),
        "cert.seal_upload": ("上传印章", "Upload seal"),
        "cert.seal_saved": ("印章已保存", "Seal saved"),
        "cert.ledger_xlsx": ("导出晋级台账（Excel）", "Export promotion ledger (Excel)"),
        "cert.all_skills": ("全部项目", "All skills"),
        "cert.filter": ("筛选", "Filter"),
        "cert.reason.already_held": ("已获此荣誉称号，不重复授予", "Honour already held; not granted twice"),
        "cert.reason.no_change": ("已具备规则所授等级，不晋升", "Already at what the rule grants; no promotion"),
        "cert.reason.already_at_level": ("已达到或高于晋升等级（其他赛事已晋升）", "Already at or above the level (promoted by another event)"),
        "cert.reason.promoted_in_event": ("本赛事已为此人记录晋级", "Already promoted in this event"),
        "cert.reason.withdrawn": ("选手已退赛或被取消资格", "Contestant withdrawn or disqualified"),
        "cert.reason.invalid": ("证书内容无法生成：{detail}", "Certificate cannot be made: {detail}"),
        "verify.title": ("证书查验", "Verify a certificate"),
        "verify.prompt": ("输入证书编号或扫描证书上的二维码", "Enter the certificate number or scan the QR code on it"),
        "verify.submit": ("查验", "Verify"),
        "verify.genuine": ("证书真实有效", "Genuine certificate"),
        "verify.revoked": ("证书已被撤销", "This certificate has been revoked"),
        "verify.unknown": ("查无此证书：编号 {number} 没有签发记录", "No such certificate: number {number} was never issued"),
        "verify.malformed": ("证书编号格式不正确：{reason}", "Malformed certificate number: {reason}"),
        "verify.malformed_check": (
            "校验位不符，可能输错了某一位，请核对后重新输入",
            "the check character does not match: a character was probably mistyped",
        ),
        "verify.malformed_shape": ("应类似 GD2026-SZ3-A-000123-9", "it should look like GD2026-SZ3-A-000123-9"),
        "verify.privacy": ("为保护个人信息，姓名部分隐去。", "Part of the name is hidden to protect personal data."),
        "download.title": ("下载证书", "Download certificate"),
        "download.id6": ("持证人身份证号后 6 位", "Last 6 characters of the holder's ID number"),
        "download.help": (
            "证书 PDF 上印有持证人全名，下载须核对身份证号后 6 位。",
            "The PDF shows the holder's full name: enter the last 6 characters of their ID number.",
        ),
        "download.wrong_id": ("身份证号后 6 位不符", "The last 6 characters of the ID number do not match"),
        "download.too_many": ("尝试次数过多，请一小时后再试", "Too many attempts; try again in an hour"),
        "download.revoked": ("证书已撤销，不能下载", "The certificate has been revoked and cannot be downloaded"),
        "download.verify_link": ("查验此证书", "Verify this certificate"),
    }
)

#: Certificate.cert_type values and the letter each has in its number.
CERT_TYPES: dict[str, CertType] = {"award": CertType.AWARD, "honour": CertType.HONOUR, "promotion": CertType.PROMOTION}
TYPE_ORDER = {"award": 0, "honour": 1, "promotion": 2}
DEFAULT_ISSUER = "广东省人力资源和社会保障厅"
_GRADE = {1: "五级", 2: "四级", 3: "三级", 4: "二级", 5: "一级"}
_GRADE_EN = {1: "level 5", 2: "level 4", 3: "level 3", 4: "level 2", 5: "level 1"}


def level_text(level: int | None, lang: str = "zh") -> str:
    """A level as printed: ``技师（二级）``; ``None`` (holds no level) is the empty string."""
    if level is None:
        return ""
    lvl = SkillLevel(int(level))
    if lang == "en":
        return lvl.en
    grade = _GRADE.get(int(lvl))
    return f"{lvl.zh}（{grade}）" if grade else lvl.zh


def from_level_text(level: int | None, lang: str = "zh") -> str:
    """The level someone was promoted *from*: 学徒工 (0) has no 职业技能等级证书, so it reads 无 like no level."""
    if level is None or int(level) <= 0:
        return "none" if lang == "en" else "无"
    return level_text(level, lang)


def type_label(cert_type: str, lang: str = "zh") -> str:
    from kernel.i18n import t

    return t(f"cert.type.{cert_type}", lang)


def what_label(cert_type: str, code: str, data: dict[str, Any], lang: str = "zh") -> str:
    """What a certificate certifies, in words: ``一等奖``, ``广东省技术能手``, ``电工 高级工（三级）→ 技师（二级）``."""
    if cert_type == "award":
        return award_label(code, lang) if code in AWARDS else code
    if cert_type == "honour":
        label = HONOURS.get(code)
        return label.text(lang) if label else code
    to = data.get("to_level")
    frm = data.get("from_level")
    occupation = data.get("occupation") or ""
    to_text = level_text(to, lang) if to is not None else (data.get("level_to") or code)
    frm_text = from_level_text(frm, lang)
    return f"{occupation} {frm_text} → {to_text}".strip()


def pdf_dir(settings: Settings, event_id: int) -> Path:
    return settings.data_dir / "certificates" / str(event_id)


def relative_file(event_id: int, number: str) -> str:
    return f"certificates/{event_id}/{number}.pdf"


def file_path(settings: Settings, row: dict[str, Any]) -> Path | None:
    """The PDF of a certificate row if it has been written, else None."""
    if not row.get("file"):
        return None
    path = settings.data_dir / row["file"]
    return path if path.is_file() else None


def _data(row: dict[str, Any]) -> dict[str, Any]:
    data = row.get("data") or {}
    if isinstance(data, str):
        import json

        data = json.loads(data or "{}")
    return data


def certificate_json(row: dict[str, Any], settings: Settings | None = None, lang: str = "zh") -> dict[str, Any]:
    """A certificate for organisers (full name; never the ID number)."""
    data = _data(row)
    ready = bool(row.get("file")) if settings is None else file_path(settings, row) is not None
    return {
        "id": row["id"],
        "number": row["number"],
        "event_id": row["event"],
        "skill_id": row.get("skill"),
        "contestant_id": row.get("contestant"),
        "cert_type": row["cert_type"],
        "type_label": type_label(row["cert_type"], lang),
        "code": row["code"],
        "what": what_label(row["cert_type"], row["code"], data, lang),
        "holder_name": row["holder_name"],
        "skill": data.get("skill", ""),
        "group": data.get("group") or "",
        "issued_at": row["issued_at"].isoformat() if row.get("issued_at") else None,
        "issued_at_china": china_time(row.get("issued_at")),
        "revoked": row.get("revoked_at") is not None,
        "revoked_at_china": china_time(row.get("revoked_at")),
        "revoke_reason": row.get("revoke_reason") or "",
        "file_ready": ready,
        "verify_url": data.get("verify_url", ""),
        "download_url": f"/certificates/{row['number']}.pdf",
    }


_LIST_COLUMNS = (
    Certificate.id, Certificate.number, Certificate.event, Certificate.skill, Certificate.contestant, Certificate.cert_type,
    Certificate.code, Certificate.holder_name, Certificate.data, Certificate.file, Certificate.issued_at, Certificate.revoked_at,
    Certificate.revoke_reason,
)  # fmt: skip


async def list_certificates(
    event_id: int, settings: Settings, *, skill_id: int | None = None, cert_type: str | None = None, lang: str = "zh"
) -> list[dict[str, Any]]:
    query = Certificate.select(*_LIST_COLUMNS).where(Certificate.event == event_id)
    if skill_id is not None:
        query = query.where(Certificate.skill == skill_id)
    if cert_type:
        if cert_type not in CERT_TYPES:
            raise invalid("cert_type", "应为 award、honour 或 promotion", "must be award, honour or promotion")
        query = query.where(Certificate.cert_type == cert_type)
    rows = await query.order_by(Certificate.number).output(load_json=True)
    return [certificate_json(r, settings, lang) for r in rows]


async def get_certificate_row(number: str) -> dict[str, Any] | None:
    """The stored row of a certificate by its number, typed as people type it; None if unknown/malformed."""
    try:
        canonical = str(parse_number(number))
    except ValueError:
        return None
    return await Certificate.select().where(Certificate.number == canonical).output(load_json=True).first()


async def certificates_of(contestant_ids: Iterable[int], lang: str = "zh") -> dict[int, list[dict[str, Any]]]:
    """For the public results pages: each contestant's certificates, without personal data.

    ``page`` is the link target for the holder (the download page asks for the ID number's last 6
    characters); ``verify`` is the public verification page.
    """
    ids = sorted({int(c) for c in contestant_ids})
    out: dict[int, list[dict[str, Any]]] = {c: [] for c in ids}
    if not ids:
        return out
    rows = await (
        Certificate.select(
            Certificate.number, Certificate.contestant, Certificate.cert_type, Certificate.code, Certificate.data, Certificate.revoked_at
        )
        .where(Certificate.contestant.is_in(ids))
        .order_by(Certificate.number)
        .output(load_json=True)
    )
    for r in sorted(rows, key=lambda r: (TYPE_ORDER.get(r["cert_type"], 9), r["number"])):
        data = _data(r)
        out[r["contestant"]].append(
            {
                "number": r["number"],
                "cert_type": r["cert_type"],
                "type_label": {"zh": type_label(r["cert_type"], "zh"), "en": type_label(r["cert_type"], "en")},
                "what": {"zh": what_label(r["cert_type"], r["code"], data, "zh"), "en": what_label(r["cert_type"], r["code"], data, "en")},
                "revoked": r["revoked_at"] is not None,
                "page": f"/certificates/{r['number']}",
                "verify": f"/verify/{r['number']}",
            }
        )
    return out


# ---- revocation ------------------------------------------------------------------------------


async def revoke(event_id: int, number: str, reason: str, actor: audit.Actor) -> dict[str, Any]:
    """Revoke a certificate with a reason (audited). An honour it granted is no longer held."""
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason", "撤销证书须说明原因", "a revocation needs a reason")
    if len(reason) > 500:
        raise invalid("reason", "不超过 500 字", "at most 500 characters")
    async with write_transaction():
        row = await get_certificate_row(number)
        if row is None or row["event"] != event_id:
            raise not_found("certificate")
        if row["revoked_at"] is not None:
            raise BilingualError(409, "already_revoked", zh="该证书已撤销", en="The certificate is already revoked", field="number")
        now = dt.datetime.now(dt.timezone.utc)
        await Certificate.update({Certificate.revoked_at: now, Certificate.revoke_reason: reason, Certificate.revoked_by: actor.user_id}).where(
            Certificate.id == row["id"]
        )
        released = []
        if row["cert_type"] == "honour":
            # Nobody holds an honour twice; once revoked it is not held, so it may be granted again later.
            released = await HonourHeld.delete().where(HonourHeld.certificate_number == row["number"]).returning(HonourHeld.honour)
        await audit.record(
            "certificate.revoke",
            actor,
            event_id=event_id,
            target=f"certificate:{row['number']}",
            details={"number": row["number"], "cert_type": row["cert_type"], "code": row["code"], "contestant": row["contestant"],
                     "reason": reason, "honour_released": [r["honour"] for r in released]},
        )  # fmt: skip
        await changes.outcomes_changed(event_id)
        row = await Certificate.select(*_LIST_COLUMNS).where(Certificate.id == row["id"]).output(load_json=True).first()
    return certificate_json(row)


async def revoked_outcomes(event_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """What revoked certificates of these events (every event when None) had certified: rows
    ``{event, skill, contestant, kind, code}``, one query — the province no longer counts an
    outcome whose certificate was revoked."""
    where = Certificate.revoked_at.is_not_null()
    if event_ids is not None:
        ids = sorted(set(event_ids))
        if not ids:
            return []
        where &= Certificate.event.is_in(ids)
    rows = await Certificate.select(Certificate.event, Certificate.skill, Certificate.contestant, Certificate.cert_type, Certificate.code).where(
        where
    )
    return [{"event": r["event"], "skill": r["skill"], "contestant": r["contestant"], "kind": r["cert_type"], "code": r["code"]} for r in rows]


# ---- downloads -------------------------------------------------------------------------------

ID_TAIL = 6


def id_tail_matches(id_number: str, typed: str | None) -> bool:
    """Does ``typed`` equal the ID number's last 6 characters (spaces and the case of X ignored)?"""
    if not typed or not id_number:
        return False
    want = id_number.strip().upper()[-ID_TAIL:]
    got = "".join(str(typed).split()).upper()
    return len(got) == ID_TAIL and hmac.compare_digest(want.encode(), got.encode())


# ---- ZIP of an event's certificates ----------------------------------------------------------


class _Sink(io.RawIOBase):
    """A write-only, unseekable stream that hands out what was written: zipfile streams into it."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        data = bytes(b)
        self.parts.append(data)
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def _manifest(rows: list[dict[str, Any]], present: set[str]) -> bytes:
    """清单.csv: one line per certificate, through ``scoring.spreadsheet`` (names never act as formulas)."""

    def lines() -> Iterator[list[Any]]:
        yield ["证书编号", "证书类型", "姓名", "竞赛项目", "组别", "内容", "签发时间", "状态", "文件"]
        for r in rows:
            data = _data(r)
            status = "已撤销" if r["revoked_at"] is not None else "有效"
            yield [
                r["number"], type_label(r["cert_type"]), r["holder_name"], data.get("skill", ""), data.get("group") or "",
                what_label(r["cert_type"], r["code"], data), china_time(r["issued_at"]), status,
                f"{r['number']}.pdf" if r["number"] in present else "未生成",
            ]  # fmt: skip

    return csv_bytes(lines())  # with a BOM: Excel opens it as UTF-8


async def zip_contents(event_id: int, settings: Settings, *, skill_id: int | None = None) -> list[tuple[dict[str, Any], Path | None]]:
    query = Certificate.select().where(Certificate.event == event_id)
    if skill_id is not None:
        query = query.where(Certificate.skill == skill_id)
    rows = await query.order_by(Certificate.number).output(load_json=True)
    return [(r, file_path(settings, r)) for r in rows]


def zip_stream(items: list[tuple[dict[str, Any], Path | None]]) -> Iterator[bytes]:
    """The ZIP of an event's valid certificates, produced while it is sent (files read from disk).

    PDFs are already compressed, so they are stored; a ``清单.csv`` lists every certificate,
    revoked ones and those whose PDF is still being rendered included.
    """
    sink = _Sink()
    present: set[str] = set()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for row, path in items:
            if path is None or row["revoked_at"] is not None:
                continue
            try:
                zf.write(path, arcname=f"{row['number']}.pdf")
            except FileNotFoundError:
                continue
            present.add(row["number"])
            chunk = sink.take()
            if chunk:
                yield chunk
        zf.writestr("清单.csv", _manifest([r for r, _ in items], present), compress_type=zipfile.ZIP_DEFLATED)
    tail = sink.take()
    if tail:
        yield tail


async def event_code_printed(event_id: int) -> bool:
    """For events: certificate numbers contain the event code, so once one is issued it is fixed."""
    return await Certificate.exists().where(Certificate.event == event_id)


async def record_of(contestant_id: int, skill_id: int) -> list[str]:
    """For registration: certificates issued to this contestant."""
    return ["certificates"] if await Certificate.exists().where(Certificate.contestant == contestant_id) else []


async def identity_copies(contestant_id: int, record: dict[str, Any]) -> dict[str, list]:
    """For an identity correction: issued certificates keep what they print; listed for revocation."""
    rows = await Certificate.select(Certificate.number).where((Certificate.contestant == contestant_id) & Certificate.revoked_at.is_null())
    return {"certificates_issued": [c["number"] for c in rows]}


def issue_day(stored: Any, issued_at: dt.datetime | None) -> str:
    """A certificate's date of issue as a person reads it: the day in China time (``2026-12-08``),
    from the date stored with the certificate, else the moment it was issued; "" when neither."""
    when: dt.datetime | None = None
    if stored:
        try:
            when = dt.datetime.fromisoformat(str(stored))
        except ValueError:
            when = None
    when = when or issued_at
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(CHINA_TZ).date().isoformat()
