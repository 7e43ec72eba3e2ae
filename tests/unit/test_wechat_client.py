"""WeChatClient against a fake WeChat server (httpx.MockTransport), and FakeWeChatClient."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import httpx
import pytest

from miniapp_api.timeutil import utcnow
from miniapp_api.wechat.client import FakeWeChatClient, WeChatClient, WeChatSession
from miniapp_api.wechat.errors import WeChatCodeInvalid, WeChatUnavailable, WeChatUserRestricted

APPID, SECRET, RETRY_AFTER = "wx-unit-app", "unit-secret", 7


class MemoryTokenStore:
    """The TokenStore protocol in a dict, for one process."""

    def __init__(self) -> None:
        self.values: dict[str, tuple[str, datetime]] = {}
        self.leases: set[str] = set()

    def get(self, name: str) -> str | None:
        value, expires_at = self.values.get(name, (None, None))
        return value if expires_at is not None and expires_at > utcnow() else None

    def acquire_lease(self, name: str, owner: str, seconds: float) -> bool:
        if name in self.leases:
            return False
        self.leases.add(name)
        return True

    def store(self, name: str, value: str, expires_at: datetime) -> None:
        self.values[name] = (value, expires_at)

    def release_lease(self, name: str, owner: str) -> None:
        self.leases.discard(name)


class FakeServer:
    """Answers every request with `respond(request)` and records the requests."""

    def __init__(self, respond) -> None:
        self.respond = respond
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.respond(request)


def make_client(respond, store=None, **kwargs) -> tuple[WeChatClient, FakeServer]:
    server = FakeServer(respond)
    client = WeChatClient(
        APPID,
        SECRET,
        store if store is not None else MemoryTokenStore(),
        retry_after=RETRY_AFTER,
        transport=httpx.MockTransport(server),
        **kwargs,
    )
    return client, server


def answer(payload, status: int = 200):
    return lambda _request: httpx.Response(status, json=payload)


def test_code2session_sends_the_documented_query_and_returns_the_session():
    """code2session GETs /sns/jscode2session with the four parameters and parses the answer."""
    client, server = make_client(answer({"openid": "o-1", "session_key": "sk-1", "unionid": "u-1"}))

    session = client.code2session("the-code")

    assert session == WeChatSession(openid="o-1", session_key="sk-1", unionid="u-1")
    [request] = server.requests
    assert request.method == "GET"
    assert request.url.path == "/sns/jscode2session"
    assert dict(request.url.params) == {
        "appid": APPID,
        "secret": SECRET,
        "js_code": "the-code",
        "grant_type": "authorization_code",
    }


def test_code2session_without_unionid_leaves_it_none():
    """A user with no unionid yields unionid None."""
    client, _ = make_client(answer({"openid": "o-2", "session_key": "sk-2"}))
    assert client.code2session("c").unionid is None


@pytest.mark.parametrize("errcode", [40029, 40163])
def test_invalid_or_used_code_is_code_invalid(errcode):
    """errcode 40029 (invalid) and 40163 (already used) mean the code is invalid: 401."""
    client, _ = make_client(answer({"errcode": errcode, "errmsg": "invalid code"}))
    with pytest.raises(WeChatCodeInvalid) as caught:
        client.code2session("c")
    assert (caught.value.status_code, caught.value.error_code) == (401, "WECHAT_CODE_INVALID")


def test_risky_user_is_restricted():
    """errcode 40226 (high-risk user) is WeChatUserRestricted: 403."""
    client, _ = make_client(answer({"errcode": 40226, "errmsg": "high risk user"}))
    with pytest.raises(WeChatUserRestricted) as caught:
        client.code2session("c")
    assert (caught.value.status_code, caught.value.error_code) == (403, "WECHAT_USER_RESTRICTED")


def _raise(exc_type):
    def respond(request):
        raise exc_type("simulated", request=request)

    return respond


UNAVAILABLE_ANSWERS = {
    "rate-limited-45011": answer({"errcode": 45011, "errmsg": "api minute-quota reach limit"}),
    "busy-minus-1": answer({"errcode": -1, "errmsg": "system error"}),
    "unknown-errcode": answer({"errcode": 99999, "errmsg": "who knows"}),
    "http-502": answer({"errmsg": "bad gateway"}, status=502),
    "not-json": lambda _r: httpx.Response(200, text="<html>oops</html>"),
    "json-list": answer(["openid", "session_key"]),
    "no-session-key": answer({"openid": "o-3"}),
    "text-errcode": answer({"errcode": "oops", "errmsg": "?"}),
    "read-timeout": _raise(httpx.ReadTimeout),
    "connect-timeout": _raise(httpx.ConnectTimeout),
}


@pytest.mark.parametrize("respond", UNAVAILABLE_ANSWERS.values(), ids=UNAVAILABLE_ANSWERS.keys())
def test_wechat_trouble_is_unavailable_with_retry_after(respond):
    """Rate limits, busy/unknown errcodes, bad HTTP, bad bodies and timeouts are a 503."""
    client, server = make_client(respond)
    with pytest.raises(WeChatUnavailable) as caught:
        client.code2session("c")
    assert caught.value.status_code == 503
    assert caught.value.error_code == "WECHAT_UNAVAILABLE"
    assert caught.value.headers == {"Retry-After": str(RETRY_AFTER)}
    assert len(server.requests) == 1


def test_http_client_uses_the_configured_timeout():
    """Every phase (connect, read, write, pool) has the configured timeout, on each request."""
    seen = []

    def respond(request):
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json={"openid": "o", "session_key": "sk"})

    client, _ = make_client(respond, timeout=2.5)
    assert client._http.timeout == httpx.Timeout(2.5)
    client.code2session("c")
    assert seen == [{"connect": 2.5, "read": 2.5, "write": 2.5, "pool": 2.5}]


def token_answer(token="AT-1", expires_in=7200):
    return answer({"access_token": token, "expires_in": expires_in})


def test_access_token_is_fetched_from_stable_token_once_and_then_reused():
    """get_access_token POSTs to /cgi-bin/stable_token once, then serves the stored token."""
    store = MemoryTokenStore()
    client, server = make_client(token_answer(), store=store)

    assert client.get_access_token() == "AT-1"
    assert client.get_access_token() == "AT-1"

    [request] = server.requests
    assert request.method == "POST"
    assert request.url.path == "/cgi-bin/stable_token"
    assert json.loads(request.content) == {
        "grant_type": "client_credential",
        "appid": APPID,
        "secret": SECRET,
        "force_refresh": False,
    }
    value, expires_at = store.values[f"access_token:{APPID}"]
    assert value == "AT-1"
    # Refreshed five minutes before WeChat's 7200 s run out.
    expected = utcnow() + timedelta(seconds=7200 - 300)
    assert abs((expires_at - expected).total_seconds()) < 5
    assert store.leases == set()


def test_short_lived_access_token_keeps_a_minute_of_validity():
    """An expires_in below the early-refresh margin still caches the token for ~60 s."""
    store = MemoryTokenStore()
    client, _ = make_client(token_answer(expires_in=30), store=store)
    client.get_access_token()
    _, expires_at = store.values[f"access_token:{APPID}"]
    assert abs((expires_at - (utcnow() + timedelta(seconds=60))).total_seconds()) < 5


@pytest.mark.parametrize(
    "respond",
    [
        answer({"errcode": -1, "errmsg": "busy"}),
        answer({"expires_in": 7200}),
        answer({"access_token": "AT", "expires_in": "7200s"}),
    ],
    ids=["errcode", "no-access-token", "text-expires-in"],
)
def test_failed_access_token_fetch_is_unavailable_and_frees_the_lease(respond):
    """A failed stable_token call raises a 503, stores nothing and releases the lease."""
    store = MemoryTokenStore()
    client, _ = make_client(respond, store=store)
    with pytest.raises(WeChatUnavailable) as caught:
        client.get_access_token()
    assert caught.value.headers == {"Retry-After": str(RETRY_AFTER)}
    assert store.values == {}
    assert store.leases == set()


@pytest.mark.parametrize("code", ["alice", "bob_2", "x-y"])
def test_fake_client_maps_a_code_to_a_fake_openid(code):
    """FakeWeChatClient turns code `alice` into openid `fake-alice` and records the call."""
    fake = FakeWeChatClient()
    session = fake.code2session(code)
    assert session.openid == f"fake-{code}"
    assert session.session_key
    assert fake.calls == [code]


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("invalid", WeChatCodeInvalid),
        ("invalid-123", WeChatCodeInvalid),
        ("used-once", WeChatCodeInvalid),
        ("has space", WeChatCodeInvalid),
        ("", WeChatCodeInvalid),
        ("risky-user", WeChatUserRestricted),
        ("busy", WeChatUnavailable),
        ("timeout-now", WeChatUnavailable),
    ],
)
def test_fake_client_failure_codes(code, error):
    """Code prefixes invalid/used, risky and busy/timeout produce the matching failure."""
    with pytest.raises(error):
        FakeWeChatClient().code2session(code)


def test_fake_client_access_token_counts_fetches():
    """The fake hands out a fixed access token and counts the fetches."""
    fake = FakeWeChatClient()
    assert fake.get_access_token() == "fake-access-token"
    assert fake.access_token_fetches == 1
