"""Committee review pages: the queue, the application page, scoring, the chair's decision, who sees what."""

from sqlalchemy import select

from certificates.models import Certificate
from certificates.status import CertificateState
from roster import reviews
from roster.review_models import ReviewApplication, ReviewStatus
from tests.certificates.cert_world import enterprise_hr
from tests.conftest import login_as
from tests.roster.review_world import build_review_world


def _world(session, cipher, tmp_path, **kwargs):
    world = build_review_world(session, cipher, tmp_path, **kwargs)
    session.commit()
    return world


def _client(app, cipher, user):
    client = app.test_client()
    return client, login_as(client, cipher, user)


def _fresh(session):
    session.commit()  # end the read snapshot: see what the app wrote
    session.expire_all()


def _application(session) -> ReviewApplication:
    _fresh(session)
    return session.scalars(select(ReviewApplication)).one()


def _opened_and_drawn(app, session, cipher, world) -> ReviewApplication:
    chair, token = _client(app, cipher, world.chair)
    resp = chair.post("/roster/reviews/open", data={"csrf_token": token, "certificate_id": world.certificate.id})
    assert resp.status_code == 302
    application = _application(session)
    assert resp.headers["Location"].endswith(f"/roster/reviews/{application.id}")
    resp = chair.post(f"/roster/reviews/{application.id}/panel", data={"csrf_token": token, "region": ""})
    assert resp.status_code == 302
    return _application(session)


def _score_all(app, session, cipher, world, application, score: str = "85"):
    for expert_id in reviews.panel_expert_ids(session, application):
        client, token = _client(app, cipher, world.expert_user(session, expert_id))
        resp = client.post(f"/roster/reviews/{application.id}/score",
                           data={"csrf_token": token, "score": score, "comment": "实操扎实，业绩突出。"})
        assert resp.status_code == 302


def _decide(app, session, cipher, world, application, decision: str):
    chair, token = _client(app, cipher, world.chair)
    data = {"csrf_token": token, "decision": decision, "note": "综合评审意见一致。"}
    data |= {f"rating_{e}": "88" for e in reviews.panel_expert_ids(session, application)}
    return chair.post(f"/roster/reviews/{application.id}/decision", data=data)


def test_the_committee_queue_lists_pending_certificates_and_opens_one(app, session, cipher, tmp_path):
    world = _world(session, cipher, tmp_path)
    member, token = _client(app, cipher, world.member)
    page = member.get("/roster/reviews")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "李建国" in html and "受理评审" in html
    resp = member.post("/roster/reviews/open", data={"csrf_token": token, "certificate_id": world.certificate.id})
    assert resp.status_code == 302
    detail = member.get(resp.headers["Location"])
    assert detail.status_code == 200 and "待抽取评审组" in detail.get_data(as_text=True)
    assert "随机抽取评审专家" not in detail.get_data(as_text=True)  # the draw is the chair's
    assert member.post("/roster/reviews/open", data={"csrf_token": token, "certificate_id": 999999}).status_code == 404


def test_approval_through_the_pages_makes_the_certificate_valid_on_the_verify_page(app, session, cipher, tmp_path):
    world = _world(session, cipher, tmp_path, assessed=True)
    application = _opened_and_drawn(app, session, cipher, world)
    assert application.status == ReviewStatus.PANEL_DRAWN
    _score_all(app, session, cipher, world, application)
    assert _decide(app, session, cipher, world, application, "approve").status_code == 302
    _fresh(session)
    cert = session.get(Certificate, world.certificate.id)
    assert cert.state == CertificateState.ISSUED
    verify = app.test_client().get(f"/verify/{cert.serial}?t={cert.token}")
    assert verify.status_code == 200 and "有效" in verify.get_data(as_text=True)
    chair, _token = _client(app, cipher, world.chair)
    html = chair.get(f"/roster/reviews/{application.id}").get_data(as_text=True)
    assert "已决定" in html and "综合评审意见一致。" in html and "85.00" in html


