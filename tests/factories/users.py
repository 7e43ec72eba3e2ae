"""Factories of the users domain."""

import factory
from factory.alchemy import SQLAlchemyModelFactory

from miniapp_api.storage import db
from miniapp_api.users.models import User, UserRole

__all__ = ["UserFactory"]


class UserFactory(SQLAlchemyModelFactory):
    class Meta:
        model = User
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"

    # Roles are saved by the `roles` hook itself; no second save after it.
    _skip_postgeneration_save = True

    openid = factory.Sequence(lambda n: f"openid-{n:06d}")
    nickname = factory.Sequence(lambda n: f"居民{n}")
    wechat_session_key = factory.Sequence(lambda n: f"fake-session-key-factory-{n}")

    @factory.post_generation
    def roles(self, create, extracted, **_kwargs):
        for role in extracted or []:
            self.role_grants.append(UserRole(role=role))
        if create and extracted:
            db.session.commit()
