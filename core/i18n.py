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


_once: dict[tuple[object, str], str] = {}


def translated_once(key: object, message) -> str:
    """``str(message())`` for a fixed message (no variables), translated once per locale and process: the
    catalogues are compiled before the app starts, so the answer never changes. For strings on hot paths
    (a verification's status label)."""
    try:
        from flask import has_request_context
        from flask_babel import get_locale
    except ImportError:  # pragma: no cover - flask is a hard dependency of the app
        return str(message())
    locale = str(get_locale()) if has_request_context() else ""
    found = _once.get((key, locale))
    if found is None:
        found = _once[(key, locale)] = str(message())
    return found
