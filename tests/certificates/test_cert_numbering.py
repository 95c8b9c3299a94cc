"""Certificate numbers: format, ISO 7064 MOD 37,36 check character, parsing and its errors."""

from __future__ import annotations

import itertools

import pytest

from certificates.numbering import ALPHABET, CertificateNumber, CertType, check_char, format_number, is_well_formed, normalize, parse_number

NUMBER = format_number("SZ3", CertType.AWARD, 123, 2026)


def test_format_shape():
    assert NUMBER.startswith("GD2026-SZ3-A-000123-")
    assert len(NUMBER.split("-")) == 5
    assert NUMBER[-1] in ALPHABET


@pytest.mark.parametrize(
    ("event", "ctype", "seq", "year"),
    [("SZ3", "A", 1, 2026), ("GDJN3", "H", 999999, 2026), ("ws48", "promotion", 42, 2031), ("AB", CertType.AWARD, 7, 2000)],
)
def test_round_trip(event, ctype, seq, year):
    text = format_number(event, ctype, seq, year)
    parts = parse_number(text)
    assert isinstance(parts, CertificateNumber)
    assert parts.region == "GD"
    expected = (event.upper(), CertType.parse(ctype), seq, year)
    assert (parts.event_code, parts.cert_type, parts.seq, parts.year) == expected
    assert str(parts) == text
    assert is_well_formed(text)


def test_region_is_a_parameter():
    text = format_number("EV1", "H", 5, 2027, region="bj")
    assert text.startswith("BJ2027-") and parse_number(text).region == "BJ"


def test_known_iso7064_mod37_36_vectors():
    # GRid A1-2425G-ABC1234002-M and ISAN 0000-0001-8CFA-0000-I-0000-0000-K (python-stdnum doctests)
    assert check_char("A12425GABC1234002") == "M"
    assert check_char("000000018CFA0000") == "I"
    assert check_char("000000018CFA000000000000") == "K"


def test_distinct_fields_give_distinct_numbers():
    numbers = {format_number(e, t, s, y) for e, t, s, y in itertools.product(("SZ3", "SZ31", "GZ1"), "AHP", (1, 2, 10, 100), (2026, 2027))}
    assert len(numbers) == 3 * 3 * 4 * 2


def test_every_single_typo_is_detected():
    positions = [i for i, ch in enumerate(NUMBER) if ch != "-"]
    caught = 0
    for i in positions:
        for ch in ALPHABET:
            if ch == NUMBER[i]:
                continue
            typo = NUMBER[:i] + ch + NUMBER[i + 1 :]
            assert not is_well_formed(typo), typo
            caught += 1
    assert caught == len(positions) * 35


def test_adjacent_transpositions_of_this_number_are_detected():
    body = NUMBER.replace("-", "")
    # swap in the sequence: 000123 -> 000213, and the last digit with the check character
    swapped_seq = NUMBER.replace("000123", "000213")
    assert not is_well_formed(swapped_seq)
    with pytest.raises(ValueError, match="check character does not match"):
        parse_number(swapped_seq)
    for i in range(len(body) - 1):
        if body[i] == body[i + 1]:
            continue
        swapped = body[:i] + body[i + 1] + body[i] + body[i + 2 :]
        assert check_char(swapped[:-1]) != swapped[-1], f"swap at {i} undetected"


def _step(p: int, v: int) -> int:
    s = (p + v) % 36 or 36
    return (2 * s) % 37


def test_check_system_properties_exhaustively():
    """Over every state of the MOD 37,36 recursion: all substitutions, ≥ 99.8 % of swaps detected."""
    states = range(1, 37)
    for p in states:
        assert len({_step(p, v) for v in range(36)}) == 36  # substitution changes the state
    missed = sum(_step(_step(p, a), b) == _step(_step(p, b), a) for p in states for a in range(36) for b in range(36) if a < b)
    total = 36 * 36 * 35 // 2
    assert missed / total < 0.002  # 1 pair in 630 per state, as numbering.py documents


@pytest.mark.parametrize(
    "typed",
    [
        NUMBER.lower(),
        " " + NUMBER.replace("-", " - ") + " ",
        NUMBER.replace("-", "－"),  # full-width hyphen from a Chinese IME
        NUMBER.replace("-", "—"),
        "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in NUMBER),  # full-width letters/digits
    ],
)
def test_normalize_accepts_what_people_type(typed):
    assert normalize(typed) == NUMBER
    assert str(parse_number(typed)) == NUMBER


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("GD2026-SZ3-A-000123", "expected 5"),
        ("GD2026-SZ3-A-000123-9-1", "expected 5"),
        ("G2026-SZ3-A-000123-9", "region and year"),
        ("GD26-SZ3-A-000123-9", "region and year"),
        ("GD2026-S-A-000123-9", "event code"),
        ("GD2026-SZ3-X-000123-9", "certificate type"),
        ("GD2026-SZ3-A-12345-9", "6 digits"),
        ("GD2026-SZ3-A-000000-9", "not all zero"),
        ("GD2026-SZ3-A-000123-99", "check character"),
        ("GD2026-SZ3-A-000123-*", "check character"),
    ],
)
def test_parse_errors_are_clear(text, message):
    with pytest.raises(ValueError, match=message):
        parse_number(text)
    assert not is_well_formed(text)


def test_parse_rejects_non_text():
    with pytest.raises(ValueError, match="must be text"):
        parse_number(123)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("SZ-3", "A", 1, 2026), "event code"),
        (("S", "A", 1, 2026), "event code"),
        (("SZ3", "Z", 1, 2026), "unknown certificate type"),
        (("SZ3", "A", 0, 2026), "sequence"),
        (("SZ3", "A", 1_000_000, 2026), "sequence"),
        (("SZ3", "A", True, 2026), "sequence"),
        (("SZ3", "A", 1, 1999), "year"),
    ],
)
def test_format_errors(args, message):
    with pytest.raises(ValueError, match=message):
        format_number(*args)


def test_cert_type_parse():
    assert CertType.parse("honour") is CertType.HONOUR
    assert CertType.parse("p") is CertType.PROMOTION
    with pytest.raises(ValueError, match="unknown certificate type"):
        CertType.parse("diploma")


@pytest.mark.parametrize("event", ["GD2026", "gd2026sz", "GD20261"])
def test_a_code_beginning_with_region_and_year_is_printed_once(event):
    text = format_number(event, "A", 1, 2026)
    code = event.upper()
    assert text.startswith(f"{code}-A-000001-") and text.count("GD2026") == 1
    parts = parse_number(text)
    assert (parts.region, parts.year, parts.event_code, parts.seq) == ("GD", 2026, code, 1)
    assert str(parts) == text and is_well_formed(text)
    assert str(parse_number(text.lower().replace("-", "－"))) == text
    # Issued in another year, the code does not repeat the head: the usual five parts.
    assert format_number(event, "A", 1, 2027).startswith(f"GD2027-{code}-A-")


def test_numbers_issued_in_the_repeating_form_still_parse_unchanged():
    body = "GD2026-GD2026-A-000001"
    old = f"{body}-{check_char(body)}"  # what was issued before the fix
    parts = parse_number(old)
    assert parts.event_code == "GD2026" and parts.seq == 1
    assert str(parts) == old and is_well_formed(old)
    assert old != format_number("GD2026", "A", 1, 2026)


def test_compact_and_five_part_numbers_of_neighbouring_codes_differ():
    assert format_number("GD2026SZ", "A", 1, 2026) != format_number("SZ", "A", 1, 2026)
    with pytest.raises(ValueError, match="expected 5"):
        parse_number("GD2026-X-000001-0")
