"""A small course for tests, written in the shipped content format (docs/CONTENT_FORMAT.md) and synced.

    course = build_course(session, tmp_path)   # course "demo": three lessons, one figure, three questions each
    session.commit()                           # the session fixture needs this before the app reads

Each lesson has a ``:::redline`` box and a ``:::clause`` box; lesson 1 shows ``media/sling-angle.svg``.
Every lesson's questions are one single choice, one multiple choice with partial scoring and one true/false;
``ANSWERS`` maps each stem to its key (``"B"``, ``["A", "C"]``, ``True``), which is also a correct response.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import yaml

from lms.content import load_all
from lms.models import Course, Lesson
from lms.queries import course_by_slug
from lms.sync import sync_courses
from tests.factories import NOW

SLUG = "demo"
TITLE = "演示课程：预制构件吊装"
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 60"><title>两肢吊索</title>'
       '<path d="M10 50 L60 10 L110 50" fill="none" stroke="#333" stroke-width="2"/></svg>\n')

# (file stem, title, body text that identifies the lesson on a page)
LESSONS = [
    ("01-sling-angles", "吊索夹角与受力", "夹角越小，每肢吊索的拉力越大。"),
    ("02-trial-lift", "试吊", "正式起吊前先把构件吊离地面 200～300 mm 停住检查。"),
    ("03-signals", "指挥信号", "一台起重机只听一名指挥人员的信号。"),
]


def _lesson_md(position: int, title: str, text: str) -> str:
    figure = "\n![两肢吊索与构件水平面的夹角](media/sling-angle.svg)\n" if position == 1 else ""
    return f"""---
title: {title}
minutes: {5 + position}
facts: [H{position}]
clauses: ["GB/T 51231-2016 §10.3"]
topic: topic-{position}
---

{text}

## 要点

- 按方案作业，先检查后起吊。
{figure}
:::redline 安全红线
- 第 {position} 课红线：吊索与构件水平夹角不得小于 45°。
:::

:::clause 依据
GB/T 51231-2016 §10.3
:::
"""


def _questions(position: int) -> list[dict]:
    base = {"difficulty": 1, "clause": f"GB/T 51231-2016 §10.{position}"}
    questions = [
        {**base, "id": f"l{position}-single", "kind": "single",
         "stem": f"第{position}课单选：吊索与构件水平面的夹角不应小于多少？",
         "options": {"A": "30°", "B": "45°", "C": "60°"}, "answer": "B",
         "explanation": f"第{position}课解析：规范规定不应小于 45°。"},
        {**base, "id": f"l{position}-multiple", "kind": "multiple", "scoring": "partial",
         "stem": f"第{position}课多选：起吊前应做哪些事？",
         "options": {"A": "检查吊具", "B": "站到构件下方", "C": "清理作业区"}, "answer": ["A", "C"],
         "explanation": f"第{position}课解析：人员不得站在构件下方。"},
        {**base, "id": f"l{position}-truefalse", "kind": "truefalse",
         "stem": f"第{position}课判断：风力六级及以上应停止吊装。", "answer": True,
         "explanation": f"第{position}课解析：大风天停止吊装。"},
    ]
    return [{**q, "facts": [f"H{position}"]} for q in questions]


ANSWERS: dict[str, object] = {q["stem"]: q["answer"]
                              for i, (stem, _t, _x) in enumerate(LESSONS, 1) for q in _questions(i)}


def write_course(root: Path, slug: str = SLUG) -> Path:
    """Write the course folder ``root/slug`` and return it."""
    folder = root / slug
    for sub in ("lessons", "questions", "media"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    meta = {"slug": slug, "title": TITLE, "summary": "三节短课，用于测试。", "occupation": "建筑起重信号司索工",
            "level": "五级/初级工", "hours": 2, "practice_pass_percent": 80}
    (folder / "course.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    (folder / "media" / "sling-angle.svg").write_text(SVG, encoding="utf-8")
    for position, (stem, title, text) in enumerate(LESSONS, 1):
        (folder / "lessons" / f"{stem}.md").write_text(_lesson_md(position, title, text), encoding="utf-8")
        doc = {"topic": f"topic-{position}", "lesson": stem, "questions": _questions(position)}
        (folder / "questions" / f"topic-{position}.yaml").write_text(
            yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def sync_folder(session, root: Path, *, now: datetime = NOW) -> None:
    sync_courses(session, load_all(root), now=now, media_url=lambda slug, name: f"/media/{slug}/{name}")


def build_course(session, tmp_path: Path, *, slug: str = SLUG, now: datetime = NOW) -> Course:
    """Write, load and sync the demo course under ``tmp_path/content``; the caller commits."""
    root = tmp_path / "content"
    write_course(root, slug)
    sync_folder(session, root, now=now)
    return course_by_slug(session, slug)


def lesson(course: Course, n: int) -> Lesson:
    """The n-th lesson (1-based)."""
    return course.lessons[n - 1]
