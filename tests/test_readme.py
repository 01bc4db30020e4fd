"""The README stays true: every setting and every CLI command is documented."""

from __future__ import annotations

import re
from pathlib import Path

import click

from intake.cli import intake_cli
from intake.config import PROVIDER_SETTINGS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_every_environment_variable_is_documented() -> None:
    source = (ROOT / "intake" / "config.py").read_text()
    read = set(re.findall(r'env_vars(?:\.get\(|\[)"([A-Z_]+)"', source)) | set(PROVIDER_SETTINGS)
    assert read, "no settings found: the pattern is stale"
    missing = sorted(name for name in read if f"`{name}`" not in README)
    assert missing == []


def test_every_cli_command_is_documented(app) -> None:
    documented = README.split("## The CLI", 1)[1].split("\n## ", 1)[0]
    missing = []
    for name, command in intake_cli.commands.items():
        names = [name]
        if isinstance(command, click.Group):
            names = [f"{name} {sub}" for sub in command.commands]
        missing.extend(n for n in names if n not in documented and n.split()[-1] not in documented)
    assert missing == []


def test_the_two_commands_are_there() -> None:
    assert "make run" in README and "make test" in README
