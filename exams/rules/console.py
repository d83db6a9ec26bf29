"""What the invigilator console shows for one candidate (values in, a status out).

not arrived → present (checked in) → in progress (saving) / offline (no save for more than 60 s) →
submitted. A candidate who started without checking in is still shown by the attempt's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

OFFLINE_AFTER_S = 60


class CandidateStatus(StrEnum):
    NOT_ARRIVED = "not_arrived"
    PRESENT = "present"
    IN_PROGRESS = "in_progress"
    OFFLINE = "offline"
    SUBMITTED = "submitted"


@dataclass(frozen=True)
class CandidateState:
    status: CandidateStatus
    last_save_s: int | None  # seconds since the last applied save (or the start), while in progress


def candidate_state(*, checked_in: bool, attempt_status: str | None, started_at: datetime | None,
                    last_save_at: datetime | None, now: datetime, paused: bool = False,
                    offline_after_s: int = OFFLINE_AFTER_S) -> CandidateState:
    """The console status; during a session pause nobody is reported offline (phones stop saving)."""
    if attempt_status == "submitted":
        return CandidateState(CandidateStatus.SUBMITTED, None)
    if attempt_status == "in_progress":
        reference = last_save_at or started_at
        if reference is None or reference.tzinfo is None or now.tzinfo is None:
            raise ValueError("an attempt in progress needs aware started_at and now")
        quiet = max(0, int((now - reference).total_seconds()))
        offline = quiet > offline_after_s and not paused
        return CandidateState(CandidateStatus.OFFLINE if offline else CandidateStatus.IN_PROGRESS, quiet)
    return CandidateState(CandidateStatus.PRESENT if checked_in else CandidateStatus.NOT_ARRIVED, None)
