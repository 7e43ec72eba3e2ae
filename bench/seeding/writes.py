"""Writing the generated ledger and what hangs off it (reads, event check-ins,
redemptions) in bulk."""

from __future__ import annotations

import numpy as np

from bench.seeding.ledger import REASONS, Ledger
from bench.seeding.people import DAY, People


def local_dates(seconds: np.ndarray, utc_offset: int) -> list[str]:
    days = ((seconds + utc_offset) // DAY).astype("datetime64[D]")
    return np.datetime_as_string(days).tolist()


def write_ledger(sink, ledger: Ledger, people: People, now: int, utc_offset: int) -> int:
    user, delta, reason, at = ledger.rows.arrays()
    at = np.minimum(at, now - 1)
    order = np.argsort(at, kind="stable")
    first = (sink.scalar("SELECT MAX(id) FROM points_ledger") or 0) + 1
    refs = ledger.rows.ref
    zone = people.zone[user]
    columns = zip(
        range(first, first + len(order)),
        people.ids[user[order]].tolist(),
        delta[order].tolist(),
        [REASONS[r] for r in reason[order].tolist()],
        [refs[i] for i in order.tolist()],
        [int(z) or None for z in zone[order].tolist()],
        local_dates(at[order], utc_offset),
        sink.timestamps(at[order]),
        strict=True,
    )
    with sink.indexes_dropped("points_ledger"):
        return sink.write(
            "points_ledger",
            ["id", "user_id", "delta", "reason", "ref", "zone_id", "local_date", "created_at"],
            columns,
        )


def write_reads(sink, ledger: Ledger) -> int:
    opened = np.array([row[2] for row in ledger.reads])
    read = np.array([row[3] for row in ledger.reads])
    rows = zip(
        range(1, len(ledger.reads) + 1),
        [row[0] for row in ledger.reads],
        [row[1] for row in ledger.reads],
        sink.timestamps(opened),
        sink.timestamps(read),
        strict=True,
    )
    count = sink.write(
        "article_reads", ["id", "user_id", "article_id", "opened_at", "read_at"], rows
    )
    sink.execute(
        "UPDATE articles SET read_count = (SELECT COUNT(*) FROM article_reads r "
        "WHERE r.article_id = articles.id AND r.read_at IS NOT NULL)"
    )
    return count


def write_checkins(sink, ledger: Ledger) -> int:
    at = sink.timestamps(np.array([row[3] for row in ledger.checkins]))
    rows = (
        (n + 1, event, user, distance, at[n])
        for n, (event, user, distance, _at) in enumerate(ledger.checkins)
    )
    return sink.write(
        "event_checkins", ["id", "event_id", "user_id", "distance_m", "created_at"], rows
    )


def write_redemptions(sink, ledger: Ledger, admin_id: int, now: int) -> int:
    created = np.array([row[6] for row in ledger.redemptions])
    at = sink.timestamps(created)
    decided = sink.timestamps(np.minimum(created + DAY, now - 1))
    rows = (
        (
            rid,
            user,
            reward,
            cost,
            code,
            status,
            at[n],
            None if status == "pending" else decided[n],
            None if status == "pending" else admin_id,
        )
        for n, (rid, user, reward, cost, code, status, _at) in enumerate(ledger.redemptions)
    )
    return sink.write(
        "redemptions",
        [
            "id",
            "user_id",
            "reward_id",
            "points_cost",
            "code",
            "status",
            "created_at",
            "decided_at",
            "decided_by_id",
        ],
        rows,
    )
