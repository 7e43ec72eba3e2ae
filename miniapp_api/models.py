"""Every model, imported in one place so that the metadata (and Alembic) sees all tables."""

from miniapp_api.articles.models import (
    Alert,
    Article,
    ArticleRead,
    ArticleTag,
    Category,
    RiskProfile,
)
from miniapp_api.auth.models import RevokedSession
from miniapp_api.leaderboards.models import LeaderboardScore
from miniapp_api.points.models import PointsEntry
from miniapp_api.rewards.models import Redemption, Reward
from miniapp_api.users.models import User, UserRole
from miniapp_api.wechat.models import WeChatToken

__all__ = [
    "Alert",
    "Article",
    "ArticleRead",
    "ArticleTag",
    "Category",
    "LeaderboardScore",
    "PointsEntry",
    "Redemption",
    "RevokedSession",
    "Reward",
    "RiskProfile",
    "User",
    "UserRole",
    "WeChatToken",
]
