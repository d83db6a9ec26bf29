"""Exam blueprints (组卷规则) and the papers drawn from them.

A `Blueprint` is rows of (topic, kind or any, difficulty or any, count, points each) plus the exam's
settings. It checks its own fields when built and raises `BlueprintInvalid(field, message)`.

`validate_blueprint(blueprint, pool)` is the gate before a blueprint is used:

- the rows' points (count x points each) must add up to `max_score` (100 by default), else
  BlueprintInvalid("rows", ...);
- the pool must fill every row with distinct questions, a question filling at most one row. Rows are
  filled most specific first (kind and difficulty both set, then one of them, then neither; declared
  order within a tier). When a row cannot be filled it raises `BlueprintShort(topic, needed,
  available)`, where `available` is how many questions that row could get once the rows before it had
  theirs. The fill is a bipartite matching (augmenting paths), so a blueprint is refused only when no
  assignment exists at all, never because of an unlucky greedy choice.

`draw_paper(blueprint, pool, seed)` validates, then draws with `random.Random(seed)`: the same seed and
pool (in any order) and blueprint give the same paper, so a draw can be replayed and audited.
"""

import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from core.errors import ValidationFailed
from exams.rules import messages as m
from exams.rules.scoring import as_decimal
from lms.questions.messages import KIND_LABELS, msg
from lms.questions.spec import CHOICE_KINDS, QuestionKind

DIFFICULTIES = (1, 2, 3)
_KIND_VALUES = frozenset(kind.value for kind in QuestionKind)


class ReviewPolicy(StrEnum):
    """What a candidate may see after submitting."""

    NONE = "none"
    SCORE_ONLY = "score_only"
    SCORE_AND_ANSWERS = "score_and_answers"
    AFTER_CLOSE = "after_close"  # score and answers, once the session window has closed


