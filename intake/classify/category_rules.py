"""Category scores from lexicon phrases and concept combinations, and their ranking (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from intake.classify.phrases import _default_index, _Hit, _Index, _scan, _surface
from intake.classify.taxonomy import DEFAULT_CATEGORIES
from intake.classify.text import _Token, _tokens

OTHER_CATEGORY = "other"

# Below this lexicon score the lexicon claims no category (the model may still find one).
MIN_CATEGORY_SCORE = 1.5
NEGATED_CATEGORY_FACTOR = 0.5


_COMBOS: tuple[tuple[tuple[str, ...], str, float], ...] = (
    (("partner", "violence"), "domestic_violence", 3.5),
    (("child", "violence"), "child_abuse", 3.0),
    (("child", "neglect"), "child_abuse", 3.0),
    (("child", "sexual"), "child_abuse", 3.5),
    (("steal", "vehicle"), "vehicle_theft", 3.0),
    (("breakin", "premises"), "burglary", 3.0),
    (("drugsale", "drugword"), "drugs", 2.0),
    (("drugsale", "weaponword"), "weapons", 2.5),
    (("officerword", "misconduct"), "officer_conduct", 3.5),
    (("officerword", "praise"), "officer_conduct", 3.5),
    (("threatword", "harm"), "threat", 2.0),
    (("harm", "future"), "threat", 3.0),
    (("harm", "soon"), "threat", 2.0),
    (("partner", "harm"), "domestic_violence", 5.0),
    (("partner", "threatword"), "domestic_violence", 4.0),
    (("robverb", "armed"), "robbery", 3.0),
    (("robverb", "weaponword"), "robbery", 2.0),
    (("violence", "deathword"), "homicide", 2.5),
    (("school", "weaponword"), "threat", 2.5),
    (("school", "harm"), "threat", 2.5),
)
_CATEGORY_ORDER = {c.code: i for i, c in enumerate(DEFAULT_CATEGORIES)}


@dataclass
class _Analysis:
    text: str
    tokens: list[_Token]
    hits: list[_Hit]
    scores: dict[str, float]
    evidence: dict[str, list[str]]
    concepts: frozenset[str] = frozenset()
    cues: dict[int, dict[str, list[_Hit]]] | None = None  # urgency cues, filled at first use


def _analyse(text: str, extra: _Index | None = None) -> _Analysis:
    _, tokens = _tokens(text)
    hits = _scan(tokens, _default_index())
    if extra is not None:
        hits.extend(_scan(tokens, extra))
    scores: dict[str, float] = {}
    evidence: dict[str, list[str]] = {}
    concepts: dict[str, list[_Hit]] = {}
    for hit in hits:
        entry = hit.entry
        if entry.group == "cat":
            weight = entry.weight * (NEGATED_CATEGORY_FACTOR if hit.negated else 1.0)
            scores[entry.target] = scores.get(entry.target, 0.0) + weight
            evidence.setdefault(entry.target, []).append(_surface(text, tokens, hit))
        elif not hit.negated:
            concepts.setdefault(entry.target, []).append(hit)
    for names, code, weight in _COMBOS:
        if all(name in concepts for name in names):
            scores[code] = scores.get(code, 0.0) + weight
            for name in names:
                evidence.setdefault(code, []).append(_surface(text, tokens, concepts[name][0]))
    return _Analysis(text, tokens, hits, scores, evidence, frozenset(concepts))


# When several crimes are told, the one the tip is about wins: a threat or a beating by a
# partner is domestic violence. (winner, categories it beats, concept that must be present)
_PRIORITIES: tuple[tuple[str, frozenset[str], str], ...] = (
    ("domestic_violence", frozenset({"threat", "assault"}), "partner"),
)
PRIORITY_SHARE = 0.5  # the winner needs at least this share of the top score


def _ranked(
    scores: Mapping[str, float], concepts: frozenset[str] = frozenset()
) -> list[tuple[str, float]]:
    ranked = sorted(
        ((c, s) for c, s in scores.items() if s > 0),
        key=lambda kv: (-kv[1], _CATEGORY_ORDER.get(kv[0], 999), kv[0]),
    )
    if len(ranked) > 1:
        top, top_score = ranked[0]
        for winner, beats, concept in _PRIORITIES:
            if top not in beats or concept not in concepts:
                continue
            for i, (code, score) in enumerate(ranked[1:], 1):
                if code == winner and score >= PRIORITY_SHARE * top_score:
                    ranked.insert(0, ranked.pop(i))
                    break
    return ranked


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
