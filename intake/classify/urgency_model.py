"""A learnt urgency model behind the rules: calibrated logistic regression, emergency vs not.

Features are the category model's (``model.features``: word unigrams, word bigrams and character
4-grams of the accent-folded, contraction-expanded words) plus signals from the urgency rules
("r:" prefixed: a danger frame, a near-time marker, a canceller, a denied danger, and their
combinations). ``python -m intake.classify.train`` fits it with scikit-learn (liblinear logistic
regression, Platt-calibrated on out-of-fold scores by ``CalibratedClassifierCV``) on the training
files into ``data/urgency_model.json``: weights, bias and the two calibration numbers. Scoring at
run time is a sum of dictionary lookups (no scikit-learn import, no model download). The rules
decide first; the model adds ``emergency`` or ``possible_emergency`` above thresholds chosen by
cross-validation (``train --urgency-cv``; see ``rules.classify_text``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from intake.classify import model, model_file

DEFAULT_URGENCY_MODEL_PATH = Path(__file__).parent / "data" / "urgency_model.json"
URGENCY_MODEL_FORMAT = 2

# Training settings, chosen by cross-validation on the training files only (train --urgency-cv).
DEFAULT_C = 1.0  # inverse L2 strength of the logistic regression
CALIBRATION_FOLDS = 5
MIN_DOCUMENT_FREQUENCY = 2
SPLIT_SEED = 20261202  # a fixed split for calibration: same data, same file
WEIGHT_DIGITS = 6  # rounding in the file keeps the bytes stable across platforms' libm


class UrgencyModelFileError(Exception):
    """The shipped urgency model file is missing or malformed."""


@dataclass(frozen=True)
class UrgencyModel:
    """Logistic regression: P(emergency) = sigmoid(slope * (bias + sum of weights) + intercept)."""

    bias: float
    weights: Mapping[str, float]
    calibration: tuple[float, float] = (1.0, 0.0)  # Platt slope and intercept

    def score(self, features: Iterable[str]) -> float:
        """The log-odds of an emergency for a tip's features."""
        get = self.weights.get
        total = self.bias
        for feature in features:
            total += get(feature, 0.0)
        return total

    def probability(self, features: Iterable[str]) -> float:
        """Calibrated P(emergency) for a tip's features."""
        return self.calibrated(self.score(features))

    def calibrated(self, score: float) -> float:
        """Calibrated P(emergency) for a raw score."""
        slope, intercept = self.calibration
        return _sigmoid(slope * score + intercept)

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
    documents: Sequence[tuple[frozenset[str] | set[str], bool]], *, c: float = DEFAULT_C
) -> UrgencyModel:
    """Train with scikit-learn: logistic regression, sigmoid-calibrated on held-out folds."""
    # Training only: scikit-learn is never imported when tips are classified.
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    _, kept = model.frequent_features(documents, MIN_DOCUMENT_FREQUENCY)
    index = {f: i for i, f in enumerate(kept)}
    rows, cols = [], []
    for r, (features, _) in enumerate(documents):
        present = sorted(index[f] for f in features if f in index)
        rows.extend([r] * len(present))
        cols.extend(present)
    matrix = csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(documents), len(kept)), dtype=np.float64
    )
    labels = np.array([bool(label) for _, label in documents], dtype=np.int64)
    base = LogisticRegression(C=c, solver="liblinear", max_iter=1000)
    smaller_class = int(min(labels.sum(), len(labels) - labels.sum()))
    if smaller_class < 2:
        # Too few examples to hold any out for calibration: the raw logistic probability.
        estimator = base.fit(matrix, labels)
        calibration = (1.0, 0.0)
    else:
        splits = min(CALIBRATION_FOLDS, smaller_class)
        folds = StratifiedKFold(n_splits=splits, shuffle=True, random_state=SPLIT_SEED)
        fitted = CalibratedClassifierCV(base, method="sigmoid", cv=folds, ensemble=False)
        fitted.fit(matrix, labels)
        pair = fitted.calibrated_classifiers_[0]
        estimator, calibrator = pair.estimator, pair.calibrators[0]
        # sklearn's sigmoid is 1 / (1 + exp(a * score + b)): slope -a, intercept -b.
        calibration = (
            round(-float(calibrator.a_), WEIGHT_DIGITS),
            round(-float(calibrator.b_), WEIGHT_DIGITS),
        )
    coefficients = estimator.coef_[0]
    return UrgencyModel(
        round(float(estimator.intercept_[0]), WEIGHT_DIGITS),
        {
            f: round(float(w), WEIGHT_DIGITS)
            for f, w in zip(kept, coefficients, strict=True)
            if round(float(w), WEIGHT_DIGITS) != 0.0
        },
        calibration,
    )


def dumps(urgency_model: UrgencyModel) -> str:
    """The model file's exact text: sorted, one feature per line, so diffs stay readable."""
    head = {
        "bias": urgency_model.bias,
        "calibration": list(urgency_model.calibration),
        "format": URGENCY_MODEL_FORMAT,
    }
    rows = ((f, repr(w)) for f, w in sorted(urgency_model.weights.items()))
    return model_file.dumps(head, "weights", rows)


def load(path: Path = DEFAULT_URGENCY_MODEL_PATH) -> UrgencyModel:
    """Read a model file written by ``dumps``."""
    data = model_file.load(path, URGENCY_MODEL_FORMAT, UrgencyModelFileError, "urgency model")
    try:
        slope, intercept = (float(x) for x in data["calibration"])
        return UrgencyModel(
            float(data["bias"]),
            {str(f): float(w) for f, w in data["weights"].items()},
            (slope, intercept),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UrgencyModelFileError(f"urgency model {path.name} is malformed") from exc


# Read when this module is imported, so that classifying a tip never reads a file.
SHIPPED_URGENCY_MODEL: UrgencyModel = load()


def default_urgency_model() -> UrgencyModel:
    """The urgency model in use: the shipped one unless ``retrain.install`` replaced it."""
    return SHIPPED_URGENCY_MODEL
