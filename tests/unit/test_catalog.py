"""Every user-facing string in the code and templates is in the English catalog, translated, with its
placeholders kept: a new Chinese string without its English fails here, not in front of a user."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "lms", "exams", "certificates", "roster")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy": None, "_l": None, "lazy_gettext": None}
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]


def _source_messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for package in PACKAGES:
        for filename, lineno, message, _comments, _context in extract_from_dir(
                str(ROOT / package), method_map=METHODS, keywords=KEYWORDS,
                options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}):
            key = message if isinstance(message, str) else message[0]
            if key:
                found.setdefault(key, f"{package}/{filename}:{lineno}")
    return found


def test_every_string_in_the_code_has_an_english_translation():
    with open(ROOT / "core/translations/en/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh)
    translated = {(m.id if isinstance(m.id, str) else m.id[0]) for m in catalog
                  if m.id and all(s.strip() for s in ([m.string] if isinstance(m.string, str) else m.string))}
    missing = {text: where for text, where in _source_messages().items() if text not in translated}
    assert not missing, ("extract and translate (pybabel extract/update, tools/po_fill.py): "
                         + "; ".join(f"{where} {text!r}" for text, where in sorted(missing.items())[:20]))
