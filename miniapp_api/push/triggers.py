"""What makes a message go out: the other domains' signals, heard inside their unit of
work, queue a job that runs once it has committed."""

from __future__ import annotations

from dataclasses import asdict

from miniapp_api.jobs import enqueue, job
from miniapp_api.push import broadcasts
from miniapp_api.push.jobs import deliver
from miniapp_api.push.sending import Message
from miniapp_api.timeutil import to_local, utcnow

APPROVED_NOTE = "欢迎成为反诈宣传员"
PICKUP_NOTE = "请凭取件码到所在社区警务站领取"


@job()
def push_content(kind: str, content_id: int) -> None:
    broadcasts.announce(kind, content_id)


def on_content_published(_sender, kind: str, content_id: int, **_extra) -> None:
    """A warning or article out in a fraud type: to the users subscribed to it."""
    enqueue(push_content, kind, content_id)


def on_application_decided(_sender, application, **_extra) -> None:
    """The applicant learns the decision."""
    approved = application.status == "approved"
    values = {
        "thing1": application.zone.name,
        "phrase2": "已通过" if approved else "未通过",
        "thing3": APPROVED_NOTE if approved else (application.reason or "-"),
        "time4": to_local(application.decided_at or utcnow()),
    }
    message = Message(f"application:{application.id}", "application_decided", values)
    enqueue(deliver, asdict(message), [application.user_id])


def on_redemption_created(_sender, redemption, **_extra) -> None:
    """A redeemed reward waits at the station under its pickup code."""
    values = {
        "thing1": redemption.reward.name,
        "character_string2": redemption.code,
        "thing3": PICKUP_NOTE,
        "time4": to_local(redemption.created_at or utcnow()),
    }
    message = Message(f"redemption:{redemption.id}", "reward_ready", values, f"id={redemption.id}")
    enqueue(deliver, asdict(message), [redemption.user_id])
