"""`flask intake users ...`: staff accounts. Each command is one transaction.

Every change of who may see or do what (an account, its role and queues, tokens, enrolment
links, lock-outs, disabling) is an audit event of the console (``actor_kind`` "system"), named by
username, in the same transaction: the chain says who was given access, and when.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from flask.cli import AppGroup
from sqlalchemy import select

from intake.audit.service import record_event
from intake.errors import IntakeError
from intake.extensions import db, get_keyring, get_settings
from intake.models import User
from intake.models.staff import ROLES, TOKEN_SCOPES
from intake.staff import service
from intake.unit_of_work import unit_of_work

F = TypeVar("F", bound=Callable[..., Any])

users_cli = AppGroup(
    "users", help="Staff accounts: create, list, disable, queues, enrolment links, tokens."
)

# This feature's commands under `flask intake`: intake.cli imports this module and adds them
# (one way, so no feature CLI imports intake.cli).
intake_cli = AppGroup("intake")
intake_cli.add_command(users_cli)


def _audit(session: Any, action: str, user: User, **details: Any) -> None:
    """An account change in the audit chain (never a secret: no token, link or password)."""
    record_event(session, action, details={"user": user.username, **details})


def _user(username: str) -> User:
    try:
        return service.find_user(db.session(), username)
    except IntakeError:
        raise click.ClickException(f"No user named {username!r}.") from None


def _token_options(command: F) -> F:
    command = click.option(
        "--days",
        type=click.IntRange(1, service.MAX_TOKEN_DAYS),
        default=service.DEFAULT_TOKEN_DAYS,
        show_default=True,
        help="Days until the token expires.",
    )(command)
    return click.option(
        "--scope",
        type=click.Choice(TOKEN_SCOPES),
        default=service.DEFAULT_TOKEN_SCOPE,
        show_default=True,
        help="read: GET only; work: all but revealing identities; reveal: that too.",
    )(command)


def enrolment_url(token: str) -> str:
    """The link a new or reset user opens to set their password and TOTP."""
    return f"{get_settings().public_base_url}/staff/enrol/{token}"


def _echo_enrolment(username: str, token: str) -> None:
    click.echo(
        f"Enrolment link for {username} (works once, for "
        f"{int(service.ENROLMENT_LIFETIME.total_seconds() // 3600)} hours; give it to them "
        "in person or over a channel only they read):"
    )
    click.echo(enrolment_url(token))


def _echo_token(token: str, scope: str, days: int) -> None:
    click.echo(f"API token (scope {scope}, expires in {days} days; shown once, on the next line):")
    click.echo(token)


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--queue", "queues", multiple=True, help="Queue code (repeat for several).")
@click.option("--email", default=None, help="Where emergency notifications go (supervisors).")
@click.option("--token", "with_token", is_flag=True, help="Also issue an API token (printed last).")
@_token_options
def create(
    username: str,
    role: str,
    queues: tuple[str, ...],
    email: str | None,
    with_token: bool,
    scope: str,
    days: int,
) -> None:
    """Create a user; prints a one-time enrolment link (and, with --token, an API token last)."""
    with unit_of_work():
        session = db.session()
        try:
            user = service.create_account(
                session, get_keyring(), username, role, queues=queues, email=email
            )
            _audit(session, "user.created", user, role=role, queues=list(queues))
            enrolment = service.issue_enrolment(session, get_keyring(), user)
            _audit(session, "user.enrolment_issued", user)
            token = (
                service.issue_api_token(session, user, name="created", scope=scope, days=days)
                if with_token
                else None
            )
            if token:
                _audit(session, "user.token_issued", user, scope=scope, days=days)
        except IntakeError as error:
            raise click.ClickException(error.message) from None
    click.echo(f"Created {role} {username} (queues: {', '.join(queues) or 'none'}).")
    _echo_enrolment(username, enrolment)
    if token:
        _echo_token(token, scope, days)


@users_cli.command("list")
def list_users() -> None:
    """Every user with role, state, queues, and how many clients are locked out of it."""
    for user in db.session.scalars(select(User).order_by(User.username)):
        if not user.is_active:
            state = "disabled"
        elif user.password_hash is None:
            state = "enrolling"
        else:
            state = "active"
        queues = ",".join(sorted(q.code for q in user.queues)) or "-"
        locked = service.locked_clients(db.session(), user)
        click.echo(f"{user.username}\t{user.role}\t{state}\tqueues={queues}\tlocked={locked}")


@users_cli.command("unlock")
@click.argument("username")
def unlock(username: str) -> None:
    """Lift every lock-out of a user (all clients) and forget their failed logins."""
    with unit_of_work():
        user = _user(username)
        count = service.unlock(db.session(), user)
        _audit(db.session(), "user.unlocked", user, count=count)
    click.echo(f"Unlocked {username} ({count} client(s) were locked out).")


@users_cli.command("reset")
@click.argument("username")
def reset(username: str) -> None:
    """A new enrolment link: the password and TOTP stop working until the user sets new ones."""
    with unit_of_work():
        user = _user(username)
        token = service.issue_enrolment(db.session(), get_keyring(), user)
        _audit(db.session(), "user.enrolment_issued", user)
    _echo_enrolment(username, token)


@users_cli.command("token")
@click.argument("username")
@click.option("--name", "label", default="cli", help="A label for the token (its integration).")
@_token_options
def token(username: str, label: str, scope: str, days: int) -> None:
    """Issue an API token for a user (printed last)."""
    with unit_of_work():
        user = _user(username)
        try:
            issued = service.issue_api_token(db.session(), user, name=label, scope=scope, days=days)
        except IntakeError as error:
            raise click.ClickException(error.message) from None
        _audit(db.session(), "user.token_issued", user, scope=scope, days=days)
    _echo_token(issued, scope, days)


@users_cli.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Disable a user: no login, tokens revoked, sessions ended."""
    with unit_of_work():
        user = _user(username)
        service.disable_user(db.session(), user)
        _audit(db.session(), "user.disabled", user)
    click.echo(f"Disabled {username}.")


