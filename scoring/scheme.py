"""Marking schemes (评分标准 / 评分方案): skill → criteria → sub-criteria → aspects.

Terms, as experts use them:

- criterion (评分标准 / 模块, A, B, C…): carries its standards section (世赛技术标准章节 WSSS)
  and its weight (配分, the marks it is worth); belongs to a *part*, theory (理论) or practical
  (实操), weighted within the skill (default 30 / 70).
- sub-criterion (子标准): a group of aspects.
- aspect (评分项 / 评分点), one of three kinds:

  - ``M`` measurement (测量 / 客观评分): one objective mark. ``mode`` says how: ``full_or_zero``
    (全有全无), ``banded`` (分档: tolerance bands with partial marks), ``deduction`` (扣分: full
    marks less a step per fault, not below zero).
  - ``J`` judgement (评价 / 评判评分): judges score 0–3 against four descriptors (0 below
    industry standard … 3 excellent); the mark is ``mean / 3 × max``.
  - ``S`` subjective (主观评分): judges give marks directly, 0 … max (provincial and national
    events, trimmed mean of five judges).

A scheme is valid when every part that carries weight adds up to the skill's total (100 by
default), every criterion adds up to its declared weight, the part weights add up to 100, and
every aspect is well formed; :func:`validate_scheme` returns the problems, each naming the
criterion, sub-criterion or aspect at fault. :func:`scheme_from_dict` / :func:`scheme_to_dict`
give the JSON-able form the API uses (decimals as strings).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from scoring.messages import Message, ScoringError
from scoring.numbers import Rounding, decimal_str, to_decimal

MEASUREMENT = "M"
JUDGEMENT = "J"
SUBJECTIVE = "S"
KINDS = (MEASUREMENT, JUDGEMENT, SUBJECTIVE)
#: The preset's ``scoring`` key that picks the aggregation strategy for each kind.
KIND_SECTION = {MEASUREMENT: "measurement", JUDGEMENT: "judgement", SUBJECTIVE: "subjective"}
KIND_LABELS = {MEASUREMENT: Message("测量", "Measurement"), JUDGEMENT: Message("评价", "Judgement"), SUBJECTIVE: Message("主观评分", "Subjective")}

FULL_OR_ZERO = "full_or_zero"
BANDED = "banded"
DEDUCTION = "deduction"
MODES = (FULL_OR_ZERO, BANDED, DEDUCTION)
MODE_LABELS = {
    FULL_OR_ZERO: Message("全有全无", "Full or zero"),
    BANDED: Message("分档给分", "Banded by tolerance"),
    DEDUCTION: Message("扣分", "Deduction"),
}

#: Judgement scores run 0..3 against four descriptors.
JUDGEMENT_SCALE = Decimal(3)
DESCRIPTOR_COUNT = 4

THEORY = "theory"
PRACTICAL = "practical"
PART_LABELS = {THEORY: Message("理论", "Theory"), PRACTICAL: Message("实操", "Practical")}
DEFAULT_PARTS = {THEORY: Decimal(30), PRACTICAL: Decimal(70)}
DEFAULT_TOTAL = Decimal(100)


@dataclass(frozen=True)
class Band:
    """A tolerance band of a banded measurement: ``|deviation| <= tolerance`` earns ``mark``."""

    tolerance: Decimal
    mark: Decimal


@dataclass(frozen=True)
class Aspect:
    """An aspect (评分项): the unit judges score."""

    id: str
    description: str
    kind: str
    max_mark: Decimal
    mode: str = FULL_OR_ZERO
    bands: tuple[Band, ...] = ()
    deduction_step: Decimal | None = None
    descriptors: tuple[str, ...] = ()
    requirement: str = ""  # 评分要求 / nominal size, shown to judges with the description

    @property
    def scale_max(self) -> Decimal:
        """Top of a judge's scale: 3 for judgement, the max mark otherwise."""
        return JUDGEMENT_SCALE if self.kind == JUDGEMENT else self.max_mark

    def band_mark(self, deviation: Any) -> Decimal:
        """The mark a measured deviation earns under this aspect's bands (0 outside them)."""
        dev = abs(to_decimal(deviation, what="deviation"))
        if not self.bands:
            raise ScoringError("not_banded", Message(f"评分项 {self.id} 未设分档", f"aspect {self.id} has no bands"))
        for band in sorted(self.bands, key=lambda b: b.tolerance):
            if dev <= band.tolerance:
                return band.mark
        return Decimal(0)

    def allows_mark(self, mark: Decimal) -> bool:
        """Whether a measurement mark is one this aspect can give."""
        if mark < 0 or mark > self.max_mark:
            return False
        if self.kind != MEASUREMENT:
            return True
        if self.mode == FULL_OR_ZERO:
            return mark in (0, self.max_mark)
        if self.mode == BANDED:
            return mark == 0 or any(b.mark == mark for b in self.bands)
        if self.mode == DEDUCTION:
            step = self.deduction_step or Decimal(0)
            lost = self.max_mark - mark
            # A floor at zero means the last step may be partial.
            return mark == 0 or (step > 0 and lost % step == 0)
        return False


