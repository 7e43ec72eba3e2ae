"""Console credentials: setting a password (argon2id) and a login name, TOTP on and off
(operators' commands, audited with no secret in the entry), and checking a sign-in.

Five wrong passwords (or TOTP codes) in a row lock the account for 15 minutes; while it
is locked even the right password is refused, and the message says when to retry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from miniapp_api.audit.service import audited, record
from miniapp_api.errors import NotFound
from miniapp_api.input_guard import MAX_ID
from miniapp_api.staff.errors import NotStaff, invalid
from miniapp_api.staff.models import STAFF_ROLES, StaffCredential
from miniapp_api.staff.tickets import confirm_ticket
from miniapp_api.storage import db, use_case
from miniapp_api.timeutil import app_timezone, utcnow
from miniapp_api.users.models import ACTIVE, User

MAX_FAILURES = 5
LOCK_TIME = timedelta(minutes=15)
MIN_PASSWORD, MAX_PASSWORD = 10, 128
LOGIN_NAME = re.compile(r"[a-z][a-z0-9_.-]{2,31}", re.ASCII)
TOTP_ISSUER = "防骗我最牛·民警工作台"
WRONG = "用户名或密码错误"
WRONG_CODE = "动态验证码错误或已使用"
__all__ = ["STAFF_ROLES", "confirm_ticket"]  # re-exported for the routes

hasher = PasswordHasher()  # argon2id with the library's recommended parameters
# Verified when no account matches, so that an unknown name takes as long as a wrong password.
DUMMY_HASH = hasher.hash("not-a-password")


@dataclass(frozen=True)
class Attempt:
    """The outcome of a sign-in step: the user on success, else a message to show."""

    user: User | None = None
    needs_totp: bool = False
    error: str | None = None


def credential_of(user_id: int, *, lock: bool = False) -> StaffCredential | None:
    query = select(StaffCredential).where(StaffCredential.user_id == user_id)
    return db.session.scalar(query.with_for_update() if lock else query)


def _staff(user: User) -> None:
    if user.status != ACTIVE or not user.has_role(*STAFF_ROLES):
        raise NotStaff("该账号不是在岗的管理人员（admin 或 station_admin），请先授予角色")


def _check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise invalid("password", f"密码长度须为 {MIN_PASSWORD}–{MAX_PASSWORD} 个字符")
    if password.isdigit() or password.isalpha():
        raise invalid("password", "密码不能只有数字或只有字母")


def _check_login(login: str, user_id: int) -> None:
    if not LOGIN_NAME.fullmatch(login):
        raise invalid("login", "登录名须为 3–32 位小写字母、数字或 _.-，以字母开头")
    taken = db.session.scalar(
        select(StaffCredential.user_id).where(
            StaffCredential.login == login, StaffCredential.user_id != user_id
        )
    )
    if taken is not None:
        raise invalid("login", "该登录名已被使用")


@audited
def set_password(user_id: int, password: str, login: str | None, actor: User | None) -> User:
    """Set a staff member's console password (and login name, when given); every console
    session of theirs ends at once. The failed attempts and any lock are cleared."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在")
    _staff(user)
    _check_password(password)
    credential = credential_of(user.id, lock=True) or StaffCredential(user_id=user.id)
    before = credential.login
    if login is not None:
        _check_login(login, user.id)
        credential.login = login
    credential.password_hash = hasher.hash(password)
    credential.failed_attempts, credential.locked_until = 0, None
    db.session.add(credential)
    user.password_changed_at = utcnow()
    changes = {"login": [before, credential.login]} if before != credential.login else {}
    record(actor, "password.set", "user", user.id, zone_id=user.zone_id, changes=changes)
    return user


