"""A base's exam sessions as a month calendar and as a private iCalendar feed.

The feed URL carries a token: an HMAC of the organisation, the staff member and their auth version under
the app's secret key. It stops working when the member loses their role at the base or changes their
password, and needs no table.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Membership, User
from exams.models import ExamSession, Registration, RegistrationStatus, Venue
from exams.rules.calendar import CalendarEvent, Day, ical, month_grid

LOCAL = ZoneInfo("Asia/Shanghai")
FEED_PAST = timedelta(days=90)


@dataclass(frozen=True)
class SessionEntry:
    exam_session: ExamSession
    venue: str
    address: str
    taken: int

    @property
    def local_start(self) -> datetime:
        return self.exam_session.starts_at.astimezone(LOCAL)


def sessions_between(session: Session, org_id: int, start: datetime, end: datetime) -> list[SessionEntry]:
    taken = (select(Registration.session_id, func.count(Registration.id).label("n"))
             .where(Registration.status == RegistrationStatus.REGISTERED).group_by(Registration.session_id)
             .subquery())
    rows = session.execute(
        select(ExamSession, Venue.name, Venue.address, func.coalesce(taken.c.n, 0))
        .outerjoin(Venue, Venue.id == ExamSession.venue_id)
        .outerjoin(taken, taken.c.session_id == ExamSession.id)
        .where(ExamSession.org_id == org_id, ExamSession.starts_at < end, ExamSession.ends_at > start)
        .order_by(ExamSession.starts_at, ExamSession.id)).tuples().all()
    return [SessionEntry(s, v or "", a or "", int(n)) for s, v, a, n in rows]


def month_of(session: Session, org_id: int, year: int, month: int) -> list[list[Day]]:
    """The month grid (Beijing dates) with each day's sessions."""
    first = datetime(year, month, 1, tzinfo=LOCAL)
    start, end = first - timedelta(days=7), first + timedelta(days=45)
    by_day: dict[date, list[SessionEntry]] = {}
    for entry in sessions_between(session, org_id, start, end):
        by_day.setdefault(entry.local_start.date(), []).append(entry)
    return month_grid(year, month, by_day)


def feed_token(secret_key: str, org_id: int, user: User) -> str:
    message = f"exam-calendar:{org_id}:{user.id}:{user.auth_version}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def feed_user(session: Session, secret_key: str, org_id: int, user_id: str, token: str) -> User | None:
    """The staff member a feed URL belongs to, or None when the token is wrong or the role is gone."""
    user = session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.is_active or not hmac.compare_digest(feed_token(secret_key, org_id, user), token):
        return None
    member = session.scalar(select(Membership.id).where(Membership.user_id == user.id, Membership.org_id == org_id))
    return user if member else None


def feed(session: Session, *, org_id: int, calendar_name: str, base_url: str, now: datetime) -> str:
    """The base's sessions from 90 days back, as iCalendar text."""
    events = [CalendarEvent(uid=f"exam-session-{e.exam_session.id}@prefabskills",
                            starts_at=e.exam_session.starts_at, ends_at=e.exam_session.ends_at,
                            summary=e.exam_session.title, location=" ".join(filter(None, (e.venue, e.address))),
                            description=f"{e.taken}/{e.exam_session.capacity}",
                            url=f"{base_url}/orgs/{org_id}/sessions/{e.exam_session.id}")
              for e in sessions_between(session, org_id, now - FEED_PAST, now + timedelta(days=3650))]
    return ical(events, name=calendar_name, now=now)
