"""What each export holds: its Chinese column headers and its rows, read in batches
(`yield_per`: a server-side cursor on PostgreSQL). No openid, session key, coordinates
or pickup codes; a promoter's phone only masked (the station knows whom to call back
through its own records). Times are in the app's time zone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from miniapp_api.reports.rollup import day_bounds
from miniapp_api.rewards.models import Redemption, Reward
from miniapp_api.storage import db
from miniapp_api.timeutil import to_local, utcnow
from miniapp_api.users.models import User
from miniapp_api.zones.models import (
    APPROVED,
    Enrollment,
    Event,
    EventCheckin,
    PromoterApplication,
    RoleZone,
    Zone,
)

BATCH = 1000
USER_STATUS = {"active": "正常", "banned": "已封禁", "deleted": "已注销"}
REDEMPTION_STATUS = {"pending": "待领取", "fulfilled": "已领取", "cancelled": "已取消"}
DECISION = {"inside": "区域内", "edge": "边界附近"}


@dataclass(frozen=True)
class Filters:
    zone_keys: set[int] | None  # None: city-wide
    first: date | None
    last: date | None


@dataclass(frozen=True)
class Kind:
    title: str
    header: tuple[str, ...]
    rows: Callable[[Filters], Iterator[tuple]]


def local_time(value: datetime | None) -> str | None:
    return None if value is None else to_local(value).strftime("%Y-%m-%d %H:%M:%S")


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return None
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def _scoped(query, column, filters: Filters, time_column=None):
    if filters.zone_keys is not None:
        query = query.where(column.in_(filters.zone_keys or {-1}))
    if time_column is not None and filters.first is not None:
        query = query.where(time_column >= day_bounds(filters.first)[0])
    if time_column is not None and filters.last is not None:
        query = query.where(time_column < day_bounds(filters.last)[1])
    return query


def _stream(query) -> Iterator:
    yield from db.session.execute(query.execution_options(yield_per=BATCH))


def _enrollments(filters: Filters) -> Iterator[tuple]:
    volunteer, promoter = aliased(User), aliased(User)
    query = (
        select(
            Enrollment.id, volunteer.id, volunteer.nickname, volunteer.status, promoter.id,
            promoter.nickname, Zone.name, Enrollment.decision, Enrollment.distance_to_edge_m,
            Enrollment.created_at, Enrollment.qualified_at, volunteer.points_balance,
        )
        .join(volunteer, volunteer.id == Enrollment.volunteer_id)
        .join(promoter, promoter.id == Enrollment.promoter_id)
        .join(Zone, Zone.id == Enrollment.zone_id)
        .order_by(Enrollment.id)
    )  # fmt: skip
    query = _scoped(query, Enrollment.zone_id, filters, Enrollment.created_at)
    for row in _stream(query):
        yield (
            row[0], row[1], row[2], USER_STATUS.get(row[3], row[3]), row[4], row[5], row[6],
            DECISION.get(row[7], row[7]), round(row[8], 1), local_time(row[9]),
            local_time(row[10]), row[11],
        )  # fmt: skip


def volunteer_rows(filters: Filters) -> Iterator[tuple]:
    for row in _enrollments(filters):
        yield (row[1], row[2], row[6], row[5], row[9], row[10], row[3], row[11])


def enrollment_rows(filters: Filters) -> Iterator[tuple]:
    for row in _enrollments(filters):
        yield row[:11]


def promoter_rows(filters: Filters) -> Iterator[tuple]:
    latest = (
        select(func.max(PromoterApplication.id).label("id"))
        .where(PromoterApplication.status == APPROVED)
        .group_by(PromoterApplication.user_id, PromoterApplication.zone_id)
        .subquery()
    )
    application = (
        select(PromoterApplication).join(latest, latest.c.id == PromoterApplication.id).subquery()
    )
    volunteers = (  # per promoter and zone: a station sees only its zones' counts
        select(Enrollment.promoter_id, Enrollment.zone_id, func.count().label("n"))
        .group_by(Enrollment.promoter_id, Enrollment.zone_id)
        .subquery()
    )
    query = (
        select(
            User.id, User.nickname, application.c.real_name, application.c.organisation,
            application.c.phone, Zone.name, func.coalesce(volunteers.c.n, 0), User.status,
        )
        .select_from(RoleZone)
        .join(User, User.id == RoleZone.user_id)
        .join(Zone, Zone.id == RoleZone.zone_id)
        .outerjoin(application, (application.c.user_id == User.id)
                   & (application.c.zone_id == RoleZone.zone_id))
        .outerjoin(volunteers, (volunteers.c.promoter_id == User.id)
                   & (volunteers.c.zone_id == RoleZone.zone_id))
        .where(RoleZone.role == "promoter")
        .order_by(User.id, RoleZone.zone_id)
    )  # fmt: skip
    for row in _stream(_scoped(query, RoleZone.zone_id, filters)):
        yield (*row[:4], mask_phone(row[4]), row[5], row[6], USER_STATUS.get(row[7], row[7]))


def redemption_rows(filters: Filters) -> Iterator[tuple]:
    officer = aliased(User)
    query = (
        select(
            Redemption.id, User.id, User.nickname, Reward.name, Redemption.points_cost,
            Redemption.status, Zone.name, Redemption.created_at, Redemption.decided_at,
            officer.nickname,
        )
        .join(User, User.id == Redemption.user_id)
        .join(Reward, Reward.id == Redemption.reward_id)
        .outerjoin(Zone, Zone.id == Redemption.zone_id)
        .outerjoin(officer, officer.id == Redemption.decided_by_id)
        .order_by(Redemption.id)
    )  # fmt: skip
    query = _scoped(query, Redemption.zone_id, filters, Redemption.created_at)
    for row in _stream(query):
        yield (*row[:5], REDEMPTION_STATUS.get(row[5], row[5]), row[6], local_time(row[7]),
               local_time(row[8]), row[9])  # fmt: skip


def _event_state(cancelled: bool, starts_at: datetime, ends_at: datetime, now: datetime) -> str:
    if cancelled:
        return "已取消"
    if now < starts_at:
        return "未开始"
    return "进行中" if now < ends_at else "已结束"


def event_rows(filters: Filters) -> Iterator[tuple]:
    checkins = (
        select(EventCheckin.event_id, func.count().label("n"))
        .group_by(EventCheckin.event_id)
        .subquery()
    )
    query = (
        select(
            Event.id, Event.title, Zone.name, User.nickname, Event.place_name, Event.starts_at,
            Event.ends_at, Event.cancelled, func.coalesce(checkins.c.n, 0), Event.cancel_reason,
        )
        .join(Zone, Zone.id == Event.zone_id)
        .join(User, User.id == Event.promoter_id)
        .outerjoin(checkins, checkins.c.event_id == Event.id)
        .order_by(Event.id)
    )  # fmt: skip
    now = utcnow()
    for row in _stream(_scoped(query, Event.zone_id, filters, Event.starts_at)):
        yield (*row[:5], local_time(row[5]), local_time(row[6]),
               _event_state(row[7], row[5], row[6], now), row[8], row[9])  # fmt: skip