@audited
def set_totp(user_id: int, enable: bool, actor: User | None) -> str | None:
    """Turn TOTP on (a new secret, returned once) or off for a staff member."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在")
    _staff(user)
    credential = credential_of(user.id, lock=True)
    if credential is None or credential.password_hash is None:
        raise invalid("password", "请先设置密码（flask users set-password）")
    before = credential.totp_secret is not None
    credential.totp_secret = pyotp.random_base32() if enable else None
    credential.totp_last_step = None
    action = "totp.enable" if enable else "totp.disable"
    changes = {"totp": [before, enable]}
    record(actor, action, "user", user.id, zone_id=user.zone_id, changes=changes)
    return credential.totp_secret


def provisioning_uri(user: User, secret: str) -> str:
    credential = credential_of(user.id)
    name = (credential.login if credential else None) or f"user-{user.id}"
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=TOTP_ISSUER)


def find_staff(name: str) -> User | None:
    """The account a sign-in names: its login name, or its user id."""
    name = name.strip()
    user_id = db.session.scalar(
        select(StaffCredential.user_id).where(StaffCredential.login == name.lower())
    )
    if user_id is None and name.isdigit() and int(name) <= MAX_ID:
        user_id = int(name)
    return db.session.get(User, user_id) if user_id is not None else None


def locked_message(credential: StaffCredential) -> str:
    until = credential.locked_until.astimezone(app_timezone())
    return f"密码错误次数过多，账号已锁定，请于 {until:%H:%M} 后再试（北京时间）"


def _locked(credential: StaffCredential) -> bool:
    return credential.locked_until is not None and credential.locked_until > utcnow()


def _fail(credential: StaffCredential, message: str) -> Attempt:
    credential.failed_attempts += 1
    if credential.failed_attempts >= MAX_FAILURES:
        credential.failed_attempts, credential.locked_until = 0, utcnow() + LOCK_TIME
        return Attempt(error=locked_message(credential))
    return Attempt(error=message)


@use_case
def check_password(name: str, password: str) -> Attempt:
    """The first sign-in step. A wrong password counts towards the lock; so does one for a
    locked account. An unknown name or a non-staff account gets the same message."""
    user = find_staff(name)
    credential = credential_of(user.id, lock=True) if user is not None else None
    if credential is None or credential.password_hash is None:
        _verify(DUMMY_HASH, password)
        return Attempt(error=WRONG)
    if _locked(credential):
        return Attempt(error=locked_message(credential))
    if not _verify(credential.password_hash, password):
        return _fail(credential, WRONG)
    if user.status != ACTIVE or not user.has_role(*STAFF_ROLES):
        return Attempt(error=WRONG)
    if hasher.check_needs_rehash(credential.password_hash):
        credential.password_hash = hasher.hash(password)
    if credential.totp_secret:
        return Attempt(user=user, needs_totp=True)
    credential.failed_attempts = 0
    return Attempt(user=user)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@use_case
def check_totp(user_id: int, code: str) -> Attempt:
    """The second step, for an account with TOTP: a current code (one step of clock drift
    either way), each accepted once."""
    user = db.session.get(User, user_id)
    credential = credential_of(user_id, lock=True)
    if user is None or credential is None or not credential.totp_secret:
        return Attempt(error=WRONG)
    if _locked(credential):
        return Attempt(error=locked_message(credential))
    step = _matching_step(credential.totp_secret, code.strip())
    if step is None or step <= (credential.totp_last_step or -1):
        return _fail(credential, WRONG_CODE)
    credential.totp_last_step, credential.failed_attempts = step, 0
    return Attempt(user=user)


def _matching_step(secret: str, code: str) -> int | None:
    totp = pyotp.TOTP(secret)
    current = totp.timecode(utcnow())
    for step in (current - 1, current, current + 1):
        if code.isdigit() and pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def export_credentials(user: User) -> dict | None:
    """The console sign-in the user has (never the hash or the TOTP secret)."""
    credential = credential_of(user.id)
    if credential is None:
        return None
    return {
        "login": credential.login,
        "password_set": credential.password_hash is not None,
        "totp_enabled": credential.totp_secret is not None,
        "password_changed_at": user.password_changed_at,
    }


def forget_credentials(user: User) -> None:
    """Erase the user's console sign-in (a step of the account's deletion)."""
    db.session.execute(delete(StaffCredential).where(StaffCredential.user_id == user.id))
