"""Reference endpoints, served by gunicorn with the same settings as the app under test:

    GET  /hello       a bare JSON hello
    GET  /jwt-hello   the same behind a plain @jwt_required (the app's JWT settings)
    POST /insert      one row into the scratch table `bench_scratch`, one transaction

The bench runner creates `bench_scratch` in the bench database before starting this.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from flask import Flask, jsonify
from flask_jwt_extended import JWTManager, get_jwt_identity, jwt_required
from sqlalchemy import create_engine, event, text

SCRATCH_DDL = {
    "postgresql": "CREATE TABLE IF NOT EXISTS bench_scratch "
    "(id BIGSERIAL PRIMARY KEY, note VARCHAR(64) NOT NULL, created_at TIMESTAMPTZ NOT NULL)",
    "sqlite": "CREATE TABLE IF NOT EXISTS bench_scratch "
    "(id INTEGER PRIMARY KEY, note VARCHAR(64) NOT NULL, created_at DATETIME NOT NULL)",
}


def make_engine(database_url: str):
    """An engine configured as the app's: pool_pre_ping, and on SQLite WAL, foreign keys,
    the busy timeout and synchronous=NORMAL."""
    engine = create_engine(database_url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(
                f"PRAGMA busy_timeout={int(os.environ.get('SQLITE_BUSY_TIMEOUT_MS', 5000))}"
            )
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    return engine


def create_scratch_table(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text(SCRATCH_DDL[engine.dialect.name]))
    engine.dispose()


def create_ref_app() -> Flask:
    app = Flask(__name__)
    app.config.update(
        JWT_SECRET_KEY=os.environ["JWT_SECRET_KEY"],
        JWT_ALGORITHM="HS256",
        JWT_DECODE_ALGORITHMS=["HS256"],
        JWT_TOKEN_LOCATION=["headers"],
    )
    JWTManager(app)
    engine = make_engine(os.environ["DATABASE_URL"])
    insert = text("INSERT INTO bench_scratch (note, created_at) VALUES (:note, :at)")

    @app.get("/hello")
    def hello():
        return jsonify(hello="world")

    @app.get("/jwt-hello")
    @jwt_required()
    def jwt_hello():
        return jsonify(hello=get_jwt_identity())

    @app.post("/insert")
    def insert_one():
        with engine.begin() as conn:
            conn.execute(insert, {"note": "bench", "at": datetime.now(UTC)})
        return jsonify(inserted=True), 201

    return app
