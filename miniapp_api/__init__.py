"""防骗我最牛 backend: the app factory."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from miniapp_api import wechat
from miniapp_api.articles import service as articles
from miniapp_api.config import Config, check_production_safety, load_config
from miniapp_api.database import init_database
from miniapp_api.db import render_item
from miniapp_api.errors import register_error_handlers
from miniapp_api.extensions import api, db, jwt, limiter, migrate, redis_store
from miniapp_api.input_guard import register_id_converter, register_input_guard
from miniapp_api.json_provider import IsoJSONProvider
from miniapp_api.leaderboards import service as leaderboards
from miniapp_api.observability import configure_logging, register_request_id
from miniapp_api.points import service as points
from miniapp_api.quizzes import service as quizzes
from miniapp_api.rewards import service as rewards
from miniapp_api.zones import service as zones


def create_app(config: Config | None = None) -> Flask:
    app = Flask(__name__, static_folder=None)
    app.json = IsoJSONProvider(app)
    app.config.from_object(config or load_config())
    check_production_safety(app.config)
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    configure_logging(app)
    register_extensions(app)
    register_id_converter(app, api)
    register_blueprints(app)
    register_error_handlers(app)
    register_request_id(app)
    register_input_guard(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    import miniapp_api.models  # noqa: F401  (every table in the metadata)
    from miniapp_api.auth.tokens import register_jwt_callbacks

    init_database(app)
    migrate.init_app(app, db, compare_type=True, render_as_batch=True, render_item=render_item)
    redis_store.init_app(app)
    jwt.init_app(app)
    register_jwt_callbacks(jwt)
    limiter.init_app(app)
    wechat.init_app(app)
    points.init_app(app)
    rewards.init_app(app)
    leaderboards.init_app(app)
    articles.init_app(app)
    zones.init_app(app)
    quizzes.init_app(app)
    api.init_app(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )


def register_blueprints(app: Flask) -> None:
    from miniapp_api.admin.routes import blp as admin_blp
    from miniapp_api.articles.admin_routes import blp as admin_content_blp
    from miniapp_api.articles.routes import blp as content_blp
    from miniapp_api.auth.routes import blp as auth_blp
    from miniapp_api.auth.routes import dev_blp
    from miniapp_api.leaderboards.routes import blp as leaderboards_blp
    from miniapp_api.ops.docs import docs_static
    from miniapp_api.ops.routes import blp as ops_blp
    from miniapp_api.points.routes import blp as points_blp
    from miniapp_api.quizzes.admin_routes import blp as quiz_admin_blp
    from miniapp_api.quizzes.routes import blp as quizzes_blp
    from miniapp_api.rewards.routes import blp as rewards_blp
    from miniapp_api.users.routes import blp as me_blp
    from miniapp_api.zones.admin_routes import blp as admin_zones_blp
    from miniapp_api.zones.routes import blp as zones_blp

    app.register_blueprint(docs_static)
    for blueprint in (
        ops_blp,
        auth_blp,
        me_blp,
        content_blp,
        points_blp,
        rewards_blp,
        leaderboards_blp,
        admin_blp,
        admin_content_blp,
        zones_blp,
        admin_zones_blp,
        quizzes_blp,
        quiz_admin_blp,
    ):
        api.register_blueprint(blueprint)
    if dev_login_allowed(app.config):
        api.register_blueprint(dev_blp)


def dev_login_allowed(config) -> bool:
    return (
        config["DEV_LOGIN_ENABLED"]
        and config["APP_ENV"] != "production"
        and not wechat.wechat_configured(config)
    )


def register_commands(app: Flask) -> None:
    from miniapp_api.cli import register_commands as register

    register(app)
