"""Builds a small exam world for tests: a course bank, an exam, a session, and registered candidates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from core.models import OrgKind, User
from exams.models import Exam, ExamSession
from exams.papers import create_exam, generate_papers
from exams.sessions import create_session, register
from lms.content import load_all
from lms.models import Course, Enrolment
from lms.sync import sync_courses
from tests.factories import NOW, make_org, make_worker

TOPICS = ("angles", "signals")


def write_bank(root: Path, per_topic: int = 6) -> None:
    course = root / "exambank"
    (course / "lessons").mkdir(parents=True)
    (course / "questions").mkdir()
    (course / "course.yaml").write_text("slug: exambank\ntitle: 考试题库课程\n", encoding="utf-8")
    for n, topic in enumerate(TOPICS, start=1):
        (course / "lessons" / f"0{n}-{topic}.md").write_text(
            f"---\ntitle: 第{n}课\nminutes: 5\ntopic: {topic}\n---\n正文。\n\n:::redline 红线\n- 注意\n:::\n",
            encoding="utf-8")
        lines = [f"topic: {topic}", f"lesson: 0{n}-{topic}", "questions:"]
        for i in range(per_topic):
            if i % 3 == 2:
                lines += [f"  - id: {topic}-{i}", "    kind: truefalse", "    facts: [H1]", f"    stem: 判断题{i}",
                          "    answer: true", "    explanation: 因为。", "    clause: 条款"]
            elif i % 3 == 1:
                lines += [f"  - id: {topic}-{i}", "    kind: multiple", "    facts: [H1]", f"    stem: 多选题{i}",
                          "    options: {A: 甲, B: 乙, C: 丙, D: 丁}", "    answer: [A, C]",
                          "    explanation: 因为。", "    clause: 条款"]
            else:
                lines += [f"  - id: {topic}-{i}", "    kind: single", "    facts: [H1]", f"    stem: 单选题{i}",
                          "    options: {A: 甲, B: 乙, C: 丙, D: 丁}", "    answer: B",
                          "    explanation: 因为。", "    clause: 条款"]
        (course / "questions" / f"{topic}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


@dataclass
class World:
    base: object
    course: Course
    exam: Exam
    exam_session: ExamSession
    candidates: list[User] = field(default_factory=list)


def complete_course(session, user: User, course: Course, now: datetime = NOW) -> None:
    """Mark the course complete the way the completion rule would (tests of exams, not of lms)."""
    session.add(Enrolment(user_id=user.id, course_id=course.id, enrolled_at=now, completed_at=now))
    session.flush()


def build_world(session, cipher, tmp_path: Path, *, candidates: int = 1, duration_s: int = 1800,
                starts_at: datetime = NOW, window_s: int = 3600, capacity: int = 100, papers: bool = True) -> World:
    write_bank(tmp_path)
    sync_courses(session, load_all(tmp_path), now=NOW - timedelta(days=30), media_url=lambda s, n: "")
    course = session.query(Course).filter_by(slug="exambank").one()
    base = make_org(session, kind=OrgKind.TRAINING_BASE)
    blueprint = [{"topic": "angles", "count": 4, "points": 10}, {"topic": "signals", "count": 6, "points": 10}]
    exam = create_exam(session, org_id=base.id, course_id=course.id, title="司索工理论考试", level="五级",
                       blueprint=blueprint, duration_s=duration_s, now=NOW - timedelta(days=20))
    exam_session = create_session(session, exam=exam, starts_at=starts_at,
                                  ends_at=starts_at + timedelta(seconds=window_s), capacity=capacity,
                                  now=NOW - timedelta(days=10), registration_closes_at=starts_at)
    world = World(base, course, exam, exam_session)
    for _ in range(candidates):
        user = make_worker(session, cipher)
        complete_course(session, user, course)
        register(session, exam_session_id=exam_session.id, candidate=user, now=starts_at - timedelta(days=1))
        world.candidates.append(user)
    if papers:
        generate_papers(session, exam_session=exam_session, now=starts_at - timedelta(minutes=30))
    session.commit()
    return world
