"""Users: one admin, promoters with their zones and codes, volunteers enrolled under
them, and residents (some of whom will enroll during the run)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from bench.seeding.geometry import ZoneRow

AGE_GROUPS = ("under_18", "18_29", "30_44", "45_59", "60_plus")
OCCUPATIONS = ("student", "enterprise_staff", "finance_staff", "public_sector", "self_employed")
OCCUPATIONS += ("farmer", "retired", "homemaker", "job_seeker", "other")
SCENE_ALPHABET = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
DAY = 86_400


def random_strings(rng: np.random.Generator, alphabet: np.ndarray, count: int, length: int):
    picks = alphabet[rng.integers(0, len(alphabet), size=(count, length))]
    return ["".join(row) for row in picks.tolist()]


@dataclass
class People:
    """Parallel arrays over users, index 0 = the admin."""

    ids: np.ndarray
    kind: np.ndarray  # "admin", "promoter", "volunteer", "resident"
    zone: np.ndarray  # the zone a user's points count for; 0 = none
    created: np.ndarray  # unix seconds
    promoter_ids: np.ndarray
    promoter_zone: np.ndarray
    volunteer_ids: np.ndarray
    volunteer_promoter: np.ndarray  # promoter user id of each volunteer
    enrolled_at: np.ndarray  # unix seconds
    qualified_at: np.ndarray  # unix seconds, 0 = not yet
    scenes: list[str]

    def index_of(self, user_ids: np.ndarray) -> np.ndarray:
        return user_ids - self.ids[0]


def build_people(rng, zones: list[ZoneRow], counts: dict[str, int], first_id: int, now: int):
    promoters, volunteers, residents = (
        counts["promoters"],
        counts["volunteers"],
        counts["residents"],
    )
    total = 1 + promoters + volunteers + residents
    ids = np.arange(first_id, first_id + total)
    kind = np.array(
        ["admin"] + ["promoter"] * promoters + ["volunteer"] * volunteers + ["resident"] * residents
    )
    towns = [zone.id for zone in zones if zone.parent_id is None]
    communities = [zone.id for zone in zones if zone.parent_id is not None]
    promoter_ids = ids[1 : 1 + promoters]
    in_town = rng.random(promoters) < 0.1
    promoter_zone = np.where(
        in_town,
        rng.choice(towns, promoters),
        np.array(communities)[np.arange(promoters) % len(communities)],
    )
    volunteer_ids = ids[1 + promoters : 1 + promoters + volunteers]
    # A few promoters recruit most volunteers.
    pick = np.minimum((promoters * rng.random(volunteers) ** 2).astype(int), promoters - 1)
    volunteer_promoter = promoter_ids[pick]
    volunteer_zone = promoter_zone[pick]
    enrolled_at = now - rng.integers(DAY // 2, 89 * DAY, volunteers)
    qualified = rng.random(volunteers) < 0.4
    qualified_at = np.where(
        qualified, np.minimum(enrolled_at + rng.integers(600, 3 * DAY, volunteers), now - 60), 0
    )
    zone = np.zeros(total, dtype=np.int64)
    zone[1 : 1 + promoters] = promoter_zone
    zone[1 + promoters : 1 + promoters + volunteers] = volunteer_zone
    created = now - rng.integers(90 * DAY, 180 * DAY, total)
    return People(
        ids=ids,
        kind=kind,
        zone=zone,
        created=created,
        promoter_ids=promoter_ids,
        promoter_zone=promoter_zone,
        volunteer_ids=volunteer_ids,
        volunteer_promoter=volunteer_promoter,
        enrolled_at=enrolled_at,
        qualified_at=qualified_at,
        scenes=random_strings(rng, SCENE_ALPHABET, promoters, 22),
    )


def user_rows(rng, people: People, balances: np.ndarray, slugs: list[str], sink, with_zone: bool):
    names = {"admin": "管理员", "promoter": "宣传员", "volunteer": "志愿者", "resident": "居民"}
    count = len(people.ids)
    created = sink.timestamps(people.created)
    logged_in = sink.timestamps(people.created + rng.integers(DAY, 90 * DAY, count))
    ages = rng.choice(AGE_GROUPS, count).tolist()
    jobs = rng.choice(OCCUPATIONS, count).tolist()
    subscriptions = rng.integers(0, 3, count).tolist()
    for i, user_id in enumerate(people.ids.tolist()):
        chosen = [slugs[(user_id * 7 + k) % len(slugs)] for k in range(subscriptions[i])]
        row = [
            user_id,
            f"bench-{user_id}",
            f"{names[people.kind[i]]}{user_id}",
            ages[i],
            jobs[i],
            "慈溪市",
            json.dumps(chosen),
            int(balances[i]),
            created[i],
            "active",
            logged_in[i],
            created[i],
            created[i],
        ]
        if with_zone:
            row.append(int(people.zone[i]) or None)
        yield row


USER_COLUMNS = [
    "id",
    "openid",
    "nickname",
    "age_group",
    "occupation",
    "district",
    "subscribed_categories",
    "points_balance",
    "consent_at",
    "status",
    "last_login_at",
    "created_at",
    "updated_at",
]


def write_people(rng, sink, people: People, balances: np.ndarray, slugs: list[str]) -> dict:
    with_zone = "zone_id" in sink.columns("users")
    columns = USER_COLUMNS + (["zone_id"] if with_zone else [])
    written = {
        "users": sink.write(
            "users", columns, user_rows(rng, people, balances, slugs, sink, with_zone)
        )
    }
    granted = sink.timestamps(people.created + DAY)
    roles = [(people.ids[0], "admin", granted[0])]
    roles += [(int(uid), "promoter", granted[1 + i]) for i, uid in enumerate(people.promoter_ids)]
    base = 1 + len(people.promoter_ids)
    enrolled = sink.timestamps(people.enrolled_at)
    roles += [(int(uid), "volunteer", enrolled[i]) for i, uid in enumerate(people.volunteer_ids)]
    written["user_roles"] = sink.write(
        "user_roles",
        ["id", "user_id", "role", "granted_at"],
        ((n + 1, int(uid), role, at) for n, (uid, role, at) in enumerate(roles)),
    )
    promoters = list(zip(people.promoter_ids.tolist(), people.promoter_zone.tolist(), strict=True))
    written["role_zones"] = sink.write(
        "role_zones", ["user_id", "role", "zone_id"], ((u, "promoter", z) for u, z in promoters)
    )
    written["promoter_applications"] = sink.write(
        "promoter_applications",
        [
            "id",
            "user_id",
            "zone_id",
            "real_name",
            "phone",
            "organisation",
            "status",
            "decided_by_id",
            "decided_at",
            "created_at",
        ],
        (
            (
                n + 1,
                u,
                z,
                f"宣传员{u}",
                f"139{u:08d}",
                "慈溪市反诈宣传队",
                "approved",
                int(people.ids[0]),
                granted[1 + n],
                granted[1 + n],
            )
            for n, (u, z) in enumerate(promoters)
        ),
    )
    written["enrollment_codes"] = sink.write(
        "enrollment_codes",
        ["id", "scene", "promoter_id", "zone_id", "status", "created_at"],
        (
            (n + 1, people.scenes[n], u, z, "active", granted[1 + n])
            for n, (u, z) in enumerate(promoters)
        ),
    )
    code_of = {u: n + 1 for n, (u, _z) in enumerate(promoters)}
    qualified = sink.timestamps(people.qualified_at)
    zones = people.zone[base : base + len(people.volunteer_ids)].tolist()
    distances = np.round(rng.uniform(5, 400, len(zones)), 1).tolist()
    accuracy = np.round(rng.uniform(5, 60, len(zones)), 1).tolist()
    written["enrollments"] = sink.write(
        "enrollments",
        [
            "id",
            "volunteer_id",
            "promoter_id",
            "zone_id",
            "code_id",
            "decision",
            "distance_to_edge_m",
            "accuracy_m",
            "created_at",
            "qualified_at",
        ],
        (
            (
                n + 1,
                v,
                p,
                zones[n],
                code_of[p],
                "inside",
                distances[n],
                accuracy[n],
                enrolled[n],
                qualified[n] if people.qualified_at[n] else None,
            )
            for n, (v, p) in enumerate(
                zip(people.volunteer_ids.tolist(), people.volunteer_promoter.tolist(), strict=True)
            )
        ),
    )
    return written
