"""The points ledger's writes: the award service (the only way points are earned),
spending and refunds; and the checks on it.

Every change runs in the caller's unit of work with the user's row locked first
(`users.lock`), so caps and duplicate checks for one user are serialised on
PostgreSQL (row lock) and SQLite (write lock) alike. The unique key (user, reason, ref)
stays the last guard. An earning row is announced (`signals.points_awarded`) in the
same transaction, for the read models that follow the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Flask, current_app
from sqlalchemy import func, select, update

from miniapp_api.config import ConfigError
from miniapp_api.errors import AppError
from miniapp_api.points.models import EARNING_REASONS, PointsEntry
from miniapp_api.points.rules import SHARED_CAPS, TIMES, Rule, build_rules
from miniapp_api.signals import announce, points_awarded
from miniapp_api.storage import db
from miniapp_api.timeutil import local_today
from miniapp_api.users import service as users
from miniapp_api.users.models import User

RULES_KEY = "points_rules"


class InsufficientPoints(AppError):
    status_code, error_code, message = 409, "INSUFFICIENT_POINTS", "积分不足"


@dataclass(frozen=True)
class AwardResult:
    awarded: int  # points actually credited (0 when capped or a duplicate)
    duplicate: bool = False
    capped: bool = False
    entry: PointsEntry | None = None


def configure(app: Flask) -> None:
    """Validate the configured rules once, at start-up."""
    try:
        app.extensions[RULES_KEY] = build_rules(app.config.get("POINTS_RULES"))
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc


def rules() -> dict[str, Rule]:
    return current_app.extensions[RULES_KEY]


def find(user_id: int, reason: str, ref: str) -> PointsEntry | None:
    return db.session.scalar(
        select(PointsEntry).where(
            PointsEntry.user_id == user_id, PointsEntry.reason == reason, PointsEntry.ref == ref
        )
    )


def _used_today(user_id: int, rule: Rule, day: date) -> int:
    reasons = SHARED_CAPS.get(rule.reason, (rule.reason,))
    measure = (
        func.count() if rule.cap_unit == TIMES else func.coalesce(func.sum(PointsEntry.delta), 0)
    )
    return db.session.scalar(
        select(measure).where(
            PointsEntry.user_id == user_id,
            PointsEntry.reason.in_(reasons),
            PointsEntry.local_date == day,
        )
    )


def write(
    user_id: int,
    delta: int,
    reason: str,
    ref: str,
    *,
    zone_id: int | None = None,
    note: str | None = None,
    actor_id: int | None = None,
) -> PointsEntry:
    """Append a row and move the cached balance in the same transaction. A debit that
    would make the balance negative changes nothing and raises InsufficientPoints."""
    moved = db.session.execute(
        update(User)
        .where(User.id == user_id, User.points_balance + delta >= 0)
        .values(points_balance=User.points_balance + delta)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise InsufficientPoints()
    entry = PointsEntry(
        user_id=user_id,
        delta=delta,
        reason=reason,
        ref=ref,
        zone_id=zone_id,
        note=note,
        actor_id=actor_id,
        local_date=local_today(),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _grant(rule: Rule, wanted: int, user_id: int) -> int:
    """How much of `wanted` the daily cap still allows."""
    if rule.daily_cap is None:
        return wanted
    used = _used_today(user_id, rule, local_today())
    if rule.cap_unit == TIMES:
        return wanted if used < rule.daily_cap else 0
    return max(0, min(wanted, rule.daily_cap - used))


def award(
    user: User,
    reason: str,
    ref: str,
    *,
    points: int | None = None,
    zone_id: int | None = None,
    note: str | None = None,
) -> AwardResult:
    """Credit `reason`'s points (or `points`) for `ref`, once, within the daily cap,
    booked to `zone_id` or else the user's zone. A duplicate (same user, reason and
    ref) or a reached cap credits nothing and is not an error."""
    if reason not in EARNING_REASONS:
        raise ValueError(f"not an earning reason: {reason}")
    wanted = rules()[reason].points if points is None else points
    users.lock(user.id)
    if find(user.id, reason, ref) is not None:
        return AwardResult(0, duplicate=True)
    grant = _grant(rules()[reason], wanted, user.id)
    if grant <= 0:
        return AwardResult(0, capped=True)
    zone = zone_id if zone_id is not None else user.zone_id
    entry = write(user.id, grant, reason, ref, zone_id=zone, note=note)
    announce(points_awarded, entry=entry)
    db.session.refresh(user, ["points_balance"])
    return AwardResult(grant, capped=grant < wanted, entry=entry)


def spend(user_id: int, points: int, ref: str) -> PointsEntry:
    """Debit points for a redemption; raises InsufficientPoints."""
    users.lock(user_id)
    return write(user_id, -points, "redeem", ref)


def refund(user_id: int, points: int, ref: str) -> PointsEntry | None:
    """Give back the points of a cancelled redemption, once."""
    users.lock(user_id)
    if find(user_id, "refund", ref) is not None:
        return None
    return write(user_id, points, "refund", ref)


def earned_total(user_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(
            PointsEntry.user_id == user_id, PointsEntry.reason.in_(EARNING_REASONS)
        )
    )


def verify_balances() -> list[tuple[int, int, int]]:
    """Users whose cached balance differs from the sum of their ledger rows:
    (user id, cached, ledger sum)."""
    sums = (
        select(PointsEntry.user_id, func.sum(PointsEntry.delta).label("total"))
        .group_by(PointsEntry.user_id)
        .subquery()
    )
    rows = db.session.execute(
        select(User.id, User.points_balance, func.coalesce(sums.c.total, 0))
        .outerjoin(sums, sums.c.user_id == User.id)
        .where(User.points_balance != func.coalesce(sums.c.total, 0))
        .order_by(User.id)
    ).all()
    return [tuple(row) for row in rows]


def export_ledger(user: User) -> list[dict]:
    """The user's part of `GET /me/export`: every ledger row."""
    entries = db.session.scalars(
        select(PointsEntry).where(PointsEntry.user_id == user.id).order_by(PointsEntry.id)
    )
    return [
        {"delta": e.delta, "reason": e.reason, "ref": e.ref, "created_at": e.created_at}
        for e in entries
    ]
