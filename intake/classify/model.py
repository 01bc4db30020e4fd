"""A small learnt model behind the lexicon: multinomial naive Bayes over words and 4-grams.

Features are the classifier's own normalised words (accent-folded, contractions expanded; see
``text.normalised_words``): word unigrams, word bigrams and character 4-grams of each word. The
parameters are per-class feature counts from ``data/training.jsonl``, written to
``data/model.json`` by ``python -m intake.classify.train`` and read once, when imported.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from intake.classify import model_file

DEFAULT_MODEL_PATH = Path(__file__).parent / "data" / "model.json"
MODEL_FORMAT = 1

# Character grams repeat what the words already say, so they count for less (naive Bayes
# otherwise counts the same evidence several times). Tuned by cross-validation (train --cv).
DEFAULT_ALPHA = 0.3
DEFAULT_BIGRAM_WEIGHT = 0.5
DEFAULT_CHAR_WEIGHT = 0.1
CHAR_GRAM = 4
MIN_DOCUMENT_FREQUENCY = 2


class ModelFileError(Exception):
    """The shipped model file is missing or malformed."""


def frequent_features(
    documents: Iterable[tuple[Iterable[str], object]], min_documents: int
) -> tuple[Counter[str], list[str]]:
    """How many documents hold each feature, and the features in at least ``min_documents`` of
    them (sorted): the vocabulary the learnt models are trained on."""
    frequency = Counter(f for features, _ in documents for f in set(features))
    return frequency, sorted(f for f, n in frequency.items() if n >= min_documents)


def features(words: Sequence[str]) -> set[str]:
    """The distinct features of a tip's normalised words ("w:", "b:" and "c:" prefixed)."""
    shaped = [_shape(w) for w in words]
    out: set[str] = set()
    for word in shaped:
        out.update(_word_features(word))
    out.update(f"b:{a} {b}" for a, b in itertools.pairwise(shaped))
    return out


@lru_cache(maxsize=8192)
def _word_features(word: str) -> tuple[str, ...]:
    # Words repeat across tips ("the", "de", "gun"): their unigram and 4-grams are built once.
    padded = f"_{word}_"
    if len(padded) <= CHAR_GRAM:
        return ("w:" + word, "c:" + padded)
    grams = ("c:" + padded[i : i + CHAR_GRAM] for i in range(len(padded) - CHAR_GRAM + 1))
    return ("w:" + word, *grams)


def word_shape(word: str) -> str:
    """A word as the features see it: digits folded to 0 (a plate, a calibre)."""
    return _shape(word)


@lru_cache(maxsize=8192)
def _shape(word: str) -> str:
    # Numbers matter by shape (a plate, a calibre), not by value.
    if any(ch.isdigit() for ch in word):
        return "".join("0" if ch.isdigit() else ch for ch in word)
    return word


def count_features(
    documents: Iterable[tuple[Sequence[str], str]], classes: Sequence[str]
) -> dict[str, Any]:
    """Training: per-class document counts of each feature seen in enough documents."""
    index = {code: i for i, code in enumerate(classes)}
    counts: dict[str, dict[int, int]] = {}
    doc_counts = [0] * len(classes)
    for words, code in documents:
        ci = index[code]
        doc_counts[ci] += 1
        for feature in features(words):
            per_class = counts.setdefault(feature, {})
            per_class[ci] = per_class.get(ci, 0) + 1
    kept = {
        f: sorted(per_class.items())
        for f, per_class in counts.items()
        if sum(per_class.values()) >= MIN_DOCUMENT_FREQUENCY
    }
    return {
        "format": MODEL_FORMAT,
        "classes": list(classes),
        "documents": doc_counts,
        "features": {f: [[ci, n] for ci, n in kept[f]] for f in sorted(kept)},
    }


