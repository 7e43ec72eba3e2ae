"""Where workers share the WeChat access token: Redis when set, else the database.

Both stores offer the same three operations. `acquire_lease` is a conditional write
(Redis `SET NX PX`, SQL `UPDATE … WHERE lease is free`), so exactly one worker at a
time refreshes the token while the others wait for it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from miniapp_api.redis_store import redis_store
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow
from miniapp_api.wechat.models import WeChatToken


class TokenStore(Protocol):
    def get(self, name: str) -> str | None: ...

    def acquire_lease(self, name: str, owner: str, seconds: float) -> bool: ...

    def store(self, name: str, value: str, expires_at: datetime) -> None: ...

    def release_lease(self, name: str, owner: str) -> None: ...


# Delete the lease only if it is still ours: a worker whose lease ran out must not end
# the lease of the worker that took over.
_RELEASE_IF_OWNER = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisTokenStore:
    def get(self, name: str) -> str | None:
        return redis_store.client.get(redis_store.key("wechat", name))

    def acquire_lease(self, name: str, owner: str, seconds: float) -> bool:
        key = redis_store.key("wechat", name, "lease")
        return bool(redis_store.client.set(key, owner, nx=True, px=int(seconds * 1000)))

    def store(self, name: str, value: str, expires_at: datetime) -> None:
        ttl = int((expires_at - utcnow()).total_seconds())
        if ttl > 0:  # an already expired value is not worth keeping
            redis_store.client.set(redis_store.key("wechat", name), value, ex=ttl)

    def release_lease(self, name: str, owner: str) -> None:
        key = redis_store.key("wechat", name, "lease")
        redis_store.client.eval(_RELEASE_IF_OWNER, 1, key, owner)


class DatabaseTokenStore:
    """Runs on its own connection and short transactions, apart from the request's
    session, so a refresh never commits or rolls back anything of the caller's."""

    table = WeChatToken.__table__

    def get(self, name: str) -> str | None:
        with db.engine.connect() as conn:
            row = conn.execute(
                select(self.table.c.value, self.table.c.expires_at).where(self.table.c.name == name)
            ).first()
        if row is None or row.value is None or row.expires_at is None:
            return None
        return row.value if row.expires_at > utcnow() else None

    def acquire_lease(self, name: str, owner: str, seconds: float) -> bool:
        self._ensure_row(name)
        now = utcnow()
        with db.engine.begin() as conn:
            result = conn.execute(
                update(self.table)
                .where(self.table.c.name == name)
                .where(or_(self.table.c.lease_until.is_(None), self.table.c.lease_until < now))
                .values(lease_until=now + timedelta(seconds=seconds), lease_owner=owner)
            )
        return result.rowcount == 1

    def store(self, name: str, value: str, expires_at: datetime) -> None:
        with db.engine.begin() as conn:
            conn.execute(
                update(self.table)
                .where(self.table.c.name == name)
                .values(value=value, expires_at=expires_at)
            )

    def release_lease(self, name: str, owner: str) -> None:
        with db.engine.begin() as conn:
            conn.execute(
                update(self.table)
                .where(self.table.c.name == name, self.table.c.lease_owner == owner)
                .values(lease_until=None, lease_owner=None)
            )

    def _ensure_row(self, name: str) -> None:
        try:
            with db.engine.begin() as conn:
                exists = conn.execute(
                    select(self.table.c.name).where(self.table.c.name == name)
                ).first()
                if exists is None:
                    conn.execute(insert(self.table).values(name=name))
        except IntegrityError:
            pass  # another worker created it first
