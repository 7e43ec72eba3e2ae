"""Configuration: the only module that reads the environment. Every setting is documented
in `.env.example`. Development defaults are safe to run on a laptop; production has no
defaults for secrets and refuses weak ones. A config object is built from a mapping (the
process environment by default), so tests can build one from a plain dict."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from dotenv import load_dotenv

from miniapp_api.config_console import console_settings
from miniapp_api.limits import RATE_LIMITS
from miniapp_api.push_settings import push_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"
MIN_SECRET_BYTES = 32
DEV_SECRET = "dev-only-secret-do-not-use-in-production-0123456789"


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app must not start."""


class _Env:
    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.environ.get(name)
        return default if value is None or value == "" else value

    def bool(self, name: str, default: bool) -> bool:
        value = self.str(name)
        if value is None:
            return default
        return value.strip().lower() in ("1", "true", "yes", "on")

    def _parsed(self, name: str, default, parse, what: str):
        value = self.str(name)
        try:
            return default if value is None else parse(value)
        except ValueError as exc:
            raise ConfigError(f"{name} must be {what}, not {value!r}") from exc

    def int(self, name: str, default: int) -> int:
        return self._parsed(name, default, int, "a whole number")

    def json(self, name: str, default):
        return self._parsed(name, default, json.loads, "valid JSON")

    def float(self, name: str, default: float) -> float:
        return self._parsed(name, default, float, "a number")


