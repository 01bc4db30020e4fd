"""Every blueprint declares who may use it when it is registered.

A test walks the URL map and fails on any endpoint whose blueprint has no rule, so a new route
cannot ship without deciding its access.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import flask
from flask import Flask

from intake.api import SmorestBlueprint
from intake.blueprints import BlueprintFactory
from intake.extensions import csrf
from intake.state import state_of

B = TypeVar("B", bound=flask.Blueprint)


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


def record(app: Flask, name: str, rule: AccessRule) -> None:
    """Note ``rule`` as the access rule of the blueprint called ``name`` in ``app``."""
    state_of(app).access[name] = rule


def _build(blueprint: BlueprintFactory[B], rule: AccessRule) -> B:
    # A new blueprint for this app: its guard is its own, no other app's blueprint has it.
    built = blueprint.build()
    if rule.guard is not None:
        built.before_request(rule.guard)
    return built


def register(
    app: Flask, blueprint: BlueprintFactory[flask.Blueprint], rule: AccessRule, **options: Any
) -> None:
    """Register a page blueprint with its access rule; staff rules install their guard first."""
    app.register_blueprint(_build(blueprint, rule), **options)
    record(app, blueprint.name, rule)


def register_api(
    app: Flask, blueprint: BlueprintFactory[SmorestBlueprint], rule: AccessRule
) -> None:
    """Register a flask-smorest blueprint (documented in the app's OpenAPI file) with its rule.

    JSON API callers send no cookie (anonymous, or a bearer token), so there is no session to
    forge: CSRF protection is for forms and does not apply.
    """
    built = _build(blueprint, rule)
    csrf.exempt(built)
    api = state_of(app).api
    assert api is not None, "init_api runs before the blueprints are registered"
    api.register_blueprint(built)
    record(app, blueprint.name, rule)


def register_webhook(app: Flask, blueprint: BlueprintFactory[flask.Blueprint]) -> None:
    """Register a provider webhook: the view checks the provider's signature before parsing.

    Providers carry no session either, so CSRF does not apply.
    """
    built = _build(blueprint, WEBHOOK)
    csrf.exempt(built)
    app.register_blueprint(built)
    record(app, blueprint.name, WEBHOOK)


def rule_for_endpoint(app: Flask, endpoint: str) -> AccessRule | None:
    """The access rule covering an endpoint, or None if it has none."""
    rules = state_of(app).access
    if endpoint == "static":
        return PUBLIC
    blueprint_name = endpoint.rsplit(".", 1)[0] if "." in endpoint else ""
    return rules.get(blueprint_name)
