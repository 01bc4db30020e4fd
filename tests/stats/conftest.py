"""Tips placed in the last complete month, in a chosen district and category."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from intake.models import Tip
from tests.staff.factories import make_tip

ZONE = ZoneInfo("America/New_York")  # the test city's time zone (the settings' default)


def last_complete_month() -> datetime:
    """An instant in the middle of the city's previous month."""
    local = datetime.now(UTC).astimezone(ZONE)
    first = local.replace(day=1, hour=12, minute=0, second=0, microsecond=0)
    return (first - timedelta(days=15)).astimezone(UTC)


@pytest.fixture
def seed_tips(session, keyring):
    """``seed(point, category, n, **fields)``: n committed tips in the last complete month."""

    def seed(point, category: str, n: int, **fields) -> list[Tip]:
        when = last_complete_month()
        tips = []
        for _ in range(n):
            created = make_tip(session, keyring, point, narrative="Something is going on here.")
            tip = session.scalar(select(Tip).where(Tip.tip_number == created.tip_number))
            tip.category_code = category
            tip.created_at = when
            for name, value in fields.items():
                setattr(tip, name, value(when) if callable(value) else value)
            tips.append(tip)
        session.commit()
        return tips

    return seed
