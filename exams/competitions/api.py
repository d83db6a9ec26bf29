"""Competition JSON API (DESIGN.md §9): raw scores, results, and the judges' mark protocol.

- ``GET /competitions/{id}/scores``: raw marks per aspect and judge; organisers of the organising
  organisation or the chief judge (404 for anyone else).
- ``GET /competitions/{id}/results``: final results to anyone; staff and the chief judge also see
  provisional and live results; 404 while nothing is public and the caller is not staff.
- ``GET /competitions/{id}/modules/{id}/sheet`` and ``POST …/marks``: the judge's tablet (assigned judges only).
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint

from core.api import api_user, doc, json_body, ok, require_user
from core.clock import utcnow
from core.db import transaction
from core.errors import NotFound
from core.web import db
from exams.competitions import queries
from exams.competitions.access import is_chief, is_judge_of, is_org_staff, is_organiser
from exams.competitions.marking import judge_state, record_mark
from exams.competitions.models import Competition, Event, Module

bp = Blueprint("competitions_api", __name__, url_prefix="/api/v1")

MARK_BODY = {"competitor_id": (int, True), "aspect_id": (int, True), "value": ((str, int), True),
             "round": (int, True), "seq": (int, True), "device_id": (str, False), "reason": (str, False),
             "client_at": (str, False)}


def _competition(competition_id: int) -> Competition:
    competition = db().get(Competition, competition_id)
    if competition is None:
        raise NotFound()
    return competition


@bp.get("/competitions/<int:competition_id>/scores")
@doc("Raw marks per aspect and judge (every judge's current value per round) and each cell's outcome",
     responses={200: "marks by event, module and aspect", 404: "unknown, or not organiser staff or chief judge"},
     tags=("competitions",))
def scores(competition_id: int):
    competition = _competition(competition_id)
    user = require_user()
    if not (is_organiser(user, competition) or is_chief(user, competition)):
        raise NotFound()
    return ok(queries.scores_json(db(), competition))


@bp.get("/competitions/<int:competition_id>/results")
@doc("Computed results with ranks, awards and standardised scores; public once final (snapshot and SHA-256)",
     auth="none", responses={200: "results by event", 404: "unknown, or nothing public yet"}, tags=("competitions",))
def results(competition_id: int):
    competition = _competition(competition_id)
    user = api_user()
    staff = is_org_staff(user, competition) or is_chief(user, competition)
    doc_ = queries.results_json(db(), competition, now=utcnow(), staff=staff)
    if not staff and not doc_["events"]:
        raise NotFound()
    return ok(doc_)


def _judged_module(competition_id: int, module_id: int, user) -> Module:
    module = db().get(Module, module_id)
    event = db().get(Event, module.event_id) if module else None
    if event is None or event.competition_id != competition_id or not is_judge_of(db(), user, module.id):
        raise NotFound()
    return module


@bp.get("/competitions/<int:competition_id>/modules/<int:module_id>/sheet")
@doc("The judge's own stations (codes), current values, rounds and highest sequence number",
     responses={404: "not a judge of this module"}, tags=("competitions",))
def sheet(competition_id: int, module_id: int):
    user = require_user()
    return ok(judge_state(db(), _judged_module(competition_id, module_id, user), user))


def _client_time(text: str | None) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


@bp.post("/competitions/<int:competition_id>/modules/<int:module_id>/marks")
@doc("Append one mark: {seq, outcome, round, status}; a replayed seq is acknowledged again and changes nothing",
     body=MARK_BODY, responses={200: "acknowledged", 403: "conflict_of_interest or not on the panel",
                                409: "seq_reused", 422: "invalid value or reason_required"}, tags=("competitions",))
def mark(competition_id: int, module_id: int):
    user = require_user()
    module = _judged_module(competition_id, module_id, user)
    data = json_body(MARK_BODY)
    with transaction(db()):
        ack = record_mark(db(), module_id=module.id, judge=user, competitor_id=data["competitor_id"],
                          aspect_id=data["aspect_id"], value=data["value"], round=data["round"], seq=data["seq"],
                          device_id=data.get("device_id", ""), reason=data.get("reason", ""),
                          client_at=_client_time(data.get("client_at")), now=utcnow())
    return ok({"seq": ack.seq, "outcome": str(ack.outcome), "applied": ack.outcome == "applied", "round": ack.round,
               "status": str(ack.status), "scored": ack.scored, "needed": ack.needed, "duplicate": ack.duplicate,
               "revote": ack.revote_opened})
