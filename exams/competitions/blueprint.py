"""The ``competitions`` blueprint and the loaders every page uses: load → check access → 404/403.

Staff pages live under ``/orgs/<org_id>/competitions/<competition_id>``: the competition must belong to
that organisation (404 otherwise); the caller must be staff of it (404 for non-members, 403 for members
without a staff role) or the competition's chief judge, who may come from another organisation.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from flask import Blueprint
from flask_login import current_user

from core.access import check_org_access
from core.errors import Forbidden, NotFound
from core.web import db
from exams.competitions.access import STAFF_ROLES, is_chief, is_org_staff, is_organiser
from exams.competitions.models import Competition, Event, Module
from exams.competitions.rules.messages import AWARD_LABELS, TIE_BREAK_LABELS
from exams.competitions.rules.ranking import published
from lms.questions.messages import msg

bp = Blueprint("competitions", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/competitions")


@bp.app_template_filter("num")
def plain_number(value) -> str:
    """A stored Decimal without trailing zeros (6.00 → 6, 12.50 → 12.5); a computed Fraction as published (0.01)."""
    if value is None:
        return "—"
    if isinstance(value, Fraction):
        return str(published(value))
    return format(Decimal(value).normalize(), "f")


def staff_competition(org_id: int, competition_id: int, *, organiser: bool = False) -> Competition:
    """The competition for its organisation's staff or its chief judge; ``organiser`` demands an organiser."""
    competition = db().get(Competition, competition_id)
    if competition is None or competition.org_id != org_id:
        raise NotFound()
    if is_chief(current_user, competition) and not is_org_staff(current_user, competition):
        if organiser:
            raise Forbidden()
        return competition
    check_org_access(current_user, org_id)
    check_org_access(current_user, org_id, *STAFF_ROLES)
    if organiser and not is_organiser(current_user, competition):
        raise Forbidden()
    return competition


def staff_event(org_id: int, competition_id: int, event_id: int, *, organiser: bool = False
                ) -> tuple[Competition, Event]:
    competition = staff_competition(org_id, competition_id, organiser=organiser)
    event = db().get(Event, event_id)
    if event is None or event.competition_id != competition.id:
        raise NotFound()
    return competition, event


def staff_module(org_id: int, competition_id: int, module_id: int) -> tuple[Competition, Event, Module]:
    competition = staff_competition(org_id, competition_id)
    module = db().get(Module, module_id)
    event = db().get(Event, module.event_id) if module else None
    if event is None or event.competition_id != competition.id:
        raise NotFound()
    return competition, event, module


@bp.context_processor
def _labels() -> dict:
    return {"award_label": lambda code: msg(AWARD_LABELS[code]) if code in AWARD_LABELS else code,
            "tie_label": lambda code: msg(TIE_BREAK_LABELS.get(code, "")) if code in TIE_BREAK_LABELS else "",
            "competitions_css": "competitions.css"}
