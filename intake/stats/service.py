"""The published statistics: one release per calendar year, built from tip, priority and
reward rows (district, category, status, dates: never a location or anything of a tip's content).

A release covers complete months only (the month in progress is left out): counts that moved
with each new tip would tell a watcher the district and category of the tip just sent. Every
table of a year is suppressed together (:mod:`intake.stats.rules`), so the page, the JSON and the
CSV show the same figures, and no query can combine differently suppressed versions of a cell:
years are published independently, with no total across them.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.models import Category, District, Reward, Tip, utcnow
from intake.stats.rules import ALL, Key, Line, cube, median_minutes, suppress

# Figures about these categories are published for the whole city only: by district they
# could point at a victim or at the officers of one station.
SENSITIVE_CATEGORIES = ("officer_conduct", "sexual_assault")
# Pseudo-districts: tips with no district, and the sensitive categories' citywide figures.
NO_DISTRICT = "unknown"
CITYWIDE_ONLY = "citywide"
# What became of a tip, grouped from the workflow's dispositions.
OUTCOMES: dict[str, tuple[str, ...]] = {
    "open": (),
    "arrest": ("arrest",),
    "information_used": ("actioned", "referred", "information_only"),
    "no_action_possible": ("insufficient_information", "no_action"),
    "unfounded": ("unfounded",),
    "duplicate": ("duplicate",),
}
OUTCOME_OF = {d: outcome for outcome, ds in OUTCOMES.items() for d in ds}
CITY_ONLY = "city_only"


@dataclass(frozen=True)
class Figure:
    """A published count, or why it is hidden (``small``, ``complementary``, ``city_only``)."""

    count: int | None
    hidden: str | None = None


@dataclass(frozen=True)
class Label:
    """A dimension value as people read it."""

    code: str
    name_en: str
    name_es: str

    def name(self, language: str) -> str:
        """The label in ``language`` (English otherwise)."""
        return self.name_es if language == "es" else self.name_en


@dataclass(frozen=True)
class RewardTotals:
    """Rewards approved and paid in the year (a hidden count hides its amount too)."""

    approved: Figure
    paid: Figure
    paid_amount_cents: int | None


@dataclass(frozen=True)
class Release:
    """One year's published statistics."""

    year: int
    months: tuple[str, ...]
    districts: tuple[Label, ...]
    categories: tuple[Label, ...]
    outcomes: tuple[str, ...]
    minimum: int
    tips: Mapping[Key, Figure]  # (month or ALL, district or ALL, category or ALL)
    outcome_counts: Mapping[Key, Figure]  # (district or ALL, outcome or ALL)
    response_hours: Mapping[str, float | None]  # district or ALL -> median hours
    rewards: RewardTotals
    sensitive: tuple[str, ...] = field(default=SENSITIVE_CATEGORIES)


def _zone(timezone: str) -> ZoneInfo:
    return ZoneInfo(timezone)


def month_of(moment: datetime, timezone: str) -> str:
    """``YYYY-MM`` of an instant in the city's time zone."""
    return moment.astimezone(_zone(timezone)).strftime("%Y-%m")


def current_month(timezone: str, now: datetime | None = None) -> str:
    """The month in progress in the city (left out of every release)."""
    return month_of(now or utcnow(), timezone)


def year_bounds(year: int, timezone: str) -> tuple[datetime, datetime]:
    """The UTC instants a calendar year of the city begins and ends."""
    zone = _zone(timezone)
    start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
    return start, end


def published_years(session: Session, timezone: str, now: datetime | None = None) -> list[int]:
    """Years with at least one complete month since the first tip, newest first."""
    first = session.scalar(select(func.min(Tip.created_at)))
    this_month = current_month(timezone, now)
    last_year = int(this_month[:4]) - (1 if this_month.endswith("-01") else 0)
    if first is None:
        return [last_year]
    first_year = min(int(month_of(first, timezone)[:4]), last_year)
    return list(range(last_year, first_year - 1, -1))


def _months(year: int, timezone: str, now: datetime | None) -> tuple[str, ...]:
    this_month = current_month(timezone, now)
    return tuple(m for m in (f"{year}-{n:02d}" for n in range(1, 13)) if m < this_month)


