"""Promoters (宣传员): applying for a zone, the zone a promoter works in, and keeping
`users.zone_id` in step with enrollments and promoter zones."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select

from miniapp_api.errors import Conflict
from miniapp_api.storage import db, use_case
from miniapp_api.users import service as users
from miniapp_api.users.models import User
from miniapp_api.zones.errors import ApplicationPending, NotPromoter
from miniapp_api.zones.fences import get_zone
from miniapp_api.zones.models import PENDING, Enrollment, PromoterApplication, RoleZone
from miniapp_api.zones.screening import judge_organisation, keep_organisation


@use_case
def apply(user: User, values: Mapping[str, Any]) -> PromoterApplication:
    """Apply to become a promoter for an active zone (one pending application at a time:
    the applicant's row lock makes a parallel burst yield one)."""
    get_zone(values["zone_id"], active_only=True)
    users.lock(user.id)
    if user.has_role("promoter"):
        raise Conflict("您已经是宣传员了")
    pending = db.session.scalar(
        select(PromoterApplication.id).where(
            PromoterApplication.user_id == user.id, PromoterApplication.status == PENDING
        )
    )
    if pending is not None:
        raise ApplicationPending()
    screening = judge_organisation(user, values["organisation"])
    application = PromoterApplication(user_id=user.id, **values)
    db.session.add(application)
    keep_organisation(screening, application, user)
    return application


def my_applications(user: User) -> list[PromoterApplication]:
    return list(
        db.session.scalars(
            select(PromoterApplication)
            .where(PromoterApplication.user_id == user.id)
            .order_by(PromoterApplication.id.desc())
        )
    )


def export_applications(user: User) -> list[dict]:
    """The user's part of `GET /me/export`: every application, with what it gave."""
    return [
        {
            "id": application.id,
            "zone_id": application.zone_id,
            "real_name": application.real_name,
            "phone": application.phone,
            "organisation": application.organisation,
            "status": application.status,
            "reason": application.reason,
            "created_at": application.created_at,
            "decided_at": application.decided_at,
        }
        for application in my_applications(user)
    ]


def forget_applications(user: User) -> None:
    """Account deletion: the applications (real name, phone, organisation) go; the
    promoter roles they granted go with the account's roles."""
    db.session.execute(delete(PromoterApplication).where(PromoterApplication.user_id == user.id))


def promoter_zone_id(user: User) -> int:
    """The zone a promoter works in (the first of theirs), or NOT_PROMOTER."""
    if not user.has_role("promoter"):
        raise NotPromoter()
    zone_id = _first_promoter_zone(user.id)
    if zone_id is None:
        raise NotPromoter("您的宣传员身份没有指定区域，请联系管理员")
    return zone_id


def refresh_points_zone(user: User) -> None:
    """Keep `users.zone_id`, the zone a user's points count for, in step: where they
    enrolled, else their first promoter zone (a step of a use case)."""
    db.session.flush()
    zone_id = db.session.scalar(
        select(Enrollment.zone_id).where(Enrollment.volunteer_id == user.id)
    )
    user.zone_id = zone_id if zone_id is not None else _first_promoter_zone(user.id)


def _first_promoter_zone(user_id: int) -> int | None:
    return db.session.scalar(
        select(RoleZone.zone_id)
        .where(RoleZone.user_id == user_id, RoleZone.role == "promoter")
        .order_by(RoleZone.zone_id)
    )
