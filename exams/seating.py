"""Seats and ticket numbers for registered candidates.

A candidate who gets a seat (on registering, or moving up from the waiting list) gets a fresh random
ticket number and, at a session held at a venue, the first free seat: rooms in (position, id) order,
seats from 1. Callers hold the session row lock (``exams.sessions.register``), so two candidates never
race for one seat; the unique constraints on the registration table are the backstop.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from exams.models import ExamSession, Registration, RegistrationStatus, VenueRoom
from exams.rules.tickets import make_ticket_number


def rooms_of_venue(session: Session, venue_id: int | None) -> list[VenueRoom]:
    if venue_id is None:
        return []
    return list(session.scalars(select(VenueRoom).where(VenueRoom.venue_id == venue_id)
                                .order_by(VenueRoom.position, VenueRoom.id)))


def new_ticket_number(session: Session) -> str:
    while True:
        number = make_ticket_number(secrets.randbits(45))
        if session.scalar(select(Registration.id).where(Registration.ticket_number == number)) is None:
            return number


def first_free_seat(session: Session, exam_session: ExamSession) -> tuple[int, int] | None:
    """(room id, seat number) of the first free seat, or None when the venue has none (or no venue)."""
    taken = set(session.execute(select(Registration.room_id, Registration.seat_no).where(
        Registration.session_id == exam_session.id, Registration.status == RegistrationStatus.REGISTERED,
        Registration.room_id.is_not(None))).tuples())
    for room in rooms_of_venue(session, exam_session.venue_id):
        for seat in range(1, room.seats + 1):
            if (room.id, seat) not in taken:
                return room.id, seat
    return None


def admit(session: Session, *, exam_session: ExamSession, registration: Registration) -> Registration:
    """Give a registered candidate a ticket number and a seat (idempotent for one who has both)."""
    if registration.ticket_number is None:
        registration.ticket_number = new_ticket_number(session)
    if registration.room_id is None:
        seat = first_free_seat(session, exam_session)
        if seat is not None:
            registration.room_id, registration.seat_no = seat
    session.flush()
    return registration


def release(registration: Registration) -> None:
    """Free the seat of a cancelled registration (the ticket number stays, marked by the status)."""
    registration.room_id = None
    registration.seat_no = None
