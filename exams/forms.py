"""Staff forms of the exam engine."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

REVIEW_CHOICES = [("score_only", _l("交卷后只显示成绩")), ("score_and_answers", _l("交卷后显示成绩和答案")),
                  ("after_close", _l("考试结束后显示成绩和答案")), ("none", _l("不显示，由基地公布"))]


class ExamForm(FlaskForm):
    title = StringField(_l("考试名称"), validators=[DataRequired(), Length(max=160)])
    course_id = SelectField(_l("对应课程（题库）"), coerce=int)
    level = StringField(_l("等级"), validators=[Length(max=40)], default="五级/初级工")
    minutes = IntegerField(_l("考试时长（分钟）"), validators=[DataRequired(), NumberRange(5, 300)], default=90)
    pass_mark = IntegerField(_l("合格分"), validators=[NumberRange(0, 100)], default=60)
    review_policy = SelectField(_l("交卷后可见"), choices=REVIEW_CHOICES)
    blueprint = TextAreaField(_l("组卷规则（每行：主题 题数 每题分值 [题型] [难度]）"),
                              validators=[DataRequired(), Length(max=5000)])
