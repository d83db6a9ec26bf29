"""HTML forms (Flask-WTF, CSRF on every one). Labels and messages are Chinese through gettext."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from core.models import OrgKind, Role


class RegisterForm(FlaskForm):
    phone = StringField(_l("手机号"), validators=[DataRequired(_l("请填写手机号。")), Length(max=20)])
    name = StringField(_l("真实姓名"), validators=[DataRequired(_l("请填写真实姓名。")), Length(max=30)])
    id_number = StringField(_l("身份证号"), validators=[DataRequired(_l("请填写身份证号。")), Length(max=20)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请设置密码。")), Length(max=128)])
    password2 = PasswordField(_l("确认密码"), validators=[EqualTo("password", _l("两次输入的密码不一致。"))])
    consent = BooleanField(_l("我已阅读并同意《个人信息处理规则》，同意平台为培训、考试和发证处理我的身份证号和手机号"))


class LoginForm(FlaskForm):
    phone = StringField(_l("手机号"), validators=[DataRequired(_l("请填写手机号。")), Length(max=20)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请填写密码。")), Length(max=128)])


class PasswordForm(FlaskForm):
    old_password = PasswordField(_l("原密码"), validators=[DataRequired(), Length(max=128)])
    new_password = PasswordField(_l("新密码"), validators=[DataRequired(), Length(max=128)])
    new_password2 = PasswordField(_l("确认新密码"),
                                  validators=[EqualTo("new_password", _l("两次输入的密码不一致。"))])


ORG_KIND_LABELS = {
    OrgKind.TRAINING_BASE: _l("培训基地"),
    OrgKind.ENTERPRISE: _l("企业"),
    OrgKind.COMMITTEE: _l("专家委员会"),
    OrgKind.AUTHORITY: _l("主管部门"),
}
ROLE_LABELS = {
    Role.WORKER: _l("学员"),
    Role.BASE_ADMIN: _l("基地管理员"),
    Role.INVIGILATOR: _l("监考员"),
    Role.EXAMINER: _l("考评员"),
    Role.JUDGE: _l("裁判"),
    Role.CHIEF_JUDGE: _l("裁判长"),
    Role.ENTERPRISE_HR: _l("企业人事"),
    Role.COMMITTEE_MEMBER: _l("专家委员"),
    Role.COMMITTEE_CHAIR: _l("专家委员会主任"),
    Role.PLATFORM_ADMIN: _l("平台管理员"),
}


class OrgForm(FlaskForm):
    kind = SelectField(_l("机构类型"), choices=[(k.value, v) for k, v in ORG_KIND_LABELS.items()])
    name = StringField(_l("机构名称"), validators=[DataRequired(_l("请填写机构名称。")), Length(max=120)])
    region = StringField(_l("所在地区"), validators=[Length(max=60)])


class StaffForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名。")), Length(max=30)])
    phone = StringField(_l("手机号"), validators=[DataRequired(_l("请填写手机号。")), Length(max=20)])
    role = SelectField(_l("角色"), choices=[])


class ApiKeyForm(FlaskForm):
    name = StringField(_l("密钥名称"), validators=[DataRequired(_l("请填写密钥名称。")), Length(max=80)])


class ConfirmForm(FlaskForm):
    """An empty form: just the CSRF token, for POST-only buttons."""
