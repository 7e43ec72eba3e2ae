"""WeChat: the real client when WECHAT_APPID/WECHAT_SECRET are set, else the fake."""

from __future__ import annotations

from flask import Flask, current_app

from miniapp_api.wechat.client import FakeWeChatClient, WeChatClient
from miniapp_api.wechat.token_cache import DatabaseTokenStore, RedisTokenStore


def wechat_configured(config) -> bool:
    return bool(config.get("WECHAT_APPID") and config.get("WECHAT_SECRET"))


def init_app(app: Flask) -> None:
    config = app.config
    if wechat_configured(config):
        store = RedisTokenStore() if config.get("REDIS_URL") else DatabaseTokenStore()
        client = WeChatClient(
            config["WECHAT_APPID"],
            config["WECHAT_SECRET"],
            store,
            base_url=config["WECHAT_API_BASE"],
            timeout=config["WECHAT_TIMEOUT_SECONDS"],
            retry_after=config["WECHAT_RETRY_AFTER_SECONDS"],
        )
    else:
        client = FakeWeChatClient()
    app.extensions["wechat"] = client


def get_wechat_client() -> WeChatClient | FakeWeChatClient:
    return current_app.extensions["wechat"]
