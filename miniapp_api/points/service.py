"""Points use cases for residents: the daily check-in and the points history; the
ledger's writes (`award`, `spend`, `refund`) for the other domains, from `ledger`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from miniapp_api.errors import AppError
from miniapp_api.points.ledger import (
    AwardResult,
    InsufficientPoints,
    award,
    configure,
    earned_total,
    export_ledger,
    refund,
    rules,
    spend,
    verify_balances,
)
from miniapp_api.points.models import PointsEntry
from miniapp_api.points.rules import CHECKIN_STREAK_BONUS, CHECKIN_STREAK_DAYS
from miniapp_api.storage import Page, db, paginate, use_case
from miniapp_api.timeutil import local_today
from miniapp_api.users import service as users
from miniapp_api.users.models import User

__all__ = [
    "AlreadyCheckedIn",
    "AwardResult",
    "InsufficientPoints",
    "award",
    "check_in",
    "configure",
    "earned_total",
    "export_ledger",
    "history",
    "refund",
    "rules",
    "spend",
    "verify_balances",
]


class AlreadyCheckedIn(AppError):
    status_code, error_code, message = 409, "ALREADY_CHECKED_IN", "今天已经签到过了，明天再来吧"


@dataclass(frozen=True)
class CheckIn:
    date: date
    streak: int
    points_awarded: int
    balance: int


@dataclass(frozen=True)
class PointsHistory(Page):
    balance: int = 0
    earned_total: int = 0


@use_case
def check_in(user: User) -> CheckIn:
    """Today's check-in: 1 point, plus a bonus on every 7th consecutive day."""
    day = local_today()
    users.lock(user.id)
    dates = set(
        db.session.scalars(
            select(PointsEntry.local_date)
            .where(PointsEntry.user_id == user.id, PointsEntry.reason == "daily_checkin")
            .order_by(PointsEntry.local_date.desc())
            .limit(400)
        )
    )
    if day in dates:
        raise AlreadyCheckedIn()
    streak = 1
    while day - timedelta(days=streak) in dates:
        streak += 1
    bonus = CHECKIN_STREAK_BONUS if streak % CHECKIN_STREAK_DAYS == 0 else 0
    note = f"连续签到 {streak} 天" + ("，获得连续签到奖励" if bonus else "")
    points = rules()["daily_checkin"].points + bonus
    result = award(user, "daily_checkin", day.isoformat(), points=points, note=note)
    if result.duplicate:  # a concurrent check-in won the race
        raise AlreadyCheckedIn()
    return CheckIn(day, streak, result.awarded, user.points_balance)


def history(user: User, page: int, per_page: int) -> PointsHistory:
    query = select(PointsEntry).where(PointsEntry.user_id == user.id)
    rows = paginate(query.order_by(PointsEntry.id.desc()), page, per_page)
    return PointsHistory(
        rows.items, rows.page, rows.per_page, rows.total, user.points_balance, earned_total(user.id)
    )
