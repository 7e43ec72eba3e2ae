"""Quiz use cases for residents, re-exported from the modules that hold them: the
modes, starting and showing a session (`sessions`), answering and submitting
(`scoring`), the mistakes book (`mistakes`); and the sessions' part of a user's
personal data. Routes and other domains import this module only."""

from __future__ import annotations

from miniapp_api.quizzes.errors import (
    AlreadyAnswered,
    AlreadySubmitted,
    NoMistakes,
    NoQuestions,
    NotChallenge,
    SessionExpired,
    TooManyOpenSessions,
)
from miniapp_api.quizzes.mistakes import book
from miniapp_api.quizzes.scoring import answer, submit
from miniapp_api.quizzes.sessions import (
    daily_claimed,
    export_sessions,
    get_session,
    modes,
    start_session,
)

__all__ = [
    "AlreadyAnswered",
    "AlreadySubmitted",
    "NoMistakes",
    "NoQuestions",
    "NotChallenge",
    "SessionExpired",
    "TooManyOpenSessions",
    "answer",
    "book",
    "daily_claimed",
    "export_sessions",
    "get_session",
    "modes",
    "start_session",
    "submit",
]
