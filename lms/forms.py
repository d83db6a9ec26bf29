"""Learning forms. Buttons and the quiz carry only a CSRF token (``core.forms.ConfirmForm``); the quiz is
drawn per attempt, so its answers are read from the raw form by the question kind each block declares.

Quiz field names (see ``lms/templates/lms/_quiz.html``): ``q`` repeats the question version ids in the
order shown, ``k<id>`` names the kind, ``q<id>`` holds the answer (a key, several keys, ``true``/``false``,
text, or for ordering one key per position in document order).
"""

from __future__ import annotations

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from core.errors import ValidationFailed

MAX_QUESTIONS = 50


def _ordering(values: list[str]) -> list[str]:
    # A half-filled order is not an answer: it scores 0 rather than failing the whole submission.
    return values if values and all(values) else []


_READERS = {
    "multiple": lambda form, name: form.getlist(name),
    "ordering": lambda form, name: _ordering(form.getlist(name)),
    "truefalse": lambda form, name: {"true": True, "false": False}.get(form.get(name, "")),
}


def practice_responses(form: MultiDict) -> dict[int, object]:
    """``{question_version_id: raw response}`` in the order shown; the grader checks each response.

    Raises ValidationFailed for missing or malformed question ids.
    """
    ids = form.getlist("q")
    if not ids or len(ids) > MAX_QUESTIONS or not all(i.isdigit() for i in ids):
        raise ValidationFailed("no_questions", _("没有收到题目，请刷新页面后重做。"), "responses")
    out: dict[int, object] = {}
    for raw_id in ids:
        name = f"q{raw_id}"
        read = _READERS.get(form.get(f"k{raw_id}", ""), lambda f, n: f.get(n, ""))
        out[int(raw_id)] = read(form, name)
    return out