def test_a_rejected_certificate_never_becomes_public(app, session, cipher, tmp_path):
    world = _world(session, cipher, tmp_path)
    application = _opened_and_drawn(app, session, cipher, world)
    _score_all(app, session, cipher, world, application, score="40")
    assert _decide(app, session, cipher, world, application, "reject").status_code == 302
    _fresh(session)
    cert = session.get(Certificate, world.certificate.id)
    assert cert.state == CertificateState.REJECTED
    assert app.test_client().get(f"/verify/{cert.serial}?t={cert.token}").status_code == 404


def test_the_application_page_shows_the_practical_scores_and_theory(app, session, cipher, tmp_path):
    world = _world(session, cipher, tmp_path, assessed=True)
    application = _opened_and_drawn(app, session, cipher, world)
    member, _token = _client(app, cipher, world.member)
    html = member.get(f"/roster/reviews/{application.id}").get_data(as_text=True)
    assert "吊索夹角不小于60°" in html and "两道斜撑固定后方可摘钩" in html and "未违反" in html
    assert "理论成绩" in html and "100" in html and "90.00" in html


def test_a_bad_score_re_renders_the_form_with_a_message_naming_the_field(app, session, cipher, tmp_path):
    world = _world(session, cipher, tmp_path)
    application = _opened_and_drawn(app, session, cipher, world)
    reviewer = world.expert_user(session, reviews.panel_expert_ids(session, application)[0])
    client, token = _client(app, cipher, reviewer)
    resp = client.post(f"/roster/reviews/{application.id}/score",
                       data={"csrf_token": token, "score": "120", "comment": "很好"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "评分：请填写 0–100 的整数。" in html and "很好" in html  # the comment is kept
    resp = client.post(f"/roster/reviews/{application.id}/score", data={"csrf_token": token, "score": "80"})
    assert resp.status_code == 422 and "评审意见：" in resp.get_data(as_text=True)
    assert reviews.scores_of(session, application.id) == []


def test_scoring_twice_is_a_conflict(app, session, cipher, tmp_path):
    world = _world(session, cipher, tmp_path)
    application = _opened_and_drawn(app, session, cipher, world)
    reviewer = world.expert_user(session, reviews.panel_expert_ids(session, application)[0])
    client, token = _client(app, cipher, reviewer)
    data = {"csrf_token": token, "score": "80", "comment": "良好。"}
    assert client.post(f"/roster/reviews/{application.id}/score", data=data).status_code == 302
    assert client.post(f"/roster/reviews/{application.id}/score", data=data | {"score": "99"}).status_code == 409
    _fresh(session)
    assert [s.score for s in reviews.scores_of(session, application.id)] == [80]


def test_only_panel_members_and_the_committee_see_an_application(app, session, cipher, tmp_path):
    _org, hr = enterprise_hr(session, cipher)
    world = _world(session, cipher, tmp_path)
    application = _opened_and_drawn(app, session, cipher, world)
    members = reviews.panel_expert_ids(session, application)
    seated, token = _client(app, cipher, world.expert_user(session, members[0]))
    queue = seated.get("/roster/reviews")
    assert queue.status_code == 200 and f"/roster/reviews/{application.id}" in queue.get_data(as_text=True)
    page = seated.get(f"/roster/reviews/{application.id}")
    assert page.status_code == 200 and "提交评分" in page.get_data(as_text=True)
    assert "主任委员决定" not in page.get_data(as_text=True)

    outsider_id = next(e.id for e in world.experts if e.id not in members)
    outsider, token = _client(app, cipher, world.expert_user(session, outsider_id))
    assert f"/roster/reviews/{application.id}" not in outsider.get("/roster/reviews").get_data(as_text=True)
    assert outsider.get(f"/roster/reviews/{application.id}").status_code == 404
    resp = outsider.post(f"/roster/reviews/{application.id}/score",
                         data={"csrf_token": token, "score": "90", "comment": "很好。"})
    assert resp.status_code == 404

    stranger, _token = _client(app, cipher, hr)
    assert stranger.get("/roster/reviews").status_code == 403
    assert stranger.get(f"/roster/reviews/{application.id}").status_code == 404
    assert app.test_client().get("/roster/reviews").status_code == 302  # to the login page


def test_scores_stay_hidden_from_other_reviewers_until_the_decision(app, session, cipher, tmp_path):
    world = _world(session, cipher, tmp_path)
    application = _opened_and_drawn(app, session, cipher, world)
    first, second, _third = reviews.panel_expert_ids(session, application)
    client, token = _client(app, cipher, world.expert_user(session, first))
    client.post(f"/roster/reviews/{application.id}/score",
                data={"csrf_token": token, "score": "77", "comment": "独立意见甲。"})
    other, _token = _client(app, cipher, world.expert_user(session, second))
    assert "独立意见甲。" not in other.get(f"/roster/reviews/{application.id}").get_data(as_text=True)
    chair, _token = _client(app, cipher, world.chair)
    html = chair.get(f"/roster/reviews/{application.id}").get_data(as_text=True)
    assert "独立意见甲。" in html and "77.00" in html  # the chair sees scores, mean and median


def test_the_decision_is_the_chairs_and_waits_for_every_score(app, session, cipher, tmp_path):
    world = _world(session, cipher, tmp_path)
    application = _opened_and_drawn(app, session, cipher, world)
    member, token = _client(app, cipher, world.member)
    data = {"csrf_token": token, "decision": "approve", "note": "通过。"}
    assert member.post(f"/roster/reviews/{application.id}/decision", data=data).status_code == 403
    resp = _decide(app, session, cipher, world, application, "approve")
    assert resp.status_code == 422 and "位评审专家未提交评分" in resp.get_data(as_text=True)
    _score_all(app, session, cipher, world, application)
    chair, token = _client(app, cipher, world.chair)
    first = reviews.panel_expert_ids(session, application)[0]
    resp = chair.post(f"/roster/reviews/{application.id}/decision",
                      data={"csrf_token": token, "decision": "approve", "note": "通过。", f"rating_{first}": "abc"})
    assert resp.status_code == 422
    name = world.expert_user(session, first).name
    assert f"{name} 的履职评价：请填写 0–100 的整数。" in resp.get_data(as_text=True)
    resp = chair.post(f"/roster/reviews/{application.id}/decision", data={"csrf_token": token, "note": "通过。"})
    assert resp.status_code == 422 and "评审决定：请选择通过或不通过。" in resp.get_data(as_text=True)
    _fresh(session)
    assert session.get(Certificate, world.certificate.id).state == CertificateState.PENDING_APPROVAL


def test_the_chair_replaces_a_member_with_a_reason(app, session, cipher, tmp_path):
    world = _world(session, cipher, tmp_path)
    application = _opened_and_drawn(app, session, cipher, world)
    leaving = reviews.panel_expert_ids(session, application)[1]
    chair, token = _client(app, cipher, world.chair)
    resp = chair.post(f"/roster/reviews/{application.id}/replacement",
                      data={"csrf_token": token, "expert_id": leaving, "reason": ""})
    assert resp.status_code == 422 and "更换原因" in resp.get_data(as_text=True)
    resp = chair.post(f"/roster/reviews/{application.id}/replacement",
                      data={"csrf_token": token, "expert_id": leaving, "reason": "与申请人系师徒关系"})
    assert resp.status_code == 302
    html = chair.get(f"/roster/reviews/{application.id}").get_data(as_text=True)
    assert f"{world.expert_user(session, leaving).name} →" in html and "与申请人系师徒关系" in html
    _fresh(session)
    assert leaving not in reviews.panel_expert_ids(session, session.get(ReviewApplication, application.id))
    gone, _token = _client(app, cipher, world.expert_user(session, leaving))
    assert gone.get(f"/roster/reviews/{application.id}").status_code == 404


def test_the_roster_page_links_to_the_reviews_for_the_committee_only(app, session, cipher, tmp_path):
    _org, hr = enterprise_hr(session, cipher)
    world = _world(session, cipher, tmp_path)
    member, _token = _client(app, cipher, world.member)
    assert 'href="/roster/reviews"' in member.get("/roster").get_data(as_text=True)
    stranger, _token = _client(app, cipher, hr)
    page = stranger.get("/roster")
    assert page.status_code == 200 and 'href="/roster/reviews"' not in page.get_data(as_text=True)
