"""Staff login: password, then the TOTP code; logout; enrolment links (anyone may reach these
pages). And the account page every staff role may open (change password, move the second factor;
administrators land there and see lock-outs).
"""

from __future__ import annotations

import logging
import math
from datetime import datetime
from pathlib import Path

from flask import (
    Flask,
    current_app,
    flash,
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
from intake.blueprints import Blueprint
from intake.classify.retrain import adopted_scores
from intake.errors import IntakeError
from intake.extensions import db, get_keyring, get_settings, limiter
from intake.models import ApiToken, StaffSession, User, utcnow
from intake.staff import service
from intake.staff.access import (
    SESSION_COOKIE,
    clear_session_cookie,
    current_user,
    login_client,
    set_session_cookie,
)
from intake.staff.forms import (
    CodeForm,
    EnrolForm,
    LoginForm,
    LogoutForm,
    PasswordChangeForm,
    TotpChangeForm,
)
from intake.unit_of_work import keep_on_error

log = logging.getLogger(__name__)

bp = Blueprint("staff_auth", __name__, url_prefix="/staff")
account_bp = Blueprint("staff_account_pages", __name__, url_prefix="/staff/account")

LOGIN_LIMIT = "20 per minute"
FAILED = "The username, password or code is not right, or the account is locked for a while."
#: The password step says one thing for a wrong name, a wrong password and a lock-out, so that it
#: tells nobody whether an account exists or a guessed password was right (docs/security.md).
LOGIN_FAILED = (
    "The username or password is not right. Check both (passwords are case-sensitive) and try"
    " again. After several wrong tries, logins from this device pause for a few minutes, up to"
    " an hour. If you have forgotten your password, ask an administrator to reset it."
)
CODE_WRONG = (
    "That code is not right. Enter the 6-digit code your authenticator app shows now; if codes"
    " keep failing, check that your phone's clock is set automatically."
)
CODE_REUSED = (
    "That code was just used. Wait for your authenticator app to show the next code"
    " (at most 30 seconds), then enter the new one."
)


def _locked_message(until: datetime | None) -> str:
    """How long a lock-out lasts, in whole minutes (the second step only: the password is known)."""
    if until is None:
        return "Too many wrong codes. Wait a few minutes, then log in again."
    minutes = max(1, math.ceil((until - utcnow()).total_seconds() / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many wrong codes from this device. Try again in {minutes} {unit}."


# Where each role lands after logging in (detectives, supervisors, oversight: their queues).
LANDING = {
    "social_media": "staff_forward_pages.forward_form",
    "admin": "staff_account_pages.account",
}
# Pages the account page links to, shown only to roles their access rule admits.
PAGE_LINKS = (
    ("staff_pages.home", "My queues"),
    ("staff_forward_pages.forward_form", "Forward a post"),
    ("staff_forwards_pages.forwards", "My forwards"),
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
            db.session(), form.username.data or "", form.password.data or "", client=login_client()
        )
    except service.AuthenticationError:
        keep_on_error()  # the failure count and any lock-out
        return _page("staff/login.html", 401, form=form, failed=LOGIN_FAILED)
    token = service.start_session(db.session(), user)
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
        return redirect(url_for("staff_auth.login"))
    return _page("staff/code.html", form=CodeForm(next=request.args.get("next", "")))


@bp.post("/login/code")
@limiter.limit(LOGIN_LIMIT)
def code_submit() -> Response:
    """Check the TOTP code; on success, the session is upgraded under a new id."""
    row = _pending_session()
    if row is None:
        return redirect(url_for("staff_auth.login"))
    form = CodeForm()
    if not form.validate_on_submit():
        return _page("staff/code.html", 400, form=form)
    try:
        service.check_totp(
            db.session(), get_keyring(), row.user, form.code.data or "", client=login_client()
        )
    except service.AccountLockedError as locked:
        keep_on_error()  # the failure count and the lock-out
        return _page("staff/code.html", 401, form=form, failed=_locked_message(locked.until))
    except service.TotpReusedError:
        keep_on_error()
        return _page("staff/code.html", 401, form=form, failed=CODE_REUSED)
    except service.AuthenticationError:
        keep_on_error()
        return _page("staff/code.html", 401, form=form, failed=CODE_WRONG)
    token = service.complete_second_factor(db.session(), row)
    user_id, role = row.user_id, row.user.role
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
    response = redirect(url_for("staff_auth.login"))
    clear_session_cookie(response)
    return response


@bp.get("/enrol/<token>")
def enrol(token: str) -> Response:
    """An enrolment link: the key for the authenticator app and the password form."""
    enrolment = service.find_enrolment(db.session(), token)
    if enrolment is None:
        return _page("staff/enrol.html", 404, expired=True)
    return _enrol_page(enrolment.user, EnrolForm())


def _enrol_page(user: User, form: EnrolForm, status: int = 200, error: str = "") -> Response:
    secret = service.totp_secret(get_keyring(), user) or ""
    return _page(
        "staff/enrol.html",
        status,
        form=form,
        username=user.username,
        secret=secret,
        uri=service.totp_uri(user.username, secret),
        min_length=service.MIN_PASSWORD_LENGTH,
        error=error,
    )


@bp.post("/enrol/<token>")
@limiter.limit(LOGIN_LIMIT)
def enrol_submit(token: str) -> Response:
    """Set the password and confirm the TOTP entry; the link is then used up."""
    enrolment = service.find_enrolment(db.session(), token)
    if enrolment is None:
        return _page("staff/enrol.html", 404, expired=True)
    form = EnrolForm()
    if not form.validate_on_submit():
        return _enrol_page(enrolment.user, form, 400)
    try:
        service.complete_enrolment(
            db.session(), get_keyring(), enrolment, form.password.data or "", form.code.data or ""
        )
    except IntakeError as error:
        return _enrol_page(enrolment.user, form, 400, error.message)
    flash("Your account is ready: log in with your username, password and a code.", "notice")
    return redirect(url_for("staff_auth.login"))


def _account_page(
    password_form: PasswordChangeForm | None = None, status: int = 200, error: str = ""
) -> Response:
    user = current_user()
    live_tokens = db.session.scalar(
        select(func.count())
        .select_from(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > utcnow(),
        )
    )
    links = [
        (label, url_for(endpoint))
        for endpoint, label in PAGE_LINKS
        if may_open(user.role, endpoint)
    ]
    lockouts = service.locked_out_users(db.session()) if user.role == "admin" else []
    return _page(
        "staff/account.html",
        status,
        user=user,
        logout_form=LogoutForm(),
        password_form=password_form or PasswordChangeForm(),
        links=links,
        live_tokens=live_tokens or 0,
        queues=sorted(q.code for q in user.queues),
        lockouts=[(u.username, count) for u, count in lockouts],
        error=error,
        classifier=_classifier_scores() if user.role == "admin" else None,
    )


def _classifier_scores() -> dict[str, object] | None:
    return adopted_scores(Path(get_settings().instance_path))


@account_bp.get("/")
def account() -> Response:
    """The signed-in user's account and the pages their role may open."""
    return _account_page()


@account_bp.post("/password")
@limiter.limit(LOGIN_LIMIT)
def change_password() -> Response:
    """Change the password (current password and a code needed)."""
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _account_page(form, 400)
    try:
        service.change_password(
            db.session(),
            get_keyring(),
            current_user(),
            current_password=form.current_password.data or "",
            code=form.code.data or "",
            new_password=form.new_password.data or "",
            client=login_client(),
            keep_session=request.cookies.get(SESSION_COOKIE, ""),
        )
    except service.AuthenticationError:
        keep_on_error()  # the failure count
        return _account_page(form, 401, FAILED)
    except IntakeError as error:
        return _account_page(form, 400, error.message)
    flash("Your password is changed; your other sessions are logged out.", "notice")
    return redirect(url_for("staff_account_pages.account"))


def _totp_page(form: TotpChangeForm, status: int = 200, error: str = "") -> Response:
    user = current_user()
    secret = form.new_secret.data or service.new_totp_secret()
    form.new_secret.data = secret
    return _page(
        "staff/totp.html",
        status,
        form=form,
        secret=secret,
        uri=service.totp_uri(user.username, secret),
        error=error,
    )


@account_bp.get("/totp")
def totp() -> Response:
    """A new key for the authenticator app (nothing changes until the form is sent)."""
    return _totp_page(TotpChangeForm(formdata=None))


@account_bp.post("/totp")
@limiter.limit(LOGIN_LIMIT)
def totp_submit() -> Response:
    """Replace the TOTP secret (current password, current code and a code of the new entry)."""
    form = TotpChangeForm()
    if not form.validate_on_submit():
        return _totp_page(form, 400)
    try:
        service.reenrol_totp(
            db.session(),
            get_keyring(),
            current_user(),
            current_password=form.current_password.data or "",
            code=form.code.data or "",
            new_secret=form.new_secret.data or "",
            new_code=form.new_code.data or "",
            client=login_client(),
            keep_session=request.cookies.get(SESSION_COOKIE, ""),
        )
    except service.AuthenticationError:
        keep_on_error()  # the failure count
        return _totp_page(form, 401, FAILED)
    except IntakeError as error:
        return _totp_page(form, 400, error.message)
    flash("Your authenticator entry is changed; the old one no longer works.", "notice")
    return redirect(url_for("staff_account_pages.account"))


def register_staff(app: Flask) -> None:
    """Register the staff API and pages, each blueprint with its access rule.

    Queues, tips and the reveal page put their routes on the workspace's shared blueprints
    (:mod:`intake.staff.blueprints`): their modules (the ``noqa: F401`` imports, imported for
    that alone) are imported here first, so that every route is on a blueprint before it is
    registered.
    """
    from intake import access
    from intake.audit.pages import bp as audit_pages_bp
    from intake.audit.views import bp as audit_bp
    from intake.identity import pages as _reveal_page  # noqa: F401
    from intake.identity.views import bp as reveal_bp
    from intake.models.staff import ROLES
    from intake.queues import pages as _queue_pages  # noqa: F401
    from intake.queues import views as _queue_api  # noqa: F401
    from intake.queues.rules import SUPERVISING_ROLES, WORKSPACE_ROLES
    from intake.replies.pages import bp as canned_pages_bp
    from intake.staff import display
    from intake.staff.access import staff_rule
    from intake.staff.blueprints import api_bp, pages_bp
    from intake.tips import pages as _tip_pages  # noqa: F401
    from intake.tips import views as _tip_api  # noqa: F401

    # Tipster text on every staff page shows bidi and other invisible controls as [U+XXXX].
    display.install(app)

    access.register_api(app, api_bp, staff_rule(WORKSPACE_ROLES))
    access.register_api(app, audit_bp, staff_rule(SUPERVISING_ROLES))
    access.register_api(app, reveal_bp, staff_rule(SUPERVISING_ROLES))
    # Login pages are for people not yet authenticated; they are rate-limited.
    access.register(app, bp, access.PUBLIC)
    access.register(app, pages_bp, staff_rule(WORKSPACE_ROLES))
    access.register(app, audit_pages_bp, staff_rule(SUPERVISING_ROLES))
    access.register(app, canned_pages_bp, staff_rule(SUPERVISING_ROLES))
    # Every role has an account page; it is where administrators land.
    access.register(app, account_bp, staff_rule(ROLES))
