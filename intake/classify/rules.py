"""Tip classifier: category, confidence, evidence, language and urgency.

The public face of the classifier. The rules live by concern beside this module, all pure:
``text`` (folding, tokens), ``phrases`` (the lexicon's phrase index and scan), ``language``,
``category_rules``, ``urgency_rules`` and ``blend`` (lexicon with the learnt category model).
This module combines them with the learnt models, which ``model.py`` and ``urgency_model.py``
read from their files when imported (or ``retrain.use_adopted_models`` installs at app start):
classifying reads no file.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from intake.classify import category_model, model, urgency_model
from intake.classify.blend import (
    BLEND,
    STRONG_CATEGORIES,
    BlendParams,
    _blend_confidence,
    blend_scores,
    combine_models,
    model_floor,
)
from intake.classify.category_rules import (
    MIN_CATEGORY_SCORE,
    NEGATED_CATEGORY_FACTOR,
    OTHER_CATEGORY,
    PRIORITY_SHARE,
    _analyse,
    _Analysis,
    _dedupe,
    _ranked,
)
from intake.classify.language import SUPPORTED_LANGUAGES, _language_from_tokens, detect_language
from intake.classify.phrases import (
    NEGATION_WINDOW,
    LexiconError,
    _all_stopwords,
    _extra_index,
    _stopwords,
)
from intake.classify.text import _Token, fold, normalised_words
from intake.classify.urgency_rules import (
    ALERTING_URGENCIES,
    DANGER_CATEGORIES,
    URGENCY_EMERGENCY,
    URGENCY_HIGH,
    URGENCY_LEVELS,
    URGENCY_NORMAL,
    URGENCY_POSSIBLE,
    _urgency,
    model_stays_silent,
    unvetoed_emergency,
    urgency_signals,
)

__all__ = [
    "ALERTING_URGENCIES",
    "BLEND",
    "DANGER_CATEGORIES",
    "EMERGENCY_PROBABILITY",
    "MIN_CATEGORY_SCORE",
    "NEGATED_CATEGORY_FACTOR",
    "NEGATION_WINDOW",
    "OTHER_CATEGORY",
    "POSSIBLE_PROBABILITY",
    "PRIORITY_SHARE",
    "STRONG_CATEGORIES",
    "SUPPORTED_LANGUAGES",
    "URGENCY_EMERGENCY",
    "URGENCY_HIGH",
    "URGENCY_LEVELS",
    "URGENCY_NORMAL",
    "URGENCY_POSSIBLE",
    "VETO_PROBABILITY",
    "BlendParams",
    "Classification",
    "LexiconError",
    "_analyse",
    "_classify",
    "_ranked",
    "assess_urgency",
    "blend_scores",
    "classify_text",
    "detect_language",
    "fold",
    "normalised_words",
    "urgency_signals",
]


@dataclass(frozen=True)
class Classification:
    """What the classifier decided about one tip, and why."""

    category: str
    confidence: float
    runners_up: tuple[tuple[str, float], ...]
    evidence: tuple[str, ...]
    language: str
    is_unsure: bool
    urgency: str
    urgency_evidence: tuple[str, ...]
    # The learnt model's calibrated P(emergency), 0.0 when it stayed silent (a denied danger).
    urgency_probability: float = 0.0


# The learnt urgency model's calibrated P(emergency) bands and veto, chosen by cross-validation of
# this decision on the training files only (`python -m intake.classify.train --urgency-cv`; the
# retired blind sets among them): at or above EMERGENCY_PROBABILITY it is an emergency; from
# POSSIBLE_PROBABILITY up the model is unsure and the tip is a possible emergency (alerted as
# urgent, "check now" for staff). Out of fold on 7,500 tips: recall 94.3%, false alarms 4.7%
# (en 93.8%/4.8%, es 94.9%/4.7%); a band of 0.3 gave 95.5%/5.8%, C=30 94.5%/4.7%.
# Fresh tips: bench/README_classify.md.
EMERGENCY_PROBABILITY = 0.85
POSSIBLE_PROBABILITY = 0.4
# Under this P the model vetoes the frames' emergency (unless the frames saw an imminent threat).
VETO_PROBABILITY = 0.3


def _learnt_urgency(
    analysis: _Analysis, features: set[str]
) -> tuple[float | None, tuple[str, ...]]:
    """The learnt model's calibrated P(emergency) (None: silent) and the words that pushed it up."""
    scorer = urgency_model.default_urgency_model()
    signals = urgency_signals(analysis)
    if model_stays_silent(signals):
        return None, ()
    probability = scorer.probability(itertools.chain(features, signals))
    if probability < POSSIBLE_PROBABILITY:
        return probability, ()
    every = features | signals
    stop = _all_stopwords()
    # Evidence is content words: "her" or "the" may tip the score but explain nothing.
    content = [f for f in every if not f.startswith("w:") or (len(f) > 4 and f[2:] not in stop)]
    picked = set(scorer.strongest(content))
    text, tokens = analysis.text, analysis.tokens
    # Surface forms from the text itself, in reading order.
    return probability, _dedupe(
        text[t.start : t.end].lower() for t in tokens if model.word_shape(t.word) in picked
    )


