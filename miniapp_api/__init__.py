"""防骗我最牛 backend: the app factory, a table of contents of `register_*` calls."""

from __future__ import annotations

from importlib import import_module

from flask import Flask

from miniapp_api import wechat, wiring
from miniapp_api.config import Config, check_production_safety, load_config
from miniapp_api.console import register_console
from miniapp_api.errors import register_error_handlers
from miniapp_api.extensions import csrf, jwt, limiter, migrate
from miniapp_api.input_guard import register_input_guard
from miniapp_api.jobs import init_jobs
from miniapp_api.json_provider import IsoJSONProvider
from miniapp_api.observability import configure_logging, register_request_id
from miniapp_api.openapi import init_api
from miniapp_api.proxies import TrustedProxyFix
from miniapp_api.redis_store import redis_store
from miniapp_api.storage import db, init_storage, render_item
from miniapp_api.timeutil import install_clock

# Every domain package, lowest first; each has a `models` module with its tables.
DOMAINS = (
    "users",
    "audit",
    "auth",
    "wechat",
    "moderation",
    "categories",
    "points",
    "rewards",
    "articles",
    "quizzes",
    "zones",
    "leaderboards",
    "push",
    "staff",
)


def create_app(config: Config | None = None) -> Flask:
    app = Flask(__name__, static_folder=None)
    app.json = IsoJSONProvider(app)
    app.config.from_object(config or load_config())
    check_production_safety(app.config)
    if app.config["PROXY_FIX_HOPS"]:
        hops, proxies = app.config["PROXY_FIX_HOPS"], app.config["TRUSTED_PROXIES"]
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, hops, proxies)

    configure_logging(app)
    install_clock(app)
    register_extensions(app)
    wiring.connect_domains(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_request_id(app)
    register_input_guard(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from miniapp_api.auth.tokens import register_jwt_callbacks

    for domain in DOMAINS:  # every table in the metadata, for Alembic and the tests
        import_module(f"miniapp_api.{domain}.models")
    import_module("miniapp_api.versions")
    init_storage(app)
    migrate.init_app(app, db, compare_type=True, render_as_batch=True, render_item=render_item)
    redis_store.init_app(app)
    jwt.init_app(app)
    register_jwt_callbacks(jwt)
    limiter.init_app(app)
    skip_app_wide_rate_check(app)
    csrf.init_app(app)
    wechat.init_app(app)
    init_jobs(app)


def skip_app_wide_rate_check(app: Flask) -> None:
    """Only route limits are used (`@limiter.limit`), and each checks itself. Flask-Limiter's
    check before every request would walk the (empty) default limits on every request, a
    quarter of a cached read's time; with no default or application limit it goes."""
    if app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION"):
        return
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:  # absent when rate limiting is off
        hooks.remove(limiter._check_request_limit)


def register_blueprints(app: Flask) -> None:
    """Every route module. `/api/v1/admin/*` routes live in each domain's
    `admin_routes.py` (a test holds every admin route to that rule)."""
    from miniapp_api.ops.docs import docs_static

    api = init_api(app)
    app.register_blueprint(docs_static)
    for module in (
        "ops.routes",
        "auth.routes",
        "users.routes",
        "articles.routes",
        "points.routes",
        "rewards.routes",
        "leaderboards.routes",
        "zones.routes",
        "quizzes.routes",
        "push.routes",
        "staff.routes",
        "users.admin_routes",
        "points.admin_routes",
        "rewards.admin_routes",
        "articles.admin_routes",
        "zones.admin_routes",
        "quizzes.admin_routes",
        "moderation.admin_routes",
        "admin.admin_routes",
        "push.admin_routes",
    ):
        blueprint = import_module(f"miniapp_api.{module}").blp
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)  # bearer tokens, not cookies: no CSRF to guard against
    if dev_login_allowed(app.config):
        dev_blp = import_module("miniapp_api.auth.routes").dev_blp
        api.register_blueprint(dev_blp)
        csrf.exempt(dev_blp)
    register_console(app)


def dev_login_allowed(config) -> bool:
    return (
        config["DEV_LOGIN_ENABLED"]
        and config["APP_ENV"] != "production"
        and not wechat.wechat_configured(config)
    )


def register_commands(app: Flask) -> None:
    from miniapp_api.cli import register_commands as register

    register(app)
