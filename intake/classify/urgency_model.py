"""A learnt urgency model behind the rules: calibrated logistic regression, emergency vs not.

Features are the category model's (``model.features``: word unigrams, word bigrams and character
4-grams of the accent-folded, contraction-expanded words) plus signals from the urgency rules
("r:" prefixed: a danger frame, a near-time marker, a canceller, a denied danger, and their
combinations), present-or-absent, weighted by their inverse document frequency (character grams
at half weight) and L2-normalised per tip, as for the category regression: a long rambling tip's
every word counts less than a short one's. ``python -m intake.classify.train`` fits it with
scikit-learn (logistic regression, Platt-calibrated on out-of-fold scores by
``CalibratedClassifierCV``) on the training files into ``data/urgency_model.json``: per feature
its value and weight, the bias and the two calibration numbers. Scoring at run time is dictionary
lookups and one square root (no scikit-learn import, no model download). The rules decide first;
the model adds ``emergency`` or ``possible_emergency`` above thresholds chosen by
cross-validation (``train --urgency-cv``; see ``rules.classify_text``) and vetoes a rules
emergency it is nearly sure is none.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from intake.classify import category_model, model_file

DEFAULT_URGENCY_MODEL_PATH = Path(__file__).parent / "data" / "urgency_model.json"
URGENCY_MODEL_FORMAT = 3

# Training settings, chosen by cross-validation on the training files only (train --urgency-cv).
DEFAULT_C = 10.0  # inverse L2 strength of the logistic regression
GROUP_WEIGHT = {"w": 1.0, "b": 1.0, "c": 0.5, "r": 1.0}  # words, bigrams, char grams, rules
CALIBRATION_FOLDS = 5
MIN_DOCUMENT_FREQUENCY = 2
SPLIT_SEED = 20261202  # a fixed split for calibration: same data, same file
WEIGHT_DIGITS = 6  # rounding in the file keeps the bytes stable across platforms' libm


class UrgencyModelFileError(Exception):
    """The shipped urgency model file is missing or malformed."""


@dataclass(frozen=True)
class UrgencyModel:
    """Logistic regression over idf-weighted, L2-normalised binary features.

    P(emergency) = sigmoid(slope * (bias + sum(value * weight) / norm) + intercept), where a
    feature's value is its group weight times its idf and norm is the length of the tip's values.
    """

    bias: float
    weights: Mapping[str, float]
    calibration: tuple[float, float] = (1.0, 0.0)  # Platt slope and intercept
    # Per feature: group weight x idf (a feature without one counts 1.0, as in hand-made models).
    values: Mapping[str, float] = field(default_factory=dict)

    def score(self, features: Iterable[str]) -> float:
        """The log-odds of an emergency for a tip's features."""
        weight, value = self.weights.get, self.values.get
        total = norm = 0.0
        for feature in set(features):
            w = weight(feature)
            if w is None:
                continue
            v = value(feature, 1.0)
            total += v * w
            norm += v * v
        return self.bias + (total / math.sqrt(norm) if norm else 0.0)

    def probability(self, features: Iterable[str]) -> float:
        """Calibrated P(emergency) for a tip's features."""
        return self.calibrated(self.score(features))

    def calibrated(self, score: float) -> float:
        """Calibrated P(emergency) for a raw score."""
        slope, intercept = self.calibration
        return _sigmoid(slope * score + intercept)

    def strongest(self, features: Iterable[str], limit: int = 3) -> list[str]:
        """The word features ("w:" stripped) that push hardest toward an emergency."""
        weight, value = self.weights.get, self.values.get
        found = [
            (weight(f, 0.0) * value(f, 1.0), f[2:]) for f in set(features) if f.startswith("w:")
        ]
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
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    kept, values = category_model.idf_weights(
        documents, MIN_DOCUMENT_FREQUENCY, GROUP_WEIGHT, WEIGHT_DIGITS
    )
    matrix = category_model.document_vectors([f for f, _ in documents], kept, values)
    labels = np.array([bool(label) for _, label in documents], dtype=np.int64)
    base = LogisticRegression(C=c, max_iter=3000)
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
    coefficients = [round(float(w), WEIGHT_DIGITS) for w in estimator.coef_[0]]
    # Every kept feature stays, even at weight 0: its value still counts in a tip's norm.
    return UrgencyModel(
        round(float(estimator.intercept_[0]), WEIGHT_DIGITS),
        dict(zip(kept, coefficients, strict=True)),
        calibration,
        dict(zip(kept, values, strict=True)),
    )


def dumps(urgency_model: UrgencyModel) -> str:
    """The model file's exact text: sorted, one feature per line, so diffs stay readable."""
    head = {
        "bias": urgency_model.bias,
        "calibration": list(urgency_model.calibration),
        "format": URGENCY_MODEL_FORMAT,
    }
    value = urgency_model.values.get
    rows = ((f, f"[{value(f, 1.0)!r},{w!r}]") for f, w in sorted(urgency_model.weights.items()))
    return model_file.dumps(head, "weights", rows)


def load(path: Path = DEFAULT_URGENCY_MODEL_PATH) -> UrgencyModel:
    """Read a model file written by ``dumps``."""
    data = model_file.load(path, URGENCY_MODEL_FORMAT, UrgencyModelFileError, "urgency model")
    try:
        slope, intercept = (float(x) for x in data["calibration"])
        pairs = {str(f): (float(v), float(w)) for f, (v, w) in data["weights"].items()}
        return UrgencyModel(
            float(data["bias"]),
            {f: w for f, (_, w) in pairs.items()},
            (slope, intercept),
            {f: v for f, (v, _) in pairs.items()},
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UrgencyModelFileError(f"urgency model {path.name} is malformed") from exc


# Read when this module is imported, so that classifying a tip never reads a file.
SHIPPED_URGENCY_MODEL: UrgencyModel = load()


def default_urgency_model() -> UrgencyModel:
    """The urgency model in use: the shipped one unless ``retrain.install`` replaced it."""
    return SHIPPED_URGENCY_MODEL
