"""Subscription messages (subscribeMessage.send) and content security (msgSecCheck v2),
for the real client and its fake.

WeChat's answers are mapped to what the caller must do next: a message is sent, refused
for good by the user (43101: no quota left), failed for good (a bad openid, template
data or page: 40003, 47003, 41030), or must be retried later (45009 rate limit, -1
busy, a network failure). An expired or invalid access token (40001, 42001) is refreshed
once and the call repeated.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import Enum

import httpx

log = logging.getLogger(__name__)

REFUSED_ERRCODES = frozenset({43101})
PERMANENT_ERRCODES = frozenset({40003, 47003, 41030})
TOKEN_ERRCODES = frozenset({40001, 42001})


class Outcome(Enum):
    SENT = "sent"
    REFUSED = "refused"  # the user has no quota for this template (or refused it)
    PERMANENT = "permanent"  # the message can never be delivered as it is
    RETRY = "retry"  # try again later


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    errcode: int = 0
    msgid: str | None = None


def outcome_of(errcode: int) -> Outcome:
    if errcode == 0:
        return Outcome.SENT
    if errcode in REFUSED_ERRCODES:
        return Outcome.REFUSED
    if errcode in PERMANENT_ERRCODES:
        return Outcome.PERMANENT
    return Outcome.RETRY  # 45009, -1 and anything unknown


class Verdict(Enum):
    PASS = "pass"
    REVIEW = "review"  # shown to its author only, until an officer clears it
    RISKY = "risky"  # refused


class SubscribeMessaging:
    """Mixed into `WeChatClient` (which has `_http`, `get_access_token`, `refresh_access_token`)."""

    def send_subscribe_message(
        self,
        openid: str,
        template_id: str,
        data: dict[str, str],
        page: str,
        *,
        state: str = "formal",
        lang: str = "zh_CN",
    ) -> SendResult:
        body = {
            "touser": openid,
            "template_id": template_id,
            "page": page,
            "data": {name: {"value": value} for name, value in data.items()},
            "miniprogram_state": state,
            "lang": lang,
        }
        answer = self._post_with_token("/cgi-bin/message/subscribe/send", body)
        if answer is None:
            return SendResult(Outcome.RETRY, -1)
        errcode = answer.get("errcode", 0)
        errcode = errcode if isinstance(errcode, int) else -1
        return SendResult(outcome_of(errcode), errcode, str(answer.get("msgid") or "") or None)

    def msg_sec_check(self, openid: str, content: str, scene: int) -> Verdict | None:
        """WeChat's verdict on text others will see; None when WeChat could not say."""
        body = {"content": content, "version": 2, "scene": scene, "openid": openid}
        answer = self._post_with_token("/wxa/msg_sec_check", body)
        if answer is None or answer.get("errcode", 0) != 0:
            return None
        suggest = (answer.get("result") or {}).get("suggest")
        return {"pass": Verdict.PASS, "review": Verdict.REVIEW, "risky": Verdict.RISKY}.get(suggest)

    def _post_with_token(self, path: str, body: dict) -> dict | None:
        """POST with the access token; one refresh and retry on a token error. None when
        WeChat could not be reached or answered something that is not JSON."""
        token = self.get_access_token()
        for attempt in (1, 2):
            try:
                response = self._http.post(path, params={"access_token": token}, json=body)
                response.raise_for_status()
                answer = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("WeChat %s failed: %s", path, type(exc).__name__)
                return None
            if not isinstance(answer, dict):
                return None
            if answer.get("errcode") in TOKEN_ERRCODES and attempt == 1:
                token = self.refresh_access_token(token)
                continue
            return answer
        return None


@dataclass
class FakeMessaging:
    """The fake's side: every message is recorded; `fail_with` makes the next sends to an
    openid answer an errcode; text containing a word of `risky_words` (or
    `review_words`) gets that verdict."""

    sent: list[dict] = field(default_factory=list)
    failures: dict[str, list[int]] = field(default_factory=dict)
    risky_words: tuple[str, ...] = ("赌博", "代开发票", "刷单兼职")
    review_words: tuple[str, ...] = ("加微信", "私聊")
    checks: list[str] = field(default_factory=list)

    def fail_with(self, openid: str, *errcodes: int) -> None:
        self.failures.setdefault(openid, []).extend(errcodes)

    def send(self, openid: str, template_id: str, data: dict, page: str, **options) -> SendResult:
        pending = self.failures.get(openid)
        errcode = pending.pop(0) if pending else 0
        if errcode == 0:
            self.sent.append(
                {"touser": openid, "template_id": template_id, "data": data, "page": page}
            )
        return SendResult(
            outcome_of(errcode), errcode, f"fake-{len(self.sent)}" if not errcode else None
        )

    def verdict(self, content: str) -> Verdict:
        self.checks.append(content)
        if any(word in content for word in self.risky_words):
            return Verdict.RISKY
        if any(word in content for word in self.review_words):
            return Verdict.REVIEW
        return Verdict.PASS
