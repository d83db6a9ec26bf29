"""Cheap accessibility checks on the lesson, exam and verification pages, without a browser.

Lighthouse (``make lighthouse``) is the real measure (DESIGN §8: mobile accessibility ≥ 95); these catch the
regressions that cost it most and are visible in the HTML alone: a page language, zoom allowed, one ``main``,
headings that start at h1 and skip no level, a name for every form control, button and link, alt text on
every image, no duplicate ids. Pages are built from the real hoisting course and the real demo exam.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from core.clock import utcnow
from core.models import OrgKind
from exams.demo import seed_demo
from exams.models import ExamSession
from lms.content import load_all
from lms.sync import sync_courses
from tests.certificates.cert_world import make_cert
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_org, make_worker

CONTENT = Path(__file__).resolve().parents[2] / "content"
LESSON = "/courses/hoisting/lessons/02-sling-angles"  # a diagram, a table and a red-line box
PHONE_NUMBER = "13812340099"
LEARNER_NUMBER = "13812340098"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
UNNAMED_INPUTS = {"hidden", "submit", "button", "reset", "image"}


class _Named:
    """An element whose accessible name comes from its text: a link, a button or a label being read."""

    def __init__(self, tag: str, attrs: dict[str, str]):
        self.tag, self.attrs, self.text = tag, attrs, []


class PageAudit(HTMLParser):
    """Reads one page and lists what a screen-reader user or a phone user would trip over."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = ""
        self.viewport = ""
        self.mains = 0
        self.headings: list[int] = []
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.controls: list[tuple[str, dict[str, str], bool]] = []  # tag, attributes, inside a <label>
        self.named: list[_Named] = []
        self.images: list[dict[str, str]] = []
        self._open: list[_Named] = []
        self._labels = 0

    def handle_starttag(self, tag: str, attrs_list: list) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "html":
            self.lang = attrs.get("lang", "")
        elif tag == "meta" and attrs.get("name") == "viewport":
            self.viewport = attrs.get("content", "")
        elif tag == "main" or attrs.get("role") == "main":
            self.mains += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "label":
            self._labels += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        elif tag == "img":
            self.images.append(attrs)
            for element in self._open:  # an image inside a link names it by its alt text
                element.text.append(attrs.get("alt", ""))
        elif tag in {"select", "textarea"} or (tag == "input" and attrs.get("type", "text") not in UNNAMED_INPUTS):
            self.controls.append((tag, attrs, self._labels > 0))
        if (tag == "a" and "href" in attrs) or tag == "button":
            element = _Named(tag, attrs)
            self.named.append(element)
            if tag not in VOID:
                self._open.append(element)

    def handle_startendtag(self, tag: str, attrs_list: list) -> None:
        self.handle_starttag(tag, attrs_list)
        if tag == "label":
            self._labels -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._labels = max(0, self._labels - 1)
        for n in range(len(self._open) - 1, -1, -1):
            if self._open[n].tag == tag:
                del self._open[n]
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text.append(data)

    def problems(self) -> list[str]:
        found = []
        if not self.lang:
            found.append("<html> has no lang")
        if re.search(r"user-scalable\s*=\s*(no|0)|maximum-scale\s*=\s*1(\.0*)?\b", self.viewport):
            found.append(f"the viewport forbids zooming: {self.viewport}")
        if self.mains != 1:
            found.append(f"{self.mains} main landmarks")
        if self.headings[:1] != [1] or self.headings.count(1) != 1:
            found.append(f"headings should start with the only h1: {self.headings}")
        found += [f"heading h{b} follows h{a}" for a, b in zip(self.headings, self.headings[1:], strict=False)
                  if b > a + 1]
        found += [f"id {i!r} is used twice" for i in sorted({i for i in self.ids if self.ids.count(i) > 1})]
        for tag, attrs, in_label in self.controls:
            if not (in_label or attrs.get("id") in self.label_for or attrs.get("aria-label", "").strip()
                    or attrs.get("aria-labelledby") or attrs.get("title", "").strip()):
                found.append(f"<{tag} name={attrs.get('name')!r}> has no label")
        for element in self.named:
            if not ("".join(element.text).strip() or element.attrs.get("aria-label", "").strip()):
                found.append(f"<{element.tag} {element.attrs}> has no text")
        found += [f"<img src={img.get('src')!r}> has no alt text" for img in self.images
                  if not img.get("alt", "").strip() and img.get("role") != "presentation"
                  and img.get("aria-hidden") != "true"]
        return found


