from __future__ import annotations

import hashlib
import random

import pytest
from sqlalchemy import func, select, update

from core import orgs
from core.errors import Conflict, ValidationFailed
from core.models import AuditEvent, OrgKind, Role, User
from roster import draws, pool
from roster.pool_models import Expert, PanelDraw
from tests.factories import NOW, make_org
from tests.roster.pool_world import build_pool_world, make_expert


@pytest.fixture
def world(session, cipher, tmp_path):
    return build_pool_world(session, cipher, tmp_path)


def _draw(session, world, *, size=3, specialty="HOIST", region=None, seed="seed-1"):
    return draws.draw_panel(session, purpose="二级技师综合评审", subject_user_id=world.subject.id, specialty=specialty,
                            region=region, size=size, actor_id=world.member.id, now=NOW, seed=seed)


def _experts(session, cipher, world, n, **kwargs):
    return [make_expert(session, cipher, world, name=f"专家{'甲乙丙丁戊己庚辛壬癸'[i]}", **kwargs) for i in range(n)]


# -- the pure algorithm --------------------------------------------------------------------------------------------

def test_the_panel_is_the_lowest_sha256_keys_as_documented():
    ids, seed = list(range(1, 21)), "2f1c9a"
    by_hand = sorted(ids, key=lambda i: hashlib.sha256(f"{seed}:{i}".encode()).hexdigest())[:5]
    assert draws.pick_panel(ids, seed, 5) == by_hand


def test_same_seed_same_panel_whatever_the_order_of_the_candidates():
    ids = list(range(100, 140))
    shuffled = ids[:]
    random.Random(7).shuffle(shuffled)
    assert draws.pick_panel(ids, "abc", 7) == draws.pick_panel(shuffled, "abc", 7)


def test_different_seeds_draw_different_panels():
    ids = list(range(1, 41))
    panels = {tuple(draws.pick_panel(ids, f"seed-{n}", 5)) for n in range(5)}
    assert len(panels) > 1


def test_asking_for_more_than_the_candidates_is_refused():
    with pytest.raises(ValueError):
        draws.pick_panel([1, 2], "s", 3)


# -- draws on the pool ---------------------------------------------------------------------------------------------

def test_candidates_are_admitted_experts_of_the_specialty_and_region_except_the_subject(session, cipher, world):
    hoist_km = make_expert(session, cipher, world, codes=("HOIST", "GROUT"), region="云南省昆明市")
    make_expert(session, cipher, world, codes=("HOIST",), region="广东省深圳市")
    make_expert(session, cipher, world, codes=("GROUT",), region="云南省昆明市")
    make_expert(session, cipher, world, codes=("HOIST",), region="云南省昆明市", admitted=False)
    suspended = make_expert(session, cipher, world, codes=("HOIST",), region="云南省曲靖市")
    pool.suspend(session, expert=suspended, reason="暂停调查", actor_id=world.chair.id, now=NOW)
    hoist_qj = make_expert(session, cipher, world, codes=("HOIST",), region="云南省曲靖市")
    subject_as_expert = pool.apply(session, user=world.subject, region="云南省", specialties="HOIST", statement="",
                                   now=NOW)
    pool.start_review(session, expert=subject_as_expert, actor_id=world.chair.id, now=NOW)
    pool.admit(session, expert=subject_as_expert, actor_id=world.chair.id, now=NOW)
    draw = _draw(session, world, size=2, region="云南省")
    assert draw.candidate_ids == [hoist_km.id, hoist_qj.id]
    assert sorted(draw.selected_ids) == [hoist_km.id, hoist_qj.id]
    assert _draw(session, world, size=1, region="云南省昆明").candidate_ids == [hoist_km.id]


