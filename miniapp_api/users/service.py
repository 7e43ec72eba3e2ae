"""Account use cases: find or create by openid, the profile, roles and status, the
data export and the deletion; and the user row lock other domains serialise on."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, update

from miniapp_api.categories import service as categories
from miniapp_api.errors import AppError, NotFound, ValidationFailed
from miniapp_api.signals import announce, membership_changed
from miniapp_api.storage import db, insert, use_case
from miniapp_api.timeutil import utcnow
from miniapp_api.users import personal_data, screening
from miniapp_api.users.models import ACTIVE, BANNED, DELETED, GRANTED_ROLES, User, UserRole

# Cleared on deletion: everything that says who the person is.
PERSONAL_FIELDS = (
    "unionid",
    "wechat_session_key",
    "nickname",
    "avatar_url",
    "age_group",
    "occupation",
    "district",
    "consent_at",
    "last_login_at",
)


def lock(*user_ids: int) -> None:
    """Take the users' row locks for the rest of the transaction, in ascending id order
    (the one global order: two transactions locking the same two users cannot deadlock).
    Every write that depends on a user's other rows (points, redemptions, sessions,
    enrollment) takes it first, so those rules hold under concurrency on PostgreSQL and
    SQLite alike."""
    for user_id in sorted(set(user_ids)):
        result = db.session.execute(
            update(User).where(User.id == user_id).values(points_balance=User.points_balance)
        )
        if result.rowcount != 1:
            raise NotFound("用户不存在")


def find_by_openid(openid: str) -> User | None:
    return db.session.scalar(select(User).where(User.openid == openid))


def get_or_create_by_openid(
    openid: str, *, session_key: str | None = None, unionid: str | None = None
) -> tuple[User, bool]:
    """The user with this openid, created on first login, with the login recorded.

    Concurrent first logins race on the unique openid: the insert does nothing when
    the row exists (`ON CONFLICT DO NOTHING` waits for the other transaction), so
    exactly one user exists and every login reads it.
    """
    user = find_by_openid(openid)
    created = False
    if user is None:
        inserted = db.session.execute(
            insert(User)
            .values(openid=openid, unionid=unionid, wechat_session_key=session_key)
            .on_conflict_do_nothing(index_elements=["openid"])
            .returning(User.id)
        )
        created = inserted.first() is not None
        user = find_by_openid(openid)
    if session_key is not None:
        user.wechat_session_key = session_key
    if unionid is not None:
        user.unionid = unionid
    user.last_login_at = utcnow()
    return user, created


def _membership_changed(user: User) -> None:
    db.session.flush()
    announce(membership_changed, user=user)


def grant_roles(user: User, roles: list[str], granted_by: User | None = None) -> None:
    """Add the roles the user does not hold yet (a step of a use case)."""
    unknown = [role for role in roles if role not in GRANTED_ROLES]
    if unknown:
        raise ValidationFailed(errors={"json": {"roles": [f"未知角色：{', '.join(unknown)}"]}})
    held = {grant.role for grant in user.role_grants}
    for role in roles:
        if role not in held:
            user.role_grants.append(
                UserRole(role=role, granted_by_id=granted_by.id if granted_by else None)
            )
            held.add(role)
    _membership_changed(user)


STAFF_ROLES = ("admin", "station_admin")


def revoke_role(user: User, role: str) -> None:
    """Take a granted role away (a step; effective at once: roles are read per request).
    Losing a staff role also ends every session from before (console ones included), so
    that a later re-grant does not bring an old console session back."""
    if role not in GRANTED_ROLES:
        raise ValidationFailed(errors={"json": {"role": [f"未知角色：{role}"]}})
    if role in STAFF_ROLES and user.has_role(role):
        user.sessions_valid_after = utcnow()
    for grant in list(user.role_grants):
        if grant.role == role:
            user.role_grants.remove(grant)
    _membership_changed(user)


def set_status(
    user: User, status: str, *, actor: User | None = None, reason: str | None = None
) -> None:
    """Ban or unban (a step). A ban refuses every token at once (403 ACCOUNT_BANNED)
    and for good: tokens issued before it stay dead after an unban, which clears the
    ban's fields. Banned users leave the leaderboards and return when unbanned."""
    if status not in (ACTIVE, BANNED):
        raise ValueError(status)
    if status == BANNED and user.status != BANNED:
        user.banned_at = user.sessions_valid_after = utcnow()
        user.ban_reason = reason
        user.banned_by_id = actor.id if actor is not None else None
    elif status == ACTIVE:
        user.banned_at = user.ban_reason = user.banned_by_id = None
    user.status = status
    _membership_changed(user)


