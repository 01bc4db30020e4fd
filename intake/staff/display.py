"""How tipster text is shown on staff pages: invisible controls become visible.

A right-to-left override (U+202E) in a narrative makes "gnp.exe" read as "exe.png", reorders a
street number, or hides the end of a sentence; zero-width characters and tag characters smuggle
text past a reader. Staff pages show each such character as ``[U+202E]`` instead of obeying it.

The mechanism is Jinja's ``finalize``: every ``{{ expression }}`` of a staff template passes
through :func:`show_invisible` before it is escaped, so no place that shows tipster text
(narrative, thread, notes, place, evidence words, a revealed contact, audit details) can forget
it. Markup (a rendered form field, a CSRF input) is left alone: a field must give back exactly
what was typed. The JSON API returns text as stored: it is data, and a client renders it.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from jinja2.runtime import Context
from jinja2.utils import pass_context

# The bidirectional formatting characters (Unicode UAX #9): embeddings, overrides, isolates, the
# implicit marks and the Arabic letter mark.
BIDI_CONTROLS = (
    "\u202a-\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2066-\u2069"  # LRI, RLI, FSI, PDI
    "\u200e\u200f"  # LRM, RLM
    "\u061c"  # ALM
)
# Other invisible format characters that hide or split text: zero-width space, word joiner and
# invisible operators, the byte-order mark / zero-width no-break space, the Mongolian vowel
# separator, deprecated format controls, interlinear annotation, soft hyphen and the tag
# characters (U+E0000-E007F, "ASCII smuggling"). Zero-width (non-)joiners stay: emoji sequences
# and Persian or Indic spelling need them, and they cannot reorder or hide text.
OTHER_INVISIBLE = (
    "\u00ad\u180e\u200b\u2060-\u2064\u206a-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f"
)
_INVISIBLE = re.compile(f"[{BIDI_CONTROLS}{OTHER_INVISIBLE}]")


def _tag(match: re.Match[str]) -> str:
    return f"[U+{ord(match.group()):04X}]"


def show_invisible(text: str) -> str:
    """``text`` with every bidi control and hiding format character written as ``[U+XXXX]``."""
    return _INVISIBLE.sub(_tag, text)


@pass_context
def _finalize(context: Context, value: Any) -> Any:
    # Staff templates only: on the public pages a tipster sees their own words as they wrote them.
    if not (context.name or "").startswith("staff/"):
        return value
    if value is None or isinstance(value, int | float) or hasattr(value, "__html__"):
        return value  # numbers, and markup (form fields keep what was typed)
    # Anything else prints as its text (a list of evidence words, a dict of audit details).
    return show_invisible(value if isinstance(value, str) else str(value))


def install(app: Flask) -> None:
    """Make every expression of the staff templates show invisible controls (before compiling)."""
    app.jinja_env.finalize = _finalize
