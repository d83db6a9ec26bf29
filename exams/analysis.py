"""After an exam: key corrections with a dry run, and item analysis per question version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from exams.attempts import grade_attempt, log, store_score
from exams.models import Answer, Attempt, AttemptStatus, Exam, ExamSession, Paper, Regrade
from exams.rules.item_analysis import ChoiceData, ItemStats, ReliabilityMethod, analyse_paper
from lms.models import Question, QuestionVersion


@dataclass(frozen=True)
class Correction:
    pinned: QuestionVersion
    current: QuestionVersion


def pending_corrections(session: Session, exam_session: ExamSession) -> list[Correction]:
    """Pinned versions whose question has since got a new version with a different key."""
    pinned_ids = {item["q"] for paper in _papers(session, exam_session) for item in paper.items}
    done = set(session.scalars(select(Regrade.from_version_id).where(Regrade.session_id == exam_session.id)))
    out = []
    for pinned in session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(pinned_ids - done))):
        question = session.get(Question, pinned.question_id)
        current = question.current
        if current and current.id != pinned.id and current.spec.get("answer") != pinned.spec.get("answer") \
                and current.kind == pinned.kind:
            out.append(Correction(pinned, current))
    return out


@dataclass(frozen=True)
class RegradeChange:
    attempt_id: int
    user_id: int
    old_percent: Decimal
    new_percent: Decimal
    old_passed: bool
    new_passed: bool


def regrade(session: Session, *, exam_session: ExamSession, corrections: list[Correction], actor_id: int,
            now: datetime, dry_run: bool) -> list[RegradeChange]:
    """Grade every submitted attempt again with the corrected keys; ``dry_run`` only reports the changes."""
    overrides = {c.pinned.id: c.current.spec for c in corrections}
    exam = session.get(Exam, exam_session.exam_id)
    changes = []
    attempts = session.scalars(select(Attempt).where(Attempt.session_id == exam_session.id,
                                                     Attempt.status == AttemptStatus.SUBMITTED)).all()
    for attempt in attempts:
        old_percent, old_passed = attempt.percent, attempt.passed
        raw, pct = grade_attempt(session, attempt, extra_overrides=overrides, write_credit=not dry_run)
        probe = Attempt()
        store_score(probe, raw, pct, Decimal(exam.pass_mark))
        if probe.percent != old_percent or probe.passed != old_passed:
            changes.append(RegradeChange(attempt.id, attempt.user_id, old_percent, probe.percent, bool(old_passed),
                                         bool(probe.passed)))
        if not dry_run:
            store_score(attempt, raw, pct, Decimal(exam.pass_mark))
            log(session, attempt, "regrade", now, details={"from": str(old_percent), "to": str(attempt.percent)})
    if not dry_run:
        for c in corrections:
            session.add(Regrade(session_id=exam_session.id, from_version_id=c.pinned.id, to_version_id=c.current.id,
                                actor_id=actor_id, applied_at=now))
        audit.record(session, action="exam.regraded", now=now, actor_id=actor_id, org_id=exam_session.org_id,
                     target=f"exam_session:{exam_session.id}",
                     details={"corrections": [c.pinned.id for c in corrections], "changed": len(changes)})
        session.flush()
    return changes


def _papers(session: Session, exam_session: ExamSession) -> list[Paper]:
    return list(session.scalars(select(Paper).join(Attempt, Attempt.paper_id == Paper.id)
                                .where(Attempt.session_id == exam_session.id)))


@dataclass(frozen=True)
class VersionStats:
    version: QuestionVersion
    seen_by: int
    stats: ItemStats


@dataclass(frozen=True)
class SessionAnalysis:
    candidates: int
    items: list[VersionStats]
    reliability: float | None
    reliability_method: ReliabilityMethod | None
    common_items: int


def analyse_session(session: Session, exam_session: ExamSession) -> SessionAnalysis | None:
    """Per question version over the candidates who saw it; reliability over the items every paper shares."""
    rows = session.execute(select(Attempt, Paper).join(Paper, Paper.id == Attempt.paper_id).where(
        Attempt.session_id == exam_session.id, Attempt.status == AttemptStatus.SUBMITTED)).all()
    if not rows:
        return None
    credit: dict[int, dict[int, Fraction]] = {}
    picks: dict[int, dict[int, object]] = {}
    for attempt, paper in rows:
        answers = {a.question_version_id: a
                   for a in session.scalars(select(Answer).where(Answer.attempt_id == attempt.id))}
        credit[attempt.id] = {}
        picks[attempt.id] = {}
        for item in paper.items:
            answer = answers.get(item["q"])
            has_credit = answer is not None and answer.credit is not None
            credit[attempt.id][item["q"]] = Fraction(answer.credit) if has_credit else Fraction(0)
            picks[attempt.id][item["q"]] = answer.response if answer else None
    versions = {v.id: v for v in session.scalars(select(QuestionVersion).where(
        QuestionVersion.id.in_({q for c in credit.values() for q in c})))}
    totals = {a: sum(c.values(), Fraction(0)) for a, c in credit.items()}
    items = [_version_stats(versions[q], credit, picks, totals) for q in sorted(versions)]
    common = sorted(set.intersection(*(set(c) for c in credit.values())))
    reliability, method = None, None
    if len(common) >= 2 and len(credit) >= 2:
        paper = analyse_paper([[credit[a][q] for q in common] for a in credit])
        reliability, method = paper.reliability, paper.reliability_method
    return SessionAnalysis(len(credit), items, reliability, method, len(common))


def _version_stats(version: QuestionVersion, credit, picks, totals) -> VersionStats:
    seen = [a for a in credit if version.id in credit[a]]
    matrix = [[credit[a][version.id], totals[a] - credit[a][version.id]] for a in seen]
    choice = None
    if version.kind in ("single", "multiple", "truefalse"):
        options = ("true", "false") if version.kind == "truefalse" else tuple(version.spec["options"])
        key = version.spec["answer"]
        keys = {str(key).lower()} if version.kind == "truefalse" else ({key} if isinstance(key, str) else set(key))
        chosen = [_pick(picks[a][version.id], version.kind) for a in seen]
        chosen = [c if c is None or set(c if isinstance(c, list) else [c]) <= set(options) else None for c in chosen]
        choice = ChoiceData(options=options, keys=frozenset(keys), picks=tuple(chosen))
    # The rest-of-total column is not an item: scale it into [0, 1] so the pure rule accepts it.
    scale = max((row[1] for row in matrix), default=Fraction(1)) or Fraction(1)
    scaled = [[row[0], row[1] / scale] for row in matrix]
    analysis = analyse_paper(scaled, [choice, None])
    return VersionStats(version, len(seen), analysis.items[0])


def _pick(response, kind: str):
    if response is None:
        return None
    if kind == "truefalse":
        return "true" if response is True else "false" if response is False else None
    return response
