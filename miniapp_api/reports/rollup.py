"""Building the daily rollup: every figure of one day in the app's time zone, grouped by
the zone of the user who did it (`users.zone_id`, zone 0 for none), computed from the
sources of truth with SQL aggregates. A day is replaced whole, so running it again
(hourly for today and yesterday, `flask stats rollup` for any range) is harmless.

"Active" on a day: the user opened or finished an article, started a quiz session,
checked in at an event, or has a ledger row of their own that day (any reason but an
officer's `admin_adjust` or a cancellation's `refund`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, delete, func, literal, or_, select, text, union

from miniapp_api.articles.models import ArticleRead
from miniapp_api.points.models import EARNING_REASONS, PointsEntry
from miniapp_api.quizzes.models import QuizSession, SessionQuestion
from miniapp_api.reports.models import (
    NO_ZONE,
    DailyArticleReads,
    DailyQuestionAnswers,
    DailyStats,
    RolledUpDay,
)
from miniapp_api.storage import db, use_case
from miniapp_api.timeutil import app_timezone, utcnow
from miniapp_api.users.models import User
from miniapp_api.zones.models import Enrollment, EventCheckin

ACTIVE_REASONS = (*EARNING_REASONS, "redeem")
ZONE = func.coalesce(User.zone_id, literal(NO_ZONE))


@dataclass
class DayFigures:
    """One day's figures: per zone, per (zone, article) and per (zone, question)."""

    day: date
    zones: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    articles: dict[tuple[int, int], int] = field(default_factory=dict)
    questions: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The day's first instant and the next day's, in UTC."""
    start = datetime.combine(day, time.min, tzinfo=app_timezone())
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=app_timezone())
    return start.astimezone(UTC), end.astimezone(UTC)


def _by_zone(figures: DayFigures, names: tuple[str, ...], query) -> None:
    for zone_id, *values in db.session.execute(query.group_by(ZONE)):
        for name, value in zip(names, values, strict=True):
            figures.zones[zone_id][name] = int(value or 0)


def _count_where(figures: DayFigures, name: str, model, column, start, end) -> None:
    query = (
        select(ZONE, func.count())
        .select_from(model)
        .join(User, User.id == model.user_id)
        .where(column >= start, column < end)
    )
    _by_zone(figures, (name,), query)


def _active_user_ids(day: date, start: datetime, end: datetime):
    def within(column):
        return (column >= start) & (column < end)

    return union(
        select(ArticleRead.user_id.label("user_id")).where(
            or_(within(ArticleRead.opened_at), within(ArticleRead.read_at))
        ),
        select(QuizSession.user_id).where(within(QuizSession.started_at)),
        select(EventCheckin.user_id).where(within(EventCheckin.created_at)),
        select(PointsEntry.user_id).where(
            PointsEntry.local_date == day, PointsEntry.reason.in_(ACTIVE_REASONS)
        ),
    ).subquery()


def _people(figures: DayFigures, start: datetime, end: datetime) -> None:
    """Active users and volunteers, volunteers enrolled by the day's end, new users."""
    active = _active_user_ids(figures.day, start, end)
    enrolled = select(Enrollment.volunteer_id).where(Enrollment.created_at < end)
    volunteer = case((User.id.in_(enrolled), 1), else_=0)
    _by_zone(
        figures,
        ("active_users", "active_volunteers"),
        select(ZONE, func.count(), func.sum(volunteer)).join(active, active.c.user_id == User.id),
    )
    _by_zone(
        figures,
        ("enrolled_volunteers",),
        select(ZONE, func.count())
        .select_from(Enrollment)
        .join(User, User.id == Enrollment.volunteer_id)
        .where(Enrollment.created_at < end),
    )
    _by_zone(
        figures,
        ("new_users",),
        select(ZONE, func.count()).where(User.created_at >= start, User.created_at < end),
    )


