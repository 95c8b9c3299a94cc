"""Checking a whole sheet: what validation is given and gives back, and every row check.

The data shapes (``ImportContext`` with the event's skills and registrations, ``SkillOption``,
``Registered``; the outcome ``ImportReport`` of ``ValidRow`` records and ``Issue`` errors and
warnings, sorted by row and column), the vectorised ID-number checks (``check_ids``), and
``validate_rows``: required cells, lengths, ID, sex and birth date against the ID, skill and group,
level and certificate, phone, one entry per person, teams, eligibility, and "update" vs "unchanged".
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from competition.registration.sheet.columns import (
    _IGNORE,
    COLUMN_BY_KEY,
    COLUMNS,
    GROUP_LABELS,
    GROUP_VALUES,
    KEYS,
    REQUIRED,
    SEX_LABELS,
    SEX_VALUES,
    YES_NO_VALUES,
    match_header,
)
from competition.registration.sheet.errors import SheetError, _m
from competition.registration.sheet.reading import _clean
from scoring import eligibility as elig
from scoring.idcard import CHECK_CHARS, PROVINCES, WEIGHTS, Message, birth_date_problem, id_error_message
from scoring.identity import (
    DEFAULT_TYPE,
    DOC_TYPES,
    doc_type_of,
    document_error_message,
    document_problem,
    nationality_problem,
    normalise_ref,
    person_ref,
    unknown_type_message,
)
from scoring.levels import SkillLevel, parse_level

# ----------------------------------------------------------------------------------- data shapes


@dataclass(frozen=True, slots=True)
class Issue:
    """One bad cell (or, with ``row`` None, a remark on the whole import)."""

    row: int | None
    column: str | None
    code: str
    message_zh: str
    message_en: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code, "message_zh": self.message_zh, "message_en": self.message_en}


@dataclass(frozen=True)
class SkillOption:
    """A skill of the event as registration sees it; ``groups`` maps a group kind to its group id."""

    id: Any
    name: str
    code: str = ""
    groups: Mapping[str, Any] = field(default_factory=dict)
    #: 1 for an individual skill; 2 or 3: every entrant is in a team of exactly that many
    team_size: int = 1


@dataclass(frozen=True)
class Registered:
    """A person already registered in the event. ``data`` (stored fields, the keys of a record)
    lets a re-import tell "unchanged" from "update"; without it a matching row is an "update"."""

    skill_id: Any
    group_id: Any
    data: Mapping[str, Any] | None = None


@dataclass
class ImportContext:
    skills: Sequence[SkillOption]
    #: the person (``scoring.identity.person_ref``: a 居民身份证's number, else ``type:NUMBER``) →
    #: Registered, or a tuple ``(skill_id, group_id[, data])``
    registered: Mapping[str, Registered | tuple] = field(default_factory=dict)
    today: date = field(default_factory=date.today)
    #: the preset's ``eligibility`` section (or the whole preset, or rules); None skips eligibility
    eligibility: Mapping[str, Any] | elig.EligibilityRules | None = None
    require_certificate_no: bool = True
    team_size: tuple[int, int] = (2, 3)
    #: A form adds one member at a time: a team short of members or of its captain is not refused
    #: then (the draw refuses an incomplete team); a sheet lists whole teams and is checked exactly.
    partial_teams: bool = False

    def __post_init__(self) -> None:
        self._skill_by_key: dict[str, SkillOption] = {}
        for s in self.skills:  # codes first, so a name wins over an equal code
            if s.code:
                self._skill_by_key[_fold(s.code)] = s
        for s in self.skills:
            self._skill_by_key[_fold(s.name)] = s
        self._skill_by_id = {s.id: s for s in self.skills}
        self._group_by_id: dict[Any, tuple[SkillOption, str]] = {}
        for s in self.skills:
            for kind, gid in s.groups.items():
                self._group_by_id[gid] = (s, kind)
        reg: dict[str, Registered] = {}
        for k, v in self.registered.items():
            reg[normalise_ref(k)] = v if isinstance(v, Registered) else Registered(*v)
        self._registered = reg
        if isinstance(self.eligibility, elig.EligibilityRules) or self.eligibility is None:
            self._rules = self.eligibility
        else:
            self._rules = elig.EligibilityRules.from_preset(self.eligibility)

    def find_skill(self, text: str) -> SkillOption | None:
        return self._skill_by_key.get(_fold(text))


@dataclass(slots=True)
class ValidRow:
    row: int  # spreadsheet row number
    status: str  # "new", "update" or "unchanged"
    record: dict[str, Any]  # ready for storage, see RECORD_FIELDS
    changed: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field → (stored, sheet), for "update"


#: Keys of ``ValidRow.record``. ``current_level`` is the SkillLevel's int value; ``sex`` "M"/"F";
#: ``group`` the group kind; ``level_certificate_no`` and ``team`` None when empty; ``award_eligible`` None
#: when the sheet has no such column (an update keeps the stored choice).
RECORD_FIELDS = (
    "name", "id_type", "id_number", "nationality", "sex", "birth_date", "skill_id", "skill", "group_id", "group",
    "employer", "delegation", "current_level", "level_certificate_no", "phone", "team", "team_captain", "award_eligible",
)  # fmt: skip
#: Fields compared with ``Registered.data`` to tell "update" from "unchanged".
COMPARED_FIELDS = (
    "name", "nationality", "sex", "birth_date", "employer", "delegation", "current_level", "level_certificate_no", "phone", "team", "team_captain", "award_eligible",
)  # fmt: skip


@dataclass
class ImportReport:
    rows: list[ValidRow]  # rows without any error, in sheet order
    errors: list[Issue]  # sorted by row, then column order
    warnings: list[Issue]  # eligibility warnings: per row, or row None for the event
    total: int  # non-blank data rows read
    invalid_rows: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def counts(self) -> dict[str, int]:
        by = {"new": 0, "update": 0, "unchanged": 0}
        for r in self.rows:
            by[r.status] += 1
        return {
            "total": self.total,
            "valid": len(self.rows),
            "invalid": len(self.invalid_rows),
            **by,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }

    def records(self, *statuses: str) -> list[dict[str, Any]]:
        """Storage-ready dicts, optionally only those with the given statuses (e.g. "new", "update")."""
        return [r.record for r in self.rows if not statuses or r.status in statuses]

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "errors": [e.to_dict() for e in self.errors],
            "warnings": [w.to_dict() for w in self.warnings],
            "rows": [{"row": r.row, "status": r.status, "changed": {k: list(v) for k, v in r.changed.items()}} for r in self.rows],
        }


def _fold(text: object) -> str:
    s = str(text)
    if not s.isascii():
        s = unicodedata.normalize("NFKC", s)
    return " ".join(s.split()).casefold()


# ------------------------------------------------------------------------------- validate_rows


_ID_SHAPE = r"[0-9]{17}[0-9X]"
_AS_NUMBER = r"[0-9]+(?:\.[0-9]*)?[Ee][+]?[0-9]+|[0-9]+\.[0-9]*"
_INNER_SPACE = r"[\s\u200b\u200c\u200d\u2060\ufeff]+"
_PROVINCE_ARRAY = np.array(sorted(PROVINCES))
_WEIGHTS = np.array(WEIGHTS, dtype=np.int64)
_CHECK_BYTES = np.frombuffer(CHECK_CHARS.encode("ascii"), dtype=np.uint8)
_DATE_SEP = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]0{1,2}:00(?::00(?:\.0+)?)?)?")
_DATE_8 = re.compile(r"(\d{4})(\d{2})(\d{2})")
_PHONE_JUNK = r"[\s\-()（）]"
_PHONE_PREFIX = r"^(?:\+86|0086|86)(?=1[0-9]{10}$)"
_CERT = r"\S{4,40}"


def frame_of(records: Sequence[Mapping[str, str]], headers: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Rows given as field → text (a form entry, the demo's contestants) as the frame
    ``validate_rows`` checks, as if read from a sheet whose headers were ``headers``."""
    frame = pd.DataFrame(list(records), dtype=str)
    if headers is not None:
        frame.attrs["headers"] = dict(headers)
    return frame