class Config:
    """Settings shared by every environment (development defaults)."""

    APP_ENV = "development"
    TESTING = False

    def __init__(self, environ: Mapping[str, str] | None = None):
        env = _Env(os.environ if environ is None else environ)
        for section in (
            self._general,
            self._storage,
            self._tokens,
            self._wechat,
            self._rate_limits,
            self._content_and_quizzes,
            self._zones,
            self._openapi,
            lambda env: self.__dict__.update(push_settings(env)),  # push_settings.py
        ):
            section(env)

    def _general(self, env: _Env) -> None:
        """Debugging, secrets, the time zone, logging, request limits."""
        self.DEBUG = env.bool("FLASK_DEBUG", False)
        self.SECRET_KEY = env.str("SECRET_KEY", self._default_secret())
        self.TIMEZONE = env.str("APP_TIMEZONE", "Asia/Shanghai")
        self.LOG_LEVEL = env.str("LOG_LEVEL", "INFO")
        # One JSON object per log line, or "text" for a human at a terminal.
        self.LOG_FORMAT = env.str("LOG_FORMAT", "json")
        if self.LOG_FORMAT not in ("json", "text"):
            raise ConfigError("LOG_FORMAT must be json or text")
        # Bodies larger than this are refused with 413 PAYLOAD_TOO_LARGE.
        self.MAX_CONTENT_LENGTH = env.int("MAX_CONTENT_LENGTH", 1024 * 1024)
        # The console: its session cookie, map tiles and uploads (config_console.py).
        console_settings(self, env)
        # Production on one host, without PostgreSQL and Redis: only when asked for.
        self.ALLOW_SQLITE_IN_PRODUCTION = env.bool("ALLOW_SQLITE_IN_PRODUCTION", False)
        # Trust X-Forwarded-For/-Proto from this many proxies (0: clients connect directly),
        # and only when the connection comes from one of these addresses or networks.
        self.PROXY_FIX_HOPS = env.int("PROXY_FIX_HOPS", 0)
        self.TRUSTED_PROXIES = env.str("TRUSTED_PROXIES", "127.0.0.1,::1").split(",")

    def _storage(self, env: _Env) -> None:
        """The database, Redis and the leaderboard backend."""
        self.SQLALCHEMY_DATABASE_URI = env.str("DATABASE_URL", self._default_database_url())
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.SQLITE_BUSY_TIMEOUT_MS = env.int("SQLITE_BUSY_TIMEOUT_MS", 5000)
        self.REDIS_URL = env.str("REDIS_URL")
        self.REDIS_KEY_PREFIX = env.str("REDIS_KEY_PREFIX", "miniapp:")
        # Leaderboards: "sql" (the summary table) or "redis" (sorted sets, SQL fallback).
        self.LEADERBOARD_BACKEND = env.str(
            "LEADERBOARD_BACKEND", "redis" if self.REDIS_URL else "sql"
        )
        # Background jobs (huey): redis in production, a SQLite file in development.
        self.JOBS_BACKEND = env.str("JOBS_BACKEND", "redis" if self.REDIS_URL else "sqlite")
        if self.JOBS_BACKEND not in ("redis", "sqlite", "immediate") or (
            self.JOBS_BACKEND == "redis" and not self.REDIS_URL
        ):
            raise ConfigError("JOBS_BACKEND must be sqlite, immediate, or redis with REDIS_URL")
        self.JOBS_SQLITE_PATH = env.str("JOBS_SQLITE_PATH", str(INSTANCE_DIR / "jobs.db"))
        self.JOBS_WORKERS = env.int("JOBS_WORKERS", 2)
        if self.LEADERBOARD_BACKEND not in ("sql", "redis") or (
            self.LEADERBOARD_BACKEND == "redis" and not self.REDIS_URL
        ):
            raise ConfigError("LEADERBOARD_BACKEND must be sql, or redis with REDIS_URL set")

    def _tokens(self, env: _Env) -> None:
        """Tokens: HS256 only, string `sub`, 2 h access and 30 day refresh tokens."""
        self.JWT_SECRET_KEY = env.str("JWT_SECRET_KEY", self._default_secret())
        self.JWT_ALGORITHM = "HS256"
        self.JWT_DECODE_ALGORITHMS = ["HS256"]
        self.JWT_TOKEN_LOCATION = ["headers"]
        self.JWT_ACCESS_TOKEN_EXPIRES = timedelta(seconds=env.int("JWT_ACCESS_SECONDS", 7200))
        self.JWT_REFRESH_TOKEN_EXPIRES = timedelta(
            seconds=env.int("JWT_REFRESH_SECONDS", 30 * 24 * 3600)
        )

    def _wechat(self, env: _Env) -> None:
        """WeChat: configured only when both are set; otherwise the fake client is used."""
        self.WECHAT_APPID = env.str("WECHAT_APPID")
        self.WECHAT_SECRET = env.str("WECHAT_SECRET")
        self.WECHAT_API_BASE = env.str("WECHAT_API_BASE", "https://api.weixin.qq.com")
        self.WECHAT_TIMEOUT_SECONDS = env.float("WECHAT_TIMEOUT_SECONDS", 5.0)
        self.WECHAT_RETRY_AFTER_SECONDS = env.int("WECHAT_RETRY_AFTER_SECONDS", 5)
        # msgSecCheck of text others see (README, Content security): on with WeChat.
        self.CONTENT_SECURITY = env.bool("CONTENT_SECURITY", bool(self.WECHAT_SECRET))
        self.DEV_LOGIN_ENABLED = env.bool("DEV_LOGIN_ENABLED", self.APP_ENV != "production")

    def _rate_limits(self, env: _Env) -> None:
        """Rate limits (Flask-Limiter): Redis storage when REDIS_URL is set."""
        self.RATELIMIT_ENABLED = env.bool("RATELIMIT_ENABLED", True)
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.RATELIMIT_KEY_PREFIX = f"{self.REDIS_KEY_PREFIX}rl"
        # The limiter's fixed behaviour (fallback with Redis down…) is in extensions.py.
        for name, limit in RATE_LIMITS.items():  # the table in limits.py
            setattr(self, limit.setting(name), env.str(limit.setting(name), limit.default))

    def _content_and_quizzes(self, env: _Env) -> None:
        """Points rules, the content folder, quizzes."""
        # Points per activity and daily caps: JSON overrides of points/rules.py's defaults.
        self.POINTS_RULES = env.json("POINTS_RULES", {})
        # Files loaded by `flask content sync`.
        self.CONTENT_DIR = env.str("CONTENT_DIR", str(PROJECT_ROOT / "content"))
        # Public reads' shared answers (response_cache.py): max age (0: off), count, check.
        self.PUBLIC_CACHE_SECONDS = env.int("PUBLIC_CACHE_SECONDS", 300)
        self.PUBLIC_CACHE_ENTRIES = env.int("PUBLIC_CACHE_ENTRIES", 2000)
        self.PUBLIC_CACHE_CHECK_SECONDS = env.float("PUBLIC_CACHE_CHECK_SECONDS", 1.0)
        # Quizzes: time per question (daily, topic, review; challenge questions one at a
        # time), the grace for a submit in flight at the deadline, anti-abuse (README).
        self.QUIZ_SECONDS_PER_QUESTION = env.int("QUIZ_SECONDS_PER_QUESTION", 120)
        self.QUIZ_CHALLENGE_SECONDS_PER_QUESTION = env.int(
            "QUIZ_CHALLENGE_SECONDS_PER_QUESTION", 30
        )
        self.QUIZ_SUBMIT_GRACE_SECONDS = env.int("QUIZ_SUBMIT_GRACE_SECONDS", 5)
        # Sessions answered faster than this on average are scored, flagged and earn nothing.
        self.QUIZ_MIN_SECONDS_PER_QUESTION = env.float("QUIZ_MIN_SECONDS_PER_QUESTION", 3.0)
        self.QUIZ_MAX_OPEN_SESSIONS = env.int("QUIZ_MAX_OPEN_SESSIONS", 3)
        # Item statistics flag a question only after this many answers.
        self.QUIZ_STATS_MIN_ANSWERS = env.int("QUIZ_STATS_MIN_ANSWERS", 30)

    def _zones(self, env: _Env) -> None:
        """Zones and enrollment (see README, Zones and enrollment)."""
        self.PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
        self.WECHAT_ENROLL_PAGE = env.str("WECHAT_ENROLL_PAGE", "pages/enroll/index")
        self.WECHAT_ENV_VERSION = env.str("WECHAT_ENV_VERSION", "release")
        self.ZONE_MAX_VERTICES = env.int("ZONE_MAX_VERTICES", 5000)
        self.ENROLLMENT_CODE_DAYS = env.int("ENROLLMENT_CODE_DAYS", 0)
        self.ENROLL_MAX_ACCURACY_M = env.float("ENROLL_MAX_ACCURACY_M", 100.0)
        self.ENROLL_JUMP_WINDOW_SECONDS = env.int("ENROLL_JUMP_WINDOW_SECONDS", 60)
        self.ENROLL_JUMP_MAX_METRES = env.float("ENROLL_JUMP_MAX_METRES", 1000.0)
        # Reading points: the least time between opening an article and finishing it.
        self.ARTICLE_MIN_READ_SECONDS = env.int("ARTICLE_MIN_READ_SECONDS", 15)

    def _openapi(self, env: _Env) -> None:
        """OpenAPI (flask-smorest) and the Swagger UI served from installed files."""
        self.API_TITLE = "防骗我最牛 API"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/"
        self.OPENAPI_JSON_PATH = "api/v1/openapi.json"
        self.OPENAPI_SWAGGER_UI_PATH = "api/docs"
        self.OPENAPI_SWAGGER_UI_URL = "/api/docs/static/"

    def _default_secret(self) -> str | None:
        return DEV_SECRET

    def _default_database_url(self) -> str | None:
        return f"sqlite:///{INSTANCE_DIR / 'miniapp.db'}"


