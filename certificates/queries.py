"""Read side of certificates: the wallet, a base's certificates, the status list, JSON shapes."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from certificates import statuslist
from certificates.models import Certificate
from certificates.serials import SerialInvalid, canonical, normalize
from certificates.status import REVOKED_IN_STATUS_LIST, CertificateState
from core.models import Organisation, OrgKind, User

PAGE = 50


def by_serial(session: Session, raw_serial: str) -> Certificate | None:
    """Any certificate by serial (no state filter); None for a serial that is not well-formed."""
    try:
        serial = canonical(raw_serial)
    except SerialInvalid:
        return None
    return session.scalar(select(Certificate).where(Certificate.serial == serial))


def certificates_of(session: Session, user_id: int) -> list[Certificate]:
    """The holder's certificates, newest first; rejected ones are left out."""
    return list(session.scalars(
        select(Certificate).where(Certificate.holder_id == user_id, Certificate.state != CertificateState.REJECTED)
        .order_by(Certificate.id.desc())))


def own_certificate(session: Session, user: User, raw_serial: str) -> Certificate | None:
    cert = by_serial(session, raw_serial)
    return cert if cert is not None and cert.holder_id == user.id else None


def _issued_by(org: Organisation):
    """A base's own certificates; the authority (platform admins) manages the platform-issued ones."""
    if org.kind == OrgKind.AUTHORITY:
        return Certificate.issuer_org_id.is_(None)
    return Certificate.issuer_org_id == org.id


def certificate_of_org(session: Session, org: Organisation, raw_serial: str) -> Certificate | None:
    cert = by_serial(session, raw_serial)
    if cert is None:
        return None
    return session.scalar(select(Certificate).where(Certificate.id == cert.id, _issued_by(org)))


def certificates_of_org(session: Session, org: Organisation, *, q: str = "", state: str = "",
                        before_id: int | None = None) -> list[Certificate]:
    """A page of the organisation's certificates, newest first; ``q`` matches a serial prefix or the name."""
    query = select(Certificate).where(_issued_by(org))
    text = (q or "").strip()[:40]
    if text:
        query = query.where(or_(Certificate.serial.startswith(normalize(text), autoescape=True),
                                Certificate.holder_name == text))
    if state in {s.value for s in CertificateState}:
        query = query.where(Certificate.state == state)
    if before_id:
        query = query.where(Certificate.id < before_id)
    return list(session.scalars(query.order_by(Certificate.id.desc()).limit(PAGE)))


def revoked_ids(session: Session, list_number: int) -> list[int]:
    low, high = statuslist.id_range(list_number)
    return list(session.scalars(select(Certificate.id).where(
        Certificate.id.between(low, high), Certificate.state.in_([str(s) for s in REVOKED_IN_STATUS_LIST]))))


def last_list_number(session: Session) -> int:
    last = session.scalar(select(Certificate.id).order_by(Certificate.id.desc()).limit(1))
    return statuslist.position_of(last)[0] if last else 1
