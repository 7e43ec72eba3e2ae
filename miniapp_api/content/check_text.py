"""Text measures and thresholds of the content checker (pure: no Flask, no database)."""

from __future__ import annotations

import re
from typing import Any

SAFETY_WORDS = ("挂断", "拒绝", "报警", "96110", "110", "核实", "不转账", "官方")
ELDERLY_AUDIENCES = frozenset({"elderly", "retirees"})
FORMATS = ("case", "guide", "rhyme", "explainer", "howto")
CASE_LABEL = "根据公开案例改编"
MULTIPLE_MARK = "（多选）"
FOOTER_WORDS = ("96110", "国家反诈中心App")  # both in the last lines: a hotline block

LONGEST_RIGHT_MAX = 0.35  # share of single-choice questions whose right option is the longest
RATIO_MIN, RATIO_MAX = 0.8, 1.25  # mean length of the right option / mean of the wrong ones
GUESS_MAX = 0.45  # score of a blind guessing strategy on single choice (error overall)
WRONG_OPTIONS = (1, 3)  # wrong options of a multiple-choice question
MIX_MAX, MIX_MIN_QUESTIONS = 0.60, 5  # one wrong-option count may not dominate a bank
MULTIPLE_OPTIONS = (4, 6)
OPTION_MIN_CHARS = 4
ELDERLY_MEAN_MAX, LONG_SENTENCE = 25, 40
KEY_POINTS_COUNT, KEY_POINT_CHARS = (1, 3), (8, 30)

APP_WORD = re.compile(r"(?<![A-Za-z])[Aa][Pp][Pp](?![A-Za-z])")
SENTENCE = re.compile(r".+?(?:[。！？!?]+[”’」』）)\"']*|$)", re.S)
HEADING = re.compile(r"^#{1,6}\s")
LIST_MARK = re.compile(r"^(?:[-*+]\s+|\d+[.、)）]\s*)")
MARKUP = re.compile(r"[*`]")


def chars(text: str) -> int:
    return len(re.sub(r"\s", "", text))


def pct(part: float, whole: float) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def sentences(markdown: str) -> list[str]:
    """The sentences of a body: a line is a block (headings skipped, list items are blocks of
    their own), a block is split after 。！？ (closing quotes stay with their sentence)."""
    result = []
    for raw in markdown.splitlines():
        line = raw.strip().lstrip(">").strip()
        if not line or HEADING.match(line) or set(line) <= set("-*_ "):
            continue
        line = MARKUP.sub("", LIST_MARK.sub("", line, count=1)).strip()
        for match in SENTENCE.finditer(line):
            sentence = match.group().strip()
            if chars(sentence) and re.search(r"\w", sentence):
                result.append(sentence)
    return result


def texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [text for item in value for text in texts(item)]
    if isinstance(value, dict):
        return [text for item in value.values() for text in texts(item)]
    return []


def string_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value] if isinstance(value, list) else []


def wrong_spellings(*values: Any) -> list[str]:
    """Spellings of "App" other than "App" found in the texts of `values`."""
    return sorted(
        {
            match.group()
            for text in texts(list(values))
            for match in APP_WORD.finditer(text)
            if match.group() != "App"
        }
    )
