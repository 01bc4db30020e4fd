"""A learnt category model beside the naive Bayes: TF-IDF features, multinomial logistic regression.

Features are the category model's (``model.features``: word unigrams, word bigrams and character
4-grams of the accent-folded, contraction-expanded words), present-or-absent, weighted by their
inverse document frequency (character grams at half weight) and L2-normalised per tip, as
scikit-learn's ``TfidfVectorizer`` does with binary counts. ``python -m intake.classify.train``
fits a multinomial ``LogisticRegression`` (lbfgs, L2) on the category training files and writes
``data/category_model.json``: the classes, the intercepts, and per feature its idf and one weight
per class. Scoring at run time is a gather and a small matrix product in numpy (no scikit-learn
import, no model download). ``rules.classify_text`` blends its log-probabilities with the naive
Bayes and the lexicon (see ``blend.py``), and keeps ``other`` when the lexicon found nothing and
this model is not confident (``CONFIDENCE_FLOOR``): text the models do not know stays ``other``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from intake.classify import model, model_file

DEFAULT_CATEGORY_MODEL_PATH = Path(__file__).parent / "data" / "category_model.json"
CATEGORY_MODEL_FORMAT = 1

# Training settings, chosen on the development sets (blind_2..12 were scored once, then read).
DEFAULT_C = 10.0  # inverse L2 strength
MIN_DOCUMENT_FREQUENCY = 2
GROUP_WEIGHT = {"w": 1.0, "b": 1.0, "c": 0.5}  # words, bigrams, character grams
WEIGHT_DIGITS = 4  # rounding in the file keeps the bytes stable across platforms' BLAS


class CategoryModelFileError(Exception):
    """The shipped category model file is missing or malformed."""


@dataclass(frozen=True)
class CategoryModel:
    """Multinomial logistic regression over idf-weighted, L2-normalised binary features."""

    classes: tuple[str, ...]
    index: dict[str, int]  # feature -> row
    idf: npt.NDArray[np.float64]  # per row: group weight x idf
    weights: npt.NDArray[np.float64]  # rows x classes
    intercepts: npt.NDArray[np.float64]  # per class

    def log_probabilities(self, features: Iterable[str]) -> tuple[list[float], int]:
        """Log P(class) for a tip's features, and how many features the model knew."""
        get = self.index.get
        rows = [r for r in map(get, features) if r is not None]
        if not rows:
            return [0.0] * len(self.classes), 0
        values = self.idf.take(rows)
        z = values @ self.weights.take(rows, axis=0)
        z = z / math.sqrt(float(values @ values)) + self.intercepts
        z -= z.max()
        z -= math.log(float(np.exp(z).sum()))
        log_p: list[float] = z.tolist()
        return log_p, len(rows)


def document_vectors(
    feature_sets: Sequence[Iterable[str]], vocabulary: Sequence[str], idf: Sequence[float]
) -> Any:
    """Training: the tips' idf-weighted, L2-normalised rows as a sparse matrix."""
    from scipy.sparse import csr_matrix

    index = {f: i for i, f in enumerate(vocabulary)}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r, features in enumerate(feature_sets):
        present = sorted(index[f] for f in set(features) if f in index)
        norm = math.sqrt(sum(idf[i] ** 2 for i in present)) or 1.0
        rows.extend([r] * len(present))
        cols.extend(present)
        vals.extend(idf[i] / norm for i in present)
    return csr_matrix((vals, (rows, cols)), shape=(len(feature_sets), len(vocabulary)))


def idf_weights(
    documents: Sequence[tuple[Iterable[str], object]],
    min_document_frequency: int,
    group_weight: dict[str, float],
    digits: int,
) -> tuple[list[str], list[float]]:
    """Training: the features in enough documents and, per feature, its group's weight times its
    smoothed inverse document frequency (scikit-learn's ``smooth_idf``), rounded to ``digits``."""
    frequency, vocabulary = model.frequent_features(documents, min_document_frequency)
    total = len(documents)
    idf = [
        round(group_weight[f[0]] * (math.log((1 + total) / (1 + frequency[f])) + 1), digits)
        for f in vocabulary
    ]
    return vocabulary, idf


