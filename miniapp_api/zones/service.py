"""The zones domain's use cases, re-exported from their modules: fences (zones and the
geofence), promoters (applications, roles with zones, codes), enrollment, events."""

from miniapp_api.zones.enrollment import (
    enroll,
    export_enrollment,
    my_volunteers,
    on_quiz_finished,
    volunteer_counts,
)
from miniapp_api.zones.events import check_in_event, create_event, events_nearby
from miniapp_api.zones.fences import (
    create_zone,
    deactivate_zone,
    get_zone,
    import_zones,
    list_zones,
    managed_zone_ids,
    update_zone,
    zone_names,
)
from miniapp_api.zones.promoters import (
    applications,
    apply,
    current_code,
    decide_application,
    grant_role,
    my_applications,
    revoke_role,
    rotate_code,
)

__all__ = [
    "applications",
    "apply",
    "check_in_event",
    "create_event",
    "create_zone",
    "current_code",
    "deactivate_zone",
    "decide_application",
    "enroll",
    "events_nearby",
    "export_enrollment",
    "get_zone",
    "grant_role",
    "import_zones",
    "list_zones",
    "managed_zone_ids",
    "my_applications",
    "my_volunteers",
    "on_quiz_finished",
    "revoke_role",
    "rotate_code",
    "update_zone",
    "volunteer_counts",
    "zone_names",
]
