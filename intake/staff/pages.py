"""Staff login: password, then the TOTP code; logout (anyone may reach these pages). And the
account page every staff role may open: it is where administrators land.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from intake.access import rule_for_endpoint
from intake.extensions import db, get_keyring, limiter
from intake.models import ApiToken, StaffSession
from intake.staff import service
from intake.staff.access import (
    SESSION_COOKIE,
    clear_session_cookie,
    current_user,
    set_session_cookie,
)
from intake.staff.forms import CodeForm, LoginForm, LogoutForm

log = logging.getLogger(__name__)

bp = Blueprint("staff_auth", __name__, url_prefix="/staff")
account_bp = Blueprint("staff_account_pages", __name__, url_prefix="/staff/account")

LOGIN_LIMIT = "20 per minute"
FAILED = "The username, password or code is not right, or the account is locked for a while."


# Where each role lands after logging in (detectives, supervisors, oversight: their queues).
LANDING = {
    "social_media": "staff_forward_pages.forward_form",
    "admin": "staff_account_pages.account",
}
# Pages the account page links to, shown only to roles their access rule admits.
PAGE_LINKS = (
    ("staff_pages.home", "My queues"),
    ("staff_forward_pages.forward_form", "Forward a post"),
    ("staff_audit_pages.audit", "Audit log"),
)


def may_open(role: str, endpoint: str) -> bool:
    """Whether the access rule of ``endpoint`` admits staff of ``role``."""
    rule = rule_for_endpoint(current_app, endpoint)
    return rule is not None and (rule.kind != "staff" or role in rule.roles)


def landing_url(role: str) -> str:
    """The page a role starts from."""
    return url_for(LANDING.get(role, "staff_pages.home"))


def _safe_next(value: str | None, role: str) -> str:
    # Only our own staff pages: never an absolute or scheme-relative URL (open redirect); and
    # only a page this role may open (an admin sent to /staff/ must not land on a 403).
    if value and value.startswith("/staff/") and not value.startswith("//") and "\\" not in value:
        try:
            endpoint, _ = current_app.url_map.bind("").match(value.split("?", 1)[0], "GET")
        except HTTPException:
            return landing_url(role)
        if may_open(role, str(endpoint)):
            return value
    return landing_url(role)


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


@account_bp.get("/")
def account() -> Response:
    """The signed-in user's account and the pages their role may open."""
    user = current_user()
    live_tokens = db.session.scalar(
        select(func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    )
    links = [
        (label, url_for(endpoint))
        for endpoint, label in PAGE_LINKS
        if may_open(user.role, endpoint)
    ]
    return _page(
        "staff/account.html",
        user=user,
        logout_form=LogoutForm(),
        links=links,
        live_tokens=live_tokens or 0,
        queues=sorted(q.code for q in user.queues),
        classifier=_classifier_scores() if user.role == "admin" else None,
    )


def _classifier_scores() -> dict[str, object] | None:
    from pathlib import Path

    from intake.classify.retrain import adopted_scores
    from intake.extensions import get_settings

    return adopted_scores(Path(get_settings().instance_path))
