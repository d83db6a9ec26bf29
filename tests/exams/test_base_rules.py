"""Pure rules of exam days: staffing, ticket numbers, console status, calendar, exports."""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, date, datetime, timedelta

import pytest

from exams.rules.calendar import CalendarEvent, ical, month_grid, shift_month
from exams.rules.console import CandidateStatus, candidate_state
from exams.rules.export import neutralise, neutralise_row
from exams.rules.staffing import (
    RoomLoad,
    StaffingProblem,
    check_staffing,
    examiners_needed,
    invigilators_needed,
    planned_room_loads,
)
from exams.rules.tickets import ALPHABET, check_char, display, is_valid, make_ticket_number, normalize

NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


# -- staffing ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("candidates", "need"), [(0, 0), (1, 2), (15, 2), (30, 2), (31, 3), (45, 3), (46, 4)])
def test_a_room_needs_one_invigilator_per_15_and_at_least_two(candidates, need):
    assert invigilators_needed(candidates) == need


@pytest.mark.parametrize(("candidates", "need"), [(1, 3), (15, 3), (16, 5), (20, 5), (21, 5), (26, 7)])
def test_examiners_are_one_per_five_and_an_odd_number_of_at_least_three(candidates, need):
    assert examiners_needed(candidates) == need


def test_the_staffing_check_warns_for_each_understaffed_room():
    warnings = check_staffing([RoomLoad("101", 20, 2), RoomLoad("102", 20, 1), RoomLoad("103", 0, 0)])
    assert [(w.problem, w.room, w.have, w.need) for w in warnings] == [
        (StaffingProblem.ROOM_UNDERSTAFFED, "102", 1, 2)]


def test_an_even_panel_of_examiners_is_a_warning_even_when_large_enough():
    warnings = check_staffing([], examiners=4, practical_candidates=10, has_practical=True)
    assert [w.problem for w in warnings] == [StaffingProblem.EVEN_EXAMINERS]
    assert check_staffing([], examiners=3, practical_candidates=15, has_practical=True) == []
    assert check_staffing([], examiners=0, practical_candidates=10, has_practical=False) == []


def test_too_few_examiners_names_the_number_needed():
    [warning] = check_staffing([], examiners=3, practical_candidates=16, has_practical=True)
    assert warning.problem == StaffingProblem.TOO_FEW_EXAMINERS and warning.need == 5


def test_rooms_fill_in_order_when_the_session_is_full():
    assert planned_room_loads([10, 10, 10], 15) == [10, 5, 0]


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        invigilators_needed(-1)


# -- ticket numbers ------------------------------------------------------------------------------------------

def test_a_ticket_number_has_ten_characters_and_passes_its_check():
    number = make_ticket_number(secrets.randbits(45))
    assert len(number) == 10 and is_valid(number) and set(number) <= set(ALPHABET)


def test_every_single_character_typo_is_caught():
    number = make_ticket_number(123456789012)
    for i, wrong in itertools.product(range(10), ALPHABET):
        if wrong != number[i]:
            assert not is_valid(number[:i] + wrong + number[i + 1:])


def test_swapping_neighbours_is_caught():
    caught = total = 0
    for _ in range(200):
        number = make_ticket_number(secrets.randbits(45))
        for i in range(9):
            if number[i] != number[i + 1]:
                total += 1
                caught += not is_valid(number[:i] + number[i + 1] + number[i] + number[i + 2:])
    assert caught / total > 0.95


def test_typing_is_forgiving_about_case_separators_and_look_alikes():
    number = make_ticket_number(0o1234567)
    typed = display(number).lower().replace("0", "o").replace("1", "l")
    assert normalize(typed) == number and is_valid(normalize(typed))
    assert display(number)[5] == "-"


def test_characters_outside_the_alphabet_are_invalid():
    assert not is_valid("UUUUUUUUUU") and not is_valid("") and not is_valid("ABC")
    with pytest.raises(ValueError):
        check_char("U")


# -- console -------------------------------------------------------------------------------------------------

def test_console_status_follows_arrival_start_saves_and_submission():
    started = NOW - timedelta(minutes=5)
    assert candidate_state(checked_in=False, attempt_status=None, started_at=None, last_save_at=None,
                           now=NOW).status == CandidateStatus.NOT_ARRIVED
    assert candidate_state(checked_in=True, attempt_status=None, started_at=None, last_save_at=None,
                           now=NOW).status == CandidateStatus.PRESENT
    saving = candidate_state(checked_in=True, attempt_status="in_progress", started_at=started,
                             last_save_at=NOW - timedelta(seconds=12), now=NOW)
    assert saving.status == CandidateStatus.IN_PROGRESS and saving.last_save_s == 12
    quiet = candidate_state(checked_in=True, attempt_status="in_progress", started_at=started,
                            last_save_at=NOW - timedelta(seconds=61), now=NOW)
    assert quiet.status == CandidateStatus.OFFLINE
    assert candidate_state(checked_in=True, attempt_status="in_progress", started_at=started,
                           last_save_at=NOW - timedelta(seconds=61), now=NOW, paused=True).status \
        == CandidateStatus.IN_PROGRESS
    assert candidate_state(checked_in=True, attempt_status="submitted", started_at=started, last_save_at=None,
                           now=NOW).status == CandidateStatus.SUBMITTED


def test_exactly_sixty_seconds_without_a_save_is_not_yet_offline():
    state = candidate_state(checked_in=True, attempt_status="in_progress", started_at=NOW - timedelta(seconds=60),
                            last_save_at=None, now=NOW)
    assert state.status == CandidateStatus.IN_PROGRESS


# -- calendar ------------------------------------------------------------------------------------------------

def test_the_month_grid_starts_on_monday_and_pads_with_neighbouring_days():
    weeks = month_grid(2026, 3, {date(2026, 3, 14): ["x"]})
    assert weeks[0][0].day == date(2026, 2, 23) and not weeks[0][0].in_month  # 1 March 2026 is a Sunday
    assert weeks[0][6].day == date(2026, 3, 1) and weeks[0][6].in_month
    assert all(len(w) == 7 for w in weeks)
    assert [d.events for w in weeks for d in w if d.events] == [("x",)]
    assert shift_month(2026, 1, -1) == (2025, 12) and shift_month(2026, 12, 1) == (2027, 1)


def test_ical_escapes_text_folds_long_lines_and_uses_utc():
    event = CalendarEvent(uid="e1@x", starts_at=NOW, ends_at=NOW + timedelta(hours=1),
                          summary="吊装, 信号; 司索工\n第1场" + "很长" * 40, location="昆明")
    text = ical([event], name="基地", now=NOW)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "DTSTART:20260302T013000Z" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "")
    assert "SUMMARY:吊装\\, 信号\\; 司索工\\n第1场" in unfolded


# -- exports -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["=1+1", "+86 138", "-2", "@SUM(A1)", "\t=1", "\r=1"])
def test_cells_that_would_run_as_formulas_get_a_quote(text):
    assert neutralise(text) == "'" + text


def test_other_cells_are_unchanged():
    assert neutralise_row(["张三", 59.5, None, True, "a=b"]) == ["张三", 59.5, None, True, "a=b"]
