"""Redeeming rewards: points and one unit of stock taken in one transaction.

Lock order is always user row, then reward row (redeem and cancel alike), so two
transactions never wait on each other in a cycle. Stock moves only by conditional
`UPDATE … WHERE stock > 0`; points only through the points service.
"""

from __future__ import annotations

import secrets

from sqlalchemy import func, or_, select, update

from miniapp_api import signals
from miniapp_api.errors import AppError, IdempotencyKeyReused
from miniapp_api.points import service as points
from miniapp_api.rewards.models import CANCELLED, Redemption, Reward
from miniapp_api.storage import Page, db, get_or_404, paginate, use_case
from miniapp_api.timeutil import utcnow
from miniapp_api.users import service as users
from miniapp_api.users.models import User

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a counter


class OutOfStock(AppError):
    status_code, error_code, message = 409, "OUT_OF_STOCK", "奖品已兑完"


class LimitReached(AppError):
    status_code, error_code, message = 409, "LIMIT_REACHED", "您已达到该奖品的兑换上限"


class RewardUnavailable(AppError):
    status_code, error_code, message = 409, "REWARD_UNAVAILABLE", "该奖品当前不在兑换时间内"


def available_now():
    now = utcnow()
    return (
        Reward.active.is_(True),
        or_(Reward.starts_at.is_(None), Reward.starts_at <= now),
        or_(Reward.ends_at.is_(None), Reward.ends_at > now),
    )


def catalogue(page: int, per_page: int) -> Page:
    query = select(Reward).where(*available_now())
    return paginate(query.order_by(Reward.points_cost, Reward.id), page, per_page)


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def _earlier(user_id: int, idempotency_key: str | None) -> Redemption | None:
    if idempotency_key is None:
        return None
    return db.session.scalar(
        select(Redemption).where(
            Redemption.user_id == user_id, Redemption.idempotency_key == idempotency_key
        )
    )


def _check_limit(user_id: int, reward: Reward) -> None:
    if reward.per_user_limit is None:
        return
    taken = db.session.scalar(
        select(func.count()).where(
            Redemption.user_id == user_id,
            Redemption.reward_id == reward.id,
            Redemption.status != CANCELLED,
        )
    )
    if taken >= reward.per_user_limit:
        raise LimitReached()


def _take_stock(reward: Reward) -> None:
    took = db.session.execute(
        update(Reward)
        .where(Reward.id == reward.id, Reward.stock > 0, *available_now())
        .values(stock=Reward.stock - 1)
        .execution_options(synchronize_session=False)
    )
    if took.rowcount != 1:
        db.session.refresh(reward)
        raise OutOfStock() if reward.stock <= 0 else RewardUnavailable()


@use_case
def redeem(user: User, reward_id: int, idempotency_key: str | None) -> Redemption:
    """Take the points and one unit of stock, or nothing. The same Idempotency-Key from
    the same user returns the first redemption (a replay writes nothing)."""
    users.lock(user.id)
    earlier = _earlier(user.id, idempotency_key)
    if earlier is not None:
        if earlier.reward_id != reward_id:
            raise IdempotencyKeyReused()
        return earlier
    reward = get_or_404(Reward, reward_id, "奖品不存在")
    _check_limit(user.id, reward)
    _take_stock(reward)
    redemption = Redemption(
        user_id=user.id,
        reward_id=reward_id,
        points_cost=reward.points_cost,
        code=_new_code(),
        idempotency_key=idempotency_key,
        zone_id=user.zone_id,
    )
    db.session.add(redemption)
    db.session.flush()
    points.spend(user.id, reward.points_cost, f"redemption:{redemption.id}")
    signals.announce(signals.redemption_created, redemption=redemption)
    return redemption


def my_redemptions(user: User, page: int, per_page: int) -> Page:
    query = select(Redemption).where(Redemption.user_id == user.id)
    return paginate(query.order_by(Redemption.id.desc()), page, per_page)


def export_redemptions(user: User) -> list[dict]:
    """The user's part of `GET /me/export`."""
    rows = db.session.scalars(
        select(Redemption).where(Redemption.user_id == user.id).order_by(Redemption.id)
    )
    return [
        {
            "reward": r.reward.name,
            "points_cost": r.points_cost,
            "code": r.code,
            "status": r.status,
            "created_at": r.created_at,
        }
        for r in rows
    ]
