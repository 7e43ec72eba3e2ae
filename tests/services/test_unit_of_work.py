"""The unit of work: one commit per use case, a rollback on any exception, nested
blocks joining the outermost one, and work that waits for the commit."""

import pytest
from sqlalchemy import func, select

from miniapp_api.rewards.models import Reward
from miniapp_api.storage import (
    after_commit,
    before_commit,
    db,
    transaction_state,
    unit_of_work,
    use_case,
)


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


def test_before_commit_runs_last_in_the_outermost_transaction(app_ctx):
    ran: list[str] = []
    with unit_of_work():
        with unit_of_work():
            before_commit(lambda: (ran.append("last step"), add_reward("提交前")))
        assert ran == []  # the inner block does not commit
        ran.append("rest of the use case")
    assert ran == ["rest of the use case", "last step"]
    assert rewards_named("提交前") == 1
    with pytest.raises(ValueError), unit_of_work():
        add_reward("提交前失败")
        before_commit(lambda: (_ for _ in ()).throw(ValueError("refused at the end")))
    assert rewards_named("提交前失败") == 0  # its failure rolls the whole unit back


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


class _Lost(Exception):
    """Stands for the driver's error of a deadlock or a serialization failure."""

    def __init__(self, sqlstate: str):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def test_a_use_case_that_loses_a_race_runs_once_more_and_then_gives_up(app_ctx):
    from sqlalchemy.exc import OperationalError

    calls: list[int] = []

    @use_case
    def flaky(fail_times: int, sqlstate: str = "40P01") -> str:
        calls.append(1)
        add_reward(f"第{len(calls)}次")
        if len(calls) <= fail_times:
            raise OperationalError("UPDATE …", {}, _Lost(sqlstate))
        return "done"

    assert flaky(1) == "done" and len(calls) == 2
    assert (rewards_named("第1次"), rewards_named("第2次")) == (0, 1)  # the loser rolled back
    calls.clear()
    with pytest.raises(OperationalError):
        flaky(2)
    assert len(calls) == 2  # once more, not forever
    calls.clear()
    with pytest.raises(OperationalError):
        flaky(1, sqlstate="08006")  # a lost connection is not retried
    assert len(calls) == 1
