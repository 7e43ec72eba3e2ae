"""The shipped corpus passes its own validation and meets the launch bar of the issue."""

import itertools
from collections import Counter

from miniapp_api.config import PROJECT_ROOT
from miniapp_api.content.files import (
    load_alert,
    load_article,
    load_categories,
    load_risk_profiles,
)
from miniapp_api.content.sync import PROFILE_DIMENSIONS

CONTENT = PROJECT_ROOT / "content"


def _categories():
    return {item.slug for item in load_categories(CONTENT / "categories.yaml")}


def test_articles_cover_every_category_twice_with_launch_length():
    slugs = _categories()
    articles = [load_article(path, slugs) for path in sorted((CONTENT / "articles").glob("*.md"))]
    assert len(articles) >= 40
    per_category = Counter(article.category for article in articles)
    assert set(per_category) == slugs
    assert min(per_category.values()) >= 2
    for article in articles:
        body = article.body_markdown.strip()
        assert 600 <= len(body) <= 1500, (article.path, len(body))
        assert "96110" in body, article.path
    audiences = Counter(group for article in articles for group in article.audience)
    assert audiences["elderly"] >= 5 and audiences["students"] >= 5


def test_alerts_parse_and_trend_weeks_follow_each_other():
    slugs = _categories()
    alerts = [
        load_alert(path, slugs).values for path in sorted((CONTENT / "alerts").glob("*.yaml"))
    ]
    kinds = Counter(alert["kind"] for alert in alerts)
    assert kinds["warning"] >= 3 and kinds["trend"] >= 3
    starts = sorted(alert["period"]["start"] for alert in alerts if alert["kind"] == "trend")
    assert all((later - earlier).days == 7 for earlier, later in itertools.pairwise(starts))
    assert all("示例" in alert["source"] for alert in alerts if alert["kind"] == "trend")


def test_risk_profiles_name_known_answers_and_categories():
    profiles = load_risk_profiles(CONTENT / "risk_profiles.yaml", _categories(), PROFILE_DIMENSIONS)
    assert "yanglao-zhapian" in profiles["age_groups"]["60_plus"]
    assert "maochong-lingdao-shuren" in profiles["occupations"]["finance_staff"]
    assert "shuadan-fanli" in profiles["occupations"]["student"]
