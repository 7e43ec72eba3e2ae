"""Answering and submitting: graded server-side, scored once, and paid only through the
award service, never from anything the client sends.

Both take the caller's row lock first, so two submits of one session are serialised
and the second sees the first; a conditional `UPDATE … WHERE submitted_at IS NULL`
guards the single submit in the database as well. Each is one unit of work: when
anything fails after the grading (the award, say), nothing of the session is written.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from miniapp_api.errors import IdempotencyKeyReused, ValidationFailed
from miniapp_api.points import service as points
from miniapp_api.points.rules import DAILY_QUIZ_FULL_MARKS_BONUS
from miniapp_api.quizzes import grading
from miniapp_api.quizzes.drawing import CHALLENGE_MAX_RIGHT
from miniapp_api.quizzes.errors import (
    AlreadyAnswered,
    AlreadySubmitted,
    NotChallenge,
    SessionExpired,
)
from miniapp_api.quizzes.marking import chosen_options, grade_answers, grade_unanswered, record
from miniapp_api.quizzes.models import CHALLENGE, DAILY, REVIEW, QuizSession, SessionQuestion
from miniapp_api.quizzes.results import AnswerOutcome, Result, result_of, solutions
from miniapp_api.quizzes.sessions import daily_claimed, own_session
from miniapp_api.signals import announce, quiz_finished
from miniapp_api.storage import db, use_case
from miniapp_api.timeutil import local_today, utcnow
from miniapp_api.users import service as users
from miniapp_api.users.models import User

PRACTICE_NOTE = "今天的每日答题积分已经领取，本次为练习"
FLAGGED_NOTE = "答题速度异常，本次成绩不计积分"
REVIEW_NOTE = "错题复习不计积分"
CAPPED_NOTE = "已达到今日答题积分上限"


def _late(deadline: datetime, now: datetime) -> bool:
    return (now - deadline).total_seconds() > current_app.config["QUIZ_SUBMIT_GRACE_SECONDS"]


@use_case
def submit(user: User, session_id: str, answers: list[dict], idempotency_key: str | None) -> Result:
    """Score the session once and pay for it. Replaying the first submit's
    Idempotency-Key returns the first result; any other second submit is refused."""
    now = utcnow()
    users.lock(user.id)
    session = own_session(user, session_id)
    if session.submitted_at is not None:
        if idempotency_key is None or idempotency_key != session.submit_idempotency_key:
            raise AlreadySubmitted()
        if not _sent_again(session, answers):
            raise IdempotencyKeyReused()
        return result_of(session)
    if _late(session.expires_at, now):
        raise SessionExpired()
    if session.mode == CHALLENGE:
        # Submitting ends a challenge early: the question waiting for an answer is wrong.
        if answers:
            raise ValidationFailed(errors={"json": {"answers": ["挑战答题请逐题作答"]}})
        grade_unanswered(session.questions[session.current_position], now)
    else:
        grade_answers(session, answers, now)
    _finish(user, session, now)
    session.submit_idempotency_key = idempotency_key
    return result_of(session)


def _sent_again(session: QuizSession, answers: list[dict]) -> bool:
    """A replayed submit carries the answers the first one recorded."""
    if session.mode == CHALLENGE:
        return not answers
    sent = {answer["question_id"]: set(answer["option_ids"]) for answer in answers}
    recorded = {
        row.question_id: set(row.chosen_option_ids)
        for row in session.questions
        if row.answered_at is not None
    }
    return sent == recorded


def _finish(user: User, session: QuizSession, now: datetime) -> None:
    """Mark the session submitted (once: the database refuses a second time), score it,
    flag it when it went too fast, pay it, and announce it when it counts."""
    claimed = db.session.execute(
        update(QuizSession)
        .where(QuizSession.id == session.id, QuizSession.submitted_at.is_(None))
        .values(submitted_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise AlreadySubmitted()
    graded = session.graded_questions
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
    """Points for the right answers: daily once a day, topic and challenge capped daily;
    `points_note` says why a session earned nothing, or less."""
    if session.mode == REVIEW:
        session.points_note = REVIEW_NOTE
        return
    if session.mode == DAILY:
        if daily_claimed(user.id):
            session.points_note = PRACTICE_NOTE
            return
        session.daily_date = local_today()
    if session.flagged:
        session.points_note = FLAGGED_NOTE
        return
    if not session.correct_count:
        return
    result = _pay(user, session)
    session.points_awarded = result.awarded
    if result.capped:
        session.points_note = CAPPED_NOTE


def _pay(user: User, session: QuizSession) -> points.AwardResult:
    correct, total = session.correct_count, session.total
    note = f"答对 {correct}/{total} 题"
    if session.mode == DAILY:
        bonus = DAILY_QUIZ_FULL_MARKS_BONUS if correct == total else 0
        wanted = points.rules()["daily_quiz"].points * correct + bonus
        ref = session.daily_date.isoformat()
        return points.award(user, "daily_quiz", ref, points=wanted, note=note)
    wanted = points.rules()["quiz"].points * correct
    return points.award(user, "quiz", f"quiz-session:{session.id}", points=wanted, note=note)


@use_case
def answer(
    user: User,
    session_id: str,
    question_id: int,
    option_ids: list[str],
    idempotency_key: str | None,
) -> AnswerOutcome:
    """Challenge mode: grade the current question, then serve the next or end the run
    (first wrong or late answer, or the last right one)."""
    now = utcnow()
    users.lock(user.id)
    session = own_session(user, session_id)
    row = _served_row(session, question_id)
    if row.graded_at is not None or session.submitted_at is not None:
        if idempotency_key is None or idempotency_key != row.idempotency_key:
            raise AlreadySubmitted() if session.submitted_at is not None else AlreadyAnswered()
        if row.answered_at is not None and set(option_ids) != set(row.chosen_option_ids):
            raise IdempotencyKeyReused()  # a late answer kept no choices to compare with
        return _outcome(session, row)
    options, problem = chosen_options(row.question, option_ids)
    if problem:
        raise ValidationFailed(errors={"json": {"option_ids": [problem]}})
    if _late(row.deadline_at, now):
        grade_unanswered(row, now)
    else:
        record(row, options, now)
    row.idempotency_key = idempotency_key
    _advance(user, session, row, now)
    return _outcome(session, row)


def _served_row(session: QuizSession, question_id: int) -> SessionQuestion:
    if session.mode != CHALLENGE:
        raise NotChallenge()
    row = next((r for r in session.questions if r.question_id == question_id), None)
    if row is None or row.served_at is None:
        raise ValidationFailed(errors={"json": {"question_id": ["这道题不是本次挑战的当前题目"]}})
    return row


def _advance(user: User, session: QuizSession, row: SessionQuestion, now: datetime) -> None:
    """After a graded challenge answer: end the run, or serve the next question."""
    right = sum(1 for r in session.questions if r.correct)
    following = _following(session, row)
    if not row.correct or right >= CHALLENGE_MAX_RIGHT or following is None:
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


def _outcome(session: QuizSession, row: SessionQuestion) -> AnswerOutcome:
    """How the run stood once `row` was graded: the next question if one was served
    after it, else the end with the session's result."""
    following = _following(session, row)
    if following is not None and following.served_at is None:
        following = None
    [solution] = solutions([row])
    return AnswerOutcome(
        row=row,
        article_id=solution.article_id,
        correct_count=sum(1 for r in session.questions[: row.position + 1] if r.correct),
        next_question=following,
        result=result_of(session) if following is None else None,
    )
