"""CLI commands: ``flask db upgrade``, ``flask audit verify``, ``flask jobs run``, ``flask demo seed``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from core.jobs import Job, run_scheduler
from core.web import state


def alembic_config(url: str):
    from alembic.config import Config

    root = Path(__file__).resolve().parent.parent
    cfg = Config(str(root / "alembic.ini"))
    cfg.set_main_option("script_location", str(root / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_database(url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def register(app: Flask, jobs: Callable[[], list[Job]], seeders: Callable[[], list[Callable]]) -> None:
    db_group = AppGroup("db", help="Database schema.")
    audit_group = AppGroup("audit", help="Audit log.")
    jobs_group = AppGroup("jobs", help="Scheduled jobs.")
    demo_group = AppGroup("demo", help="Demo data.")

    @db_group.command("upgrade")
    def db_upgrade() -> None:
        """Apply all migrations (creates the SQLite file under instance/ when needed)."""
        state().settings.instance_path.mkdir(parents=True, exist_ok=True)
        upgrade_database(state().settings.database_url)
        click.echo("database is at the latest migration")

    @db_group.command("backup")
    @click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
    def db_backup(target: Path) -> None:
        """Online backup of the SQLite database to TARGET (for PostgreSQL use pg_dump, see docs/OPERATIONS.md)."""
        from core.maintenance import backup_sqlite

        url = state().settings.database_url
        if not url.startswith("sqlite:///"):
            raise click.ClickException("PostgreSQL: use pg_dump -Fc (docs/OPERATIONS.md)")
        pages = backup_sqlite(Path(url.removeprefix("sqlite:///")), target)
        click.echo(f"backup written to {target} ({pages} pages, integrity ok)")

    keys_group = AppGroup("keys", help="Encryption keys.")

    @keys_group.command("reencrypt")
    def keys_reencrypt() -> None:
        """Re-encrypt personal data under the active PII key (run after putting a new key first)."""
        from core.clock import utcnow
        from core.db import transaction
        from core.maintenance import reencrypt_personal_data

        with state().session_factory() as session, transaction(session):
            report = reencrypt_personal_data(session, cipher=state().cipher, now=utcnow())
        click.echo(f"{report.checked} accounts checked, {report.reencrypted} fields re-encrypted")

    app.cli.add_command(keys_group)

    @audit_group.command("verify")
    def audit_verify() -> None:
        """Recompute the audit hash chain; exit 1 at the first tampered row."""
        from core.audit import verify_chain

        with state().session_factory() as session:
            report = verify_chain(session)
        if report.ok:
            click.echo(f"audit chain intact: {report.checked} events")
        else:
            click.echo(f"audit chain BROKEN at seq {report.broken_at_seq} ({report.checked} events good before it)")
            raise SystemExit(1)

    @jobs_group.command("run")
    def jobs_run() -> None:
        """Run the scheduler (exactly one process per deployment; leases guard against a second)."""
        run_scheduler(state().session_factory, jobs())

    @demo_group.command("seed")
    def demo_seed() -> None:
        """Create one of each organisation and role with documented logins (idempotent)."""
        from core.demo import seed

        with state().session_factory() as session:
            logins = seed(session, cipher=state().cipher)
            for seeder in seeders():  # the other packages' demo data, composed by app.py
                for line in seeder(session, state().cipher):
                    click.echo(line)
        click.echo("demo logins (password for all: Demo1234):")
        for role, phone, name in logins:
            click.echo(f"  {role:<18} {phone}  {name}")

    for group in (db_group, audit_group, jobs_group, demo_group):
        app.cli.add_command(group)