def district_labels(session: Session) -> tuple[Label, ...]:
    """Every district, then the two pseudo-districts."""
    rows = session.execute(select(District.code, District.name).order_by(District.code)).all()
    return (
        *(Label(code, name, name) for code, name in rows),
        Label(NO_DISTRICT, "No district (location unknown)", "Sin distrito (lugar desconocido)"),
        Label(CITYWIDE_ONLY, "Citywide only (sensitive categories)", "Solo toda la ciudad"),
    )


def category_labels(session: Session) -> tuple[Label, ...]:
    """Every category in the taxonomy's order."""
    rows = session.execute(
        select(Category.code, Category.label_en, Category.label_es).order_by(
            Category.sort_order, Category.code
        )
    ).all()
    return tuple(Label(code, en, es) for code, en, es in rows)


def district_for(category: str, district: str | None) -> str:
    """The district a tip counts under: sensitive categories count for the city alone."""
    if category in SENSITIVE_CATEGORIES:
        return CITYWIDE_ONLY
    return district or NO_DISTRICT


def structural_zeros(district_codes: Sequence[str], categories: Sequence[str]) -> set[Key]:
    """(district, category) pairs that are empty by construction, so known to everyone."""
    zeros: set[Key] = set()
    for category in categories:
        for district in district_codes:
            is_sensitive = category in SENSITIVE_CATEGORIES
            if (district == CITYWIDE_ONLY) != is_sensitive:
                zeros.add((district, category))
    return zeros


@functools.lru_cache(maxsize=32)
def _suppressed(
    leaves: tuple[tuple[str, ...], ...],
    counts: tuple[tuple[Key, int], ...],
    outcome_counts: tuple[tuple[Key, int], ...],
    known: frozenset[Key],
    minimum: int,
) -> tuple[dict[Key, int], dict[Key, str]]:
    """Suppress the tips cube and the outcomes table of one year together (they share totals).

    Cached on its inputs: the same figures always give the same release, and building one is
    the expensive part of a page.
    """
    districts = leaves[1]
    values, lines = cube(leaves, dict(counts))
    outcome_values, outcome_lines = cube((districts, tuple(OUTCOMES)), dict(outcome_counts))

    # A district's total over outcomes is the same cell as its total in the tips cube.
    def alias(key: Key) -> Key:
        district, outcome = key
        return (ALL, district, ALL) if outcome == ALL else ("outcome", district, outcome)

    merged = dict(values)
    for key, value in outcome_values.items():
        merged[alias(key)] = value
    merged_lines: list[Line] = list(lines)
    for line in outcome_lines:
        merged_lines.append(Line(tuple(alias(m) for m in line.members), alias(line.total)))
    known_cells = {cell for cell in merged if cell[0] != "outcome" and (cell[1], cell[2]) in known}
    return merged, suppress(merged, merged_lines, minimum, known=known_cells)


def build_release(
    session: Session, year: int, *, minimum: int, timezone: str, now: datetime | None = None
) -> Release:
    """The statistics of ``year`` as published (complete months only)."""
    months = _months(year, timezone, now)
    districts = district_labels(session)
    categories = category_labels(session)
    district_codes = tuple(d.code for d in districts)
    category_codes = tuple(c.code for c in categories)
    start, end = year_bounds(year, timezone)
    rows = session.execute(
        select(
            Tip.created_at,
            Tip.category_code,
            District.code,
            Tip.status,
            Tip.disposition,
            Tip.first_response_at,
        )
        .outerjoin(District, District.id == Tip.district_id)
        .where(Tip.created_at >= start, Tip.created_at < end)
    ).all()
    counts: Counter[Key] = Counter()
    outcomes: Counter[Key] = Counter()
    waits: dict[str, list[float]] = {}
    for created_at, category, district_code, status, disposition, first_response_at in rows:
        month = month_of(created_at, timezone)
        if month not in months:
            continue
        district = district_for(category, district_code)
        counts[(month, district, category)] += 1
        outcome = "open" if status != "closed" else OUTCOME_OF.get(disposition or "", "open")
        outcomes[(district, outcome)] += 1
        if first_response_at is not None:
            minutes = (first_response_at - created_at).total_seconds() / 60
            waits.setdefault(district, []).append(minutes)
            waits.setdefault(ALL, []).append(minutes)
    known = frozenset(structural_zeros(district_codes, category_codes))
    values, hidden = _suppressed(
        (months, district_codes, category_codes),
        tuple(sorted(counts.items())),
        tuple(sorted(outcomes.items())),
        known,
        minimum,
    )

    def figure(key: Key) -> Figure:
        if (key[1], key[2]) in known and key[0] != "outcome":
            return Figure(None, CITY_ONLY)
        if key in hidden:
            return Figure(None, hidden[key])
        return Figure(values[key])

    tips = {key: figure(key) for key in values if key[0] != "outcome"}
    outcome_figures: dict[Key, Figure] = {}
    for district in (*district_codes, ALL):
        outcome_figures[(district, ALL)] = tips[(ALL, district, ALL)]
        for outcome in OUTCOMES:
            outcome_figures[(district, outcome)] = figure(("outcome", district, outcome))
    response_hours = {
        district: (round(median / 60, 1) if (median := median_minutes(w)) is not None else None)
        if len(w) >= minimum
        else None
        for district, w in waits.items()
    }
    return Release(
        year=year,
        months=months,
        districts=districts,
        categories=categories,
        outcomes=tuple(OUTCOMES),
        minimum=minimum,
        tips=tips,
        outcome_counts=outcome_figures,
        response_hours=response_hours,
        rewards=_reward_totals(session, minimum, months, timezone),
    )


