"""Default queues and categories every installation needs, and the demo city."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.classify.taxonomy import DEFAULT_CATEGORIES
from intake.models import Category, Queue
from intake.routing.gazetteer import load_places
from intake.routing.geo import load_boundaries
from intake.routing.service import replace_places, upsert_districts

DEMO_DIR = Path(__file__).parent / "demo"
BUILTIN_QUEUES = (
    ("triage", "Triage", "triage"),
    ("oversight", "Oversight (officer conduct)", "oversight"),
    ("homicide", "Homicide unit", "unit"),
)
CATEGORY_QUEUES = {"homicide": "homicide", "officer_conduct": "oversight"}


def ensure_defaults(session: Session) -> None:
    """Create the built-in queues and default categories that are missing; changes nothing else."""
    existing_queues = set(session.scalars(select(Queue.code)))
    for code, name, kind in BUILTIN_QUEUES:
        if code not in existing_queues:
            session.add(Queue(code=code, name=name, kind=kind))
    existing_categories = set(session.scalars(select(Category.code)))
    for order, definition in enumerate(DEFAULT_CATEGORIES):
        if definition.code not in existing_categories:
            session.add(
                Category(
                    code=definition.code,
                    label_en=definition.label_en,
                    label_es=definition.label_es,
                    description=definition.description,
                    queue_code=CATEGORY_QUEUES.get(definition.code),
                    keywords=[],
                    sort_order=order,
                )
            )
    session.flush()


@dataclass(frozen=True)
class DemoCredential:
    """A demo user's login, printed once by `flask intake demo load`."""

    username: str
    role: str
    password: str
    api_token: str


def load_demo_city(session: Session) -> tuple[int, int]:
    """Load Port Alder's made-up districts and places. Returns (districts, places)."""
    ensure_defaults(session)
    boundaries = load_boundaries(DEMO_DIR / "districts.geojson", "code", "name")
    upsert_districts(session, boundaries)
    places = load_places(DEMO_DIR / "places.csv")
    replace_places(session, places, source="demo")
    return len(boundaries), len(places)


def demo_password() -> str:
    """A random password for a demo account."""
    return secrets.token_urlsafe(12)
