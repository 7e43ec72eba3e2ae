"""Granting and revoking roles with their zones. An `admin` grants any role; a
`station_admin` grants and revokes `promoter` for zones in its reach, for users in its
reach. Audited; an operator's command on the server (`flask users grant`, officer None)
acts city-wide and is recorded with `via="cli"` and no actor."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from miniapp_api.audit.service import audited, record
from miniapp_api.errors import Forbidden
from miniapp_api.storage import db, get_or_404, insert
from miniapp_api.users import service as users
from miniapp_api.users.models import ACTIVE as USER_ACTIVE
from miniapp_api.users.models import User
from miniapp_api.zones.codes import revoke_codes
from miniapp_api.zones.errors import invalid
from miniapp_api.zones.fences import get_zone
from miniapp_api.zones.models import RoleZone
from miniapp_api.zones.promoters import refresh_points_zone
from miniapp_api.zones.scope import Scope, scope_of

ZONED_ROLES = ("promoter", "station_admin")
STATION_GRANTS = ("promoter",)  # what a station admin may grant within its reach


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


def _target(user_id: int, scope: Scope, *, active_only: bool) -> User:
    user = get_or_404(
        User, user_id, "用户不存在", visible=lambda u: not active_only or u.status == USER_ACTIVE
    )
    if not scope.citywide and user.zone_id is not None:
        scope.require(user.zone_id, "用户不存在")
    return user


def _check_rights(officer_scope: Scope, role: str) -> None:
    if not officer_scope.citywide and role not in STATION_GRANTS:
        raise Forbidden("只有市级管理员可以授予或撤销这个角色")


@audited
def grant_role(user_id: int, role: str, zone_ids: list[int], officer: User | None) -> UserRoles:
    """Grant a role; `promoter` and `station_admin` need zones."""
    scope = scope_of(officer)
    _check_rights(scope, role)
    user = _target(user_id, scope, active_only=True)
    if role in ZONED_ROLES:
        if not zone_ids:
            raise invalid("zone_ids", "该角色必须指定区域")
        for zone_id in zone_ids:
            get_zone(zone_id, active_only=True)
            scope.require(zone_id, "区域不存在")
    elif zone_ids:
        raise invalid("zone_ids", "该角色不分区域")
    before = _roles_of(user)
    users.grant_roles(user, [role], granted_by=officer)
    for zone_id in zone_ids:
        db.session.execute(
            insert(RoleZone)
            .values(user_id=user.id, role=role, zone_id=zone_id)
            .on_conflict_do_nothing()
        )
    refresh_points_zone(user)
    after = _roles_of(user)
    _record(officer, "role.grant", user, role, zone_ids, before, after)
    return after


@audited
def revoke_role(user_id: int, role: str, officer: User | None) -> UserRoles:
    """Revoke a role and its zones (a promoter's codes stop working at once)."""
    scope = scope_of(officer)
    _check_rights(scope, role)
    user = _target(user_id, scope, active_only=False)
    if officer is not None and user.id == officer.id and role == "admin":
        raise Forbidden("不能撤销自己的管理员角色")
    before = _roles_of(user)
    if any(not scope.covers(grant.zone_id) for grant in before.zones if grant.role == role):
        raise Forbidden("该用户在您管辖范围以外也担任这个角色，请联系市级管理员")
    db.session.execute(delete(RoleZone).where(RoleZone.user_id == user.id, RoleZone.role == role))
    if role == "promoter":
        revoke_codes(user.id)
    users.revoke_role(user, role)
    refresh_points_zone(user)
    after = _roles_of(user)
    zones = [grant.zone_id for grant in before.zones if grant.role == role]
    _record(officer, "role.revoke", user, role, zones, before, after)
    return after


def _record(officer, action, user, role, zone_ids, before: UserRoles, after: UserRoles) -> None:
    record(
        officer,
        action,
        "user",
        user.id,
        zone_id=zone_ids[0] if zone_ids else user.zone_id,
        changes={
            "roles": [before.roles, after.roles],
            "zones": [
                [f"{g.role}:{g.zone_id}" for g in before.zones],
                [f"{g.role}:{g.zone_id}" for g in after.zones],
            ],
        },
        reason=f"{role}",
    )


def _roles_of(user: User) -> UserRoles:
    db.session.flush()
    zones = db.session.execute(
        select(RoleZone.role, RoleZone.zone_id)
        .where(RoleZone.user_id == user.id)
        .order_by(RoleZone.role, RoleZone.zone_id)
    ).all()
    return UserRoles(user.id, list(user.roles), [RoleZoneGrant(*row) for row in zones])
