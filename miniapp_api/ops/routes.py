"""Health checks for load balancers and orchestrators, outside /api/v1."""

import logging

import marshmallow as ma
import redis
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from miniapp_api.errors import ServiceUnavailable
from miniapp_api.redis_store import redis_store
from miniapp_api.storage import db
from miniapp_api.web import Blueprint

log = logging.getLogger(__name__)
blp = Blueprint("ops", __name__, description="Operations")


class HealthSchema(ma.Schema):
    status = ma.fields.String(required=True)
    checks = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())


@blp.route("/healthz", methods=["GET"])
@blp.response(200, HealthSchema)
def healthz():
    """The process is up."""
    return {"status": "ok"}


@blp.route("/readyz", methods=["GET"])
@blp.response(200, HealthSchema)
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def readyz():
    """The database and, when configured, Redis answer."""
    checks = {"database": "ok", "redis": "not_configured"}
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.exception("readiness: database check failed")
        checks["database"] = "unavailable"
    if redis_store.enabled:
        try:
            redis_store.client.ping()
            checks["redis"] = "ok"
        except redis.RedisError:
            log.warning("readiness: Redis check failed")
            checks["redis"] = "unavailable"
    if "unavailable" in checks.values():
        raise ServiceUnavailable(errors=checks)
    return {"status": "ready", "checks": checks}
