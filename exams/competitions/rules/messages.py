"""Every user-facing message of the competition rules, in Chinese, in one place.

Marked with `N_` and translated when raised through `msg` (the seam of `lms.questions.messages`).
"""

from lms.questions.messages import N_

# Marking schemes.
SCHEME_NO_MODULES = N_("评分标准至少要有一个模块。")
SCHEME_MODULE_NO_ASPECTS = N_("模块“%(code)s”至少要有一个评分项。")
SCHEME_MODULE_CODE_DUPLICATE = N_("模块代码“%(code)s”重复。")
SCHEME_ASPECT_CODE_DUPLICATE = N_("评分项代码“%(code)s”在本项目中重复。")
SCHEME_CODE_INVALID = N_("代码“%(code)s”无效：应为 1–20 个字母、数字、点、连字符或下划线。")
SCHEME_TITLE_EMPTY = N_("“%(code)s”的名称不能为空。")
SCHEME_KIND_UNKNOWN = N_("“%(code)s”的类型“%(kind)s”无效，可用：measurement（测量）、judgement（评价）、"
                         "deduction（扣分）、safety（安全红线）。")
SCHEME_MAX_INVALID = N_("“%(code)s”的分值应为大于 0、不超过 100 的数，最多两位小数。")
SCHEME_SAFETY_HAS_MARKS = N_("安全红线“%(code)s”不计分，分值应为 0。")
SCHEME_NOMINAL_INVALID = N_("测量项“%(code)s”缺少有效的标准值。")
SCHEME_DIRECTION_UNKNOWN = N_("测量项“%(code)s”的偏差方向“%(direction)s”无效，可用：both、at_least、at_most。")
SCHEME_BANDS_EMPTY = N_("测量项“%(code)s”至少要有一个允许偏差档。")
SCHEME_BAND_INVALID = N_("测量项“%(code)s”的偏差档无效：偏差和得分都不能为负数。")
SCHEME_BANDS_ORDER = N_("测量项“%(code)s”的偏差档应按偏差从小到大排列，且偏差越大得分不能越高。")
SCHEME_BANDS_TOP = N_("测量项“%(code)s”第一档的得分应等于该项分值 %(max)s。")
SCHEME_DESCRIPTORS = N_("评价项“%(code)s”需要 0、1、2、3 分各一条评分描述。")
SCHEME_UNUSED_FIELDS = N_("“%(code)s”填写了不属于该类型的设置（%(fields)s）。")
SCHEME_TIME_NOT_MEASUREMENT = N_("只有测量项可以标记为用时（“%(code)s”）。")
SCHEME_NO_MARKS = N_("评分标准的总分应大于 0。")

# Scheme files.
FILE_TOO_LARGE = N_("文件太大（最大 %(max)d KB）。")
FILE_KIND = N_("请上传 .yaml、.yml 或 .xlsx 文件。")
FILE_NOT_UTF8 = N_("无法按 UTF-8 编码读取文件，请另存为 UTF-8 后重试。")
YAML_SYNTAX = N_("第 %(line)d 行：YAML 格式错误（%(problem)s）。")
YAML_NOT_MAPPING = N_("文件应以 modules: 开头，列出各模块。")
YAML_MODULES_NOT_LIST = N_("modules 应为模块列表。")
YAML_ENTRY_NOT_MAPPING = N_("第 %(line)d 行：应为“键: 值”的映射。")
YAML_ASPECTS_NOT_LIST = N_("第 %(line)d 行：aspects 应为评分项列表。")
YAML_UNKNOWN_KEYS = N_("第 %(line)d 行：无法识别的字段 %(keys)s。")
XLSX_UNREADABLE = N_("无法读取 XLSX 文件，请确认文件由 Excel 或 WPS 另存为 .xlsx 格式。")
XLSX_NO_SHEET = N_("工作簿中没有工作表。")
XLSX_HEADER = N_("第 1 行应为表头，缺少列：%(columns)s。")
XLSX_TOO_MANY_ROWS = N_("行数太多（最多 %(max)d 行）。")
XLSX_MODULE_CHANGED = N_("模块“%(code)s”的名称前后不一致。")
WHERE_LINE = N_("第 %(line)d 行")
WHERE_ROW = N_("第 %(row)d 行")
ERROR_AT = N_("%(where)s：%(message)s")
NUMBER_INVALID = N_("“%(field)s”不是有效的数：%(value)s。")
BANDS_TEXT_INVALID = N_("偏差档应写成“偏差:得分; 偏差:得分”，例如 0.5:4; 1:2。")

# Entered values.
VALUE_MEASUREMENT = N_("“%(title)s”的读数应为数值（最多三位小数）。")
VALUE_JUDGEMENT = N_("“%(title)s”的评价分应为 0、1、2 或 3。")
VALUE_DEDUCTION = N_("“%(title)s”的扣分应在 0 到 %(max)s 之间，最多两位小数。")
VALUE_SAFETY = N_("“%(title)s”应记录为 1（违反）或 0（未违反）。")

# Awards.
AWARD_LABELS = {
    "gold": N_("金牌"),
    "silver": N_("银牌"),
    "bronze": N_("铜牌"),
    "excellence": N_("优胜奖"),
    "technical_expert": N_("技术能手"),
}
AWARDS_INVALID = N_("奖项设置无效：%(detail)s")
AWARDS_COUNT = N_("%(name)s 应为非负整数")
AWARDS_CODE = N_("奖项代码应为 1–30 个字符")
AWARDS_SHAPE = N_("应为键值映射")
AWARDS_DUPLICATE = N_("奖项代码重复")

# Tie-breaks as shown next to a rank.
TIE_BREAK_LABELS = {
    "practical": N_("实操成绩"),
    "time": N_("用时"),
    "theory": N_("理论成绩"),
    "shared": N_("并列"),
}
