"""How the domains work together, for one app: who listens to which signal, which
domains keep personal data about a user, and who says how far an officer reaches (the
zones domain, for the users and points domains' admin use cases). Called once from
`create_app`.

Arrows point from a source of truth to what follows it: the ledger announces awards
and the leaderboards listen; scoring announces a finished quiz and enrollment listens
for the recruit bonus; the users domain announces membership changes, the zones domain
a zone moved in the tree (the leaderboards roll sub-zones up). The articles domain says
what version the public content is at (for the public reads' shared answers). The
moderation domain screens nicknames for the users domain and undoes rejected event and
organisation texts through the zones domain.
"""

from __future__ import annotations

from flask import Flask

from miniapp_api import response_cache, signals
from miniapp_api.articles import service as articles
from miniapp_api.leaderboards import scores
from miniapp_api.moderation import service as moderation
from miniapp_api.moderation.models import EVENT, ORGANISATION
from miniapp_api.points import service as points
from miniapp_api.push import service as push
from miniapp_api.push import triggers
from miniapp_api.quizzes import service as quizzes
from miniapp_api.rewards import service as rewards
from miniapp_api.staff import service as staff
from miniapp_api.users import personal_data, reach, screening
from miniapp_api.users.personal_data import PersonalData
from miniapp_api.zones import screening as zone_screening
from miniapp_api.zones import service as zones

WIRING_KEY = "wiring"


def connect_domains(app: Flask) -> None:
    points.configure(app)
    push.configure(app)
    connections = (
        (signals.points_awarded, scores.on_points_awarded),
        (signals.membership_changed, scores.on_membership_changed),
        (signals.zone_tree_changed, scores.on_zone_tree_changed),
        (signals.quiz_finished, zones.on_quiz_finished),
        (signals.content_published, triggers.on_content_published),
        (signals.application_decided, triggers.on_application_decided),
        (signals.redemption_created, triggers.on_redemption_created),
    )
    for signal, receiver in connections:
        signal.connect(receiver, sender=app)
    app.extensions[WIRING_KEY] = connections
    for part in (
        PersonalData("points_ledger", points.export_ledger),
        PersonalData("redemptions", rewards.export_redemptions),
        PersonalData("article_reads", articles.export_reads, articles.forget_reads),
        PersonalData("quiz_sessions", quizzes.export_sessions),
        PersonalData("enrollment", zones.export_enrollment),
        PersonalData("content_reviews", moderation.export_reviews, moderation.forget_reviews),
        PersonalData("promoter_applications", zones.export_applications, zones.forget_applications),
        PersonalData("events", zones.export_events),
        PersonalData("push", push.export_subscriptions, push.forget_subscriptions),
        PersonalData("console_sign_in", staff.export_credentials, staff.forget_credentials),
    ):
        personal_data.register(app, part)
    reach.register(app, zones.scope_of)
    screening.register(app, moderation.screen)
    moderation.register_rejection(app, EVENT, zone_screening.withdraw_event)
    moderation.register_rejection(app, ORGANISATION, zone_screening.hide_organisation)
    response_cache.init_app(app, articles.content_version)
