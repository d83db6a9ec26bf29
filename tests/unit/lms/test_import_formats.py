import pytest

from lms.questions.importers import QuestionFileFormat, import_questions

ONE_QUESTION = {
    QuestionFileFormat.AIKEN: "吊索夹角？\nA) 30°\nB) 45°\nANSWER: B\n",
    QuestionFileFormat.GIFT: "::夹角:: 吊索夹角？ {=45° ~30°}",
    QuestionFileFormat.MOODLE_XML: (
        '<quiz><question type="truefalse"><name><text>斜吊</text></name>'
        "<questiontext><text>可以斜吊。</text></questiontext>"
        '<answer fraction="0"><text>true</text></answer><answer fraction="100"><text>false</text></answer>'
        "</question></quiz>"
    ),
}


@pytest.mark.parametrize("file_format", list(QuestionFileFormat))
def test_import_questions_dispatches_on_the_format(file_format):
    result = import_questions(file_format, ONE_QUESTION[file_format].encode())
    assert (len(result.questions), result.has_errors) == (1, False)


def test_format_may_be_given_as_text():
    assert len(import_questions("gift", ONE_QUESTION[QuestionFileFormat.GIFT]).questions) == 1