@dataclass(frozen=True)
class SubCriterion:
    id: str
    name: str
    aspects: tuple[Aspect, ...]

    @property
    def max_mark(self) -> Decimal:
        return sum((a.max_mark for a in self.aspects), Decimal(0))


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str
    sub_criteria: tuple[SubCriterion, ...]
    part: str = PRACTICAL
    standards_section: str = ""  # 技术标准章节 (WSSS section)
    mark: Decimal | None = None  # declared weight (配分); None: whatever the aspects add up to

    @property
    def max_mark(self) -> Decimal:
        return sum((s.max_mark for s in self.sub_criteria), Decimal(0))

    def aspects(self) -> Iterator[Aspect]:
        for sub in self.sub_criteria:
            yield from sub.aspects


@dataclass(frozen=True)
class AspectPlace:
    """Where an aspect sits in the scheme."""

    aspect: Aspect
    sub_criterion: SubCriterion
    criterion: Criterion


@dataclass(frozen=True)
class MarkingScheme:
    """A skill's marking scheme. ``parts`` maps part name → weight in percent."""

    skill: str
    criteria: tuple[Criterion, ...]
    total: Decimal = DEFAULT_TOTAL
    parts: Mapping[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_PARTS))

    @cached_property
    def places(self) -> dict[str, AspectPlace]:
        """Aspect id → its place; the first of duplicate ids wins (validation reports the rest)."""
        out: dict[str, AspectPlace] = {}
        for crit in self.criteria:
            for sub in crit.sub_criteria:
                for asp in sub.aspects:
                    out.setdefault(asp.id, AspectPlace(asp, sub, crit))
        return out

    def aspect(self, aspect_id: str) -> Aspect:
        try:
            return self.places[aspect_id].aspect
        except KeyError:
            raise ScoringError("unknown_aspect", Message(f"评分标准中没有评分项 {aspect_id}", f"no aspect {aspect_id} in the scheme")) from None

    def aspects(self) -> Iterator[Aspect]:
        for crit in self.criteria:
            yield from crit.aspects()

    def part_max(self, part: str) -> Decimal:
        return sum((c.max_mark for c in self.criteria if c.part == part), Decimal(0))


@dataclass(frozen=True)
class SchemeProblem:
    """One reason a scheme is invalid; ``path`` names the element (``A/A1/A1.3``)."""

    code: str
    path: str
    message: Message
    field: str = ""
    aspect_id: str | None = None
    criterion_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "path": self.path,
            "field": self.field,
            "aspect_id": self.aspect_id,
            "criterion_id": self.criterion_id,
            "message": self.message.to_dict(),
        }


class SchemeError(ScoringError):
    """A scheme that cannot be used; ``problems`` lists every reason, not just the first."""

    def __init__(self, problems: list[SchemeProblem]) -> None:
        first = problems[0].message if problems else Message("评分标准无效", "invalid scheme")
        super().__init__("invalid_scheme", first, problems=[p.to_dict() for p in problems])
        self.problems = problems


