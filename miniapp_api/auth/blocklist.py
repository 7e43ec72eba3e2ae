"""The token blocklist: revoked login sessions, in the database only.

A logout is written in the logout's unit of work; every authenticated request checks
its session in the same query that loads its user (`tokens.token_revoked`), so a
revocation is effective at once and never depends on Redis being up, in step or
reachable: there is no cache that could answer "not revoked" for a revoked session.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, select

from miniapp_api.auth.models import RevokedSession
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow


def revoke(sid: str, expires_at: datetime, user_id: int | None = None) -> None:
    """Record the session as revoked (a step of the logout's unit of work)."""
    if db.session.get(RevokedSession, sid) is None:
        db.session.add(RevokedSession(sid=sid, user_id=user_id, expires_at=expires_at))
    # Opportunistic clean-up keeps the table at the size of the last 30 days' logouts.
    db.session.execute(delete(RevokedSession).where(RevokedSession.expires_at < utcnow()))


def revoked(sid: str):
    """An SQL expression: true when the session `sid` was revoked."""
    return exists().where(RevokedSession.sid == sid)


def is_revoked(sid: str) -> bool:
    return bool(db.session.scalar(select(revoked(sid))))
