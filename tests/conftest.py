"""Fixtures: a migrated database (SQLite file, or PostgreSQL when DATABASE_URL is set),
a fresh app per test with empty tables, real tokens, a live server for race tests.

Tests marked `postgres` or `redis` skip when that server is not configured. When it
is configured but unreachable they fail: the session fixture errors, nothing skips.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
import redis
import sqlalchemy as sa
from flask import Flask, request
from flask_migrate import upgrade
from werkzeug.serving import make_server

from miniapp_api import create_app
from miniapp_api.auth.tokens import issue_token_pair
from miniapp_api.config import TestConfig
from miniapp_api.storage import db
from miniapp_api.timeutil import install_clock
from miniapp_api.users.models import User
from tests.factories import UserFactory
from tests.helpers import FrozenClock


def _base_config() -> TestConfig:
    return TestConfig()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = _base_config().SQLALCHEMY_DATABASE_URI
    if url is None:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    name = sa.make_url(url).database or ""
    if "test" not in name and not url.startswith("sqlite"):
        pytest.exit(
            f"refusing to run tests against database {name!r}: its name must contain 'test'",
            returncode=2,
        )
    return url


@pytest.fixture(scope="session")
def is_postgres(database_url) -> bool:
    return database_url.startswith("postgresql")


def make_config(database_url: str, **overrides) -> TestConfig:
    config = _base_config()
    config.SQLALCHEMY_DATABASE_URI = database_url
    prefix = f"test:{uuid.uuid4().hex[:12]}:"
    config.REDIS_KEY_PREFIX = prefix
    config.RATELIMIT_KEY_PREFIX = f"{prefix}rl"
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


@pytest.fixture(scope="session")
def migrated_database(database_url, is_postgres) -> str:
    """Empty the test database and build the schema from the migrations alone."""
    app = create_app(make_config(database_url))
    with app.app_context():
        client = app.extensions["redis_store"][0]
        if client is not None:
            client.ping()  # configured but unreachable: fail the run, never skip
        with db.engine.begin() as conn:
            if is_postgres:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
            else:
                db.metadata.drop_all(conn)
                conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        db.engine.dispose()
    return database_url


def _empty_tables() -> None:
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            # A table that points at itself (zones' parents): cut the links first, since
            # SQLite checks such a foreign key row by row.
            own = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
            if own:
                conn.execute(table.update().values(dict.fromkeys(own)))
            conn.execute(table.delete())


def _drop_redis_keys(app: Flask) -> None:
    client, prefix = app.extensions["redis_store"]
    if client is None:
        return
    try:
        keys = list(client.scan_iter(f"{prefix}*"))
    except redis.ConnectionError:
        return  # a test pointed this app at an unreachable Redis on purpose
    if keys:
        client.delete(*keys)


class AppFactory:
    """Builds apps with config overrides for one test; `use_clock` gives every app of
    the test (built before or after) the same clock."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self.apps: list[Flask] = []
        self.clock: FrozenClock | None = None

    def __call__(self, **overrides) -> Flask:
        app = create_app(make_config(self.database_url, **overrides))
        _forbid_session_key_in_responses(app)
        if self.clock is not None:
            install_clock(app, self.clock)
        self.apps.append(app)
        return app

    def use_clock(self, clock: FrozenClock) -> None:
        self.clock = clock
        for app in self.apps:
            install_clock(app, clock)


@pytest.fixture
def app_factory(migrated_database) -> Iterator[AppFactory]:
    """Build apps with config overrides; each is cleaned up after the test."""
    factory = AppFactory(migrated_database)
    yield factory
    for app in factory.apps:
        with app.app_context():
            db.session.remove()
            _empty_tables()
            _drop_redis_keys(app)
            db.engine.dispose()
        violations = app.extensions.get("session_key_leaks")
        assert not violations, f"responses leaked a session key: {violations}"


SESSION_KEY_MARKERS = (b"session_key", b"fake-session-key")


def _forbid_session_key_in_responses(app: Flask) -> None:
    """No response of any test may carry WeChat's session key (its name or a value)."""
    leaks: list[str] = []
    app.extensions["session_key_leaks"] = leaks

    @app.after_request
    def check(response):
        if not response.direct_passthrough:
            body = response.get_data()  # bytes: images too
            markers = [marker for marker in SESSION_KEY_MARKERS if marker in body]
            # A value the request sent may come back (a 422 naming an unknown category the
            # fuzzer made up from the project's string constants): only more is a leak.
            sent = request.full_path.encode() + request.get_data() if markers else b""
            if any(body.count(marker) > sent.count(marker) for marker in markers):
                leaks.append(response.headers.get("X-Request-ID", "?"))
        return response


@pytest.fixture
def app(app_factory) -> Flask:
    return app_factory()


@pytest.fixture
def app_ctx(app) -> Iterator[Flask]:
    with app.app_context():
        yield app


@pytest.fixture
def clock(app_factory) -> FrozenClock:
    """The one clock of every app of the test, frozen at a Wednesday morning in Shanghai
    until the test moves it."""
    frozen = FrozenClock()
    app_factory.use_clock(frozen)
    return frozen


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app_ctx):
    def make(**kwargs) -> User:
        return UserFactory(**kwargs)

    return make


@pytest.fixture
def auth_headers(app):
    """Headers with a real access token for `user` (also returns the refresh token)."""

    def headers(user: User, *, refresh: bool = False) -> dict[str, str]:
        with app.app_context():
            tokens = issue_token_pair(db.session.merge(user))
        token = tokens["refresh_token" if refresh else "access_token"]
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app served by a real threaded HTTP server on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def pytest_collection_modifyitems(config, items):
    url = _base_config().SQLALCHEMY_DATABASE_URI or ""
    redis_url = _base_config().REDIS_URL
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (CI's second pass)")
    skip_redis = pytest.mark.skip(reason="needs Redis: set REDIS_URL (CI's second pass)")
    for item in items:
        if "postgres" in item.keywords and not url.startswith("postgresql"):
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not redis_url:
            item.add_marker(skip_redis)
