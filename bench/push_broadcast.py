"""Bookkeeping speed of one large broadcast against the fake WeChat (not part of
`make bench`: it needs no server).

    python -m bench.push_broadcast --recipients 130000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1/miniapp_push_bench

The database is emptied and migrated (a URL naming a database without "bench" is
refused, except the default temporary SQLite file). It seeds that many users holding one
send of the `warning` template, then times the broadcast of one warning to all of them:
selecting the recipients and queueing the batches, and the batches themselves (jobs run
immediately, the send rate unlimited), i.e. claiming each delivery and spending its
quota, the fake's send, and the settling. Target: >= 500 sends/s on the 2-core box, so
WeChat's own rate is the only limit. Prints one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from miniapp_api import create_app
from miniapp_api.config import TestConfig
from miniapp_api.push import broadcasts
from miniapp_api.push.models import Broadcast, MessageSubscription
from miniapp_api.push.sending import Message
from miniapp_api.storage import db, unit_of_work
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import User
from miniapp_api.wechat import get_wechat_client


def _app(url: str, batch: int):
    config = TestConfig({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    config.PUSH_SEND_RATE = 0.0
    config.PUSH_BATCH_SIZE = batch
    return create_app(config)


def _reset(url: str) -> None:
    with db.engine.begin() as conn:
        if url.startswith("postgresql"):
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        else:
            db.metadata.drop_all(conn)
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()


def _seed(count: int) -> None:
    now = utcnow()
    for start in range(0, count, 5000):
        ids = range(start + 1, min(count, start + 5000) + 1)
        db.session.execute(
            sa.insert(User),
            [{"id": i, "openid": f"bench-{i}", "subscribed_categories": [],
              "points_balance": 0, "status": "active", "created_at": now,
              "updated_at": now} for i in ids],
        )  # fmt: skip
        db.session.execute(
            sa.insert(MessageSubscription),
            [{"user_id": i, "template_key": "warning", "template_id": "dev-template-warning",
              "remaining": 1, "long_term": False, "last_result": "accept", "updated_at": now}
             for i in ids],
        )  # fmt: skip
        db.session.commit()


def run(recipients: int, url: str, batch: int) -> dict:
    app = _app(url, batch)
    with app.app_context():
        _reset(url)
        _seed(recipients)
        message = Message("bench:1", "warning", {"thing1": "基准测试预警", "thing2": "请勿转账"})
        started = time.perf_counter()
        with unit_of_work():
            broadcast = broadcasts.queue(message, {}, None)
            queued_at = time.perf_counter()
            broadcast_id = broadcast.id
        finished = time.perf_counter()  # immediate mode: every batch ran after the commit
        row = db.session.get(Broadcast, broadcast_id)
        sent = len(get_wechat_client().messages.sent)
        return {
            "recipients": recipients,
            "batch_size": batch,
            "database": url.split(":", 1)[0],
            "targeted": row.targeted,
            "sent": row.sent,
            "fake_sent": sent,
            "status": row.status,
            "select_and_queue_s": round(queued_at - started, 3),
            "total_s": round(finished - started, 3),
            "sends_per_s": round(row.sent / (finished - started), 1),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=130_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    url = args.database_url
    if url is None:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'push_bench.db'}"
    elif "bench" not in url.rsplit("/", 1)[-1]:
        parser.error("the database's name must contain 'bench' (it is emptied)")
    print(json.dumps(run(args.recipients, url, args.batch_size), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
