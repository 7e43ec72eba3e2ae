"""A week of trend figures as readers see it (no Flask, no database).

Two kinds of week. A *complete* week has cases and losses for every district and cases
for every fraud type: totals, shares and week-on-week changes are computed from the raw
counts. A *reported* week holds only what a published source gave (the totals with its
own changes, districts by rank, which types rose or fell, a few highlighted facts):
nothing is computed that the source did not give, and missing figures stay null.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TrendTotal:
    cases: int
    loss_wan: float
    cases_change_pct: float | None  # None: no previous week, or not reported
    loss_change_pct: float | None


@dataclass(frozen=True)
class TrendDistrict:
    district: str
    cases: int | None
    loss_wan: float | None
    rank: int
    cases_change_pct: float | None


@dataclass(frozen=True)
class TrendCategory:
    category: str  # a fraud type's slug
    name: str | None
    cases: int | None
    share_pct: float | None
    cases_change: int | None
    trend: str | None  # up, down or flat, where the source says so


@dataclass(frozen=True)
class Trend:
    period: dict  # {"start", "end"}: ISO dates, seven consecutive days
    source: str
    scope: str | None
    total: TrendTotal
    districts: list[TrendDistrict]  # by rank: most cases first
    categories: list[TrendCategory]  # most cases first, then in the source's order
    top_categories_share_pct: float | None = None
    highlights: list[str] = field(default_factory=list)


def change_pct(now: float, before: float | None) -> float | None:
    if before is None or before == 0:
        return None
    return round((now - before) / before * 100, 1)


def trend(figures: dict, previous: dict | None, names: dict[str, str]) -> Trend:
    """The week in `figures`, compared with the `previous` complete week (if any);
    `names` gives the fraud types' names by slug."""
    reported = figures.get("total")
    before = previous if previous is not None and "total" not in previous else None
    if reported is not None:
        total = TrendTotal(
            reported["cases"],
            reported["loss_wan"],
            reported.get("cases_change_pct"),
            reported.get("loss_change_pct"),
        )
        before = None  # the source's own changes stand; nothing else is compared
    else:
        total = _total(figures["districts"], before["districts"] if before else None)
    return Trend(
        period=figures["period"],
        source=figures["source"],
        scope=figures.get("scope"),
        total=total,
        districts=_districts(figures["districts"], (before or {}).get("districts", [])),
        categories=_categories(
            figures["categories"], (before or {}).get("categories", []), names, total.cases
        ),
        top_categories_share_pct=figures.get("top_categories_share_pct"),
        highlights=list(figures.get("highlights", [])),
    )


def _total(districts: list[dict], before: list[dict] | None) -> TrendTotal:
    """`before` None: no previous week to compare with."""
    cases = sum(d["cases"] for d in districts)
    loss = round(sum(d["loss_wan"] for d in districts), 1)
    before_cases = before_loss = None
    if before is not None:
        before_cases = sum(d["cases"] for d in before)
        before_loss = sum(d["loss_wan"] for d in before)
    return TrendTotal(
        cases=cases,
        loss_wan=loss,
        cases_change_pct=change_pct(cases, before_cases),
        loss_change_pct=change_pct(loss, before_loss),
    )


def _districts(districts: list[dict], before: list[dict]) -> list[TrendDistrict]:
    cases_before = {d["district"]: d["cases"] for d in before}
    ordered = sorted(districts, key=lambda d: (d.get("rank") or 0, -(d.get("cases") or 0)))
    return [
        TrendDistrict(
            district=d["district"],
            cases=d.get("cases"),
            loss_wan=d.get("loss_wan"),
            rank=d.get("rank") or position,
            cases_change_pct=(
                change_pct(d["cases"], cases_before.get(d["district"])) if "cases" in d else None
            ),
        )
        for position, d in enumerate(ordered, start=1)
    ]


def _share(category: dict, total_cases: int) -> float:
    return round(category["cases"] / total_cases * 100, 1) if total_cases else 0.0


def _categories(
    categories: list[dict], before: list[dict], names: dict[str, str], total_cases: int
) -> list[TrendCategory]:
    cases_before = {c["category"]: c["cases"] for c in before}
    complete = all("cases" in c for c in categories)
    ordered = sorted(categories, key=lambda c: -c["cases"]) if complete else categories
    return [
        TrendCategory(
            category=c["category"],
            name=names.get(c["category"]),
            cases=c.get("cases"),
            share_pct=_share(c, total_cases) if complete else None,
            cases_change=(
                c["cases"] - cases_before[c["category"]] if c["category"] in cases_before else None
            ),
            trend=c.get("trend"),
        )
        for c in ordered
    ]
