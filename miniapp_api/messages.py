"""Chinese for marshmallow's and webargs' field-level validation messages.

The schemas keep the libraries' validators; the error handler passes every message of
a 422 through `translate`, so the mini-program shows 必填 rather than "Missing data for
required field.". Messages the schemas wrote themselves are Chinese already and pass
through unchanged.
"""

from __future__ import annotations

import re
from typing import Any

_FIXED = {
    "Missing data for required field.": "必填",
    "Field may not be null.": "不能为空",
    "Unknown field.": "不允许提交这个字段",
    "Invalid input type.": "格式不对，应为 JSON 对象",
    "Invalid value.": "取值无效",
    "Invalid input.": "取值无效",
    "Not a valid string.": "应为文本",
    "Not a valid integer.": "应为整数",
    "Not a valid number.": "应为数字",
    "Number too large.": "数字太大",
    "Special numeric values (nan or infinity) are not permitted.": "应为有限的数字",
    "Not a valid boolean.": "应为 true 或 false",
    "Not a valid datetime.": "应为时间，如 2026-11-21T09:30:00+08:00",
    "Not a valid aware datetime.": "时间须带时区，如 2026-11-21T09:30:00+08:00",
    "Not a valid date.": "应为日期，如 2026-11-21",
    "Not a valid time.": "应为时刻，如 09:30:00",
    "Not a valid list.": "应为列表",
    "Not a valid tuple.": "应为列表",
    "Not a valid mapping type.": "应为对象",
    "Not a valid URL.": "应为有效的网址",
    "Not a valid email address.": "应为有效的电子邮箱",
    "Not a valid UUID.": "应为有效的 UUID",
    "String does not match expected pattern.": "格式不符合要求",
    "Invalid UTF-8 string.": "应为 UTF-8 文本",
}

_PATTERNS = [
    (r"Length must be between (\S+) and (\S+)\.", "长度应在 {0} 到 {1} 之间"),
    (r"Shorter than minimum length (\S+)\.", "长度不能少于 {0}"),
    (r"Longer than maximum length (\S+)\.", "长度不能超过 {0}"),
    (r"Length must be (\S+)\.", "长度应为 {0}"),
    (
        r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\.",
        "应在 {0} 到 {1} 之间",
    ),
    (r"Must be greater than (\S+) and less than (\S+)\.", "应大于 {0} 且小于 {1}"),
    (r"Must be greater than or equal to (\S+)\.", "不能小于 {0}"),
    (r"Must be less than or equal to (\S+)\.", "不能大于 {0}"),
    (r"Must be greater than (\S+)\.", "应大于 {0}"),
    (r"Must be less than (\S+)\.", "应小于 {0}"),
    (r"Must be one of: (.+)\.", "只能是以下之一：{0}"),
    (r"Must be equal to (.+)\.", "应等于 {0}"),
]
_COMPILED = [(re.compile(f"^{pattern}$"), template) for pattern, template in _PATTERNS]


def translate_message(message: str) -> str:
    if message in _FIXED:
        return _FIXED[message]
    for pattern, template in _COMPILED:
        match = pattern.match(message)
        if match:
            return template.format(*(group.rstrip(".") for group in match.groups()))
    return message


def translate(messages: Any) -> Any:
    """The same nested structure of field errors, each message in Chinese."""
    if isinstance(messages, str):
        return translate_message(messages)
    if isinstance(messages, dict):
        return {key: translate(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [translate(value) for value in messages]
    return messages
