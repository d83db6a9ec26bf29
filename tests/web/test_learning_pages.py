"""Learning pages over HTTP: catalogue, course, lesson, completion, practice, my courses, page weight."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from lms import queries
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_worker
from tests.lms.content_factory import ANSWERS, SLUG, TITLE, build_course, lesson

COURSE = f"/courses/{SLUG}"
LESSON1 = f"{COURSE}/lessons/01-sling-angles"
LESSON2 = f"{COURSE}/lessons/02-trial-lift"
LESSON3 = f"{COURSE}/lessons/03-signals"



@pytest.fixture
def course(session, tmp_path):
    course = build_course(session, tmp_path)
    session.commit()
    return course


@pytest.fixture
def worker(session, cipher):
    user = make_worker(session, cipher, phone_number="13812340001")
    session.commit()
    return user


@pytest.fixture
def logged_in(client, worker):
    page = client.get("/login")
    client.post("/login", data={"csrf_token": csrf_token(page.get_data(as_text=True)), "phone": "13812340001",
                                "password": PASSWORD})
    return client


def _html(resp) -> str:
    return resp.get_data(as_text=True)


def _progress(session, worker, course):
    session.rollback()  # a fresh snapshot: the app wrote in its own transaction
    return queries.progress(session, user_id=worker.id, course=course)


def test_catalogue_lists_the_course_with_hours_and_lesson_count(client, course):
    html = _html(client.get("/courses"))
    assert TITLE in html and "2 学时" in html and "3 课" in html
    assert 'class="bar"' not in html  # no progress bar when not enrolled


def test_catalogue_shows_a_progress_bar_once_enrolled(logged_in, course):
    logged_in.get(LESSON1)
    html = _html(logged_in.get("/courses"))
    assert '<progress class="bar" max="3" value="0"' in html


def test_course_page_shows_the_outline_and_asks_to_log_in_before_enrolling(client, course):
    html = _html(client.get(COURSE))
    assert "吊索夹角与受力" in html and "试吊" in html and "指挥信号" in html and "6 分钟" in html
    assert "登录后报名学习" in html and 'id="offline-save"' not in html


def test_enrolling_through_the_form_shows_progress_and_continue(logged_in, course):
    html = _html(logged_in.get(COURSE))
    assert "报名学习" in html and "保存到手机离线阅读" in html
    assert 'id="offline-save" hidden' in html  # shown by lms.js only where a service worker can save it
    resp = logged_in.post(f"{COURSE}/enrolment", data={"csrf_token": csrf_token(html)})
    assert resp.status_code == 302
    html = _html(logged_in.get(COURSE))
    assert "完成 0/3 课，练习平均分 0%" in html and "练习平均 ≥ 80%" in html
    assert f'href="{LESSON1}">继续学习' in html


def test_enrolling_without_a_csrf_token_is_refused(logged_in, course):
    assert logged_in.post(f"{COURSE}/enrolment").status_code == 400


def test_continue_leads_to_the_last_lesson_opened(logged_in, course):
    logged_in.get(LESSON2)
    assert f'href="{LESSON2}">继续学习' in _html(logged_in.get(COURSE))


def test_lesson_page_has_the_redline_box_the_figure_and_neighbours(logged_in, course):
    html = _html(logged_in.get(LESSON1))
    assert '<aside class="box box-redline" role="note">' in html and "第 1 课红线" in html
    assert f'<img src="/media/{SLUG}/sling-angle.svg"' in html and "<figcaption>" in html
    assert f'rel="next" href="{LESSON2}"' in html and 'rel="prev"' not in html
    middle = _html(logged_in.get(LESSON2))
    assert f'rel="prev" href="{LESSON1}"' in middle and f'rel="next" href="{LESSON3}"' in middle
    assert 'rel="next"' not in _html(logged_in.get(LESSON3))


def test_lesson_page_links_the_practice_and_carries_the_csrf_meta(logged_in, course):
    html = _html(logged_in.get(LESSON1))
    assert f'href="{LESSON1}/practice"' in html
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', html)
    assert '<script src="/static/lms.js" defer>' in html


def test_marking_a_lesson_read_through_the_form(logged_in, course, session, worker):
    html = _html(logged_in.get(LESSON1))
    resp = logged_in.post(f"{LESSON1}/completion", data={"csrf_token": csrf_token(html)})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(LESSON1)
    page = _html(logged_in.get(LESSON1))
    assert "已标记为学完" in page and 'id="complete-form"' not in page
    assert _progress(session, worker, course).completed_lessons == 1
    outline = _html(logged_in.get(COURSE))
    assert "完成 1/3 课" in outline and "（已学完）" in outline


def test_continue_skips_a_lesson_already_read(logged_in, course):
    html = _html(logged_in.get(LESSON1))
    logged_in.post(f"{LESSON1}/completion", data={"csrf_token": csrf_token(html)})
    assert f'href="{LESSON2}">继续学习' in _html(logged_in.get(COURSE))


def test_a_saved_offline_copy_is_not_a_visit(logged_in, course, session, worker):
    logged_in.get(LESSON1)
    logged_in.get(f"{LESSON3}?offline=1")
    session.rollback()
    assert queries.enrolment_of(session, worker.id, course.id).last_lesson_id == lesson(course, 1).id


def _answer(html: str, *, right: bool) -> dict:
    """Form data for the quiz on ``html``: every question answered right, or every one wrong."""
    data = {"csrf_token": csrf_token(html), "q": []}
    blocks = re.findall(r'name="q" value="(\d+)"><input type="hidden" name="k\d+" value="(\w+)">', html)
    stems = re.findall(r'<span class="q-stem">([^<]+)</span>', html)
    for (qid, kind), stem in zip(blocks, stems, strict=True):
        data["q"].append(qid)
        data[f"k{qid}"] = kind
        key = ANSWERS[stem]
        if kind == "truefalse":
            data[f"q{qid}"] = ("true" if key else "false") if right else ("false" if key else "true")
        else:
            data[f"q{qid}"] = key if right else "B" if kind == "multiple" else "A"
    return data


def test_practice_feedback_shows_the_key_the_explanation_the_clause_and_progress(logged_in, course):
    quiz = _html(logged_in.get(f"{LESSON1}/practice"))
    assert quiz.count('class="card q"') == 3 and 'type="checkbox"' in quiz and 'value="true"' in quiz
    resp = logged_in.post(f"{LESSON1}/practice", data=_answer(quiz, right=False))
    html = _html(resp)
    assert resp.status_code == 200 and "本次得分 <strong>0</strong>" in html
    assert html.count("✗ 回答错误") == 3
    assert "第1课解析：规范规定不应小于 45°。" in html and "GB/T 51231-2016 §10.1" in html
    assert "B. 45°" in html and "A. 检查吊具；C. 清理作业区" in html
    assert "完成 0/3 课，练习平均分 0%" in html


def test_a_right_practice_raises_the_course_average(logged_in, course):
    quiz = _html(logged_in.get(f"{LESSON1}/practice"))
    html = _html(logged_in.post(f"{LESSON1}/practice", data=_answer(quiz, right=True)))
    assert html.count("✓ 回答正确") == 3 and "本次得分 <strong>100</strong>" in html
    assert "练习平均分 33.33%" in html


def test_partial_credit_is_shown(logged_in, course):
    quiz = _html(logged_in.get(f"{LESSON1}/practice"))
    data = _answer(quiz, right=True)
    multiple = next(q for q in data["q"] if data[f"k{q}"] == "multiple")
    data[f"q{multiple}"] = ["A"]
    assert "部分正确，得 50%" in _html(logged_in.post(f"{LESSON1}/practice", data=data))


def test_a_malformed_practice_answer_shows_the_message_and_the_quiz_again(logged_in, course):
    quiz = _html(logged_in.get(f"{LESSON1}/practice"))
    data = _answer(quiz, right=True)
    single = next(q for q in data["q"] if data[f"k{q}"] == "single")
    data[f"q{single}"] = "Z"
    resp = logged_in.post(f"{LESSON1}/practice", data=data)
    assert resp.status_code == 422 and "flash-error" in _html(resp) and 'class="quiz"' in _html(resp)


def test_practice_questions_of_another_lesson_are_refused(logged_in, course):
    other = _html(logged_in.get(f"{LESSON2}/practice"))
    resp = logged_in.post(f"{LESSON1}/practice", data=_answer(other, right=True))
    assert resp.status_code == 422 and "题目不属于本节练习" in _html(resp)


def test_my_courses_lists_enrolments_with_progress(logged_in, course):
    assert "还没有报名课程" in _html(logged_in.get("/me/courses"))
    logged_in.get(LESSON1)
    html = _html(logged_in.get("/me/courses"))
    assert TITLE in html and "完成 0/3 课" in html


@pytest.mark.parametrize("path", [f"{COURSE}/lessons/99-nothing", f"{COURSE}/lessons/99-nothing/practice",
                                  "/courses/no-such-course"])
def test_unknown_course_or_lesson_is_404(logged_in, course, path):
    resp = logged_in.get(path)
    assert resp.status_code == 404 and "找不到页面" in _html(resp)


@pytest.mark.parametrize("path", [LESSON1, f"{LESSON1}/practice", "/me/courses"])
def test_reading_and_practising_need_a_login(client, course, path):
    resp = client.get(path)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_marking_read_needs_a_login(client, course):
    token = csrf_token(_html(client.get("/login")))
    resp = client.post(f"{LESSON1}/completion", data={"csrf_token": token})
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "stylesheet" or tag == "script" and attrs.get("src"):
            self.urls.append(attrs.get("href") or attrs.get("src"))
        elif tag in {"img", "iframe", "link", "source"}:
            src = attrs.get("src") or attrs.get("href") or ""
            assert not urlsplit(src).netloc, f"third-party resource {src}"


def test_a_lesson_page_with_its_css_and_js_stays_under_100_kb(logged_in, course):
    """DESIGN §8: a lesson page (HTML + CSS + JS, images aside) ≤ 100 KB, nothing from another site."""
    page = logged_in.get(LESSON1)
    parser = _Assets()
    parser.feed(_html(page))
    assert parser.urls, "the page should load its stylesheet and scripts"
    total = len(page.data)
    for url in parser.urls:
        assert not urlsplit(url).netloc, f"third-party resource {url}"
        asset = logged_in.get(url)
        assert asset.status_code == 200
        total += len(asset.data)
    assert total <= 100 * 1024, f"lesson page weighs {total} bytes"


@pytest.mark.parametrize("path", ["/courses", COURSE, LESSON1, f"{LESSON1}/practice", "/me/courses"])
def test_learning_pages_render_in_english_too(logged_in, course, path):
    logged_in.get("/lang/en")
    assert logged_in.get(path).status_code == 200
