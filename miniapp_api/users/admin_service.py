"""Officers' use cases on accounts: ban and unban."""

from __future__ import annotations

from miniapp_api.errors import Forbidden
from miniapp_api.storage import get_or_404, use_case
from miniapp_api.users.models import DELETED, User
from miniapp_api.users.service import set_status


@use_case
def change_status(user_id: int, status: str, actor: User) -> User:
    """An officer bans or unbans a user (not a deleted one, not themselves)."""
    user = get_or_404(User, user_id, "用户不存在", visible=lambda u: u.status != DELETED)
    if user.id == actor.id:
        raise Forbidden("不能封禁或解封自己的账号")
    set_status(user, status)
    return user
