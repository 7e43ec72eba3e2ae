"""Marking answers against the question bank: which options an answer chose, whether
they are right, and the 422 that names every answer that does not fit the session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from miniapp_api.errors import ValidationFailed
from miniapp_api.quizzes import grading
from miniapp_api.quizzes.checks import MULTIPLE
from miniapp_api.quizzes.models import (
    AnswerChoice,
    Question,
    QuestionOption,
    QuizSession,
    SessionQuestion,
)


def chosen_options(
    question: Question, option_ids: Sequence[str]
) -> tuple[list[QuestionOption], str | None]:
    """The options an answer chose, or the problem with it (a foreign option, two
    options for a question with one answer)."""
    by_id = {option.public_id: option for option in question.options}
    unique = list(dict.fromkeys(option_ids))
    if any(option_id not in by_id for option_id in unique):
        return [], "选项不属于这道题"
    if question.type != MULTIPLE and len(unique) > 1:
        return [], "这道题只能选一个选项"
    return [by_id[option_id] for option_id in unique], None


def record(row: SessionQuestion, options: list[QuestionOption], now: datetime) -> None:
    """Keep the answer and grade it: right only with exactly the correct options."""
    correct_ids = {option.public_id for option in row.question.options if option.is_correct}
    row.answered_at = now
    row.choices = [AnswerChoice(option=option) for option in options]
    row.correct = grading.is_right(correct_ids, (option.public_id for option in options))
    row.graded_at = now


def grade_unanswered(row: SessionQuestion, now: datetime) -> None:
    """A question left without an answer (or answered too late) counts as wrong."""
    row.correct = False
    row.graded_at = now


def _problems(session: QuizSession, answers: list[dict]) -> tuple[dict, dict]:
    """The chosen options per question id, and the problems per answer index."""
    rows = {row.question_id: row for row in session.questions}
    chosen: dict[int, list[QuestionOption]] = {}
    problems: dict[str, dict] = {}
    for index, answer in enumerate(answers):
        row = rows.get(answer["question_id"])
        if row is None:
            problems[str(index)] = {"question_id": ["这道题不在本次答题中"]}
        elif row.question_id in chosen:
            problems[str(index)] = {"question_id": ["同一道题只能回答一次"]}
        else:
            options, problem = chosen_options(row.question, answer["option_ids"])
            if problem:
                problems[str(index)] = {"option_ids": [problem]}
            chosen[row.question_id] = options
    return chosen, problems


def grade_answers(session: QuizSession, answers: list[dict], now: datetime) -> None:
    """Grade a whole session at once: every question, answered or not. Any bad answer
    refuses them all with a 422 naming each one (`answers.<index>.<field>`)."""
    chosen, problems = _problems(session, answers)
    if problems:
        raise ValidationFailed(errors={"json": {"answers": problems}})
    for row in session.questions:
        if row.question_id in chosen:
            record(row, chosen[row.question_id], now)
        else:
            grade_unanswered(row, now)
