"""The police console: server-rendered pages under /console, with vendored htmx.

Pages extend `console/base.html` and call the same services as the API; htmx swaps
fragments rendered by the same templates. Front-end files are served from `static/`
(third-party ones from `static/vendor/`, listed in its MANIFEST.json).
"""

from __future__ import annotations

from flask import Blueprint, Flask

from miniapp_api.console import errors as console_errors
from miniapp_api.console.auth import ConsoleSessionInterface
from miniapp_api.console.forms import register_pages
from miniapp_api.console.layout import console_context, secure_response

console_bp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
console_bp.context_processor(console_context)
console_bp.after_request(secure_response)
console_errors.register(console_bp)
register_pages(console_bp)


def register_console(app: Flask) -> None:
    """Serve the console at /console/ (and its layout demo in testing or debug mode)."""
    app.session_interface = ConsoleSessionInterface()
    app.register_blueprint(console_bp)
    if app.testing or app.debug:
        from miniapp_api.console.demo import demo_bp

        app.register_blueprint(demo_bp)


# The sections' pages register their routes on console_bp.
from miniapp_api.console import (  # noqa: E402, F401
    alerts,
    articles,
    audit,
    covers,
    dashboard,
    desk,
    events,
    home,
    promoters,
    quizzes,
    rewards,
    signin,
    users,
    zones,
)
