"""Train the classifier's model from data/training.jsonl, or tune the blend by cross-validation.

    python -m intake.classify.train              # writes data/model.json, category_model.json
                                                 # and urgency_model.json
    python -m intake.classify.train --check      # exit 1 if either model file is not up to date
    python -m intake.classify.train --cv         # k-fold cross-validation on training.jsonl only
    python -m intake.classify.train --category-cv # the shipped blend with the regression, by CV
    python -m intake.classify.train --urgency-cv # urgency model: settings and threshold by CV

Cross-validation never reads the blind sets: they measure, they do not tune.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from intake.classify import category_model, model, urgency_model
from intake.classify.blend import combine_models, model_floor
from intake.classify.evaluate import LabelledTip, load_labelled
from intake.classify.rules import (
    BLEND,
    MIN_CATEGORY_SCORE,
    OTHER_CATEGORY,
    URGENCY_EMERGENCY,
    BlendParams,
    _analyse,
    _classify,
    _ranked,
    blend_scores,
    normalised_words,
    urgency_signals,
)
from intake.classify.taxonomy import DEFAULT_CATEGORIES
from intake.classify.urgency_rules import model_stays_silent, unvetoed_emergency

DEFAULT_TRAINING_PATH = Path(__file__).parent / "data" / "training.jsonl"
DEFAULT_URGENCY_TRAINING_PATH = Path(__file__).parent / "data" / "urgency_training.jsonl"
# Tips in residents' own wording (SMS shorthand, slang, Spanglish, plain-words emergencies and
# hard non-emergencies): both models learn from them.
RESIDENTS_TRAINING_PATH = Path(__file__).parent / "data" / "training_residents.jsonl"
# Blind sets scored once on the classifier as it stood and reported (bench/README_classify.md),
# then retired into training: they are written the way residents write, which the files above
# only partly are. They stay in the checkout's tests/classify beside their history; the blind
# sets not named here are never trained on and are what `classify retrain` measures with.
CHECKOUT_SETS_DIR = Path(__file__).resolve().parents[2] / "tests" / "classify"
RETIRED_BLIND_SETS = tuple(
    CHECKOUT_SETS_DIR / f"{name}.jsonl"
    for name in (
        "heldout",
        "blind_2",
        "blind_3",
        "blind_4",
        "blind_8",
        "blind_9",
        "blind_10",
        "blind_11",
        "blind_12",
        "blind_13",
        "blind_14",
        "blind_15",
        "blind_16",
        "blind_17",
        "blind_18",
    )
)
# Written for urgency alone (their categories are not the taxonomy's): the urgency model only.
RETIRED_URGENCY_SETS = tuple(CHECKOUT_SETS_DIR / f"urgency_blind_{n}.jsonl" for n in (5, 6, 7))
CATEGORY_TRAINING_PATHS = (DEFAULT_TRAINING_PATH, RESIDENTS_TRAINING_PATH, *RETIRED_BLIND_SETS)
URGENCY_TRAINING_PATHS = (
    DEFAULT_TRAINING_PATH,
    DEFAULT_URGENCY_TRAINING_PATH,
    RESIDENTS_TRAINING_PATH,
    *RETIRED_BLIND_SETS,
    *RETIRED_URGENCY_SETS,
)
CLASSES: tuple[str, ...] = tuple(c.code for c in DEFAULT_CATEGORIES)
FOLDS = 10


def train_text(paths: Path | Sequence[Path] = CATEGORY_TRAINING_PATHS) -> str:
    """The model file's text for training files (same input, same bytes)."""
    tips = [
        tip
        for path in ([paths] if isinstance(paths, Path) else paths)
        for tip in load_labelled(path)
    ]
    return model.dumps(
        model.count_features(((normalised_words(t.text), t.category) for t in tips), CLASSES)
    )


def category_documents(tips: Sequence[LabelledTip]) -> list[tuple[set[str], str]]:
    """Each tip's category-model features and its category."""
    return [(model.features(normalised_words(t.text)), t.category) for t in tips]


