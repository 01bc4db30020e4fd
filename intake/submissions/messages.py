"""What the tipster is told, in their language."""

from __future__ import annotations

from functools import lru_cache

from flask_babel import force_locale, gettext

# Each text is translated once per language and process: the catalogues do not change at runtime.


@lru_cache(maxsize=8)
def emergency_advice(language: str) -> str:
    """Tell the tipster to call 911 now."""
    with force_locale(language if language in ("en", "es") else "en"):
        return str(
            gettext(
                "If anyone is in danger right now, call 911 immediately. "
                "This form is not watched every minute."
            )
        )


@lru_cache(maxsize=8)
def next_steps(language: str) -> str:
    """What happens after a tip is sent."""
    with force_locale(language if language in ("en", "es") else "en"):
        return str(
            gettext(
                "Your tip goes to the unit responsible for the area. Keep your tip number and "
                "receipt: with them you can check back, read questions from a detective and answer "
                "them. Nobody can find out who you are from them."
            )
        )
