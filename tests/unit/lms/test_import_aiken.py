from lms.questions.importers import import_aiken
from lms.questions.spec import Option, QuestionKind


def counts(result) -> tuple[int, int, int]:
    return len(result.questions), len(result.skipped), len(result.errors)


def test_questions_fixture_imports_two_single_choices(moodle_fixtures):
    result = import_aiken((moodle_fixtures / "aiken" / "questions.aiken.txt").read_bytes())
    assert counts(result) == (2, 0, 0)
    first = result.questions[0]
    assert first.spec.kind is QuestionKind.SINGLE
    assert first.spec.stem == "The Moodle project was started by:"
    assert first.spec.options[1] == Option("B", "Martin Dougiamas")
    assert first.spec.answer == "B"
    assert first.position.line == 1


def test_questions_fixture_keeps_html_characters_as_plain_text(moodle_fixtures):
    result = import_aiken((moodle_fixtures / "aiken" / "questions.aiken.txt").read_bytes())
    second = result.questions[1]
    assert second.spec.stem == (
        'Moodle\'s abilities include handling user input that includes <html class="cool"> & images:'
    )
    assert second.position.line == 8


def test_errors_fixture_imports_the_two_good_questions(moodle_fixtures):
    result = import_aiken((moodle_fixtures / "aiken" / "aiken_errors.txt").read_bytes())
    assert counts(result) == (2, 0, 4)
    assert [q.name for q in result.questions] == ["A good question", "A second good question"]
    assert result.questions[1].spec.options[1] == Option("B", "Correct (No space)")


def test_errors_fixture_names_each_line_as_moodle_does(moodle_fixtures):
    result = import_aiken((moodle_fixtures / "aiken" / "aiken_errors.txt").read_bytes())
    assert [(e.position.line, e.name) for e in result.errors] == [
        (3, "A question with too few answers"),
        (5, ""),
        (7, ""),
        (18, "A question started but not finished"),
    ]


def test_errors_fixture_messages_say_what_is_wrong(moodle_fixtures):
    messages = [
        e.describe()
        for e in import_aiken((moodle_fixtures / "aiken" / "aiken_errors.txt").read_bytes()).errors
    ]
    assert messages[0] == "第 3 行「A question with too few answers」：题目至少需要 2 个选项（现有 1 个）。"
    assert messages[1].startswith("第 5 行：这一行之前没有题干")
    assert "第 14 行开始的题目还没有 ANSWER 行" in messages[3]


def test_answer_not_among_options_is_an_error_on_the_answer_line():
    result = import_aiken("吊索夹角？\nA) 30°\nB) 45°\nANSWER: C\n")
    assert counts(result) == (0, 0, 1)
    assert result.errors[0].position.line == 4
    assert "C" in result.errors[0].message and "A、B" in result.errors[0].message


def test_missing_answer_at_end_of_file_names_the_question_line():
    result = import_aiken("\n吊索夹角？\nA) 30°\nB) 45°\n")
    assert [(e.position.line, e.name) for e in result.errors] == [(2, "吊索夹角？")]


def test_repeated_option_letter_is_an_error():
    result = import_aiken("吊索夹角？\nA) 30°\nA) 45°\nANSWER: A\n")
    assert counts(result) == (0, 0, 1)


def test_chinese_punctuation_and_lowercase_answer_are_accepted():
    result = import_aiken("吊索夹角最低不得小于？\nA、30°\nB．45°\nC）60°\nAnswer：b\n")
    spec = result.questions[0].spec
    assert spec.option_keys == ("A", "B", "C")
    assert spec.answer == "B"


def test_stem_may_continue_over_several_lines():
    result = import_aiken("两肢吊索，\n夹角最低不得小于？\nA. 30°\nB. 45°\nANSWER: B\n")
    assert result.questions[0].spec.stem == "两肢吊索，\n夹角最低不得小于？"


def test_crlf_line_ends_are_read():
    result = import_aiken(b"Q?\r\nA) x\r\nB) y\r\nANSWER: A\r\n")
    assert counts(result) == (1, 0, 0)


def test_undecodable_bytes_give_one_file_error():
    result = import_aiken(b"\xff\xfe\x00\x81\x30\x81")
    assert counts(result) == (0, 0, 1)
    assert result.errors[0].describe().startswith("文件：")
