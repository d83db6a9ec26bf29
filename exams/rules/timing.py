"""The server-owned deadline of a timed attempt (DESIGN §6.1, §6.4).

Every function takes timezone-aware datetimes and raises ValueError on a naive one (a naive time has no
fixed instant, so comparing it would silently depend on the server's zone); results are in UTC.
Durations are whole seconds and never negative (ValueError otherwise).
"""

from datetime import UTC, datetime, timedelta

SECOND = timedelta(seconds=1)


def _aware(name: str, value: datetime) -> datetime:
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value


def _seconds(name: str, value: int) -> timedelta:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a whole number of seconds >= 0, not {value!r}")
    return timedelta(seconds=value)


def deadline_for(started_at: datetime, duration_s: int, window_end_at: datetime, extra_s: int = 0) -> datetime:
    """The attempt's deadline: min(started_at + duration + extra, window_end_at + extra).

    A per-candidate allowance (`extra_s`, e.g. for a disability or a device swap approved by the
    invigilator) extends the session window by the same amount: otherwise a candidate who starts late
    would lose the allowance to the window. Raises ValueError when `duration_s` is not positive or the
    (extended) window has closed by `started_at`, as the attempt would have no time at all; refusing a
    start after the window is the caller's rule.
    """
    _aware("started_at", started_at)
    _aware("window_end_at", window_end_at)
    duration = _seconds("duration_s", duration_s)
    extra = _seconds("extra_s", extra_s)
    if duration <= timedelta(0):
        raise ValueError("duration_s must be positive")
    if started_at >= window_end_at + extra:
        raise ValueError("the session window has closed before started_at")
    return min(started_at + duration + extra, window_end_at + extra).astimezone(UTC)


def remaining_seconds(deadline_at: datetime, now: datetime, paused_s: int = 0) -> int:
    """Whole seconds left (floored, never negative), as sent to the phone with every response.

    `paused_s` is time paused and not yet folded into `deadline_at` (a pause in progress: now minus its
    start), so the countdown stands still while the attempt is paused.
    """
    _aware("deadline_at", deadline_at)
    _aware("now", now)
    left = deadline_at - now + _seconds("paused_s", paused_s)
    return max(0, left // SECOND)


def accepts_answer(deadline_at: datetime, now: datetime, grace_s: int) -> bool:
    """True until deadline + grace, inclusive: the grace absorbs an answer sent in time but delivered late."""
    _aware("deadline_at", deadline_at)
    _aware("now", now)
    return now <= deadline_at + _seconds("grace_s", grace_s)


def is_overdue(deadline_at: datetime, now: datetime, grace_s: int) -> bool:
    """True once deadline + grace has passed: no more answers, the sweeper submits the attempt."""
    return not accepts_answer(deadline_at, now, grace_s)


def shift_for_pause(deadline_at: datetime, paused_from: datetime, resumed_at: datetime) -> datetime:
    """The deadline moved later by the pause length (resumed_at - paused_from).

    A pause extends past the session window on purpose: the candidate did not cause it. A pause that
    began after the deadline does not reopen the attempt (the deadline is returned unchanged). Raises
    ValueError when `resumed_at` is before `paused_from`.
    """
    _aware("deadline_at", deadline_at)
    _aware("paused_from", paused_from)
    _aware("resumed_at", resumed_at)
    if resumed_at < paused_from:
        raise ValueError("resumed_at is before paused_from")
    if paused_from > deadline_at:
        return deadline_at.astimezone(UTC)
    return (deadline_at + (resumed_at - paused_from)).astimezone(UTC)
