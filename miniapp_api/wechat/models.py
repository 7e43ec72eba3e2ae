"""The shared WeChat access-token cache, for deployments without Redis."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.storage import db


class WeChatToken(db.Model):
    """One cached credential (e.g. the access token of one app id), with a refresh lease
    so that only one worker asks WeChat for a new one at a time."""

    __tablename__ = "wechat_tokens"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(32))
