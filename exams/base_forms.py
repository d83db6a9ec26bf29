"""Forms of the training-base pages (CSRF on every one); the rules live in the services."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

LOCAL = ZoneInfo("Asia/Shanghai")
_REQUIRED = _l("必填。")


def to_utc(value: datetime | None) -> datetime | None:
    """A ``datetime-local`` value is Beijing time."""
    return value.replace(tzinfo=LOCAL).astimezone(ZoneInfo("UTC")) if value else None


def _when(label, required: bool = True):
    return DateTimeLocalField(label, format="%Y-%m-%dT%H:%M",
                              validators=[DataRequired(_REQUIRED)] if required else [Optional()])


class VenueForm(FlaskForm):
    name = StringField(_l("考点名称"), validators=[DataRequired(_REQUIRED), Length(max=120)])
    address = StringField(_l("地址"), validators=[Length(max=200)])


class RoomForm(FlaskForm):
    name = StringField(_l("考场名称"), validators=[DataRequired(_REQUIRED), Length(max=60)])
    seats = IntegerField(_l("座位数"), validators=[DataRequired(_REQUIRED), NumberRange(1, 500)])


class SessionForm(FlaskForm):
    exam_id = SelectField(_l("考试"), coerce=int, choices=[])
    venue_id = SelectField(_l("考点"), coerce=int, choices=[])
    title = StringField(_l("场次名称（可不填）"), validators=[Length(max=160)])
    starts_at = _when(_l("开始时间"))
    ends_at = _when(_l("结束时间"))
    capacity = IntegerField(_l("容量（人）"), validators=[DataRequired(_REQUIRED), NumberRange(1, 5000)])
    registration_opens_at = _when(_l("报名开始（可不填：立即开放）"), required=False)
    registration_closes_at = _when(_l("报名截止（可不填：开考时）"), required=False)
    cancel_closes_at = _when(_l("取消截止（可不填：同报名截止）"), required=False)


class StaffDutyForm(FlaskForm):
    user_id = SelectField(_l("人员"), coerce=int, choices=[])
    duty = SelectField(_l("职责"), choices=[SelectChoice("invigilator", _l("监考员")),
                                                     SelectChoice("examiner", _l("考评员"))])
    room_id = SelectField(_l("考场（监考员）"), coerce=int, choices=[])


class TicketForm(FlaskForm):
    ticket_number = StringField(_l("准考证号"), validators=[DataRequired(_l("请输入准考证号。")), Length(max=40)])


class ReasonForm(FlaskForm):
    reason = StringField(_l("原因"), validators=[DataRequired(_l("请填写原因。")), Length(max=200)])


class ExtraTimeForm(FlaskForm):
    minutes = IntegerField(_l("延长（分钟）"), validators=[DataRequired(_REQUIRED), NumberRange(1, 120)])
    reason = StringField(_l("原因"), validators=[DataRequired(_l("请填写原因。")), Length(max=200)])


class NoteForm(FlaskForm):
    note = TextAreaField(_l("情况记录"), validators=[DataRequired(_l("请填写情况说明。")), Length(max=2000)])
