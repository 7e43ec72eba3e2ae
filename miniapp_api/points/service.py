"""The award service: the only way points are created, and the ledger's other moves.

Every change runs in the caller's transaction with the user's row locked first
(`UPDATE users … WHERE id = :id`), so caps and duplicate checks for one user are
serialised on PostgreSQL (row lock) and SQLite (write lock) alike. The unique key
(user, reason, ref) stays the last guard.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from flask import Flask, current_app
from sqlalchemy import func, select, update

from miniapp_api.config import ConfigError
from miniapp_api.errors import AppError, NotFound
from miniapp_api.extensions import db
from miniapp_api.leaderboards import service as leaderboards
from miniapp_api.pagination import paginate
from miniapp_api.points.models import EARNING_REASONS, PointsEntry
from miniapp_api.points.rules import (
    CHECKIN_STREAK_BONUS,
    CHECKIN_STREAK_DAYS,
    SHARED_CAPS,
    TIMES,
    Rule,
    build_rules,
)
from miniapp_api.timeutil import local_today as today  # a module name tests can patch
from miniapp_api.users import service as users
from miniapp_api.users.models import User

RULES_KEY = "points_rules"


class InsufficientPoints(AppError):
    status_code, error_code, message = 409, "INSUFFICIENT_POINTS", "积分不足"


class AlreadyCheckedIn(AppError):
    status_code, error_code, message = 409, "ALREADY_CHECKED_IN", "今天已经签到过了，明天再来吧"


@dataclass(frozen=True)
class AwardResult:
    awarded: int  # points actually credited (0 when capped or a duplicate)
    duplicate: bool = False
    capped: bool = False
    entry: PointsEntry | None = None


# Set by the zones domain: the zone a user's points count for (their enrollment zone).
_zone_resolver = None


def register_zone_resolver(resolver) -> None:
    global _zone_resolver
    _zone_resolver = resolver


def init_app(app: Flask) -> None:
    """Validate the configured rules once, at start-up."""
    try:
        app.extensions[RULES_KEY] = build_rules(app.config.get("POINTS_RULES"))
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    users.register_export_section("points_ledger", export_section)


def rules() -> dict[str, Rule]:
    return current_app.extensions[RULES_KEY]


def lock_user(user_id: int) -> None:
    """Take the user's row lock for the rest of the transaction."""
    result = db.session.execute(
        update(User).where(User.id == user_id).values(points_balance=User.points_balance)
    )
    if result.rowcount != 1:
        raise NotFound("用户不存在")


def _exists(user_id: int, reason: str, ref: str) -> bool:
    return (
        db.session.scalar(
            select(PointsEntry.id).where(
                PointsEntry.user_id == user_id,
                PointsEntry.reason == reason,
                PointsEntry.ref == ref,
            )
        )
        is not None
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


def _write(
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
        local_date=today(),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def award(
    user: User,
    reason: str,
    ref: str,
    *,
    points: int | None = None,
    zone_id: int | None = None,
    note: str | None = None,
) -> AwardResult:
    """Credit `reason`'s points (or `points`) for `ref`, once, within the daily cap.

    Runs in the caller's transaction; the caller commits. A duplicate (same user,
    reason and ref) or a reached cap credits nothing and is not an error.
    """
    if reason not in EARNING_REASONS:
        raise ValueError(f"not an earning reason: {reason}")
    rule = rules()[reason]
    wanted = rule.points if points is None else points
    lock_user(user.id)
    if _exists(user.id, reason, ref):
        return AwardResult(0, duplicate=True)
    if zone_id is None and _zone_resolver is not None:
        zone_id = _zone_resolver(user.id)
    grant = wanted
    if rule.daily_cap is not None:
        used = _used_today(user.id, rule, today())
        if rule.cap_unit == TIMES:
            grant = wanted if used < rule.daily_cap else 0
        else:
            grant = max(0, min(wanted, rule.daily_cap - used))
    if grant <= 0:
        return AwardResult(0, capped=True)
    entry = _write(user.id, grant, reason, ref, zone_id=zone_id, note=note)
    leaderboards.record(entry)
    db.session.refresh(user, ["points_balance"])
    return AwardResult(grant, capped=grant < wanted, entry=entry)


def spend(user_id: int, points: int, ref: str) -> PointsEntry:
    """Debit points for a redemption; raises InsufficientPoints. The caller commits."""
    lock_user(user_id)
    return _write(user_id, -points, "redeem", ref)


def refund(user_id: int, points: int, ref: str) -> PointsEntry | None:
    """Give back the points of a cancelled redemption, once. The caller commits."""
    lock_user(user_id)
    if _exists(user_id, "refund", ref):
        return None
    return _write(user_id, points, "refund", ref)


def adjust_for_admin(
    user_id: int, delta: int, note: str, actor: User, idempotency_key: str | None
) -> dict:
    """An officer's correction with a mandatory reason; commits. Replaying the same
    Idempotency-Key returns the first adjustment and changes nothing more."""
    ref = f"idem:{actor.id}:{idempotency_key}" if idempotency_key else f"adj:{uuid.uuid4().hex}"
    lock_user(user_id)
    entry = db.session.scalar(
        select(PointsEntry).where(
            PointsEntry.user_id == user_id,
            PointsEntry.reason == "admin_adjust",
            PointsEntry.ref == ref,
        )
    )
    if entry is None:
        entry = _write(user_id, delta, "admin_adjust", ref, note=note, actor_id=actor.id)
    db.session.commit()
    balance = db.session.scalar(select(User.points_balance).where(User.id == user_id))
    return {
        "user_id": user_id,
        "delta": entry.delta,
        "note": entry.note,
        "balance": balance,
        "created_at": entry.created_at,
    }


def check_in(user: User) -> dict:
    """Today's check-in: 1 point, plus a bonus on every 7th consecutive day; commits."""
    day = today()
    lock_user(user.id)
    dates = set(
        db.session.scalars(
            select(PointsEntry.local_date)
            .where(PointsEntry.user_id == user.id, PointsEntry.reason == "daily_checkin")
            .order_by(PointsEntry.local_date.desc())
            .limit(400)
        )
    )
    if day in dates:
        db.session.rollback()
        raise AlreadyCheckedIn()
    streak = 1
    while day - timedelta(days=streak) in dates:
        streak += 1
    rule = rules()["daily_checkin"]
    bonus = CHECKIN_STREAK_BONUS if streak % CHECKIN_STREAK_DAYS == 0 else 0
    note = f"连续签到 {streak} 天" + ("，获得连续签到奖励" if bonus else "")
    result = award(user, "daily_checkin", day.isoformat(), points=rule.points + bonus, note=note)
    if result.duplicate:  # a concurrent check-in won the race
        db.session.rollback()
        raise AlreadyCheckedIn()
    db.session.commit()
    return {
        "date": day,
        "streak": streak,
        "points_awarded": result.awarded,
        "balance": user.points_balance,
    }


def history(user: User, page: int, per_page: int) -> dict:
    query = select(PointsEntry).where(PointsEntry.user_id == user.id)
    return {
        "balance": user.points_balance,
        "earned_total": earned_total(user.id),
        **paginate(query.order_by(PointsEntry.id.desc()), page, per_page),
    }


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


def export_section(user: User) -> list[dict]:
    entries = db.session.scalars(
        select(PointsEntry).where(PointsEntry.user_id == user.id).order_by(PointsEntry.id)
    )
    return [
        {"delta": e.delta, "reason": e.reason, "ref": e.ref, "created_at": e.created_at}
        for e in entries
    ]