def fit(
    documents: Sequence[tuple[Iterable[str], str]],
    classes: Sequence[str],
    *,
    c: float = DEFAULT_C,
) -> dict[str, Any]:
    """Train with scikit-learn; returns the model file's content (see ``dumps``)."""
    # Training only: scikit-learn is never imported when tips are classified.
    from sklearn.linear_model import LogisticRegression

    feature_sets = [frozenset(f) for f, _ in documents]
    vocabulary, idf = idf_weights(documents, MIN_DOCUMENT_FREQUENCY, GROUP_WEIGHT, WEIGHT_DIGITS)
    matrix = document_vectors(feature_sets, vocabulary, idf)
    index = {code: i for i, code in enumerate(classes)}
    labels = np.array([index[code] for _, code in documents], dtype=np.int64)
    seen = sorted(set(labels.tolist()))
    # Classes absent from training get a very low intercept and no weights.
    coefficients = np.zeros((len(classes), len(vocabulary)))
    intercepts = np.full(len(classes), -30.0)
    if len(seen) == 1:
        intercepts[seen[0]] = 0.0
    else:
        estimator = LogisticRegression(C=c, max_iter=3000)
        estimator.fit(matrix, labels)
        coef, bias = estimator.coef_, estimator.intercept_
        if len(seen) == 2:
            # Two classes: one logit, split as a softmax of -z/2 and +z/2.
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            bias = np.array([-bias[0] / 2, bias[0] / 2])
        for position, ci in enumerate(seen):
            coefficients[ci] = coef[position]
            intercepts[ci] = bias[position]
    return {
        "format": CATEGORY_MODEL_FORMAT,
        "classes": list(classes),
        "intercepts": [round(float(b), WEIGHT_DIGITS) for b in intercepts],
        "features": {
            f: [idf[i], *(round(float(w), WEIGHT_DIGITS) for w in coefficients[:, i])]
            for i, f in enumerate(vocabulary)
        },
    }


def dumps(content: dict[str, Any]) -> str:
    """The model file's exact text: sorted, one feature per line, so diffs stay readable."""
    head = {k: v for k, v in content.items() if k != "features"}
    rows = (
        (feature, "[" + ",".join(_number(x) for x in entries) + "]")
        for feature, entries in sorted(content["features"].items())
    )
    return model_file.dumps(head, "features", rows)


def _number(x: float) -> str:
    # "0.0" as "0" and no trailing zeros: a smaller file, the same numbers.
    text = repr(float(x))
    return "0" if text in ("0.0", "-0.0") else text.removesuffix(".0")


def build(content: dict[str, Any]) -> CategoryModel:
    """Turn the file's content into a scorer."""
    try:
        classes = tuple(str(c) for c in content["classes"])
        features = sorted(content["features"].items())
        rows = np.array([[float(x) for x in v] for _, v in features], dtype=np.float64)
        if rows.size == 0:
            rows = np.zeros((0, len(classes) + 1))
        if rows.shape[1] != len(classes) + 1:
            raise ValueError("row width")
        intercepts = np.array([float(b) for b in content["intercepts"]], dtype=np.float64)
        if intercepts.shape != (len(classes),):
            raise ValueError("intercepts")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CategoryModelFileError("category model is malformed") from exc
    return CategoryModel(
        classes,
        {str(f): i for i, (f, _) in enumerate(features)},
        np.ascontiguousarray(rows[:, 0]),
        np.ascontiguousarray(rows[:, 1:]),
        intercepts,
    )


def load(path: Path = DEFAULT_CATEGORY_MODEL_PATH) -> CategoryModel:
    """Read a model file written by ``dumps``."""
    return build(
        model_file.load(path, CATEGORY_MODEL_FORMAT, CategoryModelFileError, "category model")
    )


# Read when this module is imported, so that classifying a tip never reads a file.
SHIPPED_CATEGORY_MODEL: CategoryModel = load()


def default_category_model() -> CategoryModel:
    """The category model in use (the shipped one)."""
    return SHIPPED_CATEGORY_MODEL
