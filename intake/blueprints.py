"""Blueprints made for each app.

A module declares its routes once, at import, on a :class:`BlueprintFactory` (the same
decorators as Flask's blueprint: ``route``, ``get``, ``post``, ``errorhandler``,
``app_template_filter``); ``create_app`` builds a new blueprint from it for every app
(intake.access), so an app's blueprint takes its own access guard and no two apps share one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import flask

B = TypeVar("B", bound=flask.Blueprint)
F = TypeVar("F", bound=Callable[..., Any])


class BlueprintFactory(Generic[B]):
    """A blueprint's name, options and routes; :meth:`build` makes a new blueprint of them."""

    def __init__(self, name: str, import_name: str, **options: Any) -> None:
        self.name = name
        self.import_name = import_name
        self.options = options
        self._setup: list[Callable[[B], object]] = []

    def _new(self) -> B:
        raise NotImplementedError

    def build(self) -> B:
        """A new blueprint with every route and handler declared on this factory."""
        blueprint = self._new()
        for step in self._setup:
            step(blueprint)
        return blueprint

    def _deferred(self, method: str, *args: Any, **kwargs: Any) -> Callable[[F], F]:
        def decorator(function: F) -> F:
            self._setup.append(lambda bp: getattr(bp, method)(*args, **kwargs)(function))
            return function

        return decorator

    def route(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Route ``rule`` to the view (``methods`` and the rest as Flask's)."""
        return self._deferred("route", rule, **options)

    def get(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Route GET ``rule`` to the view."""
        return self.route(rule, methods=["GET"], **options)

    def post(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Route POST ``rule`` to the view."""
        return self.route(rule, methods=["POST"], **options)

    def errorhandler(self, code_or_exception: type[Exception] | int) -> Callable[[F], F]:
        """Handle an error raised by this blueprint's views."""
        return self._deferred("errorhandler", code_or_exception)

    def app_template_filter(self, name: str | None = None) -> Callable[[F], F]:
        """A template filter of the whole app."""
        return self._deferred("app_template_filter", name)


class Blueprint(BlueprintFactory[flask.Blueprint]):
    """A Flask blueprint (pages, webhooks), made for each app."""

    def _new(self) -> flask.Blueprint:
        return flask.Blueprint(self.name, self.import_name, **self.options)
