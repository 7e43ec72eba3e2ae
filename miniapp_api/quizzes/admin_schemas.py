"""Shapes of the question bank administration and the item statistics: they dump
`Question` models, `admin_service.ImportReport` and `stats.StatsPage`."""

import marshmallow as ma
from marshmallow import fields, validate

from miniapp_api.common_fields import LocalDateTime
from miniapp_api.quizzes import checks
from miniapp_api.quizzes.models import QUESTION_SOURCES, QUESTION_STATUSES
from miniapp_api.quizzes.schemas import QuizCategorySchema
from miniapp_api.web import PageArgsSchema, paginated

KEY = validate.Regexp(checks.KEY_PATTERN, error="只能包含小写字母、数字和连字符")


class AdminQuizOptionSchema(ma.Schema):
    id = fields.String(attribute="public_id", required=True)
    key = fields.String(required=True)
    text = fields.String(required=True)
    is_correct = fields.Boolean(required=True)


class AdminQuestionSchema(ma.Schema):
    id = fields.Integer(required=True)
    key = fields.String(required=True, metadata={"description": "Stable id (the file's `id`)"})
    category = fields.Nested(QuizCategorySchema, required=True)
    type = fields.String(required=True)
    stem = fields.String(required=True)
    options = fields.List(fields.Nested(AdminQuizOptionSchema), required=True)
    answer = fields.List(fields.String(), required=True, metadata={"description": "Right keys"})
    explanation = fields.String(required=True)
    article = fields.String(attribute="article_slug", allow_none=True, required=True)
    status = fields.String(required=True, validate=validate.OneOf(QUESTION_STATUSES))
    source = fields.String(required=True, validate=validate.OneOf(QUESTION_SOURCES))
    created_at = LocalDateTime(required=True)
    updated_at = LocalDateTime(required=True)


AdminQuestionPageSchema = paginated(AdminQuestionSchema)


class QuestionFilterSchema(PageArgsSchema):
    category = fields.String(validate=validate.Length(max=64))
    status = fields.String(validate=validate.OneOf(QUESTION_STATUSES))
    type = fields.String(validate=validate.OneOf(checks.QUESTION_TYPES))
    source = fields.String(validate=validate.OneOf(QUESTION_SOURCES))
    q = fields.String(validate=validate.Length(min=1, max=50))


class QuestionOptionInputSchema(ma.Schema):
    key = fields.String(required=True, validate=validate.OneOf(tuple(checks.OPTION_KEYS)))
    text = fields.String(
        required=True, validate=validate.Length(min=1, max=checks.OPTION_TEXT_MAX_LENGTH)
    )


class QuestionInputSchema(ma.Schema):
    key = fields.String(
        validate=[validate.Length(min=1, max=checks.KEY_MAX_LENGTH), KEY],
        metadata={"description": "Stable id; generated when absent"},
    )
    category = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "Category slug"},
    )
    type = fields.String(required=True, validate=validate.OneOf(checks.QUESTION_TYPES))
    stem = fields.String(required=True, validate=validate.Length(min=1, max=checks.STEM_MAX_LENGTH))
    options = fields.List(
        fields.Nested(QuestionOptionInputSchema),
        required=True,
        validate=validate.Length(min=checks.MIN_OPTIONS, max=checks.MAX_OPTIONS),
    )
    answer = fields.List(
        fields.String(validate=validate.OneOf(tuple(checks.OPTION_KEYS))),
        required=True,
        validate=validate.Length(min=1, max=checks.MAX_OPTIONS),
    )
    explanation = fields.String(
        required=True, validate=validate.Length(min=1, max=checks.EXPLANATION_MAX_LENGTH)
    )
    article = fields.String(
        allow_none=True, validate=[validate.Length(max=80), KEY], metadata={"description": "slug"}
    )
    status = fields.String(validate=validate.OneOf(QUESTION_STATUSES))


class QuestionPatchSchema(QuestionInputSchema):
    """The same fields, each optional (used with `partial=True`); the key never changes."""

    class Meta:
        exclude = ("key",)


class QuestionImportFileSchema(ma.Schema):
    file = fields.Raw(
        required=True,
        metadata={"type": "string", "format": "binary", "description": ".csv or .xlsx"},
    )


class QuestionImportResultSchema(ma.Schema):
    total = fields.Integer(required=True)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)


class QuizStatsArgsSchema(PageArgsSchema):
    category = fields.String(validate=validate.Length(max=64))
    status = fields.String(validate=validate.OneOf(QUESTION_STATUSES))
    flagged = fields.Boolean(load_default=False, metadata={"description": "Only flagged ones"})
    min_answers = fields.Integer(
        validate=validate.Range(1, 1_000_000),
        metadata={"description": "Answers needed before flagging (default QUIZ_STATS_MIN_ANSWERS)"},
    )


class QuizOptionStatsSchema(ma.Schema):
    """A `stats.OptionStats`."""

    id = fields.String(attribute="option.public_id", required=True)
    key = fields.String(attribute="option.key", required=True)
    text = fields.String(attribute="option.text", required=True)
    is_correct = fields.Boolean(attribute="option.is_correct", required=True)
    chosen_count = fields.Integer(required=True)
    share = fields.Float(allow_none=True, required=True)


class QuizItemStatsSchema(ma.Schema):
    """A `stats.ItemStats`."""

    question_id = fields.Integer(attribute="question.id", required=True)
    key = fields.String(attribute="question.key", required=True)
    category = fields.Nested(QuizCategorySchema, attribute="question.category", required=True)
    type = fields.String(attribute="question.type", required=True)
    stem = fields.String(attribute="question.stem", required=True)
    status = fields.String(attribute="question.status", required=True)
    times_answered = fields.Integer(required=True)
    correct_count = fields.Integer(required=True)
    facility = fields.Float(allow_none=True, required=True)
    discrimination = fields.Float(allow_none=True, required=True)
    flags = fields.List(
        fields.String(validate=validate.OneOf(("too_easy", "too_hard", "negative_discrimination"))),
        required=True,
    )
    options = fields.List(fields.Nested(QuizOptionStatsSchema), required=True)


class QuizStatsSchema(paginated(QuizItemStatsSchema)):
    """A `stats.StatsPage`."""

    min_answers = fields.Integer(required=True)
    discrimination_method = fields.String(required=True)