def _fmt(d: Decimal) -> str:
    return decimal_str(d) or ""


def validate_scheme(scheme: MarkingScheme, rounding: Rounding | None = None) -> list[SchemeProblem]:
    """Every problem of the scheme, in scheme order; empty when the scheme is usable."""
    rounding = rounding or Rounding()
    problems: list[SchemeProblem] = []

    def add(code: str, path: str, zh: str, en: str, *, fld: str = "", aspect: str | None = None, crit: str | None = None) -> None:
        problems.append(SchemeProblem(code, path, Message(zh, en), fld, aspect, crit))

    def decimals_ok(value: Decimal) -> bool:
        return value.scaleb(rounding.places) == value.scaleb(rounding.places).to_integral_value()

    seen_crit: set[str] = set()
    seen_sub: set[str] = set()
    seen_asp: set[str] = set()
    if not scheme.criteria:
        add("no_criteria", "", "评分标准没有任何评分模块", "the scheme has no criteria")
    for crit in scheme.criteria:
        cp = crit.id or "?"
        if not crit.id:
            add("missing_id", cp, "评分模块缺少编号", "a criterion has no id", fld="id")
        elif crit.id in seen_crit:
            add("duplicate_id", cp, f"评分模块编号 {crit.id} 重复", f"criterion id {crit.id} is used twice", fld="id", crit=crit.id)
        seen_crit.add(crit.id)
        if crit.part not in scheme.parts:
            add(
                "unknown_part",
                cp,
                f"评分模块 {crit.id} 属于未设权重的部分 {crit.part}",
                f"criterion {crit.id} belongs to part {crit.part!r}, which has no weight",
                fld="part",
                crit=crit.id,
            )
        if not crit.sub_criteria:
            add("empty_criterion", cp, f"评分模块 {crit.id} 没有子标准", f"criterion {crit.id} has no sub-criteria", crit=crit.id)
        for sub in crit.sub_criteria:
            sp = f"{cp}/{sub.id or '?'}"
            if not sub.id:
                add("missing_id", sp, f"评分模块 {crit.id} 下有子标准缺少编号", f"a sub-criterion of {crit.id} has no id", fld="id", crit=crit.id)
            elif sub.id in seen_sub:
                add("duplicate_id", sp, f"子标准编号 {sub.id} 重复", f"sub-criterion id {sub.id} is used twice", fld="id", crit=crit.id)
            seen_sub.add(sub.id)
            if not sub.aspects:
                add("empty_sub_criterion", sp, f"子标准 {sub.id} 没有评分项", f"sub-criterion {sub.id} has no aspects", crit=crit.id)
            for asp in sub.aspects:
                ap = f"{sp}/{asp.id or '?'}"
                name = asp.id or "?"

                def bad(code: str, zh: str, en: str, fld: str) -> None:
                    add(code, ap, f"评分项 {name}：{zh}", f"aspect {name}: {en}", fld=fld, aspect=asp.id or None, crit=crit.id)

                if not asp.id:
                    bad("missing_id", "缺少编号", "has no id", "id")
                elif asp.id in seen_asp:
                    bad("duplicate_id", "编号重复", "id is used twice", "id")
                seen_asp.add(asp.id)
                if asp.kind not in KINDS:
                    bad("bad_kind", f"类型须为 M、J 或 S，而不是 {asp.kind!r}", f"type must be M, J or S, not {asp.kind!r}", "kind")
                if asp.max_mark <= 0:
                    bad(
                        "max_mark_not_positive",
                        f"配分须大于 0（现为 {_fmt(asp.max_mark)}）",
                        f"max mark must be above 0 (is {_fmt(asp.max_mark)})",
                        "max_mark",
                    )
                elif asp.max_mark > scheme.total:
                    bad("max_mark_too_large", f"配分 {_fmt(asp.max_mark)} 超过总分", f"max mark {_fmt(asp.max_mark)} exceeds the total", "max_mark")
                if not decimals_ok(asp.max_mark):
                    bad("too_many_decimals", f"配分最多 {rounding.places} 位小数", f"max mark allows at most {rounding.places} decimals", "max_mark")
                if asp.kind == JUDGEMENT:
                    if len(asp.descriptors) != DESCRIPTOR_COUNT or not all(str(d).strip() for d in asp.descriptors):
                        bad(
                            "descriptors_missing",
                            "评价类评分项须有 0–3 分四条描述",
                            "a judgement aspect needs four descriptors, for scores 0–3",
                            "descriptors",
                        )
                if asp.kind == MEASUREMENT:
                    if asp.mode not in MODES:
                        bad("bad_mode", f"评分方式须为 {'/'.join(MODES)}", f"mode must be one of {', '.join(MODES)}", "mode")
                    elif asp.mode == BANDED:
                        _check_bands(asp, bad, decimals_ok)
                    elif asp.mode == DEDUCTION:
                        step = asp.deduction_step
                        if step is None or step <= 0 or step > asp.max_mark:
                            bad(
                                "bad_deduction_step",
                                "扣分步长须大于 0 且不超过配分",
                                "deduction step must be above 0 and at most the max mark",
                                "deduction_step",
                            )
                        elif not decimals_ok(step):
                            bad(
                                "too_many_decimals",
                                f"扣分步长最多 {rounding.places} 位小数",
                                f"deduction step allows at most {rounding.places} decimals",
                                "deduction_step",
                            )
        if crit.mark is not None and crit.mark != crit.max_mark:
            add(
                "criterion_sum_mismatch",
                cp,
                f"评分模块 {crit.id} 各评分项配分合计 {_fmt(crit.max_mark)}，与其配分 {_fmt(crit.mark)} 不符",
                f"criterion {crit.id}: its aspects add up to {_fmt(crit.max_mark)}, not its weight {_fmt(crit.mark)}",
                fld="mark",
                crit=crit.id,
            )

    weight_sum = sum(scheme.parts.values(), Decimal(0))
    if weight_sum != 100 or any(w < 0 for w in scheme.parts.values()):
        add(
            "part_weights",
            "",
            f"各部分权重须为非负数且合计 100（现为 {_fmt(weight_sum)}）",
            f"part weights must be non-negative and add up to 100 (they add up to {_fmt(weight_sum)})",
            fld="parts",
        )
    for part, weight in scheme.parts.items():
        got = scheme.part_max(part)
        label = PART_LABELS.get(part, Message(part, part))
        if weight > 0 and got != scheme.total:
            add(
                "part_sum_mismatch",
                part,
                f"{label.zh}部分各评分项配分合计 {_fmt(got)}，应为总分 {_fmt(scheme.total)}",
                f"{label.en} part: aspects add up to {_fmt(got)}, not the total {_fmt(scheme.total)}",
                fld="max_mark",
            )
        if weight == 0 and got:
            add("part_without_weight", part, f"{label.zh}部分权重为 0，却有评分项", f"{label.en} part has aspects but no weight", fld="parts")
    return problems


