from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.messages import ScoringError
from scoring.numbers import ROUNDING_MODES, Rounding, decimal_str, div_round, div_round_array, to_decimal


@settings(max_examples=200, deadline=None)
@given(st.integers(-(10**9), 10**9), st.integers(1, 10**6), st.sampled_from(ROUNDING_MODES))
def test_div_round_matches_decimal_quantize(p, q, mode):
    with localcontext() as ctx:
        ctx.prec = 50
        expected = (Decimal(p) / Decimal(q)).quantize(Decimal(1), rounding=mode)
    assert div_round(p, q, mode) == int(expected)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(-(10**6), 10**6), st.integers(1, 1000)), min_size=1, max_size=30), st.sampled_from(ROUNDING_MODES))
def test_div_round_array_matches_scalar(pairs, mode):
    p = np.array([a for a, _ in pairs])
    q = np.array([b for _, b in pairs])
    assert div_round_array(p, q, mode).tolist() == [div_round(a, b, mode) for a, b in pairs]


def test_half_up_is_school_rounding():
    r = Rounding()
    assert r.quantize(Fraction(2, 3)) == Decimal("0.67")
    assert r.quantize(Fraction(1, 200)) == Decimal("0.01")  # 0.005 → 0.01
    assert r.quantize(Fraction(-1, 200)) == Decimal("-0.01")  # away from zero
    assert Rounding(mode="ROUND_HALF_EVEN").quantize(Fraction(1, 200)) == Decimal("0.00")
    # The float trap: 2.675 is below the half as a float, exactly the half as a decimal.
    assert round(2.675, 2) == 2.67
    assert r.quantize(Decimal("2.675")) == Decimal("2.68")
    assert Decimal("2.675").quantize(Decimal("0.01"), ROUND_HALF_UP) == Decimal("2.68")


def test_units_and_decimals():
    r = Rounding()
    assert r.units("7.25") == 725
    assert r.units(0.1) == 10  # a float is read through its repr
    with pytest.raises(ScoringError) as exc:
        r.units("7.255")
    assert exc.value.code == "too_many_decimals"
    assert r.from_units(725) == Decimal("7.25")
    assert Rounding.from_section({"places": 1, "mode": "half_even"}).mode == "ROUND_HALF_EVEN"


def test_to_decimal_refuses_non_numbers():
    for bad in (None, True, "abc", float("nan"), "Infinity"):
        with pytest.raises(ScoringError):
            to_decimal(bad)
    assert to_decimal(" 3.50 ") == Decimal("3.50")
    assert decimal_str(Decimal("1E+2")) == "100"
    assert decimal_str(Decimal("2.50")) == "2.5"
