"""Staffing of an exam session (DESIGN.md §5): values in, warnings out.

- Theory invigilators: at least one per 15 candidates in each room, and at least two in every room in use.
- Practical examiners (only when the exam has practical tasks): at least one per 5 candidates, and an odd
  number, at least three (so a split panel always has a majority).

A room with no candidates needs nobody. Counts below zero raise ValueError.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

CANDIDATES_PER_INVIGILATOR = 15
MIN_INVIGILATORS_PER_ROOM = 2
CANDIDATES_PER_EXAMINER = 5
MIN_EXAMINERS = 3


class StaffingProblem(StrEnum):
    ROOM_UNDERSTAFFED = "room_understaffed"
    TOO_FEW_EXAMINERS = "too_few_examiners"
    EVEN_EXAMINERS = "even_examiners"


@dataclass(frozen=True)
class RoomLoad:
    name: str
    candidates: int
    invigilators: int


@dataclass(frozen=True)
class StaffingWarning:
    problem: StaffingProblem
    room: str | None
    have: int
    need: int


def invigilators_needed(candidates: int) -> int:
    """Invigilators one room needs for ``candidates`` (0 for an empty room)."""
    _count("candidates", candidates)
    if candidates == 0:
        return 0
    return max(MIN_INVIGILATORS_PER_ROOM, math.ceil(candidates / CANDIDATES_PER_INVIGILATOR))


def examiners_needed(candidates: int) -> int:
    """The smallest odd panel of at least three that also covers one examiner per five candidates."""
    _count("candidates", candidates)
    need = max(MIN_EXAMINERS, math.ceil(candidates / CANDIDATES_PER_EXAMINER))
    return need if need % 2 else need + 1


def check_staffing(rooms: list[RoomLoad], *, examiners: int = 0, practical_candidates: int = 0,
                   has_practical: bool = False) -> list[StaffingWarning]:
    """Every broken staffing rule, rooms first; an empty list means the session is staffed."""
    warnings = []
    for room in rooms:
        _count("invigilators", room.invigilators)
        need = invigilators_needed(room.candidates)
        if room.invigilators < need:
            warnings.append(StaffingWarning(StaffingProblem.ROOM_UNDERSTAFFED, room.name, room.invigilators, need))
    if has_practical:
        _count("examiners", examiners)
        need = examiners_needed(practical_candidates)
        if examiners < need:
            warnings.append(StaffingWarning(StaffingProblem.TOO_FEW_EXAMINERS, None, examiners, need))
        elif examiners % 2 == 0:
            warnings.append(StaffingWarning(StaffingProblem.EVEN_EXAMINERS, None, examiners, examiners + 1))
    return warnings


def planned_room_loads(seats: list[int], capacity: int) -> list[int]:
    """Candidates per room when the session is full: rooms fill in order (as seats are given out)."""
    _count("capacity", capacity)
    loads, left = [], capacity
    for n in seats:
        _count("seats", n)
        take = min(n, left)
        loads.append(take)
        left -= take
    return loads


def _count(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a whole number >= 0, not {value!r}")
