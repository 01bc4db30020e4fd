"""Routing rules: category overrides, district queues and triage."""

from __future__ import annotations

import pytest

from intake.routing.rules import (
    DEFAULT_CATEGORY_OVERRIDES,
    RouteDecision,
    RoutingRuleError,
    decide_route,
    decide_routes,
    validate_overrides,
)


def test_a_located_tip_goes_to_its_district_queue() -> None:
    decision = decide_route(
        category="drugs",
        district_code="B2",
        point_source="map pin",
        category_overrides=DEFAULT_CATEGORY_OVERRIDES,
    )
    assert decision == RouteDecision("B2", "B2", "Map pin is in district B2.")


def test_gazetteer_place_name_may_appear_in_the_reason() -> None:
    decision = decide_route(
        category=None,
        district_code="E13",
        point_source="place 'Jamaica Plain'",
        category_overrides=DEFAULT_CATEGORY_OVERRIDES,
    )
    assert decision.queue_code == "E13"
    assert decision.reason == "Place 'Jamaica Plain' is in district E13."


def test_homicide_goes_to_the_homicide_unit_keeping_the_district() -> None:
    decision = decide_route(
        category="homicide",
        district_code="B3",
        point_source="shared location",
        category_overrides=DEFAULT_CATEGORY_OVERRIDES,
    )
    assert (decision.district_code, decision.queue_code) == ("B3", "homicide")
    assert "homicide" in decision.reason
    assert "B3" in decision.reason


@pytest.mark.parametrize("district", ["C11", None])
@pytest.mark.parametrize("overrides", [DEFAULT_CATEGORY_OVERRIDES, {}, {"officer_conduct": "C11"}])
def test_officer_conduct_never_goes_to_a_district_queue(
    district: str | None, overrides: dict[str, str]
) -> None:
    decision = decide_route(
        category="officer_conduct",
        district_code=district,
        point_source="map pin" if district else None,
        category_overrides=overrides,
    )
    assert decision.queue_code == "oversight"
    assert decision.district_code == district
    assert decision.reason.startswith("Category officer_conduct goes to the oversight queue")


def test_no_location_goes_to_triage() -> None:
    decision = decide_route(
        category="drugs",
        district_code=None,
        point_source=None,
        category_overrides=DEFAULT_CATEGORY_OVERRIDES,
    )
    assert decision == RouteDecision(None, "triage", "No usable location; triage.")


def test_point_outside_every_district_goes_to_triage_saying_so() -> None:
    decision = decide_route(
        category=None,
        district_code=None,
        point_source="map pin",
        category_overrides=DEFAULT_CATEGORY_OVERRIDES,
    )
    assert decision.queue_code == "triage"
    assert decision.reason == "Map pin is outside every district; triage."


def test_configured_overrides_replace_the_defaults() -> None:
    overrides = {"human_trafficking": "vice", "officer_conduct": "internal_affairs"}
    # officer_conduct ignores any override; validate_overrides refuses this configuration.
    trafficking = decide_route(
        category="human_trafficking",
        district_code="D4",
        point_source="map pin",
        category_overrides=overrides,
    )
    assert trafficking.queue_code == "vice"
    homicide = decide_route(
        category="homicide",
        district_code="D4",
        point_source="map pin",
        category_overrides=overrides,
    )
    assert homicide.queue_code == "D4"
    conduct = decide_route(
        category="officer_conduct",
        district_code="D4",
        point_source=None,
        category_overrides=overrides,
    )
    assert conduct.queue_code == "oversight"


def test_homicide_without_location_still_reaches_the_homicide_unit() -> None:
    decision = decide_route(
        category="homicide",
        district_code=None,
        point_source=None,
        category_overrides=DEFAULT_CATEGORY_OVERRIDES,
    )
    assert (decision.district_code, decision.queue_code) == (None, "homicide")
    assert decision.reason == "Category homicide goes to the homicide queue; no usable location."


def test_overrides_sending_conduct_to_a_district_are_refused() -> None:
    validate_overrides(DEFAULT_CATEGORY_OVERRIDES, {"A1", "B2"})
    with pytest.raises(RoutingRuleError, match="officer_conduct"):
        validate_overrides({"officer_conduct": "B2"}, {"A1", "B2"})
    with pytest.raises(RoutingRuleError, match="always goes to the 'oversight' queue"):
        validate_overrides({"officer_conduct": "internal_affairs"}, {"A1", "B2"})
    with pytest.raises(RoutingRuleError, match="empty queue"):
        validate_overrides({"homicide": " "}, {"A1"})


def test_bulk_decisions_equal_single_decisions() -> None:
    districts = ["A1", None, "B2", "A1", None]
    for category in (None, "homicide", "officer_conduct"):
        bulk = decide_routes(districts, category=category, point_source="map pin")
        single = [
            decide_route(
                category=category,
                district_code=district,
                point_source="map pin",
                category_overrides=DEFAULT_CATEGORY_OVERRIDES,
            )
            for district in districts
        ]
        assert bulk == single
    assert [d.queue_code for d in decide_routes(districts, category=None, point_source="pin")] == [
        "A1",
        "triage",
        "B2",
        "A1",
        "triage",
    ]
