"""Times typed by staff in the city's time zone, turned into instants (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def local_instant(
    value: str | None, fmt: str, timezone: str, *, end_of_day: bool = False
) -> datetime | None:
    """``value`` read with ``fmt`` as a wall-clock time in ``timezone``, as a UTC instant; None
    when it is empty, malformed, or names no instant (9999-12-31 in a zone behind UTC)."""
    if not value:
        return None
    try:
        local = datetime.strptime(value, fmt).replace(tzinfo=ZoneInfo(timezone))
    except ValueError:
        return None
    if end_of_day:
        local = local.replace(hour=23, minute=59, second=59, microsecond=999999)
    try:
        return local.astimezone(UTC)
    except OverflowError:
        return None
