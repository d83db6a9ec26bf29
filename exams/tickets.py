"""The admission ticket (准考证): its facts, its QR code, and the PDF.

The QR code carries only the ticket number (no personal data); the door scans it. The PDF is rendered
by WeasyPrint with a URL fetcher that serves nothing but the app's own static files (DESIGN.md §7):
no ``file:`` paths elsewhere, no network.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import segno
from sqlalchemy.orm import Session

from core.models import User
from exams.models import Exam, ExamSession, Registration, RegistrationStatus, Venue, VenueRoom
from exams.rules.tickets import display

STATIC_DIR = Path(__file__).resolve().parent.parent / "core" / "static"
ASSET_PREFIX = "asset:"


@dataclass(frozen=True)
class Ticket:
    number: str
    number_display: str
    name: str
    id_number_masked: str
    exam_title: str
    level: str
    session_title: str
    starts_at: object
    ends_at: object
    venue: str
    address: str
    room: str
    seat_no: int | None
    org_name: str
    qr_svg: str


def qr_svg(text: str) -> str:
    """An inline SVG QR code (error correction M, big enough for a phone camera on paper or screen)."""
    return segno.make(text, error="m", micro=False).svg_inline(scale=5, border=2, dark="#000")


def ticket_of(session: Session, registration: Registration, org_name: str) -> Ticket | None:
    """The ticket of a registered candidate; None while waitlisted or after cancellation."""
    if registration.status != RegistrationStatus.REGISTERED or not registration.ticket_number:
        return None
    exam_session = session.get(ExamSession, registration.session_id)
    exam = session.get(Exam, exam_session.exam_id)
    user = session.get(User, registration.user_id)
    venue = session.get(Venue, exam_session.venue_id) if exam_session.venue_id else None
    room = session.get(VenueRoom, registration.room_id) if registration.room_id else None
    return Ticket(number=registration.ticket_number, number_display=display(registration.ticket_number),
                  name=user.name, id_number_masked=user.id_number_masked or "", exam_title=exam.title,
                  level=exam.level, session_title=exam_session.title, starts_at=exam_session.starts_at,
                  ends_at=exam_session.ends_at, venue=venue.name if venue else "",
                  address=venue.address if venue else "", room=room.name if room else "",
                  seat_no=registration.seat_no, org_name=org_name, qr_svg=qr_svg(registration.ticket_number))


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetFetcher(URLFetcher):
        """Serves ``asset:<file>`` from the app's static folder; refuses every other URL."""

        def fetch(self, url, headers=None):
            if not url.startswith(ASSET_PREFIX):
                raise ValueError(f"refused: {url[:80]}")
            path = (STATIC_DIR / url[len(ASSET_PREFIX):].lstrip("/")).resolve()
            if STATIC_DIR not in path.parents or not path.is_file():
                raise ValueError(f"refused: {url[:80]}")
            mime = {".svg": "image/svg+xml", ".png": "image/png", ".css": "text/css"}.get(path.suffix,
                                                                                          "application/octet-stream")
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    return AssetFetcher


def asset_fetcher():
    return _fetcher_class()()


def render_pdf(html: str) -> bytes:
    """PDF bytes of ``html`` (one self-contained page; assets as ``asset:name``)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=ASSET_PREFIX, url_fetcher=asset_fetcher()).write_pdf()
