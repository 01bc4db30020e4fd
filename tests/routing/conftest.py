"""Fixtures for routing tests: the real Boston boundary files and indexes built from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.routing.geo import Boundary, DistrictIndex, load_boundaries

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "tests" / "data"
DISTRICTS_FILE = DATA_DIR / "boston_police_districts.geojson"
NEIGHBOURHOODS_FILE = DATA_DIR / "boston_neighborhoods.geojson"


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"real Boston data missing at {path}: it ships in tests/data")
    return path


@pytest.fixture(scope="session")
def districts_file() -> Path:
    """Path to the Boston Police districts GeoJSON (property DISTRICT)."""
    return _require(DISTRICTS_FILE)


@pytest.fixture(scope="session")
def neighbourhoods_file() -> Path:
    """Path to the Boston neighbourhoods GeoJSON (property Name)."""
    return _require(NEIGHBOURHOODS_FILE)


@pytest.fixture(scope="session")
def district_boundaries(districts_file: Path) -> list[Boundary]:
    """The 12 Boston Police districts."""
    return load_boundaries(districts_file, "DISTRICT")


@pytest.fixture(scope="session")
def district_index(district_boundaries: list[Boundary]) -> DistrictIndex:
    """An index over the Boston Police districts."""
    return DistrictIndex.build(district_boundaries)


@pytest.fixture(scope="session")
def neighbourhood_boundaries(neighbourhoods_file: Path) -> list[Boundary]:
    """The 26 Boston neighbourhoods, keyed by name."""
    return load_boundaries(neighbourhoods_file, "Name", name_property="Name")


@pytest.fixture(scope="session")
def neighbourhood_index(neighbourhood_boundaries: list[Boundary]) -> DistrictIndex:
    """An index over the Boston neighbourhoods."""
    return DistrictIndex.build(neighbourhood_boundaries)
