"""Each feature's commands reach `flask intake` through intake.cli, which imports them one way."""

from __future__ import annotations

import click
from flask import Flask

from intake.cli import intake_cli


def _group(name: str) -> click.Group:
    command = intake_cli.commands[name]
    assert isinstance(command, click.Group)
    return command


def test_every_feature_command_is_under_flask_intake() -> None:
    assert {
        "init",
        "serve",
        "worker",
        "keys",
        "demo",
        "audit",
        "classify",
        "categories",
        "retention",
        "backup",
        "export",
        "districts",
        "places",
        "streets",
        "search",
        "users",
        "oncall",
    } <= set(intake_cli.commands)
    assert {"generate", "rotate", "epochs", "retire"} <= set(_group("keys").commands)
    assert {"text", "retrain"} <= set(_group("classify").commands)
    assert "notify" in _group("users").commands


def test_the_app_exposes_the_intake_group(app: Flask) -> None:
    assert app.cli.get_command(click.Context(app.cli), "intake") is intake_cli
