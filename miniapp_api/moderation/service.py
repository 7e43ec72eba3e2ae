"""Content security: text other users will see (nicknames on the boards, event titles and
descriptions, promoters' organisations) goes through WeChat's msgSecCheck (v2) before it
is stored, when `CONTENT_SECURITY` is on (by default when WeChat is configured).

Three outcomes: `risky` refuses the write (422 CONTENT_RISKY, nothing stored); `review`
stores it but hides it from others (a `review` row) until an officer clears it; WeChat
unreachable or erring accepts it, keeps a `pending` row and queues a later check (a job,
retried; a periodic sweep catches what the queue lost), which applies the verdict then.

A subject's domain calls `judge` before it writes and `keep` once the subject has an id
(one step of its use case), or `screen` when the id is known. A new text for a subject
supersedes its open reviews. What a rejection does to a subject is registered per kind
(`register_rejection`, by `wiring`): a nickname is reset here; events and applications
belong to the zones domain.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx
from flask import Flask, current_app
from sqlalchemy import Select, delete, select

from miniapp_api.errors import AppError, ContentRisky
from miniapp_api.jobs import crontab, enqueue, job, periodic
from miniapp_api.moderation.models import (
    EVENT,
    NICKNAME,
    OPEN,
    ORGANISATION,
    PENDING,
    REJECTED,
    REVIEW,
    ContentReview,
)
from miniapp_api.storage import db, use_case
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import User
from miniapp_api.wechat import get_wechat_client
from miniapp_api.wechat.messaging import Verdict

log = logging.getLogger(__name__)

PLACEHOLDER_NICKNAME = "微信用户"
# msgSecCheck scenes: 1 资料 (profile), 2 评论, 3 论坛, 4 社交日志.
SCENES = {NICKNAME: 1, ORGANISATION: 1, EVENT: 3}
RISKY_FIELD_MESSAGE = "内容可能含有违规信息，请修改"
REJECTIONS_KEY = "content_rejections"
RECHECK_RETRIES, RECHECK_DELAY_SECONDS = 5, 120
# A pending row older than SWEEP_AFTER is queued again, until it is SWEEP_UNTIL old (then
# it waits in the queue for an officer: WeChat keeps refusing to judge it).
SWEEP_AFTER, SWEEP_UNTIL = timedelta(minutes=30), timedelta(days=1)


class StillUnjudged(Exception):
    """WeChat could not judge the text yet: the job raises it to be retried."""


@dataclass(frozen=True)
class Screening:
    kind: str
    text: str
    verdict: Verdict | None  # None: WeChat could not say (the text is kept pending)


def register_rejection(app: Flask, kind: str, reject: Callable[[int], None]) -> None:
    """What rejecting a text of `kind` does to its subject (given its id), in the
    rejection's unit of work."""
    app.extensions.setdefault(REJECTIONS_KEY, {})[kind] = reject


def enabled() -> bool:
    return bool(current_app.config.get("CONTENT_SECURITY"))


def judge(author: User, kind: str, text: str | None, fields: tuple[str, ...]) -> Screening | None:
    """WeChat's verdict on `text` (None when nothing is checked: off, or no text).
    CONTENT_RISKY, naming `fields`, when WeChat says risky."""
    if not enabled() or not (text or "").strip():
        return None
    verdict = _ask(author.openid, text, SCENES[kind])
    if verdict is Verdict.RISKY:
        raise ContentRisky(errors={"json": {field: [RISKY_FIELD_MESSAGE] for field in fields}})
    return Screening(kind, text, verdict)


def _ask(openid: str, text: str, scene: int) -> Verdict | None:
    try:
        return get_wechat_client().msg_sec_check(openid, text, scene)
    except (AppError, httpx.HTTPError) as exc:  # the access token could not be had
        log.warning("msgSecCheck unavailable: %s", type(exc).__name__)
        return None


