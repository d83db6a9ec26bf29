"""Translation helpers usable from pure modules.

``lazy`` is Flask-Babel's ``lazy_gettext`` when Flask-Babel is importable, so pure modules mark their
messages without importing Flask themselves; outside a request it falls back to the Chinese source text.
"""

from __future__ import annotations

DEFAULT_LOCALE = "zh_Hans_CN"
LOCALES = ("zh_Hans_CN", "en")


def lazy(text: str, **variables: object):
    try:
        from flask import has_request_context
        from flask_babel import gettext
    except ImportError:  # pragma: no cover - flask is a hard dependency of the app
        return text % variables if variables else text
    if not has_request_context():
        return text % variables if variables else text
    return gettext(text, **variables)
