"""Every blueprint declares who may use it when it is registered.

A test walks the URL map and fails on any endpoint whose blueprint has no rule, so a new route
cannot ship without deciding its access.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask


@dataclass(frozen=True)
class AccessRule:
    """Who may call a blueprint's routes.

    ``kind`` is "public" (anyone; rate-limited where it matters), "webhook" (the provider's
    signature is checked in the view before anything is parsed) or "staff" (authenticated staff
    with one of ``roles``).
    """

    kind: str
    roles: frozenset[str] = field(default_factory=frozenset)
    guard: Callable[[], Any] | None = None


PUBLIC = AccessRule("public")
WEBHOOK = AccessRule("webhook")


def _guard_once(blueprint: Blueprint, rule: AccessRule) -> None:
    # Blueprints are module objects shared by every app a process builds (tests build several);
    # a blueprint takes no new hooks once registered, and one guard is enough.
    if rule.guard is not None and not getattr(blueprint, "_intake_guarded", False):
        blueprint.before_request(rule.guard)
        blueprint._intake_guarded = True  # type: ignore[attr-defined]


def _record(app: Flask, blueprint: Blueprint, rule: AccessRule) -> None:
    app.extensions.setdefault("intake.access", {})[blueprint.name] = rule


def register(app: Flask, blueprint: Blueprint, rule: AccessRule, **options: Any) -> None:
    """Register a page blueprint with its access rule; staff rules install their guard first."""
    _guard_once(blueprint, rule)
    app.register_blueprint(blueprint, **options)
    _record(app, blueprint, rule)


def register_api(app: Flask, blueprint: Blueprint, rule: AccessRule) -> None:
    """Register a flask-smorest blueprint (documented in the OpenAPI file) with its rule.

    JSON API callers send no cookie (anonymous, or a bearer token), so there is no session to
    forge: CSRF protection is for forms and does not apply.
    """
    from intake.api import api
    from intake.extensions import csrf

    csrf.exempt(blueprint)
    _guard_once(blueprint, rule)
    api.register_blueprint(blueprint)
    _record(app, blueprint, rule)


def register_webhook(app: Flask, blueprint: Blueprint) -> None:
    """Register a provider webhook: the view checks the provider's signature before parsing.

    Providers carry no session either, so CSRF does not apply.
    """
    from intake.extensions import csrf

    csrf.exempt(blueprint)
    register(app, blueprint, WEBHOOK)


def rule_for_endpoint(app: Flask, endpoint: str) -> AccessRule | None:
    """The access rule covering an endpoint, or None if it has none."""
    rules: dict[str, AccessRule] = app.extensions.get("intake.access", {})
    if endpoint == "static":
        return PUBLIC
    blueprint_name = endpoint.rsplit(".", 1)[0] if "." in endpoint else ""
    return rules.get(blueprint_name)
