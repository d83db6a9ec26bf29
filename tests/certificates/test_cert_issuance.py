"""Issuance: the sweeper certifies passed assessments and completed courses once; 二级/一级 wait for review."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from certificates.issuance import (
    allocate_serial,
    decide_approval,
    issue_competition_award,
    pending_approvals,
    sweep_issuance,
)
from certificates.jobs import make_jobs
from certificates.models import Certificate, IssuanceCheck, SourceType
from certificates.policy import CertificateKind
from certificates.serials import parse_serial
from certificates.status import CertificateState
from core.errors import Conflict
from core.models import AuditEvent, OrgKind
from exams.models import Registration
from tests.certificates.cert_world import (
    config_for,
    pass_theory,
    passed_world,
    practical_setup,
    score_practical,
    worker,
)
from tests.exams.world import build_world, complete_course
from tests.factories import NOW, make_org


def _level_certificates(session) -> list[Certificate]:
    """Certificates for exam registrations (build_world also completes the course: training ones exist too)."""
    return list(session.scalars(select(Certificate).where(Certificate.source_type == SourceType.REGISTRATION)))


def test_the_sweeper_certifies_a_passed_assessment_exactly_once(session, cipher, tmp_path):
    world = passed_world(session, cipher, tmp_path, candidates=2)
    config = config_for(tmp_path)
    first = sweep_issuance(session, config=config, now=NOW + timedelta(hours=1))
    session.commit()
    second = sweep_issuance(session, config=config, now=NOW + timedelta(hours=2))
    session.commit()
    # two level certificates, and two training certificates: build_world completed the course for both
    assert len(first.issued) == 4 and second.issued == [] and second.pending_review == []
    level_certs = _level_certificates(session)
    assert len(level_certs) == 2
    cert = level_certs[0]
    assert cert.kind == CertificateKind.SKILL_LEVEL and cert.state == CertificateState.ISSUED
    assert cert.issuer_org_id == world.base.id and cert.issuer_name == world.base.name
    assert cert.level == "五级" and cert.holder_name == "测试学员" and cert.expires_at is None
    assert parse_serial(cert.serial).skill == "EXAMBA"
    assert session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "certificate.issued")) == 4


def test_the_job_is_idempotent_when_run_twice(session, cipher, tmp_path):
    passed_world(session, cipher, tmp_path)
    job = next(j for j in make_jobs(config_for(tmp_path)) if j.name == "certificates.issue")
    job.run(session, NOW + timedelta(hours=1))
    session.commit()
    job.run(session, NOW + timedelta(hours=1, minutes=1))
    session.commit()
    registration = session.scalars(select(Registration)).one()
    assert session.scalar(select(func.count(Certificate.id)).where(
        Certificate.source_type == SourceType.REGISTRATION, Certificate.source_id == registration.id)) == 1


def test_the_database_refuses_a_second_certificate_for_one_assessment(session, cipher, tmp_path):
    passed_world(session, cipher, tmp_path)
    sweep_issuance(session, config=config_for(tmp_path), now=NOW)
    session.commit()
    [original] = _level_certificates(session)
    twin = Certificate(**{c.key: getattr(original, c.key) for c in Certificate.__table__.columns
                          if c.key not in ("id", "serial")}, serial="PS-2026-EXAMBA-999999-X")
    session.add(twin)
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_a_failed_assessment_gets_no_certificate_and_is_looked_at_again_only_a_day_later(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path)
    practical = practical_setup(session, cipher, world)
    pass_theory(session, world, world.candidates[0])
    score_practical(session, practical, world.candidates[0], violated=True)  # red line: fails whatever the points
    session.commit()
    config = config_for(tmp_path)
    report = sweep_issuance(session, config=config, now=NOW)
    assert report.not_passed == 1 and _level_certificates(session) == []
    check = session.scalars(select(IssuanceCheck)).one()
    assert check.outcome == "failed" and check.checked_at == NOW
    assert sweep_issuance(session, config=config, now=NOW + timedelta(hours=3)).not_passed == 0  # not re-evaluated
    assert sweep_issuance(session, config=config, now=NOW + timedelta(days=1, minutes=1)).not_passed == 1
    assert _level_certificates(session) == []


def test_a_pending_result_is_issued_once_the_theory_exam_is_in(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path)
    practical = practical_setup(session, cipher, world)
    score_practical(session, practical, world.candidates[0])
    config = config_for(tmp_path)
    assert sweep_issuance(session, config=config, now=NOW).not_passed == 1
    pass_theory(session, world, world.candidates[0])
    assert sweep_issuance(session, config=config, now=NOW + timedelta(minutes=11)).issued


def test_levels_two_and_one_wait_for_the_committee(session, cipher, tmp_path):
    passed_world(session, cipher, tmp_path, level="二级/技师")
    config = config_for(tmp_path)
    report = sweep_issuance(session, config=config, now=NOW)
    assert len(report.pending_review) == 1 and len(report.issued) == 1  # the training certificate
    cert = pending_approvals(session)[0]
    assert cert.state == CertificateState.PENDING_APPROVAL and cert.issued_at is None
    chair = worker(session, cipher, name="评审主任")
    decide_approval(session, certificate=cert, approved=True, actor_id=chair.id, note="综合评审通过", config=config,
                    now=NOW + timedelta(days=20))
    assert cert.state == CertificateState.ISSUED and cert.issued_at == NOW + timedelta(days=20)
    assert pending_approvals(session) == []
    with pytest.raises(Conflict):
        decide_approval(session, certificate=cert, approved=False, actor_id=chair.id, note="", config=config, now=NOW)
    assert sweep_issuance(session, config=config, now=NOW + timedelta(days=21)).pending_review == []


def test_a_rejected_review_leaves_the_certificate_rejected(session, cipher, tmp_path):
    passed_world(session, cipher, tmp_path, level="一级/高级技师")
    config = config_for(tmp_path)
    sweep_issuance(session, config=config, now=NOW)
    cert = pending_approvals(session)[0]
    decide_approval(session, certificate=cert, approved=False, actor_id=cert.holder_id, note="业绩材料不足",
                    config=config, now=NOW)
    assert cert.state == CertificateState.REJECTED and cert.approval_note == "业绩材料不足"


def test_a_special_trade_exam_issues_a_two_year_card(session, cipher, tmp_path):
    passed_world(session, cipher, tmp_path, level="特种作业")
    sweep_issuance(session, config=config_for(tmp_path), now=NOW)
    [cert] = _level_certificates(session)
    assert cert.kind == CertificateKind.SPECIAL_TRADE and cert.title == "特种作业操作资格证书"
    assert cert.expires_at == NOW.replace(year=2028)


def test_a_completed_course_gets_a_training_certificate_from_the_platform(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path, candidates=0, papers=False)
    learner = worker(session, cipher, name="李四")
    complete_course(session, learner, world.course)
    session.commit()
    config = config_for(tmp_path, issuer_name="测试平台")
    assert len(sweep_issuance(session, config=config, now=NOW).issued) == 1
    assert sweep_issuance(session, config=config, now=NOW).issued == []
    cert = session.scalars(select(Certificate)).one()
    assert (cert.kind, cert.issuer_org_id, cert.issuer_name) == (CertificateKind.TRAINING, None, "测试平台")
    assert cert.skill_name == world.course.title and cert.details["course"] == "exambank"


def test_a_competition_award_is_issued_once_per_award(session, cipher, tmp_path):
    org = make_org(session, kind=OrgKind.TRAINING_BASE, name="竞赛承办基地")
    winner = worker(session, cipher, name="王五")
    config = config_for(tmp_path)
    kwargs = dict(award_id=7, holder=winner, issuer_org=org, competition="2026年装配式建筑职业技能竞赛",
                  award="一等奖", skill_name="装配式建筑施工员", skill_slug="assembly", now=NOW, config=config,
                  actor_id=None)
    first = issue_competition_award(session, **kwargs)
    again = issue_competition_award(session, **kwargs)
    assert first.id == again.id and first.kind == CertificateKind.COMPETITION_AWARD
    assert first.award == "一等奖" and first.details["competition"].startswith("2026年")
    assert parse_serial(first.serial).skill == "ASSY"


def test_serials_count_per_year_and_skill(session):
    first = allocate_serial(session, skill="HOIST", now=NOW)
    second = allocate_serial(session, skill="HOIST", now=NOW)
    other = allocate_serial(session, skill="GROUT", now=NOW)
    next_year = allocate_serial(session, skill="HOIST", now=NOW.replace(year=2027))
    assert [parse_serial(s).sequence for s in (first, second, other, next_year)] == [1, 2, 1, 1]
    assert first.startswith("PS-2026-HOIST-000001-")
