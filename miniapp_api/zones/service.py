"""Wiring of the zones domain into the others (points, leaderboards, export)."""

from __future__ import annotations

from miniapp_api.leaderboards import service as leaderboards
from miniapp_api.points import service as points
from miniapp_api.users import service as users
from miniapp_api.zones.enrollment import export_section, volunteer_counts, zone_of_user
from miniapp_api.zones.fences import zone_names


def init_app(_app) -> None:
    points.register_zone_resolver(zone_of_user)
    leaderboards.register_zone_names(zone_names)
    leaderboards.register_volunteer_counts(volunteer_counts)
    users.register_export_section("enrollment", export_section)
