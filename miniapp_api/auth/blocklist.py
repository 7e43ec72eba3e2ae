"""Token blocklist: the database is the source of truth, Redis answers fast when set.

Revocations are written to both. Redis is trusted for a "not revoked" answer only
while its `ready` marker exists, i.e. after it was loaded from the database since its
last restart or flush; without the marker, it is reloaded first. Any Redis error falls
back to the database.
"""

from __future__ import annotations

import logging
from datetime import datetime

import redis
from sqlalchemy import delete, select

from miniapp_api.auth.models import RevokedSession
from miniapp_api.redis_store import redis_store
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow

log = logging.getLogger(__name__)


def _key(sid: str) -> str:
    return redis_store.key("revoked", sid)


def _ready_key() -> str:
    return redis_store.key("revoked", "ready")


def _ttl_seconds(expires_at: datetime) -> int:
    return max(1, int((expires_at - utcnow()).total_seconds()) + 1)


def revoke(sid: str, expires_at: datetime, user_id: int | None = None) -> None:
    """Record the session as revoked. The caller commits."""
    if db.session.get(RevokedSession, sid) is None:
        db.session.add(RevokedSession(sid=sid, user_id=user_id, expires_at=expires_at))
    # Opportunistic clean-up keeps the table at the size of the last 30 days' logouts.
    db.session.execute(delete(RevokedSession).where(RevokedSession.expires_at < utcnow()))


def publish(sid: str, expires_at: datetime) -> None:
    """Copy a committed revocation to Redis (no-op without Redis)."""
    if not redis_store.enabled:
        return
    try:
        redis_store.client.set(_key(sid), "1", ex=_ttl_seconds(expires_at))
    except redis.RedisError:
        log.warning("could not publish a revocation to Redis; the database still has it")


def is_revoked(sid: str) -> bool:
    if redis_store.enabled:
        try:
            return _is_revoked_in_redis(sid)
        except redis.RedisError:
            log.warning("Redis unavailable for the token blocklist; asking the database")
    return _is_revoked_in_db(sid)


def _is_revoked_in_db(sid: str) -> bool:
    expires_at = db.session.scalar(
        select(RevokedSession.expires_at).where(RevokedSession.sid == sid)
    )
    return expires_at is not None


def _is_revoked_in_redis(sid: str) -> bool:
    client = redis_store.client
    revoked, ready = client.mget(_key(sid), _ready_key())
    if revoked:
        return True
    if ready:
        return False
    _load_redis_from_db()
    return _is_revoked_in_db(sid)


def _load_redis_from_db() -> None:
    rows = db.session.execute(
        select(RevokedSession.sid, RevokedSession.expires_at).where(
            RevokedSession.expires_at > utcnow()
        )
    ).all()
    pipe = redis_store.client.pipeline(transaction=False)
    for sid, expires_at in rows:
        pipe.set(_key(sid), "1", ex=_ttl_seconds(expires_at))
    pipe.set(_ready_key(), "1")
    pipe.execute()
    log.info("token blocklist loaded into Redis (%d sessions)", len(rows))
