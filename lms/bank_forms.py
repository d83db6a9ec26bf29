"""Forms of the question-bank pages (CSRF on every one); the rules themselves live in ``lms.banks``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from lms.questions.importers import QuestionFileFormat

FORMAT_CHOICES = [
    SelectChoice("", _l("按扩展名识别（.xml → Moodle XML，.gift → GIFT，.txt → Aiken）")),
    SelectChoice(QuestionFileFormat.MOODLE_XML.value, "Moodle XML"),
    SelectChoice(QuestionFileFormat.GIFT.value, "GIFT"),
    SelectChoice(QuestionFileFormat.AIKEN.value, "Aiken"),
]


class BankForm(FlaskForm):
    name = StringField(_l("题库名称"), validators=[DataRequired(_l("请填写题库名称。")), Length(max=120)])
    course_id = SelectField(_l("关联课程（可不选）"), choices=[], validate_choice=False)

    def set_courses(self, courses) -> None:
        self.course_id.choices = [SelectChoice("", _l("不关联课程")),
                                  *(SelectChoice(str(c.id), c.title) for c in courses)]

    @property
    def chosen_course_id(self) -> int | None:
        value = self.course_id.data or ""
        return int(value) if value.isdigit() else None


class ImportForm(FlaskForm):
    file = FileField(_l("题目文件"), validators=[FileRequired(_l("请选择要导入的文件。"))],
                     render_kw={"accept": ".xml,.gift,.txt"})
    file_format = SelectField(_l("文件格式"), choices=FORMAT_CHOICES, default="")
    skip_errors = BooleanField(_l("跳过有错误的题目，导入其余题目"))
