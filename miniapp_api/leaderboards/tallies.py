"""What the boards read besides the summary rows, kept in the same transaction as them:
each zone's total per period (the zones board), each promoter's active volunteers (the
promoters board), and the score counts of `ranks`.

A zone total changes by an upsert adding to it (`score + n`), in key order, at the end
of the unit of work (`pending`), so parallel awards each add their part and take their
locks in one order. A promoter's
tally is counted again under the promoter's row lock. `refill` recomputes all of them
from the summary rows and the enrollments; `verify` compares them with a recount.
"""

from __future__ import annotations

from sqlalchemy import case, delete, func, select

from miniapp_api.leaderboards import ranks
from miniapp_api.leaderboards.models import (
    CITY,
    LeaderboardScore,
    LeaderboardZoneTotal,
    PromoterTally,
)
from miniapp_api.storage import db, insert
from miniapp_api.users import service as users
from miniapp_api.users.models import ACTIVE, User
from miniapp_api.zones.models import Enrollment

ZONE_BOARD = "volunteers"


def _add_zone_rows(rows: list[dict]) -> None:
    table = LeaderboardZoneTotal.__table__
    stmt = insert(LeaderboardZoneTotal).values(
        sorted(rows, key=lambda r: (r["period"], r["zone_id"]))
    )
    later = stmt.excluded.reached_seq > table.c.reached_seq
    db.session.execute(
        stmt.on_conflict_do_update(
            index_elements=["period", "zone_id"],
            set_={
                "score": table.c.score + stmt.excluded.score,
                "reached_seq": case((later, stmt.excluded.reached_seq), else_=table.c.reached_seq),
            },
        )
    )


def _zone_rows(rows) -> dict:
    return {
        (row.period, row.zone_id): row
        for row in rows
        if row.board == ZONE_BOARD and row.zone_id != CITY
    }


def zone_changes(old: list, new: list) -> tuple[dict, set]:
    """The zone-total changes of a member's rows `old` replaced by `new`, and the totals
    whose latest ledger row may have been the member's."""
    before, after = _zone_rows(old), _zone_rows(new)
    changed, recheck = {}, set()
    for key in sorted(before.keys() | after.keys()):
        was, now = before.get(key), after.get(key)
        same = was is not None and now is not None
        if same and (was.score, was.reached_seq) == (now.score, now.reached_seq):
            continue
        delta = (now.score if now else 0) - (was.score if was else 0)
        seq = now.reached_seq if now else 0
        changed[key] = (delta, seq)
        if was is not None and seq < was.reached_seq:
            recheck.add(key)
    return changed, recheck


def write_zones(changes: dict, recheck: set) -> None:
    """Add `changes` ((period, zone_id) -> (points, latest ledger row)) to the zone
    totals in key order, then find again the latest ledger row of the `recheck` ones."""
    if changes:
        _add_zone_rows(
            [
                {"period": p, "zone_id": z, "score": n, "reached_seq": seq}
                for (p, z), (n, seq) in changes.items()
            ]
        )
    for period, zone in sorted(recheck):
        total = db.session.get(LeaderboardZoneTotal, (period, zone), populate_existing=True)
        total.reached_seq = db.session.scalar(
            select(func.coalesce(func.max(LeaderboardScore.reached_seq), 0)).where(
                LeaderboardScore.board == ZONE_BOARD,
                LeaderboardScore.period == period,
                LeaderboardScore.zone_id == zone,
            )
        )
    db.session.flush()


def zone_total(period: str, zone_id: int) -> tuple[int, int]:
    total = db.session.get(LeaderboardZoneTotal, (period, zone_id), populate_existing=True)
    return (0, 0) if total is None else (total.score, total.reached_seq)


def _active_volunteers():
    return (
        select(Enrollment.promoter_id, func.count().label("volunteers"))
        .join(User, User.id == Enrollment.volunteer_id)
        .where(User.status == ACTIVE)
        .group_by(Enrollment.promoter_id)
    )


def recount_promoter(user: User) -> None:
    """The user's roles or status changed: their promoter's tally, counted again under
    the promoter's lock (so parallel changes to two of its volunteers both count)."""
    promoter_id = db.session.scalar(
        select(Enrollment.promoter_id).where(Enrollment.volunteer_id == user.id)
    )
    if promoter_id is None:
        return
    users.lock(promoter_id)
    count = db.session.scalar(
        select(func.count())
        .select_from(Enrollment)
        .join(User, User.id == Enrollment.volunteer_id)
        .where(Enrollment.promoter_id == promoter_id, User.status == ACTIVE)
    )
    stmt = insert(PromoterTally).values(promoter_id=promoter_id, volunteers=count)
    db.session.execute(
        stmt.on_conflict_do_update(
            index_elements=["promoter_id"], set_={"volunteers": stmt.excluded.volunteers}
        )
    )


def _expected():
    """(label, model, recount query, stored rows worth comparing) for every table."""
    row = LeaderboardScore
    zones = (
        select(row.period, row.zone_id, func.sum(row.score), func.max(row.reached_seq))
        .where(row.board == ZONE_BOARD, row.zone_id != CITY)
        .group_by(row.period, row.zone_id)
    )
    return [
        *ranks.expected(),
        ("zone total", LeaderboardZoneTotal, zones, LeaderboardZoneTotal.score != 0),
        ("promoter tally", PromoterTally, _active_volunteers(), PromoterTally.volunteers != 0),
    ]


def refill() -> None:
    """Recompute every table (a step of the rebuild's unit of work)."""
    for _, model, query, _ in _expected():
        db.session.execute(delete(model))
        columns = [column.name for column in model.__table__.columns]
        db.session.execute(model.__table__.insert().from_select(columns, query))


def verify() -> list[str]:
    """Every stored count, zone total and tally that differs from its recount."""
    problems = []
    for label, model, query, stored_filter in _expected():
        table = model.__table__
        key_size = len(table.primary_key.columns)
        expected = {tuple(r[:key_size]): tuple(r[key_size:]) for r in db.session.execute(query)}
        stored = {
            tuple(r[:key_size]): tuple(r[key_size:])
            for r in db.session.execute(select(table).where(stored_filter))
        }
        for key in sorted(expected.keys() | stored.keys()):
            if expected.get(key) != stored.get(key):
                problems.append(
                    f"{label} {key}: stored {stored.get(key)}, expected {expected.get(key)}"
                )
    return problems


# reads
def zone_totals(period: str) -> list[tuple[int, int, int]]:
    rows = db.session.execute(
        select(
            LeaderboardZoneTotal.zone_id,
            LeaderboardZoneTotal.score,
            LeaderboardZoneTotal.reached_seq,
        ).where(LeaderboardZoneTotal.period == period, LeaderboardZoneTotal.score > 0)
    )
    return [tuple(row) for row in rows]
