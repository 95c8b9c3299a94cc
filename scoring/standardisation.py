"""Standardisation (标准分 / 世赛 700 分制): raw totals → the scores that are ranked.

Chosen by the preset's ``standardisation`` section:

- ``identity`` (provincial 省赛 and national 国赛): the raw total is the score.
- ``worldskills_700`` (世赛): the skill's median maps to ``centre`` (700) and one robust standard
  deviation to ``spread`` (30) points::

      score = centre + spread × (raw − median) / (mad_scale × MAD)

  where MAD is the median absolute deviation from the median and ``mad_scale`` (1.4826) makes it
  estimate a normal standard deviation. The exact WorldSkills formula is not public; this is one
  published implementation, every constant a parameter.

  **Fallback when MAD is 0** (more than half the competitors share the median mark): the
  denominator becomes ``fallback_scale × mean absolute deviation from the median`` (1.2533 ≈ √(π/2),
  which also estimates a normal standard deviation), so scores stay ordered and spread. If that
  is 0 too, every competitor has the median mark and every score is ``centre``.

All arithmetic is exact; each score is rounded once (``scoring.rounding``). The map is an
increasing affine function of the raw total, so it never reorders competitors (rounding can only
make two close scores equal).
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from scoring.messages import Message, ScoringError
from scoring.numbers import Rounding
from scoring.strategy import Registry, Strategy


class Standardisation(Strategy):
    """Base: ``apply`` maps every contestant's raw total to a score."""

    @abc.abstractmethod
    def apply(self, raw: Mapping[str, Decimal], rounding: Rounding | None = None) -> dict[str, Decimal]:
        """Every contestant's raw total → their score."""


STANDARDISATIONS: Registry[Standardisation] = Registry("standardisation", "标准分")


@STANDARDISATIONS.register
class Identity(Standardisation):
    """Provincial and national tiers: the score is the raw total."""

    name = "identity"

    def apply(self, raw: Mapping[str, Decimal], rounding: Rounding | None = None) -> dict[str, Decimal]:
        return dict(raw)


def _median(values: list[Fraction]) -> Fraction:
    s = sorted(values)
    n = len(s)
    mid = n // 2
    return s[mid] if n % 2 else (s[mid - 1] + s[mid]) / 2


@STANDARDISATIONS.register
class WorldSkills700(Standardisation):
    """世赛 700 分制 (see module docstring for the formula and its fallback)."""

    name = "worldskills_700"

    @dataclass(frozen=True)
    class Params:
        centre: Decimal = Decimal(700)
        spread: Decimal = Decimal(30)
        mad_scale: Decimal = Decimal("1.4826")
        fallback_scale: Decimal = Decimal("1.2533")

    def check_params(self) -> None:
        p = self.params
        if p.spread <= 0 or p.mad_scale <= 0 or p.fallback_scale <= 0:
            raise ScoringError("bad_param", Message("标准分的离散参数须大于 0", "spread, mad_scale and fallback_scale must be above 0"))

    def scale_of(self, values: list[Fraction]) -> tuple[Fraction, Fraction]:
        """``(median, denominator)`` for these raw totals; denominator 0 means all equal."""
        med = _median(values)
        dev = [abs(v - med) for v in values]
        mad = _median(dev)
        if mad:
            return med, Fraction(self.params.mad_scale) * mad
        mean_dev = sum(dev, Fraction(0)) / len(dev)
        return med, Fraction(self.params.fallback_scale) * mean_dev

    def apply(self, raw: Mapping[str, Decimal], rounding: Rounding | None = None) -> dict[str, Decimal]:
        rounding = rounding or Rounding()
        if not raw:
            return {}
        values = {k: Fraction(v) for k, v in raw.items()}
        med, denom = self.scale_of(list(values.values()))
        centre = Fraction(self.params.centre)
        if denom == 0:
            return {k: rounding.quantize(centre) for k in values}
        factor = Fraction(self.params.spread) / denom
        return {k: rounding.quantize(centre + factor * (v - med)) for k, v in values.items()}


def standardiser(section: Any) -> Standardisation:
    """The strategy for a preset's ``standardisation`` section (``None`` → identity)."""
    if not section:
        return Identity()
    return STANDARDISATIONS.from_section(section)
