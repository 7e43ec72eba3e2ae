"""The wrong-answer book (错题本): questions whose latest graded answer was wrong."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import and_, func, select

from miniapp_api.quizzes.models import ACTIVE, Question, QuizSession, SessionQuestion
from miniapp_api.quizzes.results import solutions
from miniapp_api.storage import Page, paginate
from miniapp_api.users.models import User


def wrong_rows(user_id: int):
    """Rows whose question the user got wrong the last time it was graded (active ones)."""
    latest = (
        select(SessionQuestion.question_id, func.max(SessionQuestion.graded_at).label("last"))
        .join(QuizSession)
        .where(QuizSession.user_id == user_id, SessionQuestion.graded_at.is_not(None))
        .group_by(SessionQuestion.question_id)
        .subquery()
    )
    return (
        select(
            SessionQuestion.id,
            SessionQuestion.question_id,
            SessionQuestion.graded_at,
            Question.category_id,
        )
        .join(QuizSession)
        .join(Question)
        .join(
            latest,
            and_(
                SessionQuestion.question_id == latest.c.question_id,
                SessionQuestion.graded_at == latest.c.last,
            ),
        )
        .where(
            QuizSession.user_id == user_id,
            SessionQuestion.correct.is_(False),
            Question.status == ACTIVE,
        )
        .subquery()
    )


def book(user: User, page: int, per_page: int) -> Page:
    """Questions the caller got wrong and has not answered right since, newest first:
    a page of `Solution`s (their answers were shown when they were graded)."""
    wrong = wrong_rows(user.id)
    query = (
        select(SessionQuestion)
        .join(wrong, wrong.c.id == SessionQuestion.id)
        .order_by(wrong.c.graded_at.desc(), SessionQuestion.id.desc())
    )
    rows = paginate(query, page, per_page)
    return replace(rows, items=solutions(rows.items))
