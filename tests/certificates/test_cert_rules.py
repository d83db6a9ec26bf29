"""Pure rules: validity and renewal windows, reminders, levels, skill codes, status words, status list."""

from datetime import UTC, datetime, timedelta

import pytest

from certificates import statuslist
from certificates.policy import (
    DEFAULT_POLICIES,
    CertificateKind,
    KindPolicy,
    add_months,
    due_reminder,
    expiry_for,
    kind_for_exam_level,
    level_number,
    needs_committee_review,
    policies_with,
    renewal_open,
    skill_code,
)
from certificates.status import CertificateState, PublicStatus, public_status, status_label

T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
CARD = DEFAULT_POLICIES[CertificateKind.SPECIAL_TRADE]


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2028, 2, 29, tzinfo=UTC), -12) == datetime(2027, 2, 28, tzinfo=UTC)
    assert add_months(T0, 24) == datetime(2028, 3, 2, 1, 30, tzinfo=UTC)


def test_the_special_trade_card_is_valid_two_years_with_a_three_month_renewal_window():
    expires = expiry_for(CARD, T0)
    assert expires == datetime(2028, 3, 2, 1, 30, tzinfo=UTC)
    assert not renewal_open(CARD, expires, datetime(2027, 12, 1, tzinfo=UTC))
    assert renewal_open(CARD, expires, datetime(2027, 12, 2, 2, tzinfo=UTC))
    assert not renewal_open(CARD, expires, expires)  # expired: a new assessment, not a renewal


def test_skill_level_and_training_certificates_do_not_expire_by_default():
    assert expiry_for(DEFAULT_POLICIES[CertificateKind.SKILL_LEVEL], T0) is None
    assert expiry_for(DEFAULT_POLICIES[CertificateKind.TRAINING], T0) is None


def test_validity_is_configurable_per_kind():
    policies = policies_with({"skill_level": {"validity_months": 60, "reminder_days": [30, 180]}})
    assert policies[CertificateKind.SKILL_LEVEL] == KindPolicy(60, 0, (180, 30))
    with pytest.raises(ValueError):
        policies_with({"skill_level": {"valid_years": 5}})
    with pytest.raises(ValueError):
        policies_with({"diploma": {}})


def test_status_follows_state_then_the_clock():
    expires = expiry_for(CARD, T0)
    assert public_status(CertificateState.ISSUED, CARD, expires, T0) == PublicStatus.VALID
    assert public_status(CertificateState.ISSUED, CARD, expires, expires - timedelta(days=30)) == PublicStatus.EXPIRING
    assert public_status(CertificateState.ISSUED, CARD, expires, expires) == PublicStatus.EXPIRED
    assert public_status(CertificateState.SUSPENDED, CARD, expires, T0) == PublicStatus.SUSPENDED
    assert public_status(CertificateState.REVOKED, CARD, expires, expires) == PublicStatus.REVOKED
    assert public_status(CertificateState.SUPERSEDED, CARD, expires, T0) == PublicStatus.SUPERSEDED
    assert public_status(CertificateState.ISSUED, KindPolicy(), None, T0 + timedelta(days=9999)) == PublicStatus.VALID


def test_status_words_are_the_ones_verifiers_read():
    words = {s: status_label(s) for s in PublicStatus}
    assert [words[s] for s in (PublicStatus.VALID, PublicStatus.EXPIRING, PublicStatus.EXPIRED, PublicStatus.SUSPENDED,
                               PublicStatus.REVOKED, PublicStatus.SUPERSEDED)] == [
        "有效", "即将到期", "已过期", "已暂停", "已撤销", "已被新证替换"]


def test_only_the_nearest_due_reminder_is_sent():
    expires = expiry_for(CARD, T0)
    assert due_reminder(CARD, expires, expires - timedelta(days=120)) is None
    assert due_reminder(CARD, expires, expires - timedelta(days=89)) == 90
    assert due_reminder(CARD, expires, expires - timedelta(days=29)) == 30
    assert due_reminder(CARD, expires, expires - timedelta(days=1)) == 7
    assert due_reminder(CARD, expires, expires) is None
    assert due_reminder(KindPolicy(), None, T0) is None


@pytest.mark.parametrize(("level", "number", "committee"), [
    ("五级/初级工", 5, False), ("四级", 4, False), ("三级/高级工", 3, False), ("二级/技师", 2, True),
    ("技师", 2, True), ("一级/高级技师", 1, True), ("高级技师", 1, True), ("", None, False), ("特种作业", None, False)])
def test_levels_and_the_committee_review(level, number, committee):
    assert level_number(level) == number
    assert needs_committee_review(level) is committee


def test_kind_and_skill_code():
    assert kind_for_exam_level("特种作业（建筑起重信号司索工）") == CertificateKind.SPECIAL_TRADE
    assert kind_for_exam_level("五级") == CertificateKind.SKILL_LEVEL
    assert skill_code("hoisting") == "HOIST"
    assert skill_code("exambank") == "EXAMBA"
    assert skill_code(None) == "GEN" and skill_code("x-1") == "GEN"


def test_status_list_positions_are_a_permutation_and_round_trip():
    positions = {statuslist.position_of(i)[1] for i in range(1, statuslist.LIST_SIZE + 1)}
    assert len(positions) == statuslist.LIST_SIZE
    assert statuslist.position_of(statuslist.LIST_SIZE + 1)[0] == 2
    assert statuslist.id_range(2) == (statuslist.LIST_SIZE + 1, 2 * statuslist.LIST_SIZE)
    indexes = {statuslist.position_of(i)[1] for i in (1, 7, 1000)}
    bits = statuslist.decode(statuslist.encode(indexes))
    assert len(bits) * 8 == statuslist.LIST_SIZE
    assert {i for i in range(statuslist.LIST_SIZE) if statuslist.bit_is_set(bits, i)} == indexes
