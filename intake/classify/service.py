"""Classifying a tip with the taxonomy held in the database."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.classify.rules import Classification, assess_urgency, classify_text
from intake.models import Category


def _extra_keywords(session: Session) -> dict[str, list[str]]:
    """Keywords administrators added to categories (custom categories included)."""
    rows = session.execute(
        select(Category.code, Category.keywords).where(Category.is_active.is_(True))
    ).all()
    return {code: list(words) for code, words in rows if words}


def classify_tip(session: Session, text: str) -> Classification:
    """Category, confidence, evidence, urgency and language of a tip's text."""
    extra = _extra_keywords(session)
    result = classify_text(text, extra_keywords=extra or None)
    active = set(session.scalars(select(Category.code).where(Category.is_active.is_(True))))
    if active and result.category not in active:
        # A category switched off by an administrator: keep the evidence, file it as "other".
        return Classification(
            category="other",
            confidence=result.confidence,
            runners_up=result.runners_up,
            evidence=result.evidence,
            language=result.language,
            is_unsure=True,
            urgency=result.urgency,
            urgency_evidence=result.urgency_evidence,
        )
    return result


def reassess_urgency(text: str, language: str) -> tuple[str, tuple[str, ...]]:
    """Urgency of a follow-up message, so a later "he is here now" escalates the tip."""
    return assess_urgency(text, language)
