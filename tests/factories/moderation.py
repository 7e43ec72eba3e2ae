"""Content reviews: a nickname held for review (`user=`, else a new user with that
nickname), in the user's zone unless `zone_id=` says otherwise."""

import factory
from factory.alchemy import SQLAlchemyModelFactory

from miniapp_api.moderation.models import ContentReview
from miniapp_api.storage import db
from tests.factories.users import UserFactory

__all__ = ["ContentReviewFactory"]


class ContentReviewFactory(SQLAlchemyModelFactory):
    class Meta:
        model = ContentReview
        exclude = ("user",)
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"

    user = factory.SubFactory(UserFactory, nickname="加微信领红包")
    kind = "nickname"
    subject_id = factory.SelfAttribute("user.id")
    user_id = factory.SelfAttribute("user.id")
    zone_id = factory.SelfAttribute("user.zone_id")
    text = factory.SelfAttribute("user.nickname")
    status = "review"
