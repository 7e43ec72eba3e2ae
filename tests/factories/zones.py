"""Factories of the zones domain: a zone (a small square near Cixi, in GCJ-02), a
promoter working in a zone, a station admin of a zone, a promoter's code, a volunteer's
enrollment and an event.

They write rows as the use cases would leave them (`users.zone_id` included), without
going through the use cases: build state quickly, then call the use case under test.
"""

from datetime import timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory
from shapely.geometry import Polygon

from miniapp_api.storage import db
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import User, UserRole
from miniapp_api.zones.geo import ZoneShape
from miniapp_api.zones.models import (
    Enrollment,
    EnrollmentCode,
    Event,
    PromoterApplication,
    RoleZone,
    Zone,
)
from tests.factories.users import UserFactory

__all__ = [
    "ZONE_BOUNDS",
    "ZONE_CENTRE",
    "EnrollmentCodeFactory",
    "EnrollmentFactory",
    "EventFactory",
    "PromoterApplicationFactory",
    "PromoterFactory",
    "RoleZoneFactory",
    "StationAdminFactory",
    "ZoneFactory",
    "square",
]

# The factories' zone: about 960 m east-west and 1,110 m north-south, in GCJ-02.
ZONE_BOUNDS = (121.25, 30.17, 121.26, 30.18)  # west, south, east, north
ZONE_CENTRE = (121.255, 30.175)  # lng, lat


def square(west: float, south: float, east: float, north: float) -> ZoneShape:
    """A rectangular fence between two longitudes and two latitudes (GCJ-02)."""
    return ZoneShape(Polygon([(west, south), (east, south), (east, north), (west, north)]))


class _Factory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class ZoneFactory(_Factory):
    """An active street-level zone; `fence=` another `ZoneShape` to redraw it."""

    class Meta:
        model = Zone

    class Params:
        fence = factory.LazyFunction(lambda: square(*ZONE_BOUNDS))

    name = factory.Sequence(lambda n: f"测试街道{n}")
    district = "慈溪市"
    kind = "street"
    active = True
    shape = factory.LazyAttribute(lambda o: o.fence.to_storage())
    vertex_count = factory.LazyAttribute(lambda o: o.fence.vertex_count)


class RoleZoneFactory(_Factory):
    """A zone that goes with a user's role (the role itself is granted separately)."""

    class Meta:
        model = RoleZone
        exclude = ("user", "zone")

    user = factory.SubFactory(UserFactory)
    zone = factory.SubFactory(ZoneFactory)
    user_id = factory.SelfAttribute("user.id")
    role = "promoter"
    zone_id = factory.SelfAttribute("zone.id")


class PromoterFactory(UserFactory):
    """A user with the promoter role (and any other `roles=`) in a zone (`zone=`, else a
    new one); their points count for that zone (`users.zone_id`)."""

    nickname = factory.Sequence(lambda n: f"宣传员{n}")

    @factory.post_generation
    def zone(self, create, extracted, **_kwargs):
        if "promoter" not in {grant.role for grant in self.role_grants}:
            self.role_grants.append(UserRole(role="promoter"))
        zone = extracted or ZoneFactory()
        RoleZoneFactory(user=self, zone=zone)
        self.zone_id = zone.id
        if create:
            db.session.commit()


class StationAdminFactory(UserFactory):
    """A user with the station_admin role for a zone (`zone=`, else a new one) and every
    zone below it."""

    nickname = factory.Sequence(lambda n: f"派出所民警{n}")

    @factory.post_generation
    def zone(self, create, extracted, **_kwargs):
        if "station_admin" not in {grant.role for grant in self.role_grants}:
            self.role_grants.append(UserRole(role="station_admin"))
        RoleZoneFactory(user=self, zone=extracted or ZoneFactory(), role="station_admin")
        if create:
            db.session.commit()


class EnrollmentCodeFactory(_Factory):
    """A live code of a promoter (a new one unless `promoter=` is given)."""

    class Meta:
        model = EnrollmentCode
        exclude = ("promoter",)

    promoter = factory.SubFactory(PromoterFactory)
    promoter_id = factory.SelfAttribute("promoter.id")
    zone_id = factory.SelfAttribute("promoter.zone_id")
    scene = factory.Sequence(lambda n: f"scene{n:017d}")
    status = "active"
    expires_at = None


class EnrollmentFactory(_Factory):
    """A volunteer (with the volunteer role) enrolled inside a promoter's zone."""

    class Meta:
        model = Enrollment
        exclude = ("volunteer", "promoter")

    volunteer = factory.SubFactory(UserFactory, roles=["volunteer"])
    promoter = factory.SubFactory(PromoterFactory)
    volunteer_id = factory.SelfAttribute("volunteer.id")
    promoter_id = factory.SelfAttribute("promoter.id")
    zone_id = factory.SelfAttribute("promoter.zone_id")
    decision = "inside"
    distance_to_edge_m = 400.0
    accuracy_m = 15.0

    _skip_postgeneration_save = True

    @factory.post_generation
    def points_zone(self, create, _extracted, **_kwargs):
        db.session.get(User, self.volunteer_id).zone_id = self.zone_id
        if create:
            db.session.commit()


class EventFactory(_Factory):
    """An event of a promoter in their zone: 200 m around the zone's centre, open from
    an hour ago for three hours."""

    class Meta:
        model = Event
        exclude = ("promoter",)

    promoter = factory.SubFactory(PromoterFactory)
    promoter_id = factory.SelfAttribute("promoter.id")
    zone_id = factory.SelfAttribute("promoter.zone_id")
    title = factory.Sequence(lambda n: f"反诈宣传活动{n}")
    lng, lat = ZONE_CENTRE
    radius_m = 200
    starts_at = factory.LazyFunction(lambda: utcnow() - timedelta(hours=1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))


class PromoterApplicationFactory(_Factory):
    """A pending application of a resident (`user=`, else a new one) for a zone."""

    class Meta:
        model = PromoterApplication
        exclude = ("user", "zone")

    user = factory.SubFactory(UserFactory)
    zone = factory.SubFactory(ZoneFactory)
    user_id = factory.SelfAttribute("user.id")
    zone_id = factory.SelfAttribute("zone.id")
    real_name = "李明"
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    organisation = "社区居委会"
    status = "pending"