def audit(html: str) -> list[str]:
    page = PageAudit()
    page.feed(html)
    page.close()
    return page.problems()


def _log_in(client, phone: str):
    login = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"csrf_token": csrf_token(login), "phone": phone, "password": PASSWORD})
    return client


@pytest.fixture
def pages(app, session, cipher, client) -> dict[str, str]:
    """A lesson seen by a new learner (with its completion form), the demo exam started by a registered
    worker, and the public page of that worker's certificate."""
    now = utcnow()
    courses = [c for c in load_all(CONTENT) if c.slug == "hoisting"]
    sync_courses(session, courses, now=now, media_url=lambda slug, name: f"/media/{slug}/{name}")
    base = make_org(session, kind=OrgKind.TRAINING_BASE)
    worker = make_worker(session, cipher, name="张建国", phone_number=PHONE_NUMBER)
    make_worker(session, cipher, name="新学员", phone_number=LEARNER_NUMBER)
    seed_demo(session, cipher=cipher, now=now, workers=[worker])
    cert = make_cert(session, holder=worker, org=base, config=app.extensions["certificates"], now=now)
    exam_session = session.scalars(select(ExamSession).order_by(ExamSession.starts_at)).first()
    verify = f"/verify/{cert.serial}?t={cert.token}"
    session.commit()

    candidate = _log_in(client, PHONE_NUMBER)
    mine = candidate.get("/exams/mine").get_data(as_text=True)
    started = candidate.post(f"/exams/sessions/{exam_session.id}/start", data={"csrf_token": csrf_token(mine)})
    assert started.status_code == 302 and "/exams/attempts/" in started.location
    learner = _log_in(app.test_client(), LEARNER_NUMBER)
    out = {}
    for name, path, browser in (("lesson", LESSON, learner), ("exam", started.location, candidate),
                                ("verify", verify, app.test_client())):
        resp = browser.get(path)
        assert resp.status_code == 200, f"{name}: {path} answered {resp.status_code}"
        out[name] = resp.get_data(as_text=True)
    assert 'id="complete-form"' in out["lesson"]  # the learner has not marked it done yet
    return out


def test_the_checker_finds_what_it_looks_for():
    broken = ('<html><head><meta name="viewport" content="width=device-width, user-scalable=no"></head><body>'
              '<h2 id="x">t</h2><h4 id="x">u</h4><form><input name="phone"><select name="s"></select>'
              '<button></button></form><a href="/"><img src="/a.svg"></a></body></html>')
    found = audit(broken)
    assert "<html> has no lang" in found and "0 main landmarks" in found
    assert any("zooming" in p for p in found) and any("start with the only h1" in p for p in found)
    assert "heading h4 follows h2" in found and "id 'x' is used twice" in found
    assert "<input name='phone'> has no label" in found and "<select name='s'> has no label" in found
    assert "<img src='/a.svg'> has no alt text" in found
    assert sum("has no text" in p for p in found) == 2  # the empty button and the link around the bare image
    fixed = ('<html lang="zh-CN"><body><main><h1>t</h1><h2>u</h2><label>电话 <input name="phone"></label>'
             '<label for="s">类</label><select id="s" name="s"></select><button aria-label="关闭"></button>'
             '<a href="/"><img src="/a.svg" alt="首页"></a></main></body></html>')
    assert audit(fixed) == []


@pytest.mark.parametrize("name", ["lesson", "exam", "verify"])
def test_the_phone_page_passes_the_cheap_accessibility_checks(pages, name):
    assert audit(pages[name]) == []
