"""Factories of the rewards domain."""

import factory
from factory.alchemy import SQLAlchemyModelFactory

from miniapp_api.rewards.models import Reward
from miniapp_api.storage import db

__all__ = ["RewardFactory"]


class RewardFactory(SQLAlchemyModelFactory):
    class Meta:
        model = Reward
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"

    name = factory.Sequence(lambda n: f"防诈骗宣传品{n}")
    description = "派出所领取"
    points_cost = 10
    stock = 5
    per_user_limit = None
    active = True
