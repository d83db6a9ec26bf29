"""Serial scheme: PS-<year>-<skill>-<sequence>-<check>, ISO 7064 MOD 37-36 check character."""

import pytest

from certificates.serials import ALPHABET, SerialInvalid, canonical, check_char, make_serial, parse_serial


def test_a_serial_has_the_documented_shape_and_parses_back():
    serial = make_serial(year=2026, skill="HOIST", sequence=123)
    assert serial.startswith("PS-2026-HOIST-000123-") and len(serial) == len("PS-2026-HOIST-000123-K")
    parsed = parse_serial(serial)
    assert (parsed.year, parsed.skill, parsed.sequence) == (2026, "HOIST", 123)
    assert str(parsed) == serial


def test_the_check_character_is_iso_7064_mod_37_36():
    assert check_char("A12425GABC1234002") == "M"  # the worked example of python-stdnum's iso7064.mod_37_36
    serial = make_serial(year=2026, skill="HOIST", sequence=123)
    payload = serial.replace("-", "")
    check = 36 // 2
    for char in payload:
        check = (((check or 36) * 2) % 37 + ALPHABET.index(char)) % 36
    assert check == 1


def test_every_single_character_typo_is_caught():
    serial = make_serial(year=2026, skill="GROUT", sequence=4711)
    for position, char in enumerate(serial):
        if char == "-":
            continue
        for other in ALPHABET:
            if other == char:
                continue
            typo = serial[:position] + other + serial[position + 1:]
            with pytest.raises(SerialInvalid):
                parse_serial(typo)


def test_every_swap_of_neighbouring_characters_is_caught():
    serial = make_serial(year=2027, skill="ASSY", sequence=98765)
    chars = [c for c in serial if c != "-"]
    for i in range(len(chars) - 1):
        if chars[i] == chars[i + 1]:
            continue
        swapped = chars[:]
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
        text = "".join(swapped)
        typed = f"{text[:2]}-{text[2:6]}-{text[6:10]}-{text[10:16]}-{text[16:]}"
        with pytest.raises(SerialInvalid):
            parse_serial(typed)


def test_typed_forms_are_normalised():
    serial = make_serial(year=2026, skill="HOIST", sequence=7)
    fullwidth = serial.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
    assert canonical(f"  {serial.lower()} ") == serial
    assert canonical(serial.replace("-", "－")) == serial
    assert canonical(fullwidth) == serial
    assert canonical(serial.replace("-", " - ")) == serial


@pytest.mark.parametrize("bad", ["", "PS-2026-HOIST-123-K", "XX-2026-HOIST-000123-K", "PS-2026-H-000123-K",
                                 "PS-2026-HOIST-0000123-K", "'; drop table --", "PS" * 100])
def test_malformed_serials_name_the_format(bad):
    with pytest.raises(SerialInvalid) as exc:
        parse_serial(bad)
    assert exc.value.code == "serial_format"
    assert "PS-2026-HOIST-000123-K" in exc.value.message


def test_a_wrong_check_character_says_so():
    serial = make_serial(year=2026, skill="HOIST", sequence=123)
    wrong = serial[:-1] + ("0" if serial[-1] != "0" else "1")
    with pytest.raises(SerialInvalid) as exc:
        parse_serial(wrong)
    assert exc.value.code == "serial_check" and "校验位" in exc.value.message