def _with_learnt_urgency(
    analysis: _Analysis, features: set[str], urgency: str, evidence: tuple[str, ...]
) -> tuple[str, tuple[str, ...], float]:
    """The rules' urgency, raised by the learnt model, and its probability.

    The model lowers a rules emergency only when it is nearly sure there is none (P under
    VETO_PROBABILITY: a past, habitual, hypothetical or resolved event the frames read as now),
    and never one the frames made of an imminent threat or of a small child left alone
    (``unvetoed_emergency``), which the model learns poorly.
    """
    found, learnt = _learnt_urgency(analysis, features)
    if found is None:
        return urgency, evidence, 0.0
    probability = found
    if urgency == URGENCY_EMERGENCY:
        if probability < VETO_PROBABILITY and not unvetoed_emergency(analysis):
            return URGENCY_HIGH, evidence, probability
        return urgency, evidence, probability
    if probability >= EMERGENCY_PROBABILITY:
        return URGENCY_EMERGENCY, learnt or evidence, probability
    if probability >= POSSIBLE_PROBABILITY:
        return URGENCY_POSSIBLE, _dedupe((*evidence, *learnt)), probability
    return urgency, evidence, probability


def _model_evidence(
    words: Sequence[str], text: str, tokens: list[_Token], top: str, second: str
) -> tuple[str, ...]:
    nb = model.default_model()
    if top not in nb.classes or second not in nb.classes:
        return ()
    stop = _stopwords()
    content = [w for w in words if len(w) > 2 and all(w not in s for s in stop.values())]
    picked = {w for w, _ in nb.top_words(content, top, second)[:3]}
    # Surface forms from the text itself, in reading order.
    return _dedupe(text[t.start : t.end].lower() for t in tokens if t.word in picked)


# --------------------------------------------------------------------------- public API


def classify_text(
    text: str, *, extra_keywords: Mapping[str, Sequence[str]] | None = None
) -> Classification:
    """Classify one tip: category, confidence, runners-up, evidence, language and urgency."""
    return _classify(text, extra_keywords, use_urgency_model=True)