@dataclass(frozen=True)
class NaiveBayes:
    """Per-feature sparse log-weights and per-class normalisers, ready to score a tip."""

    classes: tuple[str, ...]
    # feature -> (group, ((class index, group weight * log-weight), ...))
    weights: Mapping[str, tuple[int, tuple[tuple[int, float], ...]]]
    log_norm: tuple[tuple[float, ...], ...]  # [group][class]: log(total + alpha * V)
    group_weight: tuple[float, float, float]  # words, bigrams, char grams
    # The same weights as one matrix, so that scoring a tip is a gather and a sum in numpy.
    dense: _Dense = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dense", _Dense.of(self))

    def log_likelihoods(self, words: Sequence[str]) -> tuple[list[float], int]:
        """Log-likelihood of each class (up to a shared constant) and how many features it knew."""
        return self.log_likelihoods_of(features(words))

    def log_likelihoods_of(self, found_features: Iterable[str]) -> tuple[list[float], int]:
        """``log_likelihoods`` for features already extracted (shared with the urgency model)."""
        dense = self.dense
        get = dense.index.get
        rows = [r for r in map(get, found_features) if r is not None]
        if not rows:
            return [0.0] * len(self.classes), 0
        scores = dense.weights.take(rows, axis=0).sum(axis=0)
        known = np.bincount(dense.groups.take(rows), minlength=3)
        scores -= (known * dense.group_weight) @ dense.log_norm
        out: list[float] = scores.tolist()
        return out, len(rows)

    def top_words(self, words: Sequence[str], code: str, against: str) -> list[tuple[str, float]]:
        """Words of the tip that most favour ``code`` over ``against``, strongest first."""
        ci, ai = self.classes.index(code), self.classes.index(against)
        offset = self.group_weight[0] * (self.log_norm[0][ai] - self.log_norm[0][ci])
        found: dict[str, float] = {}
        for word in words:
            hit = self.weights.get("w:" + _shape(word))
            if not hit:
                continue
            by_class = dict(hit[1])
            gain = by_class.get(ci, 0.0) - by_class.get(ai, 0.0) + offset
            if gain > 0:
                found[word] = gain
        return sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))


@dataclass(frozen=True)
class _Dense:
    index: dict[str, int]  # feature -> row
    weights: npt.NDArray[np.float64]  # rows x classes: group weight x log-weight, 0 if unseen
    groups: npt.NDArray[np.int64]  # per row: its feature group
    group_weight: npt.NDArray[np.float64]  # per group
    log_norm: npt.NDArray[np.float64]  # groups x classes

    @classmethod
    def of(cls, nb: NaiveBayes) -> _Dense:
        features = list(nb.weights)
        weights = np.zeros((len(features), len(nb.classes)))
        groups = np.zeros(len(features), dtype=np.int64)
        for row, feature in enumerate(features):
            group, entries = nb.weights[feature]
            groups[row] = group
            for ci, w in entries:
                weights[row, ci] = w
        return cls(
            {f: i for i, f in enumerate(features)},
            weights,
            groups,
            np.array(nb.group_weight, dtype=np.float64),
            np.array(nb.log_norm, dtype=np.float64).reshape(3, len(nb.classes)),
        )


_GROUPS = {"w": 0, "b": 1, "c": 2}


def build(
    counts: Mapping[str, Any],
    *,
    alpha: float = DEFAULT_ALPHA,
    bigram_weight: float = DEFAULT_BIGRAM_WEIGHT,
    char_weight: float = DEFAULT_CHAR_WEIGHT,
) -> NaiveBayes:
    """Turn per-class feature counts into a scorer (Laplace-smoothed, per feature group)."""
    classes = tuple(counts["classes"])
    n = len(classes)
    totals = [[0] * n for _ in range(3)]
    vocab = [0, 0, 0]
    group_weight = (1.0, bigram_weight, char_weight)
    weights: dict[str, tuple[int, tuple[tuple[int, float], ...]]] = {}
    for feature, entries in counts["features"].items():
        group = _GROUPS[feature[0]]
        vocab[group] += 1
        for ci, count in entries:
            totals[group][ci] += count
        if not group_weight[group]:
            continue
        # log(count + alpha) - log(alpha): classes that never saw the feature score 0 on it.
        gw = group_weight[group]
        weights[feature] = (
            group,
            tuple((int(ci), gw * math.log1p(count / alpha)) for ci, count in entries),
        )
    log_norm = tuple(
        tuple(math.log(totals[g][ci] + alpha * max(vocab[g], 1)) for ci in range(n))
        for g in range(3)
    )
    return NaiveBayes(classes, weights, log_norm, group_weight)


def dumps(counts: Mapping[str, Any]) -> str:
    """The model file's exact text: sorted, one feature per line, so diffs stay readable."""
    head = {k: v for k, v in counts.items() if k != "features"}
    rows = ((f, json.dumps(entries)) for f, entries in counts["features"].items())
    return model_file.dumps(head, "features", rows)


def load_counts(path: Path = DEFAULT_MODEL_PATH) -> dict[str, Any]:
    """Read a model file written by ``dumps``."""
    return model_file.load(path, MODEL_FORMAT, ModelFileError, "model file")


# Read when this module is imported, so that classifying a tip never reads a file.
SHIPPED_MODEL: NaiveBayes = build(load_counts())


def default_model() -> NaiveBayes:
    """The model in use: the shipped one unless ``retrain.install`` put another in its place."""
    return SHIPPED_MODEL
