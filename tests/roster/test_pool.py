from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from core.audit import verify_chain
from core.errors import Conflict, ValidationFailed
from core.models import AuditEvent, OrgKind, Role, User
from roster import pool
from roster.pool_models import Expert, ExpertLogEntry, ExpertRating, ExpertStatus
from tests.factories import NOW, make_org, make_staff, make_worker, valid_id_number
from tests.roster.pool_world import build_pool_world, make_expert


@pytest.fixture
def world(session, cipher, tmp_path):
    return build_pool_world(session, cipher, tmp_path)


def _applicant(session, cipher, world, **kwargs) -> Expert:
    return make_expert(session, cipher, world, admitted=False, **kwargs)


def test_application_is_reviewed_and_admitted_with_every_step_logged(session, cipher, world):
    expert = _applicant(session, cipher, world, codes=("grout", "HOIST"))
    assert expert.status == ExpertStatus.APPLIED and expert.skill_codes == ["GROUT", "HOIST"]
    pool.start_review(session, expert=expert, actor_id=world.chair.id, now=NOW)
    pool.admit(session, expert=expert, actor_id=world.chair.id, now=NOW, note="资料齐全")
    log = session.scalars(select(ExpertLogEntry).where(ExpertLogEntry.expert_id == expert.id)
                          .order_by(ExpertLogEntry.seq)).all()
    assert [(e.action, e.from_status, e.to_status) for e in log] == [
        ("applied", "", "applied"), ("review", "applied", "under_review"), ("admit", "under_review", "admitted")]
    assert log[2].reason == "资料齐全" and log[2].actor_id == world.chair.id
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.target == f"expert:{expert.id}")
                              .order_by(AuditEvent.seq)).all()
    assert actions == ["expert.applied", "expert.review", "expert.admit"]
    assert verify_chain(session).ok


def test_an_enterprise_nominates_its_own_worker(session, cipher, world):
    hr = make_staff(session, cipher, world.enterprise, Role.ENTERPRISE_HR)
    expert = pool.nominate(session, org=world.enterprise, user=world.subject, actor_id=hr.id, region="",
                           specialties="HOIST，ASSY", statement="十年吊装经验", now=NOW)
    assert expert.status == ExpertStatus.NOMINATED and expert.nominated_by_org_id == world.enterprise.id
    assert expert.region == world.enterprise.region and expert.skill_codes == ["ASSY", "HOIST"]
    pool.start_review(session, expert=expert, actor_id=world.chair.id, now=NOW)
    assert expert.status == ExpertStatus.UNDER_REVIEW


def test_nominating_someone_outside_the_organisation_is_refused_like_an_unknown_person(session, cipher, world):
    hr = make_staff(session, cipher, world.enterprise, Role.ENTERPRISE_HR)
    stranger = make_worker(session, cipher, name="外单位人员")
    with pytest.raises(ValidationFailed) as exc:
        pool.nominate(session, org=world.enterprise, user=stranger, actor_id=hr.id, region="", specialties="HOIST",
                      statement="", now=NOW)
    assert exc.value.field == "person" and "未找到该人员" in exc.value.message
    assert session.scalar(select(func.count(Expert.id))) == 0


def test_a_committee_cannot_nominate(session, cipher, world):
    with pytest.raises(ValidationFailed) as exc:
        pool.nominate(session, org=world.committee, user=world.member, actor_id=world.chair.id, region="",
                      specialties="HOIST", statement="", now=NOW)
    assert exc.value.field == "org"


@pytest.mark.parametrize(("steps", "illegal"), [
    ((), "admit"),  # admission needs a review first
    ((), "suspend"),
    ((), "remove"),
    (("review",), "reinstate"),
    (("review", "admit"), "admit"),
    (("review", "admit"), "review"),
    (("review", "admit"), "reinstate"),
    (("review", "admit", "suspend"), "suspend"),
    (("review", "reject"), "admit"),
    (("review", "admit", "remove"), "reinstate"),
    (("review", "admit", "remove"), "suspend"),
])
def test_an_illegal_transition_is_a_conflict_and_changes_nothing(session, cipher, world, steps, illegal):
    expert = _applicant(session, cipher, world)
    for step in steps:
        pool.change_status(session, expert=expert, action=step, reason="依据评审结论", actor_id=world.chair.id, now=NOW)
    before = (expert.status, session.scalar(select(func.count(ExpertLogEntry.id))))
    with pytest.raises(Conflict) as exc:
        pool.change_status(session, expert=expert, action=illegal, reason="依据评审结论", actor_id=world.chair.id,
                           now=NOW)
    assert "不能执行此操作" in exc.value.message
    assert (expert.status, session.scalar(select(func.count(ExpertLogEntry.id)))) == before


