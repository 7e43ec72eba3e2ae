"""Background jobs: queued only once the use case commits, and run by a real consumer
against Redis in CI's second pass."""

import threading

import pytest
from sqlalchemy import select

from miniapp_api.jobs import enqueue, huey, job
from miniapp_api.rewards.models import Reward
from miniapp_api.storage import db, unit_of_work

SEEN: list[str] = []
DONE = threading.Event()


@job(retries=0)
def note_reward(reward_id: int) -> None:
    """A job reads committed data in its own app context."""
    name = db.session.scalar(select(Reward.name).where(Reward.id == reward_id))
    SEEN.append(name)
    DONE.set()


def add_reward(name: str) -> int:
    reward = Reward(name=name, points_cost=1, stock=1)
    db.session.add(reward)
    db.session.flush()
    return reward.id


@pytest.fixture(autouse=True)
def fresh():
    SEEN.clear()
    DONE.clear()


def test_a_job_is_queued_only_when_its_unit_of_work_commits(app_ctx):
    with unit_of_work():
        reward_id = add_reward("提交后执行")
        enqueue(note_reward, reward_id)
        assert SEEN == []  # not before the commit
    assert SEEN == ["提交后执行"]
    with pytest.raises(RuntimeError), unit_of_work():
        enqueue(note_reward, add_reward("回滚"))
        raise RuntimeError
    assert SEEN == ["提交后执行"]


@pytest.mark.redis
def test_a_consumer_runs_queued_jobs_against_redis(app_factory):
    app = app_factory(JOBS_BACKEND="redis")
    with app.app_context():
        from miniapp_api.jobs import bind

        bind(app)
        consumer = huey.create_consumer(workers=1, worker_type="thread", periodic=False)
        consumer.start()
        try:
            with unit_of_work():
                enqueue(note_reward, add_reward("队列中的任务"))
            assert SEEN == []  # queued in Redis, not run in this thread
            assert DONE.wait(timeout=20), "the consumer did not run the job"
        finally:
            consumer.stop(graceful=True)
            huey.flush()
    assert SEEN == ["队列中的任务"]
