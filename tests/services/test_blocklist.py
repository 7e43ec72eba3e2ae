"""The token blocklist: database as the truth, Redis as the fast path."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from miniapp_api.auth import blocklist
from miniapp_api.auth.models import RevokedSession
from miniapp_api.redis_store import redis_store
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow


def revoke(sid: str, ttl: timedelta) -> None:
    blocklist.revoke(sid, utcnow() + ttl)
    db.session.commit()
    blocklist.publish(sid, utcnow() + ttl)


def test_revoked_sessions_are_found_and_others_are_not(app_ctx):
    """A revoked sid is revoked; any other is not."""
    revoke("sid-1", timedelta(hours=1))
    assert blocklist.is_revoked("sid-1")
    assert not blocklist.is_revoked("sid-2")


def test_expired_revocations_are_pruned(app_ctx):
    """Revocations past the refresh token's life are removed on the next revoke."""
    db.session.add(RevokedSession(sid="old", expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    revoke("new", timedelta(hours=1))
    assert db.session.scalars(select(RevokedSession.sid)).all() == ["new"]


@pytest.mark.redis
def test_redis_holds_revocations_with_a_ttl(app_ctx):
    """With Redis, a revocation is copied there and expires with the session."""
    revoke("sid-r", timedelta(minutes=10))
    client = redis_store.client
    ttl = client.ttl(redis_store.key("revoked", "sid-r"))
    assert 590 <= ttl <= 601


@pytest.mark.redis
def test_a_flushed_redis_is_reloaded_from_the_database(app_ctx):
    """After Redis loses its keys (restart, flush), revoked tokens stay revoked."""
    revoke("sid-a", timedelta(minutes=10))
    client = redis_store.client
    for key in client.scan_iter(redis_store.key("*")):
        client.delete(key)
    assert blocklist.is_revoked("sid-a")
    assert client.get(redis_store.key("revoked", "sid-a")) == "1"
    assert client.get(redis_store.key("revoked", "ready")) == "1"
    assert not blocklist.is_revoked("sid-b")