class BlueprintInvalid(ValidationFailed):
    """A blueprint breaks a rule; `field` names the part (rows, duration_s, pass_mark...)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__("blueprint_invalid", message, field)


class BlueprintShort(ValidationFailed):
    """The question bank cannot fill a row: `needed` questions asked, `available` could be drawn."""

    def __init__(
        self, topic: str, needed: int, available: int, kind: QuestionKind | None = None, difficulty: int | None = None
    ) -> None:
        where = msg(m.BLUEPRINT_FILTER_KIND, kind=msg(KIND_LABELS[kind])) if kind else ""
        if difficulty is not None:
            where += msg(m.BLUEPRINT_FILTER_DIFFICULTY, difficulty=difficulty)
        text = msg(m.BLUEPRINT_SHORT, topic=topic, filter=where, needed=needed, available=available)
        super().__init__("blueprint_short", text, "rows")
        self.topic = topic
        self.needed = needed
        self.available = available
        self.kind = kind
        self.difficulty = difficulty


def _coerce_decimal(instance: object, name: str) -> None:
    """Turn an int field of a frozen dataclass into a Decimal; leave anything else for the checks."""
    number = as_decimal(getattr(instance, name))
    if number is not None:
        object.__setattr__(instance, name, number)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


@dataclass(frozen=True)
class BlueprintRow:
    """`count` questions of `topic`, each worth `points`; `kind`/`difficulty` None means any."""

    topic: str
    kind: QuestionKind | None
    difficulty: int | None
    count: int
    points: Decimal

    def __post_init__(self) -> None:
        # Coerce what a database row or form hands over; check() reports anything still wrong.
        if isinstance(self.kind, str) and self.kind in _KIND_VALUES:
            object.__setattr__(self, "kind", QuestionKind(self.kind))
        _coerce_decimal(self, "points")

    def check(self, number: int) -> None:
        """Raise BlueprintInvalid naming row `number` (1-based) when a field is wrong."""
        if not isinstance(self.topic, str) or not self.topic.strip():
            raise BlueprintInvalid("rows", msg(m.BLUEPRINT_TOPIC_EMPTY, row=number))
        if self.kind is not None and not isinstance(self.kind, QuestionKind):
            raise BlueprintInvalid("rows", msg(m.BLUEPRINT_KIND_UNKNOWN, row=number, kind=str(self.kind)[:40]))
        if self.difficulty is not None and self.difficulty not in DIFFICULTIES:
            raise BlueprintInvalid("rows", msg(m.BLUEPRINT_DIFFICULTY_INVALID, row=number))
        if not _is_count(self.count):
            raise BlueprintInvalid("rows", msg(m.BLUEPRINT_COUNT_INVALID, row=number))
        if as_decimal(self.points) is None or self.points <= 0:
            raise BlueprintInvalid("rows", msg(m.BLUEPRINT_POINTS_INVALID, row=number))

    @property
    def specificity(self) -> int:
        return (self.kind is not None) + (self.difficulty is not None)

    def matches(self, item: "PoolItem") -> bool:
        return (
            item.topic == self.topic
            and (self.kind is None or item.kind == self.kind)
            and (self.difficulty is None or item.difficulty == self.difficulty)
        )


@dataclass(frozen=True)
class Blueprint:
    """A paper's recipe and settings. `pass_mark` is a percentage of `max_score` (60 of 100)."""

    rows: tuple[BlueprintRow, ...]
    duration_s: int
    attempts_allowed: int = 1
    pass_mark: Decimal = Decimal(60)
    max_score: Decimal = Decimal(100)
    shuffle_questions: bool = True
    shuffle_options: bool = True
    review: ReviewPolicy = ReviewPolicy.SCORE_ONLY

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple(self.rows))
        _coerce_decimal(self, "pass_mark")
        _coerce_decimal(self, "max_score")
        if not self.rows:
            raise BlueprintInvalid("rows", msg(m.BLUEPRINT_NO_ROWS))
        for number, row in enumerate(self.rows, start=1):
            row.check(number)
        if not _is_count(self.duration_s):
            raise BlueprintInvalid("duration_s", msg(m.BLUEPRINT_DURATION_INVALID))
        if not _is_count(self.attempts_allowed):
            raise BlueprintInvalid("attempts_allowed", msg(m.BLUEPRINT_ATTEMPTS_INVALID))
        if as_decimal(self.max_score) is None or self.max_score <= 0:
            raise BlueprintInvalid("max_score", msg(m.BLUEPRINT_MAX_SCORE_INVALID))
        if as_decimal(self.pass_mark) is None or not 0 <= self.pass_mark <= 100:
            raise BlueprintInvalid("pass_mark", msg(m.BLUEPRINT_PASS_MARK_INVALID))
        if self.review not in tuple(ReviewPolicy):
            raise BlueprintInvalid("review", msg(m.BLUEPRINT_REVIEW_UNKNOWN, review=str(self.review)[:40]))
        object.__setattr__(self, "review", ReviewPolicy(self.review))

    @property
    def total_points(self) -> Decimal:
        return sum((row.count * row.points for row in self.rows), Decimal(0))


@dataclass(frozen=True)
class PoolItem:
    """One question the bank offers, at its current version. Choice kinds carry their option keys."""

    question_id: int
    version_id: int
    topic: str
    kind: QuestionKind
    difficulty: int | None
    option_keys: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", QuestionKind(self.kind))
        keys = self.option_keys
        fits = len(keys) >= 2 and len(set(keys)) == len(keys) if self.kind in CHOICE_KINDS else not keys
        if not isinstance(keys, tuple) or not fits:
            raise ValueError(f"question {self.question_id}: option keys {keys!r} do not fit kind {self.kind}")


@dataclass(frozen=True)
class PaperItem:
    """One question on a paper; `option_order` is the shown order of option keys, None when not shuffled."""

    question_id: int
    version_id: int
    points: Decimal
    option_order: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Paper:
    items: tuple[PaperItem, ...]
    seed: int
    max_score: Decimal


