"""Default queues and categories every installation needs, and the demo city."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.classify.taxonomy import DEFAULT_CATEGORIES
from intake.crypto import Keyring
from intake.models import Category, Queue, User
from intake.routing.gazetteer import load_places
from intake.routing.geo import load_boundaries
from intake.routing.service import replace_places, replace_street_segments, upsert_districts
from intake.routing.streets import load_street_segments
from intake.staff.service import create_user

DEMO_DIR = Path(__file__).parent / "demo"
BUILTIN_QUEUES = (
    ("triage", "Triage", "triage"),
    ("oversight", "Oversight (officer conduct)", "oversight"),
    ("homicide", "Homicide unit", "unit"),
    ("prosecutor", "Prosecutor (forwarded by supervisors)", "prosecutor"),
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
    """A demo user's login, written to instance/demo-credentials.txt by `flask intake demo load`."""

    username: str
    role: str
    queues: tuple[str, ...]
    password: str
    totp_secret: str
    api_token: str


# One account per role; the two detectives work different districts.
DEMO_USERS = (
    ("detective-n1", "detective", ("N1",)),
    ("detective-h2", "detective", ("H2",)),
    ("supervisor", "supervisor", ()),
    ("oversight", "oversight", ()),
    ("social", "social_media", ()),
    ("admin", "admin", ()),
)
DEMO_CREDENTIALS_FILE = "demo-credentials.txt"


def ensure_demo_users(session: Session, keyring: Keyring) -> list[DemoCredential]:
    """Create the demo accounts that are missing; returns the new ones' credentials."""
    existing = set(session.scalars(select(User.username)))
    created = []
    for username, role, queues in DEMO_USERS:
        if username in existing:
            continue
        new = create_user(session, keyring, username, role, queues=queues)
        created.append(
            DemoCredential(username, role, queues, new.password, new.totp_secret, new.api_token)
        )
    return created


def write_demo_credentials(instance_path: Path, credentials: list[DemoCredential]) -> Path:
    """Append new demo credentials to instance/demo-credentials.txt (mode 0600)."""
    path = instance_path / DEMO_CREDENTIALS_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(
            "# Demo staff accounts (development only). Log in at /staff/login with the password,\n"
            "# then a code from an authenticator app given the TOTP secret\n"
            "# (or: python -c 'import pyotp; print(pyotp.TOTP(\"SECRET\").now())').\n"
        )
    path.chmod(0o600)
    with path.open("a") as handle:
        for c in credentials:
            handle.write(
                f"\n{c.username} ({c.role}{', queues ' + ','.join(c.queues) if c.queues else ''})\n"
                f"  password:    {c.password}\n"
                f"  TOTP secret: {c.totp_secret}\n"
                f"  API token:   {c.api_token}\n"
            )
    return path


def load_demo_city(session: Session) -> tuple[int, int]:
    """Load Port Alder's made-up districts and places. Returns (districts, places)."""
    ensure_defaults(session)
    boundaries = load_boundaries(DEMO_DIR / "districts.geojson", "code", "name")
    upsert_districts(session, boundaries)
    places = load_places(DEMO_DIR / "places.csv")
    replace_places(session, places, source="demo")
    streets = load_street_segments(DEMO_DIR / "streets.geojson", "name")
    replace_street_segments(session, streets, source="demo")
    return len(boundaries), len(places)


def demo_password() -> str:
    """A random password for a demo account."""
    return secrets.token_urlsafe(12)
