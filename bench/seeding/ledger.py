"""The points ledger: 90 days of earning with a skew (a few very active users, a long
tail), enrollment and recruiting points, then redemptions paid from what was earned.

Every (user, reason, ref) is unique by construction, each row carries its user's zone,
and every balance is the sum of its user's rows and never negative.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from bench.seeding.catalogue import Catalogue
from bench.seeding.people import DAY, People, random_strings

REASONS = (
    "daily_checkin",
    "daily_quiz",
    "article_read",
    "quiz",
    "event_checkin",
    "enrolled",
    "recruit",
    "recruit_qualified",
    "redeem",
    "refund",
)
CHECKIN, DAILY_QUIZ, READ, QUIZ, EVENT, ENROLLED, RECRUIT, QUALIFIED, REDEEM, REFUND = range(10)
SLOTS = 5  # activities per active day: check-in, daily quiz, one article, a quiz, an event/quiz
DAYS = 90
MAX_ROWS_PER_USER = SLOTS * 89
SKEW = 0.9  # Zipf exponent of rows per user
CODE_ALPHABET = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ23456789"))


@dataclass
class Rows:
    user: list = field(default_factory=list)  # user index (into People)
    delta: list = field(default_factory=list)
    reason: list = field(default_factory=list)
    ref: list = field(default_factory=list)
    at: list = field(default_factory=list)  # unix seconds

    def add(self, user, delta, reason, ref: list[str], at) -> None:
        count = len(ref)
        self.user.append(np.broadcast_to(np.asarray(user, dtype=np.int64), (count,)))
        self.delta.append(np.broadcast_to(np.asarray(delta, dtype=np.int64), (count,)))
        self.reason.append(np.broadcast_to(np.asarray(reason, dtype=np.int64), (count,)))
        self.ref.extend(ref)
        self.at.append(np.broadcast_to(np.asarray(at, dtype=np.int64), (count,)))

    def arrays(self):
        return (
            np.concatenate(self.user),
            np.concatenate(self.delta),
            np.concatenate(self.reason),
            np.concatenate(self.at),
        )


@dataclass
class Ledger:
    rows: Rows
    reads: list[tuple]  # (user id, article id, opened_at s, read_at s)
    checkins: list[tuple]  # (event id, user id, distance m, at s)
    redemptions: list[tuple]  # (id, user id, reward id, cost, code, status, at s)


def _enrollment_rows(rows: Rows, people: People) -> None:
    volunteers = people.index_of(people.volunteer_ids)
    promoters = people.index_of(people.volunteer_promoter)
    ids = people.volunteer_ids.tolist()
    rows.add(volunteers, 10, ENROLLED, ["volunteer"] * len(ids), people.enrolled_at)
    refs = [f"volunteer:{v}" for v in ids]
    rows.add(promoters, 2, RECRUIT, refs, people.enrolled_at + 1)
    qualified = np.flatnonzero(people.qualified_at)
    rows.add(
        promoters[qualified],
        3,
        QUALIFIED,
        [refs[i] for i in qualified.tolist()],
        people.qualified_at[qualified],
    )


def _rows_per_user(rng, users: int, target: int) -> np.ndarray:
    """A Zipf-like number of rows per user (ranks shuffled), summing to about `target`."""
    weight = (rng.permutation(users) + 1.0) ** -SKEW
    low, high = 0.0, float(target)
    for _ in range(60):
        scale = (low + high) / 2
        total = np.minimum(scale * weight, MAX_ROWS_PER_USER).sum()
        low, high = (scale, high) if total < target else (low, scale)
    wanted = np.minimum(low * weight, MAX_ROWS_PER_USER)
    return np.floor(wanted + rng.random(users)).astype(np.int64)


def _activity_rows(
    rng,
    rows: Rows,
    people: People,
    catalogue: Catalogue,
    target: int,
    today: date,
    today_start: int,
    ledger: Ledger,
) -> None:
    users = np.arange(1, len(people.ids))  # everyone but the admin
    counts = _rows_per_user(rng, len(users), target)
    user = np.repeat(users, counts)
    k = np.arange(len(user)) - np.repeat(np.cumsum(counts) - counts, counts)
    slot, step = k % SLOTS, k // SLOTS
    first_day = np.repeat(rng.integers(0, DAYS, len(users)), counts)
    days_ago = (first_day + step) % DAYS
    article_start = np.repeat(rng.integers(0, len(catalogue.readable_articles), len(users)), counts)
    reason = np.choose(slot, [CHECKIN, DAILY_QUIZ, READ, QUIZ, QUIZ])
    reason = np.where((slot == 4) & (step % 4 == 0), EVENT, reason)
    delta = np.choose(
        np.minimum(reason, EVENT),
        [
            np.where((step + 1) % 7 == 0, 6, 1),
            rng.integers(1, 9, len(user)),
            2,
            rng.integers(1, 11, len(user)),
            10,
        ],
    )
    at = today_start - days_ago * DAY + rng.integers(7 * 3600, 22 * 3600, len(user))
    at = np.where(
        reason == EVENT,
        today_start - days_ago * DAY + 9 * 3600 + rng.integers(0, 3 * 3600, len(user)),
        at,
    )
    articles = np.array(catalogue.readable_articles)
    article = articles[(article_start + step) % len(articles)]
    days = [(today - timedelta(days=d)).isoformat() for d in range(DAYS)]
    events = [catalogue.events[d][0] for d in range(DAYS)]
    ids = people.ids[user].tolist()
    refs = []
    for uid, r, d, s, a in zip(
        ids, reason.tolist(), days_ago.tolist(), slot.tolist(), article.tolist(), strict=True
    ):
        if r in (CHECKIN, DAILY_QUIZ):
            refs.append(days[d])
        elif r == READ:
            refs.append(f"article:{a}")
        elif r == EVENT:
            refs.append(f"event:{events[d]}")
        else:
            refs.append(f"quiz-session:b{uid}-{d}{'x' if s == 4 else ''}")
    rows.add(user, delta, reason, refs, at)
    is_read = np.flatnonzero(reason == READ)
    opened = at[is_read] - rng.integers(60, 900, len(is_read))
    ledger.reads = list(
        zip(
            people.ids[user[is_read]].tolist(),
            article[is_read].tolist(),
            opened.tolist(),
            at[is_read].tolist(),
            strict=True,
        )
    )
    is_event = np.flatnonzero(reason == EVENT)
    ledger.checkins = list(
        zip(
            [events[d] for d in days_ago[is_event].tolist()],
            people.ids[user[is_event]].tolist(),
            np.round(rng.uniform(0, 250, len(is_event)), 1).tolist(),
            at[is_event].tolist(),
            strict=True,
        )
    )


def _redemption_rows(
    rng, rows: Rows, people: People, catalogue: Catalogue, count: int, now: int, ledger: Ledger
) -> None:
    user, delta, _reason, _at = rows.arrays()
    balance = np.bincount(user, weights=delta, minlength=len(people.ids)).astype(np.int64)
    cheapest = min(cost for _id, cost in catalogue.rewards)
    candidates = np.flatnonzero(balance >= cheapest)
    chance = balance[candidates] / balance[candidates].sum()
    codes = iter(random_strings(rng, CODE_ALPHABET, count * 2, 10))
    seen = set()
    redeemed = []
    while len(redeemed) < count:
        for index in rng.choice(candidates, size=count, p=chance).tolist():
            affordable = [(rid, cost) for rid, cost in catalogue.rewards if cost <= balance[index]]
            if not affordable or len(redeemed) == count:
                continue
            reward_id, cost = affordable[int(rng.integers(0, len(affordable)))]
            code = next(codes)
            if code in seen:
                continue
            seen.add(code)
            balance[index] -= cost
            at = now - int(rng.integers(3600, 60 * DAY))
            status = ("fulfilled", "pending", "cancelled")[int(rng.choice(3, p=(0.6, 0.3, 0.1)))]
            redemption_id = len(redeemed) + 1
            redeemed.append(
                (redemption_id, int(people.ids[index]), reward_id, cost, code, status, at)
            )
            rows.add(index, -cost, REDEEM, [f"redemption:{redemption_id}"], at)
            if status == "cancelled":
                balance[index] += cost
                rows.add(index, cost, REFUND, [f"redemption:{redemption_id}"], at + 3600)
    ledger.redemptions = redeemed


def build_ledger(
    rng,
    people: People,
    catalogue: Catalogue,
    total: int,
    redemptions: int,
    today: date,
    today_start: int,
    now: int,
) -> Ledger:
    rows = Rows()
    ledger = Ledger(rows, [], [], [])
    _enrollment_rows(rows, people)
    fixed = sum(len(part) for part in rows.user)
    spending = int(redemptions * 1.1)
    _activity_rows(
        rng, rows, people, catalogue, total - fixed - spending, today, today_start, ledger
    )
    _redemption_rows(rng, rows, people, catalogue, redemptions, now, ledger)
    return ledger


def balances(ledger: Ledger, users: int) -> np.ndarray:
    user, delta, _reason, _at = ledger.rows.arrays()
    return np.bincount(user, weights=delta, minlength=users).astype(np.int64)
