"""The shipped corpus passes the loader, the checker of issue 14 and the launch bar.

These fail while the rewrite of issue 14 is in progress; `check_corpus(...).lines()` says where
the corpus stands.
"""

from collections import Counter
from datetime import UTC, datetime

import yaml

from miniapp_api.config import PROJECT_ROOT
from miniapp_api.content.check import check_corpus
from miniapp_api.content.files import (
    load_alert,
    load_article,
    load_categories,
    load_risk_profiles,
)
from miniapp_api.content.questions import load_question_bank
from miniapp_api.content.sync import PROFILE_DIMENSIONS

CONTENT = PROJECT_ROOT / "content"
LAUNCH = datetime(2026, 12, 1, tzinfo=UTC)
NEW_CATEGORIES = {
    "xujia-zhaopin-chuguo",
    "maochong-junjing-caigou",
    "maochong-zhengfu-gongyi",
    "fanzha-changshi",
}


def _categories():
    return {item.slug for item in load_categories(CONTENT / "categories.yaml")}


def _articles(slugs):
    return [load_article(path, slugs) for path in sorted((CONTENT / "articles").glob("*.md"))]


def test_the_checker_passes():
    report = check_corpus(CONTENT)
    assert report.ok, "\n".join(report.lines())


def test_articles_cover_every_category_six_times_in_every_format():
    slugs = _categories()
    assert len(slugs) == 18 and slugs >= NEW_CATEGORIES
    articles = _articles(slugs)
    assert len(articles) >= 100
    per_category = Counter(article.category for article in articles)
    assert {slug: per_category[slug] for slug in slugs if per_category[slug] < 6} == {}
    for article in articles:
        body = article.body_markdown.strip()
        assert 600 <= len(body) <= 1500, (article.path, len(body))
    formats = Counter(article.format for article in articles)
    assert formats["rhyme"] >= 6, formats
    assert formats["explainer"] >= 1 and formats["howto"] >= 1, formats
    assert any(
        article.format == "guide" and ("已经被骗" in article.title or "被骗了" in article.title)
        for article in articles
    )
    audiences = Counter(group for article in articles for group in set(article.audience))
    assert audiences["elderly"] + audiences["retirees"] >= 5 and audiences["students"] >= 5


def test_question_banks_have_36_questions_per_category_and_resist_guessing():
    slugs = _categories()
    articles = {article.slug for article in _articles(slugs)}
    questions = load_question_bank(CONTENT / "quizzes", slugs, article_slugs=articles)
    assert len(questions) >= 600
    per_category = Counter(question.category for question in questions)
    assert {slug: per_category[slug] for slug in slugs if per_category[slug] < 36} == {}
    overall = check_corpus(CONTENT).stats["overall"]
    assert overall["guess_longest_pct"] <= 45, overall
    assert overall["guess_safety_pct"] <= 45, overall


def test_alerts_warnings_load_and_trends_have_the_new_shape():
    slugs = _categories()
    warnings, trends = [], []
    for path in sorted((CONTENT / "alerts").glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        if document["kind"] == "warning":
            warnings.append(load_alert(path, slugs).values)
        else:
            trends.append(document)
    assert len(warnings) >= 3 and trends
    expired = [item["slug"] for item in warnings if item["expires_at"] < LAUNCH]
    assert expired == ["warning-2026-08-shujia-youxi-zhuangbei"]  # the one the API tests hide
    for trend in trends:
        start, end = trend["period"]["start"], trend["period"]["end"]
        assert (end - start).days == 6, trend["slug"]  # seven days (a source's own week)
        assert trend["source"].strip() and trend["scope"].strip()
        assert {"cases", "loss_wan"} <= set(trend["total"])
        ranks = [row["rank"] for row in trend["districts"]]
        assert ranks == list(range(1, len(ranks) + 1))
        for row in trend["categories"]:
            assert row["category"] in slugs and row.get("trend") in {"up", "down", "flat"}
        assert 0 < trend["top_categories_share_pct"] <= 100
        assert all(isinstance(line, str) and line for line in trend["highlights"])


def test_risk_profiles_name_known_answers_and_the_new_categories():
    profiles = load_risk_profiles(CONTENT / "risk_profiles.yaml", _categories(), PROFILE_DIMENSIONS)
    ages, jobs = profiles["age_groups"], profiles["occupations"]
    assert "yanglao-zhapian" in ages["60_plus"] and "maochong-zhengfu-gongyi" in ages["60_plus"]
    assert "maochong-zhengfu-gongyi" in jobs["retired"]
    assert "xujia-zhaopin-chuguo" in jobs["job_seeker"] and "xujia-zhaopin-chuguo" in ages["18_29"]
    assert "maochong-junjing-caigou" in jobs["self_employed"]
    assert "maochong-lingdao-shuren" in jobs["finance_staff"]
    assert "shuadan-fanli" in jobs["student"]
    named = {slug for mapping in profiles.values() for slugs in mapping.values() for slug in slugs}
    assert named >= NEW_CATEGORIES


def test_the_article_footer_is_short_and_names_the_hotlines():
    text = (CONTENT / "article_footer.md").read_text(encoding="utf-8").strip()
    lines = text.splitlines()
    assert lines[0].startswith("## ") and sum(line.startswith("## ") for line in lines) == 1
    assert 3 <= sum(line.startswith("- ") for line in lines) <= 4
    for needed in ("110", "96110", "国家反诈中心App", "12381"):
        assert needed in text
