"""Classifying a tip with the taxonomy held in the database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sqlalchemy.orm import Session

from intake import reference
from intake.classify.rules import Classification, assess_urgency, classify_text


def tip_classifier(session: Session) -> Callable[[str], Classification]:
    """A classifier bound to the taxonomy as it is now (read once: for many texts in a row)."""
    taxonomy = reference.snapshot(session)
    extra = taxonomy.extra_keywords or None
    active = taxonomy.active_categories

    def classify(text: str) -> Classification:
        result = classify_text(text, extra_keywords=extra)
        if active and result.category not in active:
            # A category switched off by an administrator: keep the evidence, file it as "other".
            return replace(result, category="other", is_unsure=True)
        return result

    return classify


def classify_tip(session: Session, text: str) -> Classification:
    """Category, confidence, evidence, urgency and language of a tip's text."""
    return tip_classifier(session)(text)


def reassess_urgency(text: str, language: str) -> tuple[str, tuple[str, ...]]:
    """Urgency of a follow-up message, so a later "he is here now" escalates the tip."""
    return assess_urgency(text, language)
