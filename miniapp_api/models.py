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
from miniapp_api.quizzes.models import (
    AnswerChoice,
    Question,
    QuestionOption,
    QuizSession,
    SessionQuestion,
)
from miniapp_api.rewards.models import Redemption, Reward
from miniapp_api.users.models import User, UserRole
from miniapp_api.wechat.models import WeChatToken
from miniapp_api.zones.models import (
    Enrollment,
    EnrollmentCode,
    Event,
    EventCheckin,
    PromoterApplication,
    RoleZone,
    ScanPosition,
    Zone,
)

__all__ = [
    "Alert",
    "AnswerChoice",
    "Article",
    "ArticleRead",
    "ArticleTag",
    "Category",
    "Enrollment",
    "EnrollmentCode",
    "Event",
    "EventCheckin",
    "LeaderboardScore",
    "PointsEntry",
    "PromoterApplication",
    "Question",
    "QuestionOption",
    "QuizSession",
    "Redemption",
    "RevokedSession",
    "Reward",
    "RiskProfile",
    "RoleZone",
    "ScanPosition",
    "SessionQuestion",
    "User",
    "UserRole",
    "WeChatToken",
    "Zone",
]
