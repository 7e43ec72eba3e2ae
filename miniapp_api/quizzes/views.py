"""What a session looks like to its owner: before the end without any hint of the
answers, afterwards with the correct options and explanations."""

from __future__ import annotations

from datetime import datetime

from miniapp_api.quizzes import bank
from miniapp_api.quizzes.models import Question, QuizSession, SessionQuestion

OPEN, SUBMITTED, EXPIRED = "open", "submitted", "expired"


def category_view(category) -> dict | None:
    if category is None:
        return None
    return {"slug": category.slug, "name": category.name}


def ordered_options(question: Question, order: list[str]) -> list:
    """The question's options in this session's order; options added after the draw
    go last, removed ones are skipped."""
    by_id = {option.public_id: option for option in question.options}
    shown = [by_id[public_id] for public_id in order if public_id in by_id]
    return shown + [option for option in question.options if option.public_id not in order]


def question_view(row: SessionQuestion) -> dict:
    """A question as it goes out: only what is needed to answer it."""
    question = row.question
    return {
        "id": question.id,
        "position": row.position + 1,
        "type": question.type,
        "stem": question.stem,
        "category": category_view(question.category),
        "options": [
            {"id": option.public_id, "text": option.text}
            for option in ordered_options(question, row.option_order)
        ],
        "deadline_at": row.deadline_at,
    }


def solution_view(row: SessionQuestion, article_ids: dict[str, int]) -> dict:
    """A graded question: what was chosen, what is right, and why."""
    question = row.question
    options = ordered_options(question, row.option_order)
    chosen = {choice.option.id for choice in row.choices}
    return {
        "question_id": question.id,
        "correct": bool(row.correct),
        "chosen_option_ids": [option.public_id for option in options if option.id in chosen],
        "correct_option_ids": [option.public_id for option in options if option.is_correct],
        "explanation": question.explanation,
        "article_id": article_ids.get(question.article_slug or ""),
    }


def status_of(session: QuizSession, now: datetime, grace_seconds: int) -> str:
    if session.submitted_at is not None:
        return SUBMITTED
    if (now - session.expires_at).total_seconds() > grace_seconds:
        return EXPIRED
    return OPEN


def result_view(session: QuizSession) -> dict:
    graded = [row for row in session.questions if row.graded_at is not None]
    article_ids = bank.visible_article_ids(row.question.article_slug for row in graded)
    return {
        "session_id": session.id,
        "mode": session.mode,
        "score": session.score,
        "correct_count": session.correct_count,
        "total": session.total,
        "points_awarded": session.points_awarded,
        "points_note": session.points_note,
        "flagged": session.flagged,
        "results": [solution_view(row, article_ids) for row in graded],
    }


def session_view(session: QuizSession, now: datetime, grace_seconds: int) -> dict:
    """The whole session. Before the end only the questions served so far, unanswered."""
    served = [row for row in session.questions if row.served_at is not None]
    return {
        "id": session.id,
        "mode": session.mode,
        "category": category_view(session.category),
        "status": status_of(session, now, grace_seconds),
        "started_at": session.started_at,
        "expires_at": session.expires_at,
        "submitted_at": session.submitted_at,
        "total": session.total,
        "questions": [question_view(row) for row in served],
        "current_question_id": _current_question_id(session),
        "result": result_view(session) if session.submitted_at is not None else None,
    }


def _current_question_id(session: QuizSession) -> int | None:
    if session.current_position is None or session.submitted_at is not None:
        return None
    return session.questions[session.current_position].question_id


def mistake_view(row: SessionQuestion, article_ids: dict[str, int]) -> dict:
    """A question from the mistakes book: its answer was shown when it was graded."""
    question = row.question
    return {
        **solution_view(row, article_ids),
        "type": question.type,
        "stem": question.stem,
        "category": category_view(question.category),
        "options": [{"id": option.public_id, "text": option.text} for option in question.options],
        "wrong_at": row.graded_at,
    }
