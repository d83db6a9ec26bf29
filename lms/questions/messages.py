"""Every user-facing message of `lms.questions`, in Chinese, in one place.

Messages are marked with `N_` (a no-op marker, so `pybabel extract -k N_ -k msg` finds them) and
translated when used, through `msg`. `msg` is the single seam to the translation layer: the app may
replace it by Flask-Babel's `gettext` (keeping the `%(name)s` interpolation); until then it only
interpolates. Messages never contain personal data.

As with gettext, a message is interpolated only when it takes parameters: write a literal percent sign
as `%%` in a message with parameters and as `%` in one without.
"""


from core.i18n import lazy


def N_(text: str) -> str:
    """Mark `text` for extraction without translating it (gettext_noop)."""
    return text


def msg(text: str, **params: object) -> str:
    """Translate `text` (Flask-Babel inside a request, the Chinese source otherwise) and interpolate."""
    return str(lazy(text, **params))


KIND_LABELS = {
    "single": N_("单选题"),
    "multiple": N_("多选题"),
    "truefalse": N_("判断题"),
    "ordering": N_("排序题"),
    "numeric": N_("数值题"),
    "short": N_("填空题"),
}

# Question specs (content files, imports).
QUESTION_NOT_MAPPING = N_("题目应为键值映射（kind、stem、options、answer……）。")
KIND_UNKNOWN = N_("未知题型“%(kind)s”，可用：single、multiple、truefalse、ordering、numeric、short。")
SCORING_UNKNOWN = N_("未知计分方式“%(scoring)s”，可用：all_or_nothing、partial。")
SCORING_PARTIAL_ONLY_MULTIPLE = N_("只有多选题可以按部分得分（partial）计分。")
STEM_EMPTY = N_("题干不能为空。")
TEXT_NOT_STRING = N_("%(field)s 应为文字。")
OPTIONS_NOT_MAPPING = N_("options 应为“选项字母: 选项内容”的映射。")
OPTIONS_NOT_ALLOWED = N_("%(kind)s不应有选项。")
OPTIONS_TOO_FEW = N_("至少需要 2 个选项。")
OPTION_KEY_INVALID = N_("选项字母“%(key)s”无效。")
OPTION_KEY_DUPLICATE = N_("选项 %(key)s 重复。")
OPTION_TEXT_EMPTY = N_("选项 %(key)s 的内容为空。")
OPTION_TEXT_NOT_TEXT = N_("选项 %(key)s 的内容应为文字。")
ANSWER_MISSING = N_("缺少答案（answer）。")
ANSWER_NOT_AN_OPTION = N_("答案 %(key)s 不在选项 %(keys)s 中。")
ANSWER_DUPLICATE = N_("答案中的选项 %(key)s 重复。")
ANSWER_SINGLE_TYPE = N_("单选题的答案应为一个选项字母，例如 B。")
ANSWER_MULTIPLE_TYPE = N_("多选题的答案应为选项字母列表，例如 [A, C]。")
ANSWER_MULTIPLE_EMPTY = N_("多选题至少要有一个正确选项。")
ANSWER_TRUEFALSE_TYPE = N_("判断题的答案应为 true 或 false。")
ANSWER_ORDERING_TYPE = N_("排序题的答案应为选项字母列表，例如 [C, A, B]。")
ANSWER_ORDERING_NOT_PERMUTATION = N_("排序题的答案必须把每个选项恰好排一次（选项：%(keys)s）。")
ANSWER_NUMERIC_TYPE = N_("数值题的答案应为 {value: 数值, tolerance: 允许误差, unit: 单位}。")
NUMBER_INVALID = N_("%(field)s 不是有效的数值：%(value)s。")
TOLERANCE_NEGATIVE = N_("允许误差不能为负数。")
ANSWER_SHORT_TYPE = N_("填空题的答案应为可接受答案的列表。")
ANSWER_SHORT_EMPTY = N_("填空题至少要有一个可接受的答案。")
ANSWER_SHORT_BLANK = N_("填空题的可接受答案不能为空白。")

# Candidate responses.
RESPONSE_SINGLE_TYPE = N_("单选题的作答应为一个选项字母。")
RESPONSE_MULTIPLE_TYPE = N_("多选题的作答应为选项字母列表。")
RESPONSE_TRUEFALSE_TYPE = N_("判断题的作答应为 true 或 false。")
RESPONSE_ORDERING_TYPE = N_("排序题的作答应为选项字母列表。")
RESPONSE_ORDERING_INCOMPLETE = N_("排序题需要把全部选项各排一次。")
RESPONSE_UNKNOWN_OPTION = N_("选项 %(key)s 不存在。")
RESPONSE_NUMERIC_TYPE = N_("请输入一个数值，例如 0.58。")
RESPONSE_NUMERIC_AMBIGUOUS_COMMA = N_("无法确定逗号是小数点还是千位分隔符，请用小数点书写，例如 1.5。")
RESPONSE_SHORT_TYPE = N_("填空题的作答应为文字。")
RESPONSE_SHORT_TOO_LONG = N_("回答过长（最多 %(max)d 个字符）。")

