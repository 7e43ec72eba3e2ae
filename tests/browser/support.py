"""Helpers for the browser tests: the Chromium to drive, screenshots, a page's log."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
# Headless, and quiet: without the background-networking flags Chromium keeps dialling
# Google's hosts, which this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=zh-CN",
]
# On Linux, Chromium takes its own locale (date fields, number formats) from the environment.
CHROMIUM_ENV = {**os.environ, "LANG": "zh_CN.UTF-8", "LANGUAGE": "zh_CN:zh"}
VIEWPORT = {"width": 1366, "height": 768}
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def unavailable_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -r requirements-dev.txt)"
    return None


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of the page as tests/browser/artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob") or parts.hostname == "127.0.0.1"


@dataclass
class PageLog:
    """What a page did: every request it made and every error it reported."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def outside_loopback(self) -> list[str]:
        return [url for url in self.requests if not is_loopback(url)]


def console_session_cookie(app, officer_id: int) -> str:
    """The value of the console's session cookie for `officer_id`, signed in now, exactly
    as the sign-in page would set it (for tests that are not about signing in)."""
    from miniapp_api.console.auth import OFFICER_KEY, SIGNED_IN_KEY
    from miniapp_api.timeutil import utcnow

    with app.app_context():
        serializer = app.session_interface.get_signing_serializer(app)
        return serializer.dumps(
            {"_permanent": True, OFFICER_KEY: officer_id, SIGNED_IN_KEY: utcnow().timestamp()}
        )


def sign_in_console(page, app, base_url: str, officer_id: int) -> None:
    """Give the browser page a console session for `officer_id` (no sign-in form)."""
    page.context.add_cookies(
        [
            {
                "name": app.config.get("SESSION_COOKIE_NAME", "session"),
                "value": console_session_cookie(app, officer_id),
                "url": base_url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )
