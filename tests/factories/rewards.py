"""Factories of the rewards domain."""

import factory
from factory.alchemy import SQLAlchemyModelFactory

from miniapp_api.rewards.models import Redemption, Reward
from miniapp_api.storage import db
from tests.factories.users import UserFactory

__all__ = ["RedemptionFactory", "RewardFactory"]


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


class RedemptionFactory(SQLAlchemyModelFactory):
    """A pending redemption of a reward (a new one unless `reward=`) by a user (`user=`),
    booked to the user's zone as `rewards.service.redeem` books it. No points move: call
    the use case to test the redemption itself."""

    class Meta:
        model = Redemption
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"
        exclude = ("user",)

    user = factory.SubFactory(UserFactory)
    user_id = factory.SelfAttribute("user.id")
    zone_id = factory.SelfAttribute("user.zone_id")
    reward = factory.SubFactory(RewardFactory)
    points_cost = factory.SelfAttribute("reward.points_cost")
    code = factory.Sequence(lambda n: f"PK{n:06d}")
    status = "pending"
