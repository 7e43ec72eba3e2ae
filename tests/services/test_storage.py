"""Database settings that the rest of the code relies on."""

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from miniapp_api.storage import db
from miniapp_api.users.models import User, UserRole
from tests.factories import UserFactory


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


def test_a_connection_lost_after_the_answer_does_not_turn_it_into_a_500(
    app, auth_headers, monkeypatch
):
    """Found by the PostgreSQL restart fault test: the database dropped the connection
    after `GET /me` had its answer, the session's closing rollback failed in Flask's
    teardown, and the 200 became a 500. The connection is discarded, the answer stands."""
    with app.app_context():  # the request gets its own app context, torn down after it
        user = UserFactory()
        user_id, headers = user.id, auth_headers(user)
    close = Session.close
    failures = []

    def close_on_a_dropped_connection(session):
        if not failures:
            failures.append(session)
            lost = psycopg.OperationalError("terminating connection due to administrator command")
            raise OperationalError("ROLLBACK", {}, lost)
        close(session)

    with monkeypatch.context() as patch:
        patch.setattr(Session, "close", close_on_a_dropped_connection)
        response = app.test_client().get("/api/v1/me", headers=headers)
    assert failures, "the closing rollback failed"
    assert response.status_code == 200
    assert response.get_json()["id"] == user_id
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 200
