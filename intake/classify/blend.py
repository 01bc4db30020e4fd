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


# Tuned by cross-validation on training.jsonl only (`python -m intake.classify.train --cv`).
BLEND = BlendParams(
    lexicon_weight=1.5,
    temperature=4.0,
    lexicon_top_bonus=0.5,
    other_bonus=2.0,
    strong_score=5.0,
    unsure_margin=1.0,
)
# Categories where a wrong queue does harm (a complaint in front of the officer's colleagues, a
# killing or a child's abuse missed): specific lexicon evidence there is trusted over the model.
STRONG_CATEGORIES = frozenset(
    {"officer_conduct", "homicide", "child_abuse", "human_trafficking", "sexual_assault"}
)


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
