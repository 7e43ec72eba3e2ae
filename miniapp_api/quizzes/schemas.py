"""Request and response shapes of the quiz endpoints for residents.

Nothing here carries an answer before the end: `QuizQuestionSchema` has no correctness,
no explanation; `QuizSolutionSchema` is only used once a question is graded.
"""

import marshmallow as ma
from marshmallow import fields, validate

from miniapp_api.common_fields import LocalDateTime
from miniapp_api.quizzes.checks import MAX_OPTIONS, QUESTION_TYPES
from miniapp_api.quizzes.models import MODES
from miniapp_api.web import PageSchema

OPTION_ID = fields.String(validate=validate.Length(min=1, max=16))
QUESTION_ID = fields.Integer(strict=True, required=True, validate=validate.Range(1, 2**31 - 1))


class QuizCategorySchema(ma.Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)


class QuizModeSchema(ma.Schema):
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
    id = fields.String(required=True, metadata={"description": "Opaque, stable option id"})
    text = fields.String(required=True)


class QuizQuestionSchema(ma.Schema):
    id = fields.Integer(required=True)
    position = fields.Integer(required=True, metadata={"description": "1-based"})
    type = fields.String(required=True, validate=validate.OneOf(QUESTION_TYPES))
    stem = fields.String(required=True)
    category = fields.Nested(QuizCategorySchema, required=True)
    options = fields.List(fields.Nested(QuizOptionSchema), required=True)
    deadline_at = LocalDateTime(allow_none=True, metadata={"description": "challenge only"})


class QuizSolutionSchema(ma.Schema):
    question_id = fields.Integer(required=True)
    correct = fields.Boolean(required=True)
    chosen_option_ids = fields.List(fields.String(), required=True)
    correct_option_ids = fields.List(fields.String(), required=True)
    explanation = fields.String(required=True)
    article_id = fields.Integer(allow_none=True, required=True)


class QuizResultSchema(ma.Schema):
    session_id = fields.String(required=True)
    mode = fields.String(required=True)
    score = fields.Integer(required=True, metadata={"description": "Share right, 0–100"})
    correct_count = fields.Integer(required=True)
    total = fields.Integer(required=True)
    points_awarded = fields.Integer(required=True)
    points_note = fields.String(
        allow_none=True, required=True, metadata={"description": "Why points were not earned"}
    )
    flagged = fields.Boolean(required=True)
    results = fields.List(fields.Nested(QuizSolutionSchema), required=True)


class QuizSessionSchema(ma.Schema):
    id = fields.String(required=True)
    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    category = fields.Nested(QuizCategorySchema, allow_none=True, required=True)
    status = fields.String(required=True, validate=validate.OneOf(("open", "submitted", "expired")))
    started_at = LocalDateTime(required=True)
    expires_at = LocalDateTime(
        required=True, metadata={"description": "Deadline; in challenge the current question's"}
    )
    submitted_at = LocalDateTime(allow_none=True, required=True)
    total = fields.Integer(required=True)
    questions = fields.List(fields.Nested(QuizQuestionSchema), required=True)
    current_question_id = fields.Integer(allow_none=True, required=True)
    result = fields.Nested(QuizResultSchema, allow_none=True, required=True)


class QuizAnswerSchema(ma.Schema):
    question_id = QUESTION_ID
    option_ids = fields.List(OPTION_ID, required=True, validate=validate.Length(max=MAX_OPTIONS))


class QuizSubmitSchema(ma.Schema):
    answers = fields.List(
        fields.Nested(QuizAnswerSchema), load_default=list, validate=validate.Length(max=50)
    )


class QuizAnswerResultSchema(QuizSolutionSchema):
    timed_out = fields.Boolean(required=True)
    correct_count = fields.Integer(required=True, metadata={"description": "Right so far"})
    finished = fields.Boolean(required=True)
    next_question = fields.Nested(QuizQuestionSchema, allow_none=True, required=True)
    expires_at = LocalDateTime(allow_none=True, required=True)
    result = fields.Nested(QuizResultSchema, allow_none=True, required=True)


class MistakeSchema(QuizSolutionSchema):
    type = fields.String(required=True)
    stem = fields.String(required=True)
    category = fields.Nested(QuizCategorySchema, required=True)
    options = fields.List(fields.Nested(QuizOptionSchema), required=True)
    wrong_at = LocalDateTime(required=True)


class MistakePageSchema(PageSchema):
    items = fields.List(fields.Nested(MistakeSchema), required=True)
