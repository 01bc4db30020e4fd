"""Routing rules: from a tip's category and district to the queue that must act on it.

The reason returned is stored on the tip and shown to detectives, so it is a short sentence built
only from codes and, at most, a gazetteer place name: never from the tipster's words.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "DEFAULT_CATEGORY_OVERRIDES",
    "OFFICER_CONDUCT",
    "OVERSIGHT_QUEUE",
    "TRIAGE_QUEUE",
    "RouteDecision",
    "RoutingRuleError",
    "ambiguity_sentence",
    "decide_route",
    "decide_routes",
    "validate_overrides",
]

TRIAGE_QUEUE = "triage"
OVERSIGHT_QUEUE = "oversight"
OFFICER_CONDUCT = "officer_conduct"

DEFAULT_CATEGORY_OVERRIDES: Mapping[str, str] = MappingProxyType(
    {"homicide": "homicide", OFFICER_CONDUCT: OVERSIGHT_QUEUE}
)


class RoutingRuleError(ValueError):
    """A category override would break a routing guarantee."""


@dataclass(frozen=True)
class RouteDecision:
    """Where a tip goes: its district (kept for statistics), its queue and why."""

    district_code: str | None
    queue_code: str
    reason: str


def validate_overrides(
    category_overrides: Mapping[str, str], district_codes: Collection[str]
) -> None:
    """Refuse overrides with an empty queue or that move officer conduct away from oversight."""
    for category, queue in category_overrides.items():
        if not queue or not queue.strip():
            raise RoutingRuleError(f"category {category!r} overrides to an empty queue code")
    conduct_queue = category_overrides.get(OFFICER_CONDUCT, OVERSIGHT_QUEUE)
    if conduct_queue in district_codes:
        raise RoutingRuleError(
            f"{OFFICER_CONDUCT} must not be routed to a district queue ({conduct_queue!r})"
        )
    if conduct_queue != OVERSIGHT_QUEUE:
        raise RoutingRuleError(
            f"{OFFICER_CONDUCT} always goes to the {OVERSIGHT_QUEUE!r} queue, not {conduct_queue!r}"
        )


MAX_NAMED_CANDIDATES = 4  # the reason is at most 300 characters


def ambiguity_sentence(label: str, candidates: Sequence[tuple[str, Sequence[str | None]]]) -> str:
    """Say that a place text may mean places in several districts, naming them for triage.

    ``candidates`` are gazetteer place names with the districts each lies in (None: outside
    every district). Only gazetteer names and district codes appear, never the tipster's words.
    """

    def where(codes: Sequence[str | None]) -> str:
        named = [code or "outside" for code in codes]
        return "/".join(named) if named else "outside"

    if len(candidates) == 1:
        name, codes = candidates[0]
        return f"{label} '{name}' runs through districts {where(codes)}"
    shown = [f"'{name}' ({where(codes)})" for name, codes in candidates[:MAX_NAMED_CANDIDATES]]
    more = len(candidates) - len(shown)
    listed = ", ".join(shown) + (f" and {more} more" if more > 0 else "")
    return f"{label} matches {len(candidates)} places in different districts: {listed}"


def _location_sentence(
    district_code: str | None, point_source: str | None, ambiguity: str | None = None
) -> str:
    if ambiguity is not None and district_code is None:
        return ambiguity
    if district_code is not None:
        if point_source:
            return f"{point_source} is in district {district_code}"
        return f"location is in district {district_code}"
    if point_source:
        return f"{point_source} is outside every district"
    return "no usable location"


def _capitalised(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:] + "."


def decide_route(
    *,
    category: str | None,
    district_code: str | None,
    point_source: str | None,
    category_overrides: Mapping[str, str] = DEFAULT_CATEGORY_OVERRIDES,
    ambiguity: str | None = None,
) -> RouteDecision:
    """Decide the queue for a tip from its category, district and where its point came from.

    ``point_source`` says where the point came from, in words fit for a detective (for example
    "map pin", "shared location" or "place 'Jamaica Plain'"); None means the tip had no point.
    A category override wins over the district; ``officer_conduct`` always goes to the oversight
    queue, whatever the overrides say (``validate_overrides`` refuses a configuration that tries).
    Without an override the district code is the queue code, and no district means triage.
    ``ambiguity`` (from ``ambiguity_sentence``) explains a place text that named places in
    several districts: the tip has no district and the reason names the candidates.
    """
    location = _location_sentence(district_code, point_source, ambiguity)
    if category == OFFICER_CONDUCT:
        # Hard-wired, whatever the overrides say: a complaint about an officer must never land in
        # front of that officer's colleagues, and a typo in configuration must not make it so.
        return RouteDecision(
            district_code=district_code,
            queue_code=OVERSIGHT_QUEUE,
            reason=_capitalised(
                f"category {OFFICER_CONDUCT} goes to the {OVERSIGHT_QUEUE} queue; {location}"
            ),
        )
    if category is not None and category_overrides.get(category):
        queue = category_overrides[category]
        return RouteDecision(
            district_code=district_code,
            queue_code=queue,
            reason=_capitalised(f"category {category} goes to the {queue} queue; {location}"),
        )
    if district_code is None:
        return RouteDecision(
            district_code=None, queue_code=TRIAGE_QUEUE, reason=_capitalised(f"{location}; triage")
        )
    return RouteDecision(
        district_code=district_code, queue_code=district_code, reason=_capitalised(location)
    )


def decide_routes(
    district_codes: Iterable[str | None],
    *,
    category: str | None,
    point_source: str | None,
    category_overrides: Mapping[str, str] = DEFAULT_CATEGORY_OVERRIDES,
) -> list[RouteDecision]:
    """``decide_route`` for many tips sharing a category and point source (bulk re-routing)."""
    # A city has tens of districts, so there are only that many distinct decisions to make.
    decided: dict[str | None, RouteDecision] = {}
    result = []
    for district_code in district_codes:
        decision = decided.get(district_code)
        if decision is None:
            decision = decide_route(
                category=category,
                district_code=district_code,
                point_source=point_source,
                category_overrides=category_overrides,
            )
            decided[district_code] = decision
        result.append(decision)
    return result
