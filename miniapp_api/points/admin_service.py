"""Officers' corrections of a user's points: an `admin` for anyone, a `station_admin` for
users whose zone is in its reach (else NOT_FOUND)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from miniapp_api.audit.service import audited, nothing_changed, record
from miniapp_api.errors import Forbidden, IdempotencyKeyReused
from miniapp_api.points import ledger
from miniapp_api.storage import db, get_or_404
from miniapp_api.users import service as users
from miniapp_api.users.models import User
from miniapp_api.users.reach import require_in_reach


@dataclass(frozen=True)
class Adjustment:
    user_id: int
    delta: int
    note: str
    balance: int
    created_at: datetime


@audited
def adjust(
    user_id: int, delta: int, note: str, actor: User, idempotency_key: str | None
) -> Adjustment:
    """A correction with a mandatory reason (`admin_adjust`, not counted as earned), never
    of the officer's own points. Replaying the same Idempotency-Key returns the first
    adjustment and changes nothing."""
    ref = f"idem:{actor.id}:{idempotency_key}" if idempotency_key else f"adj:{uuid.uuid4().hex}"
    users.lock(user_id)
    user = get_or_404(User, user_id, "用户不存在")
    require_in_reach(actor, user)
    if user.id == actor.id:
        raise Forbidden("不能调整自己的积分")
    entry = ledger.find(user_id, "admin_adjust", ref)
    if entry is None:
        before = user.points_balance
        entry = ledger.write(user_id, delta, "admin_adjust", ref, note=note, actor_id=actor.id)
        db.session.refresh(user, ["points_balance"])
        record(
            actor,
            "points.adjust",
            "user",
            user_id,
            zone_id=user.zone_id,
            reason=note,
            changes={"points_balance": [before, user.points_balance]},
        )
    elif (entry.delta, entry.note) != (delta, note):
        raise IdempotencyKeyReused()
    else:
        nothing_changed()
        db.session.refresh(user, ["points_balance"])
    return Adjustment(user_id, entry.delta, entry.note, user.points_balance, entry.created_at)
