"""The ``staff`` access rule: who is calling, may their role use this blueprint, and (API
tokens) does the token's scope cover this call.

API paths (``/api/``) accept only a bearer token: a browser's cookie never authenticates them,
so they need no CSRF token. Pages accept only the staff session cookie, and only once the second
factor is done; their forms carry a CSRF token.

A token's scope (``read``, ``work``, ``reveal``) limits what it does whatever the role allows:
``read`` only safe methods, ``work`` everything but views marked ``@requires_scope("reveal")``.
Browser sessions are not scoped: a person at the page has both factors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import current_app, redirect, request, url_for
from werkzeug.wrappers import Response

from intake.access import AccessRule
from intake.crypto import keyed_digest
from intake.errors import ForbiddenError, UnauthorizedError
from intake.extensions import db, get_keyring, get_settings
from intake.models import User
from intake.models.staff import TOKEN_SCOPES
from intake.staff import service

SESSION_COOKIE = "intake_staff"
ENVIRON_KEY = "intake.staff_user"
SCOPE_KEY = "intake.token_scope"
EXPIRED_KEY = "intake.token_expired"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

F = TypeVar("F", bound=Callable[..., Any])


class StaffUnauthorizedError(UnauthorizedError):
    """No valid bearer token (API)."""


class TokenExpiredError(StaffUnauthorizedError):
    """The bearer token is past its expiry."""

    message = "This API token has expired. Ask an administrator for a new one."


class TokenScopeError(ForbiddenError):
    """The bearer token's scope does not cover this call."""

    message = "This API token's scope does not allow this."


def requires_scope(scope: str) -> Callable[[F], F]:
    """Mark a view as needing at least ``scope`` from an API token (e.g. ``"reveal"``)."""
    if scope not in TOKEN_SCOPES:
        raise ValueError(f"unknown token scope {scope!r}")

    def mark(view: F) -> F:
        view.required_token_scope = scope  # type: ignore[attr-defined]
        return view

    return mark


def required_scope(view: Callable[..., Any] | None, method: str) -> str:
    """The scope a token needs for ``view`` with ``method``: marked, else by the method."""
    marked = getattr(view, "required_token_scope", None)
    if isinstance(marked, str):
        return marked
    return "read" if method in SAFE_METHODS else "work"


def scope_allows(held: str, needed: str) -> bool:
    """Whether a token of scope ``held`` may do what needs ``needed`` (scopes nest)."""
    return TOKEN_SCOPES.index(held) >= TOKEN_SCOPES.index(needed)


def bearer_token() -> str:
    """The bearer token of the request, or ''."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def login_client() -> str:
    """The caller as failed logins are counted: a keyed digest of its address, never the address."""
    return keyed_digest(get_keyring(), "login-client", request.remote_addr or "unknown")


def authenticate() -> User | None:
    """The staff user behind this request (token for the API, session cookie for pages)."""
    # Cached per request (not on ``g``: an app context can outlive one request).
    if ENVIRON_KEY in request.environ:
        cached: User | None = request.environ[ENVIRON_KEY]
        return cached
    user = None
    if request.path.startswith("/api/"):
        token = service.find_token(db.session(), bearer_token())
        if token is not None and service.is_expired(token):
            request.environ[EXPIRED_KEY] = True
        elif token is not None:
            user = token.user
            request.environ[SCOPE_KEY] = token.scope
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
                if request.environ.get(EXPIRED_KEY):
                    raise TokenExpiredError()
                raise StaffUnauthorizedError()
            # The redirect (below 400) commits the removal of an expired session row.
            return redirect(url_for("staff_auth.login", next=request.path))
        if user.role not in roles:
            raise ForbiddenError("Your role may not use this.")
        scope = request.environ.get(SCOPE_KEY)
        if scope is not None:
            view = current_app.view_functions.get(request.endpoint or "")
            if not scope_allows(scope, required_scope(view, request.method)):
                raise TokenScopeError()
        return None

    guard.__name__ = "staff_guard_" + "_".join(sorted(roles))
    return guard


def staff_rule(roles: Iterable[str]) -> AccessRule:
    """An access rule admitting authenticated staff with one of ``roles``."""
    allowed = frozenset(roles)
    return AccessRule("staff", allowed, _guard(allowed))
