"""Content sync: idempotent, versioned, and all-or-nothing on a broken file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.content import ContentError, load_all
from lms.models import Lesson, LessonVersion, Media, Question, QuestionVersion
from lms.sync import sync_courses
from tests.factories import NOW

SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>t</title></svg>'
LESSON = """---
title: 吊索夹角
minutes: 6
facts: [H1]
topic: angles
---
夹角越小，拉力越大。

![夹角](media/angle.svg)

:::redline 安全红线
- 不得小于 45°。
:::
"""
QUESTIONS = """topic: angles
lesson: 01-angles
questions:
  - id: ang-001
    kind: single
    difficulty: 1
    facts: [H1]
    stem: 吊索与构件水平夹角不应小于多少？
    options: {A: 30°, B: 45°, C: 60°}
    answer: B
    explanation: 规范要求不应小于 45°。
    clause: GB/T 51231-2016 §10.3
"""


def write_course(root: Path, slug: str = "demo") -> Path:
    course = root / slug
    (course / "lessons").mkdir(parents=True)
    (course / "questions").mkdir()
    (course / "media").mkdir()
    (course / "course.yaml").write_text(f"slug: {slug}\ntitle: 演示课程\nhours: 2\n", encoding="utf-8")
    (course / "lessons" / "01-angles.md").write_text(LESSON, encoding="utf-8")
    (course / "questions" / "angles.yaml").write_text(QUESTIONS, encoding="utf-8")
    (course / "media" / "angle.svg").write_text(SVG, encoding="utf-8")
    return course


def sync(session, root):
    report = sync_courses(session, load_all(root), now=NOW, media_url=lambda s, n: f"/media/{s}/{n}")
    session.commit()
    return report


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_first_sync_writes_versions_and_renders_boxes_and_figures(session, tmp_path):
    write_course(tmp_path)
    report = sync(session, tmp_path)
    assert (report.new_lesson_versions, report.new_question_versions, report.media_written) == (1, 1, 1)
    html = session.scalars(select(LessonVersion.body_html)).one()
    assert 'class="box box-redline"' in html and 'src="/media/demo/angle.svg"' in html


def test_running_sync_twice_changes_nothing(session, tmp_path):
    write_course(tmp_path)
    sync(session, tmp_path)
    again = sync(session, tmp_path)
    assert not again.changed
    assert count(session, LessonVersion) == 1 and count(session, QuestionVersion) == 1 and count(session, Media) == 1


def test_an_edited_question_gets_a_new_version_and_keeps_the_old(session, tmp_path):
    course = write_course(tmp_path)
    sync(session, tmp_path)
    path = course / "questions" / "angles.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("不应小于多少", "最低不得小于多少"), encoding="utf-8")
    report = sync(session, tmp_path)
    assert report.new_question_versions == 1 and report.new_lesson_versions == 0
    versions = session.scalars(select(QuestionVersion).order_by(QuestionVersion.version)).all()
    assert [v.version for v in versions] == [1, 2]
    assert session.scalars(select(Question)).one().current_version_id == versions[1].id


def test_a_removed_lesson_is_retired_not_deleted(session, tmp_path):
    course = write_course(tmp_path)
    (course / "lessons" / "02-more.md").write_text(LESSON.replace("吊索夹角", "更多"), encoding="utf-8")
    sync(session, tmp_path)
    (course / "lessons" / "02-more.md").unlink()
    sync(session, tmp_path)
    retired = session.scalars(select(Lesson).where(Lesson.slug == "02-more")).one()
    assert retired.is_retired and retired.current_version_id is not None


@pytest.mark.parametrize("mutate,where,reason", [
    (lambda c: (c / "questions" / "angles.yaml").write_text(QUESTIONS.replace("answer: B", "answer: Z"),
                                                            encoding="utf-8"), "angles.yaml:4", "answer"),
    (lambda c: (c / "questions" / "angles.yaml").write_text(QUESTIONS.replace("options: {", "options: {{"),
                                                            encoding="utf-8"), "angles.yaml", "YAML"),
    (lambda c: (c / "media" / "angle.svg").unlink(), "01-angles.md:9", "media/angle.svg"),
    (lambda c: (c / "lessons" / "01-angles.md").write_text(LESSON.replace(":::redline", ":::tip"),
                                                           encoding="utf-8"), "01-angles.md", "redline"),
    (lambda c: (c / "questions" / "angles.yaml").write_text(QUESTIONS.replace("    clause: GB/T 51231-2016 §10.3\n",
                                                                              ""), encoding="utf-8"),
     "angles.yaml:4", "clause"),
])
def test_a_broken_file_names_file_line_and_reason(tmp_path, mutate, where, reason):
    course = write_course(tmp_path)
    mutate(course)
    with pytest.raises(ContentError) as exc:
        load_all(tmp_path)
    assert where in str(exc.value) and reason in str(exc.value)


def test_a_broken_course_stops_the_whole_sync_and_writes_nothing(app, session, tmp_path):
    write_course(tmp_path, "good")
    broken = write_course(tmp_path, "zbroken")
    (broken / "course.yaml").write_text("slug: other\ntitle: x\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["content", "sync", "--root", str(tmp_path)])
    assert result.exit_code == 1
    assert "nothing written" in result.output and "course.yaml" in result.output
    assert count(session, LessonVersion) == 0


def test_cli_sync_is_idempotent(app, session, tmp_path):
    write_course(tmp_path)
    runner = app.test_cli_runner()
    assert "new lesson versions 1" in runner.invoke(args=["content", "sync", "--root", str(tmp_path)]).output
    assert "new lesson versions 0" in runner.invoke(args=["content", "sync", "--root", str(tmp_path)]).output
