"""Exact numbers and the rounding rule (舍入规则).

Marks are never floats. Inputs are read as :class:`~decimal.Decimal` (a float is read through its
shortest ``repr``, so ``0.1`` is ``Decimal("0.1")``), intermediate results are exact fractions,
and a value is rounded only at the points the rule names:

1. A judge's score may carry at most ``places`` decimals (default 2); more is an input error.
2. An aspect mark (评分项得分) is computed exactly (e.g. ``sum / (3 × n) × max``) and rounded
   **once** to ``places`` decimals with ``mode`` (default ``ROUND_HALF_UP``, 四舍五入).
3. Sub-criterion, criterion and part totals are exact sums of rounded aspect marks.
4. A part's weighted contribution (e.g. practical × 70 %) is rounded once to ``places``.
5. The overall total is the exact sum of the weighted contributions.
6. A standardised score (世赛 700 分制) is computed exactly from the totals and rounded once.

Rankings compare these rounded decimals for equality and order, so the same marks always give
the same ranking. In ``places`` decimals every value is an integer number of *units*
(hundredths by default); the vectorised fast path (:mod:`scoring.bulk`) works in those units
with the same rounding function and must agree with the exact path to the unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from scoring.messages import Message, ScoringError

ROUNDING_MODES = ("ROUND_HALF_UP", "ROUND_HALF_EVEN", "ROUND_HALF_DOWN", "ROUND_DOWN", "ROUND_UP", "ROUND_FLOOR", "ROUND_CEILING")
# Short names used in presets for counts ("rounded as the preset says").
_SHORT_MODES = {
    "floor": "ROUND_FLOOR",
    "ceil": "ROUND_CEILING",
    "ceiling": "ROUND_CEILING",
    "half_up": "ROUND_HALF_UP",
    "half_even": "ROUND_HALF_EVEN",
    "down": "ROUND_DOWN",
    "up": "ROUND_UP",
}


def normalise_mode(mode: str) -> str:
    """``"floor"`` → ``"ROUND_FLOOR"``; full names pass through; anything else is an error."""
    key = str(mode).strip()
    full = _SHORT_MODES.get(key.lower(), key.upper())
    if full not in ROUNDING_MODES:
        raise ScoringError(
            "bad_rounding_mode",
            Message(f"未知的舍入方式 {mode!r}", f"unknown rounding mode {mode!r}"),
            allowed=list(ROUNDING_MODES) + list(_SHORT_MODES),
        )
    return full


def div_round(p: int, q: int, mode: str = "ROUND_HALF_UP") -> int:
    """``p / q`` rounded to an integer by ``mode``; exact for any integers (``q != 0``).

    The single rounding function of the project: the exact path and the NumPy path both use
    this definition, so they cannot disagree on a half.
    """
    if q == 0:
        raise ZeroDivisionError("div_round by zero")
    if q < 0:
        p, q = -p, -q
    f, r = divmod(p, q)  # f = floor(p / q), 0 <= r < q
    if r == 0:
        return f
    if mode == "ROUND_FLOOR":
        return f
    if mode == "ROUND_CEILING":
        return f + 1
    if mode == "ROUND_DOWN":  # toward zero
        return f if p >= 0 else f + 1
    if mode == "ROUND_UP":  # away from zero
        return f + 1 if p >= 0 else f
    twice = 2 * r
    if twice > q:
        return f + 1
    if twice < q:
        return f
    if mode == "ROUND_HALF_UP":  # exact half: away from zero
        return f + 1 if p >= 0 else f
    if mode == "ROUND_HALF_DOWN":  # exact half: toward zero
        return f if p >= 0 else f + 1
    if mode == "ROUND_HALF_EVEN":
        return f if f % 2 == 0 else f + 1
    raise ValueError(f"unknown rounding mode {mode!r}")


def div_round_array(p: Any, q: Any, mode: str = "ROUND_HALF_UP") -> Any:
    """NumPy version of :func:`div_round` (element-wise, ``q > 0``); same results, same modes."""
    import numpy as np

    p = np.asarray(p, dtype=np.int64)
    q = np.asarray(q, dtype=np.int64)
    f, r = np.divmod(p, q)
    if mode == "ROUND_FLOOR":
        return f
    up = r > 0
    if mode == "ROUND_CEILING":
        return f + up
    neg = p < 0
    if mode == "ROUND_DOWN":
        return f + (up & neg)
    if mode == "ROUND_UP":
        return f + (up & ~neg)
    twice = 2 * r
    above = twice > q
    half = (twice == q) & up
    if mode == "ROUND_HALF_UP":
        return f + above + (half & ~neg)
    if mode == "ROUND_HALF_DOWN":
        return f + above + (half & neg)
    if mode == "ROUND_HALF_EVEN":
        return f + above + (half & (f % 2 == 1))
    raise ValueError(f"unknown rounding mode {mode!r}")


def to_decimal(value: Any, *, what: str = "value") -> Decimal:
    """Read a number from plain data: Decimal, int, str or float (never bool, NaN or infinity)."""
    if isinstance(value, bool) or value is None:
        raise ScoringError("not_a_number", Message(f"{what} 不是数字：{value!r}", f"{what} is not a number: {value!r}"))
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        d = Decimal(repr(value))
    elif isinstance(value, Fraction):
        raise TypeError("round a Fraction with Rounding.quantize, do not convert it")
    else:
        try:
            d = Decimal(str(value).strip())
        except InvalidOperation:
            raise ScoringError("not_a_number", Message(f"{what} 不是数字：{value!r}", f"{what} is not a number: {value!r}")) from None
    if not d.is_finite():
        raise ScoringError("not_a_number", Message(f"{what} 不是有限数：{value!r}", f"{what} is not finite: {value!r}"))
    return d


@dataclass(frozen=True)
class Rounding:
    """The rounding rule of an event: ``places`` decimals, ``mode`` for halves (see module doc)."""

    places: int = 2
    mode: str = "ROUND_HALF_UP"

    def __post_init__(self) -> None:
        if not isinstance(self.places, int) or isinstance(self.places, bool) or not 0 <= self.places <= 6:
            raise ScoringError("bad_places", Message("小数位数须为 0–6", "places must be 0–6"))
        object.__setattr__(self, "mode", normalise_mode(self.mode))

    @classmethod
    def from_section(cls, section: Any) -> Rounding:
        """From the preset's ``scoring.rounding`` (``{"places": 2, "mode": "ROUND_HALF_UP"}``)."""
        if section is None:
            return cls()
        if isinstance(section, Rounding):
            return section
        return cls(places=int(section.get("places", 2)), mode=str(section.get("mode", "ROUND_HALF_UP")))

    @property
    def scale(self) -> int:
        """Units per 1 (100 for two places)."""
        return 10**self.places

    def units(self, value: Any, *, what: str = "value") -> int:
        """An exact decimal as integer units; more decimals than ``places`` is an error."""
        d = to_decimal(value, what=what)
        scaled = d.scaleb(self.places)
        if scaled != scaled.to_integral_value():
            raise ScoringError(
                "too_many_decimals", Message(f"{what} 最多 {self.places} 位小数：{d}", f"{what} allows at most {self.places} decimals: {d}")
            )
        return int(scaled)

    def from_units(self, units: int) -> Decimal:
        return Decimal(int(units)).scaleb(-self.places)

    def round_units(self, value: Fraction | int) -> int:
        """An exact rational rounded to integer units."""
        x = Fraction(value)
        return div_round(x.numerator * self.scale, x.denominator, self.mode)

    def quantize(self, value: Fraction | Decimal | int) -> Decimal:
        """An exact value rounded once to ``places`` decimals."""
        if isinstance(value, Decimal):
            value = Fraction(value)
        return self.from_units(self.round_units(value))

    def to_dict(self) -> dict[str, Any]:
        return {"places": self.places, "mode": self.mode}


def decimal_str(d: Decimal | None) -> str | None:
    """A decimal for JSON: plain notation, no exponent (``Decimal("1E+2")`` → ``"100"``)."""
    if d is None:
        return None
    if d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    return format(d.normalize(), "f")
