"""Deciding promoter applications: an `admin`, or a `station_admin` whose reach includes
the zone; audited. A decision is taken once, even by parallel officers."""

from __future__ import annotations

from sqlalchemy import case, select, update

from miniapp_api import signals
from miniapp_api.audit.service import audited, record
from miniapp_api.storage import Page, db, get_or_404, insert, paginate
from miniapp_api.timeutil import utcnow
from miniapp_api.users import service as users
from miniapp_api.users.models import User
from miniapp_api.zones.errors import ApplicationDecided, invalid
from miniapp_api.zones.models import APPROVED, PENDING, REJECTED, PromoterApplication, RoleZone
from miniapp_api.zones.promoters import refresh_points_zone
from miniapp_api.zones.scope import scope_of, subtree


def applications(
    officer: User,
    status: str | None,
    page: int,
    per_page: int,
    *,
    zone_id: int | None = None,
    pending_first: bool = False,
) -> Page:
    """Applications in the officer's zones, newest first (the pending ones before the
    others with `pending_first`), optionally in one zone and the zones below it."""
    query = select(PromoterApplication).where(scope_of(officer).where(PromoterApplication.zone_id))
    if status:
        query = query.where(PromoterApplication.status == status)
    if zone_id is not None:
        query = query.where(PromoterApplication.zone_id.in_(subtree({zone_id})))
    order = [PromoterApplication.id.desc()]
    if pending_first:
        order.insert(0, case((PromoterApplication.status == PENDING, 0), else_=1))
    return paginate(query.order_by(*order), page, per_page)


@audited
def decide_application(
    application_id: int, approve: bool, reason: str | None, officer: User
) -> PromoterApplication:
    """Approve (the applicant becomes a promoter for the zone) or reject with a reason.
    The conditional UPDATE lets one of several parallel decisions win; the others are
    APPLICATION_DECIDED."""
    application = get_or_404(PromoterApplication, application_id, "申请不存在")
    scope_of(officer).require(application.zone_id, "申请不存在")
    if not approve and not (reason or "").strip():
        raise invalid("reason", "驳回时请填写原因")
    status = APPROVED if approve else REJECTED
    decided = db.session.execute(
        update(PromoterApplication)
        .where(PromoterApplication.id == application.id, PromoterApplication.status == PENDING)
        .values(status=status, reason=reason, decided_by_id=officer.id, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if decided.rowcount != 1:
        raise ApplicationDecided()
    db.session.refresh(application)
    if approve:
        _make_promoter(application, officer)
    record(
        officer,
        f"application.{'approve' if approve else 'reject'}",
        "promoter_application",
        application.id,
        zone_id=application.zone_id,
        reason=reason,
        changes={"status": [PENDING, status]},
    )
    signals.announce(signals.application_decided, application=application)
    return application


def _make_promoter(application: PromoterApplication, officer: User) -> None:
    applicant = application.user
    db.session.execute(
        insert(RoleZone)
        .values(user_id=applicant.id, role="promoter", zone_id=application.zone_id)
        .on_conflict_do_nothing()
    )
    users.grant_roles(applicant, ["promoter"], granted_by=officer)
    refresh_points_zone(applicant)