def train_category_text(paths: Sequence[Path] = CATEGORY_TRAINING_PATHS) -> str:
    """The logistic-regression category model's file text (same input, same bytes)."""
    tips = [tip for path in paths for tip in load_labelled(path)]
    return category_model.dumps(category_model.fit(category_documents(tips), CLASSES))


def urgency_documents(tips: Sequence[LabelledTip]) -> list[tuple[frozenset[str], bool]]:
    """Each tip's urgency features (n-grams and rule signals) and whether it is an emergency."""
    out = []
    for tip in tips:
        analysis = _analyse(tip.text)
        words = [t.word for t in analysis.tokens]
        found = frozenset(model.features(words) | urgency_signals(analysis))
        out.append((found, tip.urgency == URGENCY_EMERGENCY))
    return out


def _urgency_tips(paths: Sequence[Path] = URGENCY_TRAINING_PATHS) -> list[LabelledTip]:
    return [tip for path in paths for tip in load_labelled(path)]


def train_urgency_text(paths: Sequence[Path] = URGENCY_TRAINING_PATHS) -> str:
    """The urgency model file's text for these training files (same input, same bytes)."""
    return urgency_model.dumps(urgency_model.fit(urgency_documents(_urgency_tips(paths))))


def urgency_cross_validate(paths: Sequence[Path] = URGENCY_TRAINING_PATHS) -> None:
    """Print out-of-fold recall and false alarms of the shipped decision, per C, band and veto.

    The decision is ``rules._with_learnt_urgency``'s: a rules emergency stands unless the model's
    P is under the veto (and the frames saw no imminent threat); otherwise P at or above the band
    alerts; a denied danger keeps the model silent. Per language too: the target holds in each.
    """
    tips = _urgency_tips(paths)
    docs = urgency_documents(tips)
    cases = []
    for tip in tips:
        analysis = _analyse(tip.text)
        signals = urgency_signals(analysis)
        cases.append(
            (
                _classify(tip.text, None, use_urgency_model=False).urgency == URGENCY_EMERGENCY,
                unvetoed_emergency(analysis),
                model_stays_silent(signals),
                tip.language,
            )
        )
    labels = [label for _, label in docs]

    def rates(flags: Sequence[bool], language: str | None = None) -> tuple[float, float]:
        pairs = [
            (f, y)
            for f, y, case in zip(flags, labels, cases, strict=True)
            if language in (None, case[3])
        ]
        positives = sum(y for _, y in pairs) or 1
        negatives = sum(not y for _, y in pairs) or 1
        return sum(f and y for f, y in pairs) / positives, sum(f and not y for f, y in pairs) / (
            negatives
        )

    def line(flags: Sequence[bool]) -> str:
        return ", ".join(
            f"{name} {r:.1%}/{a:.1%}"
            for name, (r, a) in (
                ("all", rates(flags)),
                ("en", rates(flags, "en")),
                ("es", rates(flags, "es")),
            )
        )

    print(f"tips: {len(tips)} ({sum(labels)} emergencies), folds: {FOLDS}; recall/false alarms")
    print(f"rules alone: {line([case[0] for case in cases])}")
    for c in (3.0, 10.0, 30.0):
        scores = [0.0] * len(docs)
        for fold in range(FOLDS):
            train = [d for i, d in enumerate(docs) if i % FOLDS != fold]
            fitted = urgency_model.fit(train, c=c)
            for i, (found, _) in enumerate(docs):
                if i % FOLDS == fold:
                    scores[i] = fitted.probability(found)
        print(f"C={c}")
        for band, veto in itertools.product((0.3, 0.4, 0.45, 0.5, 0.6), (0.05, 0.1, 0.2, 0.3)):
            flags = [
                rule if silent else (p >= veto or imminent) if rule else p >= band
                for (rule, imminent, silent, _), p in zip(cases, scores, strict=True)
            ]
            print(f"  P>={band}, veto under {veto}: {line(flags)}")


