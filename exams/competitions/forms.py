"""Forms of the competition pages (CSRF on every one); the rules live in the services."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import DecimalField, HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from exams.competitions.setup import EventRules


def choices(pairs) -> list[SelectChoice]:
    """``(value, label)`` pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


KIND_LABELS = {"individual": _l("个人赛"), "team": _l("团体赛")}
AGGREGATION_LABELS = {"worldskills": _l("世赛规则：3 名裁判，分差超限须重新评分"),
                      "panel": _l("裁判组规则：5 名裁判，去掉最高分和最低分取平均")}
CHAINS = {
    "practical,time,theory": _l("实操成绩 → 用时 → 理论成绩 → 并列"),
    "practical,theory,time": _l("实操成绩 → 理论成绩 → 用时 → 并列"),
    "time,practical,theory": _l("用时 → 实操成绩 → 理论成绩 → 并列"),
    "theory,practical,time": _l("理论成绩 → 实操成绩 → 用时 → 并列"),
    "": _l("直接并列"),
}


class CompetitionForm(FlaskForm):
    title = StringField(_l("竞赛名称"), validators=[DataRequired(_l("请填写竞赛名称。")), Length(max=160)])
    venue = StringField(_l("比赛地点"), validators=[Length(max=160)])
    starts_on = StringField(_l("比赛日期"), validators=[Length(max=10)], render_kw={"type": "date"})


class ChiefForm(FlaskForm):
    chief_judge_id = SelectField(_l("裁判长"), coerce=int, choices=[])


class EventForm(FlaskForm):
    code = StringField(_l("项目代码"), validators=[DataRequired(_l("请填写项目代码。")), Length(max=20)])
    title = StringField(_l("项目名称"), validators=[DataRequired(_l("请填写项目名称。")), Length(max=160)])
    kind = SelectField(_l("类型"), choices=choices(KIND_LABELS.items()))
    occupation = StringField(_l("职业（工种）"), validators=[Length(max=80)])
    occupation_code = StringField(_l("职业编码"), validators=[Length(max=20)])
    level = StringField(_l("等级"), validators=[Length(max=20)])


class RulesForm(FlaskForm):
    theory_weight = DecimalField(_l("理论权重 %"), places=2, validators=[InputRequired(), NumberRange(0, 100)])
    practical_weight = DecimalField(_l("实操权重 %"), places=2, validators=[InputRequired(), NumberRange(0, 100)])
    theory_exam_id = SelectField(_l("理论考试（平台考试）"), coerce=int, choices=[])
    aggregation = SelectField(_l("评价项汇总方式"), choices=choices(AGGREGATION_LABELS.items()))
    max_gap = IntegerField(_l("允许的最大分差（世赛规则）"), validators=[InputRequired(), NumberRange(0, 3)])
    tie_breaks = SelectField(_l("并列名次判定顺序"), choices=choices(CHAINS.items()), validate_choice=True)
    min_medals = IntegerField(_l("颁发奖牌所需最少选手数"), validators=[InputRequired(), NumberRange(0, 1000)])
    gold = IntegerField(_l("金牌名额"), validators=[InputRequired(), NumberRange(0, 100)])
    silver = IntegerField(_l("银牌名额"), validators=[InputRequired(), NumberRange(0, 100)])
    bronze = IntegerField(_l("铜牌名额"), validators=[InputRequired(), NumberRange(0, 100)])
    excellence = IntegerField(_l("优胜奖名额"), validators=[InputRequired(), NumberRange(0, 1000)])
    technical_expert = IntegerField(_l("“技术能手”授予前 N 名"), validators=[InputRequired(), NumberRange(0, 1000)])
    recheck_top = IntegerField(_l("复核：前 N 名全部复核"), validators=[InputRequired(), NumberRange(0, 1000)])
    recheck_share = DecimalField(_l("复核：其余选手抽查比例 %"), places=1, validators=[InputRequired(),
                                                                               NumberRange(0, 100)])
    recheck_threshold = DecimalField(_l("差错率超过 % 时全部复核"), places=1, validators=[InputRequired(),
                                                                                 NumberRange(0, 100)])
    appeal_minutes = IntegerField(_l("申诉期（分钟）"), validators=[InputRequired(), NumberRange(10, 72 * 60)])

    def load(self, event) -> None:
        """Fill the form from the event (GET)."""
        awards = event.awards or {}
        tiers = {t.get("code"): t.get("count", 0) for t in awards.get("tiers", [])}
        titles = {t.get("code"): t.get("top", 0) for t in awards.get("titles", [])}
        self.theory_weight.data, self.practical_weight.data = event.theory_weight, event.practical_weight
        self.theory_exam_id.data = event.theory_exam_id or 0
        self.aggregation.data, self.max_gap.data = event.aggregation, event.max_gap
        self.tie_breaks.data = ",".join(event.tie_breaks)
        self.min_medals.data = awards.get("min_competitors_for_medals", 0)
        for name in ("gold", "silver", "bronze", "excellence"):
            getattr(self, name).data = tiers.get(name, 0)
        self.technical_expert.data = titles.get("technical_expert", 0)
        self.recheck_top.data = event.recheck_top
        self.recheck_share.data = Decimal(event.recheck_share) * 100
        self.recheck_threshold.data = Decimal(event.recheck_threshold) * 100
        self.appeal_minutes.data = event.appeal_window_s // 60

    def rules(self) -> EventRules:
        awards = {"min_competitors_for_medals": self.min_medals.data,
                  "tiers": [{"code": "gold", "count": self.gold.data, "medal": True},
                            {"code": "silver", "count": self.silver.data, "medal": True},
                            {"code": "bronze", "count": self.bronze.data, "medal": True},
                            {"code": "excellence", "count": self.excellence.data}],
                  "titles": [{"code": "technical_expert", "top": self.technical_expert.data}]}
        return EventRules(
            theory_weight=self.theory_weight.data, practical_weight=self.practical_weight.data,
            aggregation=self.aggregation.data, max_gap=self.max_gap.data,
            tie_breaks=tuple(t for t in self.tie_breaks.data.split(",") if t), awards=awards,
            recheck_top=self.recheck_top.data, recheck_share=self.recheck_share.data / 100,
            recheck_threshold=self.recheck_threshold.data / 100, appeal_window_s=self.appeal_minutes.data * 60,
            theory_exam_id=self.theory_exam_id.data or None)


