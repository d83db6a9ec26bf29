"""Exam-day jobs for the single scheduler process; each is idempotent (a second run changes nothing).

- registration windows: the windows are derived from stored times; the job only notes when it saw a
  window open or close, and on closing tells candidates still on the waiting list.
- papers: drawn for every registered candidate from 30 minutes before the start (``generate_papers``).
- reminders: in-app notifications the day before and an hour before, once each (``dedupe_key``); with
  ``smtp_url`` set, an e-mail is queued in the outbox in the same transaction.
- mail: the outbox job sends queued e-mails after their transaction has committed (at least once).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from functools import partial
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.i18n import lazy
from core.jobs import Job
from core.models import Notification, OutboxMessage, User
from exams.models import ExamSession, Registration, RegistrationStatus
from exams.papers import generate_papers
from exams.waitlist import MY_REGISTRATIONS_PATH, cancel_deadline

log = logging.getLogger(__name__)

PAPERS_LEAD = timedelta(minutes=30)
DAY_BEFORE = timedelta(hours=24)
HOUR_BEFORE = timedelta(hours=1)
MAIL_KIND = "email"
MAX_MAIL_ATTEMPTS = 5
LOCAL = ZoneInfo("Asia/Shanghai")


def make_jobs(*, smtp_url: str = "") -> list[Job]:
    """Mail delivery runs only when ``smtp_url`` (setting ``PREFABSKILLS_SMTP_URL``) is set."""
    jobs = [
        Job("exams.registration_windows", timedelta(minutes=1), run_registration_windows),
        Job("exams.prepare_papers", timedelta(minutes=1), prepare_papers, lease=timedelta(minutes=10)),
        Job("exams.reminders", timedelta(minutes=5), partial(send_reminders, mail=bool(smtp_url))),
    ]
    if smtp_url:
        jobs.append(Job("exams.deliver_mail", timedelta(seconds=30),
                        partial(deliver_mail, send=partial(smtp_send, smtp_url))))
    return jobs


def notify(session: Session, *, user_id: int, title: str, body: str, dedupe_key: str, now: datetime,
           mail: bool, link: str = MY_REGISTRATIONS_PATH) -> bool:
    """One in-app notice per ``dedupe_key`` (and its e-mail, when mail is on); False when already sent."""
    if session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(Notification(user_id=user_id, title=title[:200], body=body, link=link,
                                     dedupe_key=dedupe_key, created_at=now))
            session.flush()
    except IntegrityError:
        return False
    if mail:
        session.add(OutboxMessage(kind=MAIL_KIND, created_at=now,
                                  payload={"user_id": user_id, "subject": title[:200], "body": body,
                                           "dedupe_key": dedupe_key}))
        session.flush()
    return True


def run_registration_windows(session: Session, now: datetime) -> None:
    opening = session.scalars(select(ExamSession).where(
        ExamSession.registration_opened_at.is_(None), ExamSession.starts_at > now,
        (ExamSession.registration_opens_at.is_(None)) | (ExamSession.registration_opens_at <= now))).all()
    for exam_session in opening:
        exam_session.registration_opened_at = now
    closing = session.scalars(select(ExamSession).where(ExamSession.registration_closed_at.is_(None),
                                                        ExamSession.registration_closes_at <= now)).all()
    for exam_session in closing:
        if now < cancel_deadline(exam_session):
            continue  # the waiting list still moves until the cancellation cut-off
        exam_session.registration_closed_at = now
        left = session.scalars(select(Registration).where(Registration.session_id == exam_session.id,
                                                          Registration.status == RegistrationStatus.WAITLISTED))
        for registration in left:
            notify(session, user_id=registration.user_id, mail=False, now=now,
                   dedupe_key=f"exam-waitlist-closed:{registration.id}:{int(registration.created_at.timestamp())}",
                   title=str(lazy("候补未成功：%(t)s", t=exam_session.title)),
                   body=str(lazy("报名已截止，候补名单没有递补到您。欢迎报名其他场次。")))
    session.flush()


def prepare_papers(session: Session, now: datetime) -> None:
    due = session.scalars(select(ExamSession).where(ExamSession.starts_at <= now + PAPERS_LEAD,
                                                    ExamSession.ends_at > now)).all()
    for exam_session in due:
        made = generate_papers(session, exam_session=exam_session, now=now)
        if made:
            log.info("exam session %s: %d papers drawn", exam_session.id, made)


def send_reminders(session: Session, now: datetime, *, mail: bool = False) -> int:
    """Day-before reminders for sessions starting in 1–24 h, hour-before ones for those within the hour."""
    sent = 0
    rows = session.execute(
        select(ExamSession, Registration.user_id).join(Registration, Registration.session_id == ExamSession.id)
        .where(Registration.status == RegistrationStatus.REGISTERED, ExamSession.starts_at > now,
               ExamSession.starts_at <= now + DAY_BEFORE)).tuples().all()
    for exam_session, user_id in rows:
        which = "hour" if exam_session.starts_at - now <= HOUR_BEFORE else "day"
        start = exam_session.starts_at.astimezone(LOCAL).strftime("%m-%d %H:%M")
        title = (str(lazy("考试将在1小时内开始：%(t)s", t=exam_session.title)) if which == "hour"
                 else str(lazy("考试提醒：%(t)s", t=exam_session.title)))
        body = str(lazy("考试时间 %(s)s（北京时间）。请带身份证和准考证提前到场签到。", s=start))
        sent += notify(session, user_id=user_id, title=title, body=body, now=now, mail=mail,
                       dedupe_key=f"exam-reminder:{exam_session.id}:{user_id}:{which}")
    return sent


def recipient_address(session: Session, user_id: int) -> str | None:
    """The user's e-mail address, when the account has one."""
    user = session.get(User, user_id)
    return getattr(user, "email", None) if user else None


def deliver_mail(session: Session, now: datetime, *, send: Callable[[str, str, str], None],
                 address_of: Callable[[Session, int], str | None] = recipient_address, batch: int = 100) -> int:
    """Send queued e-mails; a failure is kept on the row and retried up to five times. Returns how many went."""
    rows = session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == MAIL_KIND, OutboxMessage.sent_at.is_(None),
        OutboxMessage.attempts < MAX_MAIL_ATTEMPTS).order_by(OutboxMessage.id).limit(batch)).all()
    delivered = 0
    for row in rows:
        row.attempts += 1
        to = row.payload.get("to") or address_of(session, row.payload.get("user_id"))
        if not to:
            row.attempts, row.last_error = MAX_MAIL_ATTEMPTS, "no e-mail address"
            continue
        try:
            send(to, row.payload["subject"], row.payload["body"])
        except Exception as exc:  # one bad message must not stop the queue
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            continue
        row.sent_at, row.last_error = now, None
        delivered += 1
    session.flush()
    return delivered


def smtp_send(smtp_url: str, to: str, subject: str, body: str) -> None:
    """``smtp://user:password@host:port?from=addr`` (``smtps://`` for TLS from the start)."""
    url = urlsplit(smtp_url)
    sender = parse_qs(url.query).get("from", [f"noreply@{url.hostname}"])[0]
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content(body)
    smtp_class = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    with smtp_class(url.hostname, url.port or (465 if url.scheme == "smtps" else 25), timeout=20) as smtp:
        if url.scheme == "smtp" and parse_qs(url.query).get("starttls", ["0"])[0] == "1":
            smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(message)
