"""Small helpers shared by the certificate pages and API (Flask side only)."""

from __future__ import annotations

import io

from flask import current_app, send_file
from flask_login import current_user

from certificates.config import CertConfig
from certificates.models import Certificate
from certificates.pdf import stored_pdf
from certificates.status import CertificateState
from core.access import check_org_access
from core.db import transaction
from core.errors import NotFound
from core.models import Organisation, Role, User
from core.web import db


def cert_config() -> CertConfig:
    """The app's certificate configuration (set when the blueprint is registered)."""
    return current_app.extensions["certificates"]


def user_or_none() -> User | None:
    return current_user._get_current_object() if current_user.is_authenticated else None


def managed_org(org_id: int) -> Organisation:
    """The organisation whose certificates the current user manages: 404 for strangers, 403 for non-admins."""
    check_org_access(current_user, org_id)
    org = db().get(Organisation, org_id)
    if org is None:
        raise NotFound()
    check_org_access(current_user, org_id, Role.BASE_ADMIN)
    return org


def download_pdf(cert: Certificate, config: CertConfig):
    if cert.state in (CertificateState.PENDING_APPROVAL, CertificateState.REJECTED):
        raise NotFound()
    with transaction(db()):
        data = stored_pdf(cert, config)
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=f"证书-{cert.serial}.pdf", max_age=0)
