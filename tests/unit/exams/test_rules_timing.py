from datetime import UTC, datetime, timedelta, timezone

import pytest

from exams.rules.timing import accepts_answer, deadline_for, is_overdue, remaining_seconds, shift_for_pause

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
WINDOW_END = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
BEIJING = timezone(timedelta(hours=8))
HOUR = 3600


def test_deadline_is_start_plus_duration_inside_the_window():
    assert deadline_for(START, HOUR, WINDOW_END) == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def test_deadline_is_capped_by_the_window_end():
    late_start = datetime(2026, 3, 2, 2, 30, tzinfo=UTC)
    assert deadline_for(late_start, HOUR, WINDOW_END) == WINDOW_END


def test_allowance_extends_the_duration():
    assert deadline_for(START, HOUR, WINDOW_END, extra_s=900) == datetime(2026, 3, 2, 2, 15, tzinfo=UTC)


def test_allowance_extends_the_window_too():
    late_start = datetime(2026, 3, 2, 2, 50, tzinfo=UTC)
    assert deadline_for(late_start, HOUR, WINDOW_END, extra_s=900) == datetime(2026, 3, 2, 3, 15, tzinfo=UTC)


def test_start_inside_the_allowance_window_gets_the_rest_of_it():
    after_close = datetime(2026, 3, 2, 3, 5, tzinfo=UTC)
    assert deadline_for(after_close, HOUR, WINDOW_END, extra_s=900) == datetime(2026, 3, 2, 3, 15, tzinfo=UTC)


def test_deadline_is_returned_in_utc():
    deadline = deadline_for(START.astimezone(BEIJING), HOUR, WINDOW_END.astimezone(BEIJING))
    assert deadline.tzinfo is UTC and deadline == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def test_deadline_refuses_a_naive_start():
    with pytest.raises(ValueError, match="started_at must be timezone-aware"):
        deadline_for(datetime(2026, 3, 2, 1, 0), HOUR, WINDOW_END)


def test_deadline_refuses_a_naive_window_end():
    with pytest.raises(ValueError, match="window_end_at must be timezone-aware"):
        deadline_for(START, HOUR, datetime(2026, 3, 2, 3, 0))


def test_deadline_refuses_a_start_once_the_window_has_closed():
    with pytest.raises(ValueError, match="closed"):
        deadline_for(WINDOW_END, HOUR, WINDOW_END)


def test_deadline_refuses_a_zero_duration():
    with pytest.raises(ValueError, match="duration_s"):
        deadline_for(START, 0, WINDOW_END)


def test_deadline_refuses_a_negative_allowance():
    with pytest.raises(ValueError, match="extra_s"):
        deadline_for(START, HOUR, WINDOW_END, extra_s=-60)


def test_deadline_refuses_a_float_duration():
    with pytest.raises(ValueError, match="duration_s"):
        deadline_for(START, 3600.0, WINDOW_END)


# Remaining seconds

DEADLINE = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def test_remaining_seconds_are_floored_to_whole_seconds():
    now = DEADLINE - timedelta(seconds=90, milliseconds=700)
    assert remaining_seconds(DEADLINE, now) == 90


def test_remaining_seconds_are_zero_at_the_deadline():
    assert remaining_seconds(DEADLINE, DEADLINE) == 0


def test_remaining_seconds_are_never_negative():
    assert remaining_seconds(DEADLINE, DEADLINE + timedelta(minutes=5)) == 0


def test_remaining_seconds_add_a_pause_in_progress():
    # Paused 10 minutes before the deadline, 4 minutes ago: still 10 minutes left.
    now = DEADLINE - timedelta(minutes=6)
    assert remaining_seconds(DEADLINE, now, paused_s=240) == 600


def test_remaining_seconds_compare_instants_across_zones():
    now = (DEADLINE - timedelta(seconds=30)).astimezone(BEIJING)
    assert remaining_seconds(DEADLINE, now) == 30


def test_remaining_seconds_refuse_a_naive_now():
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        remaining_seconds(DEADLINE, datetime(2026, 3, 2, 1, 0))


def test_remaining_seconds_refuse_a_negative_pause():
    with pytest.raises(ValueError, match="paused_s"):
        remaining_seconds(DEADLINE, START, paused_s=-1)


# Accepting answers

GRACE = 30


def test_answer_before_the_deadline_is_accepted():
    assert accepts_answer(DEADLINE, DEADLINE - timedelta(seconds=1), GRACE)


def test_answer_at_deadline_plus_grace_exactly_is_accepted():
    assert accepts_answer(DEADLINE, DEADLINE + timedelta(seconds=GRACE), GRACE)


def test_answer_after_deadline_and_grace_is_not_accepted():
    assert not accepts_answer(DEADLINE, DEADLINE + timedelta(seconds=GRACE, microseconds=1), GRACE)


def test_accepts_answer_refuses_a_negative_grace():
    with pytest.raises(ValueError, match="grace_s"):
        accepts_answer(DEADLINE, DEADLINE, -1)


def test_accepts_answer_refuses_a_naive_deadline():
    with pytest.raises(ValueError, match="deadline_at must be timezone-aware"):
        accepts_answer(datetime(2026, 3, 2, 2, 0), DEADLINE, GRACE)


def test_attempt_is_not_overdue_at_deadline_plus_grace():
    assert not is_overdue(DEADLINE, DEADLINE + timedelta(seconds=GRACE), GRACE)


def test_attempt_is_overdue_after_deadline_plus_grace():
    assert is_overdue(DEADLINE, DEADLINE + timedelta(seconds=GRACE + 1), GRACE)


# Pauses


def test_pause_moves_the_deadline_by_its_length():
    paused_from = DEADLINE - timedelta(minutes=20)
    assert shift_for_pause(DEADLINE, paused_from, paused_from + timedelta(minutes=7)) == DEADLINE + timedelta(minutes=7)


def test_pause_may_move_the_deadline_past_the_window_end():
    paused_from = WINDOW_END - timedelta(minutes=5)
    shifted = shift_for_pause(WINDOW_END, paused_from, paused_from + timedelta(minutes=10))
    assert shifted == WINDOW_END + timedelta(minutes=10)


def test_pause_starting_after_the_deadline_does_not_reopen_the_attempt():
    paused_from = DEADLINE + timedelta(seconds=5)
    assert shift_for_pause(DEADLINE, paused_from, paused_from + timedelta(minutes=10)) == DEADLINE


def test_pause_ending_before_it_began_is_refused():
    with pytest.raises(ValueError, match="resumed_at"):
        shift_for_pause(DEADLINE, START, START - timedelta(seconds=1))


def test_pause_refuses_naive_times():
    with pytest.raises(ValueError, match="paused_from must be timezone-aware"):
        shift_for_pause(DEADLINE, datetime(2026, 3, 2, 1, 0), START)
