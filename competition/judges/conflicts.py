"""Conflict of interest (回避) and panel coverage: pure functions, no I/O.

**Conflict.** A judge never scores a contestant of their own delegation (代表队: a city 地市 or an
industry body) or of their own employer (工作单位/学校). Names are compared after normalisation:
Unicode NFKC (full-width letters, digits and brackets become their ASCII forms, the ideographic
space a space), all whitespace removed, case folded. Employer names must then be equal. Delegation
names also lose a trailing 代表队/代表团 and then a trailing 市, so 广州、广州市 and 广州市代表队 are
the same delegation. An empty value never matches anything. A reason names the contestant's
delegation or employer, so it is for organisers and for the judge concerned (whose own it is);
a chief judge before decryption gets ``withheld``: that the judge stands aside, not why.

**Coverage.** For each criterion of a skill, the judges covering it are those assigned as judge
whose criteria list is empty (= all criteria) or names it, plus chief judges whose list names it
explicitly (a chief judge with an empty list supervises and does not mark: WorldSkills' Chief Expert
does not mark; a provincial 裁判长 who also marks gets the criteria listed). A contestant is short on
a criterion when fewer than ``needed`` covering judges are free of conflict with them. The criteria
of a skill are, until the marking scheme is stored, the codes named on its assignments; when none
is named the skill is checked once for "all criteria" (``criterion = None``).

Judges and contestants are passed as mappings (database rows) or objects with the attributes
``delegation`` and ``employer`` (and for coverage ``id``, ``role``, ``criteria``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from scoring import presets

JUDGE = "judge"
CHIEF_JUDGE = "chief_judge"
ASSIGNMENT_ROLES = (JUDGE, CHIEF_JUDGE)

_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_DELEGATION_SUFFIXES = ("代表队", "代表团")
#: Criterion codes: a letter, then letters, digits, dots or hyphens (A, B1, C2.3, WSOS-1).
CRITERION_RE = re.compile(r"^[A-Z][A-Z0-9.\-]{0,19}$")


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a judge may not score a contestant, in both languages."""

    code: str  # "same_delegation" | "same_employer"
    zh: str
    en: str

    def get(self, lang: str = "zh") -> str:
        return self.en if lang.startswith("en") else self.zh

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "zh": self.zh, "en": self.en}


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def normalise_name(text: object) -> str:
    """The comparable form of an organisation name: NFKC, no whitespace, case folded."""
    s = "" if text is None else str(text)
    s = unicodedata.normalize("NFKC", s)
    return _SPACE.sub("", s).casefold()


def normalise_delegation(text: object) -> str:
    s = normalise_name(text)
    for suffix in _DELEGATION_SUFFIXES:
        if s.endswith(suffix) and len(s) > len(suffix):
            s = s[: -len(suffix)]
            break
    if s.endswith("市") and len(s) > 2:
        s = s[:-1]
    return s


def tidy_text(text: object) -> str:
    """How a name is stored: NFKC, outer whitespace removed, inner runs of whitespace one space."""
    s = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return _SPACE.sub(" ", s).strip()


def conflict_reasons(judge: Any, contestant: Any) -> list[Reason]:
    """Every reason ``judge`` may not score ``contestant`` (delegation first); empty when none."""
    reasons: list[Reason] = []
    jd, cd = normalise_delegation(_get(judge, "delegation")), normalise_delegation(_get(contestant, "delegation"))
    if jd and jd == cd:
        shown = tidy_text(_get(contestant, "delegation"))
        reasons.append(
            Reason(
                "same_delegation",
                f"裁判与选手同属代表队“{shown}”，须回避",
                f"The judge and the contestant belong to the same delegation ({shown}); the judge must stand aside",
            )
        )
    je, ce = normalise_name(_get(judge, "employer")), normalise_name(_get(contestant, "employer"))
    if je and je == ce:
        shown = tidy_text(_get(contestant, "employer"))
        reasons.append(
            Reason(
                "same_employer",
                f"裁判与选手同属单位“{shown}”，须回避",
                f"The judge and the contestant have the same employer ({shown}); the judge must stand aside",
            )
        )
    return reasons


