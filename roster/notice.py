"""The public notice (公示表) of certificates issued in a date range. No Flask here.

Lists skill-level and special-trade certificates issued (for 二级/一级: approved by the committee, which is
when they are issued) between two Beijing dates, optionally only 二级/技师 and above, with the holder's
masked ID number, skill, level and issuing base; then the notice period, counted in working days from its
first day (Saturdays and Sundays skipped; public holidays are not known here, so the committee picks the
start and the number of days), and the line telling the public where to send objections.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from certificates.issuance import CHINA
from certificates.models import Certificate
from certificates.policy import CertificateKind
from certificates.status import CertificateState
from core import audit
from core.errors import ValidationFailed
from core.i18n import lazy
from core.models import User

NOTICE_MAX_ROWS = 1000
MAX_RANGE_DAYS = 366
DEFAULT_DAYS = 5
MAX_DAYS = 30
CONTACT_MAX = 120
KINDS = (CertificateKind.SKILL_LEVEL, CertificateKind.SPECIAL_TRADE)
ADVANCED_WORDS = ("一级", "二级", "技师")  # 一级/高级技师 and 二级/技师; "高级工" contains none of them


@dataclass(frozen=True)
class NoticeRequest:
    start: date  # issued on or after (Beijing date)
    end: date  # issued on or before
    advanced_only: bool
    notice_from: date
    working_days: int
    contact: str

    @property
    def period(self) -> tuple[date, date]:
        return notice_period(self.notice_from, self.working_days)


def _date(args: Mapping[str, str], name: str, label: str, default: date | None = None) -> date:
    raw = (args.get(name) or "").strip()
    if not raw:
        if default is not None:
            return default
        raise ValidationFailed(f"{name}_required", str(lazy("请填写%(f)s。", f=label)), name)
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(f"invalid_{name}", str(lazy("%(f)s格式不正确，应为 YYYY-MM-DD（例如 2026-03-02）。",
                                                           f=label)), name) from None


def parse_notice(args: Mapping[str, str], *, today: date, default_contact: str) -> NoticeRequest:
    """The notice's parameters from the query string; a bad one is a ValidationFailed naming its field."""
    start = _date(args, "from", str(lazy("开始日期")))
    end = _date(args, "to", str(lazy("结束日期")))
    if end < start:
        raise ValidationFailed("invalid_to", str(lazy("结束日期不能早于开始日期。")), "to")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValidationFailed("invalid_to", str(lazy("日期范围不能超过 %(n)d 天。", n=MAX_RANGE_DAYS)), "to")
    notice_from = _date(args, "notice_from", str(lazy("公示开始日期")), default=today)
    raw_days = (args.get("days") or "").strip() or str(DEFAULT_DAYS)
    if not raw_days.isdigit() or not 1 <= int(raw_days) <= MAX_DAYS:
        raise ValidationFailed("invalid_days", str(lazy("公示天数应为 1 到 %(n)d 之间的整数。", n=MAX_DAYS)), "days")
    contact = " ".join((args.get("contact") or "").split())
    if len(contact) > CONTACT_MAX:
        raise ValidationFailed("invalid_contact", str(lazy("异议联系方式最多 %(n)d 个字。", n=CONTACT_MAX)), "contact")
    return NoticeRequest(start, end, (args.get("advanced") or "") in ("1", "on", "true"), notice_from,
                         int(raw_days), contact or default_contact)


def notice_period(first: date, working_days: int) -> tuple[date, date]:
    """First and last day of a notice of ``working_days`` working days; a weekend start moves to Monday."""
    day = first
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start, left = day, working_days - 1
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return start, day


@dataclass(frozen=True)
class NoticeLine:
    name: str
    id_number_masked: str
    skill_name: str
    level: str
    kind: str
    issuer_name: str
    issued_on: date


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=CHINA)


def notice_lines(session: Session, req: NoticeRequest, *, cap: int = NOTICE_MAX_ROWS) -> tuple[list[NoticeLine], bool]:
    """At most ``cap`` lines in issuing order, and whether more certificates match (then nothing is printed).

    Only certificates still issued (not since suspended, revoked or superseded) are listed.
    """
    query = (select(Certificate.holder_name, User.id_number_masked, Certificate.skill_name, Certificate.level,
                    Certificate.kind, Certificate.issuer_name, Certificate.issued_at)
             .join(User, User.id == Certificate.holder_id)
             .where(Certificate.state == CertificateState.ISSUED, Certificate.kind.in_([str(k) for k in KINDS]),
                    Certificate.issued_at >= _instant(req.start),
                    Certificate.issued_at < _instant(req.end + timedelta(days=1)))
             .order_by(Certificate.issued_at, Certificate.id).limit(cap + 1))
    if req.advanced_only:
        query = query.where(or_(*(Certificate.level.contains(word) for word in ADVANCED_WORDS)))
    rows = session.execute(query).tuples().all()
    lines = [NoticeLine(name, masked or "", skill, level, kind, issuer, issued.astimezone(CHINA).date())
             for name, masked, skill, level, kind, issuer, issued in rows[:cap]]
    return lines, len(rows) > cap


def audit_notice(session: Session, req: NoticeRequest, *, rows: int, actor_id: int, org_id: int | None,
                 now: datetime, ip: str = "") -> None:
    audit.record(session, action="roster.notice_exported", now=now, actor_id=actor_id, org_id=org_id,
                 target="roster_notice", ip=ip, details={"from": req.start.isoformat(), "to": req.end.isoformat(),
                                                         "advanced_only": req.advanced_only, "rows": rows})


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