def _reward_totals(
    session: Session,
    minimum: int,
    months: tuple[str, ...],
    timezone: str,
) -> RewardTotals:
    approved = paid = amount = 0
    for decided_at, paid_at, cents in session.execute(
        select(Reward.decided_at, Reward.paid_at, Reward.amount_cents).where(
            Reward.status.in_(("approved", "paid"))
        )
    ):
        if decided_at is not None and month_of(decided_at, timezone) in months:
            approved += 1
        if paid_at is not None and month_of(paid_at, timezone) in months:
            paid += 1
            amount += cents

    def shown(count: int) -> Figure:
        return Figure(count) if count >= minimum else Figure(None, "small")

    return RewardTotals(shown(approved), shown(paid), amount if paid >= minimum else None)


# --- the API's rows ----------------------------------------------------------------------------

GROUPS = ("district", "category")
PERIODS = ("month", "year")
TABLES = ("tips", "outcomes")


@dataclass(frozen=True)
class StatsQuery:
    """What the API was asked for."""

    group: tuple[str, ...] = ()
    period: str = "month"
    table: str = "tips"
    month_from: str | None = None
    month_to: str | None = None


def query_rows(
    session: Session, query: StatsQuery, *, minimum: int, timezone: str
) -> list[dict[str, object]]:
    """The cells of the releases that ``query`` covers, as flat rows (totals included)."""
    years = sorted(published_years(session, timezone))
    first = int(query.month_from[:4]) if query.month_from else None
    last = int(query.month_to[:4]) if query.month_to else None
    rows: list[dict[str, object]] = []
    for year in years:
        if (first is not None and year < first) or (last is not None and year > last):
            continue
        release = build_release(session, year, minimum=minimum, timezone=timezone)
        if query.table == "outcomes":
            rows.extend(_outcome_rows(release))
        else:
            rows.extend(_tip_rows(release, query))
    return rows


def _values(codes: Sequence[str], grouped: bool) -> list[str]:
    return [*codes, ALL] if grouped else [ALL]


def _tip_rows(release: Release, query: StatsQuery) -> list[dict[str, object]]:
    if query.period == "year":
        periods = [(str(release.year), ALL)]
    else:
        periods = [
            (month, month)
            for month in release.months
            if (query.month_from is None or month >= query.month_from)
            and (query.month_to is None or month <= query.month_to)
        ]
    districts = _values([d.code for d in release.districts], "district" in query.group)
    categories = _values([c.code for c in release.categories], "category" in query.group)
    rows = []
    for label, period in periods:
        for district in districts:
            for category in categories:
                cell = release.tips[(period, district, category)]
                row: dict[str, object] = {"period": label}
                if "district" in query.group:
                    row["district"] = district
                if "category" in query.group:
                    row["category"] = category
                row.update(count=cell.count, suppressed=cell.hidden)
                rows.append(row)
    return rows


def _outcome_rows(release: Release) -> list[dict[str, object]]:
    return [
        {
            "period": str(release.year),
            "district": district,
            "outcome": outcome,
            "count": cell.count,
            "suppressed": cell.hidden,
        }
        for district in [*(d.code for d in release.districts), ALL]
        for outcome in [*release.outcomes, ALL]
        for cell in [release.outcome_counts[(district, outcome)]]
    ]
