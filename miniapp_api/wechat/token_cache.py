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

from miniapp_api.db import utcnow
from miniapp_api.extensions import db, redis_store
from miniapp_api.wechat.models import WeChatToken


class TokenStore(Protocol):
    def get(self, name: str) -> str | None: ...

    def acquire_lease(self, name: str, seconds: float) -> bool: ...

    def store(self, name: str, value: str, expires_at: datetime) -> None: ...

    def release_lease(self, name: str) -> None: ...


class RedisTokenStore:
    def get(self, name: str) -> str | None:
        return redis_store.client.get(redis_store.key("wechat", name))

    def acquire_lease(self, name: str, seconds: float) -> bool:
        key = redis_store.key("wechat", name, "lease")
        return bool(redis_store.client.set(key, "1", nx=True, px=int(seconds * 1000)))

    def store(self, name: str, value: str, expires_at: datetime) -> None:
        ttl = max(1, int((expires_at - utcnow()).total_seconds()))
        redis_store.client.set(redis_store.key("wechat", name), value, ex=ttl)

    def release_lease(self, name: str) -> None:
        redis_store.client.delete(redis_store.key("wechat", name, "lease"))


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

    def acquire_lease(self, name: str, seconds: float) -> bool:
        self._ensure_row(name)
        now = utcnow()
        with db.engine.begin() as conn:
            result = conn.execute(
                update(self.table)
                .where(self.table.c.name == name)
                .where(or_(self.table.c.lease_until.is_(None), self.table.c.lease_until < now))
                .values(lease_until=now + timedelta(seconds=seconds))
            )
        return result.rowcount == 1

    def store(self, name: str, value: str, expires_at: datetime) -> None:
        with db.engine.begin() as conn:
            conn.execute(
                update(self.table)
                .where(self.table.c.name == name)
                .values(value=value, expires_at=expires_at)
            )

    def release_lease(self, name: str) -> None:
        with db.engine.begin() as conn:
            conn.execute(
                update(self.table).where(self.table.c.name == name).values(lease_until=None)
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
