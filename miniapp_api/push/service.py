"""The push domain's public use cases (re-exported from their modules)."""

from miniapp_api.push.broadcasts import (
    announce,
    cancel_broadcast,
    create_broadcast,
    get_broadcast,
)
from miniapp_api.push.periodic import (
    announce_due_content,
    consistency_check,
    send_event_reminders,
)
from miniapp_api.push.subscriptions import (
    configure,
    export_subscriptions,
    forget_subscriptions,
    record_results,
    standings,
)

__all__ = [
    "announce",
    "announce_due_content",
    "cancel_broadcast",
    "configure",
    "consistency_check",
    "create_broadcast",
    "export_subscriptions",
    "forget_subscriptions",
    "get_broadcast",
    "record_results",
    "send_event_reminders",
    "standings",
]
