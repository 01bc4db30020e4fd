"""`flask intake users ...`: staff accounts. Each command is one transaction."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from intake.cli import intake_cli
from intake.errors import IntakeError
from intake.extensions import db, get_keyring
from intake.models import User
from intake.models.staff import ROLES
from intake.staff import service

users_cli = AppGroup("users", help="Staff accounts: create, list, disable, queues, secrets.")
intake_cli.add_command(users_cli)


def _user(username: str) -> User:
    try:
        return service.find_user(db.session(), username)
    except IntakeError:
        raise click.ClickException(f"No user named {username!r}.") from None


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--queue", "queues", multiple=True, help="Queue code (repeat for several).")
@click.option("--email", default=None, help="Where emergency notifications go (supervisors).")
def create(username: str, role: str, queues: tuple[str, ...], email: str | None) -> None:
    """Create a user; prints the password, the TOTP secret and, last, the API token."""
    try:
        created = service.create_user(
            db.session(), get_keyring(), username, role, queues=queues, email=email
        )
    except IntakeError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Created {role} {username} (queues: {', '.join(queues) or 'none'}).")
    click.echo(f"Initial password: {created.password}")
    click.echo(f"TOTP secret: {created.totp_secret}")
    click.echo(f"TOTP URI: {created.totp_uri}")
    click.echo("API token (shown once, on the next line):")
    click.echo(created.api_token)


@users_cli.command("list")
def list_users() -> None:
    """Every user with role, state and queues."""
    for user in db.session.scalars(select(User).order_by(User.username)):
        state = "active" if user.is_active else "disabled"
        queues = ",".join(sorted(q.code for q in user.queues)) or "-"
        click.echo(f"{user.username}\t{user.role}\t{state}\tqueues={queues}")


@users_cli.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Disable a user: no login, tokens revoked, sessions ended."""
    service.disable_user(db.session(), _user(username))
    db.session.commit()
    click.echo(f"Disabled {username}.")


@users_cli.command("add-queue")
@click.argument("username")
@click.argument("code")
def add_queue(username: str, code: str) -> None:
    """Give a user a queue."""
    try:
        service.add_queue(db.session(), _user(username), code)
    except IntakeError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"{username} now works queue {code}.")


@users_cli.command("remove-queue")
@click.argument("username")
@click.argument("code")
def remove_queue(username: str, code: str) -> None:
    """Take a queue from a user."""
    try:
        service.remove_queue(db.session(), _user(username), code)
    except IntakeError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"{username} no longer works queue {code}.")


@users_cli.command("reset-password")
@click.argument("username")
def reset_password(username: str) -> None:
    """Set a new random password (printed), unlock the account, end its sessions."""
    password = service.reset_password(db.session(), _user(username))
    db.session.commit()
    click.echo(f"New password for {username}: {password}")


@users_cli.command("revoke-tokens")
@click.argument("username")
@click.option("--new", "issue_new", is_flag=True, help="Issue a new token (printed last).")
def revoke_tokens(username: str, issue_new: bool) -> None:
    """Revoke every API token of a user (optionally issue a new one)."""
    user = _user(username)
    count = service.revoke_tokens(db.session(), user)
    token = service.issue_api_token(db.session(), user, name="reissued") if issue_new else None
    db.session.commit()
    click.echo(f"Revoked {count} token(s) of {username}.")
    if token:
        click.echo(token)


@users_cli.command("reset-totp")
@click.argument("username")
def reset_totp(username: str) -> None:
    """A new TOTP secret for a user (the old authenticator entry stops working)."""
    user = _user(username)
    secret = service.reset_totp(db.session(), get_keyring(), user)
    db.session.commit()
    click.echo(f"TOTP secret: {secret}")
    click.echo(f"TOTP URI: {service.totp_uri(username, secret)}")