def test_experts_sharing_the_subjects_enterprise_or_base_or_a_declared_tie_stand_aside(session, cipher, world):
    colleague = make_expert(session, cipher, world, name="同企业", org=world.enterprise, role=Role.ENTERPRISE_HR)
    trainer = make_expert(session, cipher, world, name="同基地", org=world.base, role=Role.EXAMINER)
    relative = make_expert(session, cipher, world, name="亲属")
    partner = make_expert(session, cipher, world, name="合作方")
    free = _experts(session, cipher, world, 3)
    pool.declare_relationship(session, expert=relative, kind="relative", note="表兄", actor_id=relative.user_id,
                              now=NOW, related_user=world.subject)
    pool.declare_relationship(session, expert=partner, kind="business", note="", actor_id=world.chair.id, now=NOW,
                              related_org=world.enterprise)
    draw = _draw(session, world, size=3)
    excluded = {row["expert_id"]: row["reasons"] for row in draw.excluded}
    assert set(excluded) == {colleague.id, trainer.id, relative.id, partner.id}
    assert excluded[colleague.id] == [{"code": "same_enterprise", "org_id": world.enterprise.id,
                                       "org_name": world.enterprise.name}]
    assert excluded[trainer.id] == [{"code": "same_base", "org_id": world.base.id, "org_name": world.base.name}]
    assert excluded[relative.id] == [{"code": "declared_relationship", "kind": "relative",
                                      "relationship_id": excluded[relative.id][0]["relationship_id"]}]
    assert excluded[partner.id][0]["org_id"] == world.enterprise.id
    assert sorted(draw.selected_ids) == sorted(e.id for e in free)


def test_an_employer_change_counts_at_draw_time(session, cipher, world):
    mover = make_expert(session, cipher, world, name="调动")
    _experts(session, cipher, world, 1)
    assert mover.id not in _draw(session, world, size=2).excluded_ids
    orgs.grant_role(session, actor_id=None, org=world.enterprise, user=session.get(User, mover.user_id),
                    role=Role.WORKER, now=NOW)
    assert mover.id in _draw(session, world, size=1).excluded_ids


def test_too_few_eligible_experts_is_a_clear_conflict_and_nothing_is_recorded(session, cipher, world):
    _experts(session, cipher, world, 2)
    make_expert(session, cipher, world, org=world.base, role=Role.EXAMINER)
    with pytest.raises(Conflict) as exc:
        _draw(session, world, size=3)
    assert exc.value.field == "size"
    assert exc.value.message == "专业 HOIST 符合条件的在库专家 3 名，回避 1 名后剩 2 名，不足抽取人数 3 名。"
    assert session.scalar(select(func.count(PanelDraw.id))) == 0


def test_a_draw_records_everything_needed_and_replays_to_the_same_panel(session, cipher, world):
    _experts(session, cipher, world, 8)
    draw = _draw(session, world, size=5, seed="audit-2026")
    assert draw.seed == "audit-2026" and draw.algorithm == draws.ALGORITHM and draw.size == 5
    assert draw.selected_ids == draws.pick_panel(draw.eligible_ids, "audit-2026", 5)
    assert draws.replay(draw) == draw.member_expert_ids == draw.selected_ids
    again = _draw(session, world, size=5, seed="audit-2026")
    assert again.selected_ids == draw.selected_ids
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "roster.panel_drawn")
                           .order_by(AuditEvent.seq))
    assert event.details["seed"] == "audit-2026" and event.details["selected"] == draw.selected_ids


def test_without_a_seed_a_random_one_is_made_and_recorded(session, cipher, world):
    _experts(session, cipher, world, 6)
    first, second = _draw(session, world, seed=None), _draw(session, world, seed=None)
    assert len(first.seed) == 32 and first.seed != second.seed
    assert draws.replay(first) == first.selected_ids


def test_a_replacement_takes_the_next_eligible_expert_and_still_replays(session, cipher, world):
    experts = _experts(session, cipher, world, 7)
    draw = _draw(session, world, size=3)
    out = draw.selected_ids[1]
    draws.replace_member(session, draw=draw, expert_id=out, reason="本人出差", actor_id=world.member.id, now=NOW)
    first = draw.replacements[0]
    remaining = [e.id for e in experts if e.id not in draw.selected_ids]
    assert first.seed == "seed-1/r1" and first.replacement_expert_id == draws.pick_panel(remaining, "seed-1/r1", 1)[0]
    assert draw.member_expert_ids == [draw.selected_ids[0], first.replacement_expert_id, draw.selected_ids[2]]
    draws.replace_member(session, draw=draw, expert_id=first.replacement_expert_id, reason="临时生病",
                         actor_id=world.member.id, now=NOW)
    assert out not in draw.member_expert_ids and len(set(draw.member_expert_ids)) == 3
    session.expire_all()
    reloaded = session.get(PanelDraw, draw.id)
    assert draws.replay(reloaded) == reloaded.member_expert_ids
    assert [r.seq for r in reloaded.replacements] == [1, 2]


