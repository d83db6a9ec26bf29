"""The demo competition: realistic marks for 8 competitors from 3 judges, seeded idempotently."""

from __future__ import annotations

from sqlalchemy import func, select

from core.demo import seed
from exams.competitions.demo import seed_demo
from exams.competitions.models import Competition, Competitor, MarkEvent, Revote
from exams.competitions.queries import events_of
from exams.competitions.schemes import modules_of
from exams.competitions.standings import event_standings
from tests.factories import NOW


def test_demo_competition_is_seeded_once_with_a_locked_module_and_one_in_progress(session, cipher):
    seed(session, cipher=cipher)
    first = seed_demo(session, now=NOW)
    session.commit()
    assert seed_demo(session, now=NOW).id == first.id
    assert session.scalar(select(func.count(Competition.id))) == 1
    event = events_of(session, first.id)[0]
    module_a, module_b = modules_of(session, event.id)
    assert module_a.locked_at is not None and module_a.decoded_at is not None and module_b.locked_at is None
    assert session.scalar(select(func.count(Competitor.id))) == 8
    assert session.scalar(select(func.count(func.distinct(MarkEvent.judge_id)))) == 3
    assert session.scalars(select(Revote)).one().spread == 2
    standings = event_standings(session, event, locked_only=False)
    assert len(standings.rows) == 8 and any(row.zeroed == ("B",) for row in standings.rows)
