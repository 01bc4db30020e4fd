"""Residents name their priorities (/priorities); everyone sees them by district
(/stats/priorities); supervisors and prosecutors compare them with the tips (/staff/community/)."""

from __future__ import annotations

from flask import Response, make_response, render_template, request
from flask_babel import get_locale
from sqlalchemy import select

from intake.blueprints import Blueprint
from intake.extensions import db, get_settings, limiter
from intake.models import District, utcnow
from intake.priorities import service
from intake.priorities.forms import PrioritiesForm
from intake.priorities.rules import (
    COOKIE_NAME,
    COOKIE_PATH,
    MAX_CONCERNS,
    answered_cookie,
    has_answered,
    month_key,
    seconds_to_month_end,
)
from intake.staff.access import current_user
from intake.staff.forms import LogoutForm
from intake.stats.pages import page
from intake.stats.rules import ALL
from intake.stats.service import category_labels

bp = Blueprint("priorities", __name__)
staff_bp = Blueprint("staff_community_pages", __name__, url_prefix="/staff/community")

ANSWER_LIMIT = "20 per hour"


def _language() -> str:
    return str(get_locale() or "en")


def _form(**kwargs: object) -> PrioritiesForm:
    session = db.session()
    language = _language()
    rows = session.execute(
        select(District.code, District.name)
        .where(District.is_active.is_(True))
        .order_by(District.code)
    ).all()
    districts = [(code, name) for code, name in rows]
    categories = [(c.code, c.name(language)) for c in category_labels(session)]
    return PrioritiesForm(districts=districts, categories=categories, **kwargs)


def _no_store(html: str, status: int = 200) -> Response:
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _month() -> str:
    return month_key(utcnow(), get_settings().timezone)


def _already() -> bool:
    settings = get_settings()
    return has_answered(settings.secret_key, request.cookies.get(COOKIE_NAME, ""), _month())


@bp.get("/priorities")
def form() -> Response:
    """Pick up to three concerns for your district (no account, once a month)."""
    return _no_store(
        render_template(
            "priorities/form.html",
            form=_form(lang=_language()),
            already=_already(),
            max_concerns=MAX_CONCERNS,
        )
    )


@bp.post("/priorities")
@limiter.limit(ANSWER_LIMIT)
def answer() -> Response:
    """Record an answer; a device that answered this month is thanked, not counted twice."""
    if _already():
        return _no_store(render_template("priorities/thanks.html", already=True))
    form = _form()
    if not form.validate_on_submit():
        return _no_store(
            render_template(
                "priorities/form.html", form=form, already=False, max_concerns=MAX_CONCERNS
            ),
            400,
        )
    settings = get_settings()
    month = _month()
    service.record_answer(
        db.session(),
        district_code=form.district.data or "",
        concerns=list(form.concerns.data or []),
        free_text=form.free_text.data or "",
        month=month,
        language=_language(),
    )
    response = _no_store(render_template("priorities/thanks.html", already=False))
    # The cookie says "answered in this month" and nothing else: the same for every resident.
    response.set_cookie(
        COOKIE_NAME,
        answered_cookie(settings.secret_key, month),
        max_age=seconds_to_month_end(utcnow(), settings.timezone),
        path=COOKIE_PATH,
        httponly=True,
        samesite="Lax",
        secure=bool(settings.session_cookie_secure),
    )
    return response


@bp.get("/stats/priorities")
def aggregate() -> Response:
    """What residents want worked on, by district, small counts suppressed."""
    settings = get_settings()
    this_year = int(_month()[:4])
    asked = request.args.get("year", "")
    is_known = asked.isdigit() and this_year - 10 <= int(asked) <= this_year
    year = int(asked) if is_known else this_year
    release = service.build_priorities(db.session(), year, minimum=settings.stats_min_count)
    return page(
        render_template(
            "priorities/aggregate.html",
            release=release,
            language=_language(),
            years=list(range(this_year, this_year - 3, -1)),
            ALL=ALL,
        )
    )


@staff_bp.get("/")
def compare() -> Response:
    """Residents' priorities beside the tips, for the districts the user works."""
    settings = get_settings()
    user = current_user()
    year = int(_month()[:4])
    comparisons = service.compare(db.session(), user, year, settings.timezone)
    return _no_store(
        render_template(
            "priorities/staff_compare.html",
            user=user,
            logout_form=LogoutForm(),
            comparisons=comparisons,
            year=year,
        )
    )
