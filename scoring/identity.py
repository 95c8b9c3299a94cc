"""Identity documents (证件): which kinds a contestant may register with, each with its own rules.

Document types are data (``DOC_TYPES``); every check names what is wrong (length, characters,
prefix, birth date, checksum, nationality) in Chinese and English. The rules, with their sources:

- ``id_card`` 居民身份证: GB 11643-1999, see ``scoring.idcard`` (18 characters, region, birth date,
  ISO 7064 MOD 11-2 check character); sex and birth date are carried by the number.
- ``residence_permit`` 港澳台居民居住证: 《港澳台居民居住证申领发放办法》(国务院办公厅 2018) gives the
  holder a 公民身份号码 built as GB 11643-1999 with the address code 810000 (香港), 820000 (澳门) or
  830000 (台湾): 18 characters, same birth-date and order codes, same check character.
- ``hk_macau_permit`` 港澳居民来往内地通行证: 公安部《港澳居民来往内地通行证号码规则》(2010): a letter H
  (香港) or M (澳门), the holder's 8-digit lifelong number and, on the older card (1999 form), 2
  digits counting renewals (11 characters); the 2013 electronic card prints H/M + 8 digits (9).
- ``taiwan_permit`` 台湾居民来往大陆通行证: since 25 September 2008 "一人一号、终身不变", 8 digits (the
  lifelong number); the older form adds 2 digits for the issue count (10 digits).
- ``passport`` 护照 (foreign participants): ICAO Doc 9303 allows up to 9 characters in the MRZ but
  national numbers vary, so 5–20 letters or digits, plus the nationality as an ISO 3166-1 alpha-3 code
  (the list below is iso-codes 4.15's ISO 3166-1, 249 codes).

Permits and passports carry neither sex nor birth date in their number: those are entered, and
required. A person is the same person across events by ``person_key(type, number)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from scoring.idcard import (
    CHECK_CHARS,
    WEIGHTS,
    CheckError,
    IdCardError,
    Message,
    birth_date_problem,
    id_error_message,
    id_problem,
    normalise_id,
    parse_id,
)

__all__ = [
    "DEFAULT_TYPE", "DOC_TYPES", "age_on", "DocType", "Document", "DocumentError", "ISO3166_ALPHA3", "doc_type_of",
    "document_error_message", "document_problem", "nationality_problem", "normalise_number", "normalise_ref", "parse_document", "person_key", "person_ref", "unknown_type_message",
]  # fmt: skip

DEFAULT_TYPE = "id_card"


@dataclass(frozen=True, slots=True)
class DocType:
    code: str
    label: Message
    #: does the number carry sex and birth date (so they are derived, and an entered one must agree)?
    carries_birth: bool
    #: does the holder give a nationality (ISO 3166-1 alpha-3)?
    needs_nationality: bool
    #: other words people write for it (in a sheet's 证件类型 column)
    aliases: tuple[str, ...] = ()


DOC_TYPES: dict[str, DocType] = {
    "id_card": DocType("id_card", Message("居民身份证", "Resident ID card"), True, False,
                       ("身份证", "居民身份证", "二代身份证", "大陆身份证", "id card", "resident id", "resident id card", "idcard")),
    "residence_permit": DocType("residence_permit", Message("港澳台居民居住证", "Residence permit for HK, Macao and Taiwan residents"), True, False,
                                ("居住证", "港澳台居住证", "港澳台居民居住证", "港澳居民居住证", "台湾居民居住证", "residence permit")),
    "hk_macau_permit": DocType("hk_macau_permit", Message("港澳居民来往内地通行证", "Mainland travel permit for HK and Macao residents"), False, False,
                               ("港澳居民来往内地通行证", "回乡证", "港澳通行证", "来往内地通行证", "home return permit", "hk macao permit", "hk macau permit")),
    "taiwan_permit": DocType("taiwan_permit", Message("台湾居民来往大陆通行证", "Mainland travel permit for Taiwan residents"), False, False,
                             ("台湾居民来往大陆通行证", "台胞证", "台湾通行证", "来往大陆通行证", "taiwan permit", "mtp")),
    "passport": DocType("passport", Message("护照", "Passport"), False, True, ("护照", "外国护照", "passport")),
}  # fmt: skip

ISO3166_ALPHA3: frozenset[str] = frozenset(
    """
ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA BGD BGR BHR
BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN CIV CMR COD COG COK COL
COM CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU EGY ERI ESH ESP EST ETH FIN FJI FLK
FRA FRO FSM GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM GUY HKG HMD HND HRV
HTI HUN IDN IMN IND IOT IRL IRN IRQ ISL ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO
LBN LBR LBY LCA LIE LKA LSO LTU LUX LVA MAC MAF MAR MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG
MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN PAK PAN PCN
PER PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU RUS RWA SAU SDN SEN SGP SGS SHN SJM SLB SLE
SLV SMR SOM SPM SRB SSD STP SUR SVK SVN SWE SWZ SXM SYC SYR TCA TCD TGO THA TJK TKL TKM TLS TON TTO
TUN TUR TUV TWN TZA UGA UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE
""".split()
)

RESIDENCE_PREFIXES = {"810000": Message("香港", "Hong Kong"), "820000": Message("澳门", "Macao"), "830000": Message("台湾", "Taiwan")}
_HKMO = re.compile(r"[HM][0-9]{8}(?:[0-9]{2})?")
_TW = re.compile(r"[0-9]{8}(?:[0-9]{2})?")
_PASSPORT = re.compile(r"[A-Z0-9]{5,20}")
_18 = re.compile(r"[0-9]{17}[0-9X]")


_BY_WORD: dict[str, str] = {}
for _t in DOC_TYPES.values():
    for _w in (_t.code, _t.label.zh, _t.label.en, *_t.aliases):
        _BY_WORD[normalise_id(_w).replace("_", "").casefold()] = _t.code


def doc_type_of(text: object) -> str | None:
    """The type code a cell or form value means (``"台胞证"`` → ``"taiwan_permit"``); an empty value
    is the 居民身份证; None when it is no known type."""
    s = normalise_id(text).replace("_", "").casefold()
    if not s:
        return DEFAULT_TYPE
    return _BY_WORD.get(s)


@dataclass(frozen=True, slots=True)
class Document:
    type: str
    number: str  # normalised
    birth_date: date | None  # carried by the number, or None (then it is entered)
    sex: str | None  # "M"/"F" carried by the number, or None
    nationality: str = ""  # ISO 3166-1 alpha-3, for passports


class DocumentError(CheckError):
    """A document number (or its nationality) failed a check; like ``IdCardError``."""


def normalise_number(text: object) -> str:
    """NFKC, no whitespace, upper case: the same for every type (``idcard.normalise_id``)."""
    return normalise_id(text)


def person_key(doc_type: str | None, number: object) -> tuple[str, str]:
    """What makes a person the same across events: the document type and its normalised number."""
    return (doc_type or DEFAULT_TYPE, normalise_id(number))


def person_ref(doc_type: str | None, number: object) -> str:
    """``person_key`` as one string, for maps keyed by text: a 居民身份证 is its number alone (as
    every key made before other documents existed), any other document ``type:NUMBER``."""
    code, s = person_key(doc_type, number)
    return s if code == DEFAULT_TYPE else f"{code}:{s}"


def normalise_ref(ref: object) -> str:
    """A ``person_ref`` as anyone may have written it (spaces, lower case) in its one spelling."""
    text = str(ref).strip()
    code, sep, number = text.partition(":")
    return person_ref(code.strip().lower(), number) if sep else normalise_id(text)


def age_on(birth_date: date | None, day: date) -> int | None:
    """Full years of age on ``day`` from the exact birth date (a birthday not yet reached that year
    does not count), or None when the birth date is unknown."""
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def unknown_type_message(text: object) -> Message:
    names = "、".join(t.label.zh for t in DOC_TYPES.values())
    return Message(f"证件类型“{text}”无效，应为：{names}", f"Unknown document type '{text}'; use one of: {names}")


def _residence_problem(s: str, today: date) -> tuple[str, str | None] | None:
    if len(s) != 18:
        return ("length", None)
    if not _18.fullmatch(s):
        return ("characters", None)
    if s[:6] not in RESIDENCE_PREFIXES:
        return ("prefix", None)
    detail = birth_date_problem(s[6:14], today)
    if detail:
        return ("birth_date", detail)
    if CHECK_CHARS[sum(int(c) * w for c, w in zip(s, WEIGHTS)) % 11] != s[17]:
        return ("checksum", None)
    return None


def document_problem(doc_type: str, number: str, today: date | None = None) -> tuple[str, str | None] | None:
    """The first failed check of an already normalised number of this type, as ``(check, detail)``."""

    s = number
    if doc_type == "id_card":
        return id_problem(s, today)
    if doc_type == "residence_permit":
        return _residence_problem(s, today or date.today())
    if doc_type == "hk_macau_permit":
        if len(s) not in (9, 11):
            return ("length", None)
        if s[0] not in "HM":
            return ("prefix", None)
        return None if _HKMO.fullmatch(s) else ("characters", None)
    if doc_type == "taiwan_permit":
        if len(s) not in (8, 10):
            return ("length", None)
        return None if _TW.fullmatch(s) else ("characters", None)
    if doc_type == "passport":
        if not 5 <= len(s) <= 20:
            return ("length", None)
        return None if _PASSPORT.fullmatch(s) else ("characters", None)
    raise ValueError(f"unknown document type {doc_type!r}")


def document_error_message(doc_type: str, check: str, value: str, detail: str | None = None) -> Message:
    """The message for a failed check of a number of this type, naming what is wrong."""

    if doc_type == "id_card":
        return id_error_message(check, value, detail)
    n = len(value)
    if doc_type == "residence_permit":
        name = Message("居住证号", "The residence permit number")
        if check == "length":
            return Message(
                f"港澳台居民居住证号应为 18 位，这里是 {n} 位（{value}）", f"A residence permit number has 18 characters; this has {n} ({value})"
            )
        if check == "characters":
            return Message(
                f"居住证号只能由 17 位数字加 1 位数字或 X 组成（{value}）",
                f"A residence permit number is 17 digits followed by a digit or X ({value})",
            )
        if check == "prefix":
            return Message(
                f"港澳台居民居住证号须以 810000（香港）、820000（澳门）或 830000（台湾）开头，这里是“{value[:6]}”",
                f"A residence permit number starts with 810000 (Hong Kong), 820000 (Macao) or 830000 (Taiwan), not '{value[:6]}'",
            )
        if check == "birth_date":
            d = value[6:14]
            if detail == "future":
                return Message(f"{name.zh}中的出生日期 {d} 晚于今天", f"{name.en}'s birth date {d} is in the future")
            if detail == "too_early":
                return Message(f"{name.zh}中的出生日期 {d} 早于 1900 年", f"{name.en}'s birth date {d} is before 1900")
            return Message(f"居住证号第 7–14 位“{d}”不是有效日期", f"Digits 7-14 of the residence permit number, '{d}', are not a real date")
        if check == "checksum":
            return Message(
                f"居住证号校验位不符（{value}），可能有数字填错",
                f"The residence permit number's check character does not match ({value}); a digit is probably mistyped",
            )
    if doc_type == "hk_macau_permit":
        if check == "length":
            return Message(
                f"港澳居民来往内地通行证号应为 H 或 M 加 8 位数字（旧版加 10 位数字），这里是 {n} 位（{value}）",
                f"A Mainland travel permit for HK/Macao residents is H or M and 8 digits (10 on the older card); this has {n} characters ({value})",
            )
        if check == "prefix":
            return Message(
                f"港澳居民来往内地通行证号须以 H（香港）或 M（澳门）开头，这里是“{value[:1]}”",
                f"A Mainland travel permit for HK/Macao residents starts with H (Hong Kong) or M (Macao), not '{value[:1]}'",
            )
        if check == "characters":
            return Message(
                f"港澳居民来往内地通行证号首字母后只能是数字（{value}）", f"After its first letter, the permit number has only digits ({value})"
            )
    if doc_type == "taiwan_permit":
        if check == "length":
            return Message(
                f"台湾居民来往大陆通行证号应为 8 位数字（旧版 10 位），这里是 {n} 位（{value}）",
                f"A Mainland travel permit for Taiwan residents has 8 digits (10 on the older form); this has {n} ({value})",
            )
        if check == "characters":
            return Message(
                f"台湾居民来往大陆通行证号只能由数字组成（{value}）", f"A Mainland travel permit for Taiwan residents has only digits ({value})"
            )
    if doc_type == "passport":
        if check == "length":
            return Message(
                f"护照号应为 5–20 位字母或数字，这里是 {n} 位（{value}）", f"A passport number has 5-20 letters or digits; this has {n} ({value})"
            )
        if check == "characters":
            return Message(f"护照号只能由字母和数字组成（{value}）", f"A passport number has only letters and digits ({value})")
    raise ValueError(f"unknown check {check!r} for {doc_type!r}")


def nationality_problem(text: object) -> tuple[str, Message] | None:
    """Why a nationality is not an ISO 3166-1 alpha-3 code: ``(normalised, message)``; None when it is."""
    s = normalise_id(text)
    if not s:
        return (
            s,
            Message(
                "持护照报名须填写国籍（ISO 3166 三位字母代码，如 GBR、USA）",
                "A passport holder needs a nationality (ISO 3166 three-letter code, e.g. GBR, USA)",
            ),
        )
    if len(s) != 3 or not s.isalpha():
        return (
            s,
            Message(
                f"国籍应为 ISO 3166 三位字母代码（如 GBR、USA），这里是“{s}”",
                f"The nationality is an ISO 3166 three-letter code (e.g. GBR, USA), not '{s}'",
            ),
        )
    if s not in ISO3166_ALPHA3:
        return (s, Message(f"“{s}”不是 ISO 3166 国家或地区代码", f"'{s}' is not an ISO 3166 country code"))
    return None


def parse_document(doc_type: object, number: object, *, nationality: object = None, today: date | None = None) -> Document:
    """Validate and decode a document of any type; raise ``DocumentError`` naming the failed check
    (``type`` for an unknown type, ``nationality`` for a passport's bad or missing one)."""
    code = doc_type_of(doc_type)
    if code is None:
        names = "、".join(t.label.zh for t in DOC_TYPES.values())
        raise DocumentError(
            "type", Message(f"证件类型“{doc_type}”无效，应为：{names}", f"Unknown document type '{doc_type}'; use one of: {names}"), str(doc_type)
        )
    s = normalise_id(number)
    if code == "id_card":
        try:
            card = parse_id(s, today=today)
        except IdCardError as e:
            raise DocumentError(e.check, e.message, e.value) from None
        return Document(code, card.number, card.birth_date, card.sex, "")
    problem = document_problem(code, s, today)
    if problem:
        check, detail = problem
        raise DocumentError(check, document_error_message(code, check, s, detail), s)
    nat = ""
    if DOC_TYPES[code].needs_nationality:
        bad = nationality_problem(nationality)
        if bad:
            raise DocumentError("nationality", bad[1], bad[0])
        nat = normalise_id(nationality)
    if DOC_TYPES[code].carries_birth:
        born = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
        return Document(code, s, born, "M" if int(s[16]) % 2 else "F", nat)
    return Document(code, s, None, None, nat)
