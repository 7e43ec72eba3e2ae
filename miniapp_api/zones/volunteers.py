"""What follows from an enrollment: the promoter's volunteers and their counts, the
qualified-recruit bonus, and the volunteer's part of a data export."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select

from miniapp_api.moderation.service import PLACEHOLDER_NICKNAME
from miniapp_api.points import service as points
from miniapp_api.points.models import EARNING_REASONS, PointsEntry
from miniapp_api.storage import Page, db, paginate
from miniapp_api.timeutil import local_today, period_start, utcnow
from miniapp_api.users.models import ACTIVE as USER_ACTIVE
from miniapp_api.users.models import User
from miniapp_api.zones.models import Enrollment
from miniapp_api.zones.promoters import promoter_zone_id
from miniapp_api.zones.screening import held_nicknames


@dataclass(frozen=True)
class Volunteer:
    """One of a promoter's volunteers, with the points they earned this week."""

    user_id: int
    nickname: str | None
    avatar_url: str | None
    enrolled_at: datetime
    qualified: bool  # finished a quiz since enrolling
    points_this_week: int


def my_volunteers(promoter: User, page: int, per_page: int) -> Page:
    """The promoter's active volunteers, newest first (a page of `Volunteer`)."""
    promoter_zone_id(promoter)
    query = (
        select(Enrollment, User, _points_this_week())
        .join(User, User.id == Enrollment.volunteer_id)
        .where(Enrollment.promoter_id == promoter.id, User.status == USER_ACTIVE)
        .order_by(Enrollment.id.desc())
    )
    rows = paginate(query, page, per_page, scalars=False)
    held = held_nicknames([volunteer.id for _, volunteer, _ in rows.items])
    volunteers = [
        Volunteer(
            user_id=volunteer.id,
            nickname=PLACEHOLDER_NICKNAME if volunteer.id in held else volunteer.nickname,
            avatar_url=volunteer.avatar_url,
            enrolled_at=enrollment.created_at,
            qualified=enrollment.qualified_at is not None,
            points_this_week=week,
        )
        for enrollment, volunteer, week in rows.items
    ]
    return replace(rows, items=volunteers)


def _points_this_week():
    """A volunteer's earned points since this week's Monday (local time), per row."""
    return (
        select(func.coalesce(func.sum(PointsEntry.delta), 0))
        .where(
            PointsEntry.user_id == Enrollment.volunteer_id,
            PointsEntry.reason.in_(EARNING_REASONS),
            PointsEntry.local_date >= period_start("week", local_today()),
        )
        .scalar_subquery()
    )


def volunteer_counts(promoter_ids: list[int]) -> dict[int, int]:
    """Active volunteers per promoter (promoters without any are left out)."""
    if not promoter_ids:
        return {}
    return dict(
        db.session.execute(
            select(Enrollment.promoter_id, func.count())
            .join(User, User.id == Enrollment.volunteer_id)
            .where(Enrollment.promoter_id.in_(promoter_ids), User.status == USER_ACTIVE)
            .group_by(Enrollment.promoter_id)
        ).all()
    )


def on_quiz_finished(_app, *, user_id: int, session_id: str) -> None:
    """A volunteer finished a quiz: their promoter's qualified-recruit bonus, once, in
    the scoring's transaction (a receiver of `signals.quiz_finished`)."""
    enrollment = db.session.scalar(
        select(Enrollment).where(
            Enrollment.volunteer_id == user_id, Enrollment.qualified_at.is_(None)
        )
    )
    if enrollment is None:
        return
    enrollment.qualified_at = utcnow()
    promoter = db.session.get(User, enrollment.promoter_id)
    if promoter is not None and promoter.status == USER_ACTIVE:
        points.award(
            promoter, "recruit_qualified", f"volunteer:{user_id}", zone_id=enrollment.zone_id
        )


def export_enrollment(user: User) -> dict | None:
    """The user's part of `GET /me/export` (JSON-ready, as `PersonalData` asks): their
    enrollment, without any location."""
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.volunteer_id == user.id))
    if enrollment is None:
        return None
    return {
        "promoter_id": enrollment.promoter_id,
        "zone_id": enrollment.zone_id,
        "enrolled_at": enrollment.created_at,
        "decision": enrollment.decision,
        "distance_to_edge_m": enrollment.distance_to_edge_m,
    }
