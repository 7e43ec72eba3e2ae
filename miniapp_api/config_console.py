"""The console's settings, read by `config.Config` (which hands over its environment
reader): its session cookie, the map's tile layer and where uploaded images go."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

DEFAULT_UPLOAD_DIR = Path(__file__).resolve().parent.parent / "instance" / "uploads"


def console_settings(config: Any, env: Any) -> None:
    """Set the console's settings on `config` from `env` (a `config._Env`)."""
    # The console's session cookie (HttpOnly by default; Secure in production).
    config.SESSION_COOKIE_NAME = "console_session"
    config.SESSION_COOKIE_SAMESITE = "Lax"
    config.SESSION_COOKIE_SECURE = config.APP_ENV == "production"
    config.PERMANENT_SESSION_LIFETIME = timedelta(hours=env.int("CONSOLE_SESSION_HOURS", 8))
    # A map tile URL template ({z}/{x}/{y}, GCJ-02 tiles); empty: a coordinate grid only.
    config.CONSOLE_TILE_URL = env.str("CONSOLE_TILE_URL", "") or None
    # Article covers uploaded in the console: stored in this folder, served by the app.
    config.UPLOAD_DIR = env.str("UPLOAD_DIR", str(DEFAULT_UPLOAD_DIR))
    config.COVER_MAX_BYTES = env.int("COVER_MAX_BYTES", 900 * 1024)
