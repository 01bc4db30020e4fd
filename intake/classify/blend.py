"""Blending the lexicon's scores with the learnt category model's log-likelihoods (pure)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from intake.classify.category_rules import _CATEGORY_ORDER, OTHER_CATEGORY


@dataclass(frozen=True)
class BlendParams:
    """How lexicon scores and the learnt model's log-likelihoods are combined."""

    lexicon_weight: float  # per lexicon point, in log-probability units
    temperature: float  # divides the model's log-likelihoods (naive Bayes is overconfident)
    lexicon_top_bonus: float  # the lexicon's own choice (after its priority rules)
    other_bonus: float  # "other" wins when neither source knows the text
    strong_score: float  # lexicon evidence this strong for a STRONG category decides alone
    unsure_margin: float  # below this blended margin the result is flagged unsure
    # The logistic-regression category model's log-probabilities count this many times, the
    # naive Bayes log-likelihoods ``nb_share`` times, before the temperature divides both.
    regression_weight: float = 8.0
    nb_share: float = 1.0
    # With no lexicon evidence, text stays "other" unless the regression's own best class has at
    # least this probability (a plate number is no crime), or ``short_floor`` for a tip of at
    # most ``short_words`` words ("is anybody there", "ignore that, it was for my husband").
    # Out of fold on the training pool, short_floor 0.5, 0.6 and 0.7 file the same tips; 0.6
    # keeps a near-empty "Su aviso tiene 2 fotos." (P 0.51 child_abuse) in "other".
    confidence_floor: float = 0.12
    short_floor: float = 0.6
    short_words: int = 8


# Tuned by cross-validation on training.jsonl only (`python -m intake.classify.train --cv`); the
# regression's share, the naive Bayes share and other_bonus by `--category-cv` on all the
# category training files (retired blind sets included: 79.9% out of fold on 5,134 tips; the
# grid's best, regression x12, 80.0%: a tie).
BLEND = BlendParams(
    lexicon_weight=1.5,
    temperature=4.0,
    lexicon_top_bonus=0.5,
    other_bonus=1.0,
    strong_score=5.0,
    unsure_margin=1.0,
)
# Categories where a wrong queue does harm (a complaint in front of the officer's colleagues, a
# killing or a child's abuse missed): specific lexicon evidence there is trusted over the model.
# Domestic violence joined them when the models learnt "a gun" as weapons over a partner's threat
# with one ("mi ex viene esta noche a matarme, tiene una pistola"); out of fold it costs 0.1 point.
STRONG_CATEGORIES = frozenset(
    {
        "officer_conduct",
        "homicide",
        "child_abuse",
        "human_trafficking",
        "sexual_assault",
        "domestic_violence",
    }
)


def combine_models(
    nb_log_likelihoods: Sequence[float],
    nb_classes: Sequence[str],
    regression_log_p: Sequence[float],
    regression_classes: Sequence[str],
    params: BlendParams = BLEND,
) -> list[float]:
    """Per naive Bayes class: both learnt models' scores on one scale (the regression by code)."""
    by_code = dict(zip(regression_classes, regression_log_p, strict=True))
    # A class only the naive Bayes knows (an adopted candidate's) gets the regression's best.
    best = max(regression_log_p, default=0.0)
    return [
        params.regression_weight * by_code.get(code, best) + params.nb_share * ll
        for code, ll in zip(nb_classes, nb_log_likelihoods, strict=True)
    ]


def model_floor(word_count: int, params: BlendParams = BLEND) -> float:
    """The regression's least top probability for a tip without lexicon evidence to leave other."""
    return params.short_floor if word_count <= params.short_words else params.confidence_floor


def blend_scores(
    lexicon_scores: Mapping[str, float],
    lexicon_top: str | None,
    log_likelihoods: Sequence[float],
    classes: Sequence[str],
    params: BlendParams = BLEND,
) -> list[tuple[str, float]]:
    """Blended score per category, best first: lexicon points plus model log-probabilities."""
    scaled = [ll / params.temperature for ll in log_likelihoods]
    peak = max(scaled)
    log_z = peak + math.log(sum(math.exp(v - peak) for v in scaled))
    blended = {code: v - log_z for code, v in zip(classes, scaled, strict=True)}
    # A category the model was never taught (an administrator's own) gets the model's best
    # log-probability: the model abstains instead of voting against it.
    neutral = peak - log_z
    for code, score in lexicon_scores.items():
        if score > 0:
            base = blended.get(code, neutral)
            blended[code] = base + params.lexicon_weight * score
    if OTHER_CATEGORY in blended:
        blended[OTHER_CATEGORY] += params.other_bonus
    if lexicon_top is not None:
        blended[lexicon_top] += params.lexicon_top_bonus
        top_score = lexicon_scores.get(lexicon_top, 0.0)
        # The lexicon's priority rules (a partner's threat is domestic violence) already chose
        # the main crime over a higher-scoring one: that choice stands.
        reordered = top_score < max(lexicon_scores.values())
        if reordered or (lexicon_top in STRONG_CATEGORIES and top_score >= params.strong_score):
            blended[lexicon_top] = max(blended.values()) + params.unsure_margin
    return sorted(blended.items(), key=lambda kv: (-kv[1], _CATEGORY_ORDER.get(kv[0], 999), kv[0]))


def _blend_confidence(ranked: Sequence[tuple[str, float]]) -> float:
    peak = ranked[0][1]
    total = sum(math.exp(s - peak) for _, s in ranked)
    return round(1.0 / total, 3)
