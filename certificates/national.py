"""The national skills-evaluation record (职业技能等级证书 / 竞赛晋级 record): level certificates sent in batches.

An event's level-promotion certificates (``Certificate.cert_type == "promotion"``, issued by
:mod:`certificates.issuance`) go to the national record in the fields it uses (:data:`COLUMNS`):
证书编号 under the national numbering rule, 证件类型 and 证件号码, 姓名, 职业编码 and 职业（工种）名称,
职业技能等级, 评价机构 (the event's host, 承办单位), 发证日期, 评价方式 (竞赛晋级) and the competition.

**The national numbering rule** implemented (:func:`national_number`) is 人力资源社会保障部's
《职业技能等级证书编码规则（试行）》 (2020): 22 characters, one capital letter and 21 digits, in seven parts:

=========  ====================================================  =========================================
positions  part                                                  coded by
=========  ====================================================  =========================================
1          评价机构类别代码: ``Y`` 用人单位, ``S`` 社会培训评价组织      人社部门 (the filing)
2–5        评价机构代码: 0001–9999 when filed with 人社部, ``0000``   人社部门
           when filed with the provincial 人社厅
6–7        评价机构（站点）所在地省级代码 (``44`` 广东)                人社部门
8–13       评价机构（站点）序列码, given by the provincial 人社厅        人社部门
14–15      证书核发年份代码: the last two digits of the year          the evaluating body
16         职业技能等级代码: 1 一级/高级技师, 2 二级/技师, 3 三级/高级工,  the evaluating body
           4 四级/中级工, 5 五级/初级工
17–22      证书序列码: 000001–999999, by year and level                the evaluating body
=========  ====================================================  =========================================

Example from the rule: ``Y000123XXXXXX195000001`` (an employer filed with 人社部 as 0001, in
Heilongjiang (23), site XXXXXX, issued 2019, level 5, first certificate). Sources read: the rule's
text as republished at http://www.jmdrkj.cn/209234.html (结构, 代码及释义, 示例1) and, for the same
seven parts in the later 特级技师 variant, https://max.book118.com/html/2023/0227/8016057074005041.shtm.
The first four parts come from the event's evaluating-body filing (:class:`NationalRecordBody`,
set on the export page); the sequence continues after the highest one already *sent* with the
same first 16 characters, so a number is fixed when its row is sent and never handed out twice
(sending is serialised: ``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL). Levels
outside 一级–五级 (特级技师, 首席技师) have no code in this rule; such a row is reported incomplete.

**Batches.** :func:`pending` builds the rows not yet sent: a certificate never sent (revision 0,
记录类型 新增) and a certificate whose fields changed since it was last sent (one row, 记录类型
更正, the same 证书编号, the next revision); a certificate revoked after sending goes as a correction
with 证书状态 已注销, one revoked before sending not at all. It checks every row is complete (a
row/column report in words) and fingerprints the rows (``token``). The file of those rows
(.xlsx or CSV) is the batch; :func:`send` marks it sent only if every row is complete and the
rows are still the ones downloaded (same token), and stores each row as sent
(``NationalRecordRow``): a row is never sent twice. Sent batches can be downloaded again as sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from certificates import service
from certificates.tables import Certificate, NationalRecordBatch, NationalRecordBody, NationalRecordRow, PromotionLedger
from kernel import audit
from kernel.db import current_engine, write_transaction
from kernel.errors import BilingualError, invalid, not_found
from kernel.i18n import china_time, register, t
from kernel.tables import Event
from scoring import codelists
from scoring.idcard import PROVINCES, is_valid_id, mask_id
from scoring.identity import DEFAULT_TYPE, DOC_TYPES, document_problem
from scoring.spreadsheet import Book, Style, csv_bytes

__all__ = ["COLUMNS", "batch_file", "get_body", "level_code", "list_batches", "national_number", "pending", "pending_file", "send", "set_body"]

#: The record's columns: key, Chinese header (the file's), English label (the page's).
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("record_type", "记录类型", "Record type"),
    ("national_number", "证书编号", "Certificate number"),
    ("document_type", "证件类型", "Document type"),
    ("document_number", "证件号码", "Document number"),
    ("name", "姓名", "Name"),
    ("occupation_code", "职业编码", "Occupation code"),
    ("occupation", "职业（工种）名称", "Occupation (trade)"),
    ("level", "职业技能等级", "Skill level"),
    ("body", "评价机构", "Evaluating body"),
    ("issue_date", "发证日期", "Date of issue"),
    ("basis", "评价方式", "Basis"),
    ("competition", "竞赛名称", "Competition"),
    ("status", "证书状态", "Certificate status"),
    ("local_number", "本系统证书编号", "Number in this system"),
)
KEYS = tuple(k for k, _, _ in COLUMNS)
_LABEL = {k: (zh, en) for k, zh, en in COLUMNS}
_WIDTHS = [10, 24, 12, 21, 10, 12, 18, 16, 28, 12, 10, 30, 10, 26]
NEW, CORRECTION = "新增", "更正"
VALID, REVOKED = "有效", "已注销"
BASIS = "竞赛晋级"
RESIDENT_ID = "居民身份证"
NUMBER_LENGTH = 22
MAX_SEQ = 999_999
_NUMBER_RE = re.compile(r"[YS]\d{21}")
_LOCK = 0x6E617472  # "natr": the PostgreSQL advisory lock serialising sends

register(
    {
        "thing.national_batch": ("上报批次", "batch sent to the national record"),
        "natrec.title": ("全国技能人才评价记录上报", "National skills-evaluation record"),
        "natrec.link": ("全国评价记录上报", "National record"),
        "natrec.intro": (
            "本赛事的职业技能等级证书（竞赛晋级）按全国技能人才评价记录的字段导出。每行只上报一次；上报后内容有变的证书作为一行“更正”上报。",
            "This event's skill-level certificates (promotion through the competition) in the fields of the national skills-evaluation "
            "record. Each row is sent once; a certificate that changes after it was sent goes as one correction row.",
        ),
        "natrec.body": ("评价机构备案代码", "Evaluating body's filing codes"),
        "natrec.body_help": (
            "证书编号按人社部《职业技能等级证书编码规则（试行）》生成：类别代码 + 机构代码 + 省级代码 + 站点序列码 + 年份 + 等级代码 + 序列码，共 22 位。",
            "Certificate numbers follow the national numbering rule (职业技能等级证书编码规则（试行）): category, body code, "
            "province, site, year, level code and sequence, 22 characters.",
        ),
        "natrec.category": ("评价机构类别", "Body category"),
        "natrec.category.Y": ("Y 用人单位", "Y employer"),
        "natrec.category.S": ("S 社会培训评价组织", "S training and evaluation organisation"),
        "natrec.body_code": ("评价机构代码（4 位；向省人社厅备案的填 0000）", "Body code (4 digits; 0000 when filed with the province)"),
        "natrec.province": ("省级代码（2 位）", "Province code (2 digits)"),
        "natrec.site_code": ("站点序列码（6 位，省人社厅赋码）", "Site code (6 digits, given by the provincial department)"),
        "natrec.save_body": ("保存备案代码", "Save the codes"),
        "natrec.pending": ("待上报", "To send"),
        "natrec.pending_count": (
            "待上报 {rows} 行（新增 {new}，更正 {corrections}）",
            "{rows} row(s) to send ({new} new, {corrections} corrections)",
        ),
        "natrec.nothing": ("没有待上报的记录", "Nothing to send"),
        "natrec.complete": ("每一行都已填全，可以上报", "Every row is complete: ready to send"),
        "natrec.incomplete": (
            "以下内容缺失或有误，补全后才能标记为已上报：",
            "Missing or wrong, to be fixed before the batch can be marked as sent:",
        ),
        "natrec.download_xlsx": ("下载本批 .xlsx", "Download this batch (.xlsx)"),
        "natrec.download_csv": ("下载本批 CSV", "Download this batch (CSV)"),
        "natrec.mark_sent": ("标记为已上报", "Mark as sent"),
        "natrec.batches": ("已上报批次", "Batches sent"),
        "natrec.batch": ("批次", "Batch"),
        "natrec.sent_at": ("上报时间", "Sent"),
        "natrec.sent_by": ("上报人", "Sent by"),
        "natrec.rows": ("行数", "Rows"),
        "natrec.corrections": ("更正", "Corrections"),
        "natrec.no_batches": ("尚未上报", "Nothing sent yet"),
        "natrec.problem.row": ("第 {row} 行（{name}）「{column}」：{reason}", "Row {row} ({name}), {column}: {reason}"),
        "natrec.reason.missing": ("缺少", "missing"),
        "natrec.reason.no_body": (
            "评价机构备案代码未填写（在本页“评价机构备案代码”中填写）",
            "the evaluating body's filing codes are not set (fill them in on this page)",
        ),
        "natrec.reason.no_level_code": (
            "等级“{level}”在编码规则中没有等级代码（只有一级至五级）",
            "the level {level} has no code in the numbering rule (only levels 1 to 5)",
        ),
        "natrec.reason.seq_full": ("该年份和等级的证书序列码已用完（999999）", "the sequence for this year and level is used up (999999)"),
        "natrec.reason.document": (
            "证件号码不符合其证件类型的规则，无法确定证件类型",
            "the document number does not pass its document type's rules, so the document type is unknown",
        ),
        "natrec.reason.no_host": ("赛事未填写承办单位（在赛事设置中填写）", "the event has no host body (set it in the event's settings)"),
        "natrec.reason.occupation_code": (
            "“{code}”不是职业分类大典的编码格式（如 6-31-01-03）",
            "{code} is not an occupation code of the national classification (like 6-31-01-03)",
        ),
        "natrec.incomplete_error": (
            "本批有 {count} 处缺失或有误，不能标记为已上报：{first}",
            "{count} problem(s) in this batch, it cannot be marked as sent: {first}",
        ),
        "natrec.changed": (
            "待上报的记录在下载后有变化，请重新下载本批并核对后再标记为已上报",
            "the rows to send changed since this batch was downloaded: download it again and check it before marking it as sent",
        ),
        "natrec.empty": ("没有待上报的记录", "there is nothing to send"),
        "natrec.sent": ("已标记为已上报：批次 {batch}，{rows} 行", "Marked as sent: batch {batch}, {rows} row(s)"),
        "field.category": ("评价机构类别", "body category"),
        "field.body_code": ("评价机构代码", "body code"),
        "field.province": ("省级代码", "province code"),
        "field.site_code": ("站点序列码", "site code"),
        "field.token": ("批次校验码", "batch check code"),
    }
)


# ---- the numbering rule (pure) ---------------------------------------------------------------


@dataclass(frozen=True)
class Body:
    """The evaluating body's filing: the first four parts of every number it issues."""

    category: str = ""
    body_code: str = ""
    province: str = "44"
    site_code: str = ""

    @property
    def complete(self) -> bool:
        return bool(
            self.category in ("Y", "S")
            and re.fullmatch(r"\d{4}", self.body_code)
            and re.fullmatch(r"\d{2}", self.province)
            and re.fullmatch(r"\d{6}", self.site_code)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "body_code": self.body_code,
            "province": self.province,
            "site_code": self.site_code,
            "complete": self.complete,
        }


