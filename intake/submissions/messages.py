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


def forward_reply(language: str, *, tip_number: str, receipt: str, check_url: str) -> str:
    """What the social-media team pastes back to the person whose post or message it forwarded:
    their tip number and secret code, and where to check back (short enough for a DM)."""
    with force_locale(language if language in ("en", "es") else "en"):
        return str(
            gettext(
                "Thank you. What you sent is now tip %(number)s. To see replies or answer a "
                "detective's questions, go to %(url)s and enter tip number %(number)s and secret "
                "code %(receipt)s. Keep the code private: anyone who has it can read the replies.",
                number=tip_number,
                url=check_url,
                receipt=receipt,
            )
        )


def forward_answer(tip_number: str, receipt: str, public_base_url: str) -> dict[str, str]:
    """What a forward answers with besides the tip: its code, where to check back, and the reply
    to paste back in English and Spanish (the page and the API show the same)."""
    check_url = f"{public_base_url}/check"
    return {
        "receipt": receipt,
        "check_url": check_url,
        **{
            f"reply_{language}": forward_reply(
                language, tip_number=tip_number, receipt=receipt, check_url=check_url
            )
            for language in ("en", "es")
        },
    }


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
