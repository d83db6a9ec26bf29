import pytest

from exams.rules.sequencing import SaveDecision, apply_save


def test_first_save_is_applied():
    assert apply_save(None, 1) == SaveDecision(applied=True, ack_seq=1)


def test_newer_save_is_applied():
    assert apply_save(4, 5) == SaveDecision(applied=True, ack_seq=5)


def test_save_may_skip_sequence_numbers():
    assert apply_save(4, 9) == SaveDecision(applied=True, ack_seq=9)


def test_older_save_is_acknowledged_but_not_applied():
    assert apply_save(7, 3) == SaveDecision(applied=False, ack_seq=3)


def test_duplicate_save_is_acknowledged_but_not_applied():
    assert apply_save(7, 7) == SaveDecision(applied=False, ack_seq=7)


def test_zero_sequence_is_refused():
    with pytest.raises(ValueError, match=">= 1"):
        apply_save(None, 0)


def test_negative_sequence_is_refused():
    with pytest.raises(ValueError, match=">= 1"):
        apply_save(3, -1)


@pytest.mark.parametrize("seq", ["3", 3.0, True, None])
def test_non_int_sequence_is_refused(seq):
    with pytest.raises(ValueError, match="must be an int"):
        apply_save(None, seq)


def test_invalid_stored_sequence_is_refused():
    with pytest.raises(ValueError, match="stored_seq"):
        apply_save(0, 1)