def keep(
    screening: Screening | None, subject_id: int, author: User, zone_id: int | None
) -> ContentReview | None:
    """Record the screening of a stored subject (a step): its earlier open reviews are
    superseded; `review` and unknown verdicts leave a row (unknown ones queue a check)."""
    if screening is None:
        return None
    db.session.execute(
        delete(ContentReview).where(
            ContentReview.kind == screening.kind,
            ContentReview.subject_id == subject_id,
            ContentReview.status.in_(OPEN),
        )
    )
    if screening.verdict is Verdict.PASS:
        return None
    row = ContentReview(
        kind=screening.kind,
        subject_id=subject_id,
        user_id=author.id,
        zone_id=zone_id,
        text=screening.text,
        status=REVIEW if screening.verdict is Verdict.REVIEW else PENDING,
    )
    db.session.add(row)
    db.session.flush()
    if row.status == PENDING:
        enqueue(recheck, row.id)
    return row


def screen(
    author: User,
    kind: str,
    subject_id: int,
    text: str | None,
    zone_id: int | None,
    fields: tuple[str, ...],
) -> None:
    """`judge` then `keep`, for a subject that already has its id."""
    keep(judge(author, kind, text, fields), subject_id, author, zone_id)


def held(kind: str) -> Select:
    """The ids of the subjects of `kind` hidden from others (held for review)."""
    return select(ContentReview.subject_id).where(
        ContentReview.kind == kind, ContentReview.status == REVIEW
    )


def held_among(kind: str, subject_ids: list[int]) -> set[int]:
    if not subject_ids:
        return set()
    return set(db.session.scalars(held(kind).where(ContentReview.subject_id.in_(subject_ids))))


def is_held(kind: str, subject_id: int) -> bool:
    return bool(held_among(kind, [subject_id]))


def reject_subject(row: ContentReview) -> None:
    """Undo a rejected text where others would see it (a step)."""
    if row.kind == NICKNAME:
        user = db.session.get(User, row.subject_id)
        if user is not None and user.nickname == row.text:
            user.nickname = PLACEHOLDER_NICKNAME
        return
    reject = current_app.extensions.get(REJECTIONS_KEY, {}).get(row.kind)
    if reject is None:
        raise RuntimeError(f"no rejection registered for {row.kind}: wiring registers it")
    reject(row.subject_id)


@job(retries=RECHECK_RETRIES, retry_delay=RECHECK_DELAY_SECONDS)
def recheck(review_id: int) -> None:
    """Ask WeChat again about a pending text; retried while WeChat cannot say."""
    if apply_later_verdict(review_id) is None:
        raise StillUnjudged(review_id)


@use_case
def apply_later_verdict(review_id: int) -> str | None:
    """Apply WeChat's verdict on a pending text: pass forgets it, review holds it, risky
    rejects it (as an officer would). The status it leaves ("gone" when nothing is to be
    done any more), or None when WeChat still cannot say."""
    row = db.session.get(ContentReview, review_id, with_for_update=True)
    if row is None or row.status != PENDING:
        return "gone"
    author = db.session.get(User, row.user_id)
    verdict = _ask(author.openid, row.text, SCENES[row.kind])
    if verdict is None:
        return None
    if verdict is Verdict.PASS:
        db.session.delete(row)
        return "pass"
    if verdict is Verdict.REVIEW:
        row.status = REVIEW
    else:
        row.status, row.decided_at = REJECTED, utcnow()
        reject_subject(row)
    return row.status


@periodic(crontab(minute="*/15"))
def sweep_pending() -> None:
    """Queue again the pending checks older than SWEEP_AFTER and younger than SWEEP_UNTIL
    (their job gave up, or was lost with the queue)."""
    now = utcnow()
    ids = db.session.scalars(
        select(ContentReview.id).where(
            ContentReview.status == PENDING,
            ContentReview.created_at < now - SWEEP_AFTER,
            ContentReview.created_at > now - SWEEP_UNTIL,
        )
    ).all()
    for review_id in ids:
        enqueue(recheck, review_id)


def export_reviews(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(ContentReview).where(ContentReview.user_id == user.id).order_by(ContentReview.id)
    )
    return [
        {"kind": r.kind, "text": r.text, "status": r.status, "created_at": r.created_at}
        for r in rows
    ]


def forget_reviews(user: User) -> None:
    """Erase the user's reviews; a text still held is rejected first, so that erasing its
    review does not show it."""
    for row in db.session.scalars(
        select(ContentReview).where(
            ContentReview.user_id == user.id, ContentReview.status == REVIEW
        )
    ):
        reject_subject(row)
    db.session.execute(delete(ContentReview).where(ContentReview.user_id == user.id))
