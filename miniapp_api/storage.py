"""Storage: the SQLAlchemy extension and its declarative base, shared column types, the
engine set-up per database, and the unit of work every use case runs in.

A use case is one function decorated with `@use_case` (or one `with unit_of_work():`
block): it commits when it returns and rolls back on any exception, so services raise
domain errors and never commit or roll back themselves. A use case called from another
joins the outer one: only the outermost commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, Select, TypeDecorator, event, func, make_url, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

from miniapp_api.errors import NotFound, is_database_outage
from miniapp_api.timeutil import utcnow

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database.

    SQLite keeps no offset, so values are normalised to UTC on the way in and
    marked as UTC on the way out; PostgreSQL stores `timestamptz`.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


db = SQLAlchemy(model_class=Base)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def in_list(column: str, values: tuple[str, ...]) -> str:
    """The SQL of a CHECK constraint keeping `column` to a fixed set of words."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


def render_item(type_: str, obj, _autogen_context):
    """Alembic autogenerate hook: migrations store UTCDateTime as a plain timestamptz."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


# ---- engine set-up ---------------------------------------------------------------


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def init_storage(app: Flask) -> None:
    """Bind `db` to the app; on SQLite, create the folder and set the pragmas."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    is_sqlite = url.get_backend_name() == "sqlite"
    if is_sqlite and url.database not in (None, "", ":memory:"):
        # The default database lives under instance/, which may not exist yet.
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    app.teardown_appcontext(_close_session)
    if is_sqlite:
        with app.app_context():
            _configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


def _close_session(_exc: BaseException | None) -> None:
    """End the request's session (before Flask-SQLAlchemy's teardown, registered first,
    so run last). A database that dropped the connection after the answer was made (a
    restart) fails the closing rollback: the connection is discarded, and the answer
    stands instead of becoming a 500."""
    try:
        db.session.remove()
    except DBAPIError as exc:
        if not is_database_outage(exc):
            raise
        log.warning("database connection lost while closing the session: %s", exc.orig)
        with suppress(DBAPIError):
            db.session.registry().invalidate()
        db.session.registry.clear()


# ---- the unit of work ---------------------------------------------------------------

_DEPTH = "uow_depth"
_STATE = "uow_state"


@contextmanager
def unit_of_work() -> Iterator[Any]:
    """Commit when the block ends, roll back on any exception. Nested blocks join the
    outermost one, which alone commits; callbacks given to `before_commit` run as its
    last step, those given to `after_commit` once it has committed (dropped on a
    rollback)."""
    session = db.session
    depth = session.info.get(_DEPTH, 0)
    if depth == 0:
        session.info[_STATE] = {}
    session.info[_DEPTH] = depth + 1
    try:
        yield session
        if depth == 0:
            for callback in session.info[_STATE].pop("before_commit", []):
                callback()
            session.commit()
    except BaseException:
        if depth == 0:
            session.info.pop(_STATE, None)
            session.rollback()
        raise
    finally:
        session.info[_DEPTH] = depth
    if depth == 0:
        _run_after_commit(session.info.pop(_STATE, {}))


def _run_after_commit(state: dict) -> None:
    for callback in state.get("after_commit", []):
        try:
            callback()
        except Exception:  # a side effect after the commit must not fail the use case
            log.exception("an after-commit callback failed")


def in_unit_of_work() -> bool:
    return bool(db.session.info.get(_DEPTH))


def transaction_state() -> dict:
    """A dict that lives as long as the current unit of work (for work a use case
    gathers until its commit); outside of one it is an error."""
    state = db.session.info.get(_STATE)
    if state is None or not db.session.info.get(_DEPTH):
        raise RuntimeError("no unit of work is active: run this inside a use case")
    return state


def before_commit(callback: Callable[[], None]) -> None:
    """Run `callback` as the last step of the current unit of work, in its transaction
    (work gathered until then and written at once, e.g. counters locked in one order)."""
    transaction_state().setdefault("before_commit", []).append(callback)


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the current unit of work has committed (Redis copies,
    messages): never for work that was rolled back."""
    transaction_state().setdefault("after_commit", []).append(callback)


F = TypeVar("F", bound=Callable[..., Any])


# PostgreSQL's serialization failure and deadlock: the transaction lost a race and was
# rolled back whole, so running the use case again is safe.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in (
        RETRYABLE_SQLSTATES
    )


def use_case(function: F) -> F:
    """Run the decorated function in one unit of work; an outermost use case that loses
    a serialization race or a deadlock is run once more (a second loss goes up, and the
    error handler answers 503)."""

    @wraps(function)
    def wrapper(*args, **kwargs):
        outermost = not db.session.info.get(_DEPTH)
        try:
            with unit_of_work():
                return function(*args, **kwargs)
        except DBAPIError as exc:
            if not (outermost and is_retryable(exc)):
                raise
            log.warning("retrying %s once after %s", function.__qualname__, exc.orig)
        with unit_of_work():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def insert(model):
    """The database's own INSERT, which has `on_conflict_do_nothing/_update` on both
    PostgreSQL and SQLite."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(model)


# ---- lookups and pages ----------------------------------------------------------------

M = TypeVar("M")


def get_or_404(
    model: type[M],
    ident: Any,
    message: str | None = None,
    *,
    visible: Callable[[M], bool] | None = None,
) -> M:
    """The row with this primary key, or NOT_FOUND (also when `visible` says no)."""
    row = db.session.get(model, ident)
    if row is None or (visible is not None and not visible(row)):
        raise NotFound(message)
    return row


@dataclass(frozen=True)
class Page:
    """One page of a list, in API.md's shape; `web.paginated(ItemSchema)` dumps it."""

    items: list
    page: int
    per_page: int
    total: int


def paginate(query: Select, page: int, per_page: int, *, scalars: bool = True) -> Page:
    """One page of an ordered query. The total counts the query's rows without loading
    them (`count(*)` over the query with its ordering removed)."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    window = query.offset((page - 1) * per_page).limit(per_page)
    result = db.session.scalars(window) if scalars else db.session.execute(window)
    return Page(list(result.all()), page, per_page, total)