# Imports: where a problem is.
WHERE_LINE = N_("第 %(line)d 行")
WHERE_INDEX = N_("第 %(index)d 题")
WHERE_FILE = N_("文件")
ERROR_WITH_NAME = N_("%(where)s「%(name)s」：%(message)s")
ERROR_WITHOUT_NAME = N_("%(where)s：%(message)s")

# Imports: whole file.
FILE_NOT_TEXT = N_("无法按 UTF-8 或 GB18030 编码读取文件，请另存为 UTF-8 文本后重试。")
XML_FORBIDDEN = N_("文件包含 DTD 或实体声明，出于安全原因拒绝导入（Moodle 导出的 XML 不含这些内容）。")
XML_MALFORMED = N_("XML 格式错误（第 %(line)d 行第 %(column)d 列），请确认文件完整且由 Moodle 导出。")
XML_NOT_QUIZ = N_("这不是 Moodle 题库 XML 文件：根元素应为 <quiz>，实际为 <%(tag)s>。")

# Imports: one question.
STEM_NO_TEXT = N_("题干没有文字内容（图片、音频等不会导入）。")
OPTION_NO_TEXT = N_("选项 %(key)s 没有文字内容（图片、音频等不会导入）。")
TOO_MANY_OPTIONS = N_("选项超过 %(max)d 个，无法导入。")
GRADE_NOT_NUMBER = N_("答案分值“%(grade)s”不是数字。")
GRADE_INVALID = N_(
    "答案分值 %(grade)s%% 不是 Moodle 允许的分值（如 100、50、33.33333、25、20、10、0 或其负值）。"
)
SINGLE_NEEDS_ONE_FULL = N_("单选题需要恰好一个 100%% 的正确答案（现有 %(count)d 个）。")
SINGLE_PARTIAL_GRADE = N_("单选题不支持部分得分的选项（%(grade)s%%）。")
MULTIPLE_NO_CORRECT = N_("多选题没有得分为正的选项。")
MULTIPLE_UNEQUAL = N_("多选题各正确选项的分值不相等（%(grades)s），本平台按正确选项平均计分，无法导入。")
MULTIPLE_SUM = N_("多选题正确选项的分值之和应为 100%%（现为 %(total)s%%）。")
TRUEFALSE_NO_CORRECT = N_("判断题应恰好有一个 100% 得分的答案（true 或 false）。")
SHORT_NO_FULL = N_("填空题没有 100% 得分的答案。")
SHORT_WILDCARD = N_("不支持用通配符 * 作为正确答案。")
NUMERIC_NO_FULL = N_("数值题没有 100% 得分的答案。")
NUMERIC_SEVERAL = N_("数值题有多个 100% 得分的答案，本平台只支持一个正确数值。")
NUMERIC_NOT_NUMBER = N_("“%(value)s”不是数字。")
GIFT_UNCLOSED_BRACE = N_("答案部分缺少与 { 配对的 }。")
AIKEN_NOT_STARTED = N_("这一行之前没有题干：选项和 ANSWER 行必须跟在题干之后。")
AIKEN_TOO_FEW_OPTIONS = N_("题目至少需要 2 个选项（现有 %(count)d 个）。")
AIKEN_NOT_COMPLETED = N_("第 %(start)d 行开始的题目还没有 ANSWER 行，这一行就开始了下一题。")
AIKEN_NOT_COMPLETED_AT_END = N_("文件结束时题目仍缺少 ANSWER 行。")
AIKEN_ANSWER_UNKNOWN = N_("ANSWER 给出的“%(key)s”不在选项 %(keys)s 中。")

# Export.
EXPORT_ORDERING = N_("排序题不导出到 Moodle XML（Moodle 核心题型与本平台的排序题计分不一致）。")
EXPORT_TOO_MANY_KEYS = N_("正确选项超过 %(max)d 个，Moodle 无法表示对应分值，未导出。")
EXPORT_SCORING_CHANGED = N_("Moodle 多选题按正确选项分别给分：导出后该题在 Moodle 中按部分得分计分。")
