"""The content checker's rules for question banks: a quiz that cannot be guessed."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from statistics import mean
from typing import Any

from miniapp_api.content.check_report import Report
from miniapp_api.content.check_text import (
    GUESS_MAX,
    LONGEST_RIGHT_MAX,
    MIX_MAX,
    MIX_MIN_QUESTIONS,
    MULTIPLE_MARK,
    MULTIPLE_OPTIONS,
    OPTION_MIN_CHARS,
    RATIO_MAX,
    RATIO_MIN,
    SAFETY_WORDS,
    WRONG_OPTIONS,
    chars,
    pct,
)


@dataclass(frozen=True)
class _Article:
    file: str
    slug: str
    category: str | None
    format: str


@dataclass(frozen=True)
class _Question:
    file: str
    category: str
    id: str
    type: str
    stem: str
    options: tuple[tuple[str, str], ...]
    answer: tuple[str, ...]
    article: str | None

    @property
    def label(self) -> str:
        return f"{self.file} ({self.id})"

    @property
    def short_id(self) -> str:
        prefix = f"{self.category}-"
        return self.id[len(prefix) :] if self.id.startswith(prefix) else self.id


@dataclass(frozen=True)
class _Single:
    """One single-choice question measured: is the right option the longest, its length over
    the wrong ones', and whether each blind strategy picks the right option."""

    question: _Question
    longest_right: bool
    ratio: float | None
    guess_longest: bool
    guess_safety: bool


def _measure(question: _Question) -> _Single | None:
    keys = [key for key, _ in question.options]
    if len(question.answer) != 1 or question.answer[0] not in keys or len(keys) < 2:
        return None
    lengths = [chars(text) for _, text in question.options]
    right = keys.index(question.answer[0])
    wrong = [length for index, length in enumerate(lengths) if index != right]
    safety = next(
        (
            index
            for index, (_, text) in enumerate(question.options)
            if any(word in text for word in SAFETY_WORDS)
        ),
        0,
    )
    return _Single(
        question=question,
        longest_right=lengths[right] >= max(wrong),
        ratio=lengths[right] / mean(wrong) if mean(wrong) else None,
        guess_longest=lengths.index(max(lengths)) == right,
        guess_safety=safety == right,
    )


def check_questions(report: Report, banks: dict, articles: dict) -> None:
    seen: set[str] = set()
    for questions in banks.values():
        for question in questions:
            if question.id in seen:
                report.errors.append(f"{question.label}: duplicate id")
            seen.add(question.id)
            if not re.fullmatch(rf"{re.escape(question.category)}-q\d{{2}}", question.id):
                report.warnings.append(f"{question.label}: ids look like {question.category}-q01")
            check_question(report, question, articles)
        check_bank(report, questions)
    singles = singles_of([q for questions in banks.values() for q in questions])
    strategies = (
        ("guess_longest", "the longest option"),
        ("guess_safety", "an option with a safety word"),
    )
    for strategy, label in strategies:
        score = sum(getattr(single, strategy) for single in singles)
        if singles and score / len(singles) > GUESS_MAX:
            report.errors.append(
                f"quizzes: always picking {label} scores {pct(score, len(singles))}% "
                f"on {len(singles)} single-choice questions (max {pct(GUESS_MAX, 1)}%)"
            )


def check_question(report: Report, question: _Question, articles: dict) -> None:
    article = articles.get(question.article or "")
    if article is None:
        report.errors.append(f"{question.label}: article {question.article} does not exist")
    elif article.category != question.category:
        report.errors.append(
            f"{question.label}: article {article.slug} is of category {article.category}, "
            f"not {question.category}"
        )
    lengths = [chars(text) for _, text in question.options]
    if any(n < OPTION_MIN_CHARS for n in lengths) and not all(
        n < OPTION_MIN_CHARS for n in lengths
    ):
        short = [key for key, text in question.options if chars(text) < OPTION_MIN_CHARS]
        report.errors.append(
            f"{question.label}: option {', '.join(short)} shorter than {OPTION_MIN_CHARS} "
            "characters"
        )
    keys = {key for key, _ in question.options}
    if not question.answer or not set(question.answer) <= keys:
        report.errors.append(f"{question.label}: the answer must name options of the question")
    elif question.type == "multiple":
        wrong = len(question.options) - len(set(question.answer))
        if not WRONG_OPTIONS[0] <= wrong <= WRONG_OPTIONS[1]:
            report.errors.append(
                f"{question.label}: a multiple-choice question needs 1 to 3 wrong options, "
                f"it has {wrong}"
            )
        if not MULTIPLE_OPTIONS[0] <= len(question.options) <= MULTIPLE_OPTIONS[1]:
            report.warnings.append(f"{question.label}: multiple choice should have 4-6 options")
    elif len(question.answer) != 1:
        report.errors.append(f"{question.label}: a {question.type} question has one answer")
    if question.type == "multiple" and not question.stem.endswith(MULTIPLE_MARK):
        report.errors.append(
            f"{question.label}: a multiple-choice stem must end with {MULTIPLE_MARK}"
        )
    elif question.type != "multiple" and question.stem.endswith(MULTIPLE_MARK):
        report.warnings.append(f"{question.label}: {MULTIPLE_MARK} on a {question.type} question")