def test_suspension_reinstatement_and_removal_keep_their_reasons(session, cipher, world):
    expert = make_expert(session, cipher, world)
    pool.suspend(session, expert=expert, reason="涉嫌评审违规，暂停调查", actor_id=world.chair.id, now=NOW)
    assert expert.status == ExpertStatus.SUSPENDED and expert.status_reason == "涉嫌评审违规，暂停调查"
    pool.reinstate(session, expert=expert, reason="调查结束，未发现问题", actor_id=world.chair.id, now=NOW)
    assert expert.status == ExpertStatus.ADMITTED
    pool.remove(session, expert=expert, reason="本人申请退出", actor_id=world.chair.id, now=NOW)
    assert expert.status == ExpertStatus.REMOVED
    reasons = session.scalars(select(ExpertLogEntry.reason).where(ExpertLogEntry.expert_id == expert.id)
                              .order_by(ExpertLogEntry.seq)).all()
    assert reasons[-3:] == ["涉嫌评审违规，暂停调查", "调查结束，未发现问题", "本人申请退出"]


@pytest.mark.parametrize("action", ["suspend", "reinstate", "remove", "reject"])
def test_actions_that_need_a_reason_refuse_an_empty_one_in_chinese(session, cipher, world, action):
    expert = make_expert(session, cipher, world, admitted=action != "reject")
    if action == "reinstate":
        pool.suspend(session, expert=expert, reason="暂停", actor_id=world.chair.id, now=NOW)
    status = expert.status
    with pytest.raises(ValidationFailed) as exc:
        pool.change_status(session, expert=expert, action=action, reason="   ", actor_id=world.chair.id, now=NOW)
    assert exc.value.field == "reason" and exc.value.message == "请填写原因。"
    assert expert.status == status


def test_a_rejected_applicant_may_apply_again_but_not_twice_at_once(session, cipher, world):
    expert = _applicant(session, cipher, world)
    applicant = session.get(User, expert.user_id)
    with pytest.raises(Conflict):
        pool.apply(session, user=applicant, region="", specialties="HOIST", statement="", now=NOW)
    pool.reject(session, expert=expert, reason="从业年限不足", actor_id=world.chair.id, now=NOW)
    again = pool.apply(session, user=applicant, region="云南省", specialties="HOIST GROUT", statement="", now=NOW)
    assert again.id == expert.id and again.status == ExpertStatus.APPLIED and again.skill_codes == ["GROUT", "HOIST"]
    assert pool.verify_log(session, expert.id).ok


def test_a_removed_expert_cannot_apply_again(session, cipher, world):
    expert = make_expert(session, cipher, world)
    pool.remove(session, expert=expert, reason="违反评审纪律", actor_id=world.chair.id, now=NOW)
    user = session.get(User, expert.user_id)
    with pytest.raises(Conflict) as exc:
        pool.apply(session, user=user, region="", specialties="HOIST", statement="", now=NOW)
    assert exc.value.code == "removed" and "移出专家库" in exc.value.message


@pytest.mark.parametrize("codes", ["", "HOIST, 吊装", "H", "TOOLONGCODE"])
def test_bad_specialties_name_the_field(session, cipher, world, codes):
    with pytest.raises(ValidationFailed) as exc:
        pool.apply(session, user=world.subject, region="", specialties=codes, statement="", now=NOW)
    assert exc.value.field == "specialties"


def test_specialties_can_be_replaced_by_the_chair(session, cipher, world):
    expert = make_expert(session, cipher, world, codes=("HOIST", "GROUT"))
    pool.set_specialties(session, expert=expert, specialties="GROUT, ASSY", actor_id=world.chair.id, now=NOW)
    session.expire(expert)
    assert session.get(Expert, expert.id).skill_codes == ["ASSY", "GROUT"]


@pytest.mark.parametrize("score", [-1, 101, "80", 80.5, True, None])
def test_a_rating_outside_0_to_100_or_not_a_whole_number_names_score(session, cipher, world, score):
    expert = make_expert(session, cipher, world)
    with pytest.raises(ValidationFailed) as exc:
        pool.record_rating(session, expert_id=expert.id, score=score, job="review:1", actor_id=world.chair.id, now=NOW)
    assert exc.value.field == "score" and "0到100" in exc.value.message
    assert session.scalar(select(func.count(ExpertRating.id))) == 0


def test_the_rating_is_the_mean_of_the_job_scores(session, cipher, world):
    expert, other = make_expert(session, cipher, world), make_expert(session, cipher, world)
    for job, score in (("review:1", 80), ("review:2", 91), ("review:3", 100), ("review:4", 0)):
        pool.record_rating(session, expert_id=expert.id, score=score, job=job, actor_id=world.chair.id, now=NOW)
    summaries = pool.rating_summaries(session, [expert.id, other.id])
    assert summaries[expert.id] == pool.RatingSummary(4, Decimal("67.8"))  # 271 / 4 = 67.75, rounded half up
    assert summaries[other.id] == pool.RatingSummary(0, None)


def test_one_rating_per_job_and_only_for_admitted_experts(session, cipher, world):
    expert = make_expert(session, cipher, world)
    pool.record_rating(session, expert_id=expert.id, score=85, job="review:7", actor_id=world.chair.id, now=NOW)
    with pytest.raises(Conflict) as exc:
        pool.record_rating(session, expert_id=expert.id, score=60, job="review:7", actor_id=world.chair.id, now=NOW)
    assert exc.value.field == "job"
    applicant = _applicant(session, cipher, world)
    with pytest.raises(Conflict):
        pool.record_rating(session, expert_id=applicant.id, score=60, job="review:7", actor_id=world.chair.id,
                           now=NOW)


