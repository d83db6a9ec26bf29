"""Fill empty English msgstrs from a JSON dict {chinese: english} (keeps existing translations).

Usage: python tools/po_fill.py core/translations/en/LC_MESSAGES/messages.po translations.json
"""

from __future__ import annotations

import json
import sys

from babel.messages.pofile import read_po, write_po


def main(po_path: str, json_path: str) -> int:
    with open(po_path, "rb") as fh:
        catalog = read_po(fh)
    with open(json_path, encoding="utf-8") as fh:
        table = json.load(fh)
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in table and not message.string:
            message.string = table[key] if isinstance(message.id, str) else (table[key], table[key])
            filled += 1
    with open(po_path, "wb") as fh:
        write_po(fh, catalog, width=120)
    missing = sum(1 for m in catalog if m.id and not m.string)
    print(f"filled {filled}; still untranslated {missing}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
