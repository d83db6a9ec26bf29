"""HTML forms of the expert pool and panel draw pages (Flask-WTF: CSRF on every one).

Fields are bounded here; the rules (and their Chinese messages naming the field) live in ``roster.pool``
and ``roster.draws``, so the pages and any other caller get the same answers.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from roster.pool_models import RelationshipKind


def _max(n: int) -> Length:
    return Length(max=n, message=_l("最多%(max)d个字。"))


_SPECIALTIES_HINT = _l("工种代码，多个用逗号分隔，如 HOIST, GROUT")


class ApplyForm(FlaskForm):
    specialties = StringField(_l("专业（工种代码）"), validators=[_max(100)], description=_SPECIALTIES_HINT)
    region = StringField(_l("可参加评审的地区"), validators=[_max(60)])
    statement = TextAreaField(_l("个人简介（从业经历、职称、技能等级）"), validators=[_max(2000)])


class NominateForm(ApplyForm):
    org = SelectField(_l("推荐单位"), coerce=int, choices=[])
    person = StringField(_l("被推荐人的身份证号或手机号"), validators=[_max(24)])


class StatusForm(FlaskForm):
    action = HiddenField()
    reason = TextAreaField(_l("原因"), validators=[_max(500)])


class SpecialtiesForm(FlaskForm):
    specialties = StringField(_l("专业（工种代码）"), validators=[_max(100)], description=_SPECIALTIES_HINT)


KIND_CHOICES = [
    SelectChoice(RelationshipKind.RELATIVE.value, _l("亲属")),
    SelectChoice(RelationshipKind.EMPLOYMENT.value, _l("任职、兼职或雇佣")),
    SelectChoice(RelationshipKind.MENTOR.value, _l("师徒或师生")),
    SelectChoice(RelationshipKind.BUSINESS.value, _l("经济往来")),
    SelectChoice(RelationshipKind.OTHER.value, _l("其他")),
]


class RelationshipForm(FlaskForm):
    kind = SelectField(_l("关系类型"), choices=KIND_CHOICES)
    person = StringField(_l("有关人员的身份证号或手机号"), validators=[_max(24)])
    org = SelectField(_l("或有关单位"), coerce=int, choices=[])
    note = TextAreaField(_l("说明"), validators=[_max(500)])


class RatingForm(FlaskForm):
    job = StringField(_l("工作（如评审编号、竞赛名称）"), validators=[_max(120)])
    score = StringField(_l("评分（0–100）"), validators=[_max(6)])


class DrawForm(FlaskForm):
    purpose = StringField(_l("抽取用途"), validators=[_max(200)])
    subject = StringField(_l("受评人（身份证号、手机号或用户编号）"), validators=[_max(24)])
    specialty = StringField(_l("专业（工种代码）"), validators=[_max(8)])
    region = StringField(_l("地区（前缀，留空为不限）"), validators=[_max(60)])
    size = StringField(_l("抽取人数"), default="5", validators=[_max(4)])
    seed = StringField(_l("随机种子（留空则自动生成）"), validators=[_max(64)])


class ReplaceForm(FlaskForm):
    expert_id = SelectField(_l("更换的专家"), coerce=int, choices=[])
    reason = TextAreaField(_l("更换原因"), validators=[_max(500)])
