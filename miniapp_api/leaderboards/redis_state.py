"""Whether Redis can be trusted to answer for the leaderboards.

Redis's own "ready" marker is not enough: when Redis hangs, a lost update cannot even
remove the marker, and Redis answers again later, short of points. So a lost update is
also recorded in the database (`leaderboard_sync`), which every process checks (at most
every TRUST_CHECK_SECONDS); reads use SQL until `flask leaderboards rebuild` reloads
Redis and clears the record.
"""

from __future__ import annotations

import logging
import time

from flask import current_app
from sqlalchemy import delete, select

from miniapp_api.leaderboards.models import LeaderboardSync
from miniapp_api.storage import db, insert
from miniapp_api.timeutil import utcnow

log = logging.getLogger(__name__)

REDIS = "redis"
TRUST_CHECK_SECONDS = 2.0
_CACHE_KEY = "leaderboard_redis_lost"


def mark_lost() -> None:
    """Record that Redis missed an update (its own connection: after the commit)."""
    statement = (
        insert(LeaderboardSync)
        .values(backend=REDIS, lost_at=utcnow())
        .on_conflict_do_nothing(index_elements=["backend"])
    )
    with db.engine.begin() as connection:
        connection.execute(statement)
    current_app.extensions.pop(_CACHE_KEY, None)


def clear_lost() -> None:
    with db.engine.begin() as connection:
        connection.execute(delete(LeaderboardSync).where(LeaderboardSync.backend == REDIS))
    current_app.extensions.pop(_CACHE_KEY, None)


def lost() -> bool:
    """Whether Redis missed an update since it was last rebuilt (cached briefly)."""
    cached = current_app.extensions.get(_CACHE_KEY)
    now = time.monotonic()
    if cached is not None and now - cached[0] < TRUST_CHECK_SECONDS:
        return cached[1]
    with db.engine.connect() as connection:
        found = connection.execute(
            select(LeaderboardSync.lost_at).where(LeaderboardSync.backend == REDIS)
        ).first()
    current_app.extensions[_CACHE_KEY] = (now, found is not None)
    return found is not None
