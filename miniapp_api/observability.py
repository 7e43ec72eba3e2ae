"""Logs and request ids: every response carries a request id, every log line is one
JSON object (or plain text with LOG_FORMAT=text), and every request is logged once with
its time, request id, user id, route, status and duration."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
requests_log = logging.getLogger("miniapp_api.requests")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def _formatter(kind: str) -> logging.Formatter:
    if kind == "text":
        return logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        json_ensure_ascii=False,
    )


class RequestLineFormatter(logging.Formatter):
    """The access log's line: a fixed set of fields, dumped directly (it is written on
    every request, so it skips the general formatter's walk over the record)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


def configure_logging(app: Flask) -> None:
    kind = app.config["LOG_FORMAT"]
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(_formatter(kind))
    package_logger = logging.getLogger("miniapp_api")
    package_logger.handlers[:] = [handler]
    package_logger.setLevel(app.config["LOG_LEVEL"])
    package_logger.propagate = False
    requests_handler = logging.StreamHandler(sys.stderr)
    requests_handler.addFilter(RequestIdFilter())
    requests_handler.setFormatter(RequestLineFormatter() if kind == "json" else _formatter(kind))
    requests_log.handlers[:] = [requests_handler]
    requests_log.propagate = False


def register_request_id(app: Flask) -> None:
    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def echo_request_id(response):
        if "request_id" in g:
            response.headers[REQUEST_ID_HEADER] = g.request_id
            _log_request(response.status_code)
        return response


def _log_request(status: int) -> None:
    """The request's one line (the access log)."""
    if not requests_log.isEnabledFor(logging.INFO):
        return
    elapsed = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
    fields = {
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule is not None else None,
        "path": request.path,
        "status": status,
        "ms": round(elapsed, 1),
        "user_id": g.get("user_id"),
    }
    requests_log.info("%s %s %s", request.method, request.path, status, extra={"fields": fields})
