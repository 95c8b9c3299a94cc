"""Identity documents beyond the 居民身份证: each type's valid numbers and each kind of invalid one."""

from __future__ import annotations

from datetime import date

import pytest

from scoring.idcard import checksum_char, make_id, mask_id
from scoring.identity import DOC_TYPES, ISO3166_ALPHA3, DocumentError, doc_type_of, nationality_problem, parse_document, person_key

TODAY = date(2026, 6, 1)


def permit(prefix: str, born: date = date(1998, 3, 4), seq: str = "123") -> str:
    first17 = f"{prefix}{born:%Y%m%d}{seq}"
    return first17 + checksum_char(first17)


def refused(doc_type, number, **kw) -> DocumentError:
    with pytest.raises(DocumentError) as e:
        parse_document(doc_type, number, today=TODAY, **kw)
    assert e.value.message.zh and e.value.message.en and e.value.message.zh != e.value.message.en
    return e.value


# ------------------------------------------------------------------------------------ the types


def test_types_are_data_with_both_languages():
    assert set(DOC_TYPES) == {"id_card", "residence_permit", "hk_macau_permit", "taiwan_permit", "passport"}
    assert all(t.label.zh and t.label.en for t in DOC_TYPES.values())
    assert [c for c, t in DOC_TYPES.items() if t.carries_birth] == ["id_card", "residence_permit"]
    assert [c for c, t in DOC_TYPES.items() if t.needs_nationality] == ["passport"]


@pytest.mark.parametrize(
    ("text", "code"),
    [("", "id_card"), (None, "id_card"), ("身份证", "id_card"), ("居住证", "residence_permit"), ("港澳台居民居住证", "residence_permit"),
     ("回乡证", "hk_macau_permit"), ("港澳居民来往内地通行证", "hk_macau_permit"), ("台胞证", "taiwan_permit"),
     ("Passport", "passport"), ("护照", "passport"), ("hk_macau_permit", "hk_macau_permit"), (" 台湾居民来往大陆通行证 ", "taiwan_permit")],
)  # fmt: skip
def test_type_words(text, code):
    assert doc_type_of(text) == code


def test_unknown_type_is_refused_with_the_choices():
    assert doc_type_of("驾驶证") is None
    e = refused("驾驶证", "123456789")
    assert e.code == "id_type" and "护照" in e.message.zh


# --------------------------------------------------------------------------- 居民身份证 unchanged


def test_id_card_keeps_its_rules():
    n = make_id("440106", date(1990, 1, 1), 7, "F")
    d = parse_document("id_card", n, today=TODAY)
    assert (d.number, d.birth_date, d.sex) == (n, date(1990, 1, 1), "F")
    assert refused("", n[:-1] + ("0" if n[-1] != "0" else "1")).code == "id_checksum"
    assert refused(None, "12345").code == "id_length"
    assert refused("id_card", "810000199001011230").code == "id_region"  # a residence permit is not an ID card


# ------------------------------------------------------------------------ 港澳台居民居住证


@pytest.mark.parametrize("prefix", ["810000", "820000", "830000"])
def test_residence_permit_valid_carries_sex_and_birth(prefix):
    n = permit(prefix, date(2001, 2, 28), "124")
    d = parse_document("residence_permit", n.lower(), today=TODAY)
    assert (d.number, d.birth_date, d.sex, d.nationality) == (n, date(2001, 2, 28), "F", "")


def test_residence_permit_each_invalid():
    good = permit("810000")
    assert refused("residence_permit", good[:-1]).code == "id_length"
    assert "18" in refused("residence_permit", good[:-1]).message.zh
    assert refused("residence_permit", good[:10] + "A" + good[11:]).code == "id_characters"
    e = refused("residence_permit", permit("440106"))
    assert e.code == "id_prefix" and "810000" in e.message.zh and "440106" in e.message.en
    assert refused("residence_permit", "810000" + "19981304" + "1234").code == "id_birth_date"
    assert refused("residence_permit", permit("830000", date(2030, 1, 1))).code == "id_birth_date"
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    e = refused("residence_permit", bad)
    assert e.code == "id_checksum" and "校验" in e.message.zh


# -------------------------------------------------------------- 港澳居民来往内地通行证


