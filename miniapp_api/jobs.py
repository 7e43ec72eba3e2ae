"""Background jobs with huey: everything that should not run inside a request.

One queue for the whole app. Its storage is a setting (`JOBS_BACKEND`): `redis` in
production (several consumers on several hosts share one queue), `sqlite` in
development (a file beside the database, so `make run` needs nothing more), and
`immediate` in tests (a job runs at once, in the caller's thread). A consumer process
is `flask jobs worker`.

Jobs are small and idempotent, take ids rather than objects, run in the app's context
and open their own units of work; huey retries them with a delay when they raise.
`enqueue` hands a job to the queue once the caller's unit of work has committed, so a
job never sees data that was rolled back. huey keeps its task registry per process
(its decorators); the app a consumer serves is bound once, by `flask jobs worker`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from functools import wraps
from pathlib import Path
from typing import Any

from flask import Flask, has_app_context
from huey import Huey, crontab
from huey.storage import RedisStorage, SqliteStorage

from miniapp_api.storage import after_commit, db, in_unit_of_work

log = logging.getLogger(__name__)

huey = Huey("miniapp", results=False, immediate=True, utc=True, storage_class=SqliteStorage)
_bound: dict[str, Flask] = {}

__all__ = ["bind", "crontab", "enqueue", "huey", "init_jobs", "job", "periodic"]


def init_jobs(app: Flask) -> None:
    """Point the queue at the app's storage; the last app configured wins (one app per
    process outside the tests, whose apps all run jobs immediately)."""
    backend = app.config["JOBS_BACKEND"]
    huey.name = f"{app.config['REDIS_KEY_PREFIX']}jobs"
    if backend == "redis":
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": app.config["REDIS_URL"]}
    elif backend == "sqlite":
        path = Path(app.config["JOBS_SQLITE_PATH"])
        path.parent.mkdir(parents=True, exist_ok=True)
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": str(path)}
    huey.immediate = backend == "immediate"
    if not huey.immediate:
        huey.storage = huey.create_storage()
    app.extensions["jobs"] = huey


def bind(app: Flask) -> None:
    """The app a consumer's jobs run in (set by `flask jobs worker`)."""
    _bound["app"] = app


def _context():
    if has_app_context():
        return nullcontext()
    return _bound["app"].app_context()


def _in_app(function: Callable) -> Callable:
    @wraps(function)
    def run(*args, **kwargs):
        with _context():
            try:
                return function(*args, **kwargs)
            finally:
                if not huey.immediate:
                    db.session.remove()

    return run


def job(*, retries: int = 3, retry_delay: int = 30, **options: Any):
    """A background task (huey `task`) that runs in the app's context."""

    def decorator(function: Callable):
        return huey.task(retries=retries, retry_delay=retry_delay, **options)(_in_app(function))

    return decorator


def periodic(schedule, **options: Any):
    """A task the consumer runs on a crontab schedule (huey `periodic_task`)."""

    def decorator(function: Callable):
        return huey.periodic_task(schedule, **options)(_in_app(function))

    return decorator


def enqueue(task, *args, **kwargs) -> None:
    """Queue `task(*args)` once the current unit of work commits (at once outside one)."""
    if in_unit_of_work():
        after_commit(lambda: task(*args, **kwargs))
    else:
        task(*args, **kwargs)
