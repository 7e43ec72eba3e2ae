"""Production start-up refusals and configuration parsing."""

import pytest

from miniapp_api import create_app
from miniapp_api.config import ConfigError, ProductionConfig, load_config

STRONG = {
    "APP_ENV": "production",
    "SECRET_KEY": "s" * 32,
    "JWT_SECRET_KEY": "j" * 32,
    "WECHAT_APPID": "wx0123456789",
    "WECHAT_SECRET": "w" * 32,
    "DATABASE_URL": "sqlite:///:memory:",
    "ALLOW_SQLITE_IN_PRODUCTION": "1",
}


def production(**changes) -> ProductionConfig:
    environ = {**STRONG, **changes}
    return load_config({k: v for k, v in environ.items() if v is not None})


def test_a_safe_production_config_starts():
    """Strong secrets, no debug, no dev login, WeChat configured: the app starts."""
    app = create_app(production())
    assert app.config["APP_ENV"] == "production"
    assert app.config["DEV_LOGIN_ENABLED"] is False


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"JWT_SECRET_KEY": None}, "JWT_SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"JWT_SECRET_KEY": "j" * 31}, "JWT_SECRET_KEY"),
        ({"FLASK_DEBUG": "1"}, "debug"),
        ({"DEV_LOGIN_ENABLED": "true"}, "DEV_LOGIN_ENABLED"),
        ({"WECHAT_SECRET": None}, "WECHAT_APPID and WECHAT_SECRET"),
        ({"ALLOW_SQLITE_IN_PRODUCTION": None}, "DATABASE_URL must name PostgreSQL"),
        ({"ALLOW_SQLITE_IN_PRODUCTION": None}, "REDIS_URL must be set"),
    ],
)
def test_unsafe_production_settings_refuse_to_start(changes, complaint):
    """Each unsafe production setting stops create_app with a message naming it."""
    with pytest.raises(ConfigError, match=complaint):
        create_app(production(**changes))


def test_secret_length_counts_bytes_not_characters():
    """Eleven Chinese characters are 33 bytes: long enough."""
    create_app(production(SECRET_KEY="反诈宣传反诈宣传反诈宣"))


def test_development_defaults_need_no_environment():
    """With nothing set, development runs on SQLite under instance/ with dev login."""
    config = load_config({})
    assert config.APP_ENV == "development"
    assert config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
    assert config.SQLALCHEMY_DATABASE_URI.endswith("instance/miniapp.db")
    assert config.DEV_LOGIN_ENABLED is True
    assert config.REDIS_URL is None
    assert config.RATELIMIT_STORAGE_URI == "memory://"


def test_redis_url_drives_rate_limit_storage():
    """REDIS_URL, when set, is where rate limits are counted."""
    config = load_config({"REDIS_URL": "redis://127.0.0.1:6379/3"})
    assert config.RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/3"


def test_unknown_app_env_and_bad_numbers_are_errors():
    """Typos in the environment fail loudly instead of falling back."""
    with pytest.raises(ConfigError, match="APP_ENV"):
        load_config({"APP_ENV": "prod"})
    with pytest.raises(ConfigError, match="MAX_CONTENT_LENGTH"):
        load_config({"MAX_CONTENT_LENGTH": "lots"})


def test_tokens_have_the_contract_lifetimes_and_a_pinned_algorithm():
    """Access 2 h, refresh 30 days, HS256 only."""
    config = load_config({})
    assert config.JWT_ACCESS_TOKEN_EXPIRES.total_seconds() == 2 * 3600
    assert config.JWT_REFRESH_TOKEN_EXPIRES.days == 30
    assert config.JWT_DECODE_ALGORITHMS == ["HS256"]


def test_every_setting_is_documented_in_env_example():
    """Each variable config.py reads appears in .env.example."""
    import re

    from miniapp_api.config import PROJECT_ROOT

    source = (PROJECT_ROOT / "miniapp_api" / "config.py").read_text(encoding="utf-8")
    read = set(re.findall(r'env\.(?:str|int|bool|float|json)\("([A-Z_]+)"', source))
    documented = set(
        re.findall(r"^([A-Z_]+)=", (PROJECT_ROOT / ".env.example").read_text(), re.MULTILINE)
    )
    assert read, "no settings found: the pattern is out of date"
    assert read <= documented, sorted(read - documented)
