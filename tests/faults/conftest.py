"""Fault tests: they start, break and stop their own Redis, PostgreSQL and WeChat.

They run in CI's second pass (DATABASE_URL and REDIS_URL set, so the server programs are
installed) and skip otherwise, or when `redis-server` or PostgreSQL's programs are missing.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from miniapp_api import create_app
from miniapp_api.config import TestConfig
from miniapp_api.storage import db
from tests.conftest import make_config
from tests.faults.servers import FakeWeChat, PrivatePostgres, PrivateRedis, postgres_bin


def pytest_collection_modifyitems(config, items):
    settings = TestConfig()
    second_pass = (settings.SQLALCHEMY_DATABASE_URI or "").startswith("postgresql") and bool(
        settings.REDIS_URL
    )
    skip = pytest.mark.skip(
        reason="fault tests run in CI's second pass: set DATABASE_URL (PostgreSQL) and REDIS_URL"
    )
    for item in items:
        if item.get_closest_marker("faults") is not None and not second_pass:
            item.add_marker(skip)


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis()
    server.start()
    yield server
    server.close()


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    """A migrated private cluster, shared by the module's tests."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    server = PrivatePostgres(bin_dir)
    try:
        server.create()
        app = create_app(make_config(server.url))
        with app.app_context():
            upgrade()
            db.engine.dispose()
        yield server
    finally:
        server.close()


@pytest.fixture
def fake_wechat() -> Iterator[FakeWeChat]:
    server = FakeWeChat()
    yield server
    server.close()


@pytest.fixture
def serve():
    """Serve an app on a real threaded HTTP server on a free port: `serve(app)` -> URL."""
    servers = []

    def start(app) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server, thread in servers:
        server.shutdown()
        thread.join(timeout=5)
