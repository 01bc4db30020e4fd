"""One way to answer with a staff page: the signed-in user, the logout form, category names,
and ``no-store`` (tip content must not stay in a shared desktop's cache)."""

from __future__ import annotations

from typing import Any

from flask import flash, make_response, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from intake.errors import IntakeError
from intake.extensions import db
from intake.models import Category
from intake.staff.access import ENVIRON_KEY, current_user
from intake.staff.forms import LogoutForm


def staff_error_page(status: int, code: str) -> str:
    """The staff pages' own error page (English, the staff bar; no tipster-facing links)."""
    # Only the user this request already authenticated: an error page runs no query of its own.
    user = request.environ.get(ENVIRON_KEY)
    return render_template(
        "staff/error.html", status=status, code=code, user=user, logout_form=LogoutForm()
    )


def staff_page(template: str, status: int = 200, **context: Any) -> Response:
    """Render a staff template with what every staff page shows."""
    # Rows show a category's name, not its code (a page lists at most a few dozen categories).
    labels: dict[str, str] = dict(
        db.session.execute(select(Category.code, Category.label_en)).all()
    )
    response = make_response(
        render_template(
            template,
            user=current_user(),
            logout_form=LogoutForm(),
            category_labels=labels,
            **context,
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def flash_outcomes(done_word: str, outcomes: list[Any]) -> None:
    """Say how many tips a bulk action changed, and why any was refused (in our own words; a
    tip of another queue reads as no such tip)."""
    done = [o for o in outcomes if o.is_done]
    refused = [o for o in outcomes if not o.is_done]
    flash(f"{done_word} {len(done)} tip{'s' if len(done) != 1 else ''}.", "notice")
    if refused:
        reasons = "; ".join(f"{o.tip_number}: {o.message}" for o in refused[:20])
        more = f" and {len(refused) - 20} more" if len(refused) > 20 else ""
        flash(f"{len(refused)} not changed: {reasons}{more}.", "error")


def flash_error(error: IntakeError) -> None:
    """Flash a service's refusal in our own words: its message and the fields' messages."""
    parts = [error.message]
    for name, messages in (error.fields or {}).items():
        if isinstance(messages, list):
            parts.extend(f"{name}: {m}" for m in messages if isinstance(m, str))
    flash(" ".join(parts), "error")


def back_to_tip(tip_number: str) -> Response:
    """Back to the tip's page (after one of its forms)."""
    return redirect(url_for("staff_pages.tip", tip_number=tip_number))
