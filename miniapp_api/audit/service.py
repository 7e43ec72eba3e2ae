"""Writing the audit log: every administrative use case calls `record` once it has made
its change, inside the same unit of work, so the entry exists exactly when the change does."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from functools import wraps
from typing import Any, TypeVar

from flask import g, has_request_context

from miniapp_api.audit.models import AuditEntry
from miniapp_api.storage import db, transaction_state, use_case

VIA_KEY = "audit_via"
RECORDED_KEY = "audited"


def snapshot(row: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of `fields`, to compare with after a change."""
    return {field: _plain(getattr(row, field)) for field in fields}


def changes_since(before: dict[str, Any], row: Any) -> dict[str, list]:
    """{field: [before, after]} for each field of `before` whose value changed."""
    after = snapshot(row, before)
    return {
        field: [before[field], after[field]] for field in before if before[field] != after[field]
    }


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def record(
    actor: Any,
    action: str,
    object_type: str,
    object_id: Any = None,
    *,
    zone_id: int | None = None,
    reason: str | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry for the current unit of work's action."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        via=_via(actor),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        zone_id=zone_id,
        reason=reason,
        changes=changes or {},
        request_id=g.get("request_id") if has_request_context() else None,
    )
    db.session.add(entry)
    transaction_state().setdefault(RECORDED_KEY, []).append(action)
    return entry


def nothing_changed() -> None:
    """Say that this run of an audited use case changed nothing (an idempotent replay),
    so it rightly records no entry."""
    transaction_state().setdefault(RECORDED_KEY, []).append(None)


def _via(actor: Any) -> str:
    if actor is None:
        return "cli"
    return (g.get(VIA_KEY) if has_request_context() else None) or "api"


F = TypeVar("F", bound=Callable[..., Any])


def audited(function: F) -> F:
    """An administrative use case: one unit of work that must record an audit entry.
    Returning without one is a programming error: it raises, and the change rolls back."""

    @use_case
    @wraps(function)
    def wrapper(*args, **kwargs):
        state = transaction_state()
        before = len(state.get(RECORDED_KEY, []))
        result = function(*args, **kwargs)
        if len(state.get(RECORDED_KEY, [])) == before:
            raise RuntimeError(f"{function.__qualname__} changed data without an audit entry")
        return result

    wrapper.audited = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
