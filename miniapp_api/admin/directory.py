"""The user directory for officers: finding users and one user's file, across domains.
An `admin` sees everyone; a `station_admin` the users whose zone (`users.zone_id`) is in
its reach; anyone else, and deleted accounts, are NOT_FOUND. Reads only: the rules they
show belong to the domains they read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, or_, select

from miniapp_api.errors import NotFound
from miniapp_api.input_guard import MAX_ID
from miniapp_api.points import service as points
from miniapp_api.points.models import PointsEntry
from miniapp_api.rewards import service as rewards
from miniapp_api.rewards.models import Redemption
from miniapp_api.storage import Page, db, get_or_404, paginate
from miniapp_api.users import service as users
from miniapp_api.users.models import DELETED, User, UserRole
from miniapp_api.zones import service as zones
from miniapp_api.zones.models import Enrollment, PromoterApplication, RoleZone, Zone

NOT_FOUND = "用户不存在"
RECENT = 20  # ledger rows and redemptions in a user's file
MIN_SUFFIX = 4  # openid suffixes and phone endings: at least this many characters
DIGITS = re.compile(r"\d+", re.ASCII)


@dataclass(frozen=True)
class UserSummary:
    """One line of the directory: the user and the name of their zone."""

    user: User
    zone_name: str | None


@dataclass(frozen=True)
class RoleZoneName:
    role: str
    zone_id: int
    zone_name: str


@dataclass(frozen=True)
class EnrollmentInfo:
    """Who enrolled the volunteer, where, when and how (never the location)."""

    promoter_id: int
    promoter_nickname: str | None
    zone_id: int
    zone_name: str
    enrolled_at: datetime
    decision: str
    qualified_at: datetime | None


@dataclass(frozen=True)
class UserFile(UserSummary):
    """Everything an officer may see about one user."""

    role_zones: list[RoleZoneName]
    earned_total: int
    ledger: list[PointsEntry]
    enrollment: EnrollmentInfo | None
    redemptions: list[Redemption]
    volunteer_count: int | None  # promoters only


def find_users(
    officer: User | None,
    *,
    q: str | None = None,
    role: str | None = None,
    zone_id: int | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page:
    """Users in the officer's reach (None: an operator, everyone) matching `q` (see
    `_matches`) and the filters, newest first: a page of `UserSummary`."""
    query = _listed(officer).where(User.status == status if status else User.status != DELETED)
    if q and q.strip():
        query = query.where(_matches(q.strip()))
    if role:
        query = query.where(User.role_grants.any(UserRole.role == role))
    if zone_id is not None:
        query = query.where(User.zone_id.in_(zones.subtree({zone_id})))
    newest = query.order_by(User.created_at.desc(), User.id.desc())
    rows = paginate(newest, page, per_page, scalars=False)
    return Page([UserSummary(*row) for row in rows.items], rows.page, rows.per_page, rows.total)


def _listed(officer: User | None) -> Select:
    return (
        select(User, Zone.name)
        .outerjoin(Zone, Zone.id == User.zone_id)
        .where(zones.scope_of(officer).where(User.zone_id))
    )


def _matches(q: str) -> ColumnElement[bool]:
    """A nickname containing `q`; the user id `q`; an openid ending with `q` (at least 4
    characters); a promoter application's phone equal to `q` or ending with it (4 or more
    digits). LIKE wildcards in `q` match only themselves."""
    found = [User.nickname.icontains(q, autoescape=True)]
    if len(q) >= MIN_SUFFIX:
        found.append(User.openid.endswith(q, autoescape=True))
    if DIGITS.fullmatch(q):
        if int(q) <= MAX_ID:
            found.append(User.id == int(q))
        if len(q) >= MIN_SUFFIX:
            phones = select(PromoterApplication.user_id).where(
                PromoterApplication.phone.endswith(q, autoescape=True)
            )
            found.append(User.id.in_(phones))
    return or_(*found)


def find_user(ref: str) -> User:
    """The user an operator names: a number is an id, anything else an openid."""
    user = None
    if DIGITS.fullmatch(ref) and int(ref) <= MAX_ID:
        user = db.session.get(User, int(ref))
    if user is None:
        user = users.find_by_openid(ref)
    if user is None or user.status == DELETED:
        raise NotFound(NOT_FOUND)
    return user


def user_file(officer: User | None, user_id: int) -> UserFile:
    """One user in the officer's reach: profile, roles with zones, points, enrollment,
    redemptions, and for a promoter the number of volunteers."""
    user = get_or_404(User, user_id, NOT_FOUND, visible=lambda u: u.status != DELETED)
    zones.scope_of(officer).require(user.zone_id, NOT_FOUND)
    history = points.history(user, 1, RECENT)
    names = zones.zone_names([user.zone_id] if user.zone_id else [])
    volunteers = None
    if user.has_role("promoter"):
        volunteers = zones.volunteer_counts([user.id]).get(user.id, 0)
    return UserFile(
        user=user,
        zone_name=names.get(user.zone_id),
        role_zones=_role_zones(user.id),
        earned_total=history.earned_total,
        ledger=history.items,
        enrollment=_enrollment(user.id),
        redemptions=rewards.my_redemptions(user, 1, RECENT).items,
        volunteer_count=volunteers,
    )


def _role_zones(user_id: int) -> list[RoleZoneName]:
    rows = db.session.execute(
        select(RoleZone.role, RoleZone.zone_id, Zone.name)
        .join(Zone, Zone.id == RoleZone.zone_id)
        .where(RoleZone.user_id == user_id)
        .order_by(RoleZone.role, RoleZone.zone_id)
    )
    return [RoleZoneName(*row) for row in rows]


def _enrollment(user_id: int) -> EnrollmentInfo | None:
    row = db.session.execute(
        select(Enrollment, User.nickname, Zone.name)
        .join(User, User.id == Enrollment.promoter_id)
        .join(Zone, Zone.id == Enrollment.zone_id)
        .where(Enrollment.volunteer_id == user_id)
    ).first()
    if row is None:
        return None
    enrollment, nickname, zone_name = row
    return EnrollmentInfo(
        promoter_id=enrollment.promoter_id,
        promoter_nickname=nickname,
        zone_id=enrollment.zone_id,
        zone_name=zone_name,
        enrolled_at=enrollment.created_at,
        decision=enrollment.decision,
        qualified_at=enrollment.qualified_at,
    )
