"""Practical checklists written as YAML by a base admin (the 实操项目 page), checked before they are stored.

The text is ``items:`` followed by one mapping per checklist item — ``code``, ``title``, ``kind``
(``points`` with ``max_points``; ``measured`` with ``nominal``, ``unit`` and ``bands: [[deviation, points],
…]``; ``redline``). A problem is refused with a Chinese message naming the line (YAML syntax) or the item
(its number and code), so the admin can fix the text; nothing is stored until the whole checklist holds.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import yaml

from core.errors import ValidationFailed
from core.i18n import lazy
from exams.practical import checklist_from_json

EXAMPLE = """items:
  - code: angle
    title: 吊索与构件水平面夹角不小于 60°
    kind: points
    max_points: 20
  - code: plumb
    title: 墙板垂直度偏差
    kind: measured
    nominal: 0
    unit: mm
    bands: [[3, 60], [5, 30], [8, 10]]
  - code: brace
    title: 两道斜撑固定后方可摘钩
    kind: redline
"""
_NUMBERS = ("max_points", "nominal")


def _bad(message: str) -> ValidationFailed:
    return ValidationFailed("invalid_checklist", message, "checklist")


def _number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    try:
        return Decimal(str(value)).is_finite()
    except InvalidOperation:
        return False


def _check_item(n: int, raw: object) -> None:
    if not isinstance(raw, dict):
        raise _bad(str(lazy("第 %(n)d 项应写成“code: …、title: …、kind: …”的形式。", n=n)))
    code = str(raw.get("code", ""))[:40]
    for name in _NUMBERS:
        if raw.get(name) is not None and not _number(raw[name]):
            raise _bad(str(lazy("第 %(n)d 项（%(c)s）：%(f)s 应为数字。", n=n, c=code, f=name)))
    bands = raw.get("bands", [])
    if not isinstance(bands, list) or not all(
            isinstance(b, list) and len(b) == 2 and all(_number(x) for x in b) for b in bands):
        raise _bad(str(lazy("第 %(n)d 项（%(c)s）：bands 应写成 [[偏差, 得分], …]。", n=n, c=code)))


def parse_checklist(text: str) -> dict:
    """The checklist as stored (``{"items": [...]}``) from the admin's YAML; ValidationFailed on ``checklist``."""
    try:
        data = yaml.safe_load(text or "")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = str(lazy("第 %(n)d 行：", n=mark.line + 1)) if mark is not None else ""
        raise _bad(where + str(lazy("格式不正确（YAML），请检查缩进和冒号。"))) from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list) or not data["items"]:
        raise _bad(str(lazy("评分表应以 items: 开头，下面至少列出一项。")))
    for n, raw in enumerate(data["items"], 1):
        _check_item(n, raw)
    try:
        checklist_from_json(data)
    except ValidationFailed as exc:
        raise _bad(exc.message) from None
    return {"items": data["items"]}
