"""A read replica takes the lagging reads (roster search); everything else stays on the primary."""

from __future__ import annotations

from app import create_app
from core.cli import upgrade_database
from core.settings import Settings
from roster.build import refresh_roster
from tests.conftest import login_as, make_settings
from tests.factories import NOW
from tests.roster.roster_world import build_roster_world


def test_the_replica_url_is_read_from_the_environment():
    env = {"PREFABSKILLS_DATABASE_REPLICA_URL": "postgresql+psycopg://reader@10.0.0.6/prefab",
           "PREFABSKILLS_SECRET_KEY": "x"}
    assert Settings.from_env(env).database_replica_url == "postgresql+psycopg://reader@10.0.0.6/prefab"
    assert Settings.from_env({}).database_replica_url == ""


def test_roster_search_reads_the_replica_and_logins_the_primary(session, cipher, tmp_path, database_url, settings):
    world = build_roster_world(session, cipher, tmp_path)
    refresh_roster(session, now=NOW)
    session.commit()
    replica_url = f"sqlite:///{tmp_path / 'replica.sqlite3'}"
    upgrade_database(replica_url)  # a replica that has not caught up: the schema, none of the rows yet
    app = create_app(make_settings(tmp_path, database_url, secret_key=settings.secret_key,
                                   pii_keys=settings.pii_keys, pii_active_key_id=settings.pii_active_key_id,
                                   pii_hash_key=settings.pii_hash_key, database_replica_url=replica_url))
    try:
        client = app.test_client()
        login_as(client, cipher, world.committee)  # the login reads the primary
        assert client.get("/api/v1/me").status_code == 200
        assert client.get("/api/v1/roster").get_json()["items"] == []  # the search reads the (empty) replica
        page = client.get("/roster").get_data(as_text=True)
        assert "李建国" not in page
        primary = create_app(make_settings(tmp_path, database_url, secret_key=settings.secret_key,
                                           pii_keys=settings.pii_keys, pii_active_key_id=settings.pii_active_key_id,
                                           pii_hash_key=settings.pii_hash_key))
        other = primary.test_client()
        login_as(other, cipher, world.committee)
        assert {i["name"] for i in other.get("/api/v1/roster").get_json()["items"]} >= {"李建国"}
        primary.extensions["prefabskills"].engine.dispose()
    finally:
        app.extensions["prefabskills"].engine.dispose()
