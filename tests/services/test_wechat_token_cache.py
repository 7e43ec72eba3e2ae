"""The shared WeChat access-token cache on the real database (and Redis when configured)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import httpx
import pytest

from miniapp_api.timeutil import utcnow
from miniapp_api.wechat import client as client_module
from miniapp_api.wechat.client import WeChatClient
from miniapp_api.wechat.errors import WeChatUnavailable
from miniapp_api.wechat.token_cache import DatabaseTokenStore, RedisTokenStore

APPID = "wx-cache-test"
TOKEN_NAME = f"access_token:{APPID}"
THREADS = 8

STORES = [
    pytest.param(DatabaseTokenStore, id="database"),
    pytest.param(RedisTokenStore, id="redis", marks=pytest.mark.redis),
]


class FakeStableToken:
    """A slow fake /cgi-bin/stable_token that numbers its tokens and counts its calls."""

    def __init__(self, delay: float = 0.2) -> None:
        self.delay = delay
        self.failing = False
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/cgi-bin/stable_token"
        with self._lock:
            self.calls += 1
            number = self.calls
        time.sleep(self.delay)
        if self.failing:
            return httpx.Response(200, json={"errcode": -1, "errmsg": "system busy"})
        return httpx.Response(200, json={"access_token": f"token-{number}", "expires_in": 7200})


def make_client(server: FakeStableToken, store, **kwargs) -> WeChatClient:
    return WeChatClient(APPID, "secret", store, transport=httpx.MockTransport(server), **kwargs)


def race(app, client: WeChatClient) -> tuple[list[str], list[BaseException]]:
    """Call get_access_token from THREADS threads released at the same instant."""
    barrier = threading.Barrier(THREADS)
    tokens: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        with app.app_context():
            barrier.wait()
            try:
                tokens.append(client.get_access_token())
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return tokens, errors


def test_concurrent_callers_share_one_database_refresh(app_ctx):
    """8 simultaneous callers on the database store get one token from one stable_token call."""
    server = FakeStableToken()
    tokens, errors = race(app_ctx, make_client(server, DatabaseTokenStore()))
    assert errors == []
    assert tokens == ["token-1"] * THREADS
    assert server.calls == 1


@pytest.mark.redis
def test_concurrent_callers_share_one_redis_refresh(app_ctx):
    """8 simultaneous callers on the Redis store get one token from one stable_token call."""
    server = FakeStableToken()
    tokens, errors = race(app_ctx, make_client(server, RedisTokenStore()))
    assert errors == []
    assert tokens == ["token-1"] * THREADS
    assert server.calls == 1


@pytest.mark.parametrize("store_class", STORES)
def test_another_worker_reuses_the_cached_token(app_ctx, store_class):
    """A second client (another worker) sharing the store serves the token without HTTP."""
    first_server, second_server = FakeStableToken(delay=0), FakeStableToken(delay=0)
    assert make_client(first_server, store_class()).get_access_token() == "token-1"

    second = make_client(second_server, store_class())
    assert second.get_access_token() == "token-1"
    assert (first_server.calls, second_server.calls) == (1, 0)


def test_expired_database_token_is_refreshed_once(app_ctx):
    """A token past its expires_at is not served; one refresh replaces it for everyone."""
    store = DatabaseTokenStore()
    assert store.acquire_lease(TOKEN_NAME, "me", 5)
    store.store(TOKEN_NAME, "stale-token", utcnow() - timedelta(seconds=1))
    store.release_lease(TOKEN_NAME, "me")
    assert store.get(TOKEN_NAME) is None

    server = FakeStableToken(delay=0)
    client = make_client(server, store)
    assert client.get_access_token() == "token-1"
    assert client.get_access_token() == "token-1"
    assert store.get(TOKEN_NAME) == "token-1"
    assert server.calls == 1


@pytest.mark.parametrize("store_class", STORES)
def test_lease_of_a_crashed_worker_blocks_only_until_it_expires(app_ctx, store_class, monkeypatch):
    """A lease never released (crashed worker) delays the refresh until the lease runs out."""
    monkeypatch.setattr(client_module, "LEASE_SECONDS", 0.3)
    store = store_class()
    assert store.acquire_lease(TOKEN_NAME, "crashed", client_module.LEASE_SECONDS)  # then "crash"

    server = FakeStableToken(delay=0)
    client = make_client(server, store, timeout=2.0)  # waits up to 4 s for the token
    started = time.monotonic()
    assert client.get_access_token() == "token-1"
    assert time.monotonic() - started >= 0.25
    assert server.calls == 1


@pytest.mark.parametrize("store_class", STORES)
def test_unexpired_foreign_lease_times_out_as_unavailable(app_ctx, store_class):
    """While another worker holds the lease past the wait deadline, the caller gets a 503."""
    store = store_class()
    assert store.acquire_lease(TOKEN_NAME, "other", 30)

    server = FakeStableToken(delay=0)
    client = make_client(server, store, timeout=0.2, retry_after=9)  # waits 0.4 s
    started = time.monotonic()
    with pytest.raises(WeChatUnavailable) as caught:
        client.get_access_token()
    assert 0.35 <= time.monotonic() - started < 3
    assert caught.value.headers == {"Retry-After": "9"}
    assert server.calls == 0


@pytest.mark.parametrize("store_class", STORES)
def test_failed_refresh_releases_the_lease(app_ctx, store_class):
    """A refresh that WeChat refuses raises a 503 and frees the lease for the next caller."""
    server = FakeStableToken(delay=0)
    server.failing = True
    client = make_client(server, store_class(), timeout=5.0)
    with pytest.raises(WeChatUnavailable):
        client.get_access_token()
    assert server.calls == 1

    server.failing = False
    started = time.monotonic()
    assert client.get_access_token() == "token-2"
    # No waiting on a stale lease: the retry went straight to WeChat.
    assert time.monotonic() - started < 1.0
    assert server.calls == 2


def test_caller_that_read_before_another_refresh_finished_does_not_refetch(app_ctx):
    """A caller whose cache read raced a finishing refresh reuses that token, no second call."""
    server = FakeStableToken(delay=0)
    other_worker = make_client(server, DatabaseTokenStore())

    class ReadJustBeforeOtherRefreshEnds(DatabaseTokenStore):
        raced = False

        def get(self, name):
            value = super().get(name)
            if not self.raced:  # the other worker stores and releases right after our read
                self.raced = True
                other_worker.get_access_token()
            return value

    assert make_client(server, ReadJustBeforeOtherRefreshEnds()).get_access_token() == "token-1"
    assert server.calls == 1


@pytest.mark.parametrize("store_class", STORES)
def test_only_the_lease_owner_can_release_it(app_ctx, store_class):
    """A worker whose lease ran out cannot end the lease of the worker that took over."""
    store = store_class()
    assert store.acquire_lease(TOKEN_NAME, "late", 0.05)
    time.sleep(0.1)
    assert store.acquire_lease(TOKEN_NAME, "current", 30)
    store.release_lease(TOKEN_NAME, "late")
    assert not store.acquire_lease(TOKEN_NAME, "third", 30)
    store.release_lease(TOKEN_NAME, "current")
    assert store.acquire_lease(TOKEN_NAME, "third", 30)


@pytest.mark.parametrize("store_class", STORES)
def test_an_already_expired_value_is_never_served(app_ctx, store_class):
    """Storing a value whose expiry has passed leaves nothing to read."""
    store = store_class()
    assert store.acquire_lease(TOKEN_NAME, "me", 5)
    store.store(TOKEN_NAME, "stale", utcnow() - timedelta(seconds=5))
    assert store.get(TOKEN_NAME) is None
