"""Officers' use cases on accounts: ban and unban, with a reason, audited. An `admin`
acts on anyone; a `station_admin` on users whose zone is in its reach (else NOT_FOUND)."""

from __future__ import annotations

from miniapp_api.audit.service import audited, record
from miniapp_api.errors import Forbidden
from miniapp_api.storage import get_or_404
from miniapp_api.users.models import BANNED, DELETED, User
from miniapp_api.users.reach import require_in_reach
from miniapp_api.users.service import set_status

OFFICERS = ("admin", "station_admin")


@audited
def change_status(user_id: int, status: str, actor: User, reason: str | None = None) -> User:
    """An officer bans (a reason is required) or unbans a user (not a deleted one, not
    themselves; a station admin not another officer)."""
    user = get_or_404(User, user_id, "用户不存在", visible=lambda u: u.status != DELETED)
    reach = require_in_reach(actor, user)
    if user.id == actor.id:
        raise Forbidden("不能封禁或解封自己的账号")
    if not reach.citywide and user.has_role(*OFFICERS):
        raise Forbidden("只有市级管理员可以封禁或解封管理人员的账号")
    before = user.status
    set_status(user, status, actor=actor, reason=reason)
    action = "user.ban" if status == BANNED else "user.unban"
    record(
        actor,
        action,
        "user",
        user.id,
        zone_id=user.zone_id,
        reason=reason,
        changes={"status": [before, user.status]},
    )
    return user
