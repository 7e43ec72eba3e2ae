"""A week of trend figures as readers see it: totals, shares and week-on-week changes
computed from the raw counts an alert stores (no Flask, no database)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrendTotal:
    cases: int
    loss_wan: float
    cases_change_pct: float | None  # None: no previous week (or none of it)
    loss_change_pct: float | None


@dataclass(frozen=True)
class TrendDistrict:
    district: str
    cases: int
    loss_wan: float
    cases_change_pct: float | None


@dataclass(frozen=True)
class TrendCategory:
    category: str  # a fraud type's slug
    name: str | None
    cases: int
    share_pct: float
    cases_change: int | None


@dataclass(frozen=True)
class Trend:
    period: dict  # {"start", "end"}: ISO dates, Monday to Sunday
    source: str
    total: TrendTotal
    districts: list[TrendDistrict]  # most cases first
    categories: list[TrendCategory]  # most cases first


def change_pct(now: float, before: float | None) -> float | None:
    if before is None or before == 0:
        return None
    return round((now - before) / before * 100, 1)


def trend(figures: dict, previous: dict | None, names: dict[str, str]) -> Trend:
    """The week in `figures`, compared with the `previous` week's figures (if any);
    `names` gives the fraud types' names by slug."""
    before = previous or {}
    total = _total(figures["districts"], before.get("districts", []) if previous else None)
    return Trend(
        period=figures["period"],
        source=figures["source"],
        total=total,
        districts=_districts(figures["districts"], before.get("districts", [])),
        categories=_categories(
            figures["categories"], before.get("categories", []), names, total.cases
        ),
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
    return [
        TrendDistrict(
            district=d["district"],
            cases=d["cases"],
            loss_wan=d["loss_wan"],
            cases_change_pct=change_pct(d["cases"], cases_before.get(d["district"])),
        )
        for d in sorted(districts, key=lambda d: -d["cases"])
    ]


def _categories(
    categories: list[dict], before: list[dict], names: dict[str, str], total_cases: int
) -> list[TrendCategory]:
    cases_before = {c["category"]: c["cases"] for c in before}
    return [
        TrendCategory(
            category=c["category"],
            name=names.get(c["category"]),
            cases=c["cases"],
            share_pct=round(c["cases"] / total_cases * 100, 1) if total_cases else 0.0,
            cases_change=(
                c["cases"] - cases_before[c["category"]] if c["category"] in cases_before else None
            ),
        )
        for c in sorted(categories, key=lambda c: -c["cases"])
    ]
