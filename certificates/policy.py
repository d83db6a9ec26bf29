"""Certificate kinds and their rules: titles, validity, renewal windows, reminders, levels, skill codes.

Pure: values in, values out. Validity is configurable per kind (``certificates.config`` reads overrides
from the environment); the defaults model the cards seen in the field:

- 培训合格证明 (training): no expiry.
- 职业技能等级证书 (skill level): no expiry; 二级/技师 and 一级/高级技师 wait for the expert committee's
  review (综合评审) before they are issued.
- 特种作业操作资格证书 (special-trade card, e.g. 建筑起重信号司索工 from the provincial construction
  department): valid 2 years, renewal in the 3 months before expiry, reminders 90, 30 and 7 days ahead.
- 职业技能竞赛获奖证书 (competition award): no expiry.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class CertificateKind(StrEnum):
    TRAINING = "training"
    SKILL_LEVEL = "skill_level"
    SPECIAL_TRADE = "special_trade"
    COMPETITION_AWARD = "competition_award"


@dataclass(frozen=True)
class KindPolicy:
    """``validity_months`` None: no expiry. ``renewal_window_months``: renewal opens that long before expiry,
    and the certificate shows as 即将到期 from then on (30 days when the kind has expiry but no window)."""

    validity_months: int | None = None
    renewal_window_months: int = 0
    reminder_days: tuple[int, ...] = ()


DEFAULT_POLICIES: dict[CertificateKind, KindPolicy] = {
    CertificateKind.TRAINING: KindPolicy(),
    CertificateKind.SKILL_LEVEL: KindPolicy(),
    CertificateKind.SPECIAL_TRADE: KindPolicy(validity_months=24, renewal_window_months=3, reminder_days=(90, 30, 7)),
    CertificateKind.COMPETITION_AWARD: KindPolicy(),
}


def policies_with(overrides: dict[str, dict]) -> dict[CertificateKind, KindPolicy]:
    """Defaults with ``{"special_trade": {"validity_months": 36, ...}}`` applied; unknown keys raise ValueError."""
    merged = dict(DEFAULT_POLICIES)
    for kind_name, fields in overrides.items():
        kind = CertificateKind(kind_name)
        unknown = set(fields) - {"validity_months", "renewal_window_months", "reminder_days"}
        if unknown:
            raise ValueError(f"unknown certificate policy fields for {kind_name}: {sorted(unknown)}")
        values = dict(fields)
        if "reminder_days" in values:
            values["reminder_days"] = tuple(sorted((int(d) for d in values["reminder_days"]), reverse=True))
        merged[kind] = replace(merged[kind], **values)
    return merged


TITLES = {
    CertificateKind.TRAINING: "培训合格证明",
    CertificateKind.SKILL_LEVEL: "职业技能等级证书",
    CertificateKind.SPECIAL_TRADE: "特种作业操作资格证书",
    CertificateKind.COMPETITION_AWARD: "职业技能竞赛获奖证书",
}


def title_of(kind: CertificateKind) -> str:
    """The title printed on the certificate: the official Chinese name, whatever the viewer's language."""
    return TITLES[CertificateKind(kind)]


# -- dates -----------------------------------------------------------------------------------------------------

def add_months(at: datetime, months: int) -> datetime:
    """Same day ``months`` later (or earlier), clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = at.month - 1 + months
    year, month = at.year + index // 12, index % 12 + 1
    return at.replace(year=year, month=month, day=min(at.day, calendar.monthrange(year, month)[1]))


def expiry_for(policy: KindPolicy, valid_from: datetime) -> datetime | None:
    return add_months(valid_from, policy.validity_months) if policy.validity_months else None


def expiring_from(policy: KindPolicy, expires_at: datetime) -> datetime:
    """From this instant on a certificate shows as 即将到期 (and may be renewed)."""
    if policy.renewal_window_months:
        return add_months(expires_at, -policy.renewal_window_months)
    return expires_at - timedelta(days=30)


def renewal_open(policy: KindPolicy, expires_at: datetime | None, now: datetime) -> bool:
    """Renewal only inside the window before expiry; an expired card needs a new assessment."""
    return expires_at is not None and expiring_from(policy, expires_at) <= now < expires_at


def due_reminder(policy: KindPolicy, expires_at: datetime | None, now: datetime) -> int | None:
    """The smallest reminder (days ahead) already due and not yet past expiry, or None.

    Only the nearest one is due, so a certificate that enters the last week unseen gets one reminder, not three.
    """
    if expires_at is None or now >= expires_at:
        return None
    due = [d for d in policy.reminder_days if expires_at - timedelta(days=d) <= now]
    return min(due) if due else None


# -- levels and skills -------------------------------------------------------------------------------------------

_LEVELS = (("高级技师", 1), ("一级", 1), ("技师", 2), ("二级", 2), ("高级工", 3), ("三级", 3),
           ("中级工", 4), ("四级", 4), ("初级工", 5), ("五级", 5))
COMMITTEE_LEVELS = frozenset({1, 2})
SPECIAL_TRADE_MARK = "特种作业"


def level_number(level: str) -> int | None:
    """五级/初级工 → 5 … 一级/高级技师 → 1; None for anything else ("高级技师" is checked before "技师")."""
    text = level or ""
    return next((number for word, number in _LEVELS if word in text), None)


def needs_committee_review(level: str) -> bool:
    return level_number(level) in COMMITTEE_LEVELS


def kind_for_exam_level(level: str) -> CertificateKind:
    """An exam whose level names 特种作业 certifies a special-trade card; any other, a skill level."""
    return CertificateKind.SPECIAL_TRADE if SPECIAL_TRADE_MARK in (level or "") else CertificateKind.SKILL_LEVEL


SKILL_CODES = {
    "hoisting": "HOIST",
    "grouting": "GROUT",
    "assembly": "ASSY",
    "rebar": "REBAR",
    "concrete": "CONC",
}


def skill_code(slug: str | None) -> str:
    """The serial's skill code for a course slug: a known code, else the slug's first letters, else ``GEN``."""
    if slug and slug in SKILL_CODES:
        return SKILL_CODES[slug]
    letters = re.sub(r"[^A-Z]", "", (slug or "").upper())[:6]
    return letters if len(letters) >= 2 else "GEN"
