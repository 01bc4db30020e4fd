"""`flask intake classify ...` and `flask intake categories ...` through the CLI runner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.classify.service import classify_tip
from intake.models import Category
from intake.routing.service import route_tip
from tests.routing.reference_city import cli, kept_reference_tables

DRUGS = "Someone is selling crack on the corner every night"
SPANISH_EMERGENCY = "Mi ex viene esta noche a matarme, tiene una pistola"
DRONE = "Somebody keeps flying a drone over the playground and my backyard at night"


@pytest.fixture
def taxonomy(app: Flask) -> Iterator[Flask]:
    """The app; categories (and other reference tables) are given back after the test."""
    with kept_reference_tables(app):
        yield app


def _row(text: str, language: str, category: str, urgency: str) -> str:
    return json.dumps(
        {"text": text, "language": language, "category": category, "urgency": urgency}
    )


# --------------------------------------------------------------------------- classify


def test_classify_prints_a_readable_result(app: Flask) -> None:
    result = cli(app, "classify", DRUGS)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("category:   drugs (confidence ")
    assert "urgency:    normal" in lines
    assert "language:   en" in lines
    assert any(line.startswith("evidence:") and "crack" in line for line in lines)
    assert "unsure:     no" in lines


def test_classify_json_is_one_object_with_every_field(app: Flask) -> None:
    result = cli(app, "classify", "--json", SPANISH_EMERGENCY)
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert {
        "category",
        "confidence",
        "urgency",
        "language",
        "evidence",
        "runners_up",
        "is_unsure",
    } <= set(body)
    assert body["urgency"] == "emergency" and body["language"] == "es"
    assert body["category"] in {"domestic_violence", "threat"}
    assert "matarme" in body["evidence"] + body["urgency_evidence"]


def test_classify_stdin_prints_one_json_object_per_line(app: Flask) -> None:
    stdin = f"{DRUGS}\n{SPANISH_EMERGENCY}\n\nЗдравствуйте, у соседа дома оружие\n"
    result = cli(app, "classify", "-", stdin=stdin)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 4
    assert rows[0]["category"] == "drugs" and rows[0]["language"] == "en"
    assert rows[1]["urgency"] == "emergency" and rows[1]["language"] == "es"
    assert rows[2]["category"] == "other" and rows[2]["is_unsure"] is True
    assert rows[3]["language"] not in {"en", "es"} and rows[3]["is_unsure"] is True


def test_evaluate_reports_accuracy_confusion_and_emergencies(app: Flask) -> None:
    result = cli(app, "classify", "evaluate")
    assert result.exit_code == 0, result.output
    text = result.output
    assert "top-1 accuracy:" in text
    assert "\n  en: " in text and "\n  es: " in text
    assert "emergency recall: 100.0%" in text
    assert "false alarms: " in text
    assert "confusion (true -> predicted: count)" in text


def test_evaluate_a_given_file(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    path.write_text(
        "\n".join(
            [
                _row(DRUGS, "en", "drugs", "normal"),
                _row(SPANISH_EMERGENCY, "es", "domestic_violence", "emergency"),
                _row("My bike got stolen from the rack outside work", "en", "drugs", "normal"),
            ]
        )
        + "\n"
    )
    result = cli(app, "classify", "evaluate", "--file", str(path))
    assert result.exit_code == 0, result.output
    assert "tips: 3" in result.output
    assert "en: 50.0% (1/2)" in result.output
    assert "emergency recall: 100.0% (1/1 alert" in result.output
    assert "drugs:1" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text": "x", "language": "en"}\n', "mine.jsonl:1: malformed line"),
        (_row(DRUGS, "en", "drugs", "normal") + "\nnot json\n", "mine.jsonl:2: malformed line"),
        ("\n\n", "no labelled tips"),
    ],
)
def test_evaluate_refuses_a_malformed_file(
    app: Flask, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "mine.jsonl"
    path.write_text(content)
    result = cli(app, "classify", "evaluate", "--file", str(path))
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert DRUGS not in result.output


def test_evaluate_a_missing_file_is_an_error(app: Flask, tmp_path: Path) -> None:
    result = cli(app, "classify", "evaluate", "--file", str(tmp_path / "none.jsonl"))
    assert result.exit_code == 1
    assert "cannot read evaluation set" in result.stderr


# --------------------------------------------------------------------------- categories


def test_categories_list_shows_the_default_taxonomy(app: Flask) -> None:
    result = cli(app, "categories", "list")
    assert result.exit_code == 0
    rows = {line.split()[0]: line for line in result.output.splitlines()[1:]}
    assert len(rows) == 24
    assert "oversight" in rows["officer_conduct"] and "Conducta policial" in rows["officer_conduct"]
    assert "homicide" in rows["homicide"].split()[2]


def test_a_custom_category_with_keywords_is_classified(taxonomy: Flask, session: Session) -> None:
    before = classify_tip(session, DRONE)
    assert before.category != "drones"
    session.rollback()
    added = cli(
        taxonomy,
        "categories",
        "add",
        "drones",
        "--en",
        "Drones",
        "--es",
        "Drones",
        "--keyword",
        "drone*",
        "--keyword",
        "Dron",
    )
    assert added.exit_code == 0, added.output
    assert "Added category drones (2 keywords)." in added.output
    result = classify_tip(session, DRONE)
    assert result.category == "drones"
    assert result.evidence == ("drone",)
    assert (
        classify_tip(session, "Un dron vuela sobre mi casa todas las noches").category == "drones"
    )
    via_cli = json.loads(cli(taxonomy, "classify", "--json", DRONE).output)
    assert via_cli["category"] == "drones"
    listed = cli(taxonomy, "categories", "list").output
    assert any(line.startswith("drones ") and "active" in line for line in listed.splitlines())

    # Switched off, its keywords stop counting (and it can be switched on again).
    off = cli(taxonomy, "categories", "set", "drones", "--inactive")
    assert off.exit_code == 0 and "drones: inactive" in off.output
    assert classify_tip(session, DRONE).category != "drones"
    on = cli(taxonomy, "categories", "set", "drones", "--active", "--keyword", "quadcopter")
    assert on.exit_code == 0 and "drones: active, queue -, 1 keywords" in on.output
    assert classify_tip(session, "a quadcopter over the yard").category == "drones"
    assert classify_tip(session, DRONE).category != "drones"  # keywords were replaced


def test_a_switched_off_category_files_its_tips_as_other(taxonomy: Flask, session: Session) -> None:
    assert classify_tip(session, DRUGS).category == "drugs"
    session.rollback()
    result = cli(taxonomy, "categories", "set", "drugs", "--inactive")
    assert result.exit_code == 0, result.output
    switched_off = classify_tip(session, DRUGS)
    assert (switched_off.category, switched_off.is_unsure) == ("other", True)
    assert "crack" in switched_off.evidence


def test_a_category_can_be_sent_to_a_unit_queue(taxonomy: Flask, session: Session) -> None:
    result = cli(taxonomy, "categories", "set", "shooting", "--queue", "homicide")
    assert result.exit_code == 0, result.output
    route = route_tip(session, category_code="shooting", lat=44.03, lon=-70.16, location_text=None)
    assert route.queue_code == "homicide"
    session.rollback()
    cli(taxonomy, "categories", "set", "shooting", "--no-queue")
    route = route_tip(session, category_code="shooting", lat=44.03, lon=-70.16, location_text=None)
    assert route.queue_code == "S3"


def test_labels_can_be_changed(taxonomy: Flask, session: Session) -> None:
    result = cli(taxonomy, "categories", "set", "drugs", "--en", "Narcotics", "--es", "Narcóticos")
    assert result.exit_code == 0, result.output
    session.expire_all()
    drugs = session.get(Category, "drugs")
    assert drugs is not None and (drugs.label_en, drugs.label_es) == ("Narcotics", "Narcóticos")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["set", "officer_conduct", "--queue", "N1"], "must not be routed to a district queue"),
        (["set", "officer_conduct", "--queue", "homicide"], "always goes to the 'oversight' queue"),
        (["set", "officer_conduct", "--no-queue"], "always goes to the oversight queue"),
        (["set", "officer_conduct", "--inactive"], "cannot be switched off"),
        (["set", "other", "--inactive"], "cannot be switched off"),
        (["set", "drugs", "--queue", "nowhere"], "there is no active queue 'nowhere'"),
        (["set", "drugs", "--queue", "homicide", "--no-queue"], "not both"),
        (["set", "no_such", "--en", "X"], "there is no category 'no_such'"),
        (["set", "drugs", "--keyword", "a;b=3"], "a keyword is letters"),
        (["add", "drugs", "--en", "D", "--es", "D"], "category 'drugs' exists"),
        (["add", "Bad Code", "--en", "D", "--es", "D"], "a category code is"),
        (["add", "graffiti2", "--en", "", "--es", "G"], "--en must be 1 to 120 characters"),
    ],
)
def test_categories_refuse_what_would_break_routing_or_classifying(
    taxonomy: Flask, session: Session, args: list[str], message: str
) -> None:
    before = {
        c.code: (c.queue_code, c.is_active, c.label_en) for c in session.scalars(select(Category))
    }
    session.rollback()
    result = cli(taxonomy, "categories", *args)
    assert result.exit_code == 1
    assert message in result.stderr
    session.expire_all()
    after = {
        c.code: (c.queue_code, c.is_active, c.label_en) for c in session.scalars(select(Category))
    }
    assert after == before
