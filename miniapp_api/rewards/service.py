"""Redeeming rewards: points and one unit of stock taken in one transaction.

Lock order is always user row, then reward row (redeem and cancel alike), so two
transactions never wait on each other in a cycle. Stock moves only by conditional
`UPDATE … WHERE stock > 0`; points only through the points service.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from miniapp_api.db import utcnow
from miniapp_api.errors import AppError, NotFound
from miniapp_api.extensions import db
from miniapp_api.pagination import paginate
from miniapp_api.points import service as points
from miniapp_api.rewards.models import CANCELLED, FULFILLED, PENDING, Redemption, Reward
from miniapp_api.users import service as users
from miniapp_api.users.models import User

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a counter


class OutOfStock(AppError):
    status_code, error_code, message = 409, "OUT_OF_STOCK", "奖品已兑完"


class LimitReached(AppError):
    status_code, error_code, message = 409, "LIMIT_REACHED", "您已达到该奖品的兑换上限"


class RewardUnavailable(AppError):
    status_code, error_code, message = 409, "REWARD_UNAVAILABLE", "该奖品当前不在兑换时间内"


class RedemptionNotPending(AppError):
    status_code, error_code, message = 409, "REDEMPTION_NOT_PENDING", "该兑换已处理，不能再更改"


class RewardInUse(AppError):
    status_code, error_code = 409, "REWARD_IN_USE"
    message = "该奖品已有兑换记录，不能删除；如需停止兑换，请将其下架"


def init_app(_app) -> None:
    users.register_export_section("redemptions", export_section)


def export_section(user: User) -> list[dict]:
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


def _available_now():
    now = utcnow()
    return (
        Reward.active.is_(True),
        or_(Reward.starts_at.is_(None), Reward.starts_at <= now),
        or_(Reward.ends_at.is_(None), Reward.ends_at > now),
    )


def catalogue(page: int, per_page: int) -> dict:
    query = select(Reward).where(*_available_now())
    return paginate(query.order_by(Reward.points_cost, Reward.id), page, per_page)


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def redeem(user: User, reward_id: int, idempotency_key: str | None) -> Redemption:
    """Take the points and one unit of stock, or nothing; commits.

    The same Idempotency-Key from the same user returns the first redemption.
    """
    points.lock_user(user.id)
    if idempotency_key is not None:
        earlier = db.session.scalar(
            select(Redemption).where(
                Redemption.user_id == user.id, Redemption.idempotency_key == idempotency_key
            )
        )
        if earlier is not None:
            db.session.rollback()
            return earlier
    reward = db.session.get(Reward, reward_id)
    if reward is None:
        raise NotFound("奖品不存在")
    if reward.per_user_limit is not None:
        taken = db.session.scalar(
            select(func.count()).where(
                Redemption.user_id == user.id,
                Redemption.reward_id == reward_id,
                Redemption.status != CANCELLED,
            )
        )
        if taken >= reward.per_user_limit:
            raise LimitReached()
    took = db.session.execute(
        update(Reward)
        .where(Reward.id == reward_id, Reward.stock > 0, *_available_now())
        .values(stock=Reward.stock - 1)
        .execution_options(synchronize_session=False)
    )
    if took.rowcount != 1:
        db.session.rollback()
        reward = db.session.get(Reward, reward_id)
        if reward.stock <= 0:
            raise OutOfStock()
        raise RewardUnavailable()
    redemption = Redemption(
        user_id=user.id,
        reward_id=reward_id,
        points_cost=reward.points_cost,
        code=_new_code(),
        idempotency_key=idempotency_key,
    )
    db.session.add(redemption)
    db.session.flush()
    try:
        points.spend(user.id, reward.points_cost, f"redemption:{redemption.id}")
    except points.InsufficientPoints:
        db.session.rollback()
        raise
    db.session.commit()
    return redemption


def my_redemptions(user: User, page: int, per_page: int) -> dict:
    query = select(Redemption).where(Redemption.user_id == user.id)
    return paginate(query.order_by(Redemption.id.desc()), page, per_page)


def _get_redemption(redemption_id: int) -> Redemption:
    redemption = db.session.get(Redemption, redemption_id)
    if redemption is None:
        raise NotFound("兑换记录不存在")
    return redemption


def _decide(redemption_id: int, status: str, actor: User) -> None:
    """Move a pending redemption to `status`, or raise if it was already decided."""
    moved = db.session.execute(
        update(Redemption)
        .where(Redemption.id == redemption_id, Redemption.status == PENDING)
        .values(status=status, decided_at=utcnow(), decided_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        db.session.rollback()
        raise RedemptionNotPending()


def fulfil(redemption_id: int, actor: User) -> Redemption:
    """The resident picked the reward up; commits."""
    redemption = _get_redemption(redemption_id)
    _decide(redemption_id, FULFILLED, actor)
    db.session.commit()
    db.session.refresh(redemption)
    return redemption


def cancel(redemption_id: int, actor: User) -> Redemption:
    """Cancel a pending redemption: the points and the unit of stock go back; commits."""
    redemption = _get_redemption(redemption_id)
    points.lock_user(redemption.user_id)
    _decide(redemption_id, CANCELLED, actor)
    points.refund(redemption.user_id, redemption.points_cost, f"redemption:{redemption.id}")
    db.session.execute(
        update(Reward)
        .where(Reward.id == redemption.reward_id)
        .values(stock=Reward.stock + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(redemption)
    return redemption


def create_reward(values: Mapping[str, Any]) -> Reward:
    reward = Reward(**values)
    db.session.add(reward)
    db.session.commit()
    return reward


def update_reward(reward_id: int, values: Mapping[str, Any]) -> Reward:
    reward = db.session.get(Reward, reward_id)
    if reward is None:
        raise NotFound("奖品不存在")
    for key, value in values.items():
        setattr(reward, key, value)
    db.session.commit()
    return reward


def delete_reward(reward_id: int) -> None:
    """Delete a reward nobody has redeemed; one with redemptions can only be withdrawn
    (`active: false`), so every pickup code keeps its reward. Commits."""
    reward = db.session.get(Reward, reward_id)
    if reward is None:
        raise NotFound("奖品不存在")
    if db.session.scalar(select(Redemption.id).where(Redemption.reward_id == reward_id).limit(1)):
        raise RewardInUse()
    db.session.delete(reward)
    try:
        db.session.commit()
    except IntegrityError:  # a redemption arrived in between: the foreign key refused
        db.session.rollback()
        raise RewardInUse() from None


def all_rewards(page: int, per_page: int) -> dict:
    query = select(Reward)
    return paginate(query.order_by(Reward.id.desc()), page, per_page)


def redemptions(status: str | None, page: int, per_page: int) -> dict:
    query = select(Redemption)
    if status:
        query = query.where(Redemption.status == status)
    return paginate(query.order_by(Redemption.id.desc()), page, per_page)
