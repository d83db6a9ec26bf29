from datetime import timedelta

import pytest
from sqlalchemy import select

from core import accounts
from core.errors import Conflict, ValidationFailed
from core.models import AuditEvent
from tests.factories import NOW, PASSWORD, make_worker, phone, valid_id_number


def register(session, cipher, **kw):
    data = dict(phone=phone(), password=PASSWORD, name="王小明", id_number=valid_id_number(), consent=True, now=NOW)
    data.update(kw)
    return accounts.register_worker(session, cipher=cipher, **data)


def test_registration_stores_identifiers_encrypted_and_masked(session, cipher):
    user = register(session, cipher, phone="13812341234", id_number="11010519491231002X")
    assert user.phone_masked == "138****1234"
    assert user.id_number_masked == "110105********002X"
    assert "13812341234" not in user.phone_enc and "11010519491231002X" not in user.id_number_enc
    assert cipher.decrypt(user.id_number_enc, purpose="id_number") == "11010519491231002X"
    assert cipher.key_id_of(user.id_number_enc) == cipher.active_key_id
    assert user.consent_at == NOW


def test_bad_check_digit_is_refused_with_the_id_number_field(session, cipher):
    with pytest.raises(ValidationFailed) as exc:
        register(session, cipher, id_number="110105194912310021")
    assert exc.value.field == "id_number"


def test_taken_phone_is_a_conflict_on_phone(session, cipher):
    register(session, cipher, phone="13812341234")
    with pytest.raises(Conflict) as exc:
        register(session, cipher, phone="13812341234")
    assert exc.value.field == "phone"


def test_taken_id_number_is_a_conflict_on_id_number(session, cipher):
    register(session, cipher, id_number="11010519491231002X")
    with pytest.raises(Conflict) as exc:
        register(session, cipher, id_number="11010519491231002x")
    assert exc.value.field == "id_number"


@pytest.mark.parametrize("password", ["short1", "onlyletters", "12345678901"])
def test_weak_passwords_are_refused(session, cipher, password):
    with pytest.raises(ValidationFailed) as exc:
        register(session, cipher, password=password)
    assert exc.value.field == "password"


def test_registration_without_consent_is_refused(session, cipher):
    with pytest.raises(ValidationFailed) as exc:
        register(session, cipher, consent=False)
    assert exc.value.field == "consent"


def test_login_with_the_right_password_resets_the_failure_count(session, cipher):
    user = make_worker(session, cipher, phone_number="13812341234")
    accounts.authenticate(session, cipher=cipher, phone="13812341234", password="wrong-pass1", now=NOW)
    outcome = accounts.authenticate(session, cipher=cipher, phone="13812341234", password=PASSWORD, now=NOW)
    assert outcome.user is user and user.failed_logins == 0


def test_five_failures_lock_the_account_even_for_the_right_password(session, cipher):
    make_worker(session, cipher, phone_number="13812341234")
    for _ in range(5):
        outcome = accounts.authenticate(session, cipher=cipher, phone="13812341234", password="bad-pass1", now=NOW)
        assert outcome.user is None
    locked = accounts.authenticate(session, cipher=cipher, phone="13812341234", password=PASSWORD,
                                   now=NOW + timedelta(seconds=30))
    assert locked.user is None and locked.error.code == "account_locked"
    later = accounts.authenticate(session, cipher=cipher, phone="13812341234", password=PASSWORD,
                                  now=NOW + timedelta(minutes=2))
    assert later.user is not None


def test_back_off_doubles_and_is_capped_at_an_hour():
    assert accounts.lock_duration(4) == timedelta(0)
    assert accounts.lock_duration(5) == timedelta(minutes=1)
    assert accounts.lock_duration(7) == timedelta(minutes=4)
    assert accounts.lock_duration(30) == timedelta(hours=1)


def test_unknown_phone_fails_with_the_same_message_as_a_wrong_password(session, cipher):
    make_worker(session, cipher, phone_number="13812341234")
    unknown = accounts.authenticate(session, cipher=cipher, phone="13900009999", password=PASSWORD, now=NOW)
    wrong = accounts.authenticate(session, cipher=cipher, phone="13812341234", password="bad-pass1", now=NOW)
    assert unknown.error.message == wrong.error.message


def test_password_change_needs_the_old_password_and_bumps_the_auth_version(session, cipher):
    user = make_worker(session, cipher)
    with pytest.raises(ValidationFailed) as exc:
        accounts.change_password(session, user=user, old_password="nope1234", new_password="NewPass123",
                                 now=NOW, cipher=cipher)
    assert exc.value.field == "old_password"
    before = user.auth_version
    accounts.change_password(session, user=user, old_password=PASSWORD, new_password="NewPass123", now=NOW,
                             cipher=cipher)
    assert user.auth_version == before + 1


def test_reading_full_personal_data_writes_an_audit_row(session, cipher):
    user = make_worker(session, cipher, id_number="11010519491231002X")
    data = accounts.reveal_personal_data(session, actor_id=user.id, user=user, cipher=cipher, now=NOW,
                                         reason="核对证书")
    assert data["id_number"] == "11010519491231002X"
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "pii.read" in actions
