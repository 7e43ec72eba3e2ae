"""What every console page shares: the layout's template context and response headers."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, g, request, url_for
from werkzeug.wrappers import Response

from miniapp_api.console.nav import SECTIONS, Section

# Every script, style sheet, font and image comes from the app itself; the htmx config in
# base.html turns off the features that would need 'unsafe-eval' or inline styles. A map
# tile server, once one is configured (CONSOLE_TILE_URL), is added to img-src.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


@dataclass(frozen=True)
class NavLink:
    section: Section
    href: str
    active: bool


def nav_links(active: str | None) -> list[NavLink]:
    """The left navigation: a section links to its route once one is registered."""
    links = []
    for section in SECTIONS:
        if section.endpoint in current_app.view_functions:
            href = url_for(section.endpoint)
        else:
            href = request.script_root + section.path
        is_active = section.key == active or request.endpoint == section.endpoint
        links.append(NavLink(section, href, is_active))
    return links


def console_context() -> dict:
    """Names every console template can use; the signed-in officer is `g.console_officer`."""
    return {"console_nav": nav_links, "console_officer": g.get("console_officer")}


def tile_origin() -> str | None:
    """The scheme and host of the configured tile server ({s} subdomains: any of them)."""
    url = current_app.config.get("CONSOLE_TILE_URL")
    if not url:
        return None
    parts = urlsplit(url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else None


def content_security_policy() -> str:
    origin = tile_origin()
    if origin is None:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace("img-src 'self'", f"img-src 'self' {origin}")


def secure_response(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", content_security_policy())
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        # Pages show personal data and the console runs on shared station computers.
        response.headers.setdefault("Cache-Control", "no-store")
    return response
