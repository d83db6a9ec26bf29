from datetime import date

import pytest

from core.identity import (
    IdentifierInvalid,
    id_check_char,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_phone,
)

TODAY = date(2026, 3, 2)


def test_check_char_of_the_gb11643_example_is_x():
    # The worked example of GB 11643: 11010519491231002X
    assert id_check_char("11010519491231002") == "X"


def test_valid_id_number_is_normalised_to_upper_case():
    assert normalize_id_number(" 11010519491231002x ", today=TODAY) == "11010519491231002X"


@pytest.mark.parametrize("raw", ["11010519491231002", "1101051949123100211", "11010519491231002Y", ""])
def test_malformed_id_number_names_the_field(raw):
    with pytest.raises(IdentifierInvalid) as exc:
        normalize_id_number(raw, today=TODAY)
    assert exc.value.field == "id_number"


def test_wrong_check_digit_is_refused():
    with pytest.raises(IdentifierInvalid, match="校验位"):
        normalize_id_number("110105194912310021", today=TODAY)


def test_impossible_birth_date_is_refused_before_the_check_digit():
    first17 = "11010519490230002"  # 30 February
    with pytest.raises(IdentifierInvalid, match="出生日期"):
        normalize_id_number(first17 + id_check_char(first17), today=TODAY)


def test_birth_date_in_the_future_is_refused():
    first17 = "11010520300101002"
    with pytest.raises(IdentifierInvalid, match="不合理"):
        normalize_id_number(first17 + id_check_char(first17), today=TODAY)


@pytest.mark.parametrize("raw,expected", [("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678")])
def test_mainland_mobile_numbers_are_accepted(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "138123456789", "abc", "010-12345678"])
def test_other_numbers_are_refused_with_the_phone_field(raw):
    with pytest.raises(IdentifierInvalid) as exc:
        normalize_phone(raw)
    assert exc.value.field == "phone"


def test_masks_show_only_region_and_last_four():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13812341234") == "138****1234"