@use_case
def update_profile(user: User, changes: Mapping[str, Any]) -> User:
    """Apply the fields a user may change about themselves."""
    changes = dict(changes)
    if "consent" in changes:
        consent = changes.pop("consent")
        if not consent:
            user.consent_at = None
        elif user.consent_at is None:
            user.consent_at = utcnow()
    if "subscribed_categories" in changes:
        changes["subscribed_categories"] = _known_categories(changes["subscribed_categories"])
    if changes.get("nickname") and changes["nickname"] != user.nickname:
        screening.screen_nickname(user, changes["nickname"])
    for field, value in changes.items():
        setattr(user, field, value)
    return user


def _known_categories(slugs: list[str]) -> list[str]:
    unique = list(dict.fromkeys(slugs))
    unknown = sorted(set(unique) - categories.existing_slugs(unique))
    if unknown:
        raise ValidationFailed(
            errors={"json": {"subscribed_categories": [f"未知的诈骗类型：{', '.join(unknown)}"]}}
        )
    return unique


ACCOUNT_FIELDS = (
    "id",
    "openid",
    "unionid",
    "nickname",
    "avatar_url",
    "age_group",
    "occupation",
    "district",
    "points_balance",
    "consent_at",
    "status",
    "created_at",
    "last_login_at",
)


def export_data(user: User) -> dict[str, Any]:
    """Everything stored about the user, except the WeChat session key."""
    data: dict[str, Any] = {
        "exported_at": utcnow(),
        "account": {
            **{field: getattr(user, field) for field in ACCOUNT_FIELDS},
            "subscribed_categories": list(user.subscribed_categories or []),
        },
        "roles": [
            {"role": grant.role, "granted_at": grant.granted_at} for grant in user.role_grants
        ],
    }
    for part in personal_data.parts():
        data[part.section] = part.export(user)
    return data


class LastAdmin(AppError):
    status_code, error_code = 409, "LAST_ADMIN"
    message = "您是唯一的管理员，请先为他人授予管理员角色后再注销账号"


def _refuse_if_last_admin(user: User) -> None:
    if not user.has_role("admin"):
        return
    others = db.session.scalar(
        select(func.count())
        .select_from(UserRole)
        .join(User, User.id == UserRole.user_id)
        .where(UserRole.role == "admin", UserRole.user_id != user.id, User.status == ACTIVE)
    )
    if not others:
        raise LastAdmin()


@use_case
def delete_account(user: User) -> None:
    """Erase personal data everywhere it was copied and keep an anonymous row, so
    ledger totals stay true. Every token of the account stops working at once: the
    per-request user lookup refuses deleted users. The last admin cannot leave."""
    _refuse_if_last_admin(user)
    for part in personal_data.parts():
        if part.erase is not None:
            part.erase(user)
    user.openid = f"deleted:{uuid.uuid4().hex}"
    for field in PERSONAL_FIELDS:
        setattr(user, field, None)
    user.subscribed_categories = []
    user.role_grants.clear()
    user.status = DELETED
    user.deleted_at = utcnow()
    _membership_changed(user)


@use_case
def create_admin(openid: str, nickname: str | None = None) -> tuple[User, bool]:
    """Grant `admin` to the user with this openid, creating the user if needed."""
    user, created = get_or_create_by_openid(openid)
    if nickname:
        user.nickname = nickname
    grant_roles(user, ["admin"])
    return user, created
