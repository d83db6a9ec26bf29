"""Composition root: the only module that sees every package (DESIGN.md §3)."""

from __future__ import annotations

import logging

from flask import Flask

from core.jobs import HEARTBEAT_JOB, Job
from core.settings import Settings
from core.startup import check_pdf_stack


def load_models() -> None:
    """Import every package's models so ``Base.metadata`` knows all tables (Alembic, tests)."""
    import core.models  # noqa: F401


def jobs() -> list[Job]:
    """Every scheduled job of the platform, run by ``flask jobs run`` in one scheduler process."""
    return [HEARTBEAT_JOB]


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__, template_folder="core/templates", static_folder="core/static",
                instance_path=str(settings.instance_path))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from core import api_views, cli, views
    from core.web import csrf, init_web

    init_web(app, settings)
    app.register_blueprint(views.bp)
    app.register_blueprint(api_views.bp)
    for blueprint in (api_views.bp,):
        csrf.exempt(blueprint)  # API: bearer tokens; cookie sessions are CSRF-checked in core.api
    cli.register(app, jobs)
    check_pdf_stack(app.logger)
    return app