@dataclass(frozen=True)
class _Prepared:
    category: str
    words: list[str]
    lexicon_scores: dict[str, float]
    lexicon_top: str | None


def _prepare(tips: Sequence[LabelledTip]) -> list[_Prepared]:
    out = []
    for tip in tips:
        analysis = _analyse(tip.text)
        ranked = _ranked(analysis.scores, analysis.concepts)
        top = ranked[0][0] if ranked and ranked[0][1] >= MIN_CATEGORY_SCORE else None
        words = [t.word for t in analysis.tokens]
        out.append(_Prepared(tip.category, words, analysis.scores, top))
    return out


def _out_of_fold(
    rows: list[_Prepared], alpha: float, bigram: float, char: float
) -> list[tuple[list[float], int]]:
    """Each tip scored by a model trained on the other folds."""
    results: list[tuple[list[float], int]] = [([], 0)] * len(rows)
    for fold in range(FOLDS):
        train = [r for i, r in enumerate(rows) if i % FOLDS != fold]
        counts = model.count_features(((r.words, r.category) for r in train), CLASSES)
        nb = model.build(counts, alpha=alpha, bigram_weight=bigram, char_weight=char)
        for i, row in enumerate(rows):
            if i % FOLDS == fold:
                results[i] = nb.log_likelihoods(row.words)
    return results


def _accuracy(
    rows: list[_Prepared], scored: list[tuple[list[float], int]], params: BlendParams
) -> float:
    correct = 0
    for row, (lls, known) in zip(rows, scored, strict=True):
        if not known and row.lexicon_top is None:
            top = OTHER_CATEGORY
        else:
            top = blend_scores(row.lexicon_scores, row.lexicon_top, lls, CLASSES, params)[0][0]
        correct += top == row.category
    return correct / len(rows)


def cross_validate(paths: Sequence[Path] = CATEGORY_TRAINING_PATHS) -> None:
    """Print out-of-fold accuracy of the model alone, the lexicon alone and blend settings."""
    rows = _prepare([tip for path in paths for tip in load_labelled(path)])
    lexicon_only = sum((r.lexicon_top or OTHER_CATEGORY) == r.category for r in rows) / len(rows)
    print(f"tips: {len(rows)}, folds: {FOLDS}; lexicon alone: {lexicon_only:.1%}")
    settings = list(itertools.product((0.05, 0.1, 0.3), (0.5, 1.0), (0.1, 0.25, 0.5)))
    by_setting = {}
    for alpha, bigram, char in settings:
        scored = _out_of_fold(rows, alpha, bigram, char)
        alone = sum(
            CLASSES[max(range(len(CLASSES)), key=lls.__getitem__)] == r.category
            for r, (lls, _) in zip(rows, scored, strict=True)
        ) / len(rows)
        current = _accuracy(rows, scored, BLEND)
        by_setting[(alpha, bigram, char)] = (current, scored)
        print(
            f"alpha={alpha} bigram={bigram} char={char}: model alone {alone:.1%}, "
            f"shipped blend {current:.1%}"
        )
    chosen = max(by_setting, key=lambda k: by_setting[k][0])
    scored = by_setting[chosen][1]
    results = []
    grid = itertools.product(
        (0.25, 0.5, 0.75, 1.0, 1.5),  # lexicon weight
        (1.0, 2.0, 4.0, 8.0),  # temperature
        (0.0, 0.5, 1.0, 2.0),  # lexicon top bonus
        (0.0, 1.0, 2.0, 3.0),  # other bonus
        (5.0, 8.0, 99.0),  # strong score
    )
    for weight, temperature, top_bonus, other_bonus, strong in grid:
        params = replace(
            BLEND,
            lexicon_weight=weight,
            temperature=temperature,
            lexicon_top_bonus=top_bonus,
            other_bonus=other_bonus,
            strong_score=strong,
        )
        results.append((_accuracy(rows, scored, params), params))
    results.sort(key=lambda r: -r[0])
    print(f"blend grid on alpha/bigram/char = {chosen}, ten best:")
    for accuracy, params in results[:10]:
        print(f"  {accuracy:.1%} {params}")


