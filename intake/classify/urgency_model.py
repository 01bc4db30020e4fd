"""A learnt urgency model behind the rules: logistic regression, emergency vs not.

Features are the category model's (``model.features``: word unigrams, word bigrams and character
4-grams of the accent-folded, contraction-expanded words) plus a few signals from the urgency
rules ("r:" prefixed: a danger frame, a near-time marker, a canceller, and their combinations).
Trained deterministically from ``data/training.jsonl`` and ``data/urgency_training.jsonl`` by
``python -m intake.classify.train`` into ``data/urgency_model.json``, read once, at first use.
The rules decide first; the model can only add an emergency the rules missed (see
``rules.classify_text``), at the threshold chosen by cross-validation (``train --urgency-cv``).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULT_URGENCY_MODEL_PATH = Path(__file__).parent / "data" / "urgency_model.json"
URGENCY_MODEL_FORMAT = 1

# Training settings, chosen by cross-validation on the training files only (train --urgency-cv).
DEFAULT_EPOCHS = 10
DEFAULT_LEARNING_RATE = 0.2
DEFAULT_L2 = 1e-4
MIN_DOCUMENT_FREQUENCY = 2
SHUFFLE_SEED = 20240611  # a fixed order of examples per epoch: same data, same file
WEIGHT_DIGITS = 6  # rounding in the file keeps the bytes stable across platforms' libm


class UrgencyModelFileError(Exception):
    """The shipped urgency model file is missing or malformed."""


@dataclass(frozen=True)
class UrgencyModel:
    """Logistic regression weights: P(emergency) = sigmoid(bias + sum of present weights)."""

    bias: float
    weights: Mapping[str, float]

    def score(self, features: Iterable[str]) -> float:
        """The log-odds of an emergency for a tip's features."""
        get = self.weights.get
        total = self.bias
        for feature in features:
            total += get(feature, 0.0)
        return total

    def probability(self, features: Iterable[str]) -> float:
        """P(emergency) for a tip's features."""
        return _sigmoid(self.score(features))

    def strongest(self, features: Iterable[str], limit: int = 3) -> list[str]:
        """The word features ("w:" stripped) that push hardest toward an emergency."""
        get = self.weights.get
        found = [(get(f, 0.0), f[2:]) for f in features if f.startswith("w:")]
        found = [(w, word) for w, word in found if w > 0]
        found.sort(key=lambda kv: (-kv[0], kv[1]))
        return [word for _, word in found[:limit]]


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def fit(
    documents: Sequence[tuple[frozenset[str] | set[str], bool]],
    *,
    epochs: int = DEFAULT_EPOCHS,
    learning_rate: float = DEFAULT_LEARNING_RATE,
    l2: float = DEFAULT_L2,
) -> UrgencyModel:
    """Train by stochastic gradient descent in a seeded order (deterministic for the same data)."""
    frequency: dict[str, int] = {}
    for features, _ in documents:
        for feature in features:
            frequency[feature] = frequency.get(feature, 0) + 1
    kept = sorted(f for f, n in frequency.items() if n >= MIN_DOCUMENT_FREQUENCY)
    index = {f: i for i, f in enumerate(kept)}
    rows = [
        (sorted(index[f] for f in features if f in index), label) for features, label in documents
    ]
    weights = [0.0] * len(kept)
    positives = sum(label for _, label in rows)
    bias = math.log((positives + 1) / (len(rows) - positives + 1))
    order = list(range(len(rows)))
    shuffler = random.Random(SHUFFLE_SEED)  # noqa: S311 - an example order, not a secret
    for epoch in range(epochs):
        shuffler.shuffle(order)
        rate = learning_rate / (1.0 + 0.5 * epoch)
        for i in order:
            present, label = rows[i]
            z = bias + sum(weights[j] for j in present)
            error = _sigmoid(z) - (1.0 if label else 0.0)
            bias -= rate * error
            for j in present:
                weights[j] -= rate * (error + l2 * weights[j])
    return UrgencyModel(
        round(bias, WEIGHT_DIGITS),
        {
            f: round(w, WEIGHT_DIGITS)
            for f, w in zip(kept, weights, strict=True)
            if round(w, WEIGHT_DIGITS) != 0.0
        },
    )


def dumps(urgency_model: UrgencyModel) -> str:
    """The model file's exact text: sorted, one feature per line, so diffs stay readable."""
    head = json.dumps({"bias": urgency_model.bias, "format": URGENCY_MODEL_FORMAT}, sort_keys=True)
    lines = [head[:-1] + ', "weights": {']
    items = sorted(urgency_model.weights.items())
    for i, (feature, weight) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"{json.dumps(feature, ensure_ascii=False)}: {weight!r}{comma}")
    lines.append("}}")
    return "\n".join(lines) + "\n"


def load(path: Path = DEFAULT_URGENCY_MODEL_PATH) -> UrgencyModel:
    """Read a model file written by ``dumps``."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UrgencyModelFileError(f"cannot read urgency model {path.name}: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != URGENCY_MODEL_FORMAT:
        raise UrgencyModelFileError(f"urgency model {path.name} has an unknown format")
    try:
        return UrgencyModel(
            float(data["bias"]), {str(f): float(w) for f, w in data["weights"].items()}
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UrgencyModelFileError(f"urgency model {path.name} is malformed") from exc


@lru_cache(maxsize=1)
def default_urgency_model() -> UrgencyModel:
    """The shipped urgency model, loaded once."""
    return load()
