"""Lesson Markdown → HTML: CommonMark + tables + our boxes (redline, clause, tip); raw HTML is refused.

Images written as ``media/<name>`` point at the course's media route; anything else is left out.
"""

from __future__ import annotations

import re
from html import escape

from markdown_it import MarkdownIt
from mdit_py_plugins.container import container_plugin

BOXES = {"redline": "box box-redline", "clause": "box box-clause", "tip": "box box-tip"}
MEDIA_REF = re.compile(r"^media/([A-Za-z0-9._-]+\.svg)$")


def _box_renderer(kind: str):
    def render(self, tokens, idx, _options, _env):
        token = tokens[idx]
        if token.nesting == 1:
            title = token.info.strip()[len(kind):].strip()
            head = f'<p class="box-title">{escape(title)}</p>' if title else ""
            # A static box is a note, never role="alert" (that is for live announcements, and not allowed on
            # <aside>); the red-line box stands out by its styling and its title.
            return f'<aside class="{BOXES[kind]}" role="note">{head}\n'
        return "</aside>\n"

    return render


def make_renderer(media_url) -> MarkdownIt:
    """``media_url(name)`` gives the public URL of a course media file."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    for kind in BOXES:
        md.use(container_plugin, name=kind, render=_box_renderer(kind))

    def image(self, tokens, idx, options, env):
        token = tokens[idx]
        src = token.attrGet("src") or ""
        match = MEDIA_REF.match(src)
        if not match:
            return ""
        alt = escape(self.renderInline(token.children or [], options, env) if token.children else token.content)
        return (f'<figure><img src="{escape(media_url(match.group(1)))}" alt="{alt}" loading="lazy" '
                f'decoding="async"><figcaption>{alt}</figcaption></figure>')

    md.add_render_rule("image", image)
    return md


def media_refs(markdown: str) -> list[str]:
    return re.findall(r"!\[[^\]]*\]\(media/([A-Za-z0-9._-]+\.svg)\)", markdown)


def render_lesson(markdown: str, media_url) -> str:
    html = make_renderer(media_url).render(markdown)
    # An image alone in its paragraph becomes a figure; a <figure> may not sit inside a <p>.
    return re.sub(r"<p>\s*(<figure>.*?</figure>)\s*</p>", r"\1", html, flags=re.S)
