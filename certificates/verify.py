"""Public verification of a certificate by its number (what the QR code opens).

Four answers: **genuine**, **revoked**, **unknown** (a well-formed number that was never issued)
and **malformed** (the format or the check character is wrong: a typo, caught before the database
is asked). Rate-limited per client by ``COMPETITION_VERIFY_RATE`` on ``/verify`` and ``/api/verify``.

**What a genuine or revoked answer shows** is what a national certificate query (全国技能人才评价
证书查询) shows, and nothing more (:data:`PUBLIC_FIELDS`): the holder's name masked (欧**华), what
the certificate certifies — for a level certificate the occupation (职业（工种）and its code) and the
level —, the event, skill and group it came from, the issuer, the date of issue (China time), and
the status: valid (有效) or revoked (已撤销) with the date it was revoked. Never the ID number (not
even masked), the phone, the employer, the delegation, the level held before, the rank, or the
reason of a revocation (free text written by staff, which may name people or circumstances).
"""

from __future__ import annotations

from typing import Any

from certificates import service
from certificates.numbering import normalize, parse_number
from certificates.tables import Certificate
from kernel.errors import BilingualError
from kernel.extension import Extension
from kernel.i18n import china_time, register, t
from scoring.idcard import mask_name

GENUINE, REVOKED, UNKNOWN, MALFORMED = "genuine", "revoked", "unknown", "malformed"

#: Certificates issued outside an event (an annual selection round's, kind ``S``): asked with the
#: canonical number and the language when no event certificate has it; answers the same shape
#: as :func:`lookup` or None.
OTHER_ISSUERS: Extension = Extension("certificates issued outside an event")

register(
    {
        "verify.occupation": ("职业（工种）", "Occupation (trade)"),
        "verify.level": ("职业技能等级", "Skill level"),
        "verify.issued_on": ("发证日期", "Date of issue"),
        "verify.revoked_on": ("已撤销（{at}）", "Revoked ({at})"),
    }
)

#: Every field a verification answer may carry (a test holds the answers to it).
PUBLIC_FIELDS = frozenset({
    "number", "status", "valid", "message", "status_label", "holder", "cert_type", "type_label", "what", "event", "skill", "group",
    "issuer", "issued_on", "issued_at_china", "revoked_at_china", "occupation", "occupation_code", "level",
})  # fmt: skip


def malformed_reason(text: str, lang: str) -> str:
    try:
        parse_number(text)
    except ValueError as exc:
        if "check character does not match" in str(exc):
            return t("verify.malformed_check", lang)
        return t("verify.malformed_shape", lang)
    return ""


def _typed(text: str) -> str:
    try:
        return normalize(text)[:64]
    except ValueError:
        return ""


async def lookup(number: str, lang: str = "zh") -> dict[str, Any]:
    """The verification answer as data: ``status`` is genuine, revoked, unknown or malformed."""
    try:
        canonical = str(parse_number(number))
    except ValueError:
        reason = malformed_reason(number, lang)
        return {"number": _typed(number), "status": MALFORMED, "valid": False, "message": t("verify.malformed", lang, reason=reason)}
    row = await Certificate.select(
        Certificate.number, Certificate.event, Certificate.cert_type, Certificate.code, Certificate.holder_name, Certificate.data,
        Certificate.issued_at, Certificate.revoked_at, Certificate.event.name.as_alias("event_name"),
    ).where(Certificate.number == canonical).output(load_json=True).first()  # fmt: skip
    if row is None:
        for other in OTHER_ISSUERS:
            found = await other(canonical, lang)
            if found is not None:
                return found
        return {"number": canonical, "status": UNKNOWN, "valid": False, "message": t("verify.unknown", lang, number=canonical)}
    data = service._data(row)
    revoked = row["revoked_at"] is not None
    out: dict[str, Any] = {
        "number": canonical,
        "status": REVOKED if revoked else GENUINE,
        "valid": not revoked,
        "message": t("verify.revoked" if revoked else "verify.genuine", lang),
        "status_label": t("cert.revoked" if revoked else "cert.valid", lang),
        "holder": mask_name(row["holder_name"]),
        "cert_type": row["cert_type"],
        "type_label": service.type_label(row["cert_type"], lang),
        "what": service.what_label(row["cert_type"], row["code"], data, lang),
        "event": data.get("event_name") or row["event_name"],
        "skill": data.get("skill", ""),
        "group": data.get("group") or "",
        "issuer": data.get("issuer", ""),
        "issued_on": service.issue_day(data.get("issue_date"), row["issued_at"]),
        "issued_at_china": china_time(row["issued_at"]),
        "revoked_at_china": china_time(row["revoked_at"]) if revoked else None,
    }
    if row["cert_type"] == "promotion":
        out["occupation"] = data.get("occupation", "")
        out["occupation_code"] = data.get("occupation_code") or ""
        out["level"] = service.level_text(data.get("to_level"), lang) if data.get("to_level") is not None else data.get("level_to", "")
        out["what"] = " ".join(x for x in (out["occupation"], out["level"]) if x)  # the level held, not the step up to it
    return out


async def verify_or_raise(number: str, lang: str = "zh") -> dict[str, Any]:
    """For the API: genuine and revoked answer 200; unknown is 404 and malformed 422 (``field: number``)."""
    result = await lookup(number, lang)
    if result["status"] == MALFORMED:
        other = "en" if lang == "zh" else "zh"
        texts = {lang: result["message"], other: t("verify.malformed", other, reason=malformed_reason(number, other))}
        raise BilingualError(422, "certificate_malformed", zh=texts["zh"], en=texts["en"], field="number", extra={"number": result["number"]})
    if result["status"] == UNKNOWN:
        raise BilingualError(
            404, "certificate_unknown", zh=t("verify.unknown", "zh", number=result["number"]), en=t("verify.unknown", "en", number=result["number"]),
            field="number", extra={"number": result["number"]},
        )  # fmt: skip
    return result
