"""Schemas of the statistics and exports (`admin`; `station_admin` within its reach)."""

from datetime import date

import marshmallow as ma
from marshmallow import fields, validate

from miniapp_api.input_guard import MAX_ID

MAX_RANGE_DAYS = 366
DAYS = validate.Range(
    date(2000, 1, 1), date(2099, 12, 31), error="日期必须在 2000 年到 2099 年之间"
)


class RangeArgsSchema(ma.Schema):
    """Days in the app's time zone, both included, and an optional zone (with the zones
    below it)."""

    date_from = fields.Date(
        data_key="from",
        validate=DAYS,
        metadata={"description": "First day (default: 29 days before `to`)"},
    )
    date_to = fields.Date(
        data_key="to",
        validate=DAYS,
        metadata={"description": "Last day, included (default: today)"},
    )
    zone_id = fields.Integer(
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "A zone and every zone below it (default: the officer's reach)"},
    )

    @ma.validates_schema
    def days_in_order(self, data, **_kwargs):
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and last < first:
            raise ma.ValidationError("结束日期不能早于开始日期", "to")
        if first and last and (last - first).days + 1 > MAX_RANGE_DAYS:
            raise ma.ValidationError(f"统计范围最多 {MAX_RANGE_DAYS} 天", "to")


class _FiguresSchema(ma.Schema):
    """A `figures.Figures`."""

    new_users = fields.Integer(required=True, metadata={"description": "Accounts created"})
    articles_read = fields.Integer(required=True, metadata={"description": "Reads finished"})
    quiz_sessions = fields.Integer(required=True, metadata={"description": "Sessions submitted"})
    quiz_average_score = fields.Float(
        required=True, allow_none=True, metadata={"description": "Mean score of those sessions"}
    )
    enrollments = fields.Integer(required=True)
    event_checkins = fields.Integer(required=True)
    points_issued = fields.Integer(required=True, metadata={"description": "Earned points"})
    points_redeemed = fields.Integer(required=True, metadata={"description": "Spent on rewards"})
    participation_rate = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "Active volunteers ÷ enrolled volunteers, over the days"},
    )


class DayFiguresSchema(_FiguresSchema):
    day = fields.Date(required=True)
    active_users = fields.Integer(required=True)
    active_volunteers = fields.Integer(required=True)
    enrolled_volunteers = fields.Integer(required=True)


class RangeFiguresSchema(_FiguresSchema):
    average_daily_active_users = fields.Float(required=True)
    active_user_days = fields.Integer(required=True, attribute="active_users")
    enrolled_volunteers = fields.Integer(
        required=True, attribute="enrolled_at_end", metadata={"description": "By the last day"}
    )


class ZoneFiguresSchema(RangeFiguresSchema):
    zone_id = fields.Integer(
        required=True, allow_none=True, metadata={"description": "None: users without a zone"}
    )
    zone_name = fields.String(required=True)


class ArticleRankSchema(ma.Schema):
    article_id = fields.Integer(required=True, attribute="id")
    title = fields.String(required=True, attribute="name")
    reads = fields.Integer(required=True, attribute="count")


class CategoryRankSchema(ma.Schema):
    category = fields.String(required=True)
    name = fields.String(required=True)
    answered = fields.Integer(required=True)
    correct = fields.Integer(required=True)
    facility = fields.Float(required=True)


class QuestionRankSchema(ma.Schema):
    question_id = fields.Integer(required=True, attribute="id")
    stem = fields.String(required=True, attribute="name")
    category = fields.String(required=True)
    answered = fields.Integer(required=True)
    missed = fields.Integer(required=True)
    facility = fields.Float(required=True)


class StatsSchema(ma.Schema):
    """A `stats.Report`."""

    date_from = fields.Date(required=True, data_key="from")
    date_to = fields.Date(required=True, data_key="to")
    zone_id = fields.Integer(required=True, allow_none=True)
    totals = fields.Nested(RangeFiguresSchema, required=True)
    days = fields.List(fields.Nested(DayFiguresSchema), required=True)
    zones = fields.List(fields.Nested(ZoneFiguresSchema), required=True)
    top_articles = fields.List(fields.Nested(ArticleRankSchema), required=True)
    weakest_categories = fields.List(fields.Nested(CategoryRankSchema), required=True)
    most_missed_questions = fields.List(fields.Nested(QuestionRankSchema), required=True)