def normalise_id_column(values: pd.Series) -> pd.Series:
    """The vectorised ``idcard.normalise_id``."""
    s = _clean(values)
    nonascii = ~s.map(str.isascii).to_numpy(dtype=bool)
    if nonascii.any():
        s = s.copy()
        s[nonascii] = s[nonascii].map(lambda v: unicodedata.normalize("NFKC", v))
    return s.str.replace(_INNER_SPACE, "", regex=True).str.upper()


@dataclass
class IdChecks:
    """Result of ``check_ids``: per position, the failed check (``""`` when valid), its detail,
    and for valid numbers the birth date and sex."""

    ids: pd.Series
    check: np.ndarray  # object: "", "as_number", "length", "characters", "region", "birth_date", "checksum"
    detail: np.ndarray  # object: None or the birth_date detail
    birth: np.ndarray  # object: date or None
    sex: np.ndarray  # object: "M"/"F" or None


def check_ids(values: pd.Series, today: date) -> IdChecks:
    """``idcard.parse_id`` for a whole column at once (same checks, same order, same results).

    Empty cells get check ``"missing"``; E-notation or ``…\\.0`` numbers get ``"as_number"``.
    """
    ids = normalise_id_column(values).reset_index(drop=True)
    n = len(ids)
    check = np.full(n, "", dtype=object)
    detail = np.full(n, None, dtype=object)
    birth = np.full(n, None, dtype=object)
    sex = np.full(n, None, dtype=object)
    if n == 0:
        return IdChecks(ids, check, detail, birth, sex)

    def fail(mask: np.ndarray, name: str) -> np.ndarray:
        mask = mask & (check == "")
        check[mask] = name
        return mask

    fail(ids.eq("").to_numpy(), "missing")
    fail(ids.str.fullmatch(_AS_NUMBER).to_numpy(dtype=bool), "as_number")
    fail(ids.str.len().ne(18).to_numpy(), "length")
    fail(~ids.str.fullmatch(_ID_SHAPE).to_numpy(dtype=bool), "characters")
    todo = np.flatnonzero(check == "")
    if len(todo):
        sub = ids.iloc[todo]
        bad_region = ~np.isin(sub.str.slice(0, 2).to_numpy(dtype=str), _PROVINCE_ARRAY) | sub.str.slice(2, 6).eq("0000").to_numpy()
        check[todo[bad_region]] = "region"
    todo = np.flatnonzero(check == "")
    if len(todo):
        eight = ids.iloc[todo].str.slice(6, 14).to_numpy(dtype=str)
        problems = {d: birth_date_problem(d, today) for d in set(eight.tolist())}
        det = np.array([problems[d] for d in eight], dtype=object)
        bad = det != None  # noqa: E711 - elementwise on an object array
        check[todo[bad]] = "birth_date"
        detail[todo[bad]] = det[bad]
    todo = np.flatnonzero(check == "")
    if len(todo):
        joined = "".join(ids.iloc[todo].tolist()).encode("ascii")
        digits = np.frombuffer(joined, dtype=np.uint8).reshape(-1, 18)
        total = (digits[:, :17].astype(np.int64) - 48) @ _WEIGHTS
        bad = _CHECK_BYTES[total % 11] != digits[:, 17]
        check[todo[bad]] = "checksum"
        good = todo[~bad]
        if len(good):
            eight = ids.iloc[good].str.slice(6, 14).to_numpy(dtype=str)
            dates = {d: date(int(d[:4]), int(d[4:6]), int(d[6:])) for d in set(eight.tolist())}
            birth[good] = [dates[d] for d in eight]
            sex[good] = np.where((digits[~bad, 16] - 48) % 2 == 1, "M", "F")
    return IdChecks(ids, check, detail, birth, sex)


