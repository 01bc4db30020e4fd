"""`flask intake classify ...` and `flask intake categories ...`: the classifier and the taxonomy.

What is classified is printed to the terminal that asked for it and never logged.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import NoReturn

import click
from flask.cli import AppGroup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake import reference
from intake.classify.evaluate import (
    DEFAULT_EVALUATION_PATH,
    EvaluationSetError,
    classification_to_dict,
    evaluate,
    format_report,
)
from intake.classify.retrain_cli import classify_retrain
from intake.classify.rules import Classification
from intake.classify.service import tip_classifier
from intake.extensions import db
from intake.models import Category, District, Queue
from intake.routing.rules import OFFICER_CONDUCT, RoutingRuleError, validate_overrides
from intake.unit_of_work import unit_of_work

# This feature's commands under `flask intake`: intake.cli imports this module and adds them
# (one way, so no feature CLI imports intake.cli).
intake_cli = AppGroup("intake")

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
# Letters (any script), digits, spaces, apostrophes and hyphens; a trailing "*" matches a prefix.
KEYWORD_RE = re.compile(r"^[^\W_](?:[\w' -]*[^\W_])?\*?$")
MAX_LABEL = 120
# The classifier's fallback and the oversight guarantee both depend on these staying active.
ALWAYS_ACTIVE = ("other", OFFICER_CONDUCT)


class ClassifyGroup(AppGroup):
    """`flask intake classify TEXT` classifies; `flask intake classify evaluate` is a subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Treat anything that is not a subcommand (or --help) as `classify text ...`."""
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["text", *args]
        return super().parse_args(ctx, args)


@intake_cli.group("classify", cls=ClassifyGroup)
def classify_cli() -> None:
    """Classify tips: `classify [--json] TEXT`, `classify -` (stdin), `classify evaluate`."""


classify_cli.add_command(classify_retrain)


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _human(result: Classification) -> str:
    runners = ", ".join(f"{code} {score:g}" for code, score in result.runners_up) or "none"
    lines = [
        f"category:   {result.category} (confidence {result.confidence:.2f})",
        f"urgency:    {result.urgency}",
        f"language:   {result.language}",
        f"evidence:   {', '.join(result.evidence) or 'none'}",
        f"runners-up: {runners}",
        f"unsure:     {'yes' if result.is_unsure else 'no'}",
    ]
    if result.urgency_evidence:
        lines.insert(2, f"urgent on:  {', '.join(result.urgency_evidence)}")
    return "\n".join(lines)


def _session() -> Session:
    session: Session = db.session()
    return session


@classify_cli.command("text")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.argument("text")
def classify_text_command(as_json: bool, text: str) -> None:
    """Classify TEXT, or with `-` every line of standard input (one JSON object per line)."""
    classify = tip_classifier(_session())
    if text == "-":
        stream = sys.stdin
        out = sys.stdout
        for line in stream:
            result = classify(line.rstrip("\r\n"))
            out.write(json.dumps(classification_to_dict(result), ensure_ascii=False) + "\n")
        return
    result = classify(text)
    if as_json:
        click.echo(json.dumps(classification_to_dict(result), ensure_ascii=False))
    else:
        click.echo(_human(result))


@classify_cli.command("evaluate")
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_EVALUATION_PATH,
    show_default="the shipped evaluation set",
    help="A JSONL file: one object per line with text, language, category, urgency.",
)
def classify_evaluate(path: Path) -> None:
    """Print accuracy per language, the confusion table, emergency recall and false alarms."""
    try:
        report = evaluate(path)
    except EvaluationSetError as exc:
        _fail(str(exc))
    if report.total == 0:
        _fail(f"{path.name}: no labelled tips")
    click.echo(format_report(report))


# --------------------------------------------------------------------------- categories

categories_cli = AppGroup("categories", help="The tip taxonomy: list, add and edit categories.")
intake_cli.add_command(categories_cli)


def _keywords(words: tuple[str, ...]) -> list[str]:
    cleaned = []
    for word in words:
        folded = " ".join(word.lower().split())
        if not KEYWORD_RE.match(folded):
            _fail("a keyword is letters, digits, spaces, ' and -, with an optional trailing *")
        if folded not in cleaned:
            cleaned.append(folded)
    return cleaned


def _label(value: str, option: str) -> str:
    label = " ".join(value.split())
    if not label or len(label) > MAX_LABEL:
        _fail(f"{option} must be 1 to {MAX_LABEL} characters")
    return label


def _check_routing(session: Session, code: str, queue_code: str | None) -> None:
    """Refuse a queue that does not exist or an override breaking a routing guarantee."""
    if queue_code is None:
        return
    queue = session.scalar(select(Queue).where(Queue.code == queue_code))
    if queue is None or not queue.is_active:
        _fail(f"there is no active queue {queue_code!r} (see `flask intake districts list`)")
    district_codes = set(session.scalars(select(District.code)))
    district_codes |= set(session.scalars(select(Queue.code).where(Queue.kind == "district")))
    try:
        validate_overrides({code: queue_code}, district_codes)
    except RoutingRuleError as exc:
        _fail(str(exc))


@categories_cli.command("list")
def categories_list() -> None:
    """List the categories: code, state, override queue, keywords and labels."""
    session = _session()
    rows = session.scalars(select(Category).order_by(Category.sort_order, Category.code)).all()
    width = max((len(c.code) for c in rows), default=4)
    click.echo(f"{'code'.ljust(width)}  state     queue       keywords  English / Spanish")
    for category in rows:
        state = "active" if category.is_active else "inactive"
        queue = category.queue_code or "-"
        keywords = len(category.keywords or [])
        click.echo(
            f"{category.code.ljust(width)}  {state:<8}  {queue:<10}  {keywords:>8}  "
            f"{category.label_en} / {category.label_es}"
        )


@categories_cli.command("add")
@click.argument("code")
@click.option("--en", "label_en", required=True, help="English label.")
@click.option("--es", "label_es", required=True, help="Spanish label.")
@click.option("--queue", "queue_code", help="Send this category to this queue, whatever district.")
@click.option(
    "--keyword", "keywords", multiple=True, help="A word or phrase that suggests it (repeatable)."
)
@click.option("--description", default="", help="What belongs in it (shown to staff).")
def categories_add(
    code: str,
    label_en: str,
    label_es: str,
    queue_code: str | None,
    keywords: tuple[str, ...],
    description: str,
) -> None:
    """Add a category CODE (lower case letters, digits, _)."""
    with unit_of_work():
        session = _session()
        if not CODE_RE.match(code):
            _fail(
                "a category code is 2-40 lower case letters, digits and _, starting with a letter"
            )
        if session.get(Category, code) is not None:
            _fail(f"category {code!r} exists; change it with `flask intake categories set`")
        _check_routing(session, code, queue_code)
        last = session.scalar(select(func.max(Category.sort_order))) or 0
        session.add(
            Category(
                code=code,
                label_en=_label(label_en, "--en"),
                label_es=_label(label_es, "--es"),
                description=description.strip()[:400],
                queue_code=queue_code,
                keywords=_keywords(keywords),
                sort_order=last + 1,
                is_active=True,
            )
        )
    reference.invalidate()  # this process sees the change at once
    click.echo(f"Added category {code} ({len(keywords)} keywords).")


@categories_cli.command("set")
@click.argument("code")
@click.option("--en", "label_en", help="English label.")
@click.option("--es", "label_es", help="Spanish label.")
@click.option("--queue", "queue_code", help="Send this category to this queue.")
@click.option("--no-queue", is_flag=True, help="Route this category by district again.")
@click.option(
    "--keyword", "keywords", multiple=True, help="Replace the keywords with these (repeatable)."
)
@click.option("--clear-keywords", is_flag=True, help="Remove every keyword.")
@click.option("--active/--inactive", "is_active", default=None, help="Switch the category on/off.")
def categories_set(
    code: str,
    label_en: str | None,
    label_es: str | None,
    queue_code: str | None,
    no_queue: bool,
    keywords: tuple[str, ...],
    clear_keywords: bool,
    is_active: bool | None,
) -> None:
    """Change a category's labels, queue, keywords or state."""
    with unit_of_work():
        session = _session()
        category = session.get(Category, code)
        if category is None:
            _fail(f"there is no category {code!r} (see `flask intake categories list`)")
        if queue_code is not None and no_queue:
            _fail("give --queue or --no-queue, not both")
        if keywords and clear_keywords:
            _fail("give --keyword or --clear-keywords, not both")
        if code == OFFICER_CONDUCT and no_queue:
            _fail(f"{OFFICER_CONDUCT} always goes to the oversight queue")
        if is_active is False and code in ALWAYS_ACTIVE:
            _fail(f"category {code!r} cannot be switched off")
        _check_routing(session, code, queue_code)
        if label_en is not None:
            category.label_en = _label(label_en, "--en")
        if label_es is not None:
            category.label_es = _label(label_es, "--es")
        if queue_code is not None:
            category.queue_code = queue_code
        if no_queue:
            category.queue_code = None
        if keywords or clear_keywords:
            category.keywords = _keywords(keywords)
        if is_active is not None:
            category.is_active = is_active
    reference.invalidate()  # this process sees the change at once
    state = "active" if category.is_active else "inactive"
    click.echo(
        f"Category {code}: {state}, queue {category.queue_code or '-'}, "
        f"{len(category.keywords or [])} keywords."
    )