@pytest.mark.parametrize("number", ["H12345678", "M87654321", "H1234567801", "h 1234 5678"])
def test_hk_macau_permit_valid(number):
    d = parse_document("hk_macau_permit", number, today=TODAY)
    assert d.number == number.upper().replace(" ", "") and d.birth_date is None and d.sex is None


@pytest.mark.parametrize(
    ("number", "check"),
    [("H1234567", "length"), ("H123456789", "length"), ("H123456789012", "length"), ("X12345678", "prefix"),
     ("123456789", "prefix"), ("H1234567A", "characters")],
)  # fmt: skip
def test_hk_macau_permit_invalid(number, check):
    assert refused("hk_macau_permit", number).code == f"id_{check}"


# -------------------------------------------------------------- 台湾居民来往大陆通行证


@pytest.mark.parametrize("number", ["12345678", "1234567801"])
def test_taiwan_permit_valid(number):
    assert parse_document("taiwan_permit", number, today=TODAY).number == number


@pytest.mark.parametrize(("number", "check"), [("1234567", "length"), ("123456789", "length"), ("12345678901", "length"), ("1234567A", "characters")])
def test_taiwan_permit_invalid(number, check):
    e = refused("taiwan_permit", number)
    assert e.code == f"id_{check}"
    if check == "length":
        assert "8 位" in e.message.zh and "8 digits" in e.message.en


# ------------------------------------------------------------------------------------ 护照


def test_passport_valid_with_nationality():
    d = parse_document("passport", "e1234567", nationality=" gbr ", today=TODAY)
    assert (d.number, d.nationality, d.birth_date, d.sex) == ("E1234567", "GBR", None, None)
    assert parse_document("passport", "A" * 20, nationality="USA").number == "A" * 20
    assert parse_document("passport", "12345", nationality="SGP").number == "12345"


@pytest.mark.parametrize(("number", "check"), [("1234", "length"), ("A" * 21, "length"), ("AB-12345", "characters"), ("AB12345.", "characters")])
def test_passport_number_invalid(number, check):
    assert refused("passport", number, nationality="GBR").code == f"id_{check}"


@pytest.mark.parametrize("nat", [None, "", "GB", "UK", "G1R", "XXX", "ZZZ"])
def test_passport_nationality_invalid(nat):
    e = refused("passport", "E1234567", nationality=nat)
    assert e.code == "id_nationality" and "ISO 3166" in e.message.en


def test_iso_list():
    assert len(ISO3166_ALPHA3) == 249 and {"CHN", "GBR", "USA", "HKG", "MAC", "TWN", "DEU"} <= ISO3166_ALPHA3
    assert nationality_problem("deu") is None


# ------------------------------------------------------------------------- person and masking


def test_person_key_is_type_and_number():
    assert person_key("taiwan_permit", " 1234 5678") == ("taiwan_permit", "12345678")
    assert person_key(None, "x") == ("id_card", "X")
    assert person_key("passport", "12345678") != person_key("taiwan_permit", "12345678")


@pytest.mark.parametrize(
    ("number", "masked"),
    [("44010619900101123X", "440106********123X"), (permit("810000"), permit("810000")[:6] + "*" * 8 + permit("810000")[-4:]),
     ("H12345678", "H1*****78"), ("H1234567801", "H1*******01"), ("12345678", "12****78"), ("1234567801", "12******01"),
     ("E1234567", "E1****67"), ("12345", "1***5"), ("A" * 20, "AAAAAA" + "*" * 10 + "AAAA")],
)  # fmt: skip
def test_masking_same_rule_for_every_type(number, masked):
    assert mask_id(number) == masked
    hidden = masked.count("*")
    assert hidden >= len(number) // 2 - 1 and masked[0] == number[0] and masked[-1] == number[-1]


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [(date(2000, 6, 2), date(2026, 6, 1), 25), (date(2000, 6, 1), date(2026, 6, 1), 26), (date(2000, 12, 31), date(2026, 1, 1), 25),
     (date(2004, 2, 29), date(2026, 2, 28), 21), (date(2004, 2, 29), date(2026, 3, 1), 22), (None, date(2026, 1, 1), None)],
)  # fmt: skip
def test_age_by_exact_date_not_year(born, day, age):
    from scoring.identity import age_on

    assert age_on(born, day) == age