def test_the_integrity_log_chain_holds_and_detects_an_edited_or_deleted_row(session, cipher, world):
    expert = make_expert(session, cipher, world)
    pool.suspend(session, expert=expert, reason="暂停调查", actor_id=world.chair.id, now=NOW)
    pool.record_rating(session, expert_id=expert.id, score=70, job="review:1", actor_id=world.chair.id, now=NOW)
    assert pool.verify_log(session, expert.id) == pool.LogReport(5, None)
    session.commit()
    session.execute(update(ExpertLogEntry).where(ExpertLogEntry.expert_id == expert.id, ExpertLogEntry.seq == 4)
                    .values(reason="例行检查"))
    assert pool.verify_log(session, expert.id).broken_at_seq == 4
    session.rollback()
    session.execute(ExpertLogEntry.__table__.delete().where(ExpertLogEntry.expert_id == expert.id,
                                                            ExpertLogEntry.seq == 2))
    assert pool.verify_log(session, expert.id).broken_at_seq == 3


def test_each_experts_log_is_its_own_chain(session, cipher, world):
    first, second = make_expert(session, cipher, world), make_expert(session, cipher, world)
    pool.suspend(session, expert=first, reason="暂停调查", actor_id=world.chair.id, now=NOW)
    rows = session.scalars(select(ExpertLogEntry).where(ExpertLogEntry.expert_id == second.id)
                           .order_by(ExpertLogEntry.seq)).all()
    assert [r.seq for r in rows] == [1, 2, 3] and rows[0].prev_hash == pool.GENESIS
    assert pool.verify_log(session, first.id).ok and pool.verify_log(session, second.id).ok


def test_a_relationship_names_exactly_one_party_and_not_oneself(session, cipher, world):
    expert = make_expert(session, cipher, world)
    with pytest.raises(ValidationFailed) as exc:
        pool.declare_relationship(session, expert=expert, kind="relative", note="", actor_id=world.chair.id, now=NOW)
    assert exc.value.field == "person"
    with pytest.raises(ValidationFailed):
        pool.declare_relationship(session, expert=expert, kind="relative", note="", actor_id=world.chair.id, now=NOW,
                                  related_user=world.subject, related_org=world.base)
    me = session.get(User, expert.user_id)
    with pytest.raises(ValidationFailed) as exc:
        pool.declare_relationship(session, expert=expert, kind="relative", note="", actor_id=me.id, now=NOW,
                                  related_user=me)
    assert exc.value.field == "person"
    with pytest.raises(ValidationFailed) as exc:
        pool.declare_relationship(session, expert=expert, kind="other", note="", actor_id=me.id, now=NOW,
                                  related_org=world.base)
    assert exc.value.field == "note"
    row = pool.declare_relationship(session, expert=expert, kind="mentor", note="曾为其师傅", actor_id=me.id, now=NOW,
                                    related_user=world.subject)
    assert row.related_user_id == world.subject.id and pool.verify_log(session, expert.id).checked == 4


def test_people_are_found_by_id_number_or_phone_only(session, cipher, world):
    id_number = valid_id_number()
    person = make_worker(session, cipher, name="查找对象", id_number=id_number, phone_number="13712345678")
    assert pool.find_person(session, cipher, id_number.lower(), field="person", today=NOW.date()) == person
    assert pool.find_person(session, cipher, "137 1234 5678", field="person", today=NOW.date()) == person
    with pytest.raises(ValidationFailed) as exc:
        pool.find_person(session, cipher, "13799999999", field="person", today=NOW.date())
    assert exc.value.field == "person"
    with pytest.raises(ValidationFailed) as exc:
        pool.find_person(session, cipher, id_number[:17] + ("0" if id_number[17] != "0" else "1"), field="person",
                         today=NOW.date())
    assert "校验位" in exc.value.message
    assert pool.find_subject(session, cipher, str(person.id), today=NOW.date()) == person


def test_a_base_nominates_its_examiner(session, cipher, world):
    admin = make_staff(session, cipher, world.base, Role.BASE_ADMIN)
    examiner = make_staff(session, cipher, world.base, Role.EXAMINER)
    expert = pool.nominate(session, org=world.base, user=examiner, actor_id=admin.id, region="云南省昆明市",
                           specialties=["ASSY"], statement="", now=NOW)
    assert expert.status == ExpertStatus.NOMINATED and expert.nominated_by_org_id == world.base.id
    other_base = make_org(session, kind=OrgKind.TRAINING_BASE)
    with pytest.raises(ValidationFailed):  # another base cannot nominate the same person for it
        pool.nominate(session, org=other_base, user=examiner, actor_id=admin.id, region="", specialties="ASSY",
                      statement="", now=NOW)
