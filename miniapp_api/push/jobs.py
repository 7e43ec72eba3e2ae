"""The push domain's background jobs: one batch of recipients per job, retried with
backoff when WeChat asks to try later (45009, -1) or cannot be reached."""

from __future__ import annotations

from sqlalchemy import update

from miniapp_api.jobs import job
from miniapp_api.push.models import CANCELLED, QUEUED, SENDING, Broadcast
from miniapp_api.push.sending import Message, send_batch
from miniapp_api.storage import db, get_or_404, use_case
from miniapp_api.timeutil import utcnow


@job(retries=6, retry_delay=30, retry_backoff=2)
def deliver(message: dict, user_ids: list[int], broadcast_id: int | None = None) -> None:
    """Send `message` (Message's fields) to `user_ids`, each at most once."""
    if broadcast_id is not None and not _start(broadcast_id):
        return
    send_batch(Message(**message), user_ids, broadcast_id)


@use_case
def _start(broadcast_id: int) -> bool:
    """Mark the broadcast sending (its first batch); False once it is cancelled."""
    db.session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == QUEUED)
        .values(status=SENDING, started_at=utcnow())
    )
    broadcast = get_or_404(Broadcast, broadcast_id)
    db.session.refresh(broadcast)
    return broadcast.status != CANCELLED
