"""The unit of work: one commit per use case, a rollback on any exception, nested
blocks joining the outermost one, and work that waits for the commit."""

import pytest
from sqlalchemy import func, select

from miniapp_api.rewards.models import Reward
from miniapp_api.storage import after_commit, db, transaction_state, unit_of_work, use_case


def rewards_named(name: str) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Reward).where(Reward.name == name))


def add_reward(name: str) -> None:
    db.session.add(Reward(name=name, points_cost=1, stock=1))
    db.session.flush()


def test_an_exception_after_a_write_leaves_nothing_behind(app_ctx):
    with pytest.raises(RuntimeError), unit_of_work():
        add_reward("作废")
        assert rewards_named("作废") == 1  # written, in the open transaction
        raise RuntimeError("a rule said no after the write")
    assert rewards_named("作废") == 0


def test_a_use_case_commits_once_when_it_returns(app_ctx):
    @use_case
    def create() -> None:
        add_reward("保留")

    create()
    db.session.rollback()  # nothing is left to undo: the use case committed
    assert rewards_named("保留") == 1


def test_a_nested_use_case_joins_the_outer_one(app_ctx):
    @use_case
    def inner() -> None:
        add_reward("内层")

    with pytest.raises(LookupError), unit_of_work():
        inner()
        raise LookupError("the outer use case fails after the inner one returned")
    assert rewards_named("内层") == 0


def test_after_commit_runs_only_after_a_commit(app_ctx):
    ran: list[str] = []
    with unit_of_work():
        add_reward("提交后")
        after_commit(lambda: ran.append("committed"))
        assert ran == []
    assert ran == ["committed"]
    with pytest.raises(ValueError), unit_of_work():
        after_commit(lambda: ran.append("rolled back"))
        raise ValueError
    assert ran == ["committed"]


def test_a_failing_after_commit_callback_does_not_undo_the_commit(app_ctx):
    def broken() -> None:
        raise OSError("Redis is down")

    with unit_of_work():
        add_reward("回调失败")
        after_commit(broken)
    assert rewards_named("回调失败") == 1


def test_transaction_state_exists_only_inside_a_unit_of_work(app_ctx):
    with pytest.raises(RuntimeError):
        transaction_state()
    with unit_of_work():
        transaction_state()["seen"] = True
    with unit_of_work():
        assert "seen" not in transaction_state()  # each unit of work starts afresh
