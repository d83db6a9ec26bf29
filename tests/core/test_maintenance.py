import secrets
import sqlite3

import pytest
from sqlalchemy import create_engine, select, text

from core.crypto import PiiCipher
from core.maintenance import backup_sqlite, reencrypt_personal_data
from core.models import User
from tests.factories import NOW, make_worker


def test_reencryption_moves_every_field_to_the_new_key_and_keeps_lookups(session, cipher):
    make_worker(session, cipher, phone_number="13812341234", id_number="11010519491231002X")
    session.commit()
    old_kid = cipher.active_key_id
    rotated = PiiCipher({"new": secrets.token_bytes(32), old_kid: cipher.raw_key(old_kid)}, "new", cipher.hash_key)
    report = reencrypt_personal_data(session, cipher=rotated, now=NOW)
    session.commit()
    user = session.scalars(select(User)).one()
    assert report.reencrypted == 2
    assert rotated.key_id_of(user.phone_enc) == "new" and rotated.key_id_of(user.id_number_enc) == "new"
    assert rotated.decrypt(user.id_number_enc, purpose="id_number") == "11010519491231002X"
    assert user.phone_hash == cipher.lookup_hash("13812341234", purpose="phone")
    assert reencrypt_personal_data(session, cipher=rotated, now=NOW).reencrypted == 0


def test_sqlite_backup_is_consistent_and_restorable(session, cipher, database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite backup; PostgreSQL uses pg_dump")
    make_worker(session, cipher, name="备份测试")
    session.commit()
    target = tmp_path / "backup.sqlite3"
    assert backup_sqlite(database_url.removeprefix("sqlite:///"), target) > 0
    restored = create_engine(f"sqlite:///{target}")
    with restored.connect() as conn:
        assert conn.execute(text("SELECT name FROM core_users")).scalar() == "备份测试"
    assert sqlite3.connect(target).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
