"""Officers' corrections of a user's points."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from miniapp_api.points import ledger
from miniapp_api.storage import db, use_case
from miniapp_api.users import service as users
from miniapp_api.users.models import User


@dataclass(frozen=True)
class Adjustment:
    user_id: int
    delta: int
    note: str
    balance: int
    created_at: datetime


@use_case
def adjust(
    user_id: int, delta: int, note: str, actor: User, idempotency_key: str | None
) -> Adjustment:
    """A correction with a mandatory reason (`admin_adjust`, not counted as earned).
    Replaying the same Idempotency-Key returns the first adjustment and changes nothing."""
    ref = f"idem:{actor.id}:{idempotency_key}" if idempotency_key else f"adj:{uuid.uuid4().hex}"
    users.lock(user_id)
    entry = ledger.find(user_id, "admin_adjust", ref)
    if entry is None:
        entry = ledger.write(user_id, delta, "admin_adjust", ref, note=note, actor_id=actor.id)
    balance = db.session.scalar(select(User.points_balance).where(User.id == user_id))
    return Adjustment(user_id, entry.delta, entry.note, balance, entry.created_at)
