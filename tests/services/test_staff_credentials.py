"""Console credentials: `flask users set-password` / `totp`, the lockout, TOTP, and what the
audit log and the export keep (never a secret)."""

from __future__ import annotations

import json

import pyotp
import pytest
from sqlalchemy import select

from miniapp_api.audit.models import AuditEntry
from miniapp_api.staff import service as staff
from miniapp_api.staff.models import StaffCredential
from miniapp_api.storage import db
from miniapp_api.users import service as users
from miniapp_api.users.models import User
from tests.factories import UserFactory

PASSWORD = "Cixi-anti-fraud-2026"


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def officer(app_ctx):
    return UserFactory(roles=["admin"], nickname="李警官")


def entries() -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_set_password_prompts_twice_and_stores_an_argon2id_hash(runner, officer, clock):
    result = runner.invoke(
        args=["users", "set-password", str(officer.id), "--login", "liwei"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "signs in to the console as 'liwei'" in result.output
    credential = db.session.get(StaffCredential, officer.id)
    assert credential.login == "liwei"
    assert credential.password_hash.startswith("$argon2id$")
    assert PASSWORD not in credential.password_hash
    db.session.expire_all()
    assert db.session.get(User, officer.id).password_changed_at == clock.now()
    (entry,) = entries()
    assert (entry.action, entry.via, entry.actor_id) == ("password.set", "cli", None)
    assert entry.changes == {"login": [None, "liwei"]}
    assert PASSWORD not in json.dumps(entry.changes) + (entry.reason or "")


def test_set_password_refuses_mismatched_prompts_and_short_or_non_staff(runner, officer):
    mismatch = runner.invoke(
        args=["users", "set-password", str(officer.id)], input=f"{PASSWORD}\nother-password-1\n"
    )
    assert mismatch.exit_code != 0
    short = runner.invoke(
        args=["users", "set-password", str(officer.id), "--password-stdin"], input="short1\n"
    )
    assert short.exit_code != 0 and "密码长度" in short.output
    resident = UserFactory()
    refused = runner.invoke(
        args=["users", "set-password", str(resident.id), "--password-stdin"],
        input=f"{PASSWORD}\n",
    )
    assert refused.exit_code != 0 and "admin 或 station_admin" in refused.output
    assert db.session.scalar(select(StaffCredential)) is None
    assert entries() == []


def test_totp_enable_prints_the_secret_once_and_audits_without_it(runner, officer):
    runner.invoke(
        args=["users", "set-password", str(officer.id), "--password-stdin"], input=f"{PASSWORD}\n"
    )
    result = runner.invoke(args=["users", "totp", str(officer.id), "--enable"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    secret = db.session.get(StaffCredential, officer.id).totp_secret
    assert f"secret: {secret}" in result.output and "otpauth://totp/" in result.output
    assert [e.action for e in entries()] == ["password.set", "totp.enable"]
    assert secret not in json.dumps([e.changes for e in entries()])
    off = runner.invoke(args=["users", "totp", str(officer.id), "--disable"])
    assert off.exit_code == 0 and "TOTP disabled" in off.output
    db.session.expire_all()
    assert db.session.get(StaffCredential, officer.id).totp_secret is None


def _with_password(user: User, login: str | None = None) -> None:
    staff.set_password(user.id, PASSWORD, login, None)


def test_five_wrong_passwords_lock_for_fifteen_minutes(officer, clock):
    _with_password(officer, "liwei")
    for attempt in range(4):
        assert staff.check_password("liwei", "wrong-password-x").error == staff.WRONG, attempt
    fifth = staff.check_password("liwei", "wrong-password-x")
    assert "已锁定" in fifth.error and "10:15" in fifth.error  # 10:00 in Shanghai + 15 min
    sixth = staff.check_password("liwei", PASSWORD)
    assert sixth.user is None and "已锁定" in sixth.error
    clock.advance(minutes=14, seconds=59)
    assert staff.check_password("liwei", PASSWORD).user is None
    clock.advance(seconds=1)
    assert staff.check_password("liwei", PASSWORD).user.id == officer.id


def test_sign_in_by_user_id_and_same_message_for_unknown_names(officer):
    _with_password(officer)
    assert staff.check_password(str(officer.id), PASSWORD).user.id == officer.id
    assert staff.check_password("nobody", PASSWORD).error == staff.WRONG
    assert staff.check_password(str(officer.id), "wrong-password-x").error == staff.WRONG


def test_a_demoted_officer_cannot_sign_in_and_their_sessions_end(officer, clock):
    _with_password(officer)
    other_admin = UserFactory(roles=["admin"])
    from miniapp_api.zones import admin_service as zones_admin

    zones_admin.revoke_role(officer.id, "admin", other_admin)
    db.session.expire_all()
    user = db.session.get(User, officer.id)
    assert user.sessions_valid_after == clock.now()
    assert staff.check_password(str(officer.id), PASSWORD).error == staff.WRONG


def test_totp_step_accepts_a_current_code_once(officer, clock):
    _with_password(officer)
    secret = staff.set_totp(officer.id, True, None)
    first = staff.check_password(str(officer.id), PASSWORD)
    assert first.needs_totp and first.user.id == officer.id
    code = pyotp.TOTP(secret).at(clock.now())
    assert staff.check_totp(officer.id, "000000" if code != "000000" else "111111").error
    assert staff.check_totp(officer.id, code).user.id == officer.id
    assert staff.check_totp(officer.id, code).error == staff.WRONG_CODE  # replayed


def test_the_export_shows_the_sign_in_without_secrets_and_deletion_erases_it(officer):
    _with_password(officer, "liwei")
    secret = staff.set_totp(officer.id, True, None)
    UserFactory(roles=["admin"])  # not the last admin
    exported = users.export_data(db.session.get(User, officer.id))["console_sign_in"]
    assert exported["login"] == "liwei" and exported["totp_enabled"] is True
    assert secret not in json.dumps(exported, default=str)
    assert "argon2" not in json.dumps(exported, default=str)
    users.delete_account(db.session.get(User, officer.id))
    assert db.session.get(StaffCredential, officer.id) is None
