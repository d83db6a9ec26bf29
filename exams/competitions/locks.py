"""Module lock and sign-off, unlock with a reason and a second approver, and decoding stations.

- Sign-off: every judge assigned to the module and the chief judge sign the current lock epoch. Signing
  needs a complete module (every aspect of every active competitor resolved: no missing score, open
  re-vote or disagreeing reading). The last signature locks the module; later marks are kept, not counted.
- Unlock: someone involved (a judge of the module, the chief judge or an organiser) asks with a reason; a
  second person (the chief judge or an organiser, not the requester) approves. The lock epoch then moves
  on, so every earlier signature is void and the module must be signed again. Never after final results.
- Decoding: after the lock, the chief judge reveals the names behind the station codes, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import Conflict, Forbidden, RuleViolated, ValidationFailed
from core.i18n import lazy
from core.models import User
from exams.competitions.access import is_chief, is_organiser
from exams.competitions.marking import lock_module_row, module_sheet
from exams.competitions.models import Competition, Event, JudgeAssignment, Module, ModuleSignoff, UnlockRequest
from exams.competitions.trail import record


def _competition(session: Session, module: Module) -> tuple[Event, Competition]:
    event = session.get(Event, module.event_id)
    return event, session.get(Competition, event.competition_id)


def _judges(session: Session, module: Module) -> set[int]:
    return set(session.scalars(select(JudgeAssignment.judge_id).where(JudgeAssignment.module_id == module.id)))


@dataclass(frozen=True)
class SignoffState:
    needed: frozenset[int]  # user ids who must sign this epoch
    signed: frozenset[int]

    @property
    def missing(self) -> frozenset[int]:
        return self.needed - self.signed


def signoff_state(session: Session, module: Module) -> SignoffState:
    _event, competition = _competition(session, module)
    needed = _judges(session, module) | ({competition.chief_judge_id} if competition.chief_judge_id else set())
    signed = set(session.scalars(select(ModuleSignoff.user_id).where(ModuleSignoff.module_id == module.id,
                                                                     ModuleSignoff.lock_epoch == module.lock_epoch)))
    return SignoffState(frozenset(needed), frozenset(signed))


def sign_module(session: Session, *, module_id: int, actor: User, now: datetime) -> bool:
    """Sign the module; returns True when this signature locked it. See the module docstring for the rules."""
    module = lock_module_row(session, module_id)
    _event, competition = _competition(session, module)
    if module.locked_at is not None:
        raise Conflict("module_locked", str(lazy("模块已锁定。")))
    chief = is_chief(actor, competition)
    if actor.id not in _judges(session, module) and not chief:
        raise Forbidden(str(lazy("只有本模块的裁判和裁判长可以签字。")))
    if competition.chief_judge_id is None:
        raise RuleViolated("no_chief_judge", str(lazy("尚未指定裁判长，模块不能锁定。")))
    sheet = module_sheet(session, module)
    if not sheet.is_complete:
        counts = sheet.counts()
        raise RuleViolated("module_incomplete", str(lazy(
            "评分尚未完成：缺评 %(missing)d 项，未齐 %(incomplete)d 项，读数不一致 %(disagree)d 项。",
            missing=counts["missing"], incomplete=counts["incomplete"], disagree=counts["disagree"])))
    state = signoff_state(session, module)
    if actor.id not in state.signed:
        session.add(ModuleSignoff(module_id=module.id, user_id=actor.id, as_chief=chief, lock_epoch=module.lock_epoch,
                                  signed_at=now))
        session.flush()
        record(session, competition=competition, action="module_signed", now=now, actor_id=actor.id,
               target=f"comp_module:{module.id}", details={"epoch": module.lock_epoch, "as_chief": chief})
        state = signoff_state(session, module)
    if state.missing:
        return False
    module.locked_at = now
    session.flush()
    record(session, competition=competition, action="module_locked", now=now, actor_id=actor.id,
           target=f"comp_module:{module.id}", details={"epoch": module.lock_epoch, "signers": sorted(state.signed)})
    return True


def request_unlock(session: Session, *, module_id: int, actor: User, reason: str, now: datetime) -> UnlockRequest:
    module = lock_module_row(session, module_id)
    event, competition = _competition(session, module)
    if module.locked_at is None:
        raise Conflict("not_locked", str(lazy("模块未锁定。")))
    if event.finalised_at is not None:
        raise Conflict("results_final", str(lazy("最终成绩已发布，模块不能再解锁。")))
    if not (is_chief(actor, competition) or is_organiser(actor, competition) or actor.id in _judges(session, module)):
        raise Forbidden(str(lazy("您无权申请解锁。")))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationFailed("reason_required", str(lazy("请写明解锁原因（至少 4 个字）。")), "reason")
    pending = session.scalar(select(UnlockRequest).where(UnlockRequest.module_id == module.id,
                                                         UnlockRequest.lock_epoch == module.lock_epoch,
                                                         UnlockRequest.approved_at.is_(None)))
    if pending is not None:
        raise Conflict("unlock_pending", str(lazy("已有待批准的解锁申请。")))
    request = UnlockRequest(module_id=module.id, lock_epoch=module.lock_epoch, reason=reason[:2000],
                            requested_by_id=actor.id, requested_at=now)
    session.add(request)
    session.flush()
    record(session, competition=competition, action="unlock_requested", now=now, actor_id=actor.id,
           target=f"comp_module:{module.id}", details={"request": request.id})
    return request


def approve_unlock(session: Session, *, request_id: int, actor: User, now: datetime) -> Module:
    request = session.get(UnlockRequest, request_id)
    if request is None:
        raise Conflict("no_request", str(lazy("没有待批准的解锁申请。")))
    module = lock_module_row(session, request.module_id)
    event, competition = _competition(session, module)
    if request.approved_at is not None or request.lock_epoch != module.lock_epoch or module.locked_at is None:
        raise Conflict("no_request", str(lazy("没有待批准的解锁申请。")))
    if event.finalised_at is not None:
        raise Conflict("results_final", str(lazy("最终成绩已发布，模块不能再解锁。")))
    if actor.id == request.requested_by_id:
        raise Forbidden(str(lazy("解锁须由申请人以外的第二人批准。")))
    if not (is_chief(actor, competition) or is_organiser(actor, competition)):
        raise Forbidden(str(lazy("只有裁判长或组织方管理员可以批准解锁。")))
    request.approved_by_id, request.approved_at = actor.id, now
    module.locked_at = None
    module.lock_epoch += 1
    session.flush()
    record(session, competition=competition, action="module_unlocked", now=now, actor_id=actor.id,
           target=f"comp_module:{module.id}", details={"request": request.id, "new_epoch": module.lock_epoch})
    return module


def decode_module(session: Session, *, module_id: int, actor: User, now: datetime) -> None:
    """The chief judge reveals names for a locked module; idempotent."""
    module = lock_module_row(session, module_id)
    _event, competition = _competition(session, module)
    if not is_chief(actor, competition):
        raise Forbidden(str(lazy("只有裁判长可以解码。")))
    if module.locked_at is None:
        raise RuleViolated("not_locked", str(lazy("模块锁定后才能解码。")))
    if module.decoded_at is None:
        module.decoded_at, module.decoded_by_id = now, actor.id
        session.flush()
        record(session, competition=competition, action="module_decoded", now=now, actor_id=actor.id,
               target=f"comp_module:{module.id}")
