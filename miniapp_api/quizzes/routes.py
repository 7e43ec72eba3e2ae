"""Quizzes for residents: modes, sessions, answering, submitting, the mistakes book."""

from flask_jwt_extended import current_user

from miniapp_api.limits import limited
from miniapp_api.quizzes import service
from miniapp_api.quizzes.schemas import (
    MistakePageSchema,
    QuizAnswerResultSchema,
    QuizAnswerSchema,
    QuizModeListSchema,
    QuizResultSchema,
    QuizSessionCreateSchema,
    QuizSessionSchema,
    QuizSubmitSchema,
)
from miniapp_api.web import Blueprint, PageArgsSchema, idempotency_key, login_required

blp = Blueprint("quizzes", __name__, url_prefix="/api/v1", description="Quizzes (答题)")


@blp.route("/quizzes", methods=["GET"])
@login_required()
@blp.response(200, QuizModeListSchema)
def list_modes():
    """The available modes: daily, topic (one per category), challenge, review."""
    return service.modes(current_user)


@blp.route("/quiz-sessions", methods=["POST"])
@login_required()
@limited("quiz_session")
@blp.arguments(QuizSessionCreateSchema)
@blp.response(201, QuizSessionSchema)
@blp.alt_response(
    409, response="CONFLICT", description="TOO_MANY_OPEN_SESSIONS, NO_QUESTIONS, NO_MISTAKES"
)
@blp.alt_response(429, response="TOO_MANY_REQUESTS", description="RATE_LIMITED")
def start_session(payload):
    """Draw questions server-side and start the clock; no answer is revealed."""
    return service.start_session(current_user, payload["mode"], payload.get("category"))


@blp.route("/quiz-sessions/<string:session_id>", methods=["GET"])
@login_required()
@blp.response(200, QuizSessionSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_session(session_id):
    """The caller's own session; results only once it is submitted."""
    return service.get_session(current_user, session_id)


@blp.route("/quiz-sessions/<string:session_id>/answer", methods=["POST"])
@login_required()
@blp.arguments(QuizAnswerSchema)
@blp.response(200, QuizAnswerResultSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(
    409,
    response="CONFLICT",
    description="NOT_CHALLENGE, ALREADY_ANSWERED, ALREADY_SUBMITTED",
)
def answer(payload, session_id):
    """Challenge mode: answer the current question; returns whether it was right and
    the next question, or the end (Idempotency-Key honoured)."""
    return service.answer(
        current_user,
        session_id,
        payload["question_id"],
        payload["option_ids"],
        idempotency_key(),
    )


@blp.route("/quiz-sessions/<string:session_id>/submit", methods=["POST"])
@login_required()
@blp.arguments(QuizSubmitSchema)
@blp.response(200, QuizResultSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT", description="ALREADY_SUBMITTED, SESSION_EXPIRED")
def submit(payload, session_id):
    """Score the session once and award the points (Idempotency-Key honoured)."""
    return service.submit(current_user, session_id, payload["answers"], idempotency_key())


@blp.route("/me/mistakes", methods=["GET"])
@login_required()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, MistakePageSchema)
def my_mistakes(args):
    """Questions the caller got wrong and has not answered right since (错题本)."""
    return service.book(current_user, args["page"], args["per_page"])
