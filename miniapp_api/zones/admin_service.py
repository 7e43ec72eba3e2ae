"""The admin use cases of the zones domain: drawing zones, deciding promoter
applications, and granting roles with zones (`admin`; `station_admin` decides for the
zones it manages)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from miniapp_api.errors import Forbidden
from miniapp_api.storage import Page, db, get_or_404, paginate, use_case
from miniapp_api.timeutil import utcnow
from miniapp_api.users import service as users
from miniapp_api.users.models import ACTIVE as USER_ACTIVE
from miniapp_api.users.models import User
from miniapp_api.zones.codes import revoke_codes
from miniapp_api.zones.errors import ApplicationDecided, invalid
from miniapp_api.zones.fences import (
    ZonePage,
    check_parent,
    get_zone,
    list_zones,
    managed_zone_ids,
    parse_shape,
    require_manages,
)
from miniapp_api.zones.models import (
    APPROVED,
    PENDING,
    REJECTED,
    PromoterApplication,
    RoleZone,
    Zone,
)
from miniapp_api.zones.promoters import refresh_points_zone

__all__ = [
    "RoleZoneGrant",
    "UserRoles",
    "all_zones",
    "applications",
    "create_zone",
    "deactivate_zone",
    "decide_application",
    "get_zone",
    "grant_role",
    "revoke_role",
    "update_zone",
]

ZONED_ROLES = ("promoter", "station_admin")


# ---- zones ------------------------------------------------------------------------------


def all_zones(with_geometry: bool, page: int, per_page: int) -> ZonePage:
    """Every zone, inactive ones included."""
    return list_zones(with_geometry, page, per_page, active_only=False)


@use_case
def create_zone(values: Mapping[str, Any]) -> Zone:
    """A zone drawn in either datum, stored in GCJ-02."""
    shape = parse_shape(values["geometry"], values["coord_type"])
    check_parent(values.get("parent_id"))
    zone = Zone(
        name=values["name"],
        district=values["district"],
        kind=values["kind"],
        parent_id=values.get("parent_id"),
        shape=shape.to_storage(),
        vertex_count=shape.vertex_count,
    )
    db.session.add(zone)
    return zone


@use_case
def update_zone(zone_id: int, values: Mapping[str, Any]) -> Zone:
    """Rename, move or redraw a zone (a new `geometry` needs its `coord_type`)."""
    zone = get_zone(zone_id)
    values = dict(values)
    if "geometry" in values:
        if "coord_type" not in values:
            raise invalid("coord_type", "修改边界时必须说明坐标系（wgs84 或 gcj02）")
        shape = parse_shape(values.pop("geometry"), values.pop("coord_type"))
        zone.shape, zone.vertex_count = shape.to_storage(), shape.vertex_count
    values.pop("coord_type", None)
    if "parent_id" in values:
        check_parent(values["parent_id"], zone.id)
    for key, value in values.items():
        setattr(zone, key, value)
    zone.updated_at = utcnow()
    return zone


@use_case
def deactivate_zone(zone_id: int) -> None:
    """Zones are never erased (enrollments and points refer to them): they go inactive."""
    zone = get_zone(zone_id)
    zone.active = False
    zone.updated_at = utcnow()


# ---- promoter applications ----------------------------------------------------------------


def applications(officer: User, status: str | None, page: int, per_page: int) -> Page:
    """Applications in the officer's zones, newest first."""
    query = select(PromoterApplication)
    managed = managed_zone_ids(officer)
    if managed is not None:
        query = query.where(PromoterApplication.zone_id.in_(managed or {-1}))
    if status:
        query = query.where(PromoterApplication.status == status)
    return paginate(query.order_by(PromoterApplication.id.desc()), page, per_page)


@use_case
def decide_application(
    application_id: int, approve: bool, reason: str | None, officer: User
) -> PromoterApplication:
    """Approve (the applicant becomes a promoter for the zone) or reject with a reason,
    once, by an officer who manages the zone."""
    application = get_or_404(PromoterApplication, application_id, "申请不存在")
    require_manages(officer, application.zone_id)
    if application.status != PENDING:
        raise ApplicationDecided()
    if not approve and not (reason or "").strip():
        raise invalid("reason", "驳回时请填写原因")
    application.status = APPROVED if approve else REJECTED
    application.reason = reason
    application.decided_by_id = officer.id
    application.decided_at = utcnow()
    if approve:
        applicant = application.user
        db.session.add(RoleZone(user_id=applicant.id, role="promoter", zone_id=application.zone_id))
        users.grant_roles(applicant, ["promoter"], granted_by=officer)
        refresh_points_zone(applicant)
    return application


# ---- roles with zones ---------------------------------------------------------------------


@dataclass(frozen=True)
class RoleZoneGrant:
    role: str
    zone_id: int


@dataclass(frozen=True)
class UserRoles:
    """A user's roles and the zones that go with them, after a grant or a revocation."""

    id: int
    roles: list[str]
    zones: list[RoleZoneGrant]


@use_case
def grant_role(user_id: int, role: str, zone_ids: list[int], officer: User) -> UserRoles:
    """Grant a role; `promoter` and `station_admin` need zones (only an admin grants)."""
    user = get_or_404(User, user_id, "用户不存在", visible=lambda u: u.status == USER_ACTIVE)
    if role in ZONED_ROLES:
        if not zone_ids:
            raise invalid("zone_ids", "该角色必须指定区域")
        for zone_id in zone_ids:
            get_zone(zone_id, active_only=True)
    elif zone_ids:
        raise invalid("zone_ids", "该角色不分区域")
    users.grant_roles(user, [role], granted_by=officer)
    for zone_id in zone_ids:
        if db.session.get(RoleZone, (user.id, role, zone_id)) is None:
            db.session.add(RoleZone(user_id=user.id, role=role, zone_id=zone_id))
    refresh_points_zone(user)
    return _roles_of(user)


@use_case
def revoke_role(user_id: int, role: str, officer: User) -> UserRoles:
    """Revoke a role and its zones (a promoter's codes stop working at once)."""
    user = get_or_404(User, user_id, "用户不存在")
    if user.id == officer.id and role == "admin":
        raise Forbidden("不能撤销自己的管理员角色")
    db.session.execute(delete(RoleZone).where(RoleZone.user_id == user.id, RoleZone.role == role))
    if role == "promoter":
        revoke_codes(user.id)
    users.revoke_role(user, role)
    refresh_points_zone(user)
    return _roles_of(user)


def _roles_of(user: User) -> UserRoles:
    zones = db.session.execute(
        select(RoleZone.role, RoleZone.zone_id)
        .where(RoleZone.user_id == user.id)
        .order_by(RoleZone.role, RoleZone.zone_id)
    ).all()
    return UserRoles(user.id, list(user.roles), [RoleZoneGrant(*row) for row in zones])