def category_cross_validate(paths: Sequence[Path] = CATEGORY_TRAINING_PATHS) -> None:
    """Print out-of-fold accuracy of the shipped blend: lexicon, naive Bayes and regression."""
    rows = _prepare([tip for path in paths for tip in load_labelled(path)])
    nb_scored = _out_of_fold(
        rows, model.DEFAULT_ALPHA, model.DEFAULT_BIGRAM_WEIGHT, model.DEFAULT_CHAR_WEIGHT
    )
    regression: list[tuple[list[float], int]] = [([], 0)] * len(rows)
    for fold in range(FOLDS):
        train = [
            (model.features(r.words), r.category) for i, r in enumerate(rows) if i % FOLDS != fold
        ]
        scorer = category_model.build(category_model.fit(train, CLASSES))
        for i, row in enumerate(rows):
            if i % FOLDS == fold:
                regression[i] = scorer.log_probabilities(model.features(row.words))
    lexicon_only = sum((r.lexicon_top or OTHER_CATEGORY) == r.category for r in rows) / len(rows)
    alone = sum(
        bool(k) and CLASSES[lp.index(max(lp))] == r.category
        for r, (lp, k) in zip(rows, regression, strict=True)
    ) / len(rows)
    print(f"tips: {len(rows)}, folds: {FOLDS}; lexicon alone {lexicon_only:.1%}")
    print(
        f"regression alone {alone:.1%}; naive Bayes blend {_accuracy(rows, nb_scored, BLEND):.1%}"
    )
    grid = itertools.product((4.0, 8.0, 12.0), (0.0, 0.5, 1.0), (0.0, 1.0, 2.0))
    for weight, share, other_bonus in grid:
        params = replace(BLEND, regression_weight=weight, nb_share=share, other_bonus=other_bonus)
        correct = 0
        for row, (lls, known), (lp, rk) in zip(rows, nb_scored, regression, strict=True):
            floor = model_floor(len(row.words), params)
            if row.lexicon_top is None and (not (known or rk) or math.exp(max(lp)) < floor):
                top = OTHER_CATEGORY
            else:
                combined = combine_models(lls, CLASSES, lp, CLASSES, params)
                ranked = blend_scores(
                    row.lexicon_scores, row.lexicon_top, combined, CLASSES, params
                )
                top = ranked[0][0]
            correct += top == row.category
        shipped = " (shipped)" if params == BLEND else ""
        print(
            f"  regression x{weight}, naive Bayes x{share}, other bonus {other_bonus}: "
            f"{correct / len(rows):.1%}{shipped}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write the model file, check it, or cross-validate."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cv", action="store_true", help="cross-validate, write nothing")
    parser.add_argument("--check", action="store_true", help="fail if a model file is stale")
    parser.add_argument("--urgency-cv", action="store_true", help="cross-validate urgency")
    parser.add_argument("--category-cv", action="store_true", help="cross-validate the blend")
    args = parser.parse_args(argv)
    if args.cv:
        cross_validate()
        return 0
    if args.urgency_cv:
        urgency_cross_validate()
        return 0
    if args.category_cv:
        category_cross_validate()
        return 0
    outputs = (
        (model.DEFAULT_MODEL_PATH, train_text()),
        (category_model.DEFAULT_CATEGORY_MODEL_PATH, train_category_text()),
        (urgency_model.DEFAULT_URGENCY_MODEL_PATH, train_urgency_text()),
    )
    if args.check:
        stale = [
            path.name
            for path, text in outputs
            if not path.exists() or path.read_text(encoding="utf-8") != text
        ]
        for name in stale:
            print(f"{name} is stale: run python -m intake.classify.train", file=sys.stderr)
        return 1 if stale else 0
    for path, text in outputs:
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.name} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
