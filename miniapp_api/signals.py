"""What the domains announce to each other (blinker signals, which Flask ships).

A domain that only tells the others that something happened sends one of these with
`announce`, inside its unit of work; the listeners react in the same transaction. The
sender is always the app, and `wiring.connect_domains` connects every receiver for one
app, so two apps in one process never share wiring. Receivers must be module-level
functions (blinker holds weak references).
"""

from __future__ import annotations

from blinker import Namespace, Signal
from flask import current_app

_signals = Namespace()

points_awarded = _signals.signal(
    "points-awarded",
    doc="points.award wrote an earning ledger row. Keyword: entry (PointsEntry).",
)
membership_changed = _signals.signal(
    "membership-changed",
    doc="A user's roles or status changed (grant, revoke, ban, unban, deletion). Keyword: user.",
)
zone_tree_changed = _signals.signal(
    "zone-tree-changed",
    doc="A zone was moved under another parent (or none). No keywords.",
)
quiz_finished = _signals.signal(
    "quiz-finished",
    doc="A quiz session was scored and not flagged. Keywords: user_id, session_id.",
)


def announce(signal: Signal, **kwargs) -> None:
    """Send `signal` from the current app to the receivers connected for it."""
    signal.send(current_app._get_current_object(), **kwargs)


content_published = _signals.signal(
    "content-published",
    doc="A warning or an article is out now (created or edited as published). "
    "Keywords: kind ('alert' or 'article'), content_id.",
)
application_decided = _signals.signal(
    "application-decided",
    doc="A promoter application was approved or rejected. Keyword: application.",
)
redemption_created = _signals.signal(
    "redemption-created",
    doc="A reward was redeemed: its pickup code is ready at the station. Keyword: redemption.",
)