@users_cli.command("add-queue")
@click.argument("username")
@click.argument("code")
def add_queue(username: str, code: str) -> None:
    """Give a user a queue."""
    with unit_of_work():
        user = _user(username)
        try:
            service.add_queue(db.session(), user, code)
        except IntakeError as error:
            raise click.ClickException(error.message) from None
        _audit(db.session(), "user.queue_added", user, queue=code)
    click.echo(f"{username} now works queue {code}.")


@users_cli.command("remove-queue")
@click.argument("username")
@click.argument("code")
def remove_queue(username: str, code: str) -> None:
    """Take a queue from a user."""
    with unit_of_work():
        user = _user(username)
        try:
            service.remove_queue(db.session(), user, code)
        except IntakeError as error:
            raise click.ClickException(error.message) from None
        _audit(db.session(), "user.queue_removed", user, queue=code)
    click.echo(f"{username} no longer works queue {code}.")


@users_cli.command("revoke-tokens")
@click.argument("username")
@click.option("--new", "issue_new", is_flag=True, help="Issue a new token (printed last).")
def revoke_tokens(username: str, issue_new: bool) -> None:
    """Revoke every API token of a user (optionally issue a new one)."""
    with unit_of_work():
        user = _user(username)
        count = service.revoke_tokens(db.session(), user)
        _audit(db.session(), "user.tokens_revoked", user, count=count)
        token = service.issue_api_token(db.session(), user, name="reissued") if issue_new else None
        if token:
            _audit(
                db.session(),
                "user.token_issued",
                user,
                scope=service.DEFAULT_TOKEN_SCOPE,
                days=service.DEFAULT_TOKEN_DAYS,
            )
    click.echo(f"Revoked {count} token(s) of {username}.")
    if token:
        click.echo(token)
