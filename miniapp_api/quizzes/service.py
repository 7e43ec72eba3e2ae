"""Quiz use cases for residents: the modes, drawing and showing a session.

Answering and submitting live in `scoring.py`, the mistakes book in `mistakes.py`.
Every write that depends on the caller's other sessions takes the caller's row lock
first (`users.lock`), so the open-session cap, the daily once-only rule and the
single submit hold under concurrent requests on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from miniapp_api.categories.models import Category
from miniapp_api.errors import AppError, NotFound, ValidationFailed
from miniapp_api.quizzes import grading, mistakes, views
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
from miniapp_api.storage import db, use_case
from miniapp_api.timeutil import local_today, utcnow
from miniapp_api.users import service as users
from miniapp_api.users.models import User

QUESTION_COUNTS = {DAILY: 5, TOPIC: 10, REVIEW: 10}
CHALLENGE_MAX_RIGHT = 20
_rng = random.SystemRandom()


class TooManyOpenSessions(AppError):
    status_code, error_code = 409, "TOO_MANY_OPEN_SESSIONS"
    message = "您还有未完成的答题，请先完成或提交后再开始新的答题"


class NoQuestions(AppError):
    status_code, error_code, message = 409, "NO_QUESTIONS", "暂时没有可以作答的题目"


class NoMistakes(AppError):
    status_code, error_code, message = 409, "NO_MISTAKES", "错题本里还没有题目，先去答题吧"


def export_sessions(user: User) -> list[dict]:
    """The user's part of `GET /me/export`: every quiz session and its score."""
    sessions = db.session.scalars(
        select(QuizSession).where(QuizSession.user_id == user.id).order_by(QuizSession.started_at)
    )
    return [
        {
            "id": s.id,
            "mode": s.mode,
            "started_at": s.started_at,
            "submitted_at": s.submitted_at,
            "score": s.score,
            "correct_count": s.correct_count,
            "total": s.total,
            "points_awarded": s.points_awarded,
        }
        for s in sessions
    ]


def _config(name: str):
    return current_app.config[name]


def _seconds_for(mode: str, count: int) -> int:
    if mode == CHALLENGE:
        return _config("QUIZ_CHALLENGE_SECONDS_PER_QUESTION")
    return count * _config("QUIZ_SECONDS_PER_QUESTION")


def daily_claimed(user_id: int) -> bool:
    """Whether today's daily quiz has already counted for points."""
    return (
        db.session.scalar(
            select(QuizSession.id).where(
                QuizSession.user_id == user_id, QuizSession.daily_date == local_today()
            )
        )
        is not None
    )


def modes(user: User) -> dict:
    """GET /quizzes: daily, one topic per category with questions, challenge, review."""
    counts = dict(
        db.session.execute(
            select(Question.category_id, func.count())
            .where(Question.status == ACTIVE)
            .group_by(Question.category_id)
        )
        .tuples()
        .all()
    )
    categories = db.session.scalars(select(Category).order_by(Category.sort_order, Category.id))
    mistake_count = db.session.scalar(
        select(func.count()).select_from(mistakes.wrong_rows(user.id))
    )
    daily = min(QUESTION_COUNTS[DAILY], sum(counts.values()))
    items = [_mode(DAILY, "每日答题", daily, not daily_claimed(user.id))]
    for category in categories:
        if counts.get(category.id):
            count = min(QUESTION_COUNTS[TOPIC], counts[category.id])
            items.append(_mode(TOPIC, f"专题答题：{category.name}", count, True, category))
    items.append(_mode(CHALLENGE, "挑战答题", CHALLENGE_MAX_RIGHT, True))
    items.append(_mode(REVIEW, "错题复习", min(QUESTION_COUNTS[REVIEW], mistake_count), False))
    items[-1]["mistake_count"] = mistake_count
    return {"items": items}


def _mode(mode, name, count, earns_points, category=None) -> dict:
    return {
        "mode": mode,
        "name": name,
        "category": views.category_view(category),
        "question_count": count,
        "time_limit_seconds": _seconds_for(mode, count),
        "earns_points": earns_points,
    }


def _new_session_id() -> str:
    return secrets.token_urlsafe(16)


def _open_count(user_id: int, now: datetime) -> int:
    return db.session.scalar(
        select(func.count()).where(
            QuizSession.user_id == user_id,
            QuizSession.submitted_at.is_(None),
            QuizSession.expires_at > now,
        )
    )


def _category_for(mode: str, slug: str | None) -> Category | None:
    if slug is None:
        if mode == TOPIC:
            raise ValidationFailed(errors={"json": {"category": ["专题答题请选择诈骗类型"]}})
        return None
    if mode not in (TOPIC, REVIEW):
        raise ValidationFailed(
            errors={"json": {"category": ["只有专题答题和错题复习可以选择类型"]}}
        )
    category = db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        raise ValidationFailed(errors={"json": {"category": [f"未知的诈骗类型：{slug}"]}})
    return category


@use_case
def start_session(user: User, mode: str, category_slug: str | None) -> dict:
    """Draw a session's questions server-side and start its clock; commits."""
    category = _category_for(mode, category_slug)
    now = utcnow()
    users.lock(user.id)
    if _open_count(user.id, now) >= _config("QUIZ_MAX_OPEN_SESSIONS"):
        raise TooManyOpenSessions()
    question_ids = _draw(user.id, mode, category.id if category else None)
    if not question_ids:
        raise NoMistakes() if mode == REVIEW else NoQuestions()
    session = _new_session(user, mode, category, question_ids, now)
    db.session.add(session)
    db.session.flush()
    return views.session_view(session, now, _config("QUIZ_SUBMIT_GRACE_SECONDS"))


def _new_session(
    user: User, mode: str, category: Category | None, question_ids: list[int], now: datetime
) -> QuizSession:
    """The session with its drawn questions, each with this session's option order; in
    challenge mode only the first question is served."""
    questions = {
        q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(question_ids)))
    }
    session = QuizSession(
        id=_new_session_id(),
        user_id=user.id,
        mode=mode,
        category=category,
        started_at=now,
        expires_at=now + timedelta(seconds=_seconds_for(mode, len(question_ids))),
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


def _draw(user_id: int, mode: str, category_id: int | None) -> list[int]:
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


def own_session(user: User, session_id: str) -> QuizSession:
    """The caller's session; anyone else's is NOT_FOUND, as if it did not exist."""
    session = db.session.scalar(
        select(QuizSession)
        .where(QuizSession.id == session_id, QuizSession.user_id == user.id)
        .execution_options(populate_existing=True)
    )
    if session is None:
        raise NotFound("答题记录不存在")
    return session


def get_session(user: User, session_id: str) -> dict:
    session = own_session(user, session_id)
    return views.session_view(session, utcnow(), _config("QUIZ_SUBMIT_GRACE_SECONDS"))
