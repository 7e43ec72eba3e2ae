"""Quiz use cases for residents before the answers: the modes, starting a session and
showing it; the sessions' part of a user's personal data.

Every write that depends on the caller's other sessions takes the caller's row lock
first (`users.lock`), so the open-session cap, the daily once-only rule and the single
submit hold under concurrent requests on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from miniapp_api.categories.models import Category
from miniapp_api.errors import ValidationFailed
from miniapp_api.quizzes import mistakes
from miniapp_api.quizzes.drawing import (
    CHALLENGE_MAX_RIGHT,
    QUESTION_COUNTS,
    draw_questions,
    new_session,
    seconds_for,
)
from miniapp_api.quizzes.errors import NoMistakes, NoQuestions, TooManyOpenSessions
from miniapp_api.quizzes.models import (
    ACTIVE,
    CHALLENGE,
    DAILY,
    REVIEW,
    TOPIC,
    Question,
    QuizSession,
)
from miniapp_api.quizzes.results import Mode, Modes, ReviewMode, SessionState, state_of
from miniapp_api.storage import db, get_or_404, use_case
from miniapp_api.timeutil import local_today, utcnow
from miniapp_api.users import service as users
from miniapp_api.users.models import User


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


def daily_claimed(user_id: int) -> bool:
    """Whether today's daily quiz has already counted for points."""
    claimed = select(QuizSession.id).where(
        QuizSession.user_id == user_id, QuizSession.daily_date == local_today()
    )
    return db.session.scalar(claimed) is not None


def _mode(mode: str, name: str, count: int, earns_points: bool, category=None) -> Mode:
    return Mode(mode, name, category, count, seconds_for(mode, count), earns_points)


def modes(user: User) -> Modes:
    """Daily, one topic per category with questions, challenge, and review."""
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
    count = min(QUESTION_COUNTS[REVIEW], mistake_count)
    seconds = seconds_for(REVIEW, count)
    items.append(ReviewMode(REVIEW, "错题复习", None, count, seconds, False, mistake_count))
    return Modes(items)


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
def start_session(user: User, mode: str, category_slug: str | None) -> SessionState:
    """Draw a session's questions server-side and start its clock."""
    category = _category_for(mode, category_slug)
    now = utcnow()
    users.lock(user.id)
    if _open_count(user.id, now) >= current_app.config["QUIZ_MAX_OPEN_SESSIONS"]:
        raise TooManyOpenSessions()
    question_ids = draw_questions(user.id, mode, category.id if category else None)
    if not question_ids:
        raise NoMistakes() if mode == REVIEW else NoQuestions()
    session = new_session(user, mode, category, question_ids, now)
    db.session.add(session)
    db.session.flush()
    return state_of(session, now)


def own_session(user: User, session_id: str) -> QuizSession:
    """The caller's session; anyone else's is NOT_FOUND, as if it did not exist."""
    return get_or_404(
        QuizSession, session_id, "答题记录不存在", visible=lambda s: s.user_id == user.id
    )


def get_session(user: User, session_id: str) -> SessionState:
    """The caller's session as it stands now."""
    return state_of(own_session(user, session_id), utcnow())
