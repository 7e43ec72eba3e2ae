"""Account use cases: find or create by openid, profile, roles, export and deletion."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from miniapp_api.articles.lookups import existing_category_slugs
from miniapp_api.db import utcnow
from miniapp_api.errors import Forbidden, NotFound, ValidationFailed
from miniapp_api.extensions import db
from miniapp_api.users.models import ACTIVE, BANNED, DELETED, GRANTED_ROLES, User, UserRole

# Other domains add their part of a user's data export and of account deletion here,
# so `users` needs no knowledge of them.
ExportSection = Callable[[User], Any]
DeletionHook = Callable[[User], None]
MembershipHook = Callable[[User], None]
_export_sections: dict[str, ExportSection] = {}
_deletion_hooks: list[DeletionHook] = []
_membership_hooks: list[MembershipHook] = []


def register_export_section(name: str, section: ExportSection) -> None:
    _export_sections[name] = section


def register_deletion_hook(hook: DeletionHook) -> None:
    _deletion_hooks.append(hook)


def register_membership_hook(hook: MembershipHook) -> None:
    """Called, in the transaction, after a user's roles or status changed."""
    if hook not in _membership_hooks:
        _membership_hooks.append(hook)


def _membership_changed(user: User) -> None:
    db.session.flush()
    for hook in _membership_hooks:
        hook(user)


def find_by_openid(openid: str) -> User | None:
    return db.session.scalar(select(User).where(User.openid == openid))


def get_or_create_by_openid(
    openid: str, *, session_key: str | None = None, unionid: str | None = None
) -> tuple[User, bool]:
    """The user with this openid, created on first login; commits.

    Concurrent first logins race on the unique openid: the loser's insert fails,
    it rolls back and reads the winner's row, so exactly one user exists.
    """
    user = find_by_openid(openid)
    created = False
    if user is None:
        user = User(openid=openid, unionid=unionid, wechat_session_key=session_key)
        db.session.add(user)
        try:
            db.session.commit()
            return user, True
        except IntegrityError:
            db.session.rollback()
            user = find_by_openid(openid)
            if user is None:
                raise
    if session_key is not None:
        user.wechat_session_key = session_key
    if unionid is not None:
        user.unionid = unionid
    user.last_login_at = utcnow()
    db.session.commit()
    return user, created


def grant_roles(user: User, roles: list[str], granted_by: User | None = None) -> None:
    """Add roles the user does not hold yet. The caller commits."""
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


def revoke_role(user: User, role: str) -> None:
    """Take a granted role away (effective at once: roles are read per request).
    The caller commits."""
    if role not in GRANTED_ROLES:
        raise ValidationFailed(errors={"json": {"role": [f"未知角色：{role}"]}})
    for grant in list(user.role_grants):
        if grant.role == role:
            user.role_grants.remove(grant)
    _membership_changed(user)


def set_status(user: User, status: str) -> None:
    """Ban or unban; commits. A ban refuses every token at once (403 ACCOUNT_BANNED)
    and for good: tokens issued before it stay dead after an unban. Banned users
    leave the leaderboards and return when unbanned."""
    if status not in (ACTIVE, BANNED):
        raise ValueError(status)
    if status == BANNED and user.status != BANNED:
        user.banned_at = utcnow()
    user.status = status
    _membership_changed(user)
    db.session.commit()


def change_status(user_id: int, status: str, actor: User) -> User:
    """An officer bans or unbans a user (not a deleted one, not themselves)."""
    user = db.session.get(User, user_id)
    if user is None or user.status == DELETED:
        raise NotFound("用户不存在")
    if user.id == actor.id:
        raise Forbidden("不能封禁或解封自己的账号")
    set_status(user, status)
    return user


def update_profile(user: User, changes: Mapping[str, Any]) -> User:
    """Apply the fields a user may change about themselves; commits."""
    changes = dict(changes)
    if "consent" in changes:
        consent = changes.pop("consent")
        if not consent:
            user.consent_at = None
        elif user.consent_at is None:
            user.consent_at = utcnow()
    if "subscribed_categories" in changes:
        changes["subscribed_categories"] = _known_categories(changes["subscribed_categories"])
    for field, value in changes.items():
        setattr(user, field, value)
    db.session.commit()
    return user


def _known_categories(slugs: list[str]) -> list[str]:
    unique = list(dict.fromkeys(slugs))
    unknown = sorted(set(unique) - existing_category_slugs(unique))
    if unknown:
        raise ValidationFailed(
            errors={"json": {"subscribed_categories": [f"未知的诈骗类型：{', '.join(unknown)}"]}}
        )
    return unique


def export_data(user: User) -> dict[str, Any]:
    """Everything stored about the user, except the WeChat session key."""
    data: dict[str, Any] = {
        "exported_at": utcnow(),
        "account": {
            "id": user.id,
            "openid": user.openid,
            "unionid": user.unionid,
            "nickname": user.nickname,
            "avatar_url": user.avatar_url,
            "age_group": user.age_group,
            "occupation": user.occupation,
            "district": user.district,
            "subscribed_categories": list(user.subscribed_categories or []),
            "points_balance": user.points_balance,
            "consent_at": user.consent_at,
            "status": user.status,
            "created_at": user.created_at,
            "last_login_at": user.last_login_at,
        },
        "roles": [
            {"role": grant.role, "granted_at": grant.granted_at} for grant in user.role_grants
        ],
    }
    for name, section in _export_sections.items():
        data[name] = section(user)
    return data


def delete_account(user: User) -> None:
    """Erase personal data and keep an anonymous row, so ledger totals stay true; commits.

    Every token of the account stops working at once: the per-request user lookup
    refuses deleted users.
    """
    for hook in _deletion_hooks:
        hook(user)
    user.openid = f"deleted:{uuid.uuid4().hex}"
    for field in (
        "unionid",
        "wechat_session_key",
        "nickname",
        "avatar_url",
        "age_group",
        "occupation",
        "district",
        "consent_at",
        "last_login_at",
    ):
        setattr(user, field, None)
    user.subscribed_categories = []
    user.role_grants.clear()
    user.status = DELETED
    user.deleted_at = utcnow()
    _membership_changed(user)
    db.session.commit()


def create_admin(openid: str, nickname: str | None = None) -> tuple[User, bool]:
    """Grant `admin` to the user with this openid, creating the user if needed."""
    user, created = get_or_create_by_openid(openid)
    if nickname:
        user.nickname = nickname
    grant_roles(user, ["admin"])
    db.session.commit()
    return user, created
