"""Committee review services: application → panel → scores → the chair's decision → certificate issued or not."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from certificates.models import Certificate
from certificates.status import CertificateState, PublicStatus, public_status
from certificates.verification import find_public
from core.errors import Conflict, Forbidden, RuleViolated, ValidationFailed
from core.models import AuditEvent, User
from roster import review_queries, reviews
from roster.pool_models import ExpertRating
from roster.review_models import ReviewDecision, ReviewStatus
from roster.review_portfolio import portfolio
from tests.certificates.cert_world import make_cert
from tests.factories import NOW
from tests.roster.review_world import add_placing, admitted_expert, build_review_world

LATER = NOW + timedelta(days=3)


def _drawn(session, world, seed: str = "seed-1"):
    application = reviews.open_application(session, certificate=world.certificate, actor=world.member, now=NOW)
    return reviews.draw_review_panel(session, application=application, actor=world.chair, region=None, now=NOW,
                                     seed=seed)


def _score_all(session, world, application, score: int = 80):
    for expert_id in reviews.panel_expert_ids(session, application):
        reviews.submit_score(session, application=application, reviewer=world.expert_user(session, expert_id),
                             score=score, comment="业绩突出，技术全面。", now=NOW)


def _ratings(session, application, value: int = 90) -> dict[int, int]:
    return {e: value for e in reviews.panel_expert_ids(session, application)}


def test_an_approved_review_issues_the_certificate_and_rates_every_reviewer(session, cipher, tmp_path):
    world = build_review_world(session, cipher, tmp_path, assessed=True)
    application = _drawn(session, world)
    members = reviews.panel_expert_ids(session, application)
    assert len(members) == 3 and application.status == ReviewStatus.PANEL_DRAWN
    _score_all(session, world, application)
    assert application.status == ReviewStatus.SCORING
    ratings = dict(zip(members, (95, 80, 70), strict=True))
    reviews.decide(session, application=application, approved=True, note="材料齐全，评审通过。", ratings=ratings,
                   actor=world.chair, config=world.config, now=LATER)

    cert = session.get(Certificate, world.certificate.id)
    assert cert.state == CertificateState.ISSUED and cert.issued_at == LATER
    assert public_status(cert.state, world.config.policy(cert.kind), cert.expires_at, LATER) == PublicStatus.VALID
    assert find_public(session, cert.serial) is cert
    assert application.decision == ReviewDecision.APPROVED and application.decided_by_id == world.chair.id
    rated = dict(session.execute(select(ExpertRating.expert_id, ExpertRating.score)
                                 .where(ExpertRating.job == f"review:{application.id}")).all())
    assert rated == ratings
    assert {s.expert_id: s.rating for s in reviews.scores_of(session, application.id)} == ratings
    actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.target == f"review:{application.id}")
                                   .order_by(AuditEvent.seq)))
    assert actions == ["review.opened", "review.panel_drawn"] + ["review.scored"] * 3 + ["review.decided"]


def test_a_rejected_review_leaves_the_certificate_rejected_and_never_public(session, cipher, tmp_path):
    world = build_review_world(session, cipher, tmp_path)
    application = _drawn(session, world)
    _score_all(session, world, application, score=40)
    reviews.decide(session, application=application, approved=False, note="业绩材料不足。",
                   ratings=_ratings(session, application), actor=world.chair, config=world.config, now=LATER)
    cert = session.get(Certificate, world.certificate.id)
    assert cert.state == CertificateState.REJECTED and cert.approval_note == "业绩材料不足。"
    assert find_public(session, cert.serial) is None
    assert application.decision == ReviewDecision.REJECTED


def test_level_one_gets_a_panel_of_five(session, cipher, tmp_path):
    world = build_review_world(session, cipher, tmp_path, level="一级/高级技师", experts=6)
    application = _drawn(session, world)
    assert application.panel_size == 5 and len(reviews.panel_expert_ids(session, application)) == 5


def test_an_expert_not_on_the_panel_cannot_score(session, cipher, tmp_path):
    world = build_review_world(session, cipher, tmp_path)
    application = _drawn(session, world)
    outsider = next(e for e in world.experts if e.id not in reviews.panel_expert_ids(session, application))
    with pytest.raises(Forbidden):
        reviews.submit_score(session, application=application, reviewer=world.expert_user(session, outsider.id),
                             score=90, comment="很好。", now=NOW)
    with pytest.raises(Forbidden):  # committee membership alone does not seat anyone on the panel
        reviews.submit_score(session, application=application, reviewer=world.chair, score=90, comment="很好。",
                             now=NOW)
    assert reviews.scores_of(session, application.id) == []


def test_a_panel_member_scores_once(session, cipher, tmp_path):
    world = build_review_world(session, cipher, tmp_path)
    application = _drawn(session, world)
    reviewer = world.expert_user(session, reviews.panel_expert_ids(session, application)[0])
    reviews.submit_score(session, application=application, reviewer=reviewer, score=75, comment="可以。", now=NOW)
    with pytest.raises(Conflict) as caught:
        reviews.submit_score(session, application=application, reviewer=reviewer, score=95, comment="改主意了。",
                             now=NOW)
    assert caught.value.code == "already_scored"
    assert [s.score for s in reviews.scores_of(session, application.id)] == [75]


def test_scores_are_locked_after_the_decision(session, cipher, tmp_path):
    world = build_review_world(session, cipher, tmp_path)
    application = _drawn(session, world)
    members = reviews.panel_expert_ids(session, application)
    _score_all(session, world, application)
    reviews.decide(session, application=application, approved=True, note="通过。",
                   ratings=_ratings(session, application), actor=world.chair, config=world.config, now=LATER)
    with pytest.raises(Conflict) as caught:
        reviews.submit_score(session, application=application, reviewer=world.expert_user(session, members[0]),
                             score=10, comment="补交。", now=LATER)
    assert caught.value.code == "decided"
    with pytest.raises(Conflict):
        reviews.decide(session, application=application, approved=False, note="再议。",
                       ratings=_ratings(session, application), actor=world.chair, config=world.config, now=LATER)


@pytest.mark.parametrize("raw, field", [("101", "score"), ("-1", "score"), ("八十", "score"), ("", "score"),
                                        ("80.5", "score")])
def test_a_score_outside_0_to_100_is_refused_naming_the_field(session, cipher, tmp_path, raw, field):
    world = build_review_world(session, cipher, tmp_path)
    application = _drawn(session, world)
    reviewer = world.expert_user(session, reviews.panel_expert_ids(session, application)[0])
    with pytest.raises(ValidationFailed) as caught:
        reviews.submit_score(session, application=application, reviewer=reviewer, score=raw, comment="意见。",
                             now=NOW)
    assert caught.value.field == field and "评分" in caught.value.message


def test_a_score_needs_a_written_comment(session, cipher, tmp_path):
    world = build_review_world(session, cipher, tmp_path)
    application = _drawn(session, world)
    reviewer = world.expert_user(session, reviews.panel_expert_ids(session, application)[0])
    with pytest.raises(ValidationFailed) as caught:
        reviews.submit_score(session, application=application, reviewer=reviewer, score=80, comment="  ", now=NOW)
    assert caught.value.field == "comment" and "评审意见" in caught.value.message
    assert reviews.scores_of(session, application.id) == []


def test_only_the_chair_decides(session, cipher, tmp_path):
    world = build_review_world(session, cipher, tmp_path)
    application = _drawn(session, world)
    _score_all(session, world, application)
    reviewer = world.expert_user(session, reviews.panel_expert_ids(session, application)[0])
    for actor in (world.member, reviewer):
        with pytest.raises(Forbidden):
            reviews.decide(session, application=application, approved=True, note="通过。",
                           ratings=_ratings(session, application), actor=actor, config=world.config, now=LATER)
    assert session.get(Certificate, world.certificate.id).state == CertificateState.PENDING_APPROVAL


def test_the_decision_waits_for_every_panel_member(session, cipher, tmp_path):
    world = build_review_world(session, cipher, tmp_path)
    application = _drawn(session, world)
    members = reviews.panel_expert_ids(session, application)
    for expert_id in members[:2]:
        reviews.submit_score(session, application=application, reviewer=world.expert_user(session, expert_id),
                             score=90, comment="优秀。", now=NOW)
    with pytest.raises(RuleViolated) as caught:
        reviews.decide(session, application=application, approved=True, note="通过。",
                       ratings=_ratings(session, application), actor=world.chair, config=world.config, now=LATER)
    missing_name = world.expert_user(session, members[2]).name
    assert caught.value.code == "scores_missing" and missing_name in caught.value.message
    assert session.get(Certificate, world.certificate.id).state == CertificateState.PENDING_APPROVAL
    assert application.status == ReviewStatus.SCORING


def test_the_decision_needs_a_rating_from_0_to_100_for_each_reviewer(session, cipher, tmp_path):
    world = build_review_world(session, cipher, tmp_path)
    application = _drawn(session, world)
    _score_all(session, world, application)
    members = reviews.panel_expert_ids(session, application)
    ratings = {**_ratings(session, application), members[1]: 120}
    with pytest.raises(ValidationFailed) as caught:
        reviews.decide(session, application=application, approved=True, note="通过。", ratings=ratings,
                       actor=world.chair, config=world.config, now=LATER)
    assert caught.value.field == f"rating_{members[1]}"
    assert world.expert_user(session, members[1]).name in caught.value.message
    del ratings[members[1]]
    with pytest.raises(ValidationFailed) as caught:
        reviews.decide(session, application=application, approved=True, note="通过。", ratings=ratings,
                       actor=world.chair, config=world.config, now=LATER)
    assert caught.value.field == f"rating_{members[1]}"
    with pytest.raises(ValidationFailed) as caught:
        reviews.decide(session, application=application, approved=True, note=" ",
                       ratings=_ratings(session, application), actor=world.chair, config=world.config, now=LATER)
    assert caught.value.field == "note"
    assert session.get(Certificate, world.certificate.id).state == CertificateState.PENDING_APPROVAL
    assert session.scalar(select(func.count(ExpertRating.id))) == 0


def test_the_chair_replaces_a_member_who_has_not_scored(session, cipher, tmp_path):
    world = build_review_world(session, cipher, tmp_path)
    application = _drawn(session, world)
    first, second, _third = reviews.panel_expert_ids(session, application)
    reviews.submit_score(session, application=application, reviewer=world.expert_user(session, first), score=80,
                         comment="良好。", now=NOW)
    with pytest.raises(Conflict) as caught:
        reviews.replace_panel_member(session, application=application, expert_id=first, reason="出差",
                                     actor=world.chair, now=NOW)
    assert caught.value.code == "already_scored"
    with pytest.raises(Forbidden):
        reviews.replace_panel_member(session, application=application, expert_id=second, reason="出差",
                                     actor=world.member, now=NOW)
    reviews.replace_panel_member(session, application=application, expert_id=second, reason="与申请人同一项目组",
                                 actor=world.chair, now=NOW)
    members = reviews.panel_expert_ids(session, application)
    assert second not in members and first in members and len(members) == 3
    assert not reviews.may_view(session, application, world.expert_user(session, second))


def test_opening_is_idempotent_and_only_for_pending_reviewable_certificates(session, cipher, tmp_path):
    world = build_review_world(session, cipher, tmp_path)
    first = reviews.open_application(session, certificate=world.certificate, actor=world.member, now=NOW)
    again = reviews.open_application(session, certificate=world.certificate, actor=world.chair, now=NOW)
    assert again.id == first.id and first.panel_size == 3 and first.skill_code == world.certificate.skill_code
    issued = make_cert(session, holder=world.chair, org=None, config=world.config, level="三级/高级工")
    with pytest.raises(Conflict):
        reviews.open_application(session, certificate=issued, actor=world.member, now=NOW)
    reviewer = world.expert_user(session, world.experts[0].id)
    with pytest.raises(Forbidden):
        reviews.open_application(session, certificate=world.certificate, actor=reviewer, now=NOW)


def test_the_panel_is_drawn_once_by_the_chair(session, cipher, tmp_path):
    world = build_review_world(session, cipher, tmp_path)
    application = reviews.open_application(session, certificate=world.certificate, actor=world.member, now=NOW)
    with pytest.raises(Forbidden):
        reviews.draw_review_panel(session, application=application, actor=world.member, region=None, now=NOW)
    reviews.draw_review_panel(session, application=application, actor=world.chair, region="云南省", now=NOW)
    with pytest.raises(Conflict):
        reviews.draw_review_panel(session, application=application, actor=world.chair, region=None, now=NOW)


def test_too_few_experts_in_the_specialty_is_refused(session, cipher, tmp_path):
    world = build_review_world(session, cipher, tmp_path, experts=2)
    application = reviews.open_application(session, certificate=world.certificate, actor=world.member, now=NOW)
    with pytest.raises(Conflict):
        reviews.draw_review_panel(session, application=application, actor=world.chair, region=None, now=NOW)
    assert application.status == ReviewStatus.OPENED and application.panel_draw_id is None


def test_the_summary_recommends_approval_from_a_mean_of_60():
    assert review_queries.summarize([]) == review_queries.PanelSummary(0, None, None, None)
    passed = review_queries.summarize([90, 59, 31])
    assert passed.mean == Decimal("60.00") and passed.median == Decimal("59.00")
    assert passed.recommended == ReviewDecision.APPROVED
    short = review_queries.summarize([60, 59, 60, 60, 60, 60])  # 59.83…: never rounded up into a pass
    assert short.mean == Decimal("59.83") and short.median == Decimal("60.00")
    assert short.recommended == ReviewDecision.REJECTED
    assert review_queries.summarize([70, 61]).median == Decimal("65.50")


def test_the_portfolio_shows_practical_item_scores_theory_and_placings(session, cipher, tmp_path):
    world = build_review_world(session, cipher, tmp_path, assessed=True)
    add_placing(session, cipher, session.get(User, world.certificate.holder_id))
    application = reviews.open_application(session, certificate=world.certificate, actor=world.member, now=NOW)
    shown = portfolio(session, application, config=world.config, now=LATER)

    assert shown.name == "测试学员" and "*" in shown.id_number_masked
    assessment = shown.assessment
    assert assessment.theory_percent == Decimal(100) and assessment.level == "二级/技师"
    practical = assessment.practicals[0]
    assert practical.percent == Decimal(90) and practical.examiner_percents == (Decimal(90), Decimal(90))
    items = {item.title: item.marks for item in practical.items}
    assert items["吊索夹角不小于60°"] == ("45", "45") and items["两道斜撑固定后方可摘钩"] == ("未违反", "未违反")
    assert [(p.rank, p.awards) for p in shown.placings] == [(1, ("金牌", "技术能手"))]
    assert shown.titles == ("金牌", "技术能手")
    statuses = {c.level: c.status for c in shown.certificates}
    assert statuses["二级/技师"] == "待专家委员会评审"


def test_an_expert_outside_the_committee_sees_only_the_panels_they_sit_on(session, cipher, tmp_path):
    world = build_review_world(session, cipher, tmp_path)
    application = _drawn(session, world)
    members = reviews.panel_expert_ids(session, application)
    seated = world.expert_user(session, members[0])
    outsider = world.expert_user(session, next(e.id for e in world.experts if e.id not in members))
    assert reviews.may_view(session, application, seated) and not reviews.may_view(session, application, outsider)
    assert reviews.may_view(session, application, world.member)
    assert [row.application.id for row in review_queries.reviewer_queue(session, seated)] == [application.id]
    assert review_queries.reviewer_queue(session, outsider) == []
    late = admitted_expert(session, cipher, skill="HOIST", actor=world.chair, name="新专家")
    assert review_queries.reviewer_queue(session, world.expert_user(session, late.id)) == []
