"""The judge's tablet: score entry for one module (coded stations only) and the judge's sign-off.

Only a judge assigned to the module reaches these pages (404 for anyone else, whatever their role), and
the page shows only the stations on that judge's panel. Marks go through the JSON API with an offline
queue (``core/static/judge.js``).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.clock import utcnow
from core.db import transaction
from core.errors import DomainError, NotFound
from core.forms import ConfirmForm
from core.web import db
from exams.competitions import locks
from exams.competitions.access import is_judge_of
from exams.competitions.blueprint import bp
from exams.competitions.marking import judge_state
from exams.competitions.models import Competition, Event, Module
from exams.competitions.schemes import aspects_of


def judge_module(module_id: int) -> tuple[Competition, Event, Module]:
    """The module if the current user judges it; 404 otherwise (ids of other modules reveal nothing)."""
    module = db().get(Module, module_id)
    if module is None or not is_judge_of(db(), current_user, module.id):
        raise NotFound()
    event = db().get(Event, module.event_id)
    return db().get(Competition, event.competition_id), event, module


@bp.get("/judge/modules/<int:module_id>")
@login_required
def score_entry(module_id: int):
    """Tablet score entry: station tabs, one card per aspect, offline-tolerant saving."""
    competition, event, module = judge_module(module_id)
    state = judge_state(db(), module, current_user)
    signoffs = locks.signoff_state(db(), module)
    return render_template("competitions/judge.html", competition=competition, event=event, module=module,
                           aspects=aspects_of(db(), module.id), state=state, confirm=ConfirmForm(),
                           signed=current_user.id in signoffs.signed, waiting=len(signoffs.missing))


@bp.post("/judge/modules/<int:module_id>/sign")
@login_required
def judge_sign(module_id: int):
    _competition, _event, module = judge_module(module_id)
    if ConfirmForm().validate_on_submit():
        try:
            with transaction(db()):
                locked = locks.sign_module(db(), module_id=module.id, actor=current_user, now=utcnow())
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(_("模块已锁定。") if locked else _("已签字，等待其他裁判和裁判长签字。"), "success")
    return redirect(url_for("competitions.score_entry", module_id=module.id))
