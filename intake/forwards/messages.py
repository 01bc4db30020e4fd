"""What the social-media team pastes back to the person who wrote, in English and Spanish."""

from __future__ import annotations

from flask_babel import force_locale, gettext


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
