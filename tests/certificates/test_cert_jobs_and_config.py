"""Jobs (render PDFs in batch, clean bulk results), the key-rotation command, and configuration."""

import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from certificates import keys
from certificates.config import config_from
from certificates.jobs import make_jobs
from certificates.models import Certificate
from certificates.pdf import render_missing_pdfs
from certificates.policy import CertificateKind
from certificates.storage import bulk_result_path, pdf_path, remove_old_bulk_results, store_bulk_result
from core.settings import Settings, SettingsError
from tests.certificates.cert_world import base_with_admin, config_for, make_cert, worker
from tests.factories import NOW


def test_the_scheduler_gets_four_idempotent_jobs_without_reading_the_environment_yet():
    jobs = make_jobs()
    assert [j.name for j in jobs] == ["certificates.issue", "certificates.render_pdfs",
                                      "certificates.expiry_reminders", "certificates.bulk_cleanup"]


def test_the_render_job_stores_missing_pdfs_once(session, cipher, tmp_path):
    org, _admin = base_with_admin(session, cipher)
    config = config_for(tmp_path)
    certs = [make_cert(session, holder=worker(session, cipher), org=org, config=config) for _ in range(2)]
    pending = make_cert(session, holder=worker(session, cipher), org=org, config=config, pending=True)
    assert render_missing_pdfs(session, config=config) == 2
    assert render_missing_pdfs(session, config=config) == 0
    assert all(pdf_path(config, c).is_file() and c.pdf_sha256 for c in certs)
    assert not pdf_path(config, pending).exists()


def test_old_bulk_results_are_removed(tmp_path):
    config = config_for(tmp_path)
    old = store_bulk_result(config, 7, b"a")
    new = store_bulk_result(config, 7, b"b")
    path = bulk_result_path(config, {7}, old)
    os.utime(path, (time.time() - 2 * 86400, time.time() - 2 * 86400))
    assert remove_old_bulk_results(config) == 1
    assert bulk_result_path(config, {7}, old) is None and bulk_result_path(config, {7}, new) is not None
    assert bulk_result_path(config, {8}, new) is None  # another enterprise's folder


def test_the_rotate_key_command(app, session):
    config = app.extensions["certificates"]
    before = {k.kid for k in keys.all_keys(config.signing_dir)}
    result = app.test_cli_runner().invoke(args=["certificates", "rotate-key"])
    assert result.exit_code == 0 and "active credential key" in result.output
    kid = result.output.strip().rsplit(" ", 1)[1]
    assert kid not in before and kid == keys.ensure_active(config.signing_dir, now=NOW, may_create=False)


def test_production_needs_the_pdf_signer_and_an_existing_key(tmp_path):
    settings = Settings(env="production", instance_path=tmp_path, base_url="https://x", storage_dir=tmp_path)
    with pytest.raises(SettingsError):
        config_from(settings, environ={})
    config = config_from(settings, environ={"PREFABSKILLS_PDF_SIGNING_KEY": "/k.pem",
                                            "PREFABSKILLS_PDF_SIGNING_CERT": "/c.pem",
                                            "PREFABSKILLS_SIGNING_DIR": str(tmp_path / "keys")})
    assert config.is_production and config.signing_dir == tmp_path / "keys"
    with pytest.raises(keys.SigningKeyMissing):
        keys.active_key(config.signing_dir, now=NOW, may_create=False)


def test_policies_come_from_the_environment(tmp_path):
    settings = Settings(instance_path=tmp_path, storage_dir=tmp_path)
    config = config_from(settings, environ={"PREFABSKILLS_CERT_POLICIES": '{"skill_level": {"validity_months": 36}}'})
    assert config.policy(CertificateKind.SKILL_LEVEL).validity_months == 36
    assert config.signing_dir == tmp_path / "signing"
    with pytest.raises(SettingsError):
        config_from(settings, environ={"PREFABSKILLS_CERT_POLICIES": '{"nope": {}}'})


def test_two_processes_creating_the_first_key_agree(tmp_path):
    first = keys.ensure_active(tmp_path, now=NOW, may_create=True)
    assert keys.ensure_active(tmp_path, now=NOW + timedelta(days=1), may_create=True) == first
    assert [k.kid for k in keys.all_keys(tmp_path)] == [first]
    assert oct((tmp_path / keys.KEY_DIR / f"{first}.pem").stat().st_mode & 0o777) == "0o600"


def test_the_issue_job_reports(session, cipher, tmp_path):
    assert session.scalars(select(Certificate)).all() == []
    job = make_jobs(config_for(tmp_path))[0]
    report = job.run(session, NOW)
    assert report.issued == [] and report.not_passed == 0