class DevelopmentConfig(Config):
    """The defaults: SQLite under instance/, the fake WeChat, dev login."""


class TestConfig(Config):
    """The test suite's settings: DATABASE_URL picks the database under test."""

    APP_ENV = "test"
    TESTING = True

    def __init__(self, environ: Mapping[str, str] | None = None):
        super().__init__(environ)
        self.WECHAT_APPID = self.WECHAT_SECRET = None
        self.CONTENT_SECURITY = False  # tests turn it on against the fake
        self.DEV_LOGIN_ENABLED = True
        self.RATELIMIT_ENABLED = False
        self.LOG_LEVEL = "WARNING"
        self.JOBS_BACKEND = "immediate"
        self.PUBLIC_CACHE_CHECK_SECONDS = 0.0  # each request: tests see every change at once

    def _default_database_url(self) -> str | None:
        return None  # conftest supplies a temporary SQLite file


class ProductionConfig(Config):
    """No defaults for secrets: `check_production_safety` refuses to start without them."""

    APP_ENV = "production"

    def _default_secret(self) -> str | None:
        return None


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    """Build the config object that APP_ENV names, reading `.env` if present."""
    if environ is None:
        load_dotenv(PROJECT_ROOT / ".env", override=False)
        environ = os.environ
    name = environ.get("APP_ENV") or "development"
    if name not in CONFIGS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name](environ)


def settings(config: Config) -> dict:
    """The config object's settings as a mapping (what `app.config` will hold)."""
    return {name: getattr(config, name) for name in dir(config) if name.isupper()}


def check_production_safety(config: Mapping) -> None:
    """Refuse to start a production app whose settings would be unsafe."""
    if config.get("APP_ENV") != "production":
        return
    problems = []
    for key in ("SECRET_KEY", "JWT_SECRET_KEY"):
        value = config.get(key) or ""
        if len(value.encode()) < MIN_SECRET_BYTES or value == DEV_SECRET:
            problems.append(f"{key} must be set to at least {MIN_SECRET_BYTES} random bytes")
    if config.get("DEBUG"):
        problems.append("debug mode must be off (unset FLASK_DEBUG)")
    if config.get("DEV_LOGIN_ENABLED"):
        problems.append("DEV_LOGIN_ENABLED must be off")
    if not (config.get("WECHAT_APPID") and config.get("WECHAT_SECRET")):
        problems.append("WECHAT_APPID and WECHAT_SECRET must be set (no fake WeChat in production)")
    if not config.get("ALLOW_SQLITE_IN_PRODUCTION"):
        if (config.get("SQLALCHEMY_DATABASE_URI") or "").startswith("sqlite"):
            problems.append(
                "DATABASE_URL must name PostgreSQL (or set ALLOW_SQLITE_IN_PRODUCTION=1 for a "
                "single-host deployment)"
            )
        if not config.get("REDIS_URL"):
            problems.append(
                "REDIS_URL must be set: rate limits and the job queue are shared through it "
                "(or set ALLOW_SQLITE_IN_PRODUCTION=1 for a single-host deployment)"
            )
    if problems:
        raise ConfigError("refusing to start in production: " + "; ".join(problems))
