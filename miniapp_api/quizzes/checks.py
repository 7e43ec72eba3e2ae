"""The rules every question obeys, wherever it comes from (file, API, spreadsheet).

Pure functions, no Flask: each returns the problems found as (field, Chinese message).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

SINGLE, MULTIPLE, TRUE_FALSE = "single", "multiple", "true_false"
QUESTION_TYPES = (SINGLE, MULTIPLE, TRUE_FALSE)
OPTION_KEYS = "abcdef"
MIN_OPTIONS, MAX_OPTIONS = 2, 6
TRUE_FALSE_OPTIONS = (("a", "正确"), ("b", "错误"))
# Stable question ids: lowercase ASCII words joined by hyphens, e.g. shuadan-fanli-q01.
KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY_MAX_LENGTH = 64
STEM_MAX_LENGTH = 500
OPTION_TEXT_MAX_LENGTH = 200
EXPLANATION_MAX_LENGTH = 1000

Problem = tuple[str, str]


def key_problems(key: str) -> list[Problem]:
    if not KEY_PATTERN.match(key) or len(key) > KEY_MAX_LENGTH:
        return [("id", f"题目编号只能由小写字母、数字和连字符组成，最长 {KEY_MAX_LENGTH} 个字符")]
    return []


def question_problems(
    question_type: str, options: Sequence[tuple[str, str]], answer: Sequence[str]
) -> list[Problem]:
    """Type, options (2–6, keys a–f, unique) and answer (existing keys; exactly one
    unless the type is multiple; true/false is exactly a: 正确, b: 错误)."""
    if question_type not in QUESTION_TYPES:
        return [("type", f"题型必须是 {', '.join(QUESTION_TYPES)} 之一")]
    problems: list[Problem] = []
    keys = [key for key, _ in options]
    texts = [text.strip() for _, text in options]
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        problems.append(("options", f"选项数量必须在 {MIN_OPTIONS} 到 {MAX_OPTIONS} 个之间"))
    bad_keys = [key for key in keys if key not in OPTION_KEYS or len(key) != 1]
    if bad_keys:
        problems.append(("options", f"选项字母必须是 a–f：{', '.join(map(str, bad_keys))}"))
    elif len(set(keys)) != len(keys):
        problems.append(("options", "选项字母重复"))
    if any(not text for text in texts):
        problems.append(("options", "选项内容不能为空"))
    elif any(len(text) > OPTION_TEXT_MAX_LENGTH for text in texts):
        problems.append(("options", f"选项内容最长 {OPTION_TEXT_MAX_LENGTH} 个字符"))
    elif len(set(texts)) != len(texts):
        problems.append(("options", "选项内容重复"))
    if question_type == TRUE_FALSE and tuple(zip(keys, texts, strict=True)) != TRUE_FALSE_OPTIONS:
        problems.append(("options", "判断题的选项必须是 a: 正确、b: 错误"))
    problems.extend(_answer_problems(question_type, keys, answer))
    return problems


def _answer_problems(question_type: str, keys: list[str], answer: Sequence[str]) -> list[Problem]:
    if not answer:
        return [("answer", "必须给出正确答案")]
    if len(set(answer)) != len(answer):
        return [("answer", "答案字母重复")]
    unknown = [key for key in answer if key not in keys]
    if unknown:
        return [("answer", f"答案中的选项不存在：{', '.join(map(str, unknown))}")]
    if question_type != MULTIPLE and len(answer) != 1:
        return [("answer", "单选题和判断题只能有一个正确答案")]
    return []


def text_problems(stem: str, explanation: str) -> list[Problem]:
    problems: list[Problem] = []
    if not stem.strip():
        problems.append(("stem", "题干不能为空"))
    elif len(stem) > STEM_MAX_LENGTH:
        problems.append(("stem", f"题干最长 {STEM_MAX_LENGTH} 个字符"))
    if not explanation.strip():
        problems.append(("explanation", "必须给出解析（为什么，以及应该怎么做）"))
    elif len(explanation) > EXPLANATION_MAX_LENGTH:
        problems.append(("explanation", f"解析最长 {EXPLANATION_MAX_LENGTH} 个字符"))
    return problems
