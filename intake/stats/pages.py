"""The public statistics page /stats: server-rendered charts, each with its table; no script."""

from __future__ import annotations

from flask import Response, make_response, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from intake.blueprints import Blueprint
from intake.extensions import db, get_settings
from intake.stats import service
from intake.stats.rules import ALL

bp = Blueprint("stats", __name__)

OUTCOME_LABELS = {
    "open": _l("Still being worked on"),
    "arrest": _l("Led to an arrest"),
    "information_used": _l("Information used"),
    "no_action_possible": _l("No action possible"),
    "unfounded": _l("Not borne out"),
    "duplicate": _l("Already known (duplicate)"),
}


def page(html: str) -> Response:
    """A public statistics page: the same for everyone, so it may be cached for a while."""
    response = make_response(html)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def chosen_year(years: list[int]) -> int:
    """The ``year`` asked for if it is published, else the latest."""
    asked = request.args.get("year", "")
    return int(asked) if asked.isdigit() and int(asked) in years else years[0]


@bp.get("/stats")
def stats() -> Response:
    """Tips by month, district and category, what came of them, response times, rewards."""
    settings = get_settings()
    session = db.session()
    years = service.published_years(session, settings.timezone)
    year = chosen_year(years)
    release = service.build_release(
        session, year, minimum=settings.stats_min_count, timezone=settings.timezone
    )
    language = str(get_locale() or "en")
    return page(
        render_template(
            "stats/index.html",
            release=release,
            years=years,
            language=language,
            outcome_labels=OUTCOME_LABELS,
            ALL=ALL,
        )
    )
