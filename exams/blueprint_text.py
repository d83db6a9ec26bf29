"""Blueprint rows written as text, one per line: ``topic count points [kind] [difficulty]``.

Pure parsing for the staff form; errors name the line.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from core.errors import ValidationFailed
from core.i18n import lazy

KINDS = {"single", "multiple", "truefalse", "ordering", "numeric", "short", "*"}


def parse_blueprint(text: str) -> list[dict]:
    rows = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        parts = line.replace("，", " ").replace(",", " ").split()
        if not parts or parts[0].startswith("#"):
            continue
        if len(parts) < 3:
            message = lazy("第%(n)d行：应写“主题 题数 每题分值 [题型] [难度]”。", n=number)
            raise ValidationFailed("blueprint_line", str(message), "blueprint")
        try:
            count, points = int(parts[1]), Decimal(parts[2])
        except (ValueError, InvalidOperation):
            raise ValidationFailed("blueprint_line", str(lazy("第%(n)d行：题数和分值应为数字。", n=number)),
                                   "blueprint") from None
        kind = parts[3] if len(parts) > 3 else "*"
        if kind not in KINDS:
            raise ValidationFailed("blueprint_line", str(lazy("第%(n)d行：题型“%(k)s”无效。", n=number, k=kind)),
                                   "blueprint")
        difficulty = int(parts[4]) if len(parts) > 4 and parts[4].isdigit() else None
        rows.append({"topic": parts[0], "count": count, "points": str(points),
                     "kind": None if kind == "*" else kind, "difficulty": difficulty})
    if not rows:
        raise ValidationFailed("blueprint_empty", str(lazy("请至少写一行组卷规则。")), "blueprint")
    return rows
