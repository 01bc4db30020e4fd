"""Pure rules of the priorities survey: how many concerns, and the once-a-month cookie."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from itsdangerous import BadSignature, URLSafeSerializer

MAX_CONCERNS = 3
FREE_TEXT_MAX = 500
COOKIE_NAME = "intake_priorities"
COOKIE_PATH = "/priorities"
_SALT = "intake.priorities.month"


def month_key(now: datetime, timezone: str) -> str:
    """``YYYY-MM`` of ``now`` in the city."""
    return now.astimezone(ZoneInfo(timezone)).strftime("%Y-%m")


def seconds_to_month_end(now: datetime, timezone: str) -> int:
    """Seconds until the next month begins in the city (the cookie's lifetime)."""
    local = now.astimezone(ZoneInfo(timezone))
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (first + timedelta(days=32)).replace(day=1)
    return max(60, int((following.astimezone(UTC) - now.astimezone(UTC)).total_seconds()))


def answered_cookie(secret_key: str, month: str) -> str:
    """The cookie value after an answer: the month, signed. Nothing else, the same for all.

    No timestamp (itsdangerous' timed signer would add the second of signing, which would both
    tell answers apart and date them): the cookie's expiry at the month's end does the expiring.
    """
    return URLSafeSerializer(secret_key, salt=_SALT).dumps(month)


def has_answered(secret_key: str, cookie: str, month: str) -> bool:
    """Whether ``cookie`` is our signature over this ``month`` (another month's is ignored)."""
    if not cookie:
        return False
    try:
        value = URLSafeSerializer(secret_key, salt=_SALT).loads(cookie)
    except BadSignature:
        return False
    return bool(value == month)


def concerns_problem(picked: list[str], free_text: str) -> str | None:
    """Why an answer cannot be taken, or None: one to three concerns, or some words."""
    if len(picked) > MAX_CONCERNS:
        return "too_many"
    if not picked and not free_text.strip():
        return "none"
    return None
