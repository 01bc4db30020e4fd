"""Measure the classifier on a labelled JSONL set: accuracy, confusion table, emergency recall."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intake.classify.rules import (
    ALERTING_URGENCIES,
    URGENCY_EMERGENCY,
    Classification,
    classify_text,
)

DEFAULT_EVALUATION_PATH = Path(__file__).parent / "data" / "evaluation.jsonl"


class EvaluationSetError(Exception):
    """The evaluation file is missing, unreadable or has a malformed line."""


@dataclass(frozen=True)
class LabelledTip:
    """One line of an evaluation file."""

    text: str
    language: str
    category: str
    urgency: str
    # A fair second category ("a car taken with a child inside": vehicle theft or missing person).
    category_alt: str | None = None


@dataclass(frozen=True)
class EvaluationReport:
    """Outcome of classifying every tip of a labelled set."""

    total: int
    correct: int
    per_language: dict[str, tuple[int, int]]  # language -> (correct, total)
    confusion: dict[tuple[str, str], int]  # (true, predicted) -> count, only non-zero
    emergencies: int
    emergencies_caught: int
    non_emergencies: int
    false_alarms: int
    missed_emergencies: tuple[int, ...]  # line numbers (1-based), never the text
    # Counted apart: "possible_emergency" alerts as urgent, so the figures above count it too.
    correct_or_alt: int = 0  # the label's category or its acceptable second one
    emergencies_called_emergency: int = 0
    false_emergencies: int = 0  # non-emergencies called "emergency" (not "possible")

    @property
    def accuracy(self) -> float:
        """Top-1 accuracy over the whole set."""
        return self.correct / self.total if self.total else 0.0

    @property
    def accuracy_or_alt(self) -> float:
        """Top-1 accuracy when the acceptable second category also counts."""
        return self.correct_or_alt / self.total if self.total else 0.0

    @property
    def emergency_recall(self) -> float:
        """Share of labelled emergencies that alert (``emergency`` or ``possible_emergency``)."""
        return self.emergencies_caught / self.emergencies if self.emergencies else 1.0

    @property
    def false_alarm_rate(self) -> float:
        """Share of non-emergencies that alert (``emergency`` or ``possible_emergency``)."""
        return self.false_alarms / self.non_emergencies if self.non_emergencies else 0.0

    def language_accuracy(self, language: str) -> float:
        """Top-1 accuracy for one language (0.0 when the set has none)."""
        correct, total = self.per_language.get(language, (0, 0))
        return correct / total if total else 0.0


def load_labelled(path: str | Path) -> list[LabelledTip]:
    """Read a JSONL evaluation file: one object per line with text, language, category, urgency."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvaluationSetError(f"cannot read evaluation set {path}: {exc.strerror}") from exc
    tips = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            tips.append(
                LabelledTip(
                    text=str(row["text"]),
                    language=str(row["language"]),
                    category=str(row["category"]),
                    urgency=str(row["urgency"]),
                    category_alt=str(row["category_alt"]) if row.get("category_alt") else None,
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise EvaluationSetError(f"{path}:{number}: malformed line") from exc
    return tips


def evaluate_tips(tips: Iterable[LabelledTip]) -> EvaluationReport:
    """Classify labelled tips and compare with their labels."""
    total = correct = emergencies = caught = non_emergencies = false_alarms = 0
    correct_or_alt = called_emergency = false_emergencies = 0
    per_language: dict[str, list[int]] = {}
    confusion: Counter[tuple[str, str]] = Counter()
    missed: list[int] = []
    for number, tip in enumerate(tips, 1):
        result = classify_text(tip.text)
        total += 1
        hit = result.category == tip.category
        correct += hit
        correct_or_alt += hit or result.category == tip.category_alt
        slot = per_language.setdefault(tip.language, [0, 0])
        slot[0] += hit
        slot[1] += 1
        confusion[(tip.category, result.category)] += 1
        if tip.urgency == URGENCY_EMERGENCY:
            emergencies += 1
            called_emergency += result.urgency == URGENCY_EMERGENCY
            if result.urgency in ALERTING_URGENCIES:
                caught += 1
            else:
                missed.append(number)
        else:
            non_emergencies += 1
            false_alarms += result.urgency in ALERTING_URGENCIES
            false_emergencies += result.urgency == URGENCY_EMERGENCY
    return EvaluationReport(
        total=total,
        correct=correct,
        per_language={lang: (c, t) for lang, (c, t) in sorted(per_language.items())},
        confusion=dict(sorted(confusion.items())),
        emergencies=emergencies,
        emergencies_caught=caught,
        non_emergencies=non_emergencies,
        false_alarms=false_alarms,
        missed_emergencies=tuple(missed),
        correct_or_alt=correct_or_alt,
        emergencies_called_emergency=called_emergency,
        false_emergencies=false_emergencies,
    )


def evaluate(path: str | Path = DEFAULT_EVALUATION_PATH) -> EvaluationReport:
    """Classify every tip of a JSONL evaluation file and report how the classifier did."""
    return evaluate_tips(load_labelled(path))


def format_report(report: EvaluationReport) -> str:
    """Render a report as plain text for the terminal: accuracy, urgency, confusion table."""
    lines = [
        f"tips: {report.total}",
        f"top-1 accuracy: {report.accuracy:.1%} ({report.correct}/{report.total})",
        f"top-1 or acceptable second: {report.accuracy_or_alt:.1%} "
        f"({report.correct_or_alt}/{report.total})",
    ]
    for lang, (correct, total) in report.per_language.items():
        lines.append(f"  {lang}: {correct / total:.1%} ({correct}/{total})")
    lines.append(
        f"emergency recall: {report.emergency_recall:.1%} "
        f"({report.emergencies_caught}/{report.emergencies} alert; "
        f"{report.emergencies_called_emergency} as emergency)"
    )
    lines.append(
        f"false alarms: {report.false_alarm_rate:.1%} "
        f"({report.false_alarms}/{report.non_emergencies} alert; "
        f"{report.false_emergencies} as emergency)"
    )
    if report.missed_emergencies:
        lines.append(
            "missed emergencies on lines: " + ", ".join(map(str, report.missed_emergencies))
        )
    lines.append("")
    lines.append("confusion (true -> predicted: count), non-zero cells only")
    codes = sorted({code for pair in report.confusion for code in pair})
    width = max((len(c) for c in codes), default=5)
    for true in codes:
        row = [(pred, n) for (t, pred), n in report.confusion.items() if t == true]
        if not row:
            continue
        cells = ", ".join(f"{pred}:{n}" if pred != true else f"[{pred}:{n}]" for pred, n in row)
        lines.append(f"  {true.ljust(width)}  {cells}")
    return "\n".join(lines)


def classification_to_dict(c: Classification) -> dict[str, Any]:
    """Turn a classification into a JSON-ready dict (keys used by the CLI and the API)."""
    return {
        "category": c.category,
        "confidence": c.confidence,
        "urgency": c.urgency,
        "language": c.language,
        "evidence": list(c.evidence),
        "runners_up": [[code, score] for code, score in c.runners_up],
        "is_unsure": c.is_unsure,
        "urgency_evidence": list(c.urgency_evidence),
        "urgency_probability": c.urgency_probability,
    }
