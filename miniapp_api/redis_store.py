"""Optional Redis: a client when REDIS_URL is set, `None` otherwise.

Redis is a cache and an accelerator; the database stays the source of truth, so
every caller has a path that works without it. The client belongs to the app
(`app.extensions`), so apps with different settings can live side by side.
"""

from __future__ import annotations

import redis
from flask import Flask, current_app

EXTENSION_KEY = "redis_store"


class RedisStore:
    def init_app(self, app: Flask) -> None:
        url = app.config.get("REDIS_URL")
        client = (
            redis.Redis.from_url(
                url,
                socket_timeout=2,
                socket_connect_timeout=2,
                health_check_interval=30,
                decode_responses=True,
            )
            if url
            else None
        )
        app.extensions[EXTENSION_KEY] = (client, app.config["REDIS_KEY_PREFIX"])

    @property
    def client(self) -> redis.Redis | None:
        return current_app.extensions[EXTENSION_KEY][0]

    @property
    def enabled(self) -> bool:
        return self.client is not None

    def key(self, *parts: object) -> str:
        prefix = current_app.extensions[EXTENSION_KEY][1]
        return prefix + ":".join(str(part) for part in parts)


redis_store = RedisStore()
