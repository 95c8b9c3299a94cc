"""居民身份证号 checks, masking and the demo-number generator."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from competition.registration.sheet import check_ids
from scoring.idcard import PROVINCES, IdCardError, checksum_char, is_valid_id, make_id, mask_id, mask_name, parse_id

TODAY = date(2025, 6, 1)


# ------------------------------------------------------------------------------------- valid IDs


def test_standard_example_validates():
    # The worked example of GB 11643-1999.
    card = parse_id("11010519491231002X", today=TODAY)
    assert card.number == "11010519491231002X"
    assert card.birth_date == date(1949, 12, 31)
    assert card.sex == "F"
    assert card.region == "110105"


@pytest.mark.parametrize(
    ("region", "born", "seq", "sex"),
    [
        ("440106", date(1990, 1, 1), 61, "M"),  # 广州天河
        ("440304", date(2003, 2, 28), 0, "F"),  # 深圳福田
        ("445302", date(1968, 12, 31), 499, "M"),  # 云浮云城
        ("460105", date(2001, 7, 1), 12, "F"),  # 海口秀英
        ("650102", date(2000, 2, 29), 7, "M"),  # leap day
    ],
)
def test_generated_ids_validate(region, born, seq, sex):
    number = make_id(region, born, seq, sex)
    card = parse_id(number, today=TODAY)
    assert (card.number, card.birth_date, card.sex, card.region) == (number, born, sex, region)


def test_lowercase_x_and_spacing_are_normalised():
    card = parse_id(" 110105 19491231 002x ", today=TODAY)
    assert card.number == "11010519491231002X"
    # Full-width digits and Ｘ, as typed with a Chinese input method.
    assert parse_id("１１０１０５１９４９１２３１００２Ｘ", today=TODAY).number == "11010519491231002X"


def test_check_character_x():
    # Find a 17-digit body whose check character is X and make sure X is accepted and required.
    for seq in range(500):
        number = make_id("440106", date(1990, 5, 17), seq, "M")
        if number.endswith("X"):
            assert is_valid_id(number.lower(), today=TODAY)
            assert not is_valid_id(number[:-1] + "0", today=TODAY)
            break
    else:  # pragma: no cover - 1 in 11 bodies has X
        pytest.fail("no X check character in 500 numbers")


def test_checksum_char_matches_known_value():
    assert checksum_char("11010519491231002") == "X"
    with pytest.raises(ValueError):
        checksum_char("1234")


# ------------------------------------------------------------------------------------ failures


VALID = make_id("440106", date(1990, 1, 1), 61, "M")


@pytest.mark.parametrize(
    ("text", "check", "zh_part", "en_part"),
    [
        (VALID[:17], "length", "18 位", "18 characters"),
        (VALID + "1", "length", "19 位", "has 19"),
        ("440106900101123", "length", "15 位", "first-generation"),
        ("", "length", "0 位", "has 0"),
        (VALID[:5] + "A" + VALID[6:], "characters", "数字", "17 digits"),
        ("X" + VALID[1:], "characters", "数字", "17 digits"),
        ("99" + VALID[2:], "region", "地区代码", "region code"),
        ("440000" + VALID[6:], "region", "440000", "region code"),
        ("00" + VALID[2:], "region", "地区代码", "region code"),
        ("810000" + VALID[6:], "region", "810000", "region code"),  # a province-level code, as on 港澳居民居住证
        ("440106199002300011", "birth_date", "不是有效日期", "not a real date"),
        ("440106189912310011", "birth_date", "早于 1900", "before 1900"),
        ("440106203001010011", "birth_date", "晚于今天", "in the future"),
        (VALID[:-1] + str((int(VALID[-1]) + 1) % 10) if VALID[-1].isdigit() else VALID[:-1] + "0", "checksum", "校验位", "check character"),
    ],
)
def test_each_failure_names_its_check(text, check, zh_part, en_part):
    with pytest.raises(IdCardError) as info:
        parse_id(text, today=TODAY)
    err = info.value
    assert err.check == check
    assert err.code == f"id_{check}"
    assert zh_part in err.message.zh
    assert en_part in err.message.en
    assert err.message.get("en") == err.message.en and err.message.get("zh") == err.message.zh
    assert isinstance(err, ValueError)


def test_a_single_mistyped_digit_fails_the_checksum():
    for i in range(14, 17):  # order-code digits: every other check still passes
        digit = str((int(VALID[i]) + 1) % 10)
        with pytest.raises(IdCardError) as info:
            parse_id(VALID[:i] + digit + VALID[i + 1 :], today=TODAY)
        assert info.value.check == "checksum"


def test_today_is_a_valid_birth_date_but_tomorrow_is_not():
    assert is_valid_id(make_id("440106", TODAY, 1, "F"), today=TODAY)
    assert not is_valid_id(make_id("440106", TODAY + timedelta(days=1), 1, "F"), today=TODAY)


# ------------------------------------------------------------------------------------- masking


def test_mask_id_keeps_first_six_and_last_four():
    assert mask_id("44010619900101123X") == "440106********123X"
    assert mask_id("44010619900101123x") == "440106********123X"
    assert len(mask_id(VALID)) == 18
    assert mask_id("") == ""


@pytest.mark.parametrize(
    ("name", "masked"), [("张三明", "张*明"), ("张三", "张*"), ("欧阳明月", "欧**月"), ("张", "张"), ("", ""), ("阿卜杜·热合曼", "阿**·**曼")]
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


# ---------------------------------------------------------------------------------- make_id


@pytest.mark.parametrize(
    "kwargs",
    [{"region": "990101"}, {"region": "440000"}, {"region": "4401"}, {"seq": 500}, {"seq": -1}, {"sex": "X"}, {"birth_date": date(1899, 12, 31)}],
)
def test_make_id_refuses_bad_parts(kwargs):
    args = {"region": "440106", "birth_date": date(1990, 1, 1), "seq": 1, "sex": "M", **kwargs}
    with pytest.raises(ValueError):
        make_id(**args)


def test_make_id_gives_distinct_numbers_per_seq_and_sex():
    numbers = {make_id("440106", date(1990, 1, 1), seq, sex) for seq in range(500) for sex in "MF"}
    assert len(numbers) == 1000


# --------------------------------------------------------------------------------- properties

regions = st.builds(lambda p, rest: f"{p}{rest:04d}", st.sampled_from(sorted(PROVINCES)), st.integers(min_value=1, max_value=9999))
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)


@settings(max_examples=300, deadline=None)
@given(region=regions, born=births, seq=st.integers(0, 499), sex=st.sampled_from(["M", "F"]))
def test_make_id_validates_and_derives_back(region, born, seq, sex):
    number = make_id(region, born, seq, sex)
    card = parse_id(number, today=TODAY)
    assert card.birth_date == born
    assert card.sex == sex
    assert card.region == region
    assert card.number == number
    assert parse_id(number.lower(), today=TODAY) == card


def _mutate(number: str, data) -> str:
    op = data.draw(st.sampled_from(["replace", "drop", "add", "none"]))
    i = data.draw(st.integers(0, len(number) - 1))
    ch = data.draw(st.sampled_from(list("0123456789Xx A")))
    if op == "replace":
        return number[:i] + ch + number[i + 1 :]
    if op == "drop":
        return number[:i] + number[i + 1 :]
    if op == "add":
        return number[:i] + ch + number[i:]
    return number


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_column_checks_agree_with_parse_id(data):
    """``sheet.check_ids`` (a whole column at once) says exactly what ``parse_id`` says."""
    texts = []
    for _ in range(data.draw(st.integers(1, 8))):
        number = make_id(data.draw(regions), data.draw(births), data.draw(st.integers(0, 499)), data.draw(st.sampled_from("MF")))
        texts.append(_mutate(number, data))
    result = check_ids(pd.Series(texts, dtype=str), TODAY)
    for i, text in enumerate(texts):
        try:
            card = parse_id(text, today=TODAY)
        except IdCardError as err:
            expected = "missing" if not text.strip() else err.check
            assert result.check[i] == expected, text
        else:
            assert result.check[i] == ""
            assert result.birth[i] == card.birth_date
            assert result.sex[i] == card.sex
            assert result.ids.iat[i] == card.number
