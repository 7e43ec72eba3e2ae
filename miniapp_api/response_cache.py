"""Shared answers to public reads: the article list, an article, the fraud types and the
warnings are the same bytes for every reader, so each worker keeps them serialized
(Flask-Caching's in-process store) and answers a repeat without the database.

An answer is stored under its path, its query string, what it varies by (the warnings: the
reader's zones) and the content's version. The version is read from the database by a
function the app registers (the articles domain knows what public content is), at most
once every `PUBLIC_CACHE_CHECK_SECONDS` per worker, and again when the next scheduled
change it reports (a publication time, an expiry) has come. So a publication is seen by
every worker within that interval, a scheduled one on time, and nothing needs deleting: an
old version's answers are never asked for again and age out (`PUBLIC_CACHE_SECONDS`).

Answers carry an ETag; a client repeating it in If-None-Match gets 304 without a body.
When the version cannot be read (the database is down), the last known one stands, so the
stored answers keep being served.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps

from flask import Flask, current_app, request
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from miniapp_api.extensions import cache
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow

log = logging.getLogger(__name__)
EXTENSION = "shared_responses"
MAX_BODY_BYTES = 512 * 1024

# The app's reader of the content version: the version (anything comparable) and the
# time of the next change already scheduled, if any.
VersionReader = Callable[[Connection], tuple[Hashable, datetime | None]]


class ContentVersion:
    """The content's version as one worker last read it."""

    def __init__(self, read: VersionReader, interval: float):
        self._read, self._interval = read, interval
        self.token: str | None = None
        self._read_at = float("-inf")
        self._next_change: datetime | None = None

    def current(self) -> str | None:
        """The version's token, read again when due; None before any read succeeded."""
        now = time.monotonic()
        due = now - self._read_at >= self._interval
        if due or (self._next_change is not None and utcnow() >= self._next_change):
            self._read_at = now  # a failed read is retried after the interval, not per request
            try:
                with db.engine.connect() as connection:
                    version, self._next_change = self._read(connection)
            except SQLAlchemyError:
                log.warning("content version unreadable; the stored answers stand")
                return self.token
            # The next change is part of the token: once its time passes, what readers see
            # differs though no row was written.
            seen = repr((version, self._next_change)).encode()
            self.token = hashlib.blake2b(seen, digest_size=8).hexdigest()
        return self.token


def init_app(app: Flask, read_version: VersionReader) -> None:
    """Keep shared answers for this app (PUBLIC_CACHE_SECONDS=0 turns them off)."""
    ttl = app.config["PUBLIC_CACHE_SECONDS"]
    cache.init_app(
        app,
        config={
            "CACHE_TYPE": "SimpleCache",
            "CACHE_DEFAULT_TIMEOUT": ttl,
            "CACHE_THRESHOLD": app.config["PUBLIC_CACHE_ENTRIES"],
        },
    )
    if ttl > 0:
        app.extensions[EXTENSION] = ContentVersion(
            read_version, app.config["PUBLIC_CACHE_CHECK_SECONDS"]
        )


@dataclass(frozen=True)
class _Answer:
    body: bytes
    etag: str


def shared(vary: Callable[[], Hashable] | None = None, when: Callable[[], bool] | None = None):
    """Serve a GET view's 200 answers from the shared store. `vary` names what else
    the answer depends on (computed per request); `when` says whether this request's
    answer may be shared at all (say, only without a token)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            version = current_app.extensions.get(EXTENSION)
            token = version.current() if version is not None else None
            if token is None or (when is not None and not when()):
                return view(*args, **kwargs)
            key = _key(token, vary() if vary is not None else None)
            answer = cache.get(key)
            if answer is None:
                response = current_app.make_response(view(*args, **kwargs))
                if not _storable(response):
                    return response
                answer = _Answer(response.get_data(), _etag(response.get_data()))
                cache.set(key, answer)
            return _respond(answer)

        return wrapper

    return decorate


def _key(token: str, variant: Hashable) -> str:
    query = request.query_string.decode("latin-1")
    return f"shared:{token}:{request.path}?{query}#{variant!r}"


def _storable(response) -> bool:
    return (
        response.status_code == 200
        and response.mimetype == "application/json"
        and not response.direct_passthrough
        and len(response.get_data()) <= MAX_BODY_BYTES
    )


def _etag(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=12).hexdigest()


def _respond(answer: _Answer):
    """The answer, or 304 without a body when the client holds it already."""
    unchanged = answer.etag in request.if_none_match
    response = current_app.response_class(
        None if unchanged else answer.body, 304 if unchanged else 200, mimetype="application/json"
    )
    response.set_etag(answer.etag)
    # Clients may keep the answer but must ask again (cheaply, with If-None-Match).
    response.headers["Cache-Control"] = "no-cache"
    return response
