"""Verifying certificates: the public view of one, the ID-number check, and bulk verification.

What a verifier learns: the public fields (holder name, skill, level, issuer, dates, status and the reason
for a suspension or revocation). Never the ID number: a verifier may type it and gets only whether it
matches (a keyed-hash comparison, see ``core.crypto``). Bulk results echo only what was sent.
"""

from __future__ import annotations

import hmac
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from certificates.config import CertConfig
from certificates.issuance import CHINA
from certificates.models import Certificate
from certificates.serials import SerialInvalid, canonical
from certificates.status import PUBLIC_STATES, TONES, PublicStatus, public_status, status_label
from core import audit
from core.crypto import PiiCipher
from core.i18n import lazy
from core.identity import IdentifierInvalid, normalize_id_number
from core.models import User

ID_PURPOSE = "id_number"
_CHUNK = 500


def local_date(at: datetime | None) -> date | None:
    return at.astimezone(CHINA).date() if at else None


@dataclass(frozen=True)
class PublicView:
    serial: str
    title: str
    kind: str
    holder_name: str
    skill_name: str
    level: str
    award: str
    competition: str
    issuer_name: str
    issued_on: date | None
    expires_on: date | None
    status: PublicStatus
    status_label: str
    tone: str
    reason: str
    replaced_by_serial: str | None = None
    replaced_by_token: str | None = None

    def as_json(self) -> dict:
        return {
            "serial": self.serial, "title": self.title, "kind": self.kind, "holder_name": self.holder_name,
            "skill": self.skill_name, "level": self.level or None, "award": self.award or None,
            "competition": self.competition or None, "issuer": self.issuer_name,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "status": str(self.status), "status_label": self.status_label, "reason": self.reason or None,
            "replaced_by": self.replaced_by_serial,
        }


def public_view(session: Session, cert: Certificate | Row, *, config: CertConfig, now: datetime) -> PublicView:
    status = public_status(cert.state, config.policy(cert.kind), cert.expires_at, now)
    replacement = session.get(Certificate, cert.superseded_by_id) if cert.superseded_by_id else None
    return PublicView(
        serial=cert.serial, title=cert.title, kind=str(cert.kind), holder_name=cert.holder_name,
        skill_name=cert.skill_name, level=cert.level, award=cert.award,
        competition=(cert.details or {}).get("competition", ""), issuer_name=cert.issuer_name,
        issued_on=local_date(cert.issued_at), expires_on=local_date(cert.expires_at), status=status,
        status_label=status_label(status), tone=TONES[status],
        reason=cert.state_reason if status in (PublicStatus.SUSPENDED, PublicStatus.REVOKED) else "",
        replaced_by_serial=replacement.serial if replacement else None,
        replaced_by_token=replacement.token if replacement else None)


def find_public(session: Session, raw_serial: str) -> Certificate | None:
    """The certificate a verifier may see; ``SerialInvalid`` for a typo, before any lookup."""
    cert = session.scalar(select(Certificate).where(Certificate.serial == canonical(raw_serial)))
    return cert if cert is not None and cert.state in PUBLIC_STATES else None


_table = Certificate.__table__
# What a verification reads (the public fields, the token, and what ``access.may_view`` asks): one statement
# compiled once, run on the connection (no ORM identity map), for the QR page and the API lookup.
_PUBLIC_ROW = select(*(_table.c[name] for name in (
    "serial", "token", "kind", "state", "holder_id", "holder_name", "issuer_org_id", "issuer_name", "title",
    "skill_name", "level", "award", "details", "issued_at", "expires_at", "state_reason", "superseded_by_id",
))).where(_table.c.serial == bindparam("serial"))


def find_public_row(session: Session, raw_serial: str) -> Row | None:
    """Like ``find_public`` but a read-only row with the same attribute names (``public_view`` and
    ``access.may_view`` take either); ``SerialInvalid`` for a typo, before any lookup."""
    row = session.connection().execute(_PUBLIC_ROW, {"serial": canonical(raw_serial)}).first()
    return row if row is not None and row.state in PUBLIC_STATES else None


def same_name(given: str, printed: str) -> bool:
    """Names compared as people write them: full-width folded, spaces ignored, any middle dot (·•・) alike."""
    def norm(text: str) -> str:
        text = unicodedata.normalize("NFKC", text or "")
        for dot in "•・‧∙．.":
            text = text.replace(dot, "·")
        return "".join(text.split()).casefold()
    return norm(given) == norm(printed)


def id_number_matches(cipher: PiiCipher, holder_hash: str | None, typed: str, *, today: date) -> bool:
    """Keyed-hash comparison; ``IdentifierInvalid`` when ``typed`` is not a valid ID number."""
    normalized = normalize_id_number(typed, today=today)
    if not holder_hash:
        return False
    return hmac.compare_digest(cipher.lookup_hash(normalized, purpose=ID_PURPOSE), holder_hash)


