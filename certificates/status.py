"""What a certificate's status is right now, in words and colour. Pure.

A certificate stores a lifecycle *state* (issued, suspended, revoked, superseded, pending, rejected); the
status a verifier sees also depends on the clock: an issued certificate is 有效, 即将到期 inside its
renewal window, or 已过期 after its expiry instant.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from certificates.policy import KindPolicy, expiring_from
from core.i18n import lazy, translated_once


class CertificateState(StrEnum):
    PENDING_APPROVAL = "pending_approval"  # 二级/一级: waiting for the committee review
    ISSUED = "issued"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"  # renewed, or re-issued after a name correction; points to the new one
    REJECTED = "rejected"  # the committee review did not approve it; never public


class PublicStatus(StrEnum):
    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    PENDING = "pending"
    REJECTED = "rejected"


# States a verifier may see; the others answer "not found" in public.
PUBLIC_STATES = frozenset({CertificateState.ISSUED, CertificateState.SUSPENDED, CertificateState.REVOKED,
                           CertificateState.SUPERSEDED})
# Bit set in the published revocation status list: no longer valid, and never valid again.
REVOKED_IN_STATUS_LIST = frozenset({CertificateState.REVOKED, CertificateState.SUPERSEDED})
# Statuses under which the certificate counts as currently good.
GOOD = frozenset({PublicStatus.VALID, PublicStatus.EXPIRING})

_BY_STATE = {
    CertificateState.PENDING_APPROVAL: PublicStatus.PENDING,
    CertificateState.SUSPENDED: PublicStatus.SUSPENDED,
    CertificateState.REVOKED: PublicStatus.REVOKED,
    CertificateState.SUPERSEDED: PublicStatus.SUPERSEDED,
    CertificateState.REJECTED: PublicStatus.REJECTED,
}


def public_status(state: str, policy: KindPolicy, expires_at: datetime | None, now: datetime) -> PublicStatus:
    state = CertificateState(state)
    if state in _BY_STATE:
        return _BY_STATE[state]
    if expires_at is not None and now >= expires_at:
        return PublicStatus.EXPIRED
    if expires_at is not None and now >= expiring_from(policy, expires_at):
        return PublicStatus.EXPIRING
    return PublicStatus.VALID


_LABELS = {  # looked up first, translated once: this runs on every verification page
    PublicStatus.VALID: lambda: lazy("有效"),
    PublicStatus.EXPIRING: lambda: lazy("即将到期"),
    PublicStatus.EXPIRED: lambda: lazy("已过期"),
    PublicStatus.SUSPENDED: lambda: lazy("已暂停"),
    PublicStatus.REVOKED: lambda: lazy("已撤销"),
    PublicStatus.SUPERSEDED: lambda: lazy("已被新证替换"),
    PublicStatus.PENDING: lambda: lazy("待专家委员会评审"),
    PublicStatus.REJECTED: lambda: lazy("评审未通过"),
}


def status_label(status: PublicStatus) -> str:
    status = PublicStatus(status)
    return translated_once(("status_label", status), _LABELS[status])


# CSS tone per status: ok (green), warn (amber), bad (red), off (grey), info (blue-grey).
TONES = {
    PublicStatus.VALID: "ok",
    PublicStatus.EXPIRING: "warn",
    PublicStatus.EXPIRED: "off",
    PublicStatus.SUSPENDED: "warn",
    PublicStatus.REVOKED: "bad",
    PublicStatus.SUPERSEDED: "info",
    PublicStatus.PENDING: "info",
    PublicStatus.REJECTED: "bad",
}
