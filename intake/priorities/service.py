"""Recording residents' priorities and publishing them by district, small counts suppressed.

An answer keeps its district, month, language and the categories named; free text is
classified like a tip and then dropped, never stored. Published aggregates go through the same
suppression as the tip statistics (:mod:`intake.stats.rules`).
"""

from __future__ import annotations

import functools
import uuid
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.classify.service import classify_tip
from intake.errors import InvalidInputError
from intake.models import Category, District, PriorityChoice, PriorityResponse, Queue, Tip, User
from intake.priorities.rules import MAX_CONCERNS, concerns_problem
from intake.stats.rules import Key, Line, cube, suppress
from intake.stats.service import (
    CITY_ONLY,
    Figure,
    Label,
    category_labels,
    district_for,
    district_labels,
    month_of,
    structural_zeros,
    year_bounds,
)


def record_answer(
    session: Session,
    *,
    district_code: str,
    concerns: list[str],
    free_text: str,
    month: str,
    language: str,
) -> PriorityResponse:
    """Store one answer (flushes); free text becomes a category and is not kept."""
    district = session.scalar(select(District).where(District.code == district_code))
    if district is None:
        raise InvalidInputError(fields={"district": ["Unknown district."]})
    if concerns_problem(concerns, free_text):
        raise InvalidInputError(fields={"concerns": [f"Choose 1 to {MAX_CONCERNS} concerns."]})
    known = set(session.scalars(select(Category.code).where(Category.is_active.is_(True))))
    if any(code not in known for code in concerns):
        raise InvalidInputError(fields={"concerns": ["Unknown concern."]})
    response = PriorityResponse(
        id=uuid.uuid4(), district_id=district.id, month=month, language=language
    )
    for code in dict.fromkeys(concerns):
        response.choices.append(PriorityChoice(category_code=code, source="picked"))
    if free_text.strip():
        result = classify_tip(session, free_text)
        code = "other" if result.is_unsure else result.category
        if code not in concerns and code in known:
            response.choices.append(PriorityChoice(category_code=code, source="free_text"))
    session.add(response)
    session.flush()
    return response


@dataclass(frozen=True)
class PriorityRelease:
    """A year's priorities by district: concerns named and residents answering."""

    year: int
    districts: tuple[Label, ...]
    categories: tuple[Label, ...]
    minimum: int
    choices: dict[Key, Figure]  # (district or ALL, category or ALL)
    respondents: dict[str, Figure]  # district or ALL


def _labels(session: Session) -> tuple[tuple[Label, ...], tuple[Label, ...]]:
    districts = tuple(d for d in district_labels(session) if d.code != "unknown")
    return districts, category_labels(session)


def _counts(session: Session, year: int) -> tuple[Counter[Key], Counter[str]]:
    prefix = f"{year}-"
    choices: Counter[Key] = Counter()
    respondents: Counter[str] = Counter()
    rows = session.execute(
        select(PriorityResponse.id, District.code, PriorityChoice.category_code)
        .join(District, District.id == PriorityResponse.district_id)
        .join(PriorityChoice, PriorityChoice.response_id == PriorityResponse.id)
        .where(PriorityResponse.month.startswith(prefix))
    ).all()
    seen: set[tuple[uuid.UUID, str]] = set()
    for response_id, district, category in rows:
        place = district_for(category, district)
        choices[(place, category)] += 1
        if (response_id, district) not in seen:
            seen.add((response_id, district))
            respondents[district] += 1
    return choices, respondents


@functools.lru_cache(maxsize=16)
def _suppressed(
    districts: tuple[str, ...],
    categories: tuple[str, ...],
    choices: tuple[tuple[Key, int], ...],
    respondents: tuple[tuple[str, int], ...],
    known: frozenset[Key],
    minimum: int,
) -> tuple[dict[Key, int], dict[Key, str]]:
    values, lines = cube((districts, categories), dict(choices))
    people_values, people_lines = cube(
        (tuple(d for d in districts if d != "citywide"),), {(d,): n for d, n in respondents}
    )
    merged = dict(values)
    merged.update({("people", *k): v for k, v in people_values.items()})
    merged_lines = list(lines) + [
        Line(tuple(("people", *m) for m in line.members), ("people", *line.total))
        for line in people_lines
    ]
    return merged, suppress(merged, merged_lines, minimum, known=known)


def build_priorities(session: Session, year: int, *, minimum: int) -> PriorityRelease:
    """The published priorities of ``year`` (the month in progress included)."""
    districts, categories = _labels(session)
    codes = tuple(d.code for d in districts)
    category_codes = tuple(c.code for c in categories)
    choices, respondents = _counts(session, year)
    known = frozenset(structural_zeros(codes, category_codes))
    values, hidden = _suppressed(
        codes,
        category_codes,
        tuple(sorted(choices.items())),
        tuple(sorted(respondents.items())),
        known,
        minimum,
    )

    def figure(key: Key) -> Figure:
        if key in known:
            return Figure(None, CITY_ONLY)
        return Figure(None, hidden[key]) if key in hidden else Figure(values[key])

    return PriorityRelease(
        year=year,
        districts=districts,
        categories=categories,
        minimum=minimum,
        choices={k: figure(k) for k in values if k[0] != "people"},
        respondents={k[1]: figure(k) for k in values if k[0] == "people" and len(k) == 2},
    )


# --- for staff: unsuppressed, their districts only ----------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """One district: per category, tips received and concerns named by residents."""

    district: Label
    rows: tuple[tuple[Label, int, int], ...]
    tips_total: int
    concerns_total: int


def staff_districts(session: Session, user: User) -> list[str]:
    """Districts a staff member may compare: a supervisor all, a prosecutor their own."""
    if user.role == "supervisor":
        return list(session.scalars(select(District.code).order_by(District.code)))
    return sorted({q.district.code for q in user.queues if q.district is not None})


def compare(session: Session, user: User, year: int, timezone: str) -> list[Comparison]:
    """Residents' priorities beside the tips of the year, for the user's districts (no
    suppression: staff see the queues' own figures; sensitive categories stay citywide)."""
    allowed = staff_districts(session, user)
    districts, categories = _labels(session)

    start, end = year_bounds(year, timezone)
    tips: Counter[Key] = Counter()
    for created_at, category, district in session.execute(
        select(Tip.created_at, Tip.category_code, District.code)
        .join(District, District.id == Tip.district_id)
        .join(Queue, Queue.id == Tip.queue_id)
        .where(Tip.created_at >= start, Tip.created_at < end, Queue.kind != "oversight")
    ):
        if month_of(created_at, timezone).startswith(f"{year}-"):
            tips[(district_for(category, district), category)] += 1
    choices, _ = _counts(session, year)
    result = []
    for label in districts:
        if label.code not in allowed:
            continue
        rows = tuple(
            (c, tips[(label.code, c.code)], choices[(label.code, c.code)])
            for c in categories
            if tips[(label.code, c.code)] or choices[(label.code, c.code)]
        )
        result.append(
            Comparison(
                label,
                rows,
                sum(r[1] for r in rows),
                sum(r[2] for r in rows),
            )
        )
    return result