def withheld(judge_name: object) -> Reason:
    """A conflict told without the contestant's side, for a reader who must not learn the
    contestant's delegation or employer (a chief judge before decryption): that the judge stands
    aside, not why — with the judge's own delegation known, "same delegation" would name it."""
    name = tidy_text(judge_name)
    return Reason(
        "conflict",
        f"裁判“{name}”与该选手存在回避关系（同一代表队或同一单位），须回避",
        f"Judge {name} has a conflict of interest with this contestant (same delegation or employer) and must stand aside",
    )


def conflict_reason(judge: Any, contestant: Any) -> Reason | None:
    """The first reason ``judge`` may not score ``contestant``, or ``None``."""
    reasons = conflict_reasons(judge, contestant)
    return reasons[0] if reasons else None


def clean_criteria(codes: Iterable[object]) -> tuple[list[str], str | None]:
    """Criterion codes normalised (NFKC, no spaces, upper case), de-duplicated in order.

    Returns ``(codes, bad)`` where ``bad`` is the first code that is not a valid criterion code.
    """
    out: list[str] = []
    for raw in codes:
        code = _SPACE.sub("", unicodedata.normalize("NFKC", "" if raw is None else str(raw))).upper()
        if not code:
            continue
        if not CRITERION_RE.fullmatch(code):
            return out, str(raw)
        if code not in out:
            out.append(code)
    return out, None


def split_criteria(text: str) -> list[str]:
    """``"A, B1、C"`` → ``["A", "B1", "C"]`` (commas, 、, ; or spaces separate codes)."""
    return [p for p in re.split(r"[,，、;；\s]+", unicodedata.normalize("NFKC", text)) if p]


def covers(assignment: Any, criterion: str | None) -> bool:
    """Does this assignment put its judge on the panel of ``criterion`` (``None``: all criteria)?"""
    role = _get(assignment, "role")
    criteria = list(_get(assignment, "criteria") or [])
    if role == JUDGE:
        return not criteria or criterion is None or criterion in criteria
    if role == CHIEF_JUDGE:
        return bool(criteria) and (criterion is None or criterion in criteria)
    return False


def skill_criteria(assignments: Iterable[Any]) -> list[str | None]:
    """The criteria to check: every code named on an assignment, sorted; ``[None]`` when none is."""
    codes = sorted({c for a in assignments for c in (_get(a, "criteria") or [])})
    return list(codes) if codes else [None]


@dataclass(frozen=True, slots=True)
class Shortfall:
    criterion: str | None
    contestant_id: int
    eligible: int
    needed: int


def shortfalls(assignments: Sequence[Any], contestants: Sequence[Any], needed: int) -> list[Shortfall]:
    """Where a contestant has fewer than ``needed`` conflict-free judges on a criterion's panel.

    ``assignments`` carry the judge's ``delegation`` and ``employer`` with ``role`` and ``criteria``;
    ``contestants`` carry ``id``, ``delegation`` and ``employer``. Ordered by criterion, then by the
    order of ``contestants``.
    """
    out: list[Shortfall] = []
    for criterion in skill_criteria(assignments):
        panel = [a for a in assignments if covers(a, criterion)]
        for c in contestants:
            eligible = sum(1 for a in panel if not conflict_reasons(a, c))
            if eligible < needed:
                out.append(Shortfall(criterion, _get(c, "id"), eligible, needed))
    return out


def panel_sizes(assignments: Sequence[Any]) -> list[tuple[str | None, int]]:
    """(criterion, number of judges on its panel) for each criterion of the skill."""
    return [(c, sum(1 for a in assignments if covers(a, c))) for c in skill_criteria(assignments)]


def needed_judges(effective_preset: Mapping[str, Any]) -> tuple[str, int]:
    """How many judges a subjective mark needs under an event's effective rules: (panel, count).

    The preset names it, not this code: ``judging.panel`` is the scoring rule whose panel must be
    filled (WorldSkills: ``judgement``, 3 judges; the other tiers: ``subjective``, 5 judges, trimmed
    mean), its size that rule's ``params.judges`` (``scoring.presets.needed_panel``).
    """
    return presets.needed_panel(dict(effective_preset))
