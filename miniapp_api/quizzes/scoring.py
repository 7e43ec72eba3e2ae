"""Answering and submitting: graded server-side, scored once, and paid only through the
award service, never from anything the client sends.

Both take the caller's row lock first, so two submits of one session are serialised
and the second sees the first; a conditional `UPDATE … WHERE submitted_at IS NULL`
guards the single submit in the database as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from miniapp_api.errors import AppError, ValidationFailed
from miniapp_api.points import service as points
from miniapp_api.points.rules import DAILY_QUIZ_FULL_MARKS_BONUS
from miniapp_api.quizzes import bank, grading, service, views
from miniapp_api.quizzes.checks import MULTIPLE
from miniapp_api.quizzes.models import (
    CHALLENGE,
    DAILY,
    REVIEW,
    AnswerChoice,
    Question,
    QuestionOption,
    QuizSession,
    SessionQuestion,
)
from miniapp_api.signals import announce, quiz_finished
from miniapp_api.storage import db, use_case
from miniapp_api.timeutil import local_today, utcnow
from miniapp_api.users import service as users
from miniapp_api.users.models import User

PRACTICE_NOTE = "今天的每日答题积分已经领取，本次为练习"
FLAGGED_NOTE = "答题速度异常，本次成绩不计积分"
REVIEW_NOTE = "错题复习不计积分"
CAPPED_NOTE = "已达到今日答题积分上限"


class AlreadySubmitted(AppError):
    status_code, error_code, message = 409, "ALREADY_SUBMITTED", "本次答题已经提交过了"


class SessionExpired(AppError):
    status_code, error_code, message = 409, "SESSION_EXPIRED", "答题时间已过，本次作答无效"


class NotChallenge(AppError):
    status_code, error_code = 409, "NOT_CHALLENGE"
    message = "只有挑战答题需要逐题作答，其他答题请整卷提交"


class AlreadyAnswered(AppError):
    status_code, error_code, message = 409, "ALREADY_ANSWERED", "这道题已经回答过了"


def _late(deadline: datetime, now: datetime) -> bool:
    return (now - deadline).total_seconds() > current_app.config["QUIZ_SUBMIT_GRACE_SECONDS"]


def _chosen_options(
    question: Question, option_ids: Sequence[str]
) -> tuple[list[QuestionOption], str | None]:
    by_id = {option.public_id: option for option in question.options}
    unique = list(dict.fromkeys(option_ids))
    if any(option_id not in by_id for option_id in unique):
        return [], "选项不属于这道题"
    if question.type != MULTIPLE and len(unique) > 1:
        return [], "这道题只能选一个选项"
    return [by_id[option_id] for option_id in unique], None


def _record(row: SessionQuestion, options: list[QuestionOption], now: datetime) -> None:
    correct_ids = {option.public_id for option in row.question.options if option.is_correct}
    row.answered_at = now
    row.choices = [AnswerChoice(option=option) for option in options]
    row.correct = grading.is_right(correct_ids, (option.public_id for option in options))
    row.graded_at = now


def _grade_unanswered(row: SessionQuestion, now: datetime) -> None:
    row.correct = False
    row.graded_at = now


def _claim(session: QuizSession, now: datetime) -> None:
    """Mark the session submitted, once; the database refuses a second time."""
    claimed = db.session.execute(
        update(QuizSession)
        .where(QuizSession.id == session.id, QuizSession.submitted_at.is_(None))
        .values(submitted_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise AlreadySubmitted()


@use_case
def submit(user: User, session_id: str, answers: list[dict], idempotency_key: str | None) -> dict:
    """Score the session once; commits. Replaying the first submit's Idempotency-Key
    returns the first result."""
    now = utcnow()
    users.lock(user.id)
    session = service.own_session(user, session_id)
    if session.submitted_at is not None:
        replay = idempotency_key is not None and idempotency_key == session.submit_idempotency_key
        result = views.result_view(session) if replay else None
        if result is None:
            raise AlreadySubmitted()
        return result
    if _late(session.expires_at, now):
        raise SessionExpired()
    if session.mode == CHALLENGE:
        if answers:
            raise ValidationFailed(errors={"json": {"answers": ["挑战答题请逐题作答"]}})
        _grade_unanswered(session.questions[session.current_position], now)
    else:
        _grade_all(session, answers, now)
    _claim(session, now)
    _finish(user, session, now)
    session.submit_idempotency_key = idempotency_key
    return views.result_view(session)


def _grade_all(session: QuizSession, answers: list[dict], now: datetime) -> None:
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
            options, problem = _chosen_options(row.question, answer["option_ids"])
            if problem:
                problems[str(index)] = {"option_ids": [problem]}
            chosen[row.question_id] = options
    if problems:
        raise ValidationFailed(errors={"json": {"answers": problems}})
    for row in session.questions:
        if row.question_id in chosen:
            _record(row, chosen[row.question_id], now)
        else:
            _grade_unanswered(row, now)


def _finish(user: User, session: QuizSession, now: datetime) -> None:
    graded = [row for row in session.questions if row.graded_at is not None]
    session.submitted_at = now
    session.total = len(graded)
    session.correct_count = sum(1 for row in graded if row.correct)
    session.score = grading.score_percent(session.correct_count, session.total)
    answered = [row.answered_at for row in graded if row.answered_at is not None]
    elapsed = (max(answered) - session.started_at).total_seconds() if answered else 0.0
    session.flagged = grading.too_fast(
        elapsed, len(answered), current_app.config["QUIZ_MIN_SECONDS_PER_QUESTION"]
    )
    _award(user, session)
    if not session.flagged:
        announce(quiz_finished, user_id=user.id, session_id=session.id)


def _award(user: User, session: QuizSession) -> None:
    """Points for the right answers: daily once a day, topic and challenge capped daily."""
    if session.mode == REVIEW:
        session.points_note = REVIEW_NOTE
        return
    if session.mode == DAILY:
        if service.daily_claimed(user.id):
            session.points_note = PRACTICE_NOTE
            return
        session.daily_date = local_today()
    if session.flagged:
        session.points_note = FLAGGED_NOTE
        return
    correct, total = session.correct_count, session.total
    if not correct:
        return
    note = f"答对 {correct}/{total} 题"
    if session.mode == DAILY:
        bonus = DAILY_QUIZ_FULL_MARKS_BONUS if correct == total else 0
        wanted = points.rules()["daily_quiz"].points * correct + bonus
        result = points.award(
            user, "daily_quiz", session.daily_date.isoformat(), points=wanted, note=note
        )
    else:
        wanted = points.rules()["quiz"].points * correct
        result = points.award(user, "quiz", f"quiz-session:{session.id}", points=wanted, note=note)
    session.points_awarded = result.awarded
    if result.capped:
        session.points_note = CAPPED_NOTE


@use_case
def answer(
    user: User,
    session_id: str,
    question_id: int,
    option_ids: list[str],
    idempotency_key: str | None,
) -> dict:
    """Challenge mode: grade the current question, then serve the next or end the run
    (first wrong or late answer, or the last right one); commits."""
    now = utcnow()
    users.lock(user.id)
    session = service.own_session(user, session_id)
    if session.mode != CHALLENGE:
        raise NotChallenge()
    row = next((r for r in session.questions if r.question_id == question_id), None)
    if row is None or row.served_at is None:
        raise ValidationFailed(errors={"json": {"question_id": ["这道题不是本次挑战的当前题目"]}})
    if row.graded_at is not None or session.submitted_at is not None:
        replay = idempotency_key is not None and idempotency_key == row.idempotency_key
        view = _answer_view(session, row) if replay else None
        finished = session.submitted_at is not None
        if view is not None:
            return view
        raise AlreadySubmitted() if finished else AlreadyAnswered()
    options, problem = _chosen_options(row.question, option_ids)
    if problem:
        raise ValidationFailed(errors={"json": {"option_ids": [problem]}})
    if _late(row.deadline_at, now):
        _grade_unanswered(row, now)
    else:
        _record(row, options, now)
    row.idempotency_key = idempotency_key
    _advance(user, session, row, now)
    return _answer_view(session, row)


def _advance(user: User, session: QuizSession, row: SessionQuestion, now: datetime) -> None:
    """After a graded challenge answer: end the run, or serve the next question."""
    right = sum(1 for r in session.questions if r.correct)
    following = _following(session, row)
    if not row.correct or right >= service.CHALLENGE_MAX_RIGHT or following is None:
        _claim(session, now)
        _finish(user, session, now)
        return
    seconds = current_app.config["QUIZ_CHALLENGE_SECONDS_PER_QUESTION"]
    following.served_at = now
    following.deadline_at = now + timedelta(seconds=seconds)
    session.current_position = following.position
    session.expires_at = following.deadline_at
    session.total = following.position + 1


def _following(session: QuizSession, row: SessionQuestion) -> SessionQuestion | None:
    position = row.position + 1
    return session.questions[position] if position < len(session.questions) else None


def _answer_view(session: QuizSession, row: SessionQuestion) -> dict:
    article_ids = bank.visible_article_ids([row.question.article_slug])
    following = _following(session, row)
    if following is not None and following.served_at is None:
        following = None
    return {
        **views.solution_view(row, article_ids),
        "timed_out": row.answered_at is None,
        "correct_count": sum(1 for r in session.questions[: row.position + 1] if r.correct),
        "finished": following is None,
        "next_question": views.question_view(following) if following else None,
        "expires_at": following.deadline_at if following else None,
        "result": views.result_view(session) if following is None else None,
    }
