"""Settings of subscription messages and their fan-out, read by `config.py` through its
environment reader (kept here because config.py is full). See `.env.example`."""

from __future__ import annotations

from typing import Any

TEMPLATE_KEYS = ("warning", "new_article", "application_decided", "reward_ready", "event_reminder")


def push_settings(env: Any) -> dict[str, Any]:
    """The push settings from `env` (config's reader: `str`, `int`, `float`, `json`)."""
    return {
        # Template ids WeChat gave each key (placeholders in development and tests).
        "WECHAT_TEMPLATE_IDS": {
            key: env.str(f"WECHAT_TEMPLATE_{key.upper()}") for key in TEMPLATE_KEYS
        },
        # JSON: {key: {template_id?, fields?, page?, long_term?}} overriding the defaults.
        "WECHAT_TEMPLATES": env.json("WECHAT_TEMPLATES", {}),
        # The mini-program version a card opens: formal, trial or developer.
        "WECHAT_MINIPROGRAM_STATE": env.str("WECHAT_MINIPROGRAM_STATE", "formal"),
        # Recipients per fan-out job, and sends per second per job (0: no limit).
        "PUSH_BATCH_SIZE": env.int("PUSH_BATCH_SIZE", 500),
        "PUSH_SEND_RATE": env.float("PUSH_SEND_RATE", 20.0),
        # Deliveries still pending after this many minutes are reported (never resent).
        "PUSH_STALE_MINUTES": env.int("PUSH_STALE_MINUTES", 15),
        # Event reminders go out this many minutes before the start.
        "PUSH_REMINDER_MINUTES": env.int("PUSH_REMINDER_MINUTES", 30),
    }
