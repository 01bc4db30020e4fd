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


def register(app: Flask, blueprint: Blueprint, rule: AccessRule, **options: Any) -> None:
    """Register a blueprint with its access rule; staff rules install their guard first."""
    if rule.guard is not None:
        blueprint.before_request(rule.guard)
    app.register_blueprint(blueprint, **options)
    app.extensions.setdefault("intake.access", {})[blueprint.name] = rule


def rule_for_endpoint(app: Flask, endpoint: str) -> AccessRule | None:
    """The access rule covering an endpoint, or None if it has none."""
    rules: dict[str, AccessRule] = app.extensions.get("intake.access", {})
    if endpoint == "static":
        return PUBLIC
    blueprint_name = endpoint.rsplit(".", 1)[0] if "." in endpoint else ""
    return rules.get(blueprint_name)
