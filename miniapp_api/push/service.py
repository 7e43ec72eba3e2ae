"""The push domain's public use cases (re-exported from their modules)."""

from miniapp_api.push.subscriptions import (
    configure,
    export_subscriptions,
    forget_subscriptions,
    record_results,
    standings,
)

__all__ = [
    "configure",
    "export_subscriptions",
    "forget_subscriptions",
    "record_results",
    "standings",
]
