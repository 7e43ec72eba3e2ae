"""The statistics read model: figures per (day, zone), rebuilt from the sources of truth
by `rollup.roll_up_day` (a day at a time, replaced whole). Zone 0 stands for users
without a zone, so the key has no NULL."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.storage import db

NO_ZONE = 0


class DailyStats(db.Model):
    """One zone's figures on one day in the app's time zone (see README, Statistics)."""

    __tablename__ = "stats_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    zone_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    active_users: Mapped[int] = mapped_column(default=0)
    active_volunteers: Mapped[int] = mapped_column(default=0)
    enrolled_volunteers: Mapped[int] = mapped_column(default=0)
    new_users: Mapped[int] = mapped_column(default=0)
    articles_read: Mapped[int] = mapped_column(default=0)
    quiz_sessions: Mapped[int] = mapped_column(default=0)
    quiz_score_sum: Mapped[int] = mapped_column(default=0)
    enrollments: Mapped[int] = mapped_column(default=0)
    event_checkins: Mapped[int] = mapped_column(default=0)
    points_issued: Mapped[int] = mapped_column(default=0)
    points_redeemed: Mapped[int] = mapped_column(default=0)


class DailyArticleReads(db.Model):
    """Finished reads of one article by one zone's users on one day."""

    __tablename__ = "stats_article_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    zone_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    article_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    reads: Mapped[int] = mapped_column(default=0)


class DailyQuestionAnswers(db.Model):
    """Counted answers to one question by one zone's users on one day (the answers
    `GET /admin/quiz-stats` counts: submitted, not flagged, answered)."""

    __tablename__ = "stats_question_daily"
    __table_args__ = (Index("ix_stats_question_daily_question_id", "question_id"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    zone_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    question_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    answered: Mapped[int] = mapped_column(default=0)
    correct: Mapped[int] = mapped_column(default=0)


class RolledUpDay(db.Model):
    """A day whose rows were built, and when (for `flask stats rollup --missing`)."""

    __tablename__ = "stats_rollup_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    rolled_up_at: Mapped[datetime]
