from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.models import Role, User
from roster import draws, pool
from roster.pool_models import Expert, ExpertRating, ExpertRelationship, ExpertStatus, PanelDraw
from tests.certificates.cert_world import login
from tests.factories import NOW, make_staff, make_worker
from tests.roster.pool_world import build_pool_world, make_expert


@pytest.fixture
def world(session, cipher, tmp_path):
    world = build_pool_world(session, cipher, tmp_path)
    session.commit()
    return world


def _id_number(cipher, user: User) -> str:
    return cipher.decrypt(user.id_number_enc, purpose="id_number")


def _pool(session, cipher, world, n: int) -> list[Expert]:
    experts = [make_expert(session, cipher, world, name=f"专家{'甲乙丙丁戊己'[i]}") for i in range(n)]
    session.commit()
    return experts


def test_outside_the_committee_the_pool_and_draw_lists_are_403(app, client, session, cipher, world):
    assert client.get("/roster/experts").status_code == 302  # anonymous: to the login page
    hr = make_staff(session, cipher, world.enterprise, Role.ENTERPRISE_HR)
    session.commit()
    for user in (world.subject, hr):
        login(client, cipher, user)
        assert client.get("/roster/experts").status_code == 403
        assert client.get("/roster/draws").status_code == 403


def test_the_committee_lists_experts_with_filters_and_ratings(client, session, cipher, world):
    hoist = make_expert(session, cipher, world, name="吊装专家", codes=("HOIST",))
    make_expert(session, cipher, world, name="灌浆专家", codes=("GROUT",), region="广东省深圳市")
    pool.record_rating(session, expert_id=hoist.id, score=88, job="review:1", actor_id=world.chair.id, now=NOW)
    session.commit()
    login(client, cipher, world.member)
    html = client.get("/roster/experts").get_data(as_text=True)
    assert "吊装专家" in html and "灌浆专家" in html and "88.0" in html
    assert "灌浆专家" not in client.get("/roster/experts?specialty=hoist").get_data(as_text=True)
    assert "吊装专家" not in client.get("/roster/experts?region=广东").get_data(as_text=True)
    assert "吊装专家" not in client.get("/roster/experts?status=suspended").get_data(as_text=True)


def test_an_expert_record_is_404_to_others_and_open_to_the_expert_and_the_committee(client, session, cipher, world):
    expert = make_expert(session, cipher, world, name="本人专家")
    session.commit()
    login(client, cipher, world.subject)
    assert client.get(f"/roster/experts/{expert.id}").status_code == 404
    assert client.get("/roster/experts/999999").status_code == 404
    login(client, cipher, session.get(User, expert.user_id))
    own = client.get(f"/roster/experts/{expert.id}").get_data(as_text=True)
    assert "本人专家" in own and 'name="action"' not in own and "记录完整" in own
    login(client, cipher, world.member)
    assert client.get(f"/roster/experts/{expert.id}").status_code == 200


def test_a_committee_member_cannot_admit_but_the_chair_can(client, session, cipher, world):
    applicant = make_expert(session, cipher, world, admitted=False)
    session.commit()
    token = login(client, cipher, world.member)
    resp = client.post(f"/roster/experts/{applicant.id}/status", data={"csrf_token": token, "action": "review"})
    assert resp.status_code == 403
    token = login(client, cipher, world.chair)
    for action in ("review", "admit"):
        resp = client.post(f"/roster/experts/{applicant.id}/status", data={"csrf_token": token, "action": action})
        assert resp.status_code == 302
    session.expire_all()
    assert session.get(Expert, applicant.id).status == ExpertStatus.ADMITTED


def test_status_changes_without_a_reason_or_out_of_order_are_refused_with_a_message(client, session, cipher, world):
    expert = make_expert(session, cipher, world)
    session.commit()
    token = login(client, cipher, world.chair)
    resp = client.post(f"/roster/experts/{expert.id}/status", data={"csrf_token": token, "action": "suspend"})
    assert resp.status_code == 422 and "请填写原因。" in resp.get_data(as_text=True)
    resp = client.post(f"/roster/experts/{expert.id}/status",
                       data={"csrf_token": token, "action": "admit", "reason": ""})
    assert resp.status_code == 409 and "不能执行此操作" in resp.get_data(as_text=True)
    resp = client.post(f"/roster/experts/{expert.id}/status", data={"action": "suspend", "reason": "调查"})
    assert resp.status_code == 400  # no CSRF token
    session.expire_all()
    assert session.get(Expert, expert.id).status == ExpertStatus.ADMITTED


def test_anyone_logged_in_may_apply_and_then_sees_the_application(client, session, cipher, world):
    token = login(client, cipher, world.subject)
    assert client.get("/roster/experts/apply").status_code == 200
    bad = client.post("/roster/experts/apply", data={"csrf_token": token, "specialties": "吊装", "region": ""})
    assert bad.status_code == 422 and "专业代码无效" in bad.get_data(as_text=True)
    ok = client.post("/roster/experts/apply", data={"csrf_token": token, "specialties": "HOIST, GROUT",
                                                    "region": "云南省昆明市", "statement": "从业十二年"})
    assert ok.status_code == 302
    session.rollback()
    expert = session.scalar(select(Expert).where(Expert.user_id == world.subject.id))
    assert expert.status == ExpertStatus.APPLIED and expert.skill_codes == ["GROUT", "HOIST"]
    assert "已申请" in client.get("/roster/experts/apply").get_data(as_text=True)


