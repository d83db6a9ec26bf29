"""Appeals (申诉) against provisional results: written, within the window, with evidence, ruled by people
not involved.

- A member of the competitor files it while the appeal window is open (provisional published, before
  ``appeal_closes_at``); the window is checked at the moment of filing, so a late appeal is refused.
- Evidence: at most 5 files per appeal, each at most 2 MB, JPEG, PNG or PDF (checked by content, not by
  name), stored with its SHA-256.
- Ruling: an organiser who is not involved: not the chief judge, not a judge of the event, not a member
  of the appealing competitor, and not from the competitor's enterprise or training base. Outcome upheld
  or dismissed, with written reasons; an upheld appeal is corrected through the unlock procedure before
  the results can be final.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import Conflict, Forbidden, RuleViolated, ValidationFailed
from core.i18n import lazy
from core.models import User
from exams.competitions.access import assigned_module_ids, is_chief, is_organiser, org_ids_of
from exams.competitions.models import (
    Appeal,
    AppealEvidence,
    AppealStatus,
    Competition,
    Competitor,
    CompetitorMember,
    Event,
)
from exams.competitions.trail import record

MAX_EVIDENCE_BYTES = 2 * 1024 * 1024
MAX_EVIDENCE_FILES = 5
SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"%PDF-", "application/pdf"))


def is_window_open(event: Event, now: datetime) -> bool:
    return event.provisional_at is not None and event.finalised_at is None and now < event.appeal_closes_at


def _member_ids(session: Session, competitor_id: int) -> set[int]:
    return set(session.scalars(select(CompetitorMember.user_id).where(CompetitorMember.competitor_id == competitor_id)))


def file_appeal(session: Session, *, event: Event, competitor: Competitor, filer: User, text: str,
                now: datetime) -> Appeal:
    if competitor.event_id != event.id or filer.id not in _member_ids(session, competitor.id):
        raise Forbidden(str(lazy("只有参赛选手本人可以提出申诉。")))
    if not is_window_open(event, now):
        raise RuleViolated("appeal_window_closed", str(lazy("申诉期已结束（或成绩尚未预公布）。")))
    text = (text or "").strip()
    if not 10 <= len(text) <= 5000:
        raise ValidationFailed("invalid_text", str(lazy("申诉内容应为 10–5000 个字。")), "text")
    appeal = Appeal(event_id=event.id, competitor_id=competitor.id, filed_by_id=filer.id, text=text, filed_at=now)
    session.add(appeal)
    session.flush()
    record(session, event=event, action="appeal_filed", now=now, actor_id=filer.id, target=f"comp_appeal:{appeal.id}")
    return appeal


def _content_type(data: bytes) -> str | None:
    return next((kind for magic, kind in SIGNATURES if data.startswith(magic)), None)


def add_evidence(session: Session, *, appeal: Appeal, filer: User, filename: str, data: bytes,
                 now: datetime) -> AppealEvidence:
    event = session.get(Event, appeal.event_id)
    if filer.id != appeal.filed_by_id:
        raise Forbidden(str(lazy("只有申诉人可以上传证据。")))
    if appeal.status != AppealStatus.OPEN or not is_window_open(event, now):
        raise RuleViolated("appeal_window_closed", str(lazy("申诉期已结束，不能再上传证据。")))
    if len(data) > MAX_EVIDENCE_BYTES:
        raise ValidationFailed("too_large", str(lazy("每个证据文件不能超过 2 MB。")), "file")
    kind = _content_type(data)
    if not data or kind is None:
        raise ValidationFailed("bad_type", str(lazy("证据只接受 JPG、PNG 图片或 PDF 文件。")), "file")
    count = session.scalar(select(func.count(AppealEvidence.id)).where(AppealEvidence.appeal_id == appeal.id))
    if count >= MAX_EVIDENCE_FILES:
        raise Conflict("too_many", str(lazy("每份申诉最多上传 5 个证据文件。")), "file")
    name = re.sub(r"[^\w.\-（）()]+", "_", (filename or "evidence").rsplit("/", 1)[-1])[:120] or "evidence"
    evidence = AppealEvidence(appeal_id=appeal.id, filename=name, content_type=kind, size=len(data),
                              sha256=hashlib.sha256(data).hexdigest(), data=data, uploaded_at=now)
    session.add(evidence)
    session.flush()
    record(session, event=event, action="appeal_evidence", now=now, actor_id=filer.id,
           target=f"comp_appeal:{appeal.id}", details={"sha256": evidence.sha256, "size": len(data)})
    return evidence


def involvement(session: Session, user: User, appeal: Appeal) -> str | None:
    """Why ``user`` may not rule on ``appeal`` (None when not involved)."""
    event = session.get(Event, appeal.event_id)
    competition = session.get(Competition, event.competition_id)
    competitor = session.get(Competitor, appeal.competitor_id)
    if is_chief(user, competition):
        return str(lazy("裁判长参与了评分，须回避。"))
    if assigned_module_ids(session, user, event.id):
        return str(lazy("您是本项目的裁判，须回避。"))
    if user.id in _member_ids(session, competitor.id) or user.id == appeal.filed_by_id:
        return str(lazy("申诉当事人不能裁决。"))
    if org_ids_of(user) & {o for o in (competitor.enterprise_org_id, competitor.base_org_id) if o}:
        return str(lazy("您与申诉选手来自同一单位，须回避。"))
    return None


def rule_appeal(session: Session, *, appeal: Appeal, actor: User, upheld: bool, ruling: str, now: datetime) -> Appeal:
    event = session.get(Event, appeal.event_id)
    competition = session.get(Competition, event.competition_id)
    if not is_organiser(actor, competition):
        raise Forbidden(str(lazy("只有组织方管理员可以裁决申诉。")))
    reason = involvement(session, actor, appeal)
    if reason:
        raise Forbidden(reason)
    if appeal.status != AppealStatus.OPEN:
        raise Conflict("already_ruled", str(lazy("该申诉已裁决。")))
    ruling = (ruling or "").strip()
    if len(ruling) < 4:
        raise ValidationFailed("ruling_required", str(lazy("请写明裁决理由。")), "ruling")
    appeal.status = AppealStatus.UPHELD if upheld else AppealStatus.DISMISSED
    appeal.ruling, appeal.ruled_by_id, appeal.ruled_at = ruling[:5000], actor.id, now
    session.flush()
    record(session, competition=competition, action="appeal_ruled", now=now, actor_id=actor.id,
           target=f"comp_appeal:{appeal.id}", details={"outcome": appeal.status})
    return appeal
