"""Version counters: a row per name in `versions`, bumped in the same transaction as any
ORM write to the tables it watches. A reader compares one number instead of the rows
(the public reads' shared answers ask whether the content changed since they were stored).

The bump runs before the flush writes the watched rows, so every writer takes the
counter's row lock first and two writers cannot deadlock on it. Core statements
(`update(Model)`) bypass it on purpose: they are used for counters that are not edits.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ScalarSelect, String, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from miniapp_api.storage import db


class Version(db.Model):
    __tablename__ = "versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


_watched: dict[type, str] = {}


def watch(name: str, *models: type) -> None:
    """Bump the counter `name` with every flush that inserts, updates or deletes rows of
    these models."""
    for model in models:
        _watched[model] = name


def counter(name: str) -> ScalarSelect:
    """The counter's value as a subquery (NULL before the first write)."""
    return select(Version.value).where(Version.name == name).scalar_subquery()


@event.listens_for(Session, "before_flush")
def _bump_watched(session: Session, _flush_context, _instances) -> None:
    names = {
        _watched[type(instance)]
        for instance in (*session.new, *session.dirty, *session.deleted)
        if type(instance) in _watched
    }
    if not names:
        return
    connection = session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    for name in sorted(names):
        statement = dialect.insert(Version).values(name=name, value=1)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[Version.name], set_={"value": Version.value + 1}
            )
        )
