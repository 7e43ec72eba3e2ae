"""Text others will see, screened before the users domain stores it (a nickname): the
check is the moderation domain's, which `wiring.connect_domains` registers here per app,
so the users domain, a source of truth, imports nothing above it."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

EXTENSION_KEY = "text_screening"
# (author, kind, subject_id, text, zone_id, fields) -> None; raises to refuse the text.
Screen = Callable[..., None]


def register(app: Flask, screen: Screen) -> None:
    app.extensions[EXTENSION_KEY] = screen


def screen_nickname(user, nickname: str | None) -> None:
    """Refuse (CONTENT_RISKY), hold or accept a new nickname (a step of the change)."""
    hook = current_app.extensions.get(EXTENSION_KEY)
    if hook is not None:
        hook(user, "nickname", user.id, nickname, user.zone_id, ("nickname",))
