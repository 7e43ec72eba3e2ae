"""The zones domain's admin use cases, re-exported from their modules: drawing zones
(`zone_admin`), importing them from GeoJSON (`zone_import`), deciding promoter
applications (`applications`), roles with zones (`roles`), the events of the officer's
zones (`event_admin`). Officers act within their reach (`scope`)."""

from miniapp_api.zones.applications import applications, decide_application
from miniapp_api.zones.event_admin import AdminEvent, admin_events, create_zone_event
from miniapp_api.zones.roles import RoleZoneGrant, UserRoles, grant_role, revoke_role
from miniapp_api.zones.scope import Scope, scope_of
from miniapp_api.zones.zone_admin import (
    all_zones,
    create_zone,
    deactivate_zone,
    update_zone,
    zone_in_reach,
)
from miniapp_api.zones.zone_import import import_zones_by

__all__ = [
    "AdminEvent",
    "RoleZoneGrant",
    "Scope",
    "UserRoles",
    "admin_events",
    "all_zones",
    "applications",
    "create_zone",
    "create_zone_event",
    "deactivate_zone",
    "decide_application",
    "grant_role",
    "import_zones_by",
    "revoke_role",
    "scope_of",
    "update_zone",
    "zone_in_reach",
]
