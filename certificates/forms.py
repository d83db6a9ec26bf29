"""HTML forms of the certificate pages (Flask-WTF, CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

ACTIONS = ("suspend", "reinstate", "revoke", "renew", "reissue")


class IdCheckForm(FlaskForm):
    t = HiddenField()
    id_number = StringField(_l("持证人身份证号"), validators=[DataRequired(_l("请输入身份证号。")), Length(max=24)])


class BulkForm(FlaskForm):
    org = SelectField(_l("以哪家企业的名义核验"), coerce=int, choices=[])
    file = FileField(_l("人员名单（CSV 或 Excel .xlsx）"), validators=[FileRequired(_l("请选择要上传的文件。"))])


class LifecycleForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("原因"), validators=[Length(max=500)])
