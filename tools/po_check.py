"""Check a translated catalog: placeholders kept, nothing untranslated or fuzzy.

Usage: python tools/po_check.py core/translations/en/LC_MESSAGES/messages.po

For every translated message the msgstr must carry the same placeholders as the msgid
(``%(name)s``, ``%(n)d``, ``{n}``) and the same number of ``%%``; a message with parameters must
interpolate cleanly. Exits 1 when a problem is found; prints the untranslated and fuzzy counts.
"""

from __future__ import annotations

import re
import sys
from collections import Counter

from babel.messages.pofile import read_po

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
NAMED = re.compile(r"%\((\w+)\)[sd]")


def _forms(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [v or "" for v in value]
    return [value or ""]


def check(po_path: str) -> int:
    with open(po_path, "rb") as fh:
        catalog = read_po(fh)
    problems: list[str] = []
    untranslated = fuzzy = total = 0
    for message in catalog:
        if not message.id:
            continue
        total += 1
        ids = _forms(message.id)
        strings = _forms(message.string)
        if not all(s.strip() for s in strings):
            untranslated += 1
            continue
        if message.fuzzy:
            fuzzy += 1
        source = ids[0]
        expected = Counter(PLACEHOLDER.findall(source))
        for string in strings:
            found = Counter(PLACEHOLDER.findall(string))
            if set(found) != set(expected):
                problems.append(f"placeholders {sorted(expected)} -> {sorted(found)}: {source!r} -> {string!r}")
            if source.count("%%") != string.count("%%"):
                problems.append(f"'%%' count differs: {source!r} -> {string!r}")
            names = NAMED.findall(source)
            if names:
                try:
                    string % {name: 1 for name in names}
                except (ValueError, TypeError, KeyError) as exc:
                    problems.append(f"does not interpolate ({exc}): {string!r}")
    for line in problems:
        print(line)
    print(f"{total} messages; {total - untranslated} translated; {untranslated} untranslated; "
          f"{fuzzy} fuzzy; {len(problems)} placeholder problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(check(*sys.argv[1:]))
