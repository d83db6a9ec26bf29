"""``flask demo generate --workers N [--seed S]``: synthetic workers for the talent roster (``roster.generate``)."""

from __future__ import annotations

import time

import click
from flask import Flask

from certificates.webutil import cert_config
from core.clock import utcnow
from core.db import transaction
from core.web import state
from roster.generate import MAX_WORKERS, AlreadyGenerated, generate_workers


def register(app: Flask) -> None:
    """Add ``generate`` to the ``demo`` group that ``core.cli.register`` created."""
    demo = app.cli.commands["demo"]

    @demo.command("generate")
    @click.option("--workers", type=click.IntRange(1, MAX_WORKERS), required=True,
                  help=f"How many workers to generate (1 … {MAX_WORKERS:,}).")
    @click.option("--seed", type=int, default=1, show_default=True, help="Random seed (same seed, same people).")
    def generate(workers: int, seed: int) -> None:
        """Generate synthetic workers with employers, certificates, placings and roster rows (one transaction;
        refused when a previous run's data is present). Every synthetic user's password is the demo password."""
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            rate = done / max(time.perf_counter() - started, 1e-6)
            click.echo(f"  {done:,}/{total:,} workers ({rate:,.0f}/s)")

        click.echo(f"generating {workers:,} workers (seed {seed}) …")
        try:
            with state().session_factory() as session, transaction(session):
                report = generate_workers(session, cipher=state().cipher, config=cert_config(), workers=workers,
                                          seed=seed, now=utcnow(), progress=progress)
        except AlreadyGenerated as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{report.workers:,} workers, {report.enterprises:,} enterprises, {report.training_bases:,} "
                   f"training bases, {report.memberships:,} memberships, {report.certificates:,} certificates, "
                   f"{report.trade_cards:,} special-trade cards, "
                   f"{report.placings:,} placings, {report.roster_entries:,} roster entries in "
                   f"{time.perf_counter() - started:,.1f} s (committed)")
