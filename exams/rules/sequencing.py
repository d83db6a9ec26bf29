"""The answer-save protocol (DESIGN §6.2): apply only newer saves, acknowledge every one.

The phone numbers each save of an attempt 1, 2, 3... and keeps it until acknowledged. The server applies
a save only when its sequence number is greater than the stored one, and always acknowledges the
incoming number, so a replayed or out-of-order older save is dropped by the phone without overwriting
a newer answer, and a duplicate is harmless.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class SaveDecision:
    applied: bool
    ack_seq: int


def _check_seq(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} must be an int, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, not {value}")
    return value


def apply_save(stored_seq: int | None, incoming_seq: int) -> SaveDecision:
    """Apply when `incoming_seq` > `stored_seq` (or nothing is stored); acknowledge `incoming_seq` always.

    Raises ValueError when a sequence number is not an int (bool included) or is below 1.
    """
    incoming = _check_seq("incoming_seq", incoming_seq)
    if stored_seq is None:
        return SaveDecision(applied=True, ack_seq=incoming)
    stored = _check_seq("stored_seq", stored_seq)
    return SaveDecision(applied=incoming > stored, ack_seq=incoming)
