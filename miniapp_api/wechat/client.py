"""A thin WeChat API client on httpx, and its fake twin for tests and development."""

from __future__ import annotations

import logging
import re
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

import httpx

from miniapp_api.timeutil import utcnow
from miniapp_api.wechat.errors import (
    WeChatCodeInvalid,
    WeChatUnavailable,
    WeChatUserRestricted,
    raise_for_errcode,
)
from miniapp_api.wechat.messaging import FakeMessaging, SendResult, SubscribeMessaging, Verdict
from miniapp_api.wechat.token_cache import TokenStore

log = logging.getLogger(__name__)

# Refresh the access token this long before WeChat says it expires.
TOKEN_EARLY_REFRESH = timedelta(minutes=5)
LEASE_SECONDS = 15.0


@dataclass(frozen=True)
class WeChatSession:
    openid: str
    session_key: str
    unionid: str | None = None


class WeChatClient(SubscribeMessaging):
    """code2session, the shared access token, mini-program codes, subscription messages
    and content security. Every call has a timeout."""

    def __init__(
        self,
        appid: str,
        secret: str,
        token_store: TokenStore,
        *,
        base_url: str = "https://api.weixin.qq.com",
        timeout: float = 5.0,
        retry_after: int = 5,
        transport: httpx.BaseTransport | None = None,
    ):
        self.appid = appid
        self._secret = secret
        self._tokens = token_store
        self._retry_after = retry_after
        self._wait_for_token = timeout * 2
        self._http = httpx.Client(
            base_url=base_url, timeout=httpx.Timeout(timeout), transport=transport
        )

    def code2session(self, code: str) -> WeChatSession:
        data = self._call(
            "GET",
            "/sns/jscode2session",
            params={
                "appid": self.appid,
                "secret": self._secret,
                "js_code": code,
                "grant_type": "authorization_code",
            },
        )
        if not data.get("openid") or not data.get("session_key"):
            log.error("code2session answered without openid or session_key")
            raise WeChatUnavailable(self._retry_after)
        return WeChatSession(data["openid"], data["session_key"], data.get("unionid"))

    def get_access_token(self) -> str:
        """The app's access token, shared by all workers; one refresh at a time."""
        name = f"access_token:{self.appid}"
        deadline = time.monotonic() + self._wait_for_token
        while True:
            token = self._tokens.get(name)
            if token:
                return token
            owner = uuid.uuid4().hex
            if self._tokens.acquire_lease(name, owner, LEASE_SECONDS):
                try:
                    # Another worker may have stored a token between our read and the lease.
                    token = self._tokens.get(name)
                    if token:
                        return token
                    token, expires_in = self._fetch_access_token()
                    expires_at = utcnow() + timedelta(seconds=expires_in) - TOKEN_EARLY_REFRESH
                    self._tokens.store(name, token, expires_at)
                    return token
                finally:
                    self._tokens.release_lease(name, owner)
            if time.monotonic() > deadline:
                raise WeChatUnavailable(self._retry_after)
            time.sleep(0.05)

    def refresh_access_token(self, stale: str) -> str:
        """A new token after WeChat refused `stale` (40001, 42001): unless another worker
        already replaced it, forget it and fetch one with `force_refresh`."""
        name = f"access_token:{self.appid}"
        current = self._tokens.get(name)
        if current and current != stale:
            return current
        token, expires_in = self._fetch_access_token(force_refresh=True)
        self._tokens.store(
            name, token, utcnow() + timedelta(seconds=expires_in) - TOKEN_EARLY_REFRESH
        )
        return token

    def get_wxacode_unlimit(self, scene: str, page: str, *, env_version: str = "release") -> bytes:
        """A mini-program code image for `page` carrying `scene` (getwxacodeunlimit).

        Both are checked before calling. WeChat answers an error as JSON with status
        200: only a real PNG or JPEG body is returned, anything else raises."""
        validate_scene(scene)
        if not _PAGE.match(page):
            raise ValueError(f"not a mini-program page path: {page!r}")
        token = self.get_access_token()
        try:
            response = self._http.post(
                "/wxa/getwxacodeunlimit",
                params={"access_token": token},
                json={
                    "scene": scene,
                    "page": page,
                    "check_path": False,
                    "env_version": env_version,
                    "width": 430,
                },
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("WeChat getwxacodeunlimit failed: %s", type(exc).__name__)
            raise WeChatUnavailable(self._retry_after) from exc
        body = response.content
        if body.startswith((PNG_MAGIC, JPEG_MAGIC)):
            return body
        try:
            data = response.json()
        except ValueError:
            data = {}
        log.warning(
            "WeChat getwxacodeunlimit answered errcode %r instead of an image",
            data.get("errcode") if isinstance(data, dict) else None,
        )
        raise WeChatUnavailable(self._retry_after)

    def _fetch_access_token(self, *, force_refresh: bool = False) -> tuple[str, int]:
        data = self._call(
            "POST",
            "/cgi-bin/stable_token",
            json={
                "grant_type": "client_credential",
                "appid": self.appid,
                "secret": self._secret,
                "force_refresh": force_refresh,
            },
        )
        token = data.get("access_token")
        expires_in = data.get("expires_in", 7200)
        if not isinstance(token, str) or not token or not isinstance(expires_in, int):
            log.error("stable_token answered without a usable access_token or expires_in")
            raise WeChatUnavailable(self._retry_after)
        # Keep at least a minute of validity after the early-refresh margin.
        return token, max(expires_in, 360)

    def _call(self, method: str, path: str, **kwargs) -> dict:
        try:
            response = self._http.request(method, path, **kwargs)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("WeChat %s failed: %s", path, type(exc).__name__)
            raise WeChatUnavailable(self._retry_after) from exc
        if not isinstance(data, dict):
            raise WeChatUnavailable(self._retry_after)
        errcode = data.get("errcode", 0)
        if errcode in (0, None):
            return data
        log.warning("WeChat %s answered errcode %r", path, errcode)
        if not isinstance(errcode, int):
            raise WeChatUnavailable(self._retry_after)
        raise_for_errcode(errcode, str(data.get("errmsg", "")), self._retry_after)
        return data  # not reached: raise_for_errcode always raises


_FAKE_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# WeChat's rules: a scene of 1-32 visible characters from this set; a page path without
# a leading slash or query string.
SCENE = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$")
_PAGE = re.compile(r"^[A-Za-z0-9_\-]+(?:/[A-Za-z0-9_\-]+)*$")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"


def validate_scene(scene: str) -> None:
    if not isinstance(scene, str) or not SCENE.match(scene):
        raise ValueError("scene must be 1-32 characters of WeChat's allowed set")


class FakeWeChatClient:
    """Stands in for WeChat in tests and development.

    A code maps to the openid `fake-<code>`. Codes starting with `invalid`, `used`,
    `risky`, `busy` or `timeout` produce the matching WeChat failure.
    """

    appid = "fake-appid"

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.access_token_fetches = 0
        self.messages = FakeMessaging()
        # True: msgSecCheck cannot be reached (its callers must queue the check).
        self.security_unavailable = False

    def code2session(self, code: str) -> WeChatSession:
        self.calls.append(code)
        if not _FAKE_CODE.match(code) or code.startswith(("invalid", "used")):
            raise WeChatCodeInvalid()
        if code.startswith("risky"):
            raise WeChatUserRestricted()
        if code.startswith(("busy", "timeout")):
            raise WeChatUnavailable()
        return WeChatSession(openid=f"fake-{code}", session_key=f"fake-session-key-{code}")

    def get_access_token(self) -> str:
        self.access_token_fetches += 1
        return "fake-access-token"

    def get_wxacode_unlimit(self, scene: str, page: str, *, env_version: str = "release") -> bytes:
        raise NotImplementedError("without WeChat, enrollment codes are plain QR codes")

    def send_subscribe_message(
        self, openid: str, template_id: str, data: dict, page: str, **options
    ) -> SendResult:
        return self.messages.send(openid, template_id, data, page, **options)

    def msg_sec_check(self, openid: str, content: str, scene: int) -> Verdict | None:
        return None if self.security_unavailable else self.messages.verdict(content)