def _classify(
    text: str,
    extra_keywords: Mapping[str, Sequence[str]] | None,
    *,
    use_urgency_model: bool,
) -> Classification:
    """classify_text, with or without the learnt urgency model (without: the rules alone)."""
    extra = None
    if extra_keywords:
        frozen = tuple(sorted((code, tuple(words)) for code, words in extra_keywords.items()))
        extra = _extra_index(frozen)
    analysis = _analyse(text, extra)
    language = _language_from_tokens(text, analysis.tokens)
    lex_ranked = _ranked(analysis.scores, analysis.concepts)
    lex_top = lex_ranked[0][0] if lex_ranked and lex_ranked[0][1] >= MIN_CATEGORY_SCORE else None
    supported = language in SUPPORTED_LANGUAGES or language == "und"
    words = [t.word for t in analysis.tokens]
    features = model.features(words)
    nb = model.default_model()
    log_likelihoods, known = nb.log_likelihoods_of(features)
    regression = category_model.default_category_model()
    log_p, regression_known = regression.log_probabilities(features)
    if lex_top is None and (
        not (known or regression_known)
        or math.exp(max(log_p)) < model_floor(len(words))
        or not any(word.isalpha() for word in words)
    ):
        # Neither the lexicon nor a confident model knows this text, or it has no word made of
        # letters alone (a number, an amount, a plate): it stays "other".
        ranked: list[tuple[str, float]] = []
    else:
        combined = combine_models(log_likelihoods, nb.classes, log_p, regression.classes)
        ranked = blend_scores(analysis.scores, lex_top, combined, nb.classes)
    if ranked and ranked[0][0] != OTHER_CATEGORY:
        top = ranked[0][0]
        margin = ranked[0][1] - ranked[1][1] if len(ranked) > 1 else 99.0
        confidence = _blend_confidence(ranked)
        evidence = _dedupe(analysis.evidence.get(top, []))
        if not evidence:
            evidence = _model_evidence(words, text, analysis.tokens, top, ranked[1][0])
        runners = [(c, s) for c, s in ranked[1:4]]
    else:
        top, confidence, evidence, margin = OTHER_CATEGORY, 0.0, (), 0.0
        runners = [(c, s) for c, s in ranked[1:4]] if ranked else lex_ranked[:3]
    # Urgency stays rule-based; the blended category can only raise "normal" to "high".
    # The blended category feeds the danger frame: a robbery "happening right now" is one even
    # when the lexicon alone could not name the crime.
    urgency, urgency_evidence = _urgency(
        analysis, lex_top or OTHER_CATEGORY, top in DANGER_CATEGORIES
    )
    if urgency == URGENCY_NORMAL and top != (lex_top or OTHER_CATEGORY):
        urgency, urgency_evidence = _urgency(analysis, top, top in DANGER_CATEGORIES)
    probability = 0.0
    if use_urgency_model:
        # The learnt model backs the rules: it adds emergencies they miss, never removes one.
        urgency, urgency_evidence, probability = _with_learnt_urgency(
            analysis, features, urgency, urgency_evidence
        )
    if not supported:
        # Say so rather than guess: the lexicon only knows English and Spanish.
        runners = lex_ranked[:3]
        top, confidence, evidence = OTHER_CATEGORY, 0.0, ()
    is_unsure = not supported or top == OTHER_CATEGORY or margin < BLEND.unsure_margin
    return Classification(
        category=top,
        confidence=confidence,
        runners_up=tuple((c, round(s, 2)) for c, s in runners),
        evidence=evidence,
        language=language,
        is_unsure=is_unsure,
        urgency=urgency,
        urgency_evidence=urgency_evidence,
        urgency_probability=round(probability, 3),
    )


def assess_urgency(text: str, language: str) -> tuple[str, tuple[str, ...]]:
    """The tip's urgency (one of ``URGENCY_LEVELS``) and the words that decided it."""
    del language  # the cue lists hold every language we know; kept for callers' clarity
    analysis = _analyse(text)
    ranked = _ranked(analysis.scores, analysis.concepts)
    top = ranked[0][0] if ranked and ranked[0][1] >= MIN_CATEGORY_SCORE else OTHER_CATEGORY
    urgency, evidence = _urgency(analysis, top)
    words = [t.word for t in analysis.tokens]
    urgency, evidence, _ = _with_learnt_urgency(analysis, model.features(words), urgency, evidence)
    return urgency, evidence
