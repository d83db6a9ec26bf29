"""Marking schemes in the database: rows to rule specs, and importing a scheme into an event."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.errors import Conflict
from core.i18n import lazy
from core.models import User
from exams.competitions.models import Aspect, ConflictOverride, Event, JudgeAssignment, MarkEvent, Module
from exams.competitions.rules.scheme import AspectSpec, Band, ModuleSpec, Scheme
from exams.competitions.trail import record


def aspect_spec(row: Aspect) -> AspectSpec:
    return AspectSpec(
        code=row.code, title=row.title, kind=row.kind, max_marks=Decimal(row.max_marks), unit=row.unit or "",
        nominal=Decimal(row.nominal) if row.nominal is not None else None, direction=row.direction or "both",
        bands=tuple(Band(Decimal(d), Decimal(p)) for d, p in row.bands or []),
        descriptors=tuple(row.descriptors or ()), is_time=row.is_time)


def modules_of(session: Session, event_id: int) -> list[Module]:
    return list(session.scalars(select(Module).where(Module.event_id == event_id)
                                .order_by(Module.position, Module.id)))


def aspects_of(session: Session, module_id: int) -> list[Aspect]:
    return list(session.scalars(select(Aspect).where(Aspect.module_id == module_id)
                                .order_by(Aspect.position, Aspect.id)))


def module_spec(module: Module, aspects: list[Aspect]) -> ModuleSpec:
    return ModuleSpec(module.code, module.title, tuple(aspect_spec(a) for a in aspects))


def scheme_of(session: Session, event: Event) -> Scheme | None:
    """The event's scheme as rule objects; None while it has no modules."""
    modules = modules_of(session, event.id)
    if not modules:
        return None
    return Scheme(tuple(module_spec(mod, aspects_of(session, mod.id)) for mod in modules))


def _aspect_row(module_id: int, position: int, spec: AspectSpec) -> Aspect:
    return Aspect(module_id=module_id, code=spec.code, title=spec.title, kind=str(spec.kind),
                  max_marks=spec.max_marks, unit=spec.unit, nominal=spec.nominal, direction=str(spec.direction),
                  bands=[[str(b.max_deviation), str(b.marks)] for b in spec.bands],
                  descriptors=list(spec.descriptors), is_time=spec.is_time, position=position)


def import_scheme(session: Session, *, actor: User, event: Event, scheme: Scheme, now: datetime) -> list[Module]:
    """Replace the event's scheme, all or nothing. Modules keep their judges when their code stays.

    Refused (409) once any mark has been recorded for the event: a scheme never changes under marks.
    """
    modules = modules_of(session, event.id)
    module_ids = [mod.id for mod in modules]
    if module_ids and session.scalar(select(MarkEvent.id).where(MarkEvent.module_id.in_(module_ids)).limit(1)):
        raise Conflict("scheme_in_use", str(lazy("已有评分记录，不能再更换评分标准。")))
    by_code = {mod.code: mod for mod in modules}
    kept: list[Module] = []
    for position, spec in enumerate(scheme.modules):
        module = by_code.pop(spec.code, None)
        if module is None:
            module = Module(event_id=event.id, code=spec.code, title=spec.title, position=position)
            session.add(module)
            session.flush()
        module.title, module.position = spec.title, position
        session.execute(delete(Aspect).where(Aspect.module_id == module.id))
        session.add_all(_aspect_row(module.id, n, a) for n, a in enumerate(spec.aspects))
        kept.append(module)
    for gone in by_code.values():
        for table in (Aspect, JudgeAssignment, ConflictOverride):
            session.execute(delete(table).where(table.module_id == gone.id))
        session.delete(gone)
    session.flush()
    record(session, event=event, action="scheme_imported", now=now, actor_id=actor.id, target=f"comp_event:{event.id}",
           details={"modules": len(scheme.modules), "max_marks": str(scheme.max_marks)})
    return kept
