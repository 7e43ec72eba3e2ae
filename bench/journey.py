"""The mixed journey: requests in a realistic day's proportions, made into a request file
for bench/wrk/requests.lua. Writes go to fresh users (each checks in, takes the daily
quiz, enrolls or redeems once); a finished article is one the same member opened a few
hundred requests earlier, through the same wrk thread (so it was sent before)."""

from __future__ import annotations

from collections import deque

from bench.loadgen import THREADS
from bench.pools import Pools
from bench.scenarios import (
    API,
    Line,
    checkin_lines,
    enrollment_lines,
    quiz_lines,
    redemption_lines,
)

# 40,000 users x 50 requests a day, spread evenly over 24 hours.
AVERAGE_RPS = 40_000 * 50 / 86_400
FINISH_DELAY = 400  # lines between opening an article and finishing it
# Share of a day's requests (a daily-quiz creation is followed by its submit: 3 + 3).
MIX = {
    "me": 9,
    "feed": 13,
    "articles": 10,
    "open article": 15,
    "finish article": 5,
    "alerts": 6,
    "categories": 4,
    "volunteers board (week)": 7,
    "volunteers board (all, top-100)": 2,
    "zones board": 3,
    "promoters board": 2,
    "my points": 5,
    "rewards": 3,
    "quiz modes": 3,
    "check-in": 4,
    "daily quiz": 3,
    "my redemptions": 1,
    "points rules": 1,
    "enrollment": 0.5,
    "redemption": 0.5,
}
GETS = {
    "me": "/me",
    "feed": "/feed",
    "articles": "/articles?per_page=20",
    "alerts": "/alerts",
    "categories": "/categories",
    "volunteers board (week)": "/leaderboards/volunteers?period=week",
    "volunteers board (all, top-100)": "/leaderboards/volunteers?period=all&limit=100",
    "zones board": "/leaderboards/zones?period=week",
    "promoters board": "/leaderboards/promoters?period=week",
    "my points": "/me/points",
    "rewards": "/rewards",
    "quiz modes": "/quizzes",
    "my redemptions": "/me/redemptions",
    "points rules": "/points/rules",
}


def journey_lines(pools: Pools, total: int) -> list[Line]:
    kinds = list(MIX)
    weights = [MIX[k] for k in kinds]
    share = [w / sum(weights) for w in weights]
    draws = pools.rng.choice(len(kinds), size=total, p=share).tolist()
    counts = {kind: draws.count(i) for i, kind in enumerate(kinds)}
    members = pools.sample("volunteers", 5_000)
    writes = {
        kind: iter(build(pools, counts[kind]))
        for kind, build in (
            ("check-in", checkin_lines),
            ("daily quiz", quiz_lines),
            ("enrollment", enrollment_lines),
            ("redemption", redemption_lines),
        )
    }
    # Per wrk thread (lines n, n + THREADS, … go to one thread): (position, token, article)
    opened: list[deque[tuple[int, str, int]]] = [deque() for _ in range(THREADS)]
    lines: list[Line] = []
    for n, draw in enumerate(draws):
        kind = kinds[draw]
        member = pools.token(members[n % len(members)])
        mine = opened[n % THREADS]
        if kind == "finish article" and mine and mine[0][0] <= n - FINISH_DELAY:
            _position, reader, article = mine.popleft()
            line = ("POST", f"{API}/articles/{article}/read", reader, None, None)
        elif kind in ("open article", "finish article"):
            article = pools.articles[n % len(pools.articles)]
            mine.append((n, member, article))
            line = ("GET", f"{API}/articles/{article}", member, None, None)
        elif kind in GETS:
            line = ("GET", API + GETS[kind], member, None, None)
        else:  # a write by a fresh user; a plain read if that pool ran dry
            line = next(writes[kind], None) or ("GET", f"{API}/me", member, None, None)
        lines.append(line)
    return lines
