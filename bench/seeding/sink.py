"""Bulk writes to the bench database: PostgreSQL by COPY, SQLite by executemany.

The sink knows only the schema: table and column names, the storage formats of
timestamps, dates, booleans and JSON on each database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from urllib.parse import urlsplit

import numpy as np
import psycopg

BATCH = 50_000


def connect(database_url: str) -> Sink:
    scheme = urlsplit(database_url).scheme
    if scheme.startswith("postgresql"):
        return PgSink(database_url)
    if scheme.startswith("sqlite"):
        return SqliteSink(database_url)
    raise SystemExit(f"unsupported database URL: {database_url}")


def libpq_url(database_url: str) -> str:
    """postgresql+psycopg://… (SQLAlchemy) -> postgresql://… (libpq)."""
    return "postgresql" + database_url[database_url.index("://") :]


class Sink:
    dialect = ""

    def columns(self, table: str) -> set[str]:
        raise NotImplementedError

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
        raise NotImplementedError

    def scalar(self, sql: str):
        raise NotImplementedError

    def execute(self, sql: str) -> None:
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def reset_sequences(self, tables: Iterable[str]) -> None:
        """After explicit ids: the next generated id follows the largest."""

    def indexes_dropped(self, table: str):
        """While loading a large table: its secondary indexes are built once at the end."""
        return nullcontext()

    def timestamps(self, seconds: np.ndarray) -> list[str]:
        """Unix seconds (UTC) -> the database's text form of an aware timestamp."""
        text = np.datetime_as_string(seconds.astype("datetime64[s]").astype("datetime64[us]"))
        return [value.replace("T", " ") + self.offset for value in text.tolist()]

    offset = ""


class PgSink(Sink):
    dialect = "postgresql"
    offset = "+00"

    def __init__(self, database_url: str):
        self.conn = psycopg.connect(libpq_url(database_url))
        # Foreign keys are right by construction: skip their per-row triggers while loading.
        self.conn.execute("SET session_replication_role = replica")
        self.conn.execute("SET synchronous_commit = off")

    def columns(self, table: str) -> set[str]:
        rows = self.conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s",
            (table,),
        )
        return {name for (name,) in rows}

    def write(self, table, columns, rows) -> int:
        count = 0
        names = ", ".join(f'"{name}"' for name in columns)
        with self.conn.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
                count += 1
        return count

    def scalar(self, sql):
        row = self.conn.execute(sql).fetchone()
        return None if row is None else row[0]

    def execute(self, sql):
        self.conn.execute(sql)

    def commit(self):
        self.conn.commit()

    @contextmanager
    def indexes_dropped(self, table: str) -> Iterator[None]:
        """Drop the table's non-primary indexes and unique constraints, then recreate them
        exactly (names and definitions from the catalogue)."""
        found = self.conn.execute(
            "SELECT i.indexrelid::regclass::text, c.conname, pg_get_indexdef(i.indexrelid), "
            "pg_get_constraintdef(c.oid) FROM pg_index i LEFT JOIN pg_constraint c "
            "ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary",
            (table,),
        ).fetchall()
        for index, constraint, _definition, _constraint_definition in found:
            if constraint:
                self.conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
            else:
                self.conn.execute(f'DROP INDEX "{index}"')
        yield
        self.conn.execute("SET maintenance_work_mem = '512MB'")
        for _index, constraint, definition, constraint_definition in found:
            if constraint:
                self.conn.execute(
                    f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {constraint_definition}'
                )
            else:
                self.conn.execute(definition)

    def reset_sequences(self, tables):
        for table in tables:
            self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            )


class SqliteSink(Sink):
    dialect = "sqlite"

    def __init__(self, database_url: str):
        path = database_url.split(":///", 1)[1]
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA foreign_keys=OFF")
        self.conn.execute("BEGIN")

    def columns(self, table):
        return {row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")}

    def write(self, table, columns, rows) -> int:
        names = ", ".join(f'"{name}"' for name in columns)
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
        count, batch = 0, []
        for row in rows:
            batch.append(tuple(_sqlite_value(value) for value in row))
            if len(batch) >= BATCH:
                self.conn.executemany(sql, batch)
                count, batch = count + len(batch), []
        self.conn.executemany(sql, batch)
        return count + len(batch)

    def scalar(self, sql):
        row = self.conn.execute(sql).fetchone()
        return None if row is None else row[0]

    def execute(self, sql):
        self.conn.execute(sql)

    def commit(self):
        self.conn.execute("COMMIT")
        self.conn.execute("BEGIN")


def _sqlite_value(value):
    return int(value) if isinstance(value, bool) else value
