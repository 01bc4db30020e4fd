"""Test helpers: load the real Boston files through the CLI, then give the demo city back.

The ``app`` fixture only cleans the rows tests write (tips, users ...); tests that load districts,
places or categories restore those reference tables with ``kept_reference_tables``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from click.testing import Result
from flask import Flask
from sqlalchemy import delete, insert, select

from intake.extensions import db
from intake.routing.geo import Boundary, load_boundaries
from tests.conftest import DYNAMIC_TABLES, TEST_DATA

DISTRICTS_FILE = TEST_DATA / "boston_police_districts.geojson"
NEIGHBOURHOODS_FILE = TEST_DATA / "boston_neighborhoods.geojson"
# Insert in this order, delete in the reverse (queues point at districts).
REFERENCE_TABLES = ("district", "queue", "category", "place", "street_segment")
# "Well inside": this far (degrees) from every district edge.
INSET_DEGREES = 0.002
# Clearly outside Boston: Worcester, Cape Cod Bay, Providence, New Hampshire.
OUTSIDE_POINTS = ((42.2626, -71.8023), (41.95, -70.35), (41.824, -71.4128), (43.2, -71.5))


def require_boston_files() -> None:
    """Fail, saying why, when the Boston files that ship in tests/data are missing."""
    for path in (DISTRICTS_FILE, NEIGHBOURHOODS_FILE):
        if not path.exists():
            pytest.fail(f"real Boston data missing at {path}: it ships in tests/data")


def cli(app: Flask, *args: str, stdin: str | None = None) -> Result:
    """Run `flask intake ARGS...` against the test database."""
    return app.test_cli_runner().invoke(args=["intake", *args], input=stdin)


@contextmanager
def kept_reference_tables(app: Flask) -> Iterator[None]:
    """Snapshot districts, queues, categories and places; put them back exactly afterwards."""
    with app.app_context():
        tables = [db.metadata.tables[name] for name in REFERENCE_TABLES]
        snapshot = {
            t.name: [dict(r) for r in db.session.execute(select(t)).mappings()] for t in tables
        }
        db.session.rollback()
    try:
        yield
    finally:
        with app.app_context():
            db.session.rollback()
            # Tips point at queues, districts and categories: they go first.
            for name in DYNAMIC_TABLES:
                db.session.execute(delete(db.metadata.tables[name]))
            for table in reversed(tables):
                db.session.execute(delete(table))
            for table in tables:
                rows: list[dict[str, Any]] = snapshot[table.name]
                if rows:
                    db.session.execute(insert(table), rows)
            db.session.commit()
            db.session.remove()


def load_boston(app: Flask) -> None:
    """Load the Boston Police districts and neighbourhoods through the CLI, as an operator would."""
    require_boston_files()
    loaded = cli(app, "districts", "load", str(DISTRICTS_FILE), "--code-property", "DISTRICT")
    assert loaded.exit_code == 0, loaded.output
    places = cli(app, "places", "load", str(NEIGHBOURHOODS_FILE), "--name-property", "Name")
    assert places.exit_code == 0, places.output


def boston_boundaries() -> list[Boundary]:
    """The 12 Boston Police districts, read straight from the file (not through the database)."""
    require_boston_files()
    return load_boundaries(DISTRICTS_FILE, "DISTRICT")


def inside_points(
    boundaries: list[Boundary], per_district: int = 25, seed: int = 3
) -> list[tuple[str, float, float]]:
    """(code, lat, lon) well inside each district: its representative point, then random points
    inside the district shrunk by ``INSET_DEGREES``."""
    rng = np.random.default_rng(seed)
    points: list[tuple[str, float, float]] = []
    for boundary in boundaries:
        point = boundary.geometry.representative_point()
        shrunk = boundary.geometry.buffer(-INSET_DEGREES)
        assert not shrunk.is_empty, f"district {boundary.code} vanishes when shrunk"
        points.append((boundary.code, point.y, point.x))
        minx, miny, maxx, maxy = shrunk.bounds
        shapely.prepare(shrunk)
        found = 0
        while found < per_district:
            xs = rng.uniform(minx, maxx, 256)
            ys = rng.uniform(miny, maxy, 256)
            keep = shapely.contains_xy(shrunk, xs, ys)
            for x, y in zip(xs[keep], ys[keep], strict=True):
                if found == per_district:
                    break
                points.append((boundary.code, float(y), float(x)))
                found += 1
    return points


def boston_file_without(tmp_path: Path, code: str) -> Path:
    """A copy of the Boston districts file without district ``code``."""
    data = json.loads(DISTRICTS_FILE.read_text(encoding="utf-8"))
    data["features"] = [f for f in data["features"] if f["properties"]["DISTRICT"] != code]
    path = tmp_path / f"boston_without_{code}.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
