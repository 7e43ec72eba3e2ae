"""A Hypothesis state machine over the points economy, through the services.

Steps: new users, earning (check-in, quiz, article through the points service), the next
day, redemptions, cancelled redemptions, admin adjustments, account deletion, ban and
unban. After every step: each balance equals the sum of its ledger rows (and the model's),
the reward's stock stays within 0..initial and equals initial minus pending redemptions,
and every board score equals the user's earning ledger rows in the period, on the SQL
backend always and on Redis when REDIS_URL is set. Deterministic (derandomized), no
example database.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from miniapp_api import config
from miniapp_api.errors import AppError
from miniapp_api.leaderboards import service as leaderboards
from miniapp_api.leaderboards.backends import Board, RedisBackend, SqlBackend
from miniapp_api.leaderboards.models import CITY, SEQ_SPAN
from miniapp_api.points import admin_service as points_admin
from miniapp_api.points import service as points
from miniapp_api.points.models import EARNING_REASONS, PointsEntry
from miniapp_api.rewards import admin_service as rewards_admin
from miniapp_api.rewards import service as rewards
from miniapp_api.rewards.models import Reward
from miniapp_api.storage import db, unit_of_work
from miniapp_api.timeutil import PERIODS, local_today, period_key, period_start
from miniapp_api.users import admin_service as users_admin
from miniapp_api.users import service as users
from miniapp_api.users.models import User
from tests.factories import RewardFactory, UserFactory

UNCAPPED = {"quiz": {"daily_cap": None}, "article_read": {"daily_cap": None}}
INITIAL_STOCK = 3
COST = 5
START = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in Shanghai
_refs = itertools.count()

SETTINGS = settings(
    max_examples=10,
    stateful_step_count=30,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class PointsMachine(RuleBasedStateMachine):
    """The model: each user's balance and state, the pending redemptions, the stock."""

    app = None  # set by the test
    clock = None

    users = Bundle("users")
    redemptions = Bundle("redemptions")

    def __init__(self):
        super().__init__()
        self.clock.set(START)
        self.balance: dict[int, int] = {}
        self.state: dict[int, str] = {}  # active, banned, deleted
        self.pending: set[int] = set()
        self.owner: dict[int, int] = {}  # redemption id -> user id
        self.admin = UserFactory(roles=["admin"])
        self.reward_id = RewardFactory(stock=INITIAL_STOCK, points_cost=COST).id

    # ---- steps ---------------------------------------------------------------------

    @initialize(target=users)
    def first_user(self):
        """A volunteer with enough points for a few redemptions."""
        user_id = self._new_user(volunteer=True)
        self.earn(user_id, "quiz", 3 * COST)
        return user_id

    @rule(target=users, volunteer=st.booleans())
    def new_user(self, volunteer):
        return self._new_user(volunteer=volunteer)

    def _new_user(self, *, volunteer: bool) -> int:
        user = UserFactory(roles=["volunteer"] if volunteer else [])
        self.balance[user.id] = 0
        self.state[user.id] = "active"
        return user.id

    @rule(
        user_id=users, reason=st.sampled_from(["quiz", "article_read"]), amount=st.integers(1, 20)
    )
    def earn(self, user_id, reason, amount):
        if self.state[user_id] == "deleted":
            return
        with unit_of_work():
            result = points.award(self._user(user_id), reason, f"sm:{next(_refs)}", points=amount)
        assert result.awarded == amount
        self.balance[user_id] += amount

    @rule(user_id=users)
    def check_in(self, user_id):
        if self.state[user_id] == "deleted":
            return
        already = db.session.scalar(
            select(func.count()).where(
                PointsEntry.user_id == user_id,
                PointsEntry.reason == "daily_checkin",
                PointsEntry.local_date == local_today(),
            )
        )
        try:
            result = points.check_in(self._user(user_id))
        except points.AlreadyCheckedIn:
            assert already == 1
            return
        assert already == 0
        self.balance[user_id] += result.points_awarded

    @rule()
    def next_day(self):
        self.clock.set(self.clock.now() + timedelta(days=1))

    @rule(target=redemptions, user_id=users)
    def redeem(self, user_id):
        if self.state[user_id] == "deleted":
            return multiple()
        stock = INITIAL_STOCK - len(self.pending)
        try:
            redemption = rewards.redeem(self._user(user_id), self.reward_id, None)
        except AppError as exc:
            expected = "INSUFFICIENT_POINTS" if stock > 0 else "OUT_OF_STOCK"
            assert exc.error_code == expected
            assert stock == 0 or self.balance[user_id] < COST
            return multiple()
        assert stock > 0 and self.balance[user_id] >= COST
        self.balance[user_id] -= COST
        self.pending.add(redemption.id)
        self.owner[redemption.id] = user_id
        return redemption.id

    @rule(redemption_id=redemptions)
    def cancel(self, redemption_id):
        try:
            rewards_admin.cancel(redemption_id, self.admin)
        except rewards_admin.RedemptionNotPending:
            assert redemption_id not in self.pending
            return
        assert redemption_id in self.pending
        self.pending.discard(redemption_id)
        self.balance[self.owner[redemption_id]] += COST

    @rule(user_id=users, delta=st.integers(-15, 15).filter(bool))
    def adjust(self, user_id, delta):
        try:
            result = points_admin.adjust(user_id, delta, "状态机调整", self.admin, None)
        except AppError as exc:
            assert exc.error_code == "INSUFFICIENT_POINTS"
            assert self.balance[user_id] + delta < 0
            return
        self.balance[user_id] += delta
        assert result.balance == self.balance[user_id]

    @rule(user_id=users)
    def delete_account(self, user_id):
        if self.state[user_id] == "deleted":
            return
        users.delete_account(self._user(user_id))
        self.state[user_id] = "deleted"

    @rule(user_id=users, banned=st.booleans())
    def ban_or_unban(self, user_id, banned):
        if self.state[user_id] == "deleted":
            return
        status = "banned" if banned else "active"
        users_admin.change_status(user_id, status, self.admin, "状态机" if banned else None)
        self.state[user_id] = status

    # ---- invariants ------------------------------------------------------------------

    @invariant()
    def balances_equal_ledger_sums(self):
        db.session.expire_all()
        assert points.verify_balances() == []
        for user_id, expected in self.balance.items():
            assert self._user(user_id).points_balance == expected

    @invariant()
    def stock_stays_within_bounds(self):
        stock = db.session.scalar(select(Reward.stock).where(Reward.id == self.reward_id))
        assert 0 <= stock <= INITIAL_STOCK
        assert stock == INITIAL_STOCK - len(self.pending)

    @invariant()
    def board_scores_equal_ledger_sums(self):
        stores = [SqlBackend()]
        redis = RedisBackend.for_app(self.app)
        if redis is not None:
            assert redis.ready(), "the Redis board must stay usable"
            assert leaderboards.backend() is not None
            stores.append(redis)
        today = local_today()
        for period in PERIODS:
            board = Board("volunteers", period_key(period, today), CITY)
            for user_id in self.balance:
                expected = self._expected_score(user_id, period_start(period, today))
                for store in stores:
                    key = store.key_of(board, user_id)
                    if expected is None:  # not a member: not on the board
                        assert key is None, (type(store).__name__, period, user_id)
                    else:  # a member without points in the period may have no line
                        score = 0 if key is None else key // SEQ_SPAN
                        assert score == expected, (type(store).__name__, period, user_id)

    def _expected_score(self, user_id: int, since) -> int | None:
        """None when the user is not on the board (not an active volunteer)."""
        user = self._user(user_id)
        if self.state[user_id] != "active" or not user.has_role("volunteer"):
            return None
        query = select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(
            PointsEntry.user_id == user_id, PointsEntry.reason.in_(EARNING_REASONS)
        )
        if since is not None:
            query = query.where(PointsEntry.local_date >= since)
        return db.session.scalar(query)

    # ---- helpers -----------------------------------------------------------------------

    @staticmethod
    def _user(user_id: int) -> User:
        return db.session.get(User, user_id)


def test_the_points_economy_keeps_its_invariants(app_factory, clock):
    """Balances equal ledger sums, stock stays in 0..initial and board scores equal
    ledger sums (both backends) through any sequence of the steps above."""
    redis_on = bool(config.TestConfig().REDIS_URL)
    app = app_factory(POINTS_RULES=UNCAPPED, LEADERBOARD_BACKEND="redis" if redis_on else "sql")
    with app.app_context():
        if redis_on:
            leaderboards.rebuild()
        PointsMachine.app, PointsMachine.clock = app, clock
        run_state_machine_as_test(PointsMachine, settings=SETTINGS)
