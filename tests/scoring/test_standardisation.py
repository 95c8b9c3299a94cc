from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.standardisation import STANDARDISATIONS, standardiser

D = Decimal


def test_identity_for_provincial_and_national():
    raw = {"a": D("81.5"), "b": D(70)}
    assert standardiser({"strategy": "identity", "params": {}}).apply(raw) == raw
    assert standardiser(None).apply(raw) == raw


def test_worldskills_700_median_maps_to_700():
    ws = STANDARDISATIONS.create("worldskills_700")
    raw = {"a": D(60), "b": D(70), "c": D(80), "d": D(90), "e": D(50)}
    out = ws.apply(raw)
    # median 70 (contestant b); MAD = 10, so one sd = 14.826: 80 → 700 + 30 × 10 / 14.826
    assert out["b"] == D(700)
    assert out["c"] == D("720.23")
    assert out["a"] == D("679.77")
    assert out["e"] == D("659.53")


def test_fallback_when_mad_is_zero():
    ws = STANDARDISATIONS.create("worldskills_700")
    raw = {"a": D(70), "b": D(70), "c": D(70), "d": D(80), "e": D(60)}
    out = ws.apply(raw)
    # MAD = 0; mean absolute deviation = 20 / 5 = 4; denominator 1.2533 × 4 = 5.0132
    assert out["a"] == out["b"] == out["c"] == D(700)
    assert out["d"] == D("759.84")
    assert out["e"] == D("640.16")
    assert ws.apply({"a": D(50), "b": D(50)}) == {"a": D(700), "b": D(700)}
    assert ws.apply({}) == {}


def test_parameters_are_settings():
    ws = STANDARDISATIONS.create("worldskills_700", {"centre": 500, "spread": "20", "mad_scale": 1})
    out = ws.apply({"a": D(10), "b": D(20), "c": D(30)})
    assert out == {"a": D(480), "b": D(500), "c": D(520)}


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 10000), min_size=1, max_size=25))
def test_standardisation_is_monotonic(units):
    ws = STANDARDISATIONS.create("worldskills_700")
    raw = {f"c{i}": Decimal(u).scaleb(-2) for i, u in enumerate(units)}
    out = ws.apply(raw)
    order = sorted(raw, key=lambda k: raw[k])
    for lo, hi in zip(order, order[1:]):
        assert out[lo] <= out[hi]
        if raw[lo] == raw[hi]:
            assert out[lo] == out[hi]
