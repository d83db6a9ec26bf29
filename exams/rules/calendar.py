"""A month as a grid of weeks (Monday first, Chinese convention) and an iCalendar (RFC 5545) writer."""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

CRLF = "\r\n"


@dataclass(frozen=True)
class Day:
    day: date
    in_month: bool
    events: tuple = field(default=())


def month_grid(year: int, month: int, events_by_day: dict[date, list]) -> list[list[Day]]:
    """Weeks of the month, Monday to Sunday, padded with the neighbouring months' days."""
    weeks = _cal.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return [[Day(d, d.month == month, tuple(events_by_day.get(d, ()))) for d in week] for week in weeks]


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str = ""
    description: str = ""
    url: str = ""


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character (RFC 5545 §3.1)."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return CRLF.join(out)


def _stamp(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("calendar times must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ical(events: list[CalendarEvent], *, name: str, now: datetime) -> str:
    """A VCALENDAR with one VEVENT per event, times in UTC."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//PrefabSkills//Exam sessions//ZH", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(name)}", "X-WR-TIMEZONE:Asia/Shanghai"]
    for event in events:
        lines += ["BEGIN:VEVENT", f"UID:{event.uid}", f"DTSTAMP:{_stamp(now)}", f"DTSTART:{_stamp(event.starts_at)}",
                  f"DTEND:{_stamp(event.ends_at)}", f"SUMMARY:{_escape(event.summary)}"]
        if event.location:
            lines.append(f"LOCATION:{_escape(event.location)}")
        if event.description:
            lines.append(f"DESCRIPTION:{_escape(event.description)}")
        if event.url:
            lines.append(f"URL:{event.url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return CRLF.join(_fold(line) for line in lines) + CRLF
