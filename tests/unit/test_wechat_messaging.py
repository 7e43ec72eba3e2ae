"""subscribeMessage.send and msgSecCheck v2 against a fake WeChat server: the request
WeChat documents, every errcode mapped to what the caller does next, one token refresh."""

from __future__ import annotations

import json

import httpx
import pytest

from miniapp_api.wechat.client import FakeWeChatClient
from miniapp_api.wechat.messaging import Outcome, Verdict
from tests.unit.test_wechat_client import make_client

TOKEN = {"access_token": "tok-1", "expires_in": 7200}


def server(*answers):
    """The first request gets a token; later ones get `answers` in turn (the last repeats)."""
    queue = list(answers)

    def respond(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/cgi-bin/stable_token":
            body = json.loads(request.content)
            return httpx.Response(
                200, json={**TOKEN, "access_token": "tok-2" if body["force_refresh"] else "tok-1"}
            )
        payload = queue.pop(0) if len(queue) > 1 else queue[0]
        return httpx.Response(200, json=payload)

    return respond


def send(client):
    return client.send_subscribe_message(
        "o-1", "tmpl-1", {"thing1": "慈溪发布刷单预警", "time2": "2026-12-01 10:00"}, "pages/a/b"
    )


def test_send_posts_the_documented_body():
    client, fake = make_client(server({"errcode": 0, "msgid": 12345}))
    result = send(client)
    assert (result.outcome, result.msgid) == (Outcome.SENT, "12345")
    request = fake.requests[-1]
    assert request.url.path == "/cgi-bin/message/subscribe/send"
    assert request.url.params["access_token"] == "tok-1"
    assert json.loads(request.content) == {
        "touser": "o-1",
        "template_id": "tmpl-1",
        "page": "pages/a/b",
        "data": {"thing1": {"value": "慈溪发布刷单预警"}, "time2": {"value": "2026-12-01 10:00"}},
        "miniprogram_state": "formal",
        "lang": "zh_CN",
    }


@pytest.mark.parametrize(
    ("errcode", "outcome"),
    [
        (43101, Outcome.REFUSED),  # no quota: the user refused, do not retry
        (40003, Outcome.PERMANENT),  # invalid openid
        (47003, Outcome.PERMANENT),  # template data not as the template wants
        (41030, Outcome.PERMANENT),  # invalid page
        (45009, Outcome.RETRY),  # over the daily limit: later
        (-1, Outcome.RETRY),  # busy
    ],
)
def test_each_errcode_says_what_to_do_next(errcode, outcome):
    client, _ = make_client(server({"errcode": errcode, "errmsg": "x"}))
    result = send(client)
    assert (result.outcome, result.errcode) == (outcome, errcode)


@pytest.mark.parametrize("errcode", [40001, 42001])
def test_a_refused_token_is_refreshed_once_and_the_send_repeated(errcode):
    client, fake = make_client(server({"errcode": errcode}, {"errcode": 0, "msgid": 7}))
    assert send(client).outcome == Outcome.SENT
    sends = [r for r in fake.requests if r.url.path.endswith("/subscribe/send")]
    assert [r.url.params["access_token"] for r in sends] == ["tok-1", "tok-2"]
    assert client.get_access_token() == "tok-2"  # the new token is shared from now on


def test_a_token_refused_twice_is_not_refreshed_forever():
    client, fake = make_client(server({"errcode": 40001}))
    assert send(client).outcome == Outcome.RETRY
    assert len([r for r in fake.requests if r.url.path.endswith("/subscribe/send")]) == 2


def test_network_failures_are_retried_later():
    def respond(request):
        if request.url.path == "/cgi-bin/stable_token":
            return httpx.Response(200, json=TOKEN)
        raise httpx.ReadTimeout("slow", request=request)

    client, _ = make_client(respond)
    assert send(client).outcome == Outcome.RETRY


@pytest.mark.parametrize(
    ("suggest", "verdict"),
    [("pass", Verdict.PASS), ("review", Verdict.REVIEW), ("risky", Verdict.RISKY)],
)
def test_msg_sec_check_v2(suggest, verdict):
    client, fake = make_client(server({"errcode": 0, "result": {"suggest": suggest}}))
    assert client.msg_sec_check("o-1", "慈溪反诈宣传", scene=1) == verdict
    request = fake.requests[-1]
    assert request.url.path == "/wxa/msg_sec_check"
    assert json.loads(request.content) == {
        "content": "慈溪反诈宣传",
        "version": 2,
        "scene": 1,
        "openid": "o-1",
    }


def test_msg_sec_check_unavailable_says_nothing():
    client, _ = make_client(server({"errcode": -1}))
    assert client.msg_sec_check("o-1", "text", scene=1) is None


def test_the_fake_records_messages_fails_when_told_and_judges_by_a_word_list():
    fake = FakeWeChatClient()
    fake.messages.fail_with("o-2", 43101)
    assert fake.send_subscribe_message("o-1", "t", {"a": "b"}, "p").outcome == Outcome.SENT
    assert fake.send_subscribe_message("o-2", "t", {"a": "b"}, "p").outcome == Outcome.REFUSED
    assert fake.send_subscribe_message("o-2", "t", {"a": "b"}, "p").outcome == Outcome.SENT
    assert [m["touser"] for m in fake.messages.sent] == ["o-1", "o-2"]
    assert fake.msg_sec_check("o-1", "周末一起去赌博", 1) == Verdict.RISKY
    assert fake.msg_sec_check("o-1", "有事加微信聊", 1) == Verdict.REVIEW
    assert fake.msg_sec_check("o-1", "防骗宣传进社区", 1) == Verdict.PASS
    fake.security_unavailable = True
    assert fake.msg_sec_check("o-1", "防骗宣传进社区", 1) is None
