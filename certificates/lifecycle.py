"""Certificate lifecycle: suspend, reinstate, revoke, renew, re-issue after a name correction, expiry reminders.

Only authorised staff of the issuing base call these (``certificates.access.may_manage``); every change is
audit-logged with its reason. A renewal or re-issue creates the next generation of the same source and marks
the old certificate superseded, pointing to the new one, so a verifier of the old QR sees where it went.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from certificates.config import CertConfig
from certificates.issuance import CHINA, Draft, create_certificate
from certificates.models import Certificate
from certificates.policy import add_months, due_reminder, renewal_open
from certificates.status import CertificateState
from core import audit
from core.errors import Conflict, RuleViolated, ValidationFailed
from core.i18n import lazy
from core.models import Notification, Organisation, User

WALLET_PATH = "/me/certificates/{serial}"


def _reason(reason: str, *, required: bool = True) -> str:
    text = " ".join((reason or "").split())
    if required and len(text) < 4:
        raise ValidationFailed("reason_required", str(lazy("请写明原因（至少4个字）。")), "reason")
    if len(text) > 500:
        raise ValidationFailed("reason_too_long", str(lazy("原因最多500字。")), "reason")
    return text


def _change(session: Session, cert: Certificate, *, state: CertificateState, actor_id: int, reason: str,
            now: datetime, action: str, details: dict | None = None) -> None:
    cert.state, cert.state_reason = state, reason
    cert.state_changed_at, cert.state_changed_by_id = now, actor_id
    audit.record(session, action=action, now=now, actor_id=actor_id, org_id=cert.issuer_org_id,
                 target=f"certificate:{cert.id}", details={"serial": cert.serial, "reason": reason[:200],
                                                            **(details or {})})
    session.flush()


def _require(cert: Certificate, *states: CertificateState) -> None:
    if cert.state not in states:
        raise Conflict("invalid_state", str(lazy("证书当前状态不允许此操作。")))


def suspend_certificate(session: Session, *, certificate: Certificate, actor_id: int, reason: str,
                        now: datetime) -> None:
    """Temporarily invalid (e.g. an investigation); the reason is shown on the verification page."""
    _require(certificate, CertificateState.ISSUED)
    _change(session, certificate, state=CertificateState.SUSPENDED, actor_id=actor_id, reason=_reason(reason),
            now=now, action="certificate.suspended")


def reinstate_certificate(session: Session, *, certificate: Certificate, actor_id: int, reason: str,
                          now: datetime) -> None:
    _require(certificate, CertificateState.SUSPENDED)
    _change(session, certificate, state=CertificateState.ISSUED, actor_id=actor_id, reason="", now=now,
            action="certificate.reinstated", details={"note": _reason(reason, required=False)[:200]})


def revoke_certificate(session: Session, *, certificate: Certificate, actor_id: int, reason: str,
                       now: datetime) -> None:
    """Permanently invalid; the published status list marks it at once. Cannot be undone."""
    _require(certificate, CertificateState.ISSUED, CertificateState.SUSPENDED)
    _change(session, certificate, state=CertificateState.REVOKED, actor_id=actor_id, reason=_reason(reason),
            now=now, action="certificate.revoked")


def _replace(session: Session, old: Certificate, *, actor_id: int, reason: str, config: CertConfig, now: datetime,
             valid_from: datetime | None, expires_at: datetime | None, action: str) -> Certificate:
    org = session.get(Organisation, old.issuer_org_id) if old.issuer_org_id else None
    draft = Draft(kind=old.kind, holder=session.get(User, old.holder_id), issuer_org=org,
                  issuer_name=org.name if org else old.issuer_name, skill_code=old.skill_code,
                  skill_name=old.skill_name, level=old.level, award=old.award, details=dict(old.details or {}))
    new = create_certificate(session, draft=draft, source_type=old.source_type, source_id=old.source_id,
                             config=config, now=now, actor_id=actor_id, generation=old.generation + 1,
                             valid_from=valid_from, expires_at=expires_at)
    new.supersedes_id = old.id
    old.superseded_by_id = new.id
    _change(session, old, state=CertificateState.SUPERSEDED, actor_id=actor_id, reason=reason, now=now,
            action=action, details={"new_serial": new.serial})
    return new


def renew_certificate(session: Session, *, certificate: Certificate, actor_id: int, config: CertConfig,
                      now: datetime) -> Certificate:
    """Renew inside the window before expiry: the new validity runs on from the old expiry, without a gap."""
    _require(certificate, CertificateState.ISSUED)
    policy = config.policy(certificate.kind)
    if not policy.validity_months or not renewal_open(policy, certificate.expires_at, now):
        raise RuleViolated("renewal_closed", str(lazy("只能在证书到期前 %(m)d 个月内换证；已过期的证书须重新考核。",
                                                      m=policy.renewal_window_months)))
    expires_at = add_months(certificate.expires_at, policy.validity_months)
    return _replace(session, certificate, actor_id=actor_id, reason="到期换证", config=config, now=now,
                    valid_from=now, expires_at=expires_at, action="certificate.renewed")


def reissue_certificate(session: Session, *, certificate: Certificate, actor_id: int, reason: str,
                        config: CertConfig, now: datetime) -> Certificate:
    """Re-issue with the holder's corrected name; the dates stay those of the old certificate."""
    _require(certificate, CertificateState.ISSUED)
    holder = session.get(User, certificate.holder_id)
    if holder.name == certificate.holder_name:
        raise RuleViolated("name_unchanged", str(lazy("持证人姓名没有更正，无需换发。")))
    return _replace(session, certificate, actor_id=actor_id, reason=_reason(reason), config=config, now=now,
                    valid_from=certificate.valid_from, expires_at=certificate.expires_at,
                    action="certificate.reissued")


def send_expiry_reminders(session: Session, *, config: CertConfig, now: datetime) -> int:
    """One in-app notice per certificate and reminder window (idempotent through the notice's dedupe key)."""
    sent = 0
    for kind, policy in config.policies.items():
        if not policy.reminder_days:
            continue
        certs = session.scalars(select(Certificate).where(
            Certificate.kind == kind, Certificate.state == CertificateState.ISSUED, Certificate.expires_at > now,
            Certificate.expires_at <= now + timedelta(days=max(policy.reminder_days)))).all()
        due = {f"cert:{c.id}:expiry:{d}": c for c in certs if (d := due_reminder(policy, c.expires_at, now))}
        known = set(session.scalars(select(Notification.dedupe_key).where(Notification.dedupe_key.in_(list(due)))))
        for key, cert in due.items():
            if key in known:
                continue
            expires_on = cert.expires_at.astimezone(CHINA).date()
            session.add(Notification(
                user_id=cert.holder_id, dedupe_key=key, created_at=now,
                title=str(lazy("证书即将到期：%(t)s", t=cert.title)),
                body=str(lazy("您的证书 %(s)s 将于 %(d)s 到期，请在到期前办理换证。", s=cert.serial,
                              d=f"{expires_on.year}年{expires_on.month}月{expires_on.day}日")),
                link=WALLET_PATH.format(serial=cert.serial)))
            sent += 1
    session.flush()
    return sent