def _check_bands(asp: Aspect, bad: Any, decimals_ok: Any) -> None:
    if not asp.bands:
        bad("bands_missing", "分档评分项须至少设一档", "a banded aspect needs at least one band", "bands")
        return
    bands = sorted(asp.bands, key=lambda b: b.tolerance)
    if any(b.tolerance < 0 for b in bands) or len({b.tolerance for b in bands}) != len(bands):
        bad("bad_bands", "分档公差须为互不相同的非负数", "band tolerances must be distinct and non-negative", "bands")
        return
    marks = [b.mark for b in bands]
    if marks[0] != asp.max_mark:
        bad("bad_bands", "最严一档须得满分", "the tightest band must earn the max mark", "bands")
    elif any(m <= 0 for m in marks) or any(a <= b for a, b in zip(marks, marks[1:])):
        bad("bad_bands", "公差越大得分须越低且大于 0", "wider bands must earn less, and more than 0", "bands")
    elif not all(decimals_ok(m) for m in marks):
        bad("too_many_decimals", "分档得分小数位过多", "band marks have too many decimals", "bands")


# --------------------------------------------------------------------------------------------
# Plain dicts (JSON) in and out


_FIELD_LABELS = {
    "max_mark": Message("配分", "max mark"),
    "mark": Message("模块配分", "criterion mark"),
    "deduction_step": Message("扣分步长", "deduction step"),
    "tolerance": Message("公差", "tolerance"),
    "total": Message("总分", "total"),
    "weight": Message("权重", "weight"),
}


