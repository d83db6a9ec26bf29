"""Exam JSON API (DESIGN.md §9): open sessions, registration, attempts, answers, submission."""

from __future__ import annotations

from flask import Blueprint, request

from core.api import claimed_caller, doc, json_body, ok, require_user
from core.clock import utcnow
from core.db import transaction
from core.errors import Conflict, NotFound, ValidationFailed
from core.i18n import lazy
from core.web import db, lookup_db, state
from exams import attempts, queries, sessions
from exams.models import ExamSession, SubmittedBy

bp = Blueprint("exams_api", __name__, url_prefix="/api/v1")

ATTEMPT_BODY = {"device_id": (str, False)}
ANSWER_BODY = {"response": ((str, int, float, bool, list), False), "seq": (int, True), "device_id": (str, False)}
EVENT_BODY = {"kind": (str, True), "hidden_s": (int, False), "device_id": (str, False)}


@bp.get("/exam-sessions")
@doc("Exam sessions open for registration, with venue, start, capacity and seats left", auth="none",
     tags=("exams",))
def open_sessions():
    if request.args.get("status", "open") != "open":
        raise ValidationFailed("invalid_status", str(lazy("目前只支持 status=open。")), "status")
    return ok({"items": [queries.session_json(s, taken) for s, taken in sessions.open_sessions(db(), now=utcnow())]})


@bp.post("/exam-sessions/<int:session_id>/registrations")
@doc("Register for a session", responses={201: "registered", 409: "full or already registered",
                                            422: "not eligible"}, tags=("exams",))
def register(session_id: int):
    user = require_user()
    with transaction(db()):
        registration = sessions.register(db(), exam_session_id=session_id, candidate=user, now=utcnow())
    return ok({"id": registration.id, "session_id": session_id, "status": registration.status}, 201)


@bp.post("/exam-sessions/<int:session_id>/attempt")
@doc("Start or resume the candidate's attempt", body=ATTEMPT_BODY, tags=("exams",))
def start(session_id: int):
    user = require_user()
    exam_session = db().get(ExamSession, session_id)
    if exam_session is None:
        raise NotFound()
    entry = attempts.registration_entry(db(), exam_session.id, user.id)  # 404 before the body is looked at
    data = json_body(ATTEMPT_BODY) if request.content_length else {}
    now = utcnow()
    with transaction(db()):
        started = attempts.start_attempt(db(), exam_session=exam_session, candidate=user,
                                         device_id=data.get("device_id", ""), now=now, entry=entry)
    return ok(queries.attempt_json(db(), started.attempt, now=now, took_over=started.took_over,
                                   fresh=not started.resumed))


@bp.get("/attempts/<int:attempt_id>")
@doc("The attempt's state: remaining seconds, paused flag, saved answers with their sequence numbers; "
     "?view=clock answers only the clock (the phone polls it every 10 s)", tags=("exams",))
def show(attempt_id: int):
    if request.args.get("view") == "clock":  # every phone, every 10 s while idle: one point read, caller included
        claim = claimed_caller()
        target = attempts.read_for_clock(lookup_db(), attempt_id=attempt_id, user_id=claim.user_id,
                                         auth_version=claim.auth_version)
        return ok(queries.clock_view(attempt_id=target.id, status=target.status, deadline_at=target.deadline_at,
                                     paused_at=target.paused_at, now=utcnow()))
    attempt = queries.own_attempt(db(), attempt_id, require_user())
    return ok(queries.attempt_json(db(), attempt, now=utcnow()))


@bp.put("/attempts/<int:attempt_id>/answers/<int:question_id>")
@doc("Save an answer: applied only when seq is newer; an older seq is acknowledged but not applied",
     body=ANSWER_BODY, responses={200: "{seq, applied, remaining_s}", 409: "device superseded"}, tags=("exams",))
def save(attempt_id: int, question_id: int):
    claim = claimed_caller()  # checked against the user row inside lock_for_save: one query for both
    with transaction(db()):
        target = attempts.lock_for_save(db(), attempt_id=attempt_id, user_id=claim.user_id,
                                        auth_version=claim.auth_version)  # 404 for another's attempt, before the body
        data = json_body(ANSWER_BODY)
        result = attempts.apply_answer(db(), target, question_version_id=question_id, response=data.get("response"),
                                       seq=data["seq"], device_id=data.get("device_id", ""), now=utcnow(),
                                       grace_s=state().settings.exam_grace_s)
    if result.superseded:
        raise Conflict("device_superseded", str(lazy("本场考试已在另一台设备上继续，请使用新设备作答。")))
    reply = {"seq": result.seq, "applied": result.applied, "remaining_s": result.remaining_s,
             "closed": result.closed}
    if result.paused:  # only while paused, so the reply of a running exam keeps its documented shape
        reply["paused"] = True
    return ok(reply)


@bp.post("/attempts/<int:attempt_id>/submission")
@doc("Submit (idempotent): the score as the review policy allows", tags=("exams",))
def submit(attempt_id: int):
    user = require_user()
    with transaction(db()):
        attempt = attempts.submit_attempt(db(), attempt_id=attempt_id, by=SubmittedBy.CANDIDATE, now=utcnow(),
                                          candidate=user)
    return ok(queries.result_json(db(), attempt, now=utcnow()))


@bp.post("/attempts/<int:attempt_id>/events")
@doc("Report a page event (focus_lost) into the attempt log", body=EVENT_BODY, tags=("exams",))
def event(attempt_id: int):
    user = require_user()
    queries.own_attempt(db(), attempt_id, user)
    data = json_body(EVENT_BODY)
    if data["kind"] != "focus_lost":
        raise ValidationFailed("invalid_kind", str(lazy("不支持的事件类型。")), "kind")
    with transaction(db()):
        attempts.record_focus_loss(db(), attempt_id=attempt_id, candidate=user, now=utcnow(),
                                   device_id=data.get("device_id", ""), hidden_s=data.get("hidden_s", 0))
    return ok({"recorded": True})
