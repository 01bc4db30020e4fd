"""`flask intake oncall ...` (the roster) and `flask intake users notify` (each person's route).

Each command is one transaction; output names users, queues, tiers and route kinds, never a
phone number or address.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from intake.errors import IntakeError
from intake.extensions import db, get_keyring, get_settings
from intake.oncall import service
from intake.oncall.rules import TIERS
from intake.unit_of_work import unit_of_work

# This feature's commands under `flask intake`: intake.cli imports this module and adds them
# (one way, so no feature CLI imports intake.cli or another feature's CLI). Its `users notify`
# joins the staff feature's `users` group there.
intake_cli = AppGroup("intake")
oncall_cli = AppGroup("oncall", help="On-call roster: who is told of urgent tips, tier by tier.")
users_cli = AppGroup("users")
intake_cli.add_command(oncall_cli)
intake_cli.add_command(users_cli)


def _fail(error: IntakeError) -> click.ClickException:
    """The refusal as a CLI error (raised inside ``unit_of_work()``, which rolls back)."""
    details = [
        f"{name}: {message}"
        for name, messages in (error.fields or {}).items()
        if isinstance(messages, list)
        for message in messages
    ]
    return click.ClickException(" ".join([error.message, *details]))


@oncall_cli.command("set")
@click.argument("queue")
@click.argument("tier", type=click.IntRange(1, max(TIERS)))
@click.argument("usernames", nargs=-1, required=True)
def oncall_set(queue: str, tier: int, usernames: tuple[str, ...]) -> None:
    """Make USERNAMES tier TIER of QUEUE's roster (1 on-call detective, 2 supervisor, 3 watch
    commander)."""
    with unit_of_work():
        try:
            users = service.set_tier(db.session(), queue, tier, usernames, actor=None)
        except IntakeError as error:
            raise _fail(error) from None
    click.echo(f"{queue} tier {tier} ({TIERS[tier]}): {', '.join(u.username for u in users)}.")
    unreachable = [
        e.username
        for e in service.roster(db.session())
        if e.queue == queue and e.tier == tier and e.route is None
    ]
    if unreachable:
        click.echo(
            f"Warning: no notification route for {', '.join(unreachable)}; "
            "set one with `flask intake users notify`.",
            err=True,
        )


@oncall_cli.command("list")
def oncall_list() -> None:
    """Every queue's roster: tier, user and route kind."""
    entries = service.roster(db.session())
    if not entries:
        click.echo("No roster: urgent tips go to the supervisors' routes (NOTIFY_*).")
    for entry in entries:
        route = entry.route or "NO ROUTE"
        state = "" if entry.is_active else " (disabled)"
        click.echo(f"{entry.queue}\ttier {entry.tier}\t{entry.username}\t{route}{state}")


@oncall_cli.command("clear")
@click.argument("queue")
@click.argument("tier", type=click.IntRange(1, max(TIERS)), required=False)
def oncall_clear(queue: str, tier: int | None) -> None:
    """Remove QUEUE's roster, or only its tier TIER."""
    with unit_of_work():
        try:
            removed = service.clear_roster(db.session(), queue, tier, actor=None)
        except IntakeError as error:
            raise _fail(error) from None
    which = f"tier {tier}" if tier is not None else "every tier"
    click.echo(f"Removed {removed} people from {queue} ({which}).")


@users_cli.command("notify")
@click.argument("username")
@click.option("--sms", "phone", default=None, help="A work phone, texted through Twilio.")
@click.option("--email", "address", default=None, help="An email address (NOTIFY_SMTP_URL relay).")
@click.option("--webhook", "url", default=None, help="A webhook, such as a paging service.")
def users_notify(username: str, phone: str | None, address: str | None, url: str | None) -> None:
    """Set where USERNAME is told of urgent tips (exactly one of --sms, --email, --webhook)."""
    given = {"sms": phone, "email": address, "webhook": url}
    chosen = [(kind, value) for kind, value in given.items() if value]
    if len(chosen) != 1:
        raise click.UsageError("Give exactly one of --sms PHONE, --email ADDRESS, --webhook URL.")
    kind, value = chosen[0]
    settings = get_settings()
    with unit_of_work():
        try:
            user = service.find_user(db.session(), username)
            service.set_notify_route(
                db.session(),
                get_keyring(),
                user,
                kind,
                value or "",
                region=settings.default_region,
                production=settings.is_production,
            )
        except IntakeError as error:
            raise _fail(error) from None
    click.echo(f"{username} is told of urgent tips by {kind}.")
