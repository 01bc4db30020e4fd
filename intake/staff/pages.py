"""Staff login: password, then the TOTP code; logout. Anyone may reach these pages."""

from __future__ import annotations

import logging

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from intake.extensions import db, get_keyring, limiter
from intake.models import StaffSession
from intake.staff import service
from intake.staff.access import SESSION_COOKIE, clear_session_cookie, set_session_cookie
from intake.staff.forms import CodeForm, LoginForm, LogoutForm

log = logging.getLogger(__name__)

bp = Blueprint("staff_auth", __name__, url_prefix="/staff")

LOGIN_LIMIT = "20 per minute"
FAILED = "The username, password or code is not right, or the account is locked for a while."


def _safe_next(value: str | None, role: str) -> str:
    # Only our own staff pages: never an absolute or scheme-relative URL (open redirect).
    if value and value.startswith("/staff/") and not value.startswith("//") and "\\" not in value:
        return value
    if role == "social_media":
        return url_for("staff_forward_pages.forward_form")
    return url_for("staff_pages.home")


def _page(template: str, status: int = 200, **context: object) -> Response:
    response = make_response(render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/login")
def login() -> Response:
    """The login page (first factor)."""
    form = LoginForm(next=request.args.get("next", ""))
    return _page("staff/login.html", form=form)


@bp.post("/login")
@limiter.limit(LOGIN_LIMIT)
def login_submit() -> Response:
    """Check the password; on success, ask for the code."""
    form = LoginForm()
    if not form.validate_on_submit():
        return _page("staff/login.html", 400, form=form)
    try:
        user = service.check_password(
            db.session(), form.username.data or "", form.password.data or ""
        )
    except service.AuthenticationError:
        db.session.commit()  # keep the failure count
        return _page("staff/login.html", 401, form=form, failed=FAILED)
    token = service.start_session(db.session(), user)
    db.session.commit()
    response = redirect(url_for("staff_auth.code", next=form.next.data or ""))
    set_session_cookie(response, token)
    return response


def _pending_session() -> StaffSession | None:
    row = service.find_session(db.session(), request.cookies.get(SESSION_COOKIE, ""))
    return row if row is not None and not row.is_second_factor_done else None


@bp.get("/login/code")
def code() -> Response:
    """The second-factor page."""
    if _pending_session() is None:
        db.session.commit()
        return redirect(url_for("staff_auth.login"))
    return _page("staff/code.html", form=CodeForm(next=request.args.get("next", "")))


@bp.post("/login/code")
@limiter.limit(LOGIN_LIMIT)
def code_submit() -> Response:
    """Check the TOTP code; on success, the session is upgraded under a new id."""
    row = _pending_session()
    if row is None:
        db.session.commit()
        return redirect(url_for("staff_auth.login"))
    form = CodeForm()
    if not form.validate_on_submit():
        return _page("staff/code.html", 400, form=form)
    try:
        service.check_totp(db.session(), get_keyring(), row.user, form.code.data or "")
    except service.AuthenticationError:
        db.session.commit()
        return _page("staff/code.html", 401, form=form, failed=FAILED)
    token = service.complete_second_factor(db.session(), row)
    user_id, role = row.user_id, row.user.role
    db.session.commit()
    log.info("user %s logged in", user_id)
    response = redirect(_safe_next(form.next.data, role))
    set_session_cookie(response, token)
    return response


@bp.post("/logout")
def logout() -> Response:
    """End the session."""
    form = LogoutForm()
    if form.validate_on_submit():
        service.end_session(db.session(), request.cookies.get(SESSION_COOKIE, ""))
        db.session.commit()
    response = redirect(url_for("staff_auth.login"))
    clear_session_cookie(response)
    return response
