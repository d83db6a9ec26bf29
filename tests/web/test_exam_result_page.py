"""The candidate's result page, when the exam's review policy shows the answers: answers read as Chinese text
(option letters with their wording, 正确/错误, a number with its unit), never as Python values."""

from __future__ import annotations

from datetime import timedelta

from exams.attempts import save_answer, start_attempt, submit_attempt
from exams.models import Paper, SubmittedBy
from lms.models import QuestionVersion
from tests.conftest import login_as
from tests.exams.world import build_world
from tests.factories import NOW

NUMERIC = {"kind": "numeric", "stem": "钢丝绳直径减小百分之多少及以上应报废？",
           "answer": {"value": "7", "tolerance": "0", "unit": "%"}, "explanation": "因为。"}


def test_the_reviewed_answers_read_as_text_not_as_python_values(client, session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path)
    world.exam.review_policy = "score_and_answers"
    candidate = world.candidates[0]
    attempt = start_attempt(session, exam_session=world.exam_session, candidate=candidate, device_id="d",
                            now=NOW + timedelta(minutes=1)).attempt
    versions = [session.get(QuestionVersion, item["q"]) for item in session.get(Paper, attempt.paper_id).items]
    by_kind = {v.kind: v for v in versions}
    numeric = next(v for v in versions if v.kind == "single" and v is not by_kind["single"])
    numeric.kind, numeric.spec = "numeric", NUMERIC  # one question of the paper asks for a number
    responses = {by_kind["single"].id: "B", by_kind["multiple"].id: ["A", "C"], by_kind["truefalse"].id: True,
                 numeric.id: "7"}
    for seq, (version_id, response) in enumerate(responses.items(), start=1):
        save_answer(session, attempt_id=attempt.id, candidate=candidate, question_version_id=version_id,
                    response=response, seq=seq, device_id="d", now=NOW + timedelta(minutes=2), grace_s=60)
    submit_attempt(session, attempt_id=attempt.id, by=SubmittedBy.CANDIDATE, now=NOW + timedelta(minutes=3))
    session.commit()

    login_as(client, cipher, candidate)
    page = client.get(f"/exams/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "你的答案：B. 乙 · 正确答案：B. 乙" in page
    assert "你的答案：A. 甲；C. 丙 · 正确答案：A. 甲；C. 丙" in page
    assert "你的答案：正确 · 正确答案：正确" in page
    assert "你的答案：7 % · 正确答案：7 %" in page
    assert "未作答" in page  # the questions left blank
    for python_value in ("True", "[&#39;A&#39;", "{&#39;value&#39;", "&#39;unit&#39;"):
        assert python_value not in page
