import copy
from decimal import Decimal

import pytest

from scoring.scheme import SchemeError, scheme_from_dict, scheme_to_dict, validate_scheme


def test_small_scheme_is_valid(small_scheme):
    assert validate_scheme(small_scheme) == []
    assert small_scheme.part_max("practical") == Decimal(100)
    assert small_scheme.aspect("B1.1").scale_max == Decimal(3)
    assert [a.id for a in small_scheme.aspects()] == ["T1.1", "A1.1", "A1.2", "A1.3", "B1.1", "B1.2"]


def test_dict_round_trip(scheme_dict, small_scheme):
    data = scheme_to_dict(small_scheme)
    assert scheme_from_dict(data) == small_scheme
    assert scheme_to_dict(scheme_from_dict(data)) == data
    # JSON-able: strings, lists, dicts only.
    import json

    assert json.loads(json.dumps(data, ensure_ascii=False)) == data


def _problems(data):
    with pytest.raises(SchemeError) as exc:
        scheme_from_dict(data)
    return exc.value.problems


def test_sum_mismatch_names_the_criterion_and_the_part(scheme_dict):
    data = scheme_dict()
    data["criteria"][2]["sub_criteria"][0]["aspects"][1]["max_mark"] = "25"  # B1.2 30 → 25
    problems = _problems(data)
    codes = {p.code: p for p in problems}
    assert codes["criterion_sum_mismatch"].criterion_id == "B"
    assert "55" in codes["criterion_sum_mismatch"].message.zh and "60" in codes["criterion_sum_mismatch"].message.en
    assert codes["part_sum_mismatch"].path == "practical"
    assert "95" in codes["part_sum_mismatch"].message.zh


def test_bad_aspect_is_named(scheme_dict):
    data = scheme_dict()
    aspects = data["criteria"][2]["sub_criteria"][0]["aspects"]
    aspects[0]["descriptors"] = ["only", "three", "given"]  # B1.1
    problems = _problems(data)
    [p] = [p for p in problems if p.code == "descriptors_missing"]
    assert p.aspect_id == "B1.1"
    assert p.path == "B/B1/B1.1"
    assert "B1.1" in p.message.zh and "B1.1" in p.message.en


def test_zero_max_mark_and_bad_bands_are_named(scheme_dict):
    data = scheme_dict()
    a = data["criteria"][1]["sub_criteria"][0]["aspects"]
    a[0]["max_mark"] = "0"
    a[1]["bands"] = [{"tolerance": "0.05", "mark": "5"}, {"tolerance": "0.1", "mark": "10"}]
    a[2]["deduction_step"] = None
    found = {(p.code, p.aspect_id) for p in _problems(data)}
    assert ("max_mark_not_positive", "A1.1") in found
    assert ("bad_bands", "A1.2") in found
    assert ("bad_deduction_step", "A1.3") in found


def test_duplicates_and_weights(scheme_dict):
    data = scheme_dict()
    data["criteria"][2]["sub_criteria"][0]["aspects"][1]["id"] = "B1.1"
    data["parts"] = {"theory": "40", "practical": "70"}
    found = {(p.code, p.aspect_id) for p in _problems(data)}
    assert ("duplicate_id", "B1.1") in found
    assert ("part_weights", None) in found


def test_parse_errors_carry_paths(scheme_dict):
    data = scheme_dict()
    data["criteria"][1]["sub_criteria"][0]["aspects"][0]["max_mark"] = "ten"
    [p] = _problems(data)
    assert p.path == "criteria[1].sub_criteria[0].aspects[0]"
    assert p.field == "max_mark"


def test_defaults_come_from_the_preset(scheme_dict):
    data = scheme_dict()
    del data["parts"]
    scheme = scheme_from_dict(data, defaults={"total": "100", "parts": {"theory": "40", "practical": "60"}})
    assert scheme.parts == {"theory": Decimal(40), "practical": Decimal(60)}
    # Practical-only scheme (WorldSkills): valid with the practical-only parts.
    ws = copy.deepcopy(data)
    ws["criteria"] = ws["criteria"][1:]
    assert scheme_from_dict(ws, defaults={"parts": {"practical": "100"}}).parts == {"practical": Decimal(100)}
    # …but not with the 30/70 default, which needs a theory part.
    with pytest.raises(SchemeError) as exc:
        scheme_from_dict(ws)
    assert [p.code for p in exc.value.problems] == ["part_sum_mismatch"]


def test_measurement_marks_allowed(small_scheme):
    full, banded, deduct = (small_scheme.aspect(i) for i in ("A1.1", "A1.2", "A1.3"))
    assert full.allows_mark(Decimal(10)) and full.allows_mark(Decimal(0)) and not full.allows_mark(Decimal(5))
    assert banded.allows_mark(Decimal(5)) and not banded.allows_mark(Decimal(7))
    assert deduct.allows_mark(Decimal(14)) and not deduct.allows_mark(Decimal(15)) and deduct.allows_mark(Decimal(0))
    assert banded.band_mark("-0.03") == Decimal(10)
    assert banded.band_mark("0.08") == Decimal(5)
    assert banded.band_mark("0.2") == Decimal(0)
