"""``flask content sync``: load content/ into versioned rows, all or nothing."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, url_for
from flask.cli import AppGroup

from core.clock import utcnow
from core.db import transaction
from core.web import state
from lms.content import ContentError, load_all
from lms.sync import sync_courses

CONTENT_ROOT = Path(__file__).resolve().parent.parent / "content"


def media_url(slug: str, name: str) -> str:
    return url_for("lms.media", slug=slug, name=name)


def register(app: Flask) -> None:
    group = AppGroup("content", help="Course content.")

    @group.command("sync")
    @click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=CONTENT_ROOT)
    def sync(root: Path) -> None:
        """Load every course under ROOT; a broken file stops the sync and nothing is written."""
        try:
            courses = load_all(root)
        except ContentError as exc:
            click.echo(f"content sync stopped, nothing written: {exc.path}:{exc.line or 1}: {exc.reason}", err=True)
            raise SystemExit(1) from None
        with app.test_request_context(), state().session_factory() as session, transaction(session):
            report = sync_courses(session, courses, now=utcnow(), media_url=media_url)
        click.echo(f"{report.courses} courses; new lesson versions {report.new_lesson_versions}; "
                   f"new question versions {report.new_question_versions}; retired {report.retired}; "
                   f"media written {report.media_written}")

    app.cli.add_command(group)