def _activity(figures: DayFigures, start: datetime, end: datetime) -> None:
    _count_where(figures, "event_checkins", EventCheckin, EventCheckin.created_at, start, end)
    _by_zone(
        figures,
        ("enrollments",),
        select(ZONE, func.count())
        .select_from(Enrollment)
        .join(User, User.id == Enrollment.volunteer_id)
        .where(Enrollment.created_at >= start, Enrollment.created_at < end),
    )
    _by_zone(
        figures,
        ("quiz_sessions", "quiz_score_sum"),
        select(ZONE, func.count(), func.sum(func.coalesce(QuizSession.score, 0)))
        .select_from(QuizSession)
        .join(User, User.id == QuizSession.user_id)
        .where(QuizSession.submitted_at >= start, QuizSession.submitted_at < end),
    )
    issued = case((PointsEntry.reason.in_(EARNING_REASONS), PointsEntry.delta), else_=0)
    redeemed = case((PointsEntry.reason == "redeem", -PointsEntry.delta), else_=0)
    _by_zone(
        figures,
        ("points_issued", "points_redeemed"),
        select(ZONE, func.sum(issued), func.sum(redeemed))
        .select_from(PointsEntry)
        .join(User, User.id == PointsEntry.user_id)
        .where(PointsEntry.local_date == figures.day),
    )


def _articles(figures: DayFigures, start: datetime, end: datetime) -> None:
    rows = db.session.execute(
        select(ZONE, ArticleRead.article_id, func.count())
        .join(User, User.id == ArticleRead.user_id)
        .where(ArticleRead.read_at >= start, ArticleRead.read_at < end)
        .group_by(ZONE, ArticleRead.article_id)
    )
    for zone_id, article_id, reads in rows:
        figures.articles[(zone_id, article_id)] = reads
        zone = figures.zones[zone_id]
        zone["articles_read"] = zone.get("articles_read", 0) + reads


def _questions(figures: DayFigures, start: datetime, end: datetime) -> None:
    correct = func.sum(case((SessionQuestion.correct.is_(True), 1), else_=0))
    rows = db.session.execute(
        select(ZONE, SessionQuestion.question_id, func.count(), correct)
        .select_from(SessionQuestion)
        .join(QuizSession, QuizSession.id == SessionQuestion.session_id)
        .join(User, User.id == QuizSession.user_id)
        .where(
            QuizSession.submitted_at >= start,
            QuizSession.submitted_at < end,
            QuizSession.flagged.is_(False),
            SessionQuestion.answered_at.is_not(None),
        )
        .group_by(ZONE, SessionQuestion.question_id)
    )
    for zone_id, question_id, answered, right in rows:
        figures.questions[(zone_id, question_id)] = (answered, int(right or 0))


def compute_day(day: date) -> DayFigures:
    """Every figure of `day`, from the sources of truth (nothing is written)."""
    start, end = day_bounds(day)
    figures = DayFigures(day)
    _people(figures, start, end)
    _activity(figures, start, end)
    _articles(figures, start, end)
    _questions(figures, start, end)
    return figures


ROLLUP_LOCK_SPACE = 7301  # the advisory locks' first key, for the stats rollup


@use_case
def roll_up_day(day: date) -> DayFigures:
    """Replace the rollup rows of `day` with freshly computed ones. Two rollups of one day
    at once (the job and the command) take turns: on PostgreSQL a transaction lock on the
    day; SQLite runs one writer at a time anyway."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": ROLLUP_LOCK_SPACE, "key": day.toordinal()},
        )
    figures = compute_day(day)
    for model in (DailyStats, DailyArticleReads, DailyQuestionAnswers, RolledUpDay):
        db.session.execute(delete(model).where(model.day == day))
    db.session.add_all(
        DailyStats(day=day, zone_id=zone_id, **values) for zone_id, values in figures.zones.items()
    )
    db.session.add_all(
        DailyArticleReads(day=day, zone_id=zone_id, article_id=article_id, reads=reads)
        for (zone_id, article_id), reads in figures.articles.items()
    )
    db.session.add_all(
        DailyQuestionAnswers(
            day=day, zone_id=zone_id, question_id=question_id, answered=n, correct=right
        )
        for (zone_id, question_id), (n, right) in figures.questions.items()
    )
    db.session.add(RolledUpDay(day=day, rolled_up_at=utcnow()))
    return figures


def rolled_up_days(first: date, last: date) -> set[date]:
    return set(
        db.session.scalars(
            select(RolledUpDay.day).where(RolledUpDay.day >= first, RolledUpDay.day <= last)
        )
    )


def first_day() -> date | None:
    """The first day with a user (where `--missing` starts)."""
    first = db.session.scalar(select(func.min(User.created_at)))
    return None if first is None else first.astimezone(app_timezone()).date()
