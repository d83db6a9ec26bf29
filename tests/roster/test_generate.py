from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from sqlalchemy import delete, func, select

from certificates.issuance import allocate_serial
from certificates.models import Certificate, SerialCounter, SourceType
from certificates.serials import parse_serial
from certificates.status import CertificateState
from core.demo import DEMO_PASSWORD
from core.identity import mask_id_number, mask_phone, normalize_id_number, normalize_phone
from core.models import AuditEvent, Membership, User
from exams.competitions.models import FinalAward, FinalPlacing
from roster.build import refresh_roster
from roster.generate import MARKER, AlreadyGenerated, generate_workers
from roster.models import RosterAward, RosterBase, RosterCredential, RosterEntry, RosterFlag, TradeCard
from tests.certificates.cert_world import config_for, login
from tests.factories import NOW

WORKERS = 300


def _generate(session, cipher, tmp_path, workers: int = WORKERS, seed: int = 11):
    return generate_workers(session, cipher=cipher, config=config_for(tmp_path), workers=workers, seed=seed,
                            now=NOW, batch=120)


def _roster(session) -> dict[int, tuple]:
    """Per user: the entry's facts and fingerprint, and its facet rows (ids left out: they are the database's)."""
    entry_user = dict(session.execute(select(RosterEntry.id, RosterEntry.user_id)).tuples().all())
    facets: dict[int, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for name, query in (("credentials", select(RosterCredential.entry_id, RosterCredential.skill_code,
                                               RosterCredential.level, RosterCredential.status)),
                        ("awards", select(RosterAward.entry_id, RosterAward.award)),
                        ("bases", select(RosterBase.entry_id, RosterBase.org_id)),
                        ("flags", select(RosterFlag.entry_id, RosterFlag.flag))):
        for entry_id, *values in session.execute(query):
            facets[entry_user[entry_id]][name][tuple(values)] += 1
    columns = [c for c in RosterEntry.__table__.columns if c.name != "id"]
    return {row.user_id: (tuple(getattr(row, c.key) for c in columns), dict(facets[row.user_id]))
            for row in session.scalars(select(RosterEntry))}


def test_generated_workers_have_valid_encrypted_identities_and_the_demo_password(session, cipher, tmp_path, client):
    report = _generate(session, cipher, tmp_path)
    users = session.scalars(select(User).where(User.id_number_hash.is_not(None))).all()
    assert report.workers == len(users) == WORKERS
    for user in users:
        id_number = cipher.decrypt(user.id_number_enc, purpose="id_number")
        assert normalize_id_number(id_number, today=NOW.date()) == id_number  # format, birth date, check digit
        assert user.id_number_hash == cipher.lookup_hash(id_number, purpose="id_number")
        assert (user.id_number_masked, user.birth_year) == (mask_id_number(id_number), int(id_number[6:10]))
        assert 18 <= NOW.year - user.birth_year <= 61
        phone = cipher.decrypt(user.phone_enc, purpose="phone")
        assert normalize_phone(phone) == phone and user.phone_masked == mask_phone(phone)
    assert len({u.phone_hash for u in users}) == len({u.id_number_hash for u in users}) == WORKERS
    session.commit()
    login(client, cipher, users[0], password=DEMO_PASSWORD)
    assert client.get("/me/certificates").status_code == 200


def test_generated_population_is_spread_like_a_real_one(session, cipher, tmp_path):
    report = _generate(session, cipher, tmp_path)
    states = Counter(session.scalars(select(Certificate.state)))
    kinds = Counter(session.scalars(select(Certificate.kind)))
    assert report.certificates == sum(states.values()) > WORKERS
    assert {"issued", "superseded"} <= set(states) and states["issued"] > sum(states.values()) / 2
    assert {"skill_level", "special_trade", "training", "competition_award"} <= set(kinds)
    assert report.memberships == session.scalar(select(func.count()).select_from(Membership)) >= WORKERS * 0.85
    assert report.placings == session.scalar(select(func.count()).select_from(FinalPlacing)) > 0
    assert report.trade_cards == session.scalar(select(func.count()).select_from(TradeCard))
    assert report.roster_entries == session.scalar(select(func.count()).select_from(RosterEntry)) >= WORKERS * 0.95
    assert len(set(session.scalars(select(RosterEntry.region)))) > 2


def test_serials_are_valid_and_new_issuance_continues_after_them(session, cipher, tmp_path):
    _generate(session, cipher, tmp_path)
    serials = session.scalars(select(Certificate.serial)).all()
    parsed = [parse_serial(s) for s in serials]  # raises on a bad check character
    last = {}
    for serial in parsed:
        scope = f"{serial.year}-{serial.skill}"
        last[scope] = max(last.get(scope, 0), serial.sequence)
    assert dict(session.execute(select(SerialCounter.scope, SerialCounter.last_value)).tuples().all()) == last
    assert allocate_serial(session, skill="HOIST", now=NOW) not in set(serials)


def test_sources_never_collide_with_real_ones_and_renewals_point_to_their_successor(session, cipher, tmp_path):
    _generate(session, cipher, tmp_path)
    certs = session.scalars(select(Certificate)).all()
    award_ids = set(session.scalars(select(FinalAward.id)))
    for cert in certs:
        if cert.source_type == SourceType.AWARD:
            assert cert.source_id in award_ids
        else:
            assert cert.source_id < 0
    by_id = {c.id: c for c in certs}
    superseded = [c for c in certs if c.state == CertificateState.SUPERSEDED]
    assert superseded
    for old in superseded:
        new = by_id[old.superseded_by_id]
        assert (new.supersedes_id, new.source_id, new.generation) == (old.id, old.source_id, old.generation + 1)
        assert new.valid_from < old.expires_at <= new.expires_at


def test_generated_roster_is_exactly_what_refresh_roster_writes(session, cipher, tmp_path):
    _generate(session, cipher, tmp_path)
    generated = _roster(session)
    assert refresh_roster(session, now=NOW) == 0  # every fingerprint matches: nothing to rewrite
    for table in (RosterCredential, RosterAward, RosterBase, RosterFlag, RosterEntry):
        session.execute(delete(table))
    refresh_roster(session, now=NOW)  # rebuilt from scratch by the real code
    rebuilt = _roster(session)
    assert rebuilt.keys() == generated.keys()
    assert [u for u in rebuilt if rebuilt[u] != generated[u]] == []
    assert any(facets.get("flags") for _, facets in rebuilt.values())


def test_a_second_run_is_refused_and_writes_nothing(session, cipher, tmp_path):
    _generate(session, cipher, tmp_path, workers=40)
    users = session.scalar(select(func.count()).select_from(User))
    with pytest.raises(AlreadyGenerated, match="40 synthetic workers were already generated"):
        _generate(session, cipher, tmp_path, workers=40, seed=12)
    assert session.scalar(select(func.count()).select_from(User)) == users
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == MARKER)) == 1


def test_the_command_generates_and_commits_then_refuses_a_second_run(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "generate", "--workers", "30", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "30/30 workers" in result.output and "30 workers," in result.output
    assert session.scalar(select(func.count()).select_from(User)) == 30
    again = runner.invoke(args=["demo", "generate", "--workers", "30"])
    assert again.exit_code == 1 and "already generated" in again.output


@pytest.mark.parametrize("value", ["0", "-5", "5000001", "many"])
def test_a_bad_worker_count_is_refused_with_a_message_naming_the_option(app, session, value):
    result = app.test_cli_runner().invoke(args=["demo", "generate", "--workers", value])
    assert result.exit_code == 2 and "--workers" in result.output
    assert session.scalar(select(func.count()).select_from(User)) == 0
