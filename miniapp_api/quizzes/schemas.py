"""Request and response shapes of the quiz endpoints for residents.

The responses dump the models and `results` dataclasses. Nothing here carries an answer
before the end: `QuizQuestionSchema` (a served `SessionQuestion`) has no correctness, no
explanation; `QuizSolutionSchema` (a `results.Solution`) is only used once a question is
graded, and a session's `result` is None until it is submitted.
"""

import marshmallow as ma
from marshmallow import fields, validate

from miniapp_api.common_fields import LocalDateTime
from miniapp_api.quizzes.checks import MAX_OPTIONS, QUESTION_TYPES
from miniapp_api.quizzes.models import MODES, SESSION_STATUSES
from miniapp_api.web import paginated

OPTION_ID = fields.String(validate=validate.Length(min=1, max=16))
QUESTION_ID = fields.Integer(strict=True, required=True, validate=validate.Range(1, 2**31 - 1))


class QuizCategorySchema(ma.Schema):
    """A `Category` as the quiz endpoints show it."""

    slug = fields.String(required=True)
    name = fields.String(required=True)


class QuizModeSchema(ma.Schema):
    """A `results.Mode`; `mistake_count` only for review (a `results.ReviewMode`)."""

    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    name = fields.String(required=True)
    category = fields.Nested(QuizCategorySchema, allow_none=True, required=True)
    question_count = fields.Integer(required=True)
    time_limit_seconds = fields.Integer(
        required=True, metadata={"description": "For the whole session; per question in challenge"}
    )
    earns_points = fields.Boolean(required=True)
    mistake_count = fields.Integer(metadata={"description": "review only"})


class QuizModeListSchema(ma.Schema):
    items = fields.List(fields.Nested(QuizModeSchema), required=True)


class QuizSessionCreateSchema(ma.Schema):
    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    category = fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={"description": "Category slug: required for topic, optional for review"},
    )


class QuizOptionSchema(ma.Schema):
    """A `QuestionOption` as residents see it: its public id and text, nothing else."""

    id = fields.String(
        attribute="public_id", required=True, metadata={"description": "Opaque, stable option id"}
    )
    text = fields.String(required=True)


class QuizQuestionSchema(ma.Schema):
    """A served `SessionQuestion`: what is needed to answer it, in this session's order."""

    id = fields.Integer(attribute="question_id", required=True)
    position = fields.Integer(
        attribute="number", required=True, metadata={"description": "1-based"}
    )
    type = fields.String(
        attribute="question.type", required=True, validate=validate.OneOf(QUESTION_TYPES)
    )
    stem = fields.String(attribute="question.stem", required=True)
    category = fields.Nested(QuizCategorySchema, attribute="question.category", required=True)
    options = fields.List(fields.Nested(QuizOptionSchema), attribute="shown_options", required=True)
    deadline_at = LocalDateTime(allow_none=True, metadata={"description": "challenge only"})


class QuizSolutionSchema(ma.Schema):
    """A `results.Solution`: a graded question, what was chosen, what is right, and why."""

    question_id = fields.Integer(attribute="row.question_id", required=True)
    correct = fields.Boolean(attribute="row.correct", required=True)
    chosen_option_ids = fields.List(
        fields.String(), attribute="row.chosen_option_ids", required=True
    )
    correct_option_ids = fields.List(
        fields.String(), attribute="row.correct_option_ids", required=True
    )
    explanation = fields.String(attribute="row.question.explanation", required=True)
    article_id = fields.Integer(allow_none=True, required=True)


class QuizResultSchema(ma.Schema):
    """A `results.Result`: the scored session and its graded questions."""

    session_id = fields.String(attribute="session.id", required=True)
    mode = fields.String(attribute="session.mode", required=True)
    score = fields.Integer(
        attribute="session.score", required=True, metadata={"description": "Share right, 0–100"}
    )
    correct_count = fields.Integer(attribute="session.correct_count", required=True)
    total = fields.Integer(attribute="session.total", required=True)
    points_awarded = fields.Integer(attribute="session.points_awarded", required=True)
    points_note = fields.String(
        attribute="session.points_note",
        allow_none=True,
        required=True,
        metadata={"description": "Why points were not earned"},
    )
    flagged = fields.Boolean(attribute="session.flagged", required=True)
    results = fields.List(fields.Nested(QuizSolutionSchema), required=True)


class QuizSessionSchema(ma.Schema):
    """A `results.SessionState`: before the end only the questions served so far."""

    id = fields.String(attribute="session.id", required=True)
    mode = fields.String(attribute="session.mode", required=True, validate=validate.OneOf(MODES))
    category = fields.Nested(
        QuizCategorySchema, attribute="session.category", allow_none=True, required=True
    )
    status = fields.String(required=True, validate=validate.OneOf(SESSION_STATUSES))
    started_at = LocalDateTime(attribute="session.started_at", required=True)
    expires_at = LocalDateTime(
        attribute="session.expires_at",
        required=True,
        metadata={"description": "Deadline; in challenge the current question's"},
    )
    submitted_at = LocalDateTime(attribute="session.submitted_at", allow_none=True, required=True)
    total = fields.Integer(attribute="session.total", required=True)
    questions = fields.List(
        fields.Nested(QuizQuestionSchema), attribute="session.served_questions", required=True
    )
    current_question_id = fields.Integer(
        attribute="session.current_question_id", allow_none=True, required=True
    )
    result = fields.Nested(QuizResultSchema, allow_none=True, required=True)


class QuizAnswerSchema(ma.Schema):
    question_id = QUESTION_ID
    option_ids = fields.List(OPTION_ID, required=True, validate=validate.Length(max=MAX_OPTIONS))


class QuizSubmitSchema(ma.Schema):
    answers = fields.List(
        fields.Nested(QuizAnswerSchema), load_default=list, validate=validate.Length(max=50)
    )


class QuizAnswerResultSchema(QuizSolutionSchema):
    """A `results.AnswerOutcome`: the graded answer and the next question, or the end."""

    timed_out = fields.Boolean(required=True)
    correct_count = fields.Integer(required=True, metadata={"description": "Right so far"})
    finished = fields.Boolean(required=True)
    next_question = fields.Nested(QuizQuestionSchema, allow_none=True, required=True)
    expires_at = LocalDateTime(allow_none=True, required=True)
    result = fields.Nested(QuizResultSchema, allow_none=True, required=True)


class MistakeSchema(QuizSolutionSchema):
    """A `results.Solution` from the mistakes book: its answer was shown when it was graded,
    so the options go out in the bank's order."""

    type = fields.String(attribute="row.question.type", required=True)
    stem = fields.String(attribute="row.question.stem", required=True)
    category = fields.Nested(QuizCategorySchema, attribute="row.question.category", required=True)
    options = fields.List(
        fields.Nested(QuizOptionSchema), attribute="row.question.options", required=True
    )
    wrong_at = LocalDateTime(attribute="row.graded_at", required=True)


MistakePageSchema = paginated(MistakeSchema)
