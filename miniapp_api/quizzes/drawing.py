"""Drawing a session: which questions it gets (unseen and wrongly answered ones first),
in which option order, and how long it lasts."""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from miniapp_api.categories.models import Category
from miniapp_api.quizzes import grading, mistakes
from miniapp_api.quizzes.models import (
    ACTIVE,
    CHALLENGE,
    DAILY,
    REVIEW,
    TOPIC,
    Question,
    QuizSession,
    SessionQuestion,
)
from miniapp_api.storage import db
from miniapp_api.users.models import User

QUESTION_COUNTS = {DAILY: 5, TOPIC: 10, REVIEW: 10}
CHALLENGE_MAX_RIGHT = 20
_rng = random.SystemRandom()


def seconds_for(mode: str, count: int) -> int:
    """The time limit: for the whole session, or per question in challenge mode."""
    if mode == CHALLENGE:
        return current_app.config["QUIZ_CHALLENGE_SECONDS_PER_QUESTION"]
    return count * current_app.config["QUIZ_SECONDS_PER_QUESTION"]


def draw_questions(user_id: int, mode: str, category_id: int | None) -> list[int]:
    """The ids of the questions of a new session, in the order they are asked: review
    draws from the mistakes book; the others prefer questions the user has not seen or
    got wrong, and daily and challenge spread across categories."""
    wrong = mistakes.wrong_rows(user_id)
    wrong_ids = select(wrong.c.question_id)
    if category_id is not None:
        wrong_ids = wrong_ids.where(wrong.c.category_id == category_id)
    wrong_before = set(db.session.scalars(wrong_ids))
    if mode == REVIEW:
        candidates = [grading.Candidate(qid, 0, True) for qid in wrong_before]
        return grading.draw(candidates, QUESTION_COUNTS[REVIEW], _rng)
    query = select(Question.id, Question.category_id).where(Question.status == ACTIVE)
    if category_id is not None:
        query = query.where(Question.category_id == category_id)
    seen = set(
        db.session.scalars(
            select(SessionQuestion.question_id)
            .join(QuizSession)
            .where(QuizSession.user_id == user_id, SessionQuestion.served_at.is_not(None))
            .distinct()
        )
    )
    candidates = [
        grading.Candidate(qid, cid, qid not in seen or qid in wrong_before)
        for qid, cid in db.session.execute(query).tuples()
    ]
    count = CHALLENGE_MAX_RIGHT + 1 if mode == CHALLENGE else QUESTION_COUNTS[mode]
    return grading.draw(candidates, count, _rng, spread=mode in (DAILY, CHALLENGE))


def new_session(
    user: User, mode: str, category: Category | None, question_ids: list[int], now: datetime
) -> QuizSession:
    """The session with its drawn questions, each with this session's option order; in
    challenge mode only the first question is served, with its own deadline."""
    questions = {
        q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(question_ids)))
    }
    session = QuizSession(
        id=secrets.token_urlsafe(16),
        user_id=user.id,
        mode=mode,
        category=category,
        started_at=now,
        expires_at=now + timedelta(seconds=seconds_for(mode, len(question_ids))),
        total=1 if mode == CHALLENGE else len(question_ids),
        current_position=0 if mode == CHALLENGE else None,
    )
    for position, question_id in enumerate(question_ids):
        question = questions[question_id]
        order = [option.public_id for option in question.options]
        row = SessionQuestion(
            question=question,
            position=position,
            option_order=grading.option_order(order, question.type, _rng),
        )
        if mode != CHALLENGE or position == 0:
            row.served_at = now
        if mode == CHALLENGE and position == 0:
            row.deadline_at = session.expires_at
        session.questions.append(row)
    return session