def level_code(level: int | None) -> int | None:
    """The rule's 职业技能等级代码: 1 一级/高级技师 … 5 五级/初级工 (``SkillLevel`` 5 … 1); None otherwise."""
    if level is None or not 1 <= int(level) <= 5:
        return None
    return 6 - int(level)


def number_prefix(body: Body, year: int, level: int) -> str | None:
    """The first 16 characters (everything but the sequence), or None when they cannot be made."""
    code = level_code(level)
    if not body.complete or code is None or not 2000 <= year <= 2099:
        return None
    return f"{body.category}{body.body_code}{body.province}{body.site_code}{year % 100:02d}{code}"


def national_number(body: Body, year: int, level: int, seq: int) -> str:
    """The 22-character number, e.g. ``national_number(Body("Y", "0001", "23", "000001"), 2019, 1, 1)``
    → ``Y000123000001195000001``. ValueError when a part is missing or out of range."""
    prefix = number_prefix(body, year, level)
    if prefix is None:
        raise ValueError(f"cannot number: body {body}, year {year}, level {level}")
    if not 1 <= seq <= MAX_SEQ:
        raise ValueError(f"sequence {seq} must be 1-{MAX_SEQ}")
    return f"{prefix}{seq:06d}"


def is_national_number(text: str) -> bool:
    return bool(_NUMBER_RE.fullmatch(text or "")) and 1 <= int(text[15]) <= 5


