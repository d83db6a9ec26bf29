"""Exam-day jobs: registration windows, papers before the start, reminders once each, the mail outbox."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from core.models import Notification, OutboxMessage
from exams.base_jobs import (
    deliver_mail,
    make_jobs,
    prepare_papers,
    run_registration_windows,
    send_reminders,
)
from exams.models import Paper, RegistrationStatus
from exams.waitlist import join_waitlist
from tests.exams.base_world import add_candidate, build_exam_day
from tests.factories import NOW

START = NOW + timedelta(days=2)


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_job_list_adds_mail_delivery_only_with_an_smtp_url():
    assert "exams.deliver_mail" not in {j.name for j in make_jobs(smtp_url="")}
    assert "exams.deliver_mail" in {j.name for j in make_jobs(smtp_url="smtp://mail.local:25")}


def test_papers_are_drawn_from_half_an_hour_before_the_start_and_only_once(session, cipher, tmp_path):
    day = build_exam_day(session, cipher, tmp_path, candidates=3, starts_at=START)
    prepare_papers(session, START - timedelta(minutes=31))
    assert _count(session, Paper) == 0
    prepare_papers(session, START - timedelta(minutes=29))
    prepare_papers(session, START - timedelta(minutes=20))
    assert _count(session, Paper) == 3 and day.exam_session.papers_generated_at == START - timedelta(minutes=29)


def test_reminders_go_the_day_before_and_the_hour_before_once_each(session, cipher, tmp_path):
    build_exam_day(session, cipher, tmp_path, candidates=2, starts_at=START)
    assert send_reminders(session, START - timedelta(hours=25)) == 0
    assert send_reminders(session, START - timedelta(hours=23)) == 2
    assert send_reminders(session, START - timedelta(hours=22)) == 0  # a second run sends nothing
    assert send_reminders(session, START - timedelta(minutes=50)) == 2
    assert send_reminders(session, START - timedelta(minutes=40)) == 0
    keys = sorted(session.scalars(select(Notification.dedupe_key)))
    assert sorted(k.rsplit(":", 1)[1] for k in keys) == ["day", "day", "hour", "hour"]
    assert _count(session, OutboxMessage) == 0  # no SMTP configured: no mail queued


def test_with_mail_on_each_reminder_also_queues_one_email(session, cipher, tmp_path):
    day = build_exam_day(session, cipher, tmp_path, candidates=2, starts_at=START)
    send_reminders(session, START - timedelta(hours=20), mail=True)
    send_reminders(session, START - timedelta(hours=19), mail=True)
    rows = session.scalars(select(OutboxMessage)).all()
    assert len(rows) == 2 and {r.kind for r in rows} == {"email"}
    assert {r.payload["user_id"] for r in rows} == {u.id for u in day.candidates}
    assert all("考试提醒" in r.payload["subject"] and r.sent_at is None for r in rows)


def test_the_outbox_job_sends_marks_sent_and_keeps_failures_for_a_retry(session, cipher, tmp_path):
    day = build_exam_day(session, cipher, tmp_path, candidates=2, starts_at=START)
    send_reminders(session, START - timedelta(hours=20), mail=True)
    sent = []

    def flaky(to, subject, body):
        if to.startswith(str(day.candidates[1].id)):
            raise OSError("connection refused")
        sent.append((to, subject))

    delivered = deliver_mail(session, NOW, send=flaky, address_of=lambda s, uid: f"{uid}@example.test")
    rows = {r.payload["user_id"]: r for r in session.scalars(select(OutboxMessage))}
    assert delivered == 1 and len(sent) == 1
    assert rows[day.candidates[0].id].sent_at == NOW
    failed = rows[day.candidates[1].id]
    assert failed.sent_at is None and failed.attempts == 1 and "connection refused" in failed.last_error
    assert deliver_mail(session, NOW, send=flaky, address_of=lambda s, uid: f"{uid}@example.test") == 0
    assert failed.attempts == 2


def test_closing_registration_tells_those_left_on_the_waiting_list_once(session, cipher, tmp_path):
    day = build_exam_day(session, cipher, tmp_path, seats=(1,), capacity=1, candidates=1, starts_at=START)
    waiting = add_candidate(session, cipher, day, register_at=None)
    join_waitlist(session, exam_session_id=day.exam_session.id, candidate=waiting, now=NOW)
    run_registration_windows(session, NOW)
    assert day.exam_session.registration_opened_at == NOW and day.exam_session.registration_closed_at is None
    closes = day.exam_session.registration_closes_at
    run_registration_windows(session, closes)
    run_registration_windows(session, closes + timedelta(minutes=1))
    assert day.exam_session.registration_closed_at == closes
    notes = session.scalars(select(Notification).where(Notification.user_id == waiting.id)).all()
    assert len(notes) == 1 and "候补未成功" in notes[0].title
    assert day.exam_session.registration_opened_at == NOW
    from exams.models import Registration

    assert session.scalar(select(Registration.status).where(Registration.user_id == waiting.id)) \
        == RegistrationStatus.WAITLISTED