def holder_id_hash(session: Session, cert: Certificate) -> str | None:
    return session.scalar(select(User.id_number_hash).where(User.id == cert.holder_id))


# -- bulk ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BulkItem:
    row: int
    serial: str
    name: str | None = None
    id_number: str | None = None
    # A problem found while reading the file (e.g. an ID number Excel turned into a number).
    id_problem: str | None = None


@dataclass(frozen=True)
class BulkResult:
    row: int
    serial: str
    name: str | None
    status: PublicStatus | None = None
    status_label: str = ""
    tone: str = ""
    name_match: bool | None = None
    id_match: bool | None = None
    error_code: str | None = None
    error: str = ""
    field: str | None = None

    def as_json(self) -> dict:
        return {"row": self.row, "serial": self.serial, "status": str(self.status) if self.status else None,
                "status_label": self.status_label or None, "name_match": self.name_match,
                "id_number_match": self.id_match, "error": self.error_code, "message": self.error or None,
                "field": self.field}


def _load(session: Session, serials: set[str]) -> dict[str, tuple[Certificate, str | None]]:
    found: dict[str, tuple[Certificate, str | None]] = {}
    ordered = sorted(serials)
    for start in range(0, len(ordered), _CHUNK):
        rows = session.execute(
            select(Certificate, User.id_number_hash).join(User, User.id == Certificate.holder_id)
            .where(Certificate.serial.in_(ordered[start:start + _CHUNK]),
                   Certificate.state.in_([str(s) for s in PUBLIC_STATES])))
        found.update({cert.serial: (cert, id_hash) for cert, id_hash in rows})
    return found


def _check(item: BulkItem, canon: str, found, cipher: PiiCipher, config: CertConfig, now: datetime) -> BulkResult:
    if canon not in found:
        return BulkResult(item.row, canon, item.name, error_code="not_found", field="serial",
                          error=str(lazy("未找到该证书，请核对证书编号。")))
    cert, id_hash = found[canon]
    status = public_status(cert.state, config.policy(cert.kind), cert.expires_at, now)
    result = dict(status=status, status_label=status_label(status), tone=TONES[status],
                  name_match=same_name(item.name, cert.holder_name) if item.name else None)
    if item.id_problem:
        return BulkResult(item.row, canon, item.name, **result, error_code="invalid_id_number", field="id_number",
                          error=item.id_problem)
    if item.id_number:
        try:
            result["id_match"] = id_number_matches(cipher, id_hash, item.id_number, today=now.date())
        except IdentifierInvalid as exc:
            return BulkResult(item.row, canon, item.name, **result, error_code="invalid_id_number",
                              field="id_number", error=str(lazy("身份证号有误：%(m)s", m=exc.message)))
    return BulkResult(item.row, canon, item.name, **result)


def verify_items(session: Session, *, cipher: PiiCipher, items: list[BulkItem], config: CertConfig,
                 now: datetime) -> list[BulkResult]:
    """Check every item; a bad row gets its own error and the others are still checked."""
    canon: dict[int, str | SerialInvalid] = {}
    for index, item in enumerate(items):
        try:
            canon[index] = canonical(item.serial) if (item.serial or "").strip() else SerialInvalid(
                "missing_serial", str(lazy("缺少证书编号。")))
        except SerialInvalid as exc:
            canon[index] = exc
    found = _load(session, {c for c in canon.values() if isinstance(c, str)})
    results = []
    for index, item in enumerate(items):
        value = canon[index]
        if isinstance(value, SerialInvalid):
            results.append(BulkResult(item.row, (item.serial or "").strip()[:40], item.name, error_code=value.code,
                                      error=value.message, field="serial"))
        else:
            results.append(_check(item, value, found, cipher, config, now))
    return results


def bulk_verify(session: Session, *, cipher: PiiCipher, items: list[BulkItem], config: CertConfig, actor_id: int | None,
                org_id: int, channel: str, now: datetime, ip: str = "", key_prefix: str | None = None
                ) -> list[BulkResult]:
    """``verify_items`` plus one audit row (counts only, never the names or ID numbers that were sent)."""
    results = verify_items(session, cipher=cipher, items=items, config=config, now=now)
    good = sum(1 for r in results if r.status is not None)
    audit.record(session, action="certificates.bulk_verified", now=now, actor_id=actor_id, org_id=org_id,
                 target=f"org:{org_id}", ip=ip,
                 details={"channel": channel, "rows": len(results), "found": good, "errors": len(results) - good,
                          "id_checked": sum(1 for r in results if r.id_match is not None),
                          **({"key": key_prefix} if key_prefix else {})})
    return results
