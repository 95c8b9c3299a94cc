"""Certificate numbers: the printed, public identifier of one certificate.

Format (all upper case, ASCII, hyphen separated)::

    GD2026-SZ3-A-000123-9
    │ │    │   │ │      └─ check character, ISO 7064 MOD 37,36 over everything before it
    │ │    │   │ └──────── sequence, 6 digits, 000001–999999, allocated per (year, event, type)
    │ │    │   └────────── certificate type: A award 获奖证书, H honour 荣誉证书,
    │ │    │                P promotion 职业技能等级证书 entry
    │ │    └────────────── event code, 2–12 of A–Z and 0–9, chosen by the organiser, unique
    │ │                     among the events of one year
    │ └─────────────────── year of issue (four digits)
    └───────────────────── region prefix, two letters (``GD`` for Guangdong)

Why it cannot collide: the database keeps one counter row per (year, event code, type) and hands
out each sequence number once; two numbers differing in any of the four fields are different
strings, and the hyphens (which no field may contain) keep the fields apart, so the mapping from
fields to text is one-to-one. The check character adds no uniqueness; it lets the verification
page reject a mistyped number before it touches the database.

The check character uses ISO/IEC 7064 MOD 37,36, the standard hybrid system for alphanumeric
strings (also used by GRid and ISAN; python-stdnum ``stdnum.iso7064.mod_37_36`` computes the same
character, so other systems can check numbers too). Over 0–9 A–Z it detects every
single-character substitution, and every swap of two adjacent characters except one pair of
values per position (e.g. ``0``/``1`` after certain prefixes): 1 in 630 adjacent swaps, about
0.16 %, slips through (``tests/certificates/test_numbering.py`` measures both exhaustively). A
number that slips through still has to exist in the database, and the verification page shows
the holder's name, so the residual risk is a "not found", not a false confirmation. Hyphens are
ignored by the computation; a moved hyphen is caught by the format check.

**An event code that begins with the region and year** (the demo's ``GD2026``, or ``GD2026SZ``)
would print them twice (``GD2026-GD2026-A-000001-6``). Such a code *is* the head of the number:
``GD2026-A-000001-X``, ``GD2026SZ-A-000001-X`` (four parts; the region and year are read from the
code). Still one-to-one: a four-part number names its event code whole, a five-part one keeps the
hyphen between head and code, and event codes are unique. Numbers issued before in the repeating
five-part form stay what they are: they parse, and ``str()`` gives them back unchanged, so they
verify.

People type numbers from paper into phones: :func:`normalize` accepts lower case, full-width
characters (ＧＤ２０２６), Chinese dashes (－ — –), and spaces, and returns the canonical text.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from typing import NamedTuple

__all__ = [
    "ALPHABET",
    "CertType",
    "CertificateNumber",
    "DEFAULT_REGION",
    "check_char",
    "format_number",
    "is_well_formed",
    "normalize",
    "parse_number",
]

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_M = 36  # ISO 7064 MOD 37,36: M = 36, M + 1 = 37 (prime)

DEFAULT_REGION = "GD"
SEQ_DIGITS = 6
MAX_SEQ = 10**SEQ_DIGITS - 1

_EVENT_RE = re.compile(r"[A-Z0-9]{2,12}")
_REGION_RE = re.compile(r"[A-Z]{2}")
_EXAMPLE = "GD2026-SZ3-A-000123-9"


class CertType(str, enum.Enum):
    """Certificate types; the value is the letter printed in the number."""

    AWARD = "A"  # 获奖证书: 一/二/三等奖, 优胜奖, gold/silver/bronze, Medallion for Excellence
    HONOUR = "H"  # 荣誉证书: 广东省技术能手, 全国技术能手
    PROMOTION = "P"  # 职业技能等级证书 entry: level promotion
    SELECTION = "S"  # 荣誉证书 of an annual selection round (honours/): the "event code" is the round's

    @classmethod
    def parse(cls, value: CertType | str) -> CertType:
        """Accept a CertType, its letter (``"A"``) or its name (``"award"``)."""
        if isinstance(value, CertType):
            return value
        text = str(value).strip()
        for member in cls:
            if text.upper() == member.value or text.lower() == member.name.lower():
                return member
        raise ValueError(f"unknown certificate type {value!r}; use one of " + ", ".join(f"{m.value} ({m.name.lower()})" for m in cls))


class CertificateNumber(NamedTuple):
    """The fields of a well-formed certificate number; ``str()`` gives the canonical text."""

    region: str
    year: int
    event_code: str
    cert_type: CertType
    seq: int
    check: str
    repeated: bool = False  # issued in the old form that printed a region-and-year code twice

    def __str__(self) -> str:
        seq = f"{self.seq:0{SEQ_DIGITS}d}"
        head = f"{self.region}{self.year:04d}"
        if self.event_code.startswith(head) and not self.repeated:
            return f"{self.event_code}-{self.cert_type.value}-{seq}-{self.check}"
        return f"{head}-{self.event_code}-{self.cert_type.value}-{seq}-{self.check}"


def check_char(payload: str) -> str:
    """ISO/IEC 7064 MOD 37,36 check character for ``payload`` (hyphens ignored).

    Raises ValueError if the payload holds a character outside 0–9 A–Z.
    """
    p = _M
    for ch in payload:
        if ch == "-":
            continue
        try:
            v = _VALUE[ch]
        except KeyError:
            raise ValueError(f"character {ch!r} is not allowed in a certificate number (use 0-9, A-Z)") from None
        s = (p + v) % _M or _M
        p = (2 * s) % (_M + 1)
    # The check character c makes (p + c) mod M == 1.
    return ALPHABET[(1 - p) % _M]


def _check_ok(body_and_check: str) -> bool:
    return check_char(body_and_check[:-1]) == body_and_check[-1]


def format_number(event_code: str, cert_type: CertType | str, seq: int, year: int, *, region: str = DEFAULT_REGION) -> str:
    """Build the canonical certificate number, e.g. ``format_number("SZ3", "A", 123, 2026)``.

    Raises ValueError (with the reason) for an event code outside ``[A-Z0-9]{2,12}``, a sequence
    outside 1–999999, a year outside 2000–2099, or an unknown type.
    """
    event = str(event_code).strip().upper()
    if not _EVENT_RE.fullmatch(event):
        raise ValueError(f"event code {event_code!r} must be 2-12 letters A-Z or digits 0-9, no hyphens or spaces")
    ctype = CertType.parse(cert_type)
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= MAX_SEQ:
        raise ValueError(f"sequence {seq!r} must be an integer from 1 to {MAX_SEQ}")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2099:
        raise ValueError(f"year {year!r} must be an integer from 2000 to 2099")
    reg = str(region).strip().upper()
    if not _REGION_RE.fullmatch(reg):
        raise ValueError(f"region {region!r} must be two letters A-Z")
    head = f"{reg}{year:04d}"
    # A code that begins with the region and year is the head itself: printed once, not twice.
    lead = event if event.startswith(head) else f"{head}-{event}"
    body = f"{lead}-{ctype.value}-{seq:0{SEQ_DIGITS}d}"
    return f"{body}-{check_char(body)}"


_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u30fc"), "-")


def normalize(text: str) -> str:
    """Canonical spelling of what a person typed: NFKC, upper case, any dash → ``-``, no spaces."""
    if not isinstance(text, str):
        raise ValueError(f"certificate number must be text, not {type(text).__name__}")
    t = unicodedata.normalize("NFKC", text).translate(_DASHES).upper()
    return "".join(t.split())


def parse_number(text: str) -> CertificateNumber:
    """Split a certificate number into its fields, after :func:`normalize`.

    Raises ValueError with a message fit to show the person who typed it: which part is wrong,
    or that the check character does not match (a typo somewhere).
    """
    t = normalize(text)
    if not t:
        raise ValueError("certificate number is empty")
    parts = t.split("-")
    compact = len(parts) == 4 and parts[1] in {m.value for m in CertType}
    if len(parts) != 5 and not compact:
        raise ValueError(
            f"certificate number {t!r} has {len(parts)} part(s) separated by '-', expected 5, like {_EXAMPLE} "
            "(or 4 when the event code begins with the region and year, like GD2026-A-000001-X)"
        )
    if compact:
        event, ctype, seq, check = parts
        head = event[:6]
    else:
        head, event, ctype, seq, check = parts
    if not re.fullmatch(r"[A-Z]{2}\d{4}", head):
        raise ValueError(f"certificate number {t!r} must start with a region and year, like GD2026")
    if not _EVENT_RE.fullmatch(event):
        raise ValueError(f"event code {event!r} in {t!r} must be 2-12 letters A-Z or digits 0-9")
    try:
        cert_type = CertType(ctype)
    except ValueError:
        raise ValueError(f"certificate type {ctype!r} in {t!r} must be one of " + ", ".join(m.value for m in CertType)) from None
    if not re.fullmatch(rf"\d{{{SEQ_DIGITS}}}", seq) or int(seq) == 0:
        raise ValueError(f"sequence {seq!r} in {t!r} must be {SEQ_DIGITS} digits, not all zero")
    if len(check) != 1 or check not in _VALUE:
        raise ValueError(f"check character {check!r} in {t!r} must be one letter or digit")
    if not _check_ok(t):
        raise ValueError(f"certificate number {t!r} is not valid: its check character does not match (mistyped?)")
    year = int(head[2:])
    return CertificateNumber(head[:2], year, event, cert_type, int(seq), check, repeated=not compact and event.startswith(head))


def is_well_formed(text: str) -> bool:
    """True if :func:`parse_number` would accept ``text`` (format and check character)."""
    try:
        parse_number(text)
    except ValueError:
        return False
    return True
