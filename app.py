"""Composition root: the only module that sees every package (DESIGN.md §3)."""

from __future__ import annotations

import logging

from flask import Flask

from certificates.jobs import make_jobs as certificate_jobs
from core.jobs import HEARTBEAT_JOB, Job
from core.settings import Settings
from core.startup import check_pdf_stack
from exams.base_jobs import make_jobs as exam_day_jobs
from exams.competitions.jobs import make_jobs as competition_jobs
from exams.jobs import make_jobs as exam_jobs
from roster.jobs import make_jobs as roster_jobs


def load_models() -> None:
    """Import every package's models so ``Base.metadata`` knows all tables (Alembic, tests)."""
    import certificates.models  # noqa: F401
    import core.models  # noqa: F401
    import exams.competitions.models  # noqa: F401
    import exams.models  # noqa: F401
    import lms.models  # noqa: F401
    import roster.models  # noqa: F401
    import roster.pool_models  # noqa: F401
    import roster.review_models  # noqa: F401


def jobs(settings: Settings) -> list[Job]:
    """Every scheduled job of the platform, run by ``flask jobs run`` in one scheduler process."""
    return [HEARTBEAT_JOB, *exam_jobs(grace_s=settings.exam_grace_s), *exam_day_jobs(smtp_url=settings.smtp_url),
            *certificate_jobs(), *competition_jobs(), *roster_jobs()]


def demo_seeders() -> list:
    """Demo data beyond accounts, each ``(session, cipher) -> lines``, run in one transaction each."""

    def exams_demo(session, cipher):
        from core.accounts import find_by_phone
        from core.clock import utcnow
        from core.db import transaction
        from core.demo import WORKERS
        from exams.demo import seed_demo

        with transaction(session):
            workers = [u for u in (find_by_phone(session, cipher, w[0]) for w in WORKERS) if u]
            return seed_demo(session, cipher=cipher, now=utcnow(), workers=workers)

    def competitions_demo(session, cipher):
        from core.clock import utcnow
        from core.db import transaction
        from exams.competitions.demo import seed_demo

        with transaction(session):
            competition = seed_demo(session, now=utcnow())
            return [f"demo competition: {competition.title}"]

    def expert_pool_demo(session, cipher):
        from core.clock import utcnow
        from core.db import transaction
        from roster.pool_demo import seed_demo

        with transaction(session):
            return seed_demo(session, cipher=cipher, now=utcnow())

    def trade_cards_demo(session, cipher):
        from core.clock import utcnow
        from core.db import transaction
        from roster.cards import seed_demo_cards

        with transaction(session):
            return seed_demo_cards(session, cipher, now=utcnow())

    return [exams_demo, competitions_demo, expert_pool_demo, trade_cards_demo]


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__, template_folder="core/templates", static_folder="core/static",
                instance_path=str(settings.instance_path))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("weasyprint", "fontTools", "apscheduler"):
        logging.getLogger(chatty).setLevel(logging.WARNING)  # a line per layout step is noise

    from certificates import api as certificates_api
    from certificates import views as certificates_views
    from core import api_views, cli, views
    from core.web import csrf, init_web
    from exams import api as exams_api
    from exams import base_views, staff_views
    from exams import views as exams_views
    from exams.competitions import api as competitions_api
    from exams.competitions import views as competitions_views
    from lms import api as lms_api
    from lms import bank_views
    from lms import cli as lms_cli
    from lms import views as lms_views
    from roster import api as roster_api
    from roster import cli as roster_cli
    from roster import pool_views, report_views, review_views
    from roster import views as roster_views

    init_web(app, settings)
    for blueprint in (views.bp, lms_views.bp, bank_views.bp, exams_views.bp, base_views.bp, staff_views.bp,
                      certificates_views.bp, competitions_views.bp, roster_views.bp, pool_views.bp,
                      review_views.bp, report_views.bp):
        app.register_blueprint(blueprint)
    for blueprint in (api_views.bp, lms_api.bp, exams_api.bp, certificates_api.bp, competitions_api.bp,
                      roster_api.bp):
        app.register_blueprint(blueprint)
        csrf.exempt(blueprint)  # API: bearer tokens; cookie sessions are CSRF-checked in core.api
    cli.register(app, lambda: jobs(settings), demo_seeders)
    lms_cli.register(app)
    roster_cli.register(app)
    check_pdf_stack(app.logger)
    return app
