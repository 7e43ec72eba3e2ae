"""Factories of the audit domain: entries as an audited use case leaves them."""

import factory
from factory.alchemy import SQLAlchemyModelFactory

from miniapp_api.audit.models import AuditEntry
from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow

__all__ = ["AuditEntryFactory"]


class AuditEntryFactory(SQLAlchemyModelFactory):
    """A ban by an officer (`actor=`, else an operator's command: no actor, via cli)."""

    class Meta:
        model = AuditEntry
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"
        exclude = ("actor",)

    actor = None
    actor_id = factory.LazyAttribute(lambda o: o.actor.id if o.actor is not None else None)
    via = factory.LazyAttribute(lambda o: "api" if o.actor is not None else "cli")
    created_at = factory.LazyFunction(utcnow)
    action = "user.ban"
    object_type = "user"
    object_id = factory.Sequence(str)
    zone_id = None
    reason = "测试原因"
    changes = factory.LazyFunction(lambda: {"status": ["active", "banned"]})
    request_id = None
