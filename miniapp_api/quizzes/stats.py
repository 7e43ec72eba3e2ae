"""Item statistics per question, for GET /admin/quiz-stats.

Counted answers: questions answered (not skipped, not timed out) in submitted sessions
that were not flagged as too fast.

- `facility`: share of counted answers that were right.
- `discrimination`: the corrected point-biserial correlation, i.e. Pearson's r between
  being right on this question (1/0) and the participant's rest score — the share right
  of all the participant's *other* counted answers. Sessions draw different questions
  for everyone, so a participant's whole answer history stands in for a test score.
  Answers of participants with no other answer are left out of it; it is null with
  fewer than two usable answers or when either side does not vary.
- option `share`: share of counted answers that chose the option (in multiple choice
  one answer picks several, so the shares add up to more than 1).

The sums are computed by the database (GROUP BY), so the work grows with the number of
questions, not in Python with the number of answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from flask import current_app
from sqlalchemy import Float, case, cast, func, select

from miniapp_api.categories.models import Category
from miniapp_api.quizzes import grading
from miniapp_api.quizzes.models import (
    AnswerChoice,
    Question,
    QuestionOption,
    QuizSession,
    SessionQuestion,
)
from miniapp_api.storage import Page, db

METHOD = "point_biserial_rest"


@dataclass(frozen=True)
class OptionStats:
    """How often an option was chosen in the question's counted answers."""

    option: QuestionOption
    chosen_count: int
    share: float | None  # of the question's counted answers; None before any


@dataclass(frozen=True)
class ItemStats:
    """A question's statistics (rounded to 4 places) and its flags."""

    question: Question
    times_answered: int
    correct_count: int
    facility: float | None
    discrimination: float | None
    flags: list[str]
    options: list[OptionStats]


@dataclass(frozen=True)
class StatsPage(Page):
    """A page of `ItemStats`, with the threshold and the method used for the flags."""

    min_answers: int
    discrimination_method: str = METHOD


def _counted_conditions():
    return (
        QuizSession.submitted_at.is_not(None),
        QuizSession.flagged.is_(False),
        SessionQuestion.answered_at.is_not(None),
    )


def _sums() -> dict[int, tuple]:
    """Per question: (answers, right, usable answers, Σx, Σy, Σy², Σxy) with x right
    (0/1) and y the participant's rest score."""
    counted = (
        select(
            SessionQuestion.question_id,
            QuizSession.user_id,
            case((SessionQuestion.correct.is_(True), 1), else_=0).label("x"),
        )
        .join(QuizSession, SessionQuestion.session_id == QuizSession.id)
        .where(*_counted_conditions())
        .subquery()
    )
    totals = (
        select(
            counted.c.user_id,
            func.count().label("n"),
            func.sum(counted.c.x).label("k"),
        )
        .group_by(counted.c.user_id)
        .subquery()
    )
    rest = cast(totals.c.k - counted.c.x, Float) / func.nullif(totals.c.n - 1, 0)
    x_usable = case((totals.c.n > 1, counted.c.x), else_=None)
    query = (
        select(
            counted.c.question_id,
            func.count(),
            func.sum(counted.c.x),
            func.count(rest),
            func.sum(x_usable),
            func.sum(rest),
            func.sum(rest * rest),
            func.sum(counted.c.x * rest),
        )
        .join(totals, totals.c.user_id == counted.c.user_id)
        .group_by(counted.c.question_id)
    )
    return {row[0]: tuple(row[1:]) for row in db.session.execute(query)}


def _item(question: Question, sums: tuple | None, min_answers: int) -> ItemStats:
    """The question's statistics from its sums; its options come later, for one page."""
    answered, right, usable, sx, sy, syy, sxy = sums or (0, 0, 0, 0, None, None, None)
    facility = right / answered if answered else None
    discrimination = None
    if usable:
        discrimination = grading.correlation(
            int(usable), float(sx), float(sy), float(sx), float(syy), float(sxy)
        )
    return ItemStats(
        question=question,
        times_answered=int(answered),
        correct_count=int(right or 0),
        facility=None if facility is None else round(facility, 4),
        discrimination=None if discrimination is None else round(discrimination, 4),
        flags=grading.item_flags(int(answered), facility, discrimination, min_answers),
        options=[],
    )


def _with_options(item: ItemStats, chosen: dict[int, int]) -> ItemStats:
    """The item with its options' shares, from the times each option was chosen."""
    answered = item.times_answered
    options = [
        OptionStats(
            option,
            chosen.get(option.id, 0),
            round(chosen.get(option.id, 0) / answered, 4) if answered else None,
        )
        for option in item.question.options
    ]
    return replace(item, options=options)


def _option_counts(question_ids: list[int]) -> dict[int, int]:
    if not question_ids:
        return {}
    query = (
        select(AnswerChoice.option_id, func.count())
        .join(SessionQuestion, AnswerChoice.session_question_id == SessionQuestion.id)
        .join(QuizSession, SessionQuestion.session_id == QuizSession.id)
        .where(*_counted_conditions(), SessionQuestion.question_id.in_(question_ids))
        .group_by(AnswerChoice.option_id)
    )
    return dict(db.session.execute(query).tuples().all())


def item_statistics(
    filters: Mapping[str, Any], page: int, per_page: int, min_answers: int | None = None
) -> StatsPage:
    """One page of per-question statistics, ordered by question key; flags need
    `min_answers` counted answers (default QUIZ_STATS_MIN_ANSWERS)."""
    min_answers = min_answers or current_app.config["QUIZ_STATS_MIN_ANSWERS"]
    query = select(Question).join(Category, Question.category_id == Category.id)
    if filters.get("category"):
        query = query.where(Category.slug == filters["category"])
    if filters.get("status"):
        query = query.where(Question.status == filters["status"])
    sums = _sums()
    items = [
        _item(question, sums.get(question.id), min_answers)
        for question in db.session.scalars(query.order_by(Question.key))
    ]
    if filters.get("flagged"):
        items = [item for item in items if item.flags]
    total = len(items)
    items = items[(page - 1) * per_page : page * per_page]
    chosen = _option_counts([item.question.id for item in items])
    items = [_with_options(item, chosen) for item in items]
    return StatsPage(items, page, per_page, total, min_answers)
