"""The question bank (题库), quiz sessions (答题) and the answers given in them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.categories.models import Category
from miniapp_api.quizzes.checks import QUESTION_TYPES
from miniapp_api.storage import TimestampMixin, db, in_list
from miniapp_api.timeutil import utcnow

ACTIVE, RETIRED = "active", "retired"
QUESTION_STATUSES = (ACTIVE, RETIRED)
# Where a question came from: a file under content/quizzes (sync owns it) or the admin API.
FILE, ADMIN = "file", "admin"
QUESTION_SOURCES = (FILE, ADMIN)
DAILY, TOPIC, CHALLENGE, REVIEW = "daily", "topic", "challenge", "review"
MODES = (DAILY, TOPIC, CHALLENGE, REVIEW)
OPEN, SUBMITTED, EXPIRED = "open", "submitted", "expired"
SESSION_STATUSES = (OPEN, SUBMITTED, EXPIRED)


class Question(TimestampMixin, db.Model):
    __tablename__ = "quiz_questions"
    __table_args__ = (
        CheckConstraint(in_list("type", QUESTION_TYPES), name="type_known"),
        CheckConstraint(in_list("status", QUESTION_STATUSES), name="status_known"),
        CheckConstraint(in_list("source", QUESTION_SOURCES), name="source_known"),
        Index("ix_quiz_questions_status_category_id", "status", "category_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable forever (the `id` of the file): statistics follow it across edits.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"))
    type: Mapped[str] = mapped_column(String(16))
    stem: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    article_slug: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    source: Mapped[str] = mapped_column(String(8), default=ADMIN)

    category: Mapped[Category] = relationship(lazy="joined")
    options: Mapped[list[QuestionOption]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="QuestionOption.position"
    )

    @property
    def answer(self) -> list[str]:
        return [option.key for option in self.options if option.is_correct]


class QuestionOption(db.Model):
    """One option. `public_id` is what clients see: random, made once per (question, key)
    and kept across edits, so it says nothing about position or correctness."""

    __tablename__ = "quiz_options"
    __table_args__ = (UniqueConstraint("question_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_questions.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(1))
    text: Mapped[str] = mapped_column(String(200))
    is_correct: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)


class QuizSession(db.Model):
    """The questions drawn for one user, kept server-side with the start and the deadline.

    `expires_at` is the session's deadline; in challenge mode it is the deadline of the
    question currently served (`current_position`). `daily_date` is set on the one daily
    session per user and day that counts for points.
    """

    __tablename__ = "quiz_sessions"
    __table_args__ = (
        CheckConstraint(in_list("mode", MODES), name="mode_known"),
        UniqueConstraint("user_id", "daily_date"),
        Index("ix_quiz_sessions_user_id_submitted_at", "user_id", "submitted_at"),
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(String(16))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    total: Mapped[int] = mapped_column(default=0)
    correct_count: Mapped[int | None]
    score: Mapped[int | None]
    points_awarded: Mapped[int] = mapped_column(default=0)
    # Why the session earned what it did (shown with the result), e.g. practice or capped.
    points_note: Mapped[str | None] = mapped_column(String(64))
    # Answered faster than humanly possible: scored, but no points.
    flagged: Mapped[bool] = mapped_column(default=False)
    daily_date: Mapped[date | None]
    current_position: Mapped[int | None]
    submit_idempotency_key: Mapped[str | None] = mapped_column(String(48))

    category: Mapped[Category | None] = relationship(lazy="joined")
    questions: Mapped[list[SessionQuestion]] = relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="SessionQuestion.position",
    )

    @property
    def served_questions(self) -> list[SessionQuestion]:
        """The questions shown so far: all of them, or in challenge those reached."""
        return [row for row in self.questions if row.served_at is not None]

    @property
    def graded_questions(self) -> list[SessionQuestion]:
        return [row for row in self.questions if row.graded_at is not None]

    @property
    def current_question_id(self) -> int | None:
        """Challenge mode: the question waiting for an answer; None once submitted."""
        if self.current_position is None or self.submitted_at is not None:
            return None
        return self.questions[self.current_position].question_id

    def status_at(self, now: datetime, grace_seconds: int) -> str:
        """Submitted, expired (past the deadline and its grace) or still open."""
        if self.submitted_at is not None:
            return SUBMITTED
        if (now - self.expires_at).total_seconds() > grace_seconds:
            return EXPIRED
        return OPEN


class SessionQuestion(db.Model):
    """A drawn question in a session, its option order for this session, and the answer."""

    __tablename__ = "quiz_session_questions"
    __table_args__ = (
        UniqueConstraint("session_id", "position"),
        UniqueConstraint("session_id", "question_id"),
        Index("ix_quiz_session_questions_question_id", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("quiz_sessions.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_questions.id", ondelete="RESTRICT"))
    position: Mapped[int]
    # Option public ids in the order this session shows them.
    option_order: Mapped[list[str]] = mapped_column(JSON, default=list)
    served_at: Mapped[datetime | None]
    # Challenge mode: the answer must arrive by then.
    deadline_at: Mapped[datetime | None]
    # Set when an answer was given (an empty choice counts as given); None: not answered.
    answered_at: Mapped[datetime | None]
    # None until graded (at submit, or per answer in challenge mode).
    correct: Mapped[bool | None]
    graded_at: Mapped[datetime | None]
    idempotency_key: Mapped[str | None] = mapped_column(String(48))

    session: Mapped[QuizSession] = relationship(back_populates="questions")
    question: Mapped[Question] = relationship(lazy="joined")
    choices: Mapped[list[AnswerChoice]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def number(self) -> int:
        """The 1-based position, as residents count."""
        return self.position + 1

    @property
    def shown_options(self) -> list[QuestionOption]:
        """The question's options in this session's order; options added after the draw
        go last, removed ones are skipped."""
        options = self.question.options
        by_id = {option.public_id: option for option in options}
        shown = [by_id[public_id] for public_id in self.option_order if public_id in by_id]
        return shown + [option for option in options if option.public_id not in self.option_order]

    @property
    def chosen_option_ids(self) -> list[str]:
        chosen = {choice.option.id for choice in self.choices}
        return [option.public_id for option in self.shown_options if option.id in chosen]

    @property
    def correct_option_ids(self) -> list[str]:
        return [option.public_id for option in self.shown_options if option.is_correct]


class AnswerChoice(db.Model):
    """An option chosen in an answer: one row each, so option shares are a GROUP BY."""

    __tablename__ = "quiz_choices"

    session_question_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_session_questions.id", ondelete="CASCADE"), primary_key=True
    )
    option_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_options.id", ondelete="CASCADE"), primary_key=True
    )

    option: Mapped[QuestionOption] = relationship(lazy="joined")
