"""`flask intake classify retrain [--adopt]`: a candidate model from the department's corrections.

Prints counts and rates only: never a narrative, not even of a misclassified tip.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from intake.classify import retrain
from intake.classify.evaluate import EvaluationSetError
from intake.extensions import db, get_keyring, get_settings


# Added to `flask intake classify` by intake.classify.cli (this module imports no other CLI).
@click.command("retrain")
@with_appcontext
@click.option("--adopt", is_flag=True, help="Use the candidate from now on, if recall holds.")
@click.option(
    "--blind",
    "blind_paths",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A blind set to evaluate on (repeat); default: the shipped ones.",
)
def classify_retrain(adopt: bool, blind_paths: tuple[Path, ...]) -> None:
    """Train a candidate on the shipped data plus staff corrections; evaluate it beside the model
    in use on the blind sets and held-out corrections; with --adopt, use it if emergency recall
    does not fall."""
    try:
        comparison, counts, urgency, regression = retrain.compare(
            db.session(), get_keyring(), blind_paths
        )
    except EvaluationSetError as error:
        raise click.ClickException(str(error)) from None
    finally:
        db.session.rollback()  # read only: nothing of the corrections is kept
    click.echo(retrain.format_comparison(comparison))
    if not adopt:
        return
    instance = Path(get_settings().instance_path)
    try:
        folder = retrain.adopt(instance, comparison, counts, urgency, regression)
    except retrain.RetrainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Adopted: written to {folder}. Restart the service and workers to use it.")