def validate_blueprint(blueprint: Blueprint, pool: Sequence[PoolItem]) -> None:
    """Raise BlueprintInvalid when the points miss `max_score`, BlueprintShort when the pool is short.

    Raises ValueError when the pool lists a question twice (pass one current version per question).
    """
    if blueprint.total_points != blueprint.max_score:
        text = msg(m.BLUEPRINT_TOTAL_MISMATCH, total=blueprint.total_points, max_score=blueprint.max_score)
        raise BlueprintInvalid("rows", text)
    _assign(blueprint.rows, _candidates(blueprint.rows, pool, None))


def draw_paper(blueprint: Blueprint, pool: Sequence[PoolItem], seed: int) -> Paper:
    """Draw one paper; deterministic for (blueprint, pool as a set, seed). Fails as validate_blueprint."""
    validate_blueprint(blueprint, pool)
    rng = random.Random(seed)
    picked = _assign(blueprint.rows, _candidates(blueprint.rows, pool, rng))
    drawn = [(row, item) for row, items in zip(blueprint.rows, picked, strict=True) for item in items]
    if blueprint.shuffle_questions:
        rng.shuffle(drawn)
    items = tuple(
        PaperItem(item.question_id, item.version_id, row.points, _option_order(item, blueprint, rng))
        for row, item in drawn
    )
    return Paper(items, seed, blueprint.max_score)


def _option_order(item: PoolItem, blueprint: Blueprint, rng: random.Random) -> tuple[str, ...] | None:
    if not blueprint.shuffle_options or item.kind not in CHOICE_KINDS:
        return None
    keys = list(item.option_keys)
    rng.shuffle(keys)
    return tuple(keys)


def _candidates(
    rows: Sequence[BlueprintRow], pool: Sequence[PoolItem], rng: random.Random | None
) -> list[list[PoolItem]]:
    """Each row's matching questions: sorted by question id, then shuffled when drawing."""
    ordered = sorted(pool, key=lambda item: item.question_id)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if before.question_id == after.question_id:
            raise ValueError(f"question {after.question_id} is in the pool twice")
    per_row = [[item for item in ordered if row.matches(item)] for row in rows]
    if rng is not None:
        for candidates in per_row:
            rng.shuffle(candidates)
    return per_row


def _assign(rows: Sequence[BlueprintRow], candidates: list[list[PoolItem]]) -> list[list[PoolItem]]:
    """Give every row `count` distinct questions, no question to two rows; raise BlueprintShort if impossible.

    Slots are added most specific row first; each takes its first free candidate or, failing that, an
    augmenting path (a slot holding a question it shares with this row moves to another of its own).
    """
    slot_rows: list[int] = []
    held: dict[int, PoolItem] = {}  # slot -> question
    owner: dict[int, int] = {}  # question id -> slot
    for row_index in sorted(range(len(rows)), key=lambda index: -rows[index].specificity):
        row = rows[row_index]
        for filled in range(row.count):
            slot_rows.append(row_index)
            if not _augment(len(slot_rows) - 1, slot_rows, candidates, held, owner):
                raise BlueprintShort(row.topic, row.count, filled, row.kind, row.difficulty)
    picked: list[list[PoolItem]] = [[] for _ in rows]
    for slot, row_index in enumerate(slot_rows):
        picked[row_index].append(held[slot])
    return picked


def _augment(
    start: int, slot_rows: list[int], candidates: list[list[PoolItem]], held: dict[int, PoolItem], owner: dict[int, int]
) -> bool:
    """Find a question for slot `start` by breadth-first search over reassignments; apply it if found."""
    found_by: dict[int, int] = {}  # question id -> slot that reached it
    queue = deque([start])
    while queue:
        slot = queue.popleft()
        for item in candidates[slot_rows[slot]]:
            if item.question_id in found_by:
                continue
            found_by[item.question_id] = slot
            if item.question_id not in owner:
                _shift_along(item, found_by, held, owner)
                return True
            queue.append(owner[item.question_id])
    return False


def _shift_along(free: PoolItem, found_by: dict[int, int], held: dict[int, PoolItem], owner: dict[int, int]) -> None:
    item: PoolItem | None = free
    while item is not None:
        slot = found_by[item.question_id]
        previous = held.get(slot)
        held[slot] = item
        owner[item.question_id] = slot
        item = previous
