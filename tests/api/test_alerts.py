"""Trend weeks: complete weeks (figures computed from the counts) and weeks as a source
reported them (nothing computed that the source did not give); the shipped real week."""

from datetime import UTC, datetime

import pytest

from miniapp_api.config import PROJECT_ROOT
from miniapp_api.content import sync
from tests.helpers import assert_error

ADMIN_ALERTS = "/api/v1/admin/alerts"


def week(slug: str, monday: str, sunday: str, districts: list, categories: list, **extra):
    return {
        "slug": slug,
        "kind": "trend",
        "title": "本周反诈形势",
        "summary": "全市电信网络诈骗案件的一周统计。",
        "published_at": f"{sunday}T12:00:00+08:00",
        "period": {"start": monday, "end": sunday},
        "source": "测试数据，由管理员录入",
        "districts": districts,
        "categories": categories,
        **extra,
    }


@pytest.fixture
def admin_headers(app_ctx, clock, make_user, auth_headers):
    sync.sync_content(PROJECT_ROOT / "content")
    clock.set(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    return auth_headers(make_user(roles=["admin"]))


def trends(client) -> dict:
    body = client.get("/api/v1/alerts?kind=trend&per_page=100").get_json()
    return {item["slug"]: item["trend"] for item in body["items"]}


def test_a_complete_week_is_computed_and_compared_with_the_week_before(client, admin_headers):
    first = week(
        "trend-test-w1",
        "2026-11-02",
        "2026-11-08",
        [{"district": "慈溪市", "cases": 20, "loss_wan": 50.0}],
        [{"category": "shuadan-fanli", "cases": 12}, {"category": "xujia-touzi-licai", "cases": 8}],
    )
    second = week(
        "trend-test-w2",
        "2026-11-09",
        "2026-11-15",
        [
            {"district": "慈溪市", "cases": 18, "loss_wan": 40.0},
            {"district": "余姚市", "cases": 12, "loss_wan": 35.5},
        ],
        [{"category": "shuadan-fanli", "cases": 9}, {"category": "xujia-touzi-licai", "cases": 21}],
    )
    for body in (first, second):
        assert client.post(ADMIN_ALERTS, json=body, headers=admin_headers).status_code == 201
    latest = trends(client)["trend-test-w2"]
    assert latest["total"] == {
        "cases": 30,
        "loss_wan": 75.5,
        "cases_change_pct": 50.0,  # 30 against 20
        "loss_change_pct": 51.0,  # 75.5 against 50
    }
    assert [(d["district"], d["rank"], d["cases"]) for d in latest["districts"]] == [
        ("慈溪市", 1, 18),
        ("余姚市", 2, 12),
    ]
    assert [(c["category"], c["share_pct"], c["cases_change"]) for c in latest["categories"]] == [
        ("xujia-touzi-licai", 70.0, 13),
        ("shuadan-fanli", 30.0, -3),
    ]
    assert trends(client)["trend-test-w1"]["total"]["cases_change_pct"] is None  # no week before


def test_counts_that_do_not_add_up_are_refused(client, admin_headers):
    body = week(
        "trend-test-bad",
        "2026-11-09",
        "2026-11-15",
        [{"district": "慈溪市", "cases": 10, "loss_wan": 5.0}],
        [{"category": "shuadan-fanli", "cases": 9}],
    )
    response = client.post(ADMIN_ALERTS, json=body, headers=admin_headers)
    assert "categories" in assert_error(response, 422, "VALIDATION_ERROR")["errors"]["json"]


def test_a_reported_week_needs_its_totals_and_computes_nothing_else(client, admin_headers):
    ranks = [{"district": "慈溪市", "rank": 1}, {"district": "北仑区", "rank": 2}]
    reported = week(
        "trend-test-reported",
        "2026-11-09",
        "2026-11-15",
        ranks,
        [{"category": "shuadan-fanli", "trend": "up"}],
    )
    missing = client.post(ADMIN_ALERTS, json=reported, headers=admin_headers)
    assert "total" in assert_error(missing, 422, "VALIDATION_ERROR")["errors"]["json"]
    reported["total"] = {"cases": 40, "loss_wan": 60.2, "cases_change_pct": -3.5}
    assert client.post(ADMIN_ALERTS, json=reported, headers=admin_headers).status_code == 201
    shown = trends(client)["trend-test-reported"]
    assert shown["total"] == {
        "cases": 40,
        "loss_wan": 60.2,
        "cases_change_pct": -3.5,
        "loss_change_pct": None,
    }
    assert [(d["district"], d["rank"], d["cases"]) for d in shown["districts"]] == [
        ("慈溪市", 1, None),
        ("北仑区", 2, None),
    ]
    assert shown["categories"][0]["share_pct"] is None
    assert shown["categories"][0]["trend"] == "up"


def test_the_shipped_week_shows_only_the_figures_its_source_gave(client, admin_headers):
    """The one real week shipped (宁波反诈地图, 7月3日至9日): the reported totals and
    changes, ranked districts without counts, and where the figures come from."""
    shown = trends(client)["trend-2021-07-ningbo"]
    assert shown["total"] == {
        "cases": 185,
        "loss_wan": 660.6,
        "cases_change_pct": -1.6,
        "loss_change_pct": 41.1,
    }
    assert [d["district"] for d in shown["districts"]] == ["慈溪市", "北仑区", "鄞州区"]
    assert all(d["cases"] is None for d in shown["districts"])
    assert shown["top_categories_share_pct"] == 88
    family = next(c for c in shown["categories"] if c["category"] == "maochong-qinyou-jieqian")
    assert (family["cases"], family["trend"], family["share_pct"]) == (18, "up", None)
    assert "宁波反诈地图" in shown["source"] and shown["scope"] == "宁波市"
    assert any("33" in line for line in shown["highlights"])