def singles_of(questions: list[_Question]) -> list[_Single]:
    measured = (_measure(question) for question in questions if question.type == "single")
    return [single for single in measured if single is not None]


def check_bank(report: Report, questions: list[_Question]) -> None:
    if not questions:
        return
    name = questions[0].file
    singles = singles_of(questions)
    if singles:
        longest = [s.question.short_id for s in singles if s.longest_right]
        if len(longest) / len(singles) > LONGEST_RIGHT_MAX:
            report.errors.append(
                f"{name}: the right option is the longest in {len(longest)} of "
                f"{len(singles)} single-choice questions ({pct(len(longest), len(singles))}%, "
                f"max {pct(LONGEST_RIGHT_MAX, 1)}%): {', '.join(longest)}"
            )
        ratios = [s for s in singles if s.ratio is not None]
        ratio = mean(s.ratio for s in ratios) if ratios else 1.0
        if not RATIO_MIN <= ratio <= RATIO_MAX:
            outside = [
                s.question.short_id
                for s in ratios
                if (s.ratio > RATIO_MAX if ratio > RATIO_MAX else s.ratio < RATIO_MIN)
            ]
            report.errors.append(
                f"{name}: the mean length ratio right/wrong on single choice is {ratio:.2f} "
                f"(allowed {RATIO_MIN}-{RATIO_MAX}); outside: {', '.join(outside)}"
            )
        for strategy, label in (("guess_longest", "longest"), ("guess_safety", "safety")):
            score = sum(getattr(s, strategy) for s in singles)
            if score / len(singles) > GUESS_MAX:
                report.warnings.append(
                    f"{name}: the {label} guess scores {pct(score, len(singles))}% "
                    f"(aim at most {pct(GUESS_MAX, 1)}%)"
                )
    check_mix(report, name, questions)


def check_mix(report: Report, name: str, questions: list[_Question]) -> None:
    """Multiple-choice questions vary their number of wrong options."""
    multiple = [q for q in questions if q.type == "multiple"]
    mix = Counter(len(q.options) - len(set(q.answer)) for q in multiple)
    if len(multiple) >= MIX_MIN_QUESTIONS:
        count, wrong = max((count, wrong) for wrong, count in mix.items())
        if count / len(multiple) > MIX_MAX:
            report.errors.append(
                f"{name}: {count} of {len(multiple)} multiple-choice questions have "
                f"{wrong} wrong option(s) ({pct(count, len(multiple))}%, max "
                f"{pct(MIX_MAX, 1)}%); mix 1, 2 and 3 wrong options"
            )


def bank_stats(questions: list[_Question]) -> dict[str, Any]:
    singles = singles_of(questions)
    types = Counter(q.type for q in questions)
    ratios = [s.ratio for s in singles if s.ratio is not None]
    return {
        "category": questions[0].category if questions else None,
        "questions": len(questions),
        "single": types["single"],
        "multiple": types["multiple"],
        "true_false": types["true_false"],
        "longest_right_pct": pct(sum(s.longest_right for s in singles), len(singles)),
        "length_ratio": round(mean(ratios), 2) if ratios else None,
        "guess_longest_pct": pct(sum(s.guess_longest for s in singles), len(singles)),
        "guess_safety_pct": pct(sum(s.guess_safety for s in singles), len(singles)),
        "multiple_wrong_mix": dict(
            Counter(len(q.options) - len(set(q.answer)) for q in questions if q.type == "multiple")
        ),
        "answer_keys": dict(Counter(s.question.answer[0] for s in singles)),
    }