def parse_date_text(text: str) -> date | None:
    """A date as people type it: 1990-01-02, 1990/1/2, 1990.01.02, 1990年1月2日, 19900102."""
    s = unicodedata.normalize("NFKC", text).strip() if not text.isascii() else text.strip()
    m = _DATE_SEP.fullmatch(s) or _DATE_8.fullmatch(s)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


class _Errors:
    def __init__(self, rows: np.ndarray, headers: Mapping[str, str]):
        self.rows = rows
        self.headers = headers
        self.items: list[tuple[int, int, str, str, Message]] = []
        self.bad = np.zeros(len(rows), dtype=bool)

    def column(self, key: str) -> str:
        return self.headers.get(key) or COLUMN_BY_KEY[key].zh

    def add(self, pos: int, key: str, code: str, message: Message) -> None:
        self.items.append((pos, KEYS.index(key), key, code, message))
        self.bad[pos] = True

    def add_mask(self, mask: np.ndarray, key: str, code: str, make: Any) -> None:
        for pos in np.flatnonzero(mask):
            self.add(int(pos), key, code, make(int(pos)))

    def issues(self) -> list[Issue]:
        self.items.sort(key=lambda t: (t[0], t[1]))
        return [Issue(int(self.rows[p]), self.column(k), code, m.zh, m.en) for p, _, k, code, m in self.items]


