"""The zones domain's use cases for residents, volunteers and promoters, and what other
domains and the CLI call, re-exported from their modules: fences (zones and the
geofence), zone_import, promoters (applications, `users.zone_id`), codes, enrollment,
volunteers, events (and `event_admin`: one event, its organiser's or an officer's edits).
The admin use cases are in `admin_service`."""

from miniapp_api.zones.codes import CodeImage, PromoterCode, code_image, current_code, rotate_code
from miniapp_api.zones.enrollment import Enrolled, enroll
from miniapp_api.zones.event_admin import cancel_event, get_event, public_event, update_event
from miniapp_api.zones.events import (
    CheckIn,
    NearbyEvent,
    check_in_event,
    create_event,
    events_nearby,
    export_events,
)
from miniapp_api.zones.fences import ZonePage, get_zone, list_zones, zone_names
from miniapp_api.zones.promoters import (
    apply,
    export_applications,
    forget_applications,
    my_applications,
    refresh_points_zone,
)
from miniapp_api.zones.scope import Scope, ancestry, lineage, scope_of, subtree
from miniapp_api.zones.volunteers import (
    Volunteer,
    export_enrollment,
    my_volunteers,
    on_quiz_finished,
    volunteer_counts,
)
from miniapp_api.zones.zone_import import import_zones

__all__ = [
    "CheckIn",
    "CodeImage",
    "Enrolled",
    "NearbyEvent",
    "PromoterCode",
    "Scope",
    "Volunteer",
    "ZonePage",
    "ancestry",
    "apply",
    "cancel_event",
    "check_in_event",
    "code_image",
    "create_event",
    "current_code",
    "enroll",
    "events_nearby",
    "export_applications",
    "export_enrollment",
    "export_events",
    "forget_applications",
    "get_event",
    "get_zone",
    "import_zones",
    "lineage",
    "list_zones",
    "my_applications",
    "my_volunteers",
    "on_quiz_finished",
    "public_event",
    "refresh_points_zone",
    "rotate_code",
    "scope_of",
    "subtree",
    "update_event",
    "volunteer_counts",
    "zone_names",
]
