"""The push domain's public use cases (re-exported from their modules)."""

from miniapp_api.push.broadcasts import (
    announce,
    cancel_broadcast,
    create_broadcast,
    get_broadcast,
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
    "cancel_broadcast",
    "configure",
    "create_broadcast",
    "export_subscriptions",
    "forget_subscriptions",
    "get_broadcast",
    "record_results",
    "standings",
]
