"""居民身份证号 (18-character resident identity number): validation, masking, demo numbers.

Layout (GB 11643-1999): 6-digit region code, 8-digit birth date YYYYMMDD, 3-digit order code whose
last digit is odd for men and even for women, and an ISO 7064 MOD 11-2 check character (0-9 or X).

Checks run in a fixed order and the first failure is reported, so a person is told one thing to fix:
``length`` → ``characters`` → ``region`` → ``birth_date`` → ``checksum``. Only the province prefix of
the region is checked against a list (the county list changes every year and old IDs keep old codes).

Input is normalised before checking: Unicode NFKC (full-width digits and Ｘ become ASCII), all
whitespace removed (people type ``440106 19900101 123X``), lower-case ``x`` made ``X``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

__all__ = ["IdCard", "IdCardError", "Message", "checksum_char", "is_valid_id", "make_id", "mask_id", "mask_name", "mask_phone", "parse_id"]


@dataclass(frozen=True, slots=True)
class Message:
    """A user-facing message in Chinese and English."""

    zh: str
    en: str

    def get(self, lang: str = "zh") -> str:
        return self.en if lang.startswith("en") else self.zh

    def __str__(self) -> str:
        return f"{self.zh} / {self.en}"


#: Province-level prefixes (the first two digits). 71 台湾, 81 香港, 82 澳门 as GB/T 2260 lists them.
PROVINCES: dict[str, str] = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
    "21": "辽宁", "22": "吉林", "23": "黑龙江",
    "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东",
    "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏",
    "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆",
    "71": "台湾", "81": "香港", "82": "澳门",
}  # fmt: skip

#: ISO 7064 MOD 11-2 weights for the first 17 digits: 2^(17-i) mod 11.
WEIGHTS: tuple[int, ...] = tuple(pow(2, 17 - i, 11) for i in range(17))
#: Check character for (weighted sum mod 11).
CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH = date(1900, 1, 1)
#: The checks, in the order they run; ``IdCardError.check`` is one of these.
CHECKS = ("length", "characters", "region", "birth_date", "checksum")

_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_SPACES = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")


@dataclass(frozen=True, slots=True)
class IdCard:
    number: str  # normalised: 18 ASCII characters, upper-case X
    birth_date: date
    sex: str  # "M" or "F"
    region: str  # the 6-digit region code


class CheckError(ValueError):
    """A number failed one check; ``check`` names it, ``message`` says it in zh and en."""

    def __init__(self, check: str, message: Message, value: str = ""):
        super().__init__(f"{message.en} ({message.zh})")
        self.check = check
        self.message = message
        self.value = value

    @property
    def code(self) -> str:
        return f"id_{self.check}"


class IdCardError(CheckError):
    """An ID number failed one check; ``check`` names it, ``message`` says it in zh and en."""


def checksum_char(first17: str) -> str:
    """The check character (``0``-``9`` or ``X``) for 17 leading digits."""
    if len(first17) != 17 or not first17.isdigit() or not first17.isascii():
        raise ValueError("need exactly 17 ASCII digits")
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


def normalise_id(text: object) -> str:
    """NFKC, no whitespace anywhere, upper case. Does not validate."""
    s = "" if text is None else str(text)
    if not s.isascii():
        s = unicodedata.normalize("NFKC", s)
    return _SPACES.sub("", s).upper()


def birth_date_problem(yyyymmdd: str, today: date) -> str | None:
    """Why 8 digits are not an acceptable birth date: ``invalid``, ``future``, ``too_early``; or None."""
    try:
        born = date(int(yyyymmdd[0:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return "invalid"
    if born > today:
        return "future"
    if born < EARLIEST_BIRTH:
        return "too_early"
    return None


def id_error_message(check: str, value: str, detail: str | None = None) -> Message:
    """The message for a failed check; ``detail`` refines ``birth_date`` (invalid/future/too_early)."""
    if check == "length":
        if len(value) == 15 and value.isdigit():
            return Message(
                f"身份证号应为 18 位，这里是 15 位（{value}），一代身份证号已停用，请填写 18 位号码",
                f"An ID number has 18 characters; this has 15 ({value}), an old first-generation number: use the 18-character one",
            )
        return Message(f"身份证号应为 18 位，这里是 {len(value)} 位（{value}）", f"An ID number has 18 characters; this has {len(value)} ({value})")
    if check == "characters":
        return Message(f"身份证号只能由 17 位数字加 1 位数字或 X 组成（{value}）", f"An ID number is 17 digits followed by a digit or X ({value})")
    if check == "region":
        return Message(f"身份证号前 6 位“{value[:6]}”不是有效的地区代码", f"The first 6 digits '{value[:6]}' are not a valid region code")
    if check == "birth_date":
        d = value[6:14]
        shown = f"{d[0:4]}-{d[4:6]}-{d[6:8]}"
        if detail == "future":
            return Message(f"身份证号中的出生日期 {shown} 晚于今天", f"The birth date in the ID number, {shown}, is in the future")
        if detail == "too_early":
            return Message(f"身份证号中的出生日期 {shown} 早于 1900 年", f"The birth date in the ID number, {shown}, is before 1900")
        return Message(f"身份证号第 7–14 位“{d}”不是有效日期", f"Digits 7-14 of the ID number, '{d}', are not a real date")
    if check == "checksum":
        return Message(
            f"身份证号校验位不符（{value}），可能有数字填错",
            f"The ID number's check character does not match ({value}); a digit is probably mistyped",
        )
    raise ValueError(f"unknown check {check!r}")


def id_problem(text: object, today: date | None = None) -> tuple[str, str | None] | None:
    """The first failed check as ``(check, detail)`` for an already normalised number, or None."""
    s = str(text)
    if len(s) != 18:
        return ("length", None)
    if not _SHAPE.fullmatch(s):
        return ("characters", None)
    if s[:2] not in PROVINCES or s[2:6] == "0000":
        return ("region", None)
    detail = birth_date_problem(s[6:14], today or date.today())
    if detail:
        return ("birth_date", detail)
    if CHECK_CHARS[sum(int(c) * w for c, w in zip(s, WEIGHTS)) % 11] != s[17]:
        return ("checksum", None)
    return None


def parse_id(text: object, *, today: date | None = None) -> IdCard:
    """Validate and decode an ID number; raise ``IdCardError`` naming the failed check."""
    s = normalise_id(text)
    problem = id_problem(s, today)
    if problem:
        check, detail = problem
        raise IdCardError(check, id_error_message(check, s, detail), s)
    born = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    return IdCard(number=s, birth_date=born, sex="M" if int(s[16]) % 2 else "F", region=s[:6])


def is_valid_id(text: object, *, today: date | None = None) -> bool:
    return id_problem(normalise_id(text), today) is None


def mask_id(number: object) -> str:
    """For display, the same rule for every document type: the first and last characters kept,
    the rest hidden. 16 characters or more keep the first 6 and last 4 (``440106********123X``);
    8-15 keep 2 and 2 (``H1*****78``); 5-7 keep 1 and 1; shorter ones show only the first."""
    s = normalise_id(number)
    n = len(s)
    if n >= 16:
        return s[:6] + "*" * (n - 10) + s[-4:]
    if n >= 8:
        return s[:2] + "*" * (n - 4) + s[-2:]
    if n >= 5:
        return s[:1] + "*" * (n - 2) + s[-1:]
    return s[:1] + "*" * (n - 1) if n > 1 else "*" * n


def mask_phone(number: object) -> str:
    """For display: the first 3 and last 4 characters kept (``138****8000``, as the log's
    redaction shows a mobile; ``020****5678`` for a landline), separators dropped; a short number
    keeps only its last 4."""
    s = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", "" if number is None else str(number)))
    if len(s) >= 8:
        return s[:3] + "*" * (len(s) - 7) + s[-4:]
    return "*" * max(len(s) - 4, 0) + s[-4:] if len(s) > 4 else "*" * len(s)


def mask_name(name: object) -> str:
    """For public display: 张*明, 欧**明, 张* for two characters; a single character is kept.

    The ``·`` of transliterated names (阿卜杜·热合曼) is kept so the name's shape stays readable.
    """
    s = "" if name is None else str(name).strip()
    n = len(s)
    if n <= 1:
        return s
    if n == 2:
        return s[0] + "*"
    middle = "".join(c if c in "·•・. " else "*" for c in s[1:-1])
    return s[0] + middle + s[-1]


def make_id(region: str | int, birth_date: date, seq: int = 0, sex: str = "M") -> str:
    """A well-formed ID number for demo and benchmark data.

    ``seq`` (0-499) picks the order code: digits 15-17 are ``2 * seq + (1 if male else 0)``, so one
    region and birth date give 500 distinct numbers per sex.
    """
    r = f"{int(region):06d}" if isinstance(region, int) else str(region)
    if len(r) != 6 or not r.isdigit() or r[:2] not in PROVINCES or r[2:] == "0000":
        raise ValueError(f"not a usable region code: {region!r}")
    if birth_date < EARLIEST_BIRTH:
        raise ValueError("birth date before 1900")
    if not 0 <= seq <= 499:
        raise ValueError("seq must be 0-499")
    if sex not in ("M", "F"):
        raise ValueError("sex must be 'M' or 'F'")
    first17 = f"{r}{birth_date:%Y%m%d}{2 * seq + (1 if sex == 'M' else 0):03d}"
    return first17 + checksum_char(first17)
