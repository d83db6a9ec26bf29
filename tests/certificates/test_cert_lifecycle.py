"""Lifecycle: suspend, reinstate, revoke (with reasons, audit-logged), renew, re-issue, expiry reminders."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from certificates.config import CertConfig
from certificates.lifecycle import (
    reinstate_certificate,
    reissue_certificate,
    renew_certificate,
    revoke_certificate,
    send_expiry_reminders,
    suspend_certificate,
)
from certificates.policy import CertificateKind, add_months
from certificates.status import CertificateState
from core.errors import Conflict, RuleViolated, ValidationFailed
from core.models import AuditEvent, Notification
from tests.certificates.cert_world import base_with_admin, config_for, make_cert, worker
from tests.factories import NOW


@pytest.fixture
def setup(session, cipher, tmp_path):
    org, admin = base_with_admin(session, cipher)
    holder = worker(session, cipher)
    config = config_for(tmp_path)
    return config, org, admin, holder


def _actions(session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("certificate.%"))
                                .order_by(AuditEvent.seq)))


def test_suspend_and_reinstate_with_a_reason_are_audit_logged(session, setup):
    config, org, admin, holder = setup
    cert = make_cert(session, holder=holder, org=org, config=config)
    suspend_certificate(session, certificate=cert, actor_id=admin.id, reason="涉嫌违规作业，调查中", now=NOW)
    assert cert.state == CertificateState.SUSPENDED and cert.state_reason == "涉嫌违规作业，调查中"
    assert cert.state_changed_by_id == admin.id
    reinstate_certificate(session, certificate=cert, actor_id=admin.id, reason="调查结束", now=NOW)
    assert cert.state == CertificateState.ISSUED and cert.state_reason == ""
    assert _actions(session) == ["certificate.issued", "certificate.suspended", "certificate.reinstated"]
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.suspended")).one()
    assert event.actor_id == admin.id and event.org_id == org.id and event.details["serial"] == cert.serial


def test_a_reason_is_required_to_suspend_or_revoke(session, setup):
    config, org, admin, holder = setup
    cert = make_cert(session, holder=holder, org=org, config=config)
    for change in (suspend_certificate, revoke_certificate):
        with pytest.raises(ValidationFailed) as exc:
            change(session, certificate=cert, actor_id=admin.id, reason=" 无 ", now=NOW)
        assert exc.value.field == "reason"


def test_a_revoked_certificate_stays_revoked(session, setup):
    config, org, admin, holder = setup
    cert = make_cert(session, holder=holder, org=org, config=config)
    revoke_certificate(session, certificate=cert, actor_id=admin.id, reason="证书信息造假", now=NOW)
    assert cert.state == CertificateState.REVOKED
    with pytest.raises(Conflict):
        reinstate_certificate(session, certificate=cert, actor_id=admin.id, reason="", now=NOW)
    with pytest.raises(Conflict):
        suspend_certificate(session, certificate=cert, actor_id=admin.id, reason="再次暂停一下", now=NOW)


def _card(session, setup):
    config, org, _admin, holder = setup
    expires = add_months(NOW, 24)
    return make_cert(session, holder=holder, org=org, config=config, kind=CertificateKind.SPECIAL_TRADE,
                     level="", expires_at=expires)


def test_renewal_opens_three_months_before_expiry_and_continues_the_validity(session, setup):
    config, _org, admin, _holder = setup
    old = _card(session, setup)
    with pytest.raises(RuleViolated):
        renew_certificate(session, certificate=old, actor_id=admin.id, config=config, now=NOW + timedelta(days=600))
    renewal_day = old.expires_at - timedelta(days=30)
    new = renew_certificate(session, certificate=old, actor_id=admin.id, config=config, now=renewal_day)
    assert old.state == CertificateState.SUPERSEDED and old.superseded_by_id == new.id
    assert new.supersedes_id == old.id and new.generation == 1 and new.serial != old.serial
    assert new.valid_from == renewal_day and new.expires_at == add_months(old.expires_at, 24)
    assert "certificate.renewed" in _actions(session)


def test_an_expired_card_cannot_be_renewed(session, setup):
    config, _org, admin, _holder = setup
    old = _card(session, setup)
    with pytest.raises(RuleViolated):
        renew_certificate(session, certificate=old, actor_id=admin.id, config=config, now=old.expires_at)


def test_a_name_correction_reissues_and_the_old_one_points_to_the_new(session, setup):
    config, org, admin, holder = setup
    old = make_cert(session, holder=holder, org=org, config=config)
    with pytest.raises(RuleViolated):
        reissue_certificate(session, certificate=old, actor_id=admin.id, reason="姓名更正", config=config, now=NOW)
    holder.name = "张晓鸣"
    new = reissue_certificate(session, certificate=old, actor_id=admin.id, reason="身份证姓名更正", config=config,
                              now=NOW + timedelta(days=3))
    assert new.holder_name == "张晓鸣" and old.holder_name == "张晓明"
    assert old.state == CertificateState.SUPERSEDED and old.superseded_by_id == new.id
    assert old.state_reason == "身份证姓名更正"
    assert new.valid_from == old.valid_from and new.expires_at == old.expires_at and new.issued_at > old.issued_at
    with pytest.raises(Conflict):
        reissue_certificate(session, certificate=old, actor_id=admin.id, reason="再换一次", config=config, now=NOW)


def test_expiry_reminders_come_once_per_window(session, setup):
    config, _org, _admin, holder = setup
    card = _card(session, setup)
    assert send_expiry_reminders(session, config=config, now=NOW) == 0
    at_90 = card.expires_at - timedelta(days=80)
    assert send_expiry_reminders(session, config=config, now=at_90) == 1
    assert send_expiry_reminders(session, config=config, now=at_90 + timedelta(hours=6)) == 0  # idempotent
    assert send_expiry_reminders(session, config=config, now=card.expires_at - timedelta(days=20)) == 1
    notes = session.scalars(select(Notification).order_by(Notification.id)).all()
    assert [n.dedupe_key for n in notes] == [f"cert:{card.id}:expiry:90", f"cert:{card.id}:expiry:30"]
    assert notes[0].user_id == holder.id and card.serial in notes[0].body and notes[0].link.endswith(card.serial)


def test_reminder_days_are_configurable(session, setup, tmp_path):
    _config, org, _admin, holder = setup
    from certificates.policy import policies_with

    config = CertConfig(base_url="https://x", storage_dir=tmp_path, signing_dir=tmp_path,
                        policies=policies_with({"skill_level": {"validity_months": 12, "reminder_days": [14]}}))
    cert = make_cert(session, holder=holder, org=org, config=config)
    assert cert.expires_at == add_months(NOW, 12)
    assert send_expiry_reminders(session, config=config, now=cert.expires_at - timedelta(days=20)) == 0
    assert send_expiry_reminders(session, config=config, now=cert.expires_at - timedelta(days=10)) == 1
    assert session.scalar(select(func.count(Notification.id))) == 1
