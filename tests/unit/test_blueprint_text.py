import pytest

from core.errors import ValidationFailed
from exams.blueprint_text import parse_blueprint


def test_lines_become_rows_with_optional_kind_and_difficulty():
    rows = parse_blueprint("angles 4 10\n# comment\nsignals, 3, 20, single, 2\n")
    assert rows == [{"topic": "angles", "count": 4, "points": "10", "kind": None, "difficulty": None},
                    {"topic": "signals", "count": 3, "points": "20", "kind": "single", "difficulty": 2}]


@pytest.mark.parametrize("text,line", [
    ("angles 4", "第1行"), ("a 1 1\nb x 2", "第2行"), ("a 1 1\n\nc 1 1 essay", "第3行"),
])
def test_a_bad_line_is_named(text, line):
    with pytest.raises(ValidationFailed) as exc:
        parse_blueprint(text)
    assert line in exc.value.message and exc.value.field == "blueprint"
