"""The leaderboards' shared counters, written once per unit of work, as its last step.

Score counts, buckets and zone totals are rows that many members' awards change (a
common score, a town). A transaction that took one of them and went on to other work
would make the others wait for it, and two transactions taking them in different
orders (an enrolment awards the volunteer, then the promoter) would deadlock. So the
changes of a unit of work are gathered here and written by `storage.before_commit`:
score counts, buckets, then zone totals, each in key order, so every transaction takes
these locks in one global order and holds them only until its commit. Outside of a
unit of work they are written at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from miniapp_api.leaderboards import ranks, tallies
from miniapp_api.storage import before_commit, in_unit_of_work, transaction_state

KEY = "leaderboard_pending"


@dataclass
class Pending:
    counts: Counter = field(default_factory=Counter)
    zones: dict = field(default_factory=dict)  # (period, zone_id) -> (points, latest row)
    recheck: set = field(default_factory=set)
    then: list = field(default_factory=list)  # (zone keys, callback of their totals)

    def clear(self) -> None:
        self.counts.clear()
        self.zones.clear()
        self.recheck.clear()


def _pending() -> Pending | None:
    if not in_unit_of_work():
        return None
    state = transaction_state()
    pending = state.get(KEY)
    if pending is None:
        pending = state[KEY] = Pending()
        before_commit(partial(_write, pending))
    return pending


def _write(pending: Pending) -> None:
    ranks.write_counts(pending.counts)
    tallies.write_zones(dict(sorted(pending.zones.items())), pending.recheck)
    for keys, callback in pending.then:
        callback({key: tallies.zone_total(*key) for key in sorted(keys)})
    pending.clear()
    pending.then.clear()


def _with(change: Callable[[Pending], None]) -> None:
    pending = _pending()
    if pending is None:
        pending = Pending()
        change(pending)
        _write(pending)
    else:
        change(pending)


def add_counts(deltas: Counter) -> None:
    """Score-count changes ((board, period, zone_id, score) -> members)."""
    _with(lambda pending: pending.counts.update(deltas))


def _merge(pending: Pending, changes: dict, recheck: set) -> None:
    for key, (points, seq) in changes.items():
        before = pending.zones.get(key, (0, 0))
        pending.zones[key] = (before[0] + points, max(before[1], seq))
    pending.recheck |= recheck


def add_zone_points(periods: list[str], zones: list[int], delta: int, seq: int) -> None:
    """A volunteer's earning row counted by each of `zones` in each period."""
    changes = {(period, zone): (delta, seq) for period in periods for zone in zones}
    _with(lambda pending: _merge(pending, changes, set()))


def replace_zone_rows(old: list, new: list, then: Callable[[dict], None]) -> None:
    """A member's summary rows `old` were replaced by `new`; once written, `then` gets
    the changed zones' totals ((period, zone_id) -> (score, latest row))."""
    changes, recheck = tallies.zone_changes(old, new)

    def change(pending: Pending) -> None:
        _merge(pending, changes, recheck)
        if changes:
            pending.then.append((set(changes), then))

    _with(change)


def discard() -> None:
    """Every table is being recomputed (`tallies.refill`): drop the gathered changes."""
    pending = transaction_state().get(KEY) if in_unit_of_work() else None
    if pending is not None:
        pending.clear()