def scheme_to_dict(scheme: MarkingScheme) -> dict[str, Any]:
    """The scheme as JSON-able data; decimals are strings so nothing is lost."""
    return {
        "skill": scheme.skill,
        "total": decimal_str(scheme.total),
        "parts": {k: decimal_str(v) for k, v in scheme.parts.items()},
        "criteria": [
            {
                "id": c.id,
                "name": c.name,
                "part": c.part,
                "standards_section": c.standards_section,
                "mark": decimal_str(c.mark),
                "sub_criteria": [{"id": s.id, "name": s.name, "aspects": [_aspect_to_dict(a) for a in s.aspects]} for s in c.sub_criteria],
            }
            for c in scheme.criteria
        ],
    }


def _aspect_to_dict(a: Aspect) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": a.id,
        "description": a.description,
        "kind": a.kind,
        "max_mark": decimal_str(a.max_mark),
        "requirement": a.requirement,
    }
    if a.kind == MEASUREMENT:
        out["mode"] = a.mode
        if a.mode == BANDED:
            out["bands"] = [{"tolerance": decimal_str(b.tolerance), "mark": decimal_str(b.mark)} for b in a.bands]
        if a.mode == DEDUCTION:
            out["deduction_step"] = decimal_str(a.deduction_step)
    if a.kind == JUDGEMENT:
        out["descriptors"] = list(a.descriptors)
    return out