class SchemeForm(FlaskForm):
    file = FileField(_l("评分标准文件（YAML 或 XLSX）"), validators=[FileRequired(_l("请选择文件。"))],
                     render_kw={"accept": ".yaml,.yml,.xlsx"})


class CompetitorForm(FlaskForm):
    name = StringField(_l("选手（队伍）名称"), validators=[DataRequired(_l("请填写名称。")), Length(max=120)])
    phones = StringField(_l("平台账号手机号（团体赛用逗号分隔，可不填）"), validators=[Length(max=400)])
    enterprise_org_id = SelectField(_l("所在企业"), coerce=int, choices=[])
    base_org_id = SelectField(_l("培训基地"), coerce=int, choices=[])
    theory_percent = DecimalField(_l("纸笔理论成绩（未关联平台考试时）"), places=2, validators=[Optional(),
                                                                                 NumberRange(0, 100)])


class DrawForm(FlaskForm):
    prefix = StringField(_l("工位号前缀"), validators=[Length(max=4)])


class JudgeForm(FlaskForm):
    judge_id = SelectField(_l("裁判"), coerce=int, choices=[])


class OverrideForm(FlaskForm):
    judge_id = SelectField(_l("裁判"), coerce=int, choices=[])
    competitor_id = SelectField(_l("工位"), coerce=int, choices=[])
    reason = TextAreaField(_l("理由"), validators=[DataRequired(_l("请写明理由。")), Length(max=1000)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("解锁原因"), validators=[DataRequired(_l("请写明原因。")), Length(max=2000)])


class RecheckForm(FlaskForm):
    item_id = HiddenField()
    items_checked = IntegerField(_l("复核项数"), validators=[InputRequired(), NumberRange(1, 1000)])
    errors_found = IntegerField(_l("发现差错数"), validators=[InputRequired(), NumberRange(0, 1000)])
    note = StringField(_l("说明"), validators=[Length(max=2000)])


class RulingForm(FlaskForm):
    appeal_id = HiddenField()
    outcome = SelectField(_l("裁决"), choices=choices([("dismissed", _l("驳回")),
                                                                      ("upheld", _l("申诉成立"))]))
    ruling = TextAreaField(_l("裁决理由"), validators=[DataRequired(_l("请写明裁决理由。")), Length(max=5000)])


class AppealForm(FlaskForm):
    event_id = SelectField(_l("竞赛项目"), coerce=int, choices=[])
    text = TextAreaField(_l("申诉内容"), validators=[DataRequired(_l("请写明申诉内容。")), Length(max=5000)])
    files = MultipleFileField(_l("证据（JPG、PNG 或 PDF，每个不超过 2 MB，最多 5 个）"),
                              render_kw={"accept": ".jpg,.jpeg,.png,.pdf"})


class EvidenceForm(FlaskForm):
    appeal_id = HiddenField()
    files = MultipleFileField(_l("补充证据"), render_kw={"accept": ".jpg,.jpeg,.png,.pdf"})
