"""Public verification of a certificate by its number (what the QR code opens).

Four answers: **genuine** (with whom — name partly masked —, what, which event and skill, when
issued in China time, by whom), **revoked** (the same plus when and why), **unknown** (a
well-formed number that was never issued) and **malformed** (the format or the check character
is wrong: a typo, caught before the database is asked). Never the ID number, never the full name.
Rate-limited per client by ``COMPETITION_VERIFY_RATE`` on ``/verify`` and ``/api/verify``.
"""

from __future__ import annotations

from typing import Any

from certificates import service
from certificates.numbering import normalize, parse_number
from certificates.tables import Certificate
from kernel.errors import BilingualError
from kernel.extension import Extension
from kernel.i18n import china_time, t
from scoring.idcard import mask_name

GENUINE, REVOKED, UNKNOWN, MALFORMED = "genuine", "revoked", "unknown", "malformed"

#: Certificates issued outside an event (an annual selection round's, kind ``S``): asked with the
#: canonical number and the language when no event certificate has it; answers the same shape
#: as :func:`lookup` or None.
OTHER_ISSUERS: Extension = Extension("certificates issued outside an event")


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
        Certificate.issued_at, Certificate.revoked_at, Certificate.revoke_reason, Certificate.event.name.as_alias("event_name"),
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
        "holder": mask_name(row["holder_name"]),
        "cert_type": row["cert_type"],
        "type_label": service.type_label(row["cert_type"], lang),
        "what": service.what_label(row["cert_type"], row["code"], data, lang),
        "code": row["code"],
        "event": data.get("event_name") or row["event_name"],
        "skill": data.get("skill", ""),
        "group": data.get("group") or "",
        "issuer": data.get("issuer", ""),
        "issued_on": data.get("issue_date", ""),
        "issued_at_china": china_time(row["issued_at"]),
        "revoked_at_china": china_time(row["revoked_at"]) if revoked else None,
        "revoke_reason": row["revoke_reason"] if revoked else None,
    }
    if row["cert_type"] == "promotion":
        out["occupation"] = data.get("occupation", "")
        out["level_from"] = service.from_level_text(data.get("from_level"), lang)
        out["level_to"] = service.level_text(data.get("to_level"), lang) if data.get("to_level") is not None else data.get("level_to", "")
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
