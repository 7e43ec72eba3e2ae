"""Factories of the quizzes domain: questions with their options, and sessions with
their drawn questions.

    QuestionFactory()                                   # single choice a–d, answer a
    QuestionFactory(type=MULTIPLE, options__answer="ac")
    QuestionFactory(options=[("a", "能"), ("b", "不能")], options__answer="b")
    QuizSessionFactory(user=user, questions=[q1, q2])   # a topic session, both served
"""

from datetime import timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from miniapp_api.categories.models import Category
from miniapp_api.quizzes.bank import new_public_id
from miniapp_api.quizzes.checks import SINGLE, TRUE_FALSE, TRUE_FALSE_OPTIONS
from miniapp_api.quizzes.models import (
    ACTIVE,
    ADMIN,
    CHALLENGE,
    TOPIC,
    Question,
    QuestionOption,
    QuizSession,
    SessionQuestion,
)
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow
from tests.factories.users import UserFactory

__all__ = ["QuestionFactory", "QuizSessionFactory"]


class _CategoryFactory(SQLAlchemyModelFactory):
    """The category questions go in unless a test gives one (the categories domain
    has no factory of its own); made once per slug."""

    class Meta:
        model = Category
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"
        sqlalchemy_get_or_create = ("slug",)

    slug = "quiz-factory"
    name = "测试类型"
    description = "工厂生成的测试诈骗类型，用于答题测试。"


def _default_options(question: Question) -> list[tuple[str, str]]:
    if question.type == TRUE_FALSE:
        return list(TRUE_FALSE_OPTIONS)
    return [(key, f"{question.key} 选项{key}") for key in "abcd"]


class QuestionFactory(SQLAlchemyModelFactory):
    class Meta:
        model = Question
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"

    # The options are saved by the `options` hook itself; no second save after it.
    _skip_postgeneration_save = True

    key = factory.Sequence(lambda n: f"factory-q{n:04d}")
    category = factory.SubFactory(_CategoryFactory)
    type = SINGLE
    stem = factory.Sequence(lambda n: f"第{n}题：陌生来电说您的账户涉嫌洗钱，应该怎么做？")
    explanation = "公检法不会通过电话办案，挂断后拨打 96110 核实。"
    article_slug = None
    status = ACTIVE
    source = ADMIN

    @factory.post_generation
    def options(self, create, extracted, answer="a", **_kwargs):
        """`options`: (key, text) pairs (default a–d, or 正确/错误 for true/false);
        `options__answer`: the right keys."""
        for position, (key, text) in enumerate(extracted or _default_options(self)):
            self.options.append(
                QuestionOption(
                    public_id=new_public_id(),
                    key=key,
                    text=text,
                    is_correct=key in answer,
                    position=position,
                )
            )
        if create:
            db.session.commit()


class QuizSessionFactory(SQLAlchemyModelFactory):
    """An open session started now. Its questions are all served (in challenge mode
    only the first, with the session's deadline), options in the bank's order."""

    class Meta:
        model = QuizSession
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"
        exclude = ("user",)

    _skip_postgeneration_save = True

    id = factory.Sequence(lambda n: f"factory-session-{n:06d}")
    user = factory.SubFactory(UserFactory)
    user_id = factory.LazyAttribute(lambda o: o.user.id)
    mode = TOPIC
    started_at = factory.LazyFunction(utcnow)
    expires_at = factory.LazyAttribute(lambda o: o.started_at + timedelta(minutes=10))

    @factory.post_generation
    def questions(self, create, extracted, **_kwargs):
        """`questions`: the Question rows drawn, in order (default: three new ones)."""
        drawn = extracted if extracted is not None else QuestionFactory.create_batch(3)
        for position, question in enumerate(drawn):
            served = self.mode != CHALLENGE or position == 0
            self.questions.append(
                SessionQuestion(
                    question=question,
                    position=position,
                    option_order=[option.public_id for option in question.options],
                    served_at=self.started_at if served else None,
                    deadline_at=self.expires_at if self.mode == CHALLENGE and served else None,
                )
            )
        self.total = 1 if self.mode == CHALLENGE else len(drawn)
        self.current_position = 0 if self.mode == CHALLENGE else None
        if create:
            db.session.commit()