def _canonical(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Accept a frame from ``read_table`` (keys as columns) or one with header texts as columns."""
    headers = dict(df.attrs.get("headers") or {})
    if all(c in COLUMN_BY_KEY for c in df.columns):
        return df, headers
    rename: dict[Any, str] = {}
    for c in df.columns:
        key = c if c in COLUMN_BY_KEY else match_header(c)
        if key and key != _IGNORE and key not in rename.values():
            rename[c] = key
            headers.setdefault(key, str(c))
    return df[list(rename)].rename(columns=rename), headers


def validate_rows(df: pd.DataFrame, context: ImportContext) -> ImportReport:
    """Check every row of the sheet; nothing is half-valid: a row with any error is not in ``rows``.

    Row numbers come from the frame's index when it is named ``row`` (as ``read_table`` makes it),
    else the header is taken as row 1 and the frame's rows as 2, 3, …
    """
    df, headers = _canonical(df)
    missing_cols = [k for k in REQUIRED if k not in df.columns]
    if missing_cols:
        raise SheetError(
            "bad_columns",
            _m(
                "bad_columns",
                problems="缺少必填列 " + "、".join(COLUMN_BY_KEY[k].zh for k in missing_cols),
                problems_en="missing required column(s) " + ", ".join(COLUMN_BY_KEY[k].en for k in missing_cols),
            ),
            missing=missing_cols,
        )
    n = len(df)
    rows = df.index.to_numpy(dtype=np.int64) if df.index.name == "row" else np.arange(2, n + 2, dtype=np.int64)
    E = _Errors(rows, headers)
    today = context.today
    empty = pd.Series([""] * n, dtype=str)
    prepare = (lambda s: s.reset_index(drop=True)) if df.attrs.get("clean") else (lambda s: _clean(s).reset_index(drop=True))
    col: dict[str, pd.Series] = {k: (prepare(df[k]) if k in df.columns else empty) for k in KEYS}
    present = {k: k in df.columns for k in KEYS}
    blank = {k: col[k].eq("").to_numpy() for k in KEYS}

    def cell(key: str, pos: int) -> str:
        return col[key].iat[pos]

    # -- required and over-long cells (the ID's emptiness is reported by check_ids below)
    for key in REQUIRED:
        if key != "id_number":
            c = COLUMN_BY_KEY[key]
            E.add_mask(blank[key], key, "missing", lambda p, c=c: _m("missing", col=c.zh, col_en=c.en))
    for c in COLUMNS:
        if c.max_len and present[c.key]:
            lengths = col[c.key].str.len().to_numpy()
            E.add_mask(lengths > c.max_len, c.key, "too_long",
                       lambda p, c=c, L=lengths: _m("too_long", col=c.zh, col_en=c.en, n=int(L[p]), limit=c.max_len))  # fmt: skip

    # -- document types (an empty cell, or no column, is the 居民身份证) and numbers
    types = np.full(n, DEFAULT_TYPE, dtype=object)
    if present["id_type"]:
        type_texts = col["id_type"].to_numpy(dtype=str)
        type_of = {tx: doc_type_of(tx) for tx in set(type_texts.tolist())}
        types = np.array([type_of[tx] for tx in type_texts], dtype=object)
        E.add_mask(np.array([tp is None for tp in types], dtype=bool), "id_type", "bad_id_type", lambda p: unknown_type_message(type_texts[p]))
    idc = check_ids(col["id_number"], today)
    ids = idc.ids
    doc_messages: dict[int, Message] = {}
    for pos in np.flatnonzero(types != DEFAULT_TYPE).tolist():  # other documents: few, checked one by one
        tp = types[pos]
        if tp is None:
            idc.check[pos] = "bad_type"  # reported on the type's cell
            continue
        idc.birth[pos] = idc.sex[pos] = idc.detail[pos] = None
        if idc.check[pos] in ("missing", "as_number"):
            continue
        problem = document_problem(tp, ids.iat[pos], today)
        if problem:
            idc.check[pos], idc.detail[pos] = problem
            doc_messages[pos] = document_error_message(tp, problem[0], ids.iat[pos], problem[1])
            continue
        idc.check[pos] = ""
        if DOC_TYPES[tp].carries_birth:
            s = ids.iat[pos]
            idc.birth[pos] = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
            idc.sex[pos] = "M" if int(s[16]) % 2 else "F"
    id_ok = idc.check == ""
    carries = np.ones(n, dtype=bool)  # the 居民身份证 carries them; other types are few, looked at one by one
    for pos in np.flatnonzero(types != DEFAULT_TYPE).tolist():
        carries[pos] = types[pos] is not None and DOC_TYPES[types[pos]].carries_birth
    derived = id_ok & carries  # sex and birth date come from the number; an entered one must agree
    entered = id_ok & ~carries  # sex and birth date are entered, and required
    # a person is their document type and number (person_ref: a 居民身份证's number alone)
    refs = ids.copy()
    for pos in np.flatnonzero(types != DEFAULT_TYPE).tolist():
        if types[pos] is not None:
            refs.iat[pos] = person_ref(types[pos], ids.iat[pos])
    nationality = np.full(n, "", dtype=object)
    for pos in np.flatnonzero(id_ok & (types == "passport")).tolist():
        bad = nationality_problem(col["nationality"].iat[pos])
        if bad:
            E.add(int(pos), "nationality", "bad_nationality" if bad[0] else "missing", bad[1])
        else:
            nationality[pos] = col["nationality"].iat[pos].strip().upper()
    idcol = COLUMN_BY_KEY["id_number"]
    for pos in np.flatnonzero(~id_ok):
        chk, value = idc.check[pos], ids.iat[pos]
        if chk == "bad_type":
            continue
        if pos in doc_messages:
            E.add(int(pos), "id_number", f"id_{chk}", doc_messages[pos])
        elif chk == "missing":
            msg = _m("missing", col=idcol.zh, col_en=idcol.en)
            E.add(int(pos), "id_number", "missing", msg)
        elif chk == "as_number":
            E.add(int(pos), "id_number", "id_as_number", _m("id_as_number", value=value))
        else:
            E.add(int(pos), "id_number", f"id_{chk}", id_error_message(chk, value, idc.detail[pos]))

    # -- sex and birth date, when given, must agree with the ID
    if present["sex"]:
        sexv = col["sex"].str.lower().map(SEX_VALUES).to_numpy(dtype=object)
        unmapped = pd.isna(sexv)
        E.add_mask(unmapped & ~blank["sex"], "sex", "bad_sex", lambda p: _m("bad_sex", value=cell("sex", p)))
        mismatch = derived & ~unmapped & (sexv != idc.sex)
        E.add_mask(mismatch, "sex", "sex_mismatch",
                   lambda p: _m("sex_mismatch", value=cell("sex", p), derived=SEX_LABELS[idc.sex[p]].zh, derived_en=SEX_LABELS[idc.sex[p]].en))  # fmt: skip
    # -- 参与评奖: yes / no, empty is yes
    eligible = np.ones(n, dtype=bool)
    if present["award_eligible"]:
        yes_no = col["award_eligible"].str.lower().map(YES_NO_VALUES).to_numpy(dtype=object)
        unmapped = pd.isna(yes_no)
        E.add_mask(unmapped & ~blank["award_eligible"], "award_eligible", "bad_yes_no", lambda p: _m("bad_yes_no", value=cell("award_eligible", p)))
        eligible = np.array([v is not False for v in yes_no], dtype=bool)
    # -- 队长: yes / no, empty is no
    captain = np.zeros(n, dtype=bool)
    if present["team_captain"]:
        yes_no = col["team_captain"].str.lower().map(YES_NO_VALUES).to_numpy(dtype=object)
        unmapped = pd.isna(yes_no)
        E.add_mask(unmapped & ~blank["team_captain"], "team_captain", "bad_yes_no", lambda p: _m("bad_yes_no", value=cell("team_captain", p)))
        captain = np.array([v is True for v in yes_no], dtype=bool)
    bd = np.full(n, None, dtype=object)
    future = np.zeros(n, dtype=bool)
    if present["birth_date"]:
        texts = col["birth_date"].to_numpy(dtype=str)
        parsed = {t: parse_date_text(t) for t in set(texts.tolist()) if t}
        bd = np.array([parsed.get(t) for t in texts], dtype=object)
        unparsed = np.array([d is None for d in bd], dtype=bool) & ~blank["birth_date"]
        E.add_mask(unparsed, "birth_date", "bad_date", lambda p: _m("bad_date", value=cell("birth_date", p)))
        future = np.array([d is not None and d > today for d in bd], dtype=bool)
        E.add_mask(future, "birth_date", "birth_date_future", lambda p: _m("birth_date_future", value=bd[p].isoformat()))
        differs = derived & ~future & np.array([d is not None for d in bd], dtype=bool) & (bd != idc.birth)
        E.add_mask(differs, "birth_date", "birth_date_mismatch",
                   lambda p: _m("birth_date_mismatch", value=bd[p].isoformat(), derived=idc.birth[p].isoformat()))  # fmt: skip

    # -- documents that carry neither: sex and birth date as entered, and required
    if entered.any():
        sex_in = col["sex"].str.lower().map(SEX_VALUES).to_numpy(dtype=object)
        label = {tp: DOC_TYPES[tp].label for tp in DOC_TYPES}
        for key in ("sex", "birth_date"):
            c = COLUMN_BY_KEY[key]
            E.add_mask(entered & blank[key], key, "missing",
                       lambda p, c=c: _m("missing_for_document", col=c.zh, col_en=c.en, doc=label[types[p]].zh, doc_en=label[types[p]].en))  # fmt: skip
        for pos in np.flatnonzero(entered).tolist():
            idc.sex[pos] = sex_in[pos] if isinstance(sex_in[pos], str) else None
            idc.birth[pos] = None if future[pos] else bd[pos]

    # -- skill and group
    skill_texts = col["skill"].to_numpy(dtype=str)
    skill_of = {t: context.find_skill(t) for t in set(skill_texts.tolist()) if t}
    skill = np.array([skill_of.get(t) for t in skill_texts], dtype=object)
    no_skill = np.array([s is None for s in skill], dtype=bool)
    options = "、".join(s.name for s in context.skills[:12]) + ("…" if len(context.skills) > 12 else "")
    E.add_mask(no_skill & ~blank["skill"], "skill", "unknown_skill", lambda p: _m("unknown_skill", value=skill_texts[p], options=options))
    group_texts = col["group"].to_numpy(dtype=str)
    kind_of = {t: GROUP_VALUES.get(_fold(t)) for t in set(group_texts.tolist()) if t}
    kind = np.array([kind_of.get(t) for t in group_texts], dtype=object)
    no_kind = np.array([k is None for k in kind], dtype=bool)
    E.add_mask(no_kind & ~blank["group"], "group", "bad_group", lambda p: _m("bad_group", value=group_texts[p]))
    group_id = np.full(n, None, dtype=object)
    resolved = np.zeros(n, dtype=bool)
    for pos in np.flatnonzero(~no_skill & ~no_kind):
        s, k = skill[pos], kind[pos]
        if k in s.groups:
            group_id[pos] = s.groups[k]
            resolved[pos] = True
        else:
            E.add(int(pos), "group", "unknown_group", _m(
                "unknown_group", skill=s.name, group=GROUP_LABELS[k].zh, group_en=GROUP_LABELS[k].en,
                options="、".join(GROUP_LABELS[g].zh for g in s.groups) or "（无）",
                options_en=", ".join(GROUP_LABELS[g].en for g in s.groups) or "(none)",
            ))  # fmt: skip

    # -- level and its certificate
    level_texts = col["current_level"].to_numpy(dtype=str)
    level_of: dict[str, SkillLevel | None] = {}
    for t in set(level_texts.tolist()):
        if t:
            try:
                level_of[t] = parse_level(t)
            except ValueError:
                level_of[t] = None
    level = np.array([level_of.get(t) for t in level_texts], dtype=object)
    no_level = np.array([lv is None for lv in level], dtype=bool)
    level_options = "、".join(lv.zh for lv in SkillLevel)
    E.add_mask(no_level & ~blank["current_level"], "current_level", "bad_level",
               lambda p: _m("bad_level", value=level_texts[p], options=level_options))  # fmt: skip
    cert = col["level_certificate_no"]
    if present["level_certificate_no"]:
        E.add_mask(~blank["level_certificate_no"] & ~cert.str.fullmatch(_CERT).to_numpy(dtype=bool), "level_certificate_no",
                   "bad_certificate_no", lambda p: _m("bad_certificate_no", value=cert.iat[p]))  # fmt: skip
    if context.require_certificate_no:
        above = np.array([lv is not None and lv > SkillLevel.APPRENTICE for lv in level], dtype=bool)
        E.add_mask(above & blank["level_certificate_no"], "level_certificate_no", "missing_certificate_no",
                   lambda p: _m("missing_certificate_no", level=level[p].zh, level_en=level[p].en))  # fmt: skip

    # -- phone
    phone = col["phone"].str.replace(_PHONE_JUNK, "", regex=True).str.replace(_PHONE_PREFIX, "", regex=True)
    bad_phone = ~phone.str.fullmatch(r"1[3-9][0-9]{9}").to_numpy(dtype=bool) & ~blank["phone"]
    E.add_mask(bad_phone, "phone", "bad_phone", lambda p: _m("bad_phone", value=cell("phone", p)))

    # -- one person, one entry: within the sheet and against the event
    dup = (refs.duplicated(keep=False) & ids.ne("")).to_numpy()
    if dup.any():
        where: dict[str, list[int]] = defaultdict(list)
        for pos in np.flatnonzero(dup):
            where[refs.iat[pos]].append(int(rows[pos]))
        E.add_mask(dup, "id_number", "duplicate_in_sheet",
                   lambda p: _m("duplicate_in_sheet", id=ids.iat[p], rows=", ".join(map(str, where[refs.iat[p]]))))  # fmt: skip
    registered = context._registered
    existing = np.full(n, None, dtype=object)
    if registered:
        id_list = refs.tolist()
        for pos in np.flatnonzero(id_ok):
            reg = registered.get(id_list[pos])
            if reg is None:
                continue
            existing[pos] = reg
            if resolved[pos] and (reg.skill_id != skill[pos].id or reg.group_id != group_id[pos]):
                other, other_kind = context._group_by_id.get(reg.group_id, (context._skill_by_id.get(reg.skill_id), None))
                label = GROUP_LABELS.get(other_kind or "", Message("", "a group"))
                E.add(int(pos), "id_number", "registered_elsewhere", _m(
                    "registered_elsewhere", skill=other.name if other else str(reg.skill_id), group=label.zh, group_en=label.en,
                ))  # fmt: skip

    if not present["team_captain"]:  # a sheet without the 队长 column keeps the stored captains
        for pos in np.flatnonzero(existing != None).tolist():  # noqa: E711
            data = existing[pos].data
            captain[pos] = bool(data and data.get("team_captain"))

    # -- teams
    team = col["team"]
    has_team = ~blank["team"] if present["team"] else np.zeros(n, dtype=bool)
    _check_teams(E, context, team, refs, skill, kind, group_id, resolved, has_team, captain, col["delegation"])

    # -- eligibility (per row); the count warning comes after the valid rows are known
    warnings_: list[Issue] = []
    rules = context._rules
    if rules is not None:
        _check_eligibility(E, warnings_, rules, rows, kind, idc.birth, level, col["employer"], id_ok, headers)

    # -- the valid rows
    valid = np.flatnonzero(~E.bad)
    out: list[ValidRow] = []
    if len(valid):
        names = col["name"].to_numpy(dtype=str)
        employers = col["employer"].to_numpy(dtype=str)
        delegations = col["delegation"].to_numpy(dtype=str)
        certs = cert.to_numpy(dtype=str)
        phones = phone.to_numpy(dtype=str)
        teams = team.to_numpy(dtype=str)
        id_arr = ids.to_numpy(dtype=str)
        for pos in valid.tolist():
            s = skill[pos]
            record = {
                "name": names[pos],
                "id_type": types[pos],
                "id_number": id_arr[pos],
                "nationality": nationality[pos],
                "sex": idc.sex[pos],
                "birth_date": idc.birth[pos],
                "skill_id": s.id,
                "skill": s.name,
                "group_id": group_id[pos],
                "group": kind[pos],
                "employer": employers[pos],
                "delegation": delegations[pos],
                "current_level": int(level[pos]),
                "level_certificate_no": certs[pos] or None,
                "phone": phones[pos],
                "team": teams[pos] or None,
                "team_captain": bool(captain[pos]) and bool(teams[pos]),
                "award_eligible": bool(eligible[pos]) if present["award_eligible"] else None,  # None: keep what is stored
            }
            reg = existing[pos]
            if reg is None:
                out.append(ValidRow(int(rows[pos]), "new", record))
            elif reg.data is None:  # nothing stored to compare with: the store overwrites, no duplicate
                out.append(ValidRow(int(rows[pos]), "update", record))
            else:
                changed = _changes(reg.data, record)
                out.append(ValidRow(int(rows[pos]), "update" if changed else "unchanged", record, changed))

    if rules is not None and rules.min_entrants > 0:
        counts: dict[tuple[str, str], int] = {}
        by_group: dict[Any, int] = defaultdict(int)
        for reg in registered.values():
            by_group[reg.group_id] += 1
        for r in out:
            if r.status == "new":
                by_group[r.record["group_id"]] += 1
        for s in context.skills:
            for k, gid in s.groups.items():
                counts[(s.name, k)] = by_group.get(gid, 0)
        for f in elig.check_entrant_counts(rules, counts):
            warnings_.append(Issue(None, None, f.code, f.message.zh, f.message.en))

    invalid_rows = sorted({int(rows[p]) for p in np.flatnonzero(E.bad)})
    return ImportReport(rows=out, errors=E.issues(), warnings=warnings_, total=n, invalid_rows=invalid_rows)


def _check_teams(E: _Errors, ctx: ImportContext, team: pd.Series, ids: pd.Series, skill: np.ndarray, kind: np.ndarray,
                 group_id: np.ndarray, resolved: np.ndarray, has_team: np.ndarray, captain: np.ndarray,
                 delegation: pd.Series) -> None:  # fmt: skip
    """A team skill's entrants are all in teams of exactly its size (at most, for a form), with one
    captain, of one delegation; an individual skill has no teams. Members stored earlier count
    too, unless this sheet lists them again."""
    team_names = team.to_numpy(dtype=str) if len(team) else np.array([], dtype=str)
    delegations = delegation.to_numpy(dtype=str) if len(delegation) else np.array([], dtype=str)
    members: dict[str, list[int]] = defaultdict(list)
    for pos in np.flatnonzero(resolved).tolist():
        size = getattr(skill[pos], "team_size", 1) or 1
        if size > 1 and not has_team[pos]:
            E.add(pos, "team", "team_required", _m("team_required", skill=skill[pos].name, size=size))
        elif size == 1 and has_team[pos]:
            E.add(pos, "team", "team_individual", _m("team_individual", skill=skill[pos].name))
        elif size == 1 and captain[pos]:
            E.add(pos, "team_captain", "team_individual", _m("team_individual", skill=skill[pos].name))
    for pos in np.flatnonzero(has_team).tolist():
        members[team_names[pos]].append(pos)
    stored: dict[tuple[Any, Any, str], dict[str, Mapping[str, Any]]] | None = None
    for name, positions in members.items():
        combos = {(skill[p].id, group_id[p]) for p in positions if resolved[p]}
        if len(combos) > 1:
            labels = sorted({(skill[p].name, kind[p]) for p in positions if resolved[p]})
            zh = "；".join(f"{s} {GROUP_LABELS[k].zh}" for s, k in labels)
            en = "; ".join(f"{s} {GROUP_LABELS[k].en}" for s, k in labels)
            for p in positions:
                E.add(p, "team", "team_mixed", _m("team_mixed", team=name, combos=zh, combos_en=en))
            continue
        if not combos:
            continue  # its rows already carry skill or group errors
        (sid, gid) = next(iter(combos))
        want = getattr(next(skill[p] for p in positions if resolved[p]), "team_size", 1) or 1
        if want == 1:
            continue  # reported per row above
        if stored is None:
            stored = defaultdict(dict)
            for pid, reg in ctx._registered.items():
                if reg.data and reg.data.get("team"):
                    stored[(reg.skill_id, reg.group_id, str(reg.data["team"]))][pid] = reg.data
        sheet_ids = {ids.iat[p] for p in positions}
        earlier = {pid: d for pid, d in stored.get((sid, gid, name), {}).items() if pid not in sheet_ids}
        size = len(sheet_ids | earlier.keys())
        if size > want or (size < want and not ctx.partial_teams):
            for p in positions:
                E.add(p, "team", "team_size", _m("team_size", team=name, size=size, min=want, max=want))
        captains = sum(1 for p in positions if captain[p]) + sum(1 for d in earlier.values() if d.get("team_captain"))
        if captains > 1 or (captains == 0 and not ctx.partial_teams):
            for p in positions:
                if captains > 1 and not captain[p]:
                    continue
                E.add(p, "team_captain", "team_captains", _m("team_captains", team=name, count=captains))
        places = {delegations[p].strip() for p in positions} | {str(d.get("delegation") or "").strip() for d in earlier.values()}
        if len(places) > 1:
            for p in positions:
                E.add(p, "delegation", "team_delegations", _m("team_delegations", team=name, delegations="、".join(sorted(places)),
                                                           delegations_en=", ".join(sorted(places))))  # fmt: skip


def _check_eligibility(E: _Errors, warnings_: list[Issue], rules: elig.EligibilityRules, rows: np.ndarray, kind: np.ndarray,
                       birth: np.ndarray, level: np.ndarray, employers: pd.Series, id_ok: np.ndarray,
                       headers: Mapping[str, str]) -> None:  # fmt: skip
    per_row = (
        rules.born_on_or_after is not None
        or rules.min_level
        or (rules.school_check != "off" and any(k in elig.SCHOOL_GROUPS for k in set(kind.tolist())))
    )
    if not per_row:
        return
    emp = employers.to_numpy(dtype=str)
    field_key = {"birth_date": "birth_date" if "birth_date" in headers else "id_number", "current_level": "current_level", "employer": "employer"}
    for pos in np.flatnonzero(np.array([k is not None for k in kind], dtype=bool)).tolist():
        lv = level[pos]
        findings = elig.check_entrant(
            rules,
            group_kind=kind[pos],
            birth_date=birth[pos] if id_ok[pos] else None,
            current_level=lv if lv is not None else None,
            employer=emp[pos],
        )
        for f in findings:
            if f.code == "level_too_low" and lv is None:
                continue  # the bad level is reported already
            key = field_key.get(f.field or "", "name")
            if f.severity == elig.REFUSAL:
                E.add(pos, key, f.code, f.message)
            else:
                warnings_.append(Issue(int(rows[pos]), E.column(key), f.code, f.message.zh, f.message.en))


def _compare_value(key: str, v: Any) -> str:
    if key == "team_captain":
        return str(bool(v))
    if key == "award_eligible":  # stored None (never said) is yes, as an empty cell is
        return str(v if isinstance(v, bool) else YES_NO_VALUES.get(str(v if v is not None else "").strip().lower(), True))
    if v is None:
        return ""
    if key == "current_level":
        try:
            return str(int(parse_level(v)))
        except ValueError:
            return str(v)
    if key == "birth_date" and isinstance(v, (date, datetime)):
        return (v.date() if isinstance(v, datetime) else v).isoformat()
    if key == "sex":
        return SEX_VALUES.get(str(v).strip().lower(), str(v).strip())
    return str(v).strip()


def _changes(stored: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Fields that differ between a stored registration and a sheet row (only fields the store gave)."""
    out: dict[str, tuple[Any, Any]] = {}
    for key in COMPARED_FIELDS:
        if key == "award_eligible" and record[key] is None:
            continue  # the sheet has no such column: the stored choice stays
        if key in stored and _compare_value(key, stored[key]) != _compare_value(key, record[key]):
            out[key] = (stored[key], record[key])
    return out
