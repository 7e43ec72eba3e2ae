"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Reads the same `.env` as the app, so GUNICORN_* and LOG_LEVEL set there apply. Each
setting can be overridden from the environment (see .env.example). The master checks
the production settings once, before any worker starts, and refuses in one line.
"""

import multiprocessing
import os
import sys
from pathlib import Path

from dotenv import load_dotenv

load_dotenv(Path(__file__).resolve().parent / ".env", override=False)

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# The usual (2 x cores) + 1 sync workers, each with a few threads for I/O waits
# (WeChat calls, the database).
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = 5
# Recycle workers now and then so that a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = 500
# The app logs each request as one JSON line (time, request id, user, route, status,
# ms); gunicorn's own access log is off unless asked for.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 27 opens a control socket by default; this service does not use it.
control_socket_disable = True


def on_starting(server):
    """Refuse unsafe production settings in the master, once, in one line."""
    from miniapp_api.config import ConfigError, check_production_safety, load_config, settings

    try:
        check_production_safety(settings(load_config()))
    except ConfigError as exc:
        server.log.error("%s", exc)
        sys.exit(1)
