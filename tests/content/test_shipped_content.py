"""The three shipped courses: size, shape, and every key checked against the fact sheet.

Rules (docs/CONTENT_FORMAT.md): keys rest on facts marked H; a question tagged with an M fact names the
standard edition; L facts are never keys; numbers in a key appear in a tagged fact's text.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest

from lms.content import load_all, load_course

REPO = Path(__file__).resolve().parents[2]
COURSES = {"hoisting", "grouting", "assembly"}
NUMBER = re.compile(r"\d+(?:\.\d+)?")


class _Courses(dict):
    """Loads a course on first use, so one broken course does not hide the others' results."""

    def __missing__(self, slug):
        self[slug] = load_course(REPO / "content" / slug)
        return self[slug]


@pytest.fixture(scope="module")
def courses():
    return _Courses()


@pytest.fixture(scope="module")
def facts() -> dict[str, tuple[str, str]]:
    """Fact id -> (text, confidence) from the shared fact sheet."""
    shared = Path(os.environ.get("PREFABSKILLS_SHARED", REPO.parent / "shared"))
    sheet = shared / "domain" / "facts.md"
    if not sheet.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"fact sheet missing at {sheet}")
        pytest.skip(f"fact sheet not found at {sheet}")
    table = {}
    for line in sheet.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and re.fullmatch(r"[HGA]\d+", cells[0]):
            table[cells[0]] = (cells[1], cells[-1])
    assert len(table) > 140
    return table


def test_three_courses_ship_and_load_together():
    assert {c.slug for c in load_all(REPO / "content")} == COURSES


@pytest.mark.parametrize("slug", sorted(COURSES))
def test_each_course_has_eight_lessons_five_diagrams_and_150_questions(courses, slug):
    course = courses[slug]
    assert len(course.lessons) >= 8
    assert len(course.media) >= 5
    assert len(course.questions) >= 150
    kinds = Counter(q.kind for q in course.questions)
    assert {"single", "multiple", "truefalse"} <= set(kinds)
    assert sum(q.is_scenario for q in course.questions) >= 15


@pytest.mark.parametrize("slug", sorted(COURSES))
def test_every_lesson_reads_in_five_to_ten_minutes_and_names_its_clauses(courses, slug):
    for lesson in courses[slug].lessons:
        assert 5 <= lesson.minutes <= 10, lesson.slug
        assert ":::clause" in lesson.body_md, f"{lesson.slug} has no clause box"
        assert 600 <= len(lesson.body_md) <= 6000, f"{lesson.slug}: {len(lesson.body_md)} characters"


@pytest.mark.parametrize("slug", sorted(COURSES))
def test_keys_rest_on_h_facts_or_name_the_edition(courses, facts, slug):
    problems = []
    for q in courses[slug].questions:
        confidences = []
        for fact_id in q.facts:
            if fact_id not in facts:
                problems.append(f"{q.key}: unknown fact {fact_id}")
                continue
            confidences.append(facts[fact_id][1])
        if "L" in confidences:
            problems.append(f"{q.key}: rests on an L fact")
        if "M" in confidences and not q.edition:
            problems.append(f"{q.key}: rests on an M fact without naming the edition")
    assert not problems, "\n".join(problems)


def _key_numbers(q) -> list[str]:
    spec = q.spec
    if q.kind == "numeric":
        return [str(spec["answer"]["value"])]
    if q.kind in ("single", "multiple"):
        keys = [spec["answer"]] if q.kind == "single" else spec["answer"]
        return [n for k in keys for n in NUMBER.findall(spec["options"][k])]
    if q.kind == "truefalse" and spec["answer"] is True:
        return NUMBER.findall(spec["stem"])
    return []


def _same_number(a: str, b: str) -> bool:
    return float(a) == float(b)


@pytest.mark.parametrize("slug", sorted(COURSES))
def test_numeric_keys_match_their_tagged_facts(courses, facts, slug):
    problems = []
    for q in courses[slug].questions:
        fact_numbers = [n for f in q.facts if f in facts for n in NUMBER.findall(facts[f][0])]
        for number in _key_numbers(q):
            if not any(_same_number(number, n) for n in fact_numbers):
                problems.append(f"{q.key}: key number {number} is not in facts {q.facts}")
    assert not problems, "\n".join(problems)
