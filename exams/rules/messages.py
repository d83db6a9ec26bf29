"""Every user-facing message of `exams.rules`, in Chinese, in one place.

Marked with `N_` and translated when raised through `msg`, the same seam as `lms.questions.messages`.
"""

from lms.questions.messages import N_

# Blueprints.
BLUEPRINT_NO_ROWS = N_("组卷规则至少要有一行。")
BLUEPRINT_TOPIC_EMPTY = N_("第 %(row)d 行的知识点不能为空。")
BLUEPRINT_COUNT_INVALID = N_("第 %(row)d 行的题数应为正整数。")
BLUEPRINT_POINTS_INVALID = N_("第 %(row)d 行的每题分值应为正数。")
BLUEPRINT_KIND_UNKNOWN = N_("第 %(row)d 行的题型“%(kind)s”无效。")
BLUEPRINT_DIFFICULTY_INVALID = N_("第 %(row)d 行的难度应为 1、2 或 3。")
BLUEPRINT_DURATION_INVALID = N_("考试时长应为正整数秒。")
BLUEPRINT_ATTEMPTS_INVALID = N_("允许作答次数应为正整数。")
BLUEPRINT_MAX_SCORE_INVALID = N_("满分应为正数。")
BLUEPRINT_PASS_MARK_INVALID = N_("及格线应在 0 到 100 之间。")
BLUEPRINT_REVIEW_UNKNOWN = N_("查看答卷方式“%(review)s”无效。")
BLUEPRINT_TOTAL_MISMATCH = N_("各行分值合计 %(total)s 分，与满分 %(max_score)s 分不符。")
BLUEPRINT_SHORT = N_("题库中知识点“%(topic)s”%(filter)s的题目不足：需要 %(needed)d 道，只能抽到 %(available)d 道。")
BLUEPRINT_FILTER_KIND = N_("（%(kind)s）")
BLUEPRINT_FILTER_DIFFICULTY = N_("（难度 %(difficulty)d）")

# Practical checklists.
PRACTICAL_CODE_EMPTY = N_("检查项目的编号不能为空。")
PRACTICAL_TITLE_EMPTY = N_("检查项目“%(code)s”的名称不能为空。")
PRACTICAL_CODE_DUPLICATE = N_("检查项目编号“%(code)s”重复。")
PRACTICAL_NO_ITEMS = N_("评分表至少要有一个检查项目。")
PRACTICAL_NO_POINTS = N_("评分表的总分应大于 0。")
PRACTICAL_KIND_UNKNOWN = N_("“%(title)s”的类型“%(kind)s”无效，可用：points、measured、redline。")
PRACTICAL_MAX_INVALID = N_("“%(title)s”的满分应为 0.5 的正整数倍。")
PRACTICAL_BANDS_EMPTY = N_("“%(title)s”至少要有一个允许偏差档。")
PRACTICAL_BANDS_ORDER = N_("“%(title)s”的偏差档应按偏差从小到大排列，且偏差越大得分不能越高。")
PRACTICAL_BAND_INVALID = N_("“%(title)s”的偏差档无效：偏差和得分都不能为负数。")
PRACTICAL_NOMINAL_INVALID = N_("“%(title)s”的设计值无效。")
PRACTICAL_UNUSED_FIELDS = N_("“%(title)s”填写了不属于该类型的设置。")
PRACTICAL_UNKNOWN_ITEM = N_("评分表中没有编号为“%(code)s”的检查项目。")
PRACTICAL_MISSING_MARK = N_("“%(title)s”尚未评分。")
PRACTICAL_POINTS_TYPE = N_("“%(title)s”的得分应为数字。")
PRACTICAL_POINTS_RANGE = N_("“%(title)s”的得分应在 0 到 %(max)s 分之间。")
PRACTICAL_POINTS_STEP = N_("“%(title)s”的得分应以 0.5 分为单位。")
PRACTICAL_READING_TYPE = N_("“%(title)s”的实测值应为数字。")
PRACTICAL_REDLINE_TYPE = N_("“%(title)s”应记录为“违反”或“未违反”。")
PRACTICAL_TOO_FEW_SHEETS = N_("至少需要 2 位考评员的评分表，目前只有 %(count)d 份。")

# Level assessment results (theory + practical).
REASON_LABELS = {
    "theory_missing": N_("理论考试成绩未出"),
    "theory_below_pass": N_("理论考试未达到及格线"),
    "practical_missing": N_("实操考核成绩未出"),
    "practical_below_pass": N_("实操考核未达到及格线"),
    "practical_redline": N_("实操考核违反否决项"),
}