def test_hr_nominates_its_own_worker_by_id_number_which_is_never_echoed(client, session, cipher, world):
    hr = make_staff(session, cipher, world.enterprise, Role.ENTERPRISE_HR)
    stranger = make_worker(session, cipher, name="外单位人员")
    session.commit()
    token = login(client, cipher, hr)
    form = {"csrf_token": token, "org": world.enterprise.id, "specialties": "HOIST", "region": "", "statement": ""}
    refused = client.post("/roster/experts/nominate", data=form | {"person": _id_number(cipher, stranger)})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "未找到该人员" in html and _id_number(cipher, stranger) not in html
    done = client.post("/roster/experts/nominate", data=form | {"person": _id_number(cipher, world.subject)})
    assert done.status_code == 302
    assert "受评人" in client.get("/roster/experts/nominate").get_data(as_text=True)
    login(client, cipher, world.member)
    assert client.get("/roster/experts/nominate").status_code == 403  # committee members do not nominate


def test_the_expert_declares_a_relationship_on_their_own_record(client, session, cipher, world):
    expert = make_expert(session, cipher, world)
    session.commit()
    token = login(client, cipher, session.get(User, expert.user_id))
    url = f"/roster/experts/{expert.id}/relationships"
    empty = client.post(url, data={"csrf_token": token, "kind": "relative", "person": "", "org": 0, "note": ""})
    assert empty.status_code == 422 and "二选一" in empty.get_data(as_text=True)
    done = client.post(url, data={"csrf_token": token, "kind": "relative", "note": "表兄弟", "org": 0,
                                  "person": _id_number(cipher, world.subject)})
    assert done.status_code == 302
    session.rollback()
    assert session.scalar(select(ExpertRelationship.related_user_id)) == world.subject.id
    assert "受评人" in client.get(f"/roster/experts/{expert.id}").get_data(as_text=True)


def test_the_chair_rates_an_expert_and_a_bad_score_is_422(client, session, cipher, world):
    expert = make_expert(session, cipher, world)
    session.commit()
    token = login(client, cipher, world.chair)
    url = f"/roster/experts/{expert.id}/ratings"
    bad = client.post(url, data={"csrf_token": token, "job": "2026年竞赛裁判", "score": "120"})
    assert bad.status_code == 422 and "评分应为0到100之间的整数" in bad.get_data(as_text=True)
    assert client.post(url, data={"csrf_token": token, "job": "2026年竞赛裁判", "score": "95"}).status_code == 302
    session.rollback()
    assert session.scalar(select(ExpertRating.score)) == 95


def test_a_draw_from_the_page_shows_seed_exclusions_panel_and_a_matching_replay(client, session, cipher, world):
    _pool(session, cipher, world, 4)
    make_expert(session, cipher, world, name="同企业专家", org=world.enterprise, role=Role.WORKER)
    session.commit()
    token = login(client, cipher, world.member)
    resp = client.post("/roster/draws", data={"csrf_token": token, "purpose": "二级技师评审", "specialty": "HOIST",
                                              "subject": _id_number(cipher, world.subject), "size": "3",
                                              "seed": "page-seed", "region": ""})
    assert resp.status_code == 302
    session.rollback()
    draw = session.scalar(select(PanelDraw))
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "page-seed" in html and "一致" in html and "不一致" not in html
    assert "同企业专家" in html and f"与受评人同属企业：{world.enterprise.name}" in html
    assert _id_number(cipher, world.subject) not in html and draws.replay(draw) == draw.selected_ids
    no_reason = client.post(f"/roster/draws/{draw.id}/replacements",
                            data={"csrf_token": token, "expert_id": draw.selected_ids[0], "reason": ""})
    assert no_reason.status_code == 422 and "请填写更换原因" in no_reason.get_data(as_text=True)
    replaced = client.post(f"/roster/draws/{draw.id}/replacements",
                           data={"csrf_token": token, "expert_id": draw.selected_ids[0], "reason": "出差"})
    assert replaced.status_code == 302
    html = client.get(f"/roster/draws/{draw.id}").get_data(as_text=True)
    assert "page-seed/r1" in html and "一致" in html and "不一致" not in html


def test_too_few_experts_for_a_draw_is_explained_on_the_page(client, session, cipher, world):
    _pool(session, cipher, world, 2)
    token = login(client, cipher, world.member)
    resp = client.post("/roster/draws", data={"csrf_token": token, "purpose": "评审", "specialty": "HOIST",
                                              "subject": str(world.subject.id), "size": "5", "seed": "", "region": ""})
    assert resp.status_code == 409 and "不足抽取人数 5 名" in resp.get_data(as_text=True)
    bad = client.post("/roster/draws", data={"csrf_token": token, "purpose": "评审", "specialty": "HOIST",
                                             "subject": "13700000000", "size": "2", "seed": "", "region": ""})
    assert bad.status_code == 422 and "未找到该人员" in bad.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(func.count(PanelDraw.id))) == 0


def test_a_draw_page_is_404_outside_the_committee(client, session, cipher, world):
    _pool(session, cipher, world, 2)
    draw = draws.draw_panel(session, purpose="评审", subject_user_id=world.subject.id, specialty="HOIST", region=None,
                            size=1, actor_id=world.member.id, now=NOW, seed="x")
    session.commit()
    login(client, cipher, world.subject)
    assert client.get(f"/roster/draws/{draw.id}").status_code == 404
    login(client, cipher, world.chair)
    assert client.get(f"/roster/draws/{draw.id}").status_code == 200


def test_the_roster_search_page_links_the_committee_to_the_pool(client, session, cipher, world):
    login(client, cipher, world.member)
    assert 'href="/roster/experts"' in client.get("/roster").get_data(as_text=True)
