"""The invigilator's actions and check-in: pause and resume, extra time, forced submission, notes, the
console, and the door."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.errors import Conflict, RuleViolated, ValidationFailed
from core.models import AuditEvent
from exams.attempts import paper_question_ids, save_answer, start_attempt, sweep_overdue, version_spec
from exams.checkin import check_in, check_in_by_ticket
from exams.invigilation import (
    console_rows,
    force_submit,
    grant_extra_time,
    incidents_of,
    pause_session,
    record_note,
    resume_session,
)
from exams.models import Attempt, AttemptEvent, Registration, SessionPause, SubmittedBy
from exams.papers import generate_papers
from exams.queries import attempt_clock
from exams.rules.console import CandidateStatus
from exams.rules.tickets import display
from tests.exams.base_world import build_exam_day
from tests.factories import NOW

START = NOW


@pytest.fixture
def day(session, cipher, tmp_path):
    day = build_exam_day(session, cipher, tmp_path, candidates=3, starts_at=START, duration_s=1800)
    generate_papers(session, exam_session=day.exam_session, now=START - timedelta(minutes=30))
    session.commit()
    return day


def _start(session, day, n: int, at=START + timedelta(minutes=1)) -> Attempt:
    return start_attempt(session, exam_session=day.exam_session, candidate=day.candidates[n], device_id="p",
                         now=at).attempt


def _reg(session, user) -> Registration:
    return session.scalar(select(Registration).where(Registration.user_id == user.id))


def _actions(session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_resuming_moves_every_deadline_in_progress_by_the_pause_length(session, day):
    a, b = _start(session, day, 0), _start(session, day, 1, at=START + timedelta(minutes=5))
    deadlines = (a.deadline_at, b.deadline_at)
    pause_session(session, exam_session=day.exam_session, actor_id=day.invigilator.id, reason="停电",
                  now=START + timedelta(minutes=10))
    pause = resume_session(session, exam_session=day.exam_session, actor_id=day.invigilator.id,
                           now=START + timedelta(minutes=17))
    assert (a.deadline_at, b.deadline_at) == (deadlines[0] + timedelta(minutes=7), deadlines[1] + timedelta(minutes=7))
    assert pause.attempts_moved == 2 and day.exam_session.paused_at is None
    assert session.scalar(select(SessionPause.reason)) == "停电"
    assert {e.kind for e in session.scalars(select(AttemptEvent))} >= {"pause"}
    assert _actions(session)[-2:] == ["exam.paused", "exam.resumed"]


def test_resuming_moves_the_session_window_so_late_starters_keep_their_time(session, day):
    ends = day.exam_session.ends_at
    pause_session(session, exam_session=day.exam_session, actor_id=day.invigilator.id, reason="停电",
                  now=START + timedelta(minutes=10))
    resume_session(session, exam_session=day.exam_session, actor_id=day.invigilator.id,
                   now=START + timedelta(minutes=25))
    assert day.exam_session.ends_at == ends + timedelta(minutes=15)


def test_while_paused_saves_are_stored_and_the_countdown_stands_still(session, day):
    attempt = _start(session, day, 0)
    q = attempt_clock(session, attempt, now=START + timedelta(minutes=10))["remaining_s"]
    pause_session(session, exam_session=day.exam_session, actor_id=day.invigilator.id, reason="疏散",
                  now=START + timedelta(minutes=10))
    from exams.models import Paper

    question = session.get(Paper, attempt.paper_id).items[0]["q"]
    saved = save_answer(session, attempt_id=attempt.id, candidate=day.candidates[0], question_version_id=question,
                        response=None, seq=1, device_id="p", now=START + timedelta(minutes=40), grace_s=60)
    assert saved.applied and saved.paused and saved.remaining_s == q  # 30 min later: still the same time left
    clock = attempt_clock(session, attempt, now=START + timedelta(minutes=45))
    assert clock["paused"] is True and clock["remaining_s"] == q and clock["notice"]
    assert sweep_overdue(session, now=START + timedelta(hours=2), grace_s=60) == 0  # nobody is swept mid-pause


def test_pausing_twice_or_resuming_a_running_session_is_a_conflict(session, day):
    with pytest.raises(Conflict):
        resume_session(session, exam_session=day.exam_session, actor_id=day.invigilator.id, now=START)
    pause_session(session, exam_session=day.exam_session, actor_id=day.invigilator.id, reason="x", now=START)
    with pytest.raises(Conflict):
        pause_session(session, exam_session=day.exam_session, actor_id=day.invigilator.id, reason="x", now=START)


def test_extra_time_moves_one_candidates_deadline_and_window(session, day):
    attempt, other = _start(session, day, 0), _start(session, day, 1)
    before, other_before = attempt.deadline_at, other.deadline_at
    grant_extra_time(session, exam_session=day.exam_session, registration=_reg(session, day.candidates[0]),
                     minutes=15, reason="视力障碍", actor_id=day.invigilator.id, now=START + timedelta(minutes=3))
    assert attempt.deadline_at == before + timedelta(minutes=15) and other.deadline_at == other_before
    assert _reg(session, day.candidates[0]).extra_time_s == 900
    assert "exam.extra_time" in _actions(session)
    with pytest.raises(ValidationFailed):
        grant_extra_time(session, exam_session=day.exam_session, registration=_reg(session, day.candidates[0]),
                         minutes=0, reason="x", actor_id=day.invigilator.id, now=START)


def test_extra_time_before_the_start_is_kept_for_the_attempt(session, day):
    grant_extra_time(session, exam_session=day.exam_session, registration=_reg(session, day.candidates[2]),
                     minutes=10, reason="手机故障换机", actor_id=day.invigilator.id, now=START)
    attempt = _start(session, day, 2)
    assert attempt.deadline_at == attempt.started_at + timedelta(minutes=40)


def test_force_submit_closes_the_attempt_as_the_invigilators(session, day):
    attempt = _start(session, day, 0)
    force_submit(session, exam_session=day.exam_session, attempt=attempt, reason="作弊", actor_id=day.invigilator.id,
                 now=START + timedelta(minutes=8))
    assert attempt.status == "submitted" and attempt.submitted_by == SubmittedBy.INVIGILATOR
    assert attempt_clock(session, attempt, now=START + timedelta(minutes=9))["status"] == "submitted"
    assert "exam.force_submitted" in _actions(session)
    with pytest.raises(Conflict):
        force_submit(session, exam_session=day.exam_session, attempt=attempt, reason="again",
                     actor_id=day.invigilator.id, now=START + timedelta(minutes=9))


def test_a_note_is_kept_in_the_incident_log_and_audited(session, day):
    record_note(session, exam_session=day.exam_session, note="3号座位考生身体不适，已休息5分钟",
                actor_id=day.invigilator.id, now=START)
    [(incident, who)] = incidents_of(session, day.exam_session)
    assert incident.kind == "note" and who.id == day.invigilator.id
    assert _actions(session)[-1] == "exam.note"


def test_the_console_shows_each_candidates_status_and_remaining_time(session, day):
    check_in(session, exam_session=day.exam_session, registration=_reg(session, day.candidates[1]),
             actor_id=day.invigilator.id, now=START - timedelta(minutes=20))
    attempt = _start(session, day, 0)
    rows = {r.registration.user_id: r for r in console_rows(session, day.exam_session,
                                                            now=START + timedelta(minutes=3))}
    assert rows[day.candidates[0].id].state.status == CandidateStatus.OFFLINE  # started 2 min ago, never saved
    assert rows[day.candidates[0].id].remaining_s == int((attempt.deadline_at - START).total_seconds()) - 180
    assert rows[day.candidates[1].id].state.status == CandidateStatus.PRESENT
    assert rows[day.candidates[2].id].state.status == CandidateStatus.NOT_ARRIVED


def test_the_console_counts_quiet_time_from_the_last_applied_save(session, day):
    attempt = _start(session, day, 0)
    _start(session, day, 1)
    question = next(q for q in sorted(paper_question_ids(session, attempt.paper_id))
                    if version_spec(session, q)["kind"] == "single")
    for seq, at in ((1, START + timedelta(minutes=2)), (2, START + timedelta(minutes=4))):
        save_answer(session, attempt_id=attempt.id, candidate=day.candidates[0], question_version_id=question,
                    response="A", seq=seq, device_id="p", now=at, grace_s=30)
    save_answer(session, attempt_id=attempt.id, candidate=day.candidates[0], question_version_id=question,
                response="B", seq=1, device_id="p", now=START + timedelta(minutes=4, seconds=20), grace_s=30)  # stale
    rows = {r.registration.user_id: r for r in console_rows(session, day.exam_session,
                                                            now=START + timedelta(minutes=4, seconds=40))}
    mine = rows[day.candidates[0].id].state
    assert mine.status == CandidateStatus.IN_PROGRESS and mine.last_save_s == 40
    assert rows[day.candidates[1].id].state.last_save_s == 220  # never saved: quiet since the start


# -- check-in ------------------------------------------------------------------------------------------------

def test_typing_the_ticket_number_marks_the_candidate_present_once(session, day):
    registration = _reg(session, day.candidates[0])
    typed = display(registration.ticket_number).lower()
    done = check_in_by_ticket(session, exam_session=day.exam_session, typed=typed, actor_id=day.invigilator.id,
                              now=START - timedelta(minutes=30))
    assert not done.already and registration.checked_in_at == START - timedelta(minutes=30)
    assert done.seat_no == registration.seat_no and done.room == day.rooms[0].name
    again = check_in_by_ticket(session, exam_session=day.exam_session, typed=registration.ticket_number,
                               actor_id=day.invigilator.id, now=START)
    assert again.already and registration.checked_in_at == START - timedelta(minutes=30)
    assert _actions(session).count("exam.checked_in") == 1


def test_a_mistyped_ticket_number_is_caught_by_its_check_character(session, day):
    number = _reg(session, day.candidates[0]).ticket_number
    wrong = number[:3] + ("2" if number[3] != "2" else "3") + number[4:]
    with pytest.raises(ValidationFailed) as exc:
        check_in_by_ticket(session, exam_session=day.exam_session, typed=wrong, actor_id=day.invigilator.id,
                           now=START)
    assert exc.value.code == "ticket_invalid"


def test_another_sessions_ticket_and_a_cancelled_one_do_not_open_the_door(session, day, cipher, tmp_path):
    from exams.rules.tickets import make_ticket_number

    with pytest.raises(RuleViolated) as exc:
        check_in_by_ticket(session, exam_session=day.exam_session, typed=make_ticket_number(42),
                           actor_id=day.invigilator.id, now=START)
    assert exc.value.code == "ticket_unknown"
    registration = _reg(session, day.candidates[2])
    registration.status = "cancelled"
    with pytest.raises(RuleViolated) as exc:
        check_in_by_ticket(session, exam_session=day.exam_session, typed=registration.ticket_number,
                           actor_id=day.invigilator.id, now=START)
    assert exc.value.code == "not_registered"


def test_check_in_opens_three_hours_before_and_closes_at_the_end(session, day):
    registration = _reg(session, day.candidates[0])
    for at, code in ((START - timedelta(hours=3, minutes=1), "checkin_not_open"),
                     (day.exam_session.ends_at, "checkin_closed")):
        with pytest.raises(RuleViolated) as exc:
            check_in(session, exam_session=day.exam_session, registration=registration, actor_id=1, now=at)
        assert exc.value.code == code