def test_a_replacement_passes_over_experts_suspended_or_newly_in_conflict_and_records_them(session, cipher, world):
    _experts(session, cipher, world, 5)
    draw = _draw(session, world, size=2)
    remaining = [i for i in draw.eligible_ids if i not in draw.selected_ids]
    suspended, tied = (session.get(Expert, i) for i in remaining[:2])
    pool.suspend(session, expert=suspended, reason="暂停调查", actor_id=world.chair.id, now=NOW)
    pool.declare_relationship(session, expert=tied, kind="mentor", note="", actor_id=world.chair.id, now=NOW,
                              related_user=world.subject)
    draws.replace_member(session, draw=draw, expert_id=draw.selected_ids[0], reason="回避", actor_id=world.member.id,
                         now=NOW)
    replacement = draw.replacements[0]
    assert replacement.replacement_expert_id == remaining[2]
    passed = {row["expert_id"]: row["reasons"][0]["code"] for row in replacement.unavailable}
    assert passed == {suspended.id: "not_admitted", tied.id: "declared_relationship"}
    assert draws.replay(draw) == draw.member_expert_ids


def test_a_replacement_needs_a_reason_a_member_and_someone_left(session, cipher, world):
    _experts(session, cipher, world, 3)
    draw = _draw(session, world, size=2)
    with pytest.raises(ValidationFailed) as exc:
        draws.replace_member(session, draw=draw, expert_id=draw.selected_ids[0], reason=" ", actor_id=1, now=NOW)
    assert exc.value.field == "reason"
    outsider = next(i for i in draw.candidate_ids if i not in draw.selected_ids)
    with pytest.raises(ValidationFailed) as exc:
        draws.replace_member(session, draw=draw, expert_id=outsider, reason="不参加", actor_id=1, now=NOW)
    assert exc.value.field == "expert_id"
    draws.replace_member(session, draw=draw, expert_id=draw.selected_ids[0], reason="不参加", actor_id=1, now=NOW)
    with pytest.raises(Conflict) as exc:
        draws.replace_member(session, draw=draw, expert_id=draw.selected_ids[1], reason="不参加", actor_id=1, now=NOW)
    assert "没有可以递补的专家" in exc.value.message


def test_an_altered_record_no_longer_replays(session, cipher, world):
    _experts(session, cipher, world, 6)
    draw = _draw(session, world, size=2)
    swapped = next(i for i in draw.eligible_ids if i not in draw.selected_ids)
    session.commit()
    session.execute(update(PanelDraw).where(PanelDraw.id == draw.id).values(selected_ids=[swapped,
                                                                                         draw.selected_ids[1]]))
    session.expire_all()
    tampered = session.get(PanelDraw, draw.id)
    assert not draws.replay_matches(tampered) and draws.replay(tampered) == draws.pick_panel(
        tampered.eligible_ids, tampered.seed, 2)


@pytest.mark.parametrize(("changes", "field"), [
    ({"size": 0}, "size"), ({"size": 31}, "size"), ({"specialty": "吊装"}, "specialty"),
    ({"specialty": "HOIST GROUT"}, "specialty"), ({"seed": "has space"}, "seed"), ({"purpose": "  "}, "purpose"),
    ({"subject_user_id": 999999}, "subject"),
])
def test_bad_draw_input_names_the_field(session, cipher, world, changes, field):
    _experts(session, cipher, world, 2)
    values = dict(purpose="评审", subject_user_id=world.subject.id, specialty="HOIST", region=None, size=1,
                  actor_id=world.member.id, now=NOW, seed="s") | changes
    with pytest.raises(ValidationFailed) as exc:
        draws.draw_panel(session, **values)
    assert exc.value.field == field


def test_a_relationship_with_another_organisation_does_not_exclude(session, cipher, world):
    elsewhere = make_org(session, kind=OrgKind.ENTERPRISE)
    expert = make_expert(session, cipher, world, org=elsewhere, role=Role.WORKER)
    pool.declare_relationship(session, expert=expert, kind="employment", note="", actor_id=world.chair.id, now=NOW,
                              related_org=elsewhere)
    assert _draw(session, world, size=1).selected_ids == [expert.id]
