"""The SQL leaderboard's own cost: single requests, one at a time, of the volunteers
board (all time, top-100 + me) for members at rank 1, 1,000 and last."""

from __future__ import annotations

import http.client
import time

import numpy as np
from sqlalchemy import text

from bench.pools import Pools

PATH = "/api/v1/leaderboards/volunteers?period=all&limit=100"
MEMBERS = (
    "SELECT user_id FROM leaderboard_scores WHERE board = 'volunteers' AND period = 'all' "
    "AND zone_id = 0 ORDER BY sort_key DESC LIMIT 1 OFFSET :skip"
)


def members_at_ranks(pools: Pools) -> dict[str, int]:
    with pools.engine.connect() as conn:
        total = conn.execute(
            text(
                "SELECT COUNT(*) FROM leaderboard_scores WHERE board = 'volunteers' "
                "AND period = 'all' AND zone_id = 0"
            )
        ).scalar_one()
        return {
            label: conn.execute(text(MEMBERS), {"skip": skip}).scalar_one()
            for label, skip in (("1", 0), ("1000", min(999, total - 1)), ("last", total - 1))
        }


def _one(port: int, token: str) -> tuple[float, int, int | None]:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", PATH, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    elapsed = (time.perf_counter() - start) * 1000
    rank = None
    if response.status == 200:
        marker = body.find(b'"me":{"rank":')
        if marker >= 0:
            rank = int(body[marker + 13 :].split(b",", 1)[0])
    return elapsed, response.status, rank


def rank_costs(port: int, pools: Pools, members: dict[str, int], repeats: int) -> list[dict]:
    rows = []
    for label, user_id in members.items():
        token = pools.token(user_id)
        for _ in range(5):  # warm up this member's path
            _one(port, token)
        samples = [_one(port, token) for _ in range(repeats)]
        times = np.array([s[0] for s in samples])
        rows.append(
            {
                "rank": label,
                "reported_rank": samples[-1][2],
                "requests": repeats,
                "errors": sum(1 for s in samples if s[1] != 200),
                "p50_ms": round(float(np.percentile(times, 50)), 2),
                "p99_ms": round(float(np.percentile(times, 99)), 2),
            }
        )
    return rows
