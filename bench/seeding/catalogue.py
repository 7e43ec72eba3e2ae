"""Articles and questions beyond the synced content (copies of it under new slugs and keys),
rewards with large stock, and one promoters' event a day."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from bench.seeding.people import DAY, People, random_strings

PUBLIC_ID_ALPHABET = np.array(
    list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
)
PUSHED_SLUG = "bench-pushed-article"
# (name, points cost): the three cheapest serve the redemption scenario.
REWARDS = (
    ("反诈宣传帆布袋", 20),
    ("防骗知识手册", 30),
    ("反诈主题雨伞", 50),
    ("保温杯", 100),
    ("体检套餐兑换券", 300),
    ("智能手环", 500),
)


@dataclass
class Catalogue:
    readable_articles: list[int]  # published before today; the pushed article is not among them
    pushed_article: int
    rewards: list[tuple[int, int]]  # (id, points cost)
    events: dict[int, tuple[int, int]]  # days ago -> (event id, zone id)


def _json(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _rows(sink, sql: str) -> list[tuple]:
    return list(sink.conn.execute(sql).fetchall())


def write_articles(rng, sink, total: int, now: int) -> tuple[list[int], int]:
    synced = _rows(
        sink,
        "SELECT id, title, category_id, summary, body_markdown, body_html, audience, "
        "format, key_points FROM articles ORDER BY id",
    )
    tags = {}
    for article_id, tag, position in _rows(
        sink, "SELECT article_id, tag, position FROM article_tags"
    ):
        tags.setdefault(article_id, []).append((tag, position))
    first = max(row[0] for row in synced) + 1
    extra = max(total - len(synced), 1)  # at least the pushed article (content/ may hold more)
    published = now - rng.integers(2 * DAY, 89 * DAY, extra)
    published[-1] = now - 3600  # pushed today: nobody has opened it yet
    stamps = sink.timestamps(published)
    rows, tag_rows = [], []
    for n in range(extra):
        source = synced[n % len(synced)]
        article_id = first + n
        slug = PUSHED_SLUG if n == extra - 1 else f"bench-article-{n + 1:03d}"
        title = f"{source[1][:70]}（{n + 1}）"
        rows.append(
            (
                article_id,
                slug,
                title,
                source[2],
                source[3],
                source[4],
                source[5],
                _json(source[6]),
                source[7],
                _json(source[8]),
                "published",
                stamps[n],
                "admin",
                0,
                stamps[n],
                stamps[n],
            )
        )
        tag_rows += [(article_id, tag, position) for tag, position in tags.get(source[0], [])]
    sink.write(
        "articles",
        [
            "id",
            "slug",
            "title",
            "category_id",
            "summary",
            "body_markdown",
            "body_html",
            "audience",
            "format",
            "key_points",
            "status",
            "published_at",
            "source",
            "read_count",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    sink.write("article_tags", ["article_id", "tag", "position"], tag_rows)
    readable = [row[0] for row in synced] + [row[0] for row in rows[:-1]]
    return readable, rows[-1][0]


def write_questions(rng, sink, total: int, now: int) -> int:
    synced = _rows(
        sink,
        "SELECT id, category_id, type, stem, explanation, article_slug "
        "FROM quiz_questions ORDER BY id",
    )
    options = {}
    for question_id, key, text, correct, position in _rows(
        sink, "SELECT question_id, key, text, is_correct, position FROM quiz_options"
    ):
        options.setdefault(question_id, []).append((key, text, bool(correct), position))
    first_question = max(row[0] for row in synced) + 1
    first_option = sink.scalar("SELECT MAX(id) FROM quiz_options") + 1
    extra = total - len(synced)
    stamp = sink.timestamps(np.array([now - 30 * DAY]))[0]
    question_rows, option_rows = [], []
    for n in range(extra):
        source = synced[n % len(synced)]
        question_id = first_question + n
        question_rows.append(
            (
                question_id,
                f"bench-q{n + 1:04d}",
                source[1],
                source[2],
                f"{source[3]}（第{n + 1}题）",
                source[4],
                source[5],
                "active",
                "admin",
                stamp,
                stamp,
            )
        )
        for key, text, correct, position in options[source[0]]:
            option_rows.append(
                [first_option + len(option_rows), None, question_id, key, text, correct, position]
            )
    for row, public_id in zip(
        option_rows, random_strings(rng, PUBLIC_ID_ALPHABET, len(option_rows), 12), strict=True
    ):
        row[1] = f"b{public_id[:11]}"
    sink.write(
        "quiz_questions",
        [
            "id",
            "key",
            "category_id",
            "type",
            "stem",
            "explanation",
            "article_slug",
            "status",
            "source",
            "created_at",
            "updated_at",
        ],
        question_rows,
    )
    sink.write(
        "quiz_options",
        ["id", "public_id", "question_id", "key", "text", "is_correct", "position"],
        option_rows,
    )
    return extra


def write_rewards(sink, now: int) -> list[tuple[int, int]]:
    stamp = sink.timestamps(np.array([now - 60 * DAY]))[0]
    rows = [
        (n + 1, name, f"{name}，在社区警务室领取", cost, 1_000_000, True, stamp, stamp)
        for n, (name, cost) in enumerate(REWARDS)
    ]
    sink.write(
        "rewards",
        ["id", "name", "description", "points_cost", "stock", "active", "created_at", "updated_at"],
        rows,
    )
    return [(row[0], row[3]) for row in rows]


def write_events(rng, sink, people: People, today_start: int, zones_by_id) -> dict:
    """One event a day for the last 90 days, hosted by a promoter at their zone's centre."""
    events, rows = {}, []
    for days_ago in range(90):
        host = int(rng.integers(0, len(people.promoter_ids)))
        zone_id = int(people.promoter_zone[host])
        lng, lat = zones_by_id[zone_id].center
        start = today_start - days_ago * DAY + 9 * 3600
        stamps = sink.timestamps(np.array([start - 3 * DAY, start, start + 3 * 3600]))
        event_id = days_ago + 1
        events[days_ago] = (event_id, zone_id)
        rows.append(
            (
                event_id,
                int(people.promoter_ids[host]),
                zone_id,
                f"反诈宣传活动{event_id}",
                "社区广场",
                lng,
                lat,
                300,
                stamps[1],
                stamps[2],
                False,
                stamps[0],
                stamps[0],
            )
        )
    sink.write(
        "events",
        [
            "id",
            "promoter_id",
            "zone_id",
            "title",
            "place_name",
            "lng",
            "lat",
            "radius_m",
            "starts_at",
            "ends_at",
            "cancelled",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    return events
