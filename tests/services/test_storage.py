"""Database settings that the rest of the code relies on."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from miniapp_api.storage import db
from miniapp_api.users.models import User, UserRole


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(app_ctx, is_postgres):
    """SQLite connections get WAL, enforced foreign keys and the configured busy timeout."""
    if is_postgres:
        pytest.skip("SQLite pragmas; PostgreSQL has these natively")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        busy = conn.execute(text("PRAGMA busy_timeout")).scalar()
    assert busy == app_ctx.config["SQLITE_BUSY_TIMEOUT_MS"]


def test_foreign_keys_are_enforced(app_ctx):
    """A role for a user that does not exist is refused by the database itself."""
    with pytest.raises(IntegrityError):
        db.session.add(UserRole(user_id=987654, role="admin"))
        db.session.commit()
    db.session.rollback()


def test_points_balance_cannot_go_negative_in_the_database(app_ctx, make_user):
    """The CHECK constraint guards the cached balance even against buggy code."""
    user = make_user()
    with pytest.raises(IntegrityError):
        db.session.execute(
            User.__table__.update().where(User.id == user.id).values(points_balance=-1)
        )
        db.session.commit()
    db.session.rollback()
