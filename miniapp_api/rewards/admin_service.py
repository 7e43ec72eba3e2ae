"""Officers' use cases on rewards: the catalogue (`admin`), and picking up or cancelling
redemptions (a cancel gives the points and the unit of stock back): an `admin` any, a
`station_admin` those of its zones (the redeeming user's zone at the time)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from miniapp_api.audit.service import audited, changes_since, record, snapshot
from miniapp_api.errors import AppError
from miniapp_api.points import service as points
from miniapp_api.rewards.models import CANCELLED, FULFILLED, PENDING, Redemption, Reward
from miniapp_api.storage import Page, db, get_or_404, paginate
from miniapp_api.timeutil import utcnow
from miniapp_api.users import service as users
from miniapp_api.users.models import User
from miniapp_api.zones import service as zones


class RedemptionNotPending(AppError):
    status_code, error_code, message = 409, "REDEMPTION_NOT_PENDING", "该兑换已处理，不能再更改"


class RewardInUse(AppError):
    status_code, error_code = 409, "REWARD_IN_USE"
    message = "该奖品已有兑换记录，不能删除；如需停止兑换，请将其下架"


def all_rewards(page: int, per_page: int) -> Page:
    return paginate(select(Reward).order_by(Reward.id.desc()), page, per_page)


REWARD_FIELDS = (
    "name",
    "description",
    "image_url",
    "points_cost",
    "stock",
    "per_user_limit",
    "active",
    "starts_at",
    "ends_at",
)


@audited
def create_reward(values: Mapping[str, Any], actor: User) -> Reward:
    reward = Reward(**values)
    db.session.add(reward)
    db.session.flush()
    after = snapshot(reward, REWARD_FIELDS)
    record(
        actor,
        "reward.create",
        "reward",
        reward.id,
        changes={k: [None, v] for k, v in after.items()},
    )
    return reward


@audited
def update_reward(reward_id: int, values: Mapping[str, Any], actor: User) -> Reward:
    reward = get_or_404(Reward, reward_id, "奖品不存在")
    before = snapshot(reward, REWARD_FIELDS)
    for key, value in values.items():
        setattr(reward, key, value)
    record(actor, "reward.update", "reward", reward.id, changes=changes_since(before, reward))
    return reward


def delete_reward(reward_id: int, actor: User) -> None:
    """Delete a reward nobody has redeemed; one with redemptions can only be withdrawn
    (`active: false`), so every pickup code keeps its reward."""
    try:
        _delete_reward(reward_id, actor)
    except IntegrityError:  # a redemption arrived in between: the foreign key refused
        raise RewardInUse() from None


@audited
def _delete_reward(reward_id: int, actor: User) -> None:
    reward = get_or_404(Reward, reward_id, "奖品不存在")
    used = select(Redemption.id).where(Redemption.reward_id == reward_id).limit(1)
    if db.session.scalar(used) is not None:
        raise RewardInUse()
    record(actor, "reward.delete", "reward", reward.id, changes={"name": [reward.name, None]})
    db.session.delete(reward)


def redemptions(
    officer: User, status: str | None, code: str | None, page: int, per_page: int
) -> Page:
    """Redemptions of the officer's zones, newest first; `code` finds one by its pickup
    code (case and surrounding spaces ignored)."""
    query = select(Redemption).where(zones.scope_of(officer).where(Redemption.zone_id))
    if status:
        query = query.where(Redemption.status == status)
    if code is not None:
        query = query.where(Redemption.code == code.strip().upper())
    return paginate(query.order_by(Redemption.id.desc()), page, per_page)


def _redemption_in_reach(redemption_id: int, officer: User) -> Redemption:
    redemption = get_or_404(Redemption, redemption_id, "兑换记录不存在")
    zones.scope_of(officer).require(redemption.zone_id, "兑换记录不存在")
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
        raise RedemptionNotPending()


@audited
def fulfil(redemption_id: int, actor: User) -> Redemption:
    """The resident picked the reward up."""
    redemption = _redemption_in_reach(redemption_id, actor)
    _decide(redemption_id, FULFILLED, actor)
    db.session.refresh(redemption)
    _record_decision(actor, "redemption.fulfil", redemption)
    return redemption


def _record_decision(actor: User, action: str, redemption: Redemption) -> None:
    record(
        actor,
        action,
        "redemption",
        redemption.id,
        zone_id=redemption.zone_id,
        changes={"status": [PENDING, redemption.status]},
    )


@audited
def cancel(redemption_id: int, actor: User) -> Redemption:
    """Cancel a pending redemption: the points and the unit of stock go back."""
    redemption = _redemption_in_reach(redemption_id, actor)
    users.lock(redemption.user_id)
    _decide(redemption_id, CANCELLED, actor)
    points.refund(redemption.user_id, redemption.points_cost, f"redemption:{redemption.id}")
    db.session.execute(
        update(Reward)
        .where(Reward.id == redemption.reward_id)
        .values(stock=Reward.stock + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(redemption)
    _record_decision(actor, "redemption.cancel", redemption)
    return redemption
