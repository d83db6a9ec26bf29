"""Check-in at the door: by the ticket's QR code or typed number, or from the registration list.

Check-in is open from three hours before the start until the session ends. The number's check
character is verified before any lookup, so a typo gets "check the number" rather than "unknown".
Checking in twice is harmless (the first time stands). Every check-in writes an audit row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.errors import NotFound, RuleViolated, ValidationFailed
from core.i18n import lazy
from core.models import User
from exams.models import ExamSession, Registration, RegistrationStatus, VenueRoom
from exams.rules.tickets import is_valid, normalize

CHECKIN_OPENS_BEFORE = timedelta(hours=3)


@dataclass(frozen=True)
class CheckIn:
    registration: Registration
    name: str
    room: str
    seat_no: int | None
    already: bool


def _window(exam_session: ExamSession, now: datetime) -> None:
    if now < exam_session.starts_at - CHECKIN_OPENS_BEFORE:
        raise RuleViolated("checkin_not_open", str(lazy("签到尚未开始（考前3小时开放）。")), None)
    if now >= exam_session.ends_at:
        raise RuleViolated("checkin_closed", str(lazy("考试已结束，不能再签到。")), None)


def check_in_by_ticket(session: Session, *, exam_session: ExamSession, typed: str, actor_id: int,
                       now: datetime) -> CheckIn:
    """422 ``ticket_invalid`` for a number failing its check character; 422 ``ticket_unknown`` for a valid
    number of no candidate of this session (another session's ticket included)."""
    number = normalize(typed)
    if not is_valid(number):
        raise ValidationFailed("ticket_invalid", str(lazy("准考证号有误，请核对后重新输入。")), "ticket_number")
    registration = session.scalar(select(Registration).where(Registration.ticket_number == number,
                                                             Registration.session_id == exam_session.id))
    if registration is None:
        raise RuleViolated("ticket_unknown", str(lazy("本场考试没有这个准考证号。")), "ticket_number")
    return check_in(session, exam_session=exam_session, registration=registration, actor_id=actor_id, now=now)


def check_in(session: Session, *, exam_session: ExamSession, registration: Registration, actor_id: int,
             now: datetime) -> CheckIn:
    if registration.session_id != exam_session.id:
        raise NotFound()
    if registration.status != RegistrationStatus.REGISTERED:
        raise RuleViolated("not_registered", str(lazy("该报名已取消或仍在候补，不能签到。")), "ticket_number")
    _window(exam_session, now)
    already = registration.checked_in_at is not None
    if not already:
        registration.checked_in_at, registration.checked_in_by_id = now, actor_id
        session.flush()
        audit.record(session, action="exam.checked_in", now=now, actor_id=actor_id, org_id=exam_session.org_id,
                     target=f"registration:{registration.id}", details={"session_id": exam_session.id})
    room = session.get(VenueRoom, registration.room_id) if registration.room_id else None
    return CheckIn(registration, session.get(User, registration.user_id).name, room.name if room else "",
                   registration.seat_no, already)
