"""Learning from the department's own corrections: `flask intake classify retrain [--adopt]`.

The candidate is trained, with the shipped training functions, on the shipped training data plus
the tips staff corrected (their narratives decrypted in this process only, never written out),
minus a held-out part of those corrections. It is evaluated beside the model in use on the
blind sets and on the held-out corrections, and adopted only when asked and only if emergency
recall does not fall on any of them. An adopted model lives under the instance folder
(``classifier/``), never in the package, and every process loads it at start.

A model file holds word and character n-gram counts. So that no narrative's words reach the disk
that way, corrections re-weight the shipped vocabulary only: a feature that the shipped training
data does not have (a name, a street, a plate) is never added.

The category regression is retrained the same way (its features restricted to the shipped
vocabulary too) and written beside them; an adopted folder without one (adopted before the
regression existed) keeps the shipped regression.

The classifier reads its models through ``model.default_model()``,
``category_model.default_category_model()`` and ``urgency_model.default_urgency_model()``; this
module swaps what those return.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.classify import category_model, model, urgency_model
from intake.classify.evaluate import (
    DEFAULT_EVALUATION_PATH,
    EvaluationReport,
    LabelledTip,
    evaluate_tips,
    load_labelled,
)
from intake.classify.rules import URGENCY_EMERGENCY, normalised_words
from intake.classify.train import (
    CATEGORY_TRAINING_PATHS,
    CHECKOUT_SETS_DIR,
    CLASSES,
    URGENCY_TRAINING_PATHS,
    category_documents,
    urgency_documents,
)
from intake.crypto import Keyring, sha256_hex
from intake.models import Tip, TipCorrection, utcnow
from intake.oncall.rules import is_urgent

ADOPTED_DIR = "classifier"
MODEL_FILE = "model.json"
URGENCY_FILE = "urgency_model.json"
CATEGORY_FILE = "category_model.json"
SCORES_FILE = "scores.json"
# One correction in five (at least one) is kept out of training to measure the candidate.
HELD_OUT_SHARE = 5
CORRECTIONS_SET = "department corrections (held out)"

_SHIPPED: tuple[Callable[[], model.NaiveBayes], Callable[[], urgency_model.UrgencyModel]] = (
    model.default_model,
    urgency_model.default_urgency_model,
)


_SHIPPED_REGRESSION: Callable[[], category_model.CategoryModel] = (
    category_model.default_category_model
)


class RetrainError(Exception):
    """The candidate cannot be built or adopted; the message says why."""


# --- the models in use --------------------------------------------------------------------------


def install(
    nb: model.NaiveBayes | None,
    urgency: urgency_model.UrgencyModel | None,
    regression: category_model.CategoryModel | None = None,
) -> None:
    """Make the classifier use these models (None: the shipped one) in this process."""
    setattr(  # noqa: B010
        category_model,
        "default_category_model",
        (lambda: regression) if regression is not None else _SHIPPED_REGRESSION,
    )
    setattr(model, "default_model", (lambda: nb) if nb is not None else _SHIPPED[0])  # noqa: B010
    setattr(  # noqa: B010 - the classifier looks the loader up by attribute at each call
        urgency_model,
        "default_urgency_model",
        (lambda: urgency) if urgency is not None else _SHIPPED[1],
    )


@contextmanager
def models_in_use(
    nb: model.NaiveBayes,
    urgency: urgency_model.UrgencyModel,
    regression: category_model.CategoryModel | None = None,
) -> Iterator[None]:
    """Classify with these models inside the block, then with the previous ones again."""
    previous = (model.default_model, urgency_model.default_urgency_model)
    previous_regression = category_model.default_category_model
    install(nb, urgency, regression)
    if regression is None:
        setattr(category_model, "default_category_model", previous_regression)  # noqa: B010
    try:
        yield
    finally:
        setattr(model, "default_model", previous[0])  # noqa: B010
        setattr(urgency_model, "default_urgency_model", previous[1])  # noqa: B010
        setattr(category_model, "default_category_model", previous_regression)  # noqa: B010


def adopted_dir(instance_path: Path) -> Path:
    """Where an adopted model lives."""
    return instance_path / ADOPTED_DIR


def use_adopted_models(instance_path: Path) -> bool:
    """Load the adopted model of this instance if there is one (else the shipped one)."""
    folder = adopted_dir(instance_path)
    if not (folder / MODEL_FILE).exists() or not (folder / URGENCY_FILE).exists():
        install(None, None)
        return False
    regression_path = folder / CATEGORY_FILE
    install(
        model.build(model.load_counts(folder / MODEL_FILE)),
        urgency_model.load(folder / URGENCY_FILE),
        category_model.load(regression_path) if regression_path.exists() else None,
    )
    return True


def adopted_scores(instance_path: Path) -> dict[str, Any] | None:
    """The scores recorded when the model in use was adopted (None: the shipped model)."""
    path = adopted_dir(instance_path) / SCORES_FILE
    if not path.exists():
        return None
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


# --- the corrections ----------------------------------------------------------------------------


def corrected_tips(session: Session, keyring: Keyring) -> list[LabelledTip]:
    """Every tip staff corrected, labelled as corrected; narratives decrypted in memory only.

    A tip whose key was shredded (retention, the tipster's request) is left out.
    """
    corrected = select(TipCorrection.tip_id).distinct()
    tips = session.scalars(select(Tip).where(Tip.id.in_(corrected)))
    # Ordered by a digest of the id: a stable, arbitrary order for the held-out split (the hex
    # digests sort as the bytes would).
    ordered = sorted(
        (t for t in tips if t.wrapped_key is not None), key=lambda t: sha256_hex(t.id.bytes)
    )
    return [
        LabelledTip(
            text=tip.narrative.read(keyring),
            language=tip.language,
            category=tip.category_code,
            urgency=URGENCY_EMERGENCY if is_urgent(tip.urgency) else tip.urgency,
        )
        for tip in ordered
    ]


def split_corrections(tips: Sequence[LabelledTip]) -> tuple[list[LabelledTip], list[LabelledTip]]:
    """(trained on, held out): the first fifth (at least one) of the stable order is held out."""
    if not tips:
        return [], []
    held = max(1, len(tips) // HELD_OUT_SHARE)
    return list(tips[held:]), list(tips[:held])


# --- building and measuring ---------------------------------------------------------------------


def build_candidate(
    extra: Sequence[LabelledTip],
) -> tuple[dict[str, Any], urgency_model.UrgencyModel]:
    """Category counts and urgency model from the shipped data plus ``extra``, restricted to the
    shipped vocabulary."""
    shipped = [tip for path in CATEGORY_TRAINING_PATHS for tip in load_labelled(path)]
    vocabulary = set(model.count_features(_documents(shipped), CLASSES)["features"])
    known = [t for t in extra if t.category in CLASSES]  # a department's own category: no model
    counts = model.count_features(_documents([*shipped, *known]), CLASSES)
    counts["features"] = {f: v for f, v in counts["features"].items() if f in vocabulary}

    urgency_shipped = [tip for path in URGENCY_TRAINING_PATHS for tip in load_labelled(path)]
    shipped_docs = urgency_documents(urgency_shipped)
    urgency_vocabulary = frozenset().union(*(features for features, _ in shipped_docs))
    extra_docs = [
        (features & urgency_vocabulary, label) for features, label in urgency_documents(extra)
    ]
    return counts, urgency_model.fit([*shipped_docs, *extra_docs])


def build_regression_candidate(extra: Sequence[LabelledTip]) -> dict[str, Any]:
    """The category regression from the shipped data plus ``extra``, on the shipped vocabulary."""
    shipped = category_documents(
        [tip for path in CATEGORY_TRAINING_PATHS for tip in load_labelled(path)]
    )
    _, kept = model.frequent_features(shipped, category_model.MIN_DOCUMENT_FREQUENCY)
    vocabulary = set(kept)
    known = [t for t in extra if t.category in CLASSES]  # a department's own category: no model
    extra_docs = [(features & vocabulary, code) for features, code in category_documents(known)]
    return category_model.fit([*shipped, *extra_docs], CLASSES)


def _documents(tips: Sequence[LabelledTip]) -> Iterator[tuple[list[str], str]]:
    return ((normalised_words(t.text), t.category) for t in tips)


@dataclass(frozen=True)
class SetScore:
    """How one model did on one labelled set."""

    total: int
    accuracy: float
    emergencies: int
    emergency_recall: float
    false_alarm_rate: float

    @classmethod
    def of(cls, report: EvaluationReport) -> SetScore:
        """The summary of an evaluation report (counts and rates only, never a text)."""
        return cls(
            report.total,
            round(report.accuracy, 4),
            report.emergencies,
            round(report.emergency_recall, 4),
            round(report.false_alarm_rate, 4),
        )


@dataclass(frozen=True)
class Comparison:
    """The model in use and the candidate, set by set, and whether the candidate may be adopted."""

    corrections: int
    trained_on: int
    held_out: int
    current: dict[str, SetScore]
    candidate: dict[str, SetScore]
    falls: list[str] = field(default_factory=list)  # sets where emergency recall would fall

    @property
    def may_adopt(self) -> bool:
        """Adoption is allowed only if emergency recall falls nowhere."""
        return not self.falls


def recall_falls(current: dict[str, SetScore], candidate: dict[str, SetScore]) -> list[str]:
    """The sets with emergencies on which the candidate catches fewer than the model in use."""
    return [
        name
        for name, now in current.items()
        if now.emergencies and candidate[name].emergency_recall < now.emergency_recall
    ]


def blind_sets(paths: Sequence[Path] = ()) -> dict[str, list[LabelledTip]]:
    """The blind sets: the given files, else the package's evaluation set and the checkout's blind
    sets that no model was trained on (the retired ones would only measure memory)."""
    if not paths:
        trained = {*CATEGORY_TRAINING_PATHS, *URGENCY_TRAINING_PATHS}
        kept = (p for p in sorted(CHECKOUT_SETS_DIR.glob("*.jsonl")) if p not in trained)
        paths = [DEFAULT_EVALUATION_PATH, *kept]
    return {path.name: load_labelled(path) for path in paths}


def compare(
    session: Session, keyring: Keyring, blind_paths: Sequence[Path] = ()
) -> tuple[Comparison, dict[str, Any], urgency_model.UrgencyModel, dict[str, Any]]:
    """Build the candidate (naive Bayes counts, urgency model, category regression) and measure
    it beside the model in use."""
    corrections = corrected_tips(session, keyring)
    train, held = split_corrections(corrections)
    sets = blind_sets(blind_paths)
    if held:
        sets[CORRECTIONS_SET] = held
    counts, urgency = build_candidate(train)
    regression = build_regression_candidate(train)
    candidate_nb = model.build(counts)
    current = {name: SetScore.of(evaluate_tips(tips)) for name, tips in sets.items()}
    with models_in_use(candidate_nb, urgency, category_model.build(regression)):
        candidate = {name: SetScore.of(evaluate_tips(tips)) for name, tips in sets.items()}
    comparison = Comparison(
        corrections=len(corrections),
        trained_on=len(train),
        held_out=len(held),
        current=current,
        candidate=candidate,
        falls=recall_falls(current, candidate),
    )
    return comparison, counts, urgency, regression


def adopt(
    instance_path: Path,
    comparison: Comparison,
    counts: dict[str, Any],
    urgency: urgency_model.UrgencyModel,
    regression: dict[str, Any] | None = None,
    *,
    now: datetime | None = None,
) -> Path:
    """Write the candidate where every process loads it, with its scores; refuse if recall falls."""
    if not comparison.may_adopt:
        raise RetrainError(
            "not adopted: emergency recall would fall on " + ", ".join(comparison.falls)
        )
    folder = adopted_dir(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    scores = {
        "adopted_at": (now or utcnow()).isoformat(timespec="seconds"),
        "corrections": comparison.corrections,
        "trained_on": comparison.trained_on,
        "held_out": comparison.held_out,
        "sets": {name: asdict(score) for name, score in comparison.candidate.items()},
    }
    # Each file is replaced whole (written aside, then renamed): a process starting meanwhile
    # reads the old file or the new one, never half of one.
    files = [(MODEL_FILE, model.dumps(counts)), (URGENCY_FILE, urgency_model.dumps(urgency))]
    if regression is not None:
        files.append((CATEGORY_FILE, category_model.dumps(regression)))
    elif (folder / CATEGORY_FILE).exists():
        (folder / CATEGORY_FILE).unlink()  # the shipped regression goes with these models
    files.append((SCORES_FILE, json.dumps(scores, indent=2, sort_keys=True) + "\n"))
    for name, text in files:
        aside = folder / f".{name}.new"
        aside.write_text(text, encoding="utf-8")
        os.replace(aside, folder / name)
    use_adopted_models(instance_path)
    return folder


def format_comparison(comparison: Comparison) -> str:
    """The evaluation as an operator reads it: per set, the model in use against the candidate."""
    lines = [
        f"Corrections: {comparison.corrections} "
        f"(trained on {comparison.trained_on}, held out {comparison.held_out})",
        f"{'set':<36} {'tips':>5}  {'accuracy now → new':>20}  {'emergency recall now → new':>28}",
    ]
    for name, now in comparison.current.items():
        new = comparison.candidate[name]
        lines.append(
            f"{name:<36} {now.total:>5}  {now.accuracy:>9.1%} → {new.accuracy:<8.1%}  "
            f"{now.emergency_recall:>13.1%} → {new.emergency_recall:<8.1%}"
            + ("  FALLS" if name in comparison.falls else "")
        )
    if comparison.may_adopt:
        lines.append("Emergency recall does not fall: the candidate may be adopted (--adopt).")
    else:
        lines.append("Emergency recall falls on: " + ", ".join(comparison.falls) + ".")
    return "\n".join(lines)
