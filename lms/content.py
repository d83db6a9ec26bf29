"""Read course material from ``content/<slug>/`` into plain values, or fail with file, line and reason.

Nothing here touches the database: ``lms.sync`` writes what this returns, so a broken file stops a sync
before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from lms.markdown import media_refs
from lms.questions.spec import QuestionInvalid
from lms.questions.spec_dict import spec_from_dict, spec_to_dict

LESSON_NAME = re.compile(r"^(\d{2})-([a-z0-9-]+)\.md$")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
MAX_FILE_BYTES = 512 * 1024
# Bump when lms.markdown renders differently, so the next sync writes new lesson versions.
RENDER_VERSION = 3


class ContentError(Exception):
    def __init__(self, path: Path | str, line: int | None, reason: str) -> None:
        super().__init__(f"{path}:{line or 1}: {reason}")
        self.path = str(path)
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class ParsedLesson:
    slug: str
    position: int
    title: str
    title_en: str
    minutes: int
    topic: str
    facts: list[str]
    clauses: list[str]
    body_md: str
    content_hash: str


@dataclass(frozen=True)
class ParsedQuestion:
    key: str
    topic: str
    lesson_slug: str
    kind: str
    difficulty: int
    spec: dict
    facts: list[str]
    clause: str
    edition: str
    is_scenario: bool
    content_hash: str
    line: int


@dataclass(frozen=True)
class ParsedMedia:
    name: str
    data: bytes
    content_hash: str


@dataclass(frozen=True)
class ParsedCourse:
    slug: str
    meta: dict
    lessons: list[ParsedLesson]
    questions: list[ParsedQuestion]
    media: list[ParsedMedia] = field(default_factory=list)
    content_hash: str = ""


class _LineLoader(yaml.SafeLoader):
    """Safe YAML that remembers the line of every mapping as ``__line__``."""


def _construct_mapping(loader, node, deep=False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _read_text(path: Path) -> str:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ContentError(path, None, "文件超过 512 KB")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(path, None, f"不是 UTF-8 编码：{exc.reason}") from None


def _yaml(path: Path, text: str, line_offset: int = 0):
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + line_offset) if mark else None
        raise ContentError(path, line, f"YAML 格式错误：{exc.problem or exc}") from None


def _strip_lines(value):
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _require(path: Path, data: dict, name: str, kind: type, line: int | None = None):
    value = data.get(name)
    if value is None or value == "":
        raise ContentError(path, line or data.get("__line__"), f"缺少字段 {name}")
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ContentError(path, line or data.get("__line__"), f"字段 {name} 的类型不对")
    return value


def load_course(folder: Path) -> ParsedCourse:
    meta_path = folder / "course.yaml"
    if not meta_path.exists():
        raise ContentError(meta_path, None, "缺少 course.yaml")
    meta = _yaml(meta_path, _read_text(meta_path))
    if not isinstance(meta, dict):
        raise ContentError(meta_path, 1, "course.yaml 应为键值映射")
    slug = _require(meta_path, meta, "slug", str)
    if slug != folder.name:
        raise ContentError(meta_path, meta["__line__"], f"slug “{slug}” 与目录名 “{folder.name}” 不一致")
    for name in ("title",):
        _require(meta_path, meta, name, str)
    media = _load_media(folder / "media")
    lessons = _load_lessons(folder / "lessons", {m.name for m in media})
    questions = _load_questions(folder / "questions", {lesson.slug for lesson in lessons})
    meta = _strip_lines(meta)
    course_hash = _digest([meta, [ls.content_hash for ls in lessons], [q.content_hash for q in questions],
                           [m.content_hash for m in media]])
    return ParsedCourse(slug, meta, lessons, questions, media, course_hash)


def _load_media(folder: Path) -> list[ParsedMedia]:
    out = []
    for path in sorted(folder.glob("*")) if folder.exists() else []:
        if path.suffix != ".svg":
            raise ContentError(path, None, "media 目录只放 SVG 文件")
        data = path.read_bytes()
        if len(data) > 64 * 1024:
            raise ContentError(path, None, "SVG 超过 64 KB")
        if b"<script" in data.lower() or b"xlink:href=\"http" in data or b"href=\"http" in data:
            raise ContentError(path, None, "SVG 不能包含脚本或外部引用")
        out.append(ParsedMedia(path.name, data, hashlib.sha256(data).hexdigest()))
    return out


def _front_matter(path: Path, text: str) -> tuple[dict, str, int]:
    if not text.startswith("---\n"):
        raise ContentError(path, 1, "课文应以 YAML 头（---）开始")
    end = text.find("\n---\n", 4)
    if end < 0:
        raise ContentError(path, 1, "YAML 头没有以 --- 结束")
    head = _yaml(path, text[4:end], line_offset=1)
    if not isinstance(head, dict):
        raise ContentError(path, 2, "YAML 头应为键值映射")
    return head, text[end + 5:], text[:end].count("\n") + 3


def _load_lessons(folder: Path, media_names: set[str]) -> list[ParsedLesson]:
    lessons = []
    for path in sorted(folder.glob("*.md")) if folder.exists() else []:
        match = LESSON_NAME.match(path.name)
        if not match:
            raise ContentError(path, None, "课文文件名应为 NN-slug.md（两位序号、小写字母和连字符）")
        head, body, body_line = _front_matter(path, _read_text(path))
        title = _require(path, head, "title", str)
        minutes = _require(path, head, "minutes", int)
        if not 1 <= minutes <= 30:
            raise ContentError(path, head["__line__"], "minutes 应在 1–30 之间")
        for ref in media_refs(body):
            if ref not in media_names:
                line = body_line + body[: body.find(f"media/{ref}")].count("\n")
                raise ContentError(path, line, f"引用的图片 media/{ref} 不存在")
        if ":::redline" not in body:
            raise ContentError(path, body_line, "每篇课文都要有 :::redline 安全红线 框")
        head = _strip_lines(head)
        slug = path.stem
        lessons.append(ParsedLesson(
            slug=slug, position=int(match.group(1)), title=title, title_en=str(head.get("title_en", "")),
            minutes=minutes, topic=str(head.get("topic", "")), facts=list(head.get("facts", [])),
            clauses=[str(c) for c in head.get("clauses", [])], body_md=body,
            content_hash=_digest([head, body, RENDER_VERSION])))
    if not lessons:
        raise ContentError(folder, None, "课程没有课文")
    return lessons


def _load_questions(folder: Path, lesson_slugs: set[str]) -> list[ParsedQuestion]:
    out: list[ParsedQuestion] = []
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")) if folder.exists() else []:
        doc = _yaml(path, _read_text(path))
        if not isinstance(doc, dict) or not isinstance(doc.get("questions"), list):
            raise ContentError(path, 1, "题库文件应包含 topic、lesson 和 questions 列表")
        topic = _require(path, doc, "topic", str)
        lesson = str(doc.get("lesson", ""))
        if lesson and lesson not in lesson_slugs:
            raise ContentError(path, doc["__line__"], f"lesson “{lesson}” 不是本课程的课文")
        for item in doc["questions"]:
            out.append(_question(path, item, topic, lesson, seen))
    return out


def _question(path: Path, item, topic: str, lesson: str, seen: dict[str, str]) -> ParsedQuestion:
    if not isinstance(item, dict):
        raise ContentError(path, None, "每道题应为键值映射")
    line = item["__line__"]
    key = _require(path, item, "id", str)
    if not KEY_RE.match(key):
        raise ContentError(path, line, f"题目 id “{key}” 只能用小写字母、数字和连字符")
    if key in seen:
        raise ContentError(path, line, f"题目 id “{key}” 重复（另见 {seen[key]}）")
    seen[key] = f"{path.name}:{line}"
    for name in ("explanation", "clause"):
        _require(path, item, name, str)
    facts = item.get("facts")
    if not isinstance(facts, list) or not facts:
        raise ContentError(path, line, f"题目 {key} 缺少 facts（所依据的事实编号）")
    difficulty = item.get("difficulty", 2)
    if difficulty not in (1, 2, 3):
        raise ContentError(path, line, f"题目 {key} 的 difficulty 应为 1、2 或 3")
    raw = _strip_lines(item)
    try:
        spec = spec_to_dict(spec_from_dict(raw))
    except QuestionInvalid as exc:
        raise ContentError(path, line, f"题目 {key}：{exc.field}：{exc}") from None
    return ParsedQuestion(
        key=key, topic=topic, lesson_slug=lesson, kind=spec["kind"], difficulty=difficulty, spec=spec,
        facts=[str(f) for f in facts], clause=str(raw["clause"]), edition=str(raw.get("edition", "")),
        is_scenario=bool(raw.get("scenario", False)), content_hash=_digest(raw), line=line)


def load_all(root: Path) -> list[ParsedCourse]:
    """Every course under ``root``; the first error stops the load."""
    return [load_course(folder) for folder in sorted(p for p in root.iterdir() if p.is_dir())]