# ---- the evaluating body ---------------------------------------------------------------------


async def get_body(event_id: int) -> Body:
    row = await NationalRecordBody.select().where(NationalRecordBody.event == event_id).first()
    if row is None:
        return Body()
    return Body(row["category"], row["body_code"], row["province"], row["site_code"])


async def _event(event_id: int) -> dict[str, Any]:
    row = await Event.select(Event.id, Event.name, Event.code, Event.host).where(Event.id == event_id).first()
    if row is None:
        raise not_found("event")
    return row


async def set_body(event_id: int, data: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    """Store the event's evaluating-body codes (each checked, the field named on a mistake)."""
    await _event(event_id)
    body = Body(
        str(data.get("category") or "").strip().upper(),
        str(data.get("body_code") or "").strip(),
        str(data.get("province") or "44").strip(),
        str(data.get("site_code") or "").strip(),
    )
    if body.category not in ("Y", "S"):
        raise invalid("category", "须为 Y（用人单位）或 S（社会培训评价组织）", "must be Y (employer) or S (training and evaluation organisation)")
    if not re.fullmatch(r"\d{4}", body.body_code):
        raise invalid("body_code", "须为 4 位数字（向省人社厅备案的填 0000）", "must be 4 digits (0000 when filed with the province)")
    if body.province not in PROVINCES:
        raise invalid("province", "须为 2 位省级行政区划代码（广东为 44）", "must be a 2-digit province code (44 for Guangdong)")
    if not re.fullmatch(r"\d{6}", body.site_code):
        raise invalid("site_code", "须为 6 位数字（由省人社厅赋码）", "must be 6 digits (given by the provincial department)")
    values = {"category": body.category, "body_code": body.body_code, "province": body.province, "site_code": body.site_code}
    B = NationalRecordBody
    async with write_transaction():
        if await B.exists().where(B.event == event_id):
            await B.update({**values, B.updated_at: dt.datetime.now(dt.timezone.utc), B.updated_by: actor.user_id}).where(B.event == event_id)
        else:
            await B.insert(B(event=event_id, updated_by=actor.user_id, **values))
        await audit.record("national_record.body", actor, event_id=event_id, target=f"event:{event_id}", details=values)
    return body.to_dict()


# ---- rows ------------------------------------------------------------------------------------


def _fingerprint(fields: dict[str, Any]) -> str:
    payload = {k: fields.get(k, "") for k in KEYS if k != "record_type"}
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _document_type(id_type: str, number: str) -> str:
    """证件类型 as the record names it, from the holder's document (the promotion ledger keeps its
    type): empty — reported as incomplete — when the number does not pass its type's rules."""
    doc = DOC_TYPES.get(id_type)
    if doc is None or not number:
        return ""
    if id_type == DEFAULT_TYPE:
        return RESIDENT_ID if is_valid_id(number) else ""
    return doc.label.zh if document_problem(id_type, number) is None else ""


def _current_fields(r: dict[str, Any]) -> dict[str, Any]:
    """A certificate's row as it stands now, without its number (filled in by the caller)."""
    data = r["data"] if isinstance(r["data"], dict) else json.loads(r["data"] or "{}")
    code = (r.get("s_code") or data.get("occupation_code") or "").strip()
    known = codelists.occupation(code) if code else None
    to_level = data.get("to_level")
    id_number = (r["id_number"] or "").strip().upper()
    return {
        "record_type": NEW,
        "national_number": "",
        "document_type": _document_type(r.get("id_type") or DEFAULT_TYPE, id_number),
        "document_number": id_number,
        "name": (r["holder_name"] or "").strip(),
        "occupation_code": code,
        "occupation": known.zh if known else (data.get("occupation") or r.get("s_name") or ""),
        "level": service.level_text(to_level) if to_level is not None else "",
        "body": (r.get("e_host") or "").strip(),
        "issue_date": service.issue_day(data.get("issue_date"), r.get("issued_at")),
        "basis": BASIS,
        "competition": (r.get("e_name") or data.get("event_name") or "").strip(),
        "status": REVOKED if r.get("revoked_at") is not None else VALID,
        "local_number": r["number"],
        "_level": to_level,
        "_year": int(service.issue_day(data.get("issue_date"), r.get("issued_at"))[:4] or 0),
    }


def _problems(rows: Sequence[dict[str, Any]], body: Body, lang: str) -> list[dict[str, Any]]:
    """Every missing or wrong cell: the file's row number (the header is row 1), the column, the reason."""
    out: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        f = row["fields"]

        def add(key: str, reason: str, **kw: Any) -> None:
            zh_col, en_col = _LABEL[key]
            texts = {lang_: t(f"natrec.reason.{reason}", lang_, **kw) for lang_ in ("zh", "en")}
            out.append({
                "row": i + 2, "column": key, "column_label": zh_col if lang == "zh" else en_col, "reason": reason,
                "message": t("natrec.problem.row", lang, row=i + 2, name=f["name"] or "—", column=zh_col if lang == "zh" else en_col,
                             reason=texts[lang]),
            })  # fmt: skip

        if not f["national_number"]:
            if not body.complete and not row["correction"]:
                add("national_number", "no_body")
            elif level_code(f.get("_level")) is None:
                add("national_number", "no_level_code", level=f["level"] or "—")
            elif row.get("seq_full"):
                add("national_number", "seq_full")
            else:
                add("national_number", "missing")
        if not f["document_type"]:
            add("document_type", "document")
        for key in ("document_number", "name", "occupation", "level", "issue_date", "competition"):
            if not f[key]:
                add(key, "missing")
        if not f["occupation_code"]:
            add("occupation_code", "missing")
        elif not codelists.OCCUPATION_CODE.match(f["occupation_code"]):
            add("occupation_code", "occupation_code", code=f["occupation_code"])
        if not f["body"]:
            add("body", "no_host")
    return out


async def _rows(event_id: int) -> tuple[dict[str, Any], Body, list[dict[str, Any]]]:
    """The rows to send now (not yet sent, or changed since), in certificate-number order."""
    event = await _event(event_id)
    body = await get_body(event_id)
    C = Certificate
    certs = await C.select(
        C.id, C.number, C.holder_name, C.id_number, C.data, C.issued_at, C.revoked_at,
        C.skill.name.as_alias("s_name"), C.skill.occupation_code.as_alias("s_code"),
        C.event.name.as_alias("e_name"), C.event.host.as_alias("e_host"),
    ).where((C.event == event_id) & (C.cert_type == "promotion")).order_by(C.number)  # fmt: skip
    # The holder's document type, from the promotion ledger entry the certificate records.
    kinds = {
        x["certificate_number"]: x["id_type"]
        for x in await PromotionLedger.select(PromotionLedger.certificate_number, PromotionLedger.id_type).where(
            PromotionLedger.certificate_number.is_in([c["number"] for c in certs] or [""])
        )
    }
    for c in certs:
        c["id_type"] = kinds.get(c["number"], DEFAULT_TYPE)
    R = NationalRecordRow
    sent_rows = await R.select(R.certificate, R.national_number, R.revision, R.fingerprint).where(R.event == event_id)
    last: dict[int, dict[str, Any]] = {}
    for s in sent_rows:
        if s["certificate"] not in last or s["revision"] > last[s["certificate"]]["revision"]:
            last[s["certificate"]] = s
    rows: list[dict[str, Any]] = []
    for c in certs:
        fields = _current_fields(c)
        before = last.get(c["id"])
        if before is None:
            if fields["status"] == REVOKED:
                continue  # revoked before it was ever sent: nothing to record
            rows.append({"certificate_id": c["id"], "revision": 0, "correction": False, "fields": fields})
            continue
        fields["national_number"] = before["national_number"]
        fields["record_type"] = CORRECTION
        if _fingerprint(fields) != before["fingerprint"]:
            rows.append({"certificate_id": c["id"], "revision": before["revision"] + 1, "correction": True, "fields": fields})
    await _number_new(rows, body)
    return event, body, rows


async def _number_new(rows: list[dict[str, Any]], body: Body) -> None:
    """Numbers for rows never sent: each prefix's sequence continues after the highest sent one."""
    by_prefix: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["correction"]:
            continue
        f = row["fields"]
        prefix = number_prefix(body, f["_year"], f["_level"]) if f["_level"] is not None else None
        if prefix is not None:
            by_prefix.setdefault(prefix, []).append(row)
    for prefix, items in by_prefix.items():
        R = NationalRecordRow
        taken = await R.select(R.national_number).where(R.national_number.like(prefix + "%") & (R.revision == 0))
        seq = max((int(x["national_number"][16:]) for x in taken), default=0)
        for row in items:
            seq += 1
            if seq > MAX_SEQ:
                row["seq_full"] = True
            else:
                row["fields"]["national_number"] = f"{prefix}{seq:06d}"


def _token(rows: Sequence[dict[str, Any]]) -> str:
    payload = [[r["certificate_id"], r["revision"], {k: r["fields"][k] for k in KEYS}] for r in rows]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _public(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: fields[k] for k in KEYS}


def _masked(fields: dict[str, Any]) -> dict[str, Any]:
    out = _public(fields)
    out["document_number"] = mask_id(out["document_number"]) if out["document_number"] else ""
    return out


async def pending(event_id: int, lang: str = "zh") -> dict[str, Any]:
    """What the next batch holds (document numbers masked), its completeness report and its token."""
    _, body, rows = await _rows(event_id)
    problems = _problems(rows, body, lang)
    return {
        "body": body.to_dict(),
        "columns": [{"key": k, "zh": zh, "en": en, "label": zh if lang == "zh" else en} for k, zh, en in COLUMNS],
        "rows": [
            {"row": i + 2, "certificate_id": r["certificate_id"], "revision": r["revision"], "correction": r["correction"], **_masked(r["fields"])}
            for i, r in enumerate(rows)
        ],
        "count": len(rows),
        "new": sum(1 for r in rows if not r["correction"]),
        "corrections": sum(1 for r in rows if r["correction"]),
        "complete": not problems,
        "problems": problems,
        "token": _token(rows),
    }


def _file(rows: Sequence[dict[str, Any]], fmt: str) -> bytes:
    table = [[str(r.get(k, "") or "") for k in KEYS] for r in rows]
    header = [zh for _, zh, _ in COLUMNS]
    if fmt == "csv":
        return csv_bytes([header, *table])
    book = Book()
    ws = book.sheet("职业技能等级证书", widths=_WIDTHS, freeze="A2")
    ws.append(header, Style(bold=True, text=True))
    text = Style(text=True)
    for values in table:
        ws.append(values, text)
    return book.save()


def _check_format(fmt: str) -> str:
    if fmt not in ("xlsx", "csv"):
        raise invalid("format", "须为 xlsx 或 csv", "must be xlsx or csv")
    return fmt


async def pending_file(event_id: int, fmt: str, actor: audit.Actor) -> tuple[bytes, str]:
    """The next batch as a file (full document numbers: the download is audited) and its token."""
    _check_format(fmt)
    _, _, rows = await _rows(event_id)
    token = _token(rows)
    async with write_transaction():
        await audit.record("national_record.download", actor, event_id=event_id, target=f"event:{event_id}",
                           details={"rows": len(rows), "format": fmt, "token": token, "batch": "pending"})  # fmt: skip
    return _file([r["fields"] for r in rows], fmt), token


async def send(event_id: int, token: str, actor: audit.Actor, lang: str = "zh") -> dict[str, Any]:
    """Mark the next batch as sent: refused (422, the row/column report in ``detail.problems``) while
    a row is incomplete, (409) when nothing is to send or the rows differ from ``token``'s."""
    async with write_transaction():
        if isinstance(current_engine(), PostgresEngine):
            await NationalRecordRow.raw("SELECT pg_advisory_xact_lock({})", _LOCK)
        event, body, rows = await _rows(event_id)
        if not rows:
            raise BilingualError(409, "national_record_empty", zh=t("natrec.empty", "zh"), en=t("natrec.empty", "en"))
        problems = {lang_: _problems(rows, body, lang_) for lang_ in ("zh", "en")}
        if problems["zh"]:
            texts = {
                lang_: t("natrec.incomplete_error", lang_, count=len(problems[lang_]), first=problems[lang_][0]["message"]) for lang_ in ("zh", "en")
            }
            raise BilingualError(422, "national_record_incomplete", zh=texts["zh"], en=texts["en"], field="rows",
                                 extra={"problems": problems.get(lang, problems["zh"])})  # fmt: skip
        if (token or "").strip() != _token(rows):
            raise BilingualError(409, "national_record_changed", zh=t("natrec.changed", "zh"), en=t("natrec.changed", "en"), field="token")
        corrections = sum(1 for r in rows if r["correction"])
        B = NationalRecordBatch
        batch_id = (await B.insert(B(event=event_id, rows=len(rows), corrections=corrections, token=token, sent_by=actor.user_id)).returning(B.id))[
            0
        ]["id"]
        R = NationalRecordRow
        await R.insert(*[
            R(batch=batch_id, event=event_id, certificate=r["certificate_id"], national_number=r["fields"]["national_number"],
              revision=r["revision"], correction=r["correction"], fields=_public(r["fields"]), fingerprint=_fingerprint(r["fields"]))
            for r in rows
        ])  # fmt: skip
        await audit.record("national_record.send", actor, event_id=event_id, target=f"national_batch:{batch_id}", details={
            "rows": len(rows), "corrections": corrections, "token": token,
            "numbers": [r["fields"]["national_number"] for r in rows]})  # fmt: skip
    return {"batch_id": batch_id, "rows": len(rows), "corrections": corrections, "message": t("natrec.sent", lang, batch=batch_id, rows=len(rows))}


async def list_batches(event_id: int) -> list[dict[str, Any]]:
    B = NationalRecordBatch
    rows = await B.select(B.all_columns(), B.sent_by.display_name.as_alias("sender")).where(B.event == event_id).order_by(B.id, ascending=False)
    return [
        {
            "id": r["id"],
            "rows": r["rows"],
            "corrections": r["corrections"],
            "sent_at_china": china_time(r["sent_at"]),
            "sent_by": r.get("sender") or "",
        }
        for r in rows
    ]


async def batch_rows(event_id: int, batch_id: int, *, masked: bool = True) -> list[dict[str, Any]]:
    R = NationalRecordRow
    if not await NationalRecordBatch.exists().where((NationalRecordBatch.id == batch_id) & (NationalRecordBatch.event == event_id)):
        raise not_found("national_batch")
    rows = await R.select(R.fields).where(R.batch == batch_id).order_by(R.id).output(load_json=True)
    return [(_masked if masked else _public)({k: r["fields"].get(k, "") for k in KEYS}) for r in rows]


async def batch_file(event_id: int, batch_id: int, fmt: str, actor: audit.Actor) -> bytes:
    """A sent batch's file, exactly as sent (audited: full document numbers)."""
    _check_format(fmt)
    rows = await batch_rows(event_id, batch_id, masked=False)
    async with write_transaction():
        await audit.record("national_record.download", actor, event_id=event_id, target=f"national_batch:{batch_id}",
                           details={"rows": len(rows), "format": fmt, "batch": batch_id})  # fmt: skip
    return _file(rows, fmt)
