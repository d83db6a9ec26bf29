import re

from lms.questions import messages


def message_constants() -> dict[str, str]:
    return {
        name: value for name, value in vars(messages).items() if name.isupper() and isinstance(value, str)
    }


def test_messages_without_parameters_have_no_doubled_percent_sign():
    # gettext interpolates only when given parameters, so "%%" would be shown as written.
    for name, text in message_constants().items():
        if "%(" not in text:
            assert "%%" not in text, name


def test_messages_with_parameters_interpolate():
    for name, text in message_constants().items():
        names = set(re.findall(r"%\((\w+)\)", text))
        if names:
            params = {param: 1 for param in names}
            assert "%(" not in messages.msg(text, **params), name
