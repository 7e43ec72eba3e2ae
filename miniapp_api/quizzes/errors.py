"""What the quiz use cases refuse with (409 unless said otherwise)."""

from __future__ import annotations

from miniapp_api.errors import AppError


class TooManyOpenSessions(AppError):
    status_code, error_code = 409, "TOO_MANY_OPEN_SESSIONS"
    message = "您还有未完成的答题，请先完成或提交后再开始新的答题"


class NoQuestions(AppError):
    status_code, error_code, message = 409, "NO_QUESTIONS", "暂时没有可以作答的题目"


class NoMistakes(AppError):
    status_code, error_code, message = 409, "NO_MISTAKES", "错题本里还没有题目，先去答题吧"


class AlreadySubmitted(AppError):
    status_code, error_code, message = 409, "ALREADY_SUBMITTED", "本次答题已经提交过了"


class SessionExpired(AppError):
    status_code, error_code, message = 409, "SESSION_EXPIRED", "答题时间已过，本次作答无效"


class NotChallenge(AppError):
    status_code, error_code = 409, "NOT_CHALLENGE"
    message = "只有挑战答题需要逐题作答，其他答题请整卷提交"


class AlreadyAnswered(AppError):
    status_code, error_code, message = 409, "ALREADY_ANSWERED", "这道题已经回答过了"


class QuestionKeyTaken(AppError):
    status_code, error_code, message = 409, "QUESTION_KEY_TAKEN", "题目编号已被使用"
