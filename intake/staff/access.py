"""The ``staff`` access rule: who is calling, and may their role use this blueprint.

API paths (``/api/``) accept only a bearer token: a browser's cookie never authenticates them,
so they need no CSRF token. Pages accept only the staff session cookie, and only once the second
factor is done; their forms carry a CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import redirect, request, url_for
from werkzeug.wrappers import Response

from intake.access import AccessRule
from intake.errors import ForbiddenError, UnauthorizedError
from intake.extensions import db, get_settings
from intake.models import User
from intake.staff import service

SESSION_COOKIE = "intake_staff"
ENVIRON_KEY = "intake.staff_user"


class StaffUnauthorizedError(UnauthorizedError):
    """No valid bearer token (API)."""


def bearer_token() -> str:
    """The bearer token of the request, or ''."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def authenticate() -> User | None:
    """The staff user behind this request (token for the API, session cookie for pages)."""
    # Cached per request (not on ``g``: an app context can outlive one request).
    if ENVIRON_KEY in request.environ:
        cached: User | None = request.environ[ENVIRON_KEY]
        return cached
    user = None
    if request.path.startswith("/api/"):
        user = service.user_for_token(db.session(), bearer_token())
    else:
        row = service.find_session(db.session(), request.cookies.get(SESSION_COOKIE, ""))
        if row is not None and row.is_second_factor_done:
            user = row.user
    request.environ[ENVIRON_KEY] = user
    return user


def current_user() -> User:
    """The authenticated staff user (the guard has run)."""
    user = authenticate()
    if user is None:
        raise UnauthorizedError()
    return user


def set_session_cookie(response: Response, token: str) -> None:
    """The staff session cookie: HttpOnly, SameSite=Strict, Secure where configured."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(service.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="Strict",
        secure=bool(get_settings().session_cookie_secure),
        path="/staff",
    )


def clear_session_cookie(response: Response) -> None:
    """Remove the staff session cookie."""
    response.delete_cookie(
        SESSION_COOKIE,
        path="/staff",
        httponly=True,
        samesite="Strict",
        secure=bool(get_settings().session_cookie_secure),
    )


def _guard(roles: frozenset[str]) -> Callable[[], Response | None]:
    def guard() -> Response | None:
        user = authenticate()
        if user is None:
            if request.path.startswith("/api/"):
                raise StaffUnauthorizedError()
            # Commit the removal of an expired session row before leaving.
            db.session.commit()
            return redirect(url_for("staff_auth.login", next=request.path))
        if user.role not in roles:
            raise ForbiddenError("Your role may not use this.")
        return None

    guard.__name__ = "staff_guard_" + "_".join(sorted(roles))
    return guard


def staff_rule(roles: Iterable[str]) -> AccessRule:
    """An access rule admitting authenticated staff with one of ``roles``."""
    allowed = frozenset(roles)
    return AccessRule("staff", allowed, _guard(allowed))
