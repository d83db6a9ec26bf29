import json

import pytest

from core.settings import Settings, SettingsError


def test_development_generates_secrets_once_into_the_instance_folder(tmp_path):
    first = Settings.from_env({}, instance_path=tmp_path)
    second = Settings.from_env({}, instance_path=tmp_path)
    assert first.secret_key and first.secret_key == second.secret_key
    assert (tmp_path / "secrets.json").stat().st_mode & 0o777 == 0o600
    assert first.database_url == f"sqlite:///{tmp_path / 'prefabskills.sqlite3'}"


def test_production_refuses_to_start_without_explicit_secrets(tmp_path):
    with pytest.raises(SettingsError, match="PREFABSKILLS_SECRET_KEY"):
        Settings.from_env({"PREFABSKILLS_ENV": "production"}, instance_path=tmp_path)
    assert not (tmp_path / "secrets.json").exists()


def test_production_with_secrets_starts_and_uses_secure_cookies(tmp_path):
    key = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="  # 32 bytes of "A"
    s = Settings.from_env({"PREFABSKILLS_ENV": "production", "PREFABSKILLS_SECRET_KEY": "s" * 40,
                           "PREFABSKILLS_PII_KEYS": f"k2:{key},k1:{key}", "PREFABSKILLS_PII_HASH_KEY": key,
                           "PREFABSKILLS_DATABASE_URL": "postgresql+psycopg://db/x"}, instance_path=tmp_path)
    assert s.pii_active_key_id == "k2" and set(s.pii_keys) == {"k1", "k2"}
    assert s.session_cookie_secure and s.database_url.startswith("postgresql")


def test_a_short_pii_key_is_refused(tmp_path):
    (tmp_path / "secrets.json").write_text(json.dumps({"secret_key": "x", "pii_keys": "k1:c2hvcnQ=",
                                                       "pii_hash_key": "c2hvcnQ="}))
    with pytest.raises(SettingsError, match="32 bytes"):
        Settings.from_env({}, instance_path=tmp_path)
