"""What the quiz use cases return when a model alone is not enough: frozen dataclasses
holding the models and what only a query can tell (the articles readers can open now,
a session's status at a moment). `schemas.py` shapes them into responses; nothing here
decides which field goes out, and nothing here reveals an answer on its own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from miniapp_api.categories.models import Category
from miniapp_api.quizzes import bank
from miniapp_api.quizzes.models import QuizSession, SessionQuestion


@dataclass(frozen=True)
class Mode:
    """A way to play, as GET /quizzes lists it."""

    mode: str
    name: str
    category: Category | None
    question_count: int
    time_limit_seconds: int
    earns_points: bool


@dataclass(frozen=True)
class ReviewMode(Mode):
    """Review also says how many questions the mistakes book holds (only review has it)."""

    mistake_count: int


@dataclass(frozen=True)
class Modes:
    items: list[Mode]


@dataclass(frozen=True)
class Solution:
    """A graded question (what was chosen, what is right, why) and the id of its article
    when readers can open that article now."""

    row: SessionQuestion
    article_id: int | None


@dataclass(frozen=True)
class Result:
    """A scored session and its graded questions."""

    session: QuizSession
    results: list[Solution]


@dataclass(frozen=True)
class SessionState:
    """A session as its owner sees it: the served questions, the status now, and the
    result once it is submitted (None before)."""

    session: QuizSession
    status: str
    result: Result | None


@dataclass(frozen=True)
class AnswerOutcome(Solution):
    """A graded challenge answer: how the run stands, the next question or the end."""

    correct_count: int  # right so far
    next_question: SessionQuestion | None
    result: Result | None  # once the run has ended

    @property
    def timed_out(self) -> bool:
        return self.row.answered_at is None

    @property
    def finished(self) -> bool:
        return self.next_question is None

    @property
    def expires_at(self) -> datetime | None:
        return self.next_question.deadline_at if self.next_question else None


def solutions(rows: Sequence[SessionQuestion]) -> list[Solution]:
    """Graded rows with their articles' ids (one query for all of them)."""
    article_ids = bank.visible_article_ids(row.question.article_slug for row in rows)
    return [Solution(row, article_ids.get(row.question.article_slug or "")) for row in rows]


def result_of(session: QuizSession) -> Result:
    return Result(session, solutions(session.graded_questions))


def state_of(session: QuizSession, now: datetime) -> SessionState:
    status = session.status_at(now, current_app.config["QUIZ_SUBMIT_GRACE_SECONDS"])
    result = result_of(session) if session.submitted_at is not None else None
    return SessionState(session, status, result)