def scheme_from_dict(
    data: Mapping[str, Any], *, defaults: Mapping[str, Any] | None = None, validate: bool = True, rounding: Rounding | None = None
) -> MarkingScheme:
    """Read a scheme from plain data; raises :class:`SchemeError` listing every problem.

    ``defaults`` is the preset's ``scoring`` section: its ``total`` and ``parts`` apply when the
    data leaves them out. With ``validate`` (the default) an invalid scheme is refused too, so a
    caller never holds a half-checked scheme.
    """
    problems: list[SchemeProblem] = []
    defaults = defaults or {}

    def err(path: str, fld: str, zh: str, en: str) -> None:
        problems.append(SchemeProblem("bad_value", path, Message(zh, en), fld))

    # Where a value sits, in the words of the person who typed it ("评分项 A1.2", "criterion B").
    places: dict[str, Message] = {"scheme": Message("评分标准", "the scheme")}

    def place(path: str) -> Message:
        return places.get(path) or Message(path, path)

    def dec(value: Any, path: str, fld: str, *, optional: bool = False, label: Message | None = None) -> Decimal | None:
        where, label = place(path), label or _FIELD_LABELS.get(fld, Message(fld, fld))
        if value is None or value == "":
            if optional:
                return None
            err(path, fld, f"{where.zh}：缺少{label.zh}", f"{where.en}: the {label.en} is missing")
            return None
        try:
            return to_decimal(value, what=fld)
        except ScoringError:
            err(path, fld, f"{where.zh}：{label.zh}不是数字（{value}）", f"{where.en}: the {label.en} is not a number ({value})")
            return None

    def text(value: Any) -> str:
        return "" if value is None else str(value).strip()

    if not isinstance(data, Mapping):
        raise SchemeError([SchemeProblem("bad_value", "", Message("评分标准须为对象", "a scheme must be an object"))])
    total = dec(data.get("total", defaults.get("total", DEFAULT_TOTAL)), "scheme", "total")
    if total is not None and total <= 0:
        err("scheme", "total", "总分须大于 0", "total must be above 0")
    raw_parts = data.get("parts", defaults.get("parts", DEFAULT_PARTS))
    parts: dict[str, Decimal] = {}
    if not isinstance(raw_parts, Mapping):
        err("scheme", "parts", "parts 须为 部分→权重", "parts must map part → weight")
    else:
        for name, weight in raw_parts.items():
            label = PART_LABELS.get(str(name), Message(str(name), str(name)))
            places[f"parts.{name}"] = Message(f"{label.zh}部分", f"the {label.en.lower()} part")
            w = dec(weight, f"parts.{name}", "weight")
            if w is not None:
                parts[str(name)] = w
    criteria = []
    for ci, c in enumerate(data.get("criteria") or []):
        cpath = f"criteria[{ci}]"
        cname = text(c.get("id")) if isinstance(c, Mapping) else ""
        places[cpath] = Message(
            f"评分模块 {cname}" if cname else f"第 {ci + 1} 个评分模块", f"criterion {cname}" if cname else f"criterion no. {ci + 1}"
        )
        if not isinstance(c, Mapping):
            err(cpath, "", f"{cpath} 须为对象", f"{cpath} must be an object")
            continue
        subs = []
        for si, s in enumerate(c.get("sub_criteria") or []):
            spath = f"{cpath}.sub_criteria[{si}]"
            if not isinstance(s, Mapping):
                err(spath, "", f"{spath} 须为对象", f"{spath} must be an object")
                continue
            aspects = []
            for ai, a in enumerate(s.get("aspects") or []):
                apath = f"{spath}.aspects[{ai}]"
                aname = text(a.get("id")) if isinstance(a, Mapping) else ""
                cwhere = places[cpath]
                places[apath] = (
                    Message(f"评分项 {aname}", f"aspect {aname}")
                    if aname
                    else Message(f"{cwhere.zh} 的第 {ai + 1} 个评分项", f"aspect no. {ai + 1} of {cwhere.en}")
                )
                if not isinstance(a, Mapping):
                    err(apath, "", f"{apath} 须为对象", f"{apath} must be an object")
                    continue
                kind = text(a.get("kind")).upper()
                bands = []
                for bi, b in enumerate(a.get("bands") or []):
                    bpath = f"{apath}.bands[{bi}]"
                    places[bpath] = Message(f"{places[apath].zh} 的第 {bi + 1} 档", f"band {bi + 1} of {places[apath].en}")
                    tol = dec(b.get("tolerance") if isinstance(b, Mapping) else None, bpath, "tolerance")
                    mark = dec(b.get("mark") if isinstance(b, Mapping) else None, bpath, "mark", label=Message("得分", "mark"))
                    if tol is not None and mark is not None:
                        bands.append(Band(tol, mark))
                max_mark = dec(a.get("max_mark"), apath, "max_mark")
                aspects.append(
                    Aspect(
                        id=text(a.get("id")),
                        description=text(a.get("description")),
                        kind=kind,
                        max_mark=max_mark if max_mark is not None else Decimal(0),
                        mode=text(a.get("mode")) or FULL_OR_ZERO,
                        bands=tuple(bands),
                        deduction_step=dec(a.get("deduction_step"), apath, "deduction_step", optional=True),
                        descriptors=tuple(text(d) for d in (a.get("descriptors") or ())),
                        requirement=text(a.get("requirement")),
                    )
                )
            subs.append(SubCriterion(id=text(s.get("id")), name=text(s.get("name")), aspects=tuple(aspects)))
        criteria.append(
            Criterion(
                id=text(c.get("id")),
                name=text(c.get("name")),
                sub_criteria=tuple(subs),
                part=text(c.get("part")) or PRACTICAL,
                standards_section=text(c.get("standards_section")),
                mark=dec(c.get("mark"), cpath, "mark", optional=True),
            )
        )
    if problems:
        raise SchemeError(problems)
    assert total is not None  # a missing or bad total was reported above
    scheme = MarkingScheme(skill=text(data.get("skill")), criteria=tuple(criteria), total=total, parts=parts)
    if validate:
        found = validate_scheme(scheme, rounding)
        if found:
            raise SchemeError(found)
    return scheme
