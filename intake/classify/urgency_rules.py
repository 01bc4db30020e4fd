"""Urgency by rules: danger, time and canceller frames per sentence (pure).

The learnt urgency model that backs these rules is combined with them in ``rules.py``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping

from intake.classify import lexicon
from intake.classify.category_rules import _Analysis, _dedupe
from intake.classify.phrases import _Entry, _Hit, _surface
from intake.classify.text import _Token, fold

URGENCY_EMERGENCY = "emergency"
# The learnt model thinks it may be one but is unsure: alerted and acknowledged as urgent,
# shown to staff as "check now".
URGENCY_POSSIBLE = "possible_emergency"
URGENCY_HIGH = "high"
URGENCY_NORMAL = "normal"
# Most urgent first; the levels that alert supervisors and tell the tipster to call 911.
URGENCY_LEVELS: tuple[str, ...] = (
    URGENCY_EMERGENCY,
    URGENCY_POSSIBLE,
    URGENCY_HIGH,
    URGENCY_NORMAL,
)
ALERTING_URGENCIES: frozenset[str] = frozenset({URGENCY_EMERGENCY, URGENCY_POSSIBLE})


def _urgency(
    analysis: _Analysis, top_category: str, danger_category: bool = False
) -> tuple[str, tuple[str, ...]]:
    """Urgency from three frames per sentence (and per pair of adjacent sentences).

    A danger frame (violence, a weapon, a body in danger, fire, a child at risk, a drunk
    driver; or, more weakly, a dangerous category the blended classifier chose), a time frame
    (now, a present-progressive verb, a recent past with the danger still there, an imminent
    future) and cancellers (a distant past, habit, a condition, fiction or news, a joke).
    Emergency = danger and a near time, unless a canceller dominates.
    """
    text, tokens = analysis.text, analysis.tokens
    by_sentence = _sentence_cues(analysis)
    sentences = sorted(by_sentence)
    windows = [by_sentence[s] for s in sentences]
    windows += [
        _merge(by_sentence[a], by_sentence[b])
        for a, b in itertools.pairwise(sentences)
        if b == a + 1
    ]
    for cues in windows:
        decided = _emergency_cues(cues, danger_category)
        if decided:
            return URGENCY_EMERGENCY, _dedupe(
                _surface(text, tokens, h) for name in decided for h in cues.get(name, [])
            )
    serious: list[str] = []
    all_cues = _merge(*by_sentence.values()) if by_sentence else {}
    if top_category in lexicon.HIGH_URGENCY_CATEGORIES:
        serious.extend(analysis.evidence.get(top_category, [])[:3])
    for name in ("armed", "held", "ongoing", "harm", "medical", "abduct"):
        for hit in all_cues.get(name, []):
            serious.append(_surface(text, tokens, hit))
    if top_category == "threat" and "threatword" in all_cues:
        serious.extend(_surface(text, tokens, h) for h in all_cues["threatword"])
    if serious:
        return URGENCY_HIGH, _dedupe(serious)
    return URGENCY_NORMAL, ()


# The frames the learnt model may not veto: what is about to happen (a threat for tonight, a
# weapon brought to school tomorrow), which it learns poorly, and a small child left alone or
# neglected with the state still holding ("crying alone since last night"), whose words are
# calm ones the model reads as a habit or a past.
_UNVETOED_FRAMES = frozenset(
    {"soon", "coming", "future", "want", "school", "bring", "alone", "neglect"}
)


def unvetoed_emergency(analysis: _Analysis) -> bool:
    """Whether a window of the tip is an emergency by a frame the learnt model may not veto."""
    by_sentence = _sentence_cues(analysis)
    sentences = sorted(by_sentence)
    windows = [by_sentence[s] for s in sentences]
    windows += [
        _merge(by_sentence[a], by_sentence[b])
        for a, b in itertools.pairwise(sentences)
        if b == a + 1
    ]
    return any(not _UNVETOED_FRAMES.isdisjoint(_emergency_cues(cues)) for cues in windows)


def _sentence_cues(analysis: _Analysis) -> dict[int, dict[str, list[_Hit]]]:
    """Urgency cues per sentence, cancelling phrases applied; computed once per analysis."""
    if analysis.cues is not None:
        return analysis.cues
    tokens = analysis.tokens
    by_sentence: dict[int, dict[str, list[_Hit]]] = {}
    cancel_spans: dict[str, list[tuple[int, int]]] = {}
    for hit in analysis.hits:
        entry = hit.entry
        if entry.group == "cat":
            if not hit.negated and entry.target in _DANGER_NOW_CATEGORIES:
                # Evidence of a violent crime, kept per sentence: with "right now" it is one.
                sentence = tokens[hit.first].sentence
                by_sentence.setdefault(sentence, {}).setdefault(_VIOLENT_CRIME, []).append(hit)
            continue
        if entry.target == "joke" and hit.negated:
            # "he's not joking this time", "no es broma": the opposite of a joke marker.
            continue
        if entry.target in _CANCELS:
            cancel_spans.setdefault(entry.target, []).append((hit.first, hit.last))
            continue
        if hit.negated and entry.target in _NEGATABLE:
            continue
        sentence = tokens[hit.first].sentence
        by_sentence.setdefault(sentence, {}).setdefault(entry.target, []).append(hit)
    for hit in _progressive_hits(tokens):
        cues_here = by_sentence.setdefault(tokens[hit.first].sentence, {})
        cues_here.setdefault(_PROGRESSIVE, []).append(hit)
    # A cue inside a cancelling phrase is not that cue: "esta mañana" is this morning, not
    # tomorrow; "now he says" reports talk, not danger now; "kill it" is praise, and so is a
    # crime phrase that ends in it ("going to kill it at the talent show").
    for canceller, spans in cancel_spans.items():
        for cues in by_sentence.values():
            for name in _CANCELS[canceller]:
                found = cues.get(name)
                if not found:
                    continue
                # A crime phrase is cancelled by overlapping the span, other cues by starting in it.
                overlap = name == _VIOLENT_CRIME
                kept = [
                    h
                    for h in found
                    if not any(
                        (h.first < b and a < h.last) if overlap else a <= h.first < b
                        for a, b in spans
                    )
                ]
                if kept:
                    cues[name] = kept
                else:
                    del cues[name]
    analysis.cues = by_sentence
    return by_sentence


def model_stays_silent(signals: frozenset[str]) -> bool:
    """Whether the learnt urgency model may not speak: the only danger is denied ("he doesn't
    have a gun") or an idiom ("going to kill it at the talent show"), which n-grams cannot see."""
    return "r:danger" not in signals and ("r:denied" in signals or "r:idiom" in signals)


def urgency_signals(analysis: _Analysis) -> frozenset[str]:
    """The urgency rules' frames found in a tip, as "r:" features for the learnt model."""
    found: set[str] = set()
    cancel = False
    for cues in _sentence_cues(analysis).values():
        danger = not _SIGNAL_DANGER.isdisjoint(cues)
        near = not _SIGNAL_TIME.isdisjoint(cues)
        if danger:
            found.add("r:danger")
        if near:
            found.add("r:time")
        if danger and near:
            found.add("r:danger_time")
        if not _SIGNAL_CANCEL.isdisjoint(cues):
            cancel = True
    if cancel:
        found.add("r:cancel")
    elif "r:danger_time" in found:
        found.add("r:danger_time_clean")
    if any(h.entry.target == "idiom" for h in analysis.hits):
        # "kill it at the talent show", "me va a matar si llego tarde": harm words as praise.
        found.add("r:idiom")
    if any(h.negated and h.entry.target in _NEGATABLE for h in analysis.hits):
        # A denied danger ("he doesn't have a gun", "no está armado"): n-grams cannot see it.
        found.add("r:denied")
    return frozenset(found)


_PROGRESSIVE = "_progressive_"  # pseudo-cue: a verb in the present progressive
_NEGATABLE = frozenset(
    {
        "harm",
        "armed",
        "ongoing",
        "held",
        "help",
        "weaponword",
        "violence",
        "violent_ing",
        "fireword",
        "school",
        "abduct",
        "drunk",
    }
)
# Cues that put a person in danger by themselves; with a near time they make an emergency.
_STRONG_DANGER = (
    "ongoing",
    "armed",
    "held",
    "violent_ing",
    "abduct",
    "gunfire",
    "harm",
    "weaponword",
    "_VIOLENT_CRIME_",
)
_DANGER = ("harm", "armed", "weaponword", "violence", "ongoing", "held", "violent_ing")
# Concepts whose phrases cancel other cues found inside them.
_CANCELS: dict[str, tuple[str, ...]] = {
    "morning": ("soon",),
    "not_now": ("now",),
    "idiom": ("harm", "violent_ing", _PROGRESSIVE, "_VIOLENT_CRIME_"),
    "recent": ("past",),
    "yes_si": ("conditional",),
    "weather": ("past",),
    "was_state": ("medical",),
}
# Crimes that endanger someone when they are happening now ("fight outside right now").
_DANGER_NOW_CATEGORIES = frozenset(
    {
        "homicide",
        "shooting",
        "weapons",
        "assault",
        "domestic_violence",
        "sexual_assault",
        "robbery",
        "burglary",
        "arson",
        "threat",
    }
)
# Categories the blended classifier may choose that put someone in danger when happening now.
DANGER_CATEGORIES = _DANGER_NOW_CATEGORIES - {"weapons", "threat"}
_VIOLENT_CRIME = "_VIOLENT_CRIME_"  # pseudo-cue: category evidence for one of the above

# Signals of the urgency frames for the learnt urgency model: a linear model cannot see that
# danger and a near time go together, so their conjunction is a feature of its own.
_SIGNAL_DANGER = frozenset(
    {
        *("ongoing", "armed", "held", "violent_ing", "abduct", "gunfire", "harm", "weaponword"),
        *("medical", "overdose", "child_danger", "impaired", "missing_now", "fireword"),
        *("violence", "drunk", _VIOLENT_CRIME),
    }
)
_SIGNAL_TIME = frozenset(
    {"now", "here", "recent_mark", "still_mark", "still", "soon", "coming", _PROGRESSIVE}
)
_SIGNAL_CANCEL = frozenset(
    {"past", "caught", "habitual", "media", "joke", "someday", "conditional"}
)

# Words ending like a gerund that are not verbs.
_NOT_GERUNDS = frozenset(
    fold(
        """thing things something nothing anything everything morning evening building ceiling
        during king ring sing bring spring string wing sibling darling wedding meeting parking
        shopping clothing housing pudding cuando mando comando bando blando armando fernando
        orlando rolando hernando"""
    ).split()
)
# A present auxiliary before a gerund makes it "happening now" ("is beating", "están
# golpeando", "hay un hombre apuñalando"); a habit marker makes it a pattern ("keeps grabbing",
# "anda tocando").
_PRESENT_AUX = frozenset(
    fold("is are am esta estan estoy estamos sigue siguen hay there theres").split()
)
_HABIT_AUX = frozenset(fold("keeps keep kept anda andan pasa was were been estaba estaban").split())
AUX_REACH = 6
_SUBJECTS = frozenset(
    fold("he she they we you i someone somebody people ppl yall everybody everyone").split()
)
_GERUND_RE = re.compile(
    r"^[a-z]{2,}(?:ing|ando|iendo|yendo)(?:se|me|te|lo|la|le|los|las|les|nos)?$"
)


_PLACE_WORDS = frozenset(
    {
        *("the", "a", "an", "my", "your", "his", "her", "their", "our", "this", "that"),
        *("school", "work", "church", "home", "there", "here"),
    }
)


def _is_going_to_future(tokens: list[_Token], i: int) -> bool:
    """ "going to" followed by a verb (not by a place: "going to the store")."""
    if tokens[i].word != "going" or i + 1 >= len(tokens) or tokens[i + 1].word != "to":
        return False
    return i + 2 >= len(tokens) or tokens[i + 2].word not in _PLACE_WORDS


def _progressive_hits(tokens: list[_Token]) -> list[_Hit]:
    """Gerunds after a present auxiliary ("is beating", "están golpeando"): happening now."""
    found = []
    for i, tok in enumerate(tokens):
        word = tok.word
        if len(word) < 5 or word in _NOT_GERUNDS or not _GERUND_RE.match(word):
            continue
        if _is_going_to_future(tokens, i):
            # "is going to kill me" is the future (an intent, with no time), not an act now;
            # "is going to her house with a gun" is a movement, now.
            continue
        if i and tokens[i - 1].word in _SUBJECTS and tokens[i - 1].sentence == tok.sentence:
            # "he's beating her" (the 's is dropped: it may be "has"), "hes beating her", and
            # the zero copula "they shootin at the cookout": a subject right before the gerund.
            found.append(_Hit(_Entry((word,), _PROGRESSIVE, _PROGRESSIVE, 0.0), i, i + 1, False))
            continue
        for j in range(i - 1, max(-1, i - 1 - AUX_REACH), -1):
            before = tokens[j]
            if before.sentence != tok.sentence or before.word in _HABIT_AUX:
                break
            if before.word in _PRESENT_AUX:
                entry = _Entry((word,), _PROGRESSIVE, _PROGRESSIVE, 0.0)
                found.append(_Hit(entry, i, i + 1, False))
                break
    return found


def _merge(*parts: Mapping[str, list[_Hit]]) -> dict[str, list[_Hit]]:
    merged: dict[str, list[_Hit]] = {}
    for part in parts:
        for name, hits in part.items():
            merged.setdefault(name, []).extend(hits)
    return merged


def _overlaps(cues: Mapping[str, list[_Hit]], name: str, others: Iterable[str]) -> bool:
    spans = [(h.first, h.last) for other in others for h in cues.get(other, [])]
    return any(a <= h.first < b for h in cues.get(name, []) for a, b in spans)


# A bare "now"/"ahora" also says "these days" ("he lives in Hyde Park now"): on its own it
# times a crime only when the lexicon found the crime's own words.
_WEAK_NOW = frozenset({("now",), ("ahora",)})
# Crimes whose evidence, with a near time, is a person in danger; a weapon for sale or a
# threat's wording is not, by itself.
_PERSON_CRIMES = _DANGER_NOW_CATEGORIES - {"weapons", "threat", "sexual_assault"}


def _emergency_cues(
    cues: Mapping[str, list[_Hit]], danger_category: bool = False
) -> tuple[str, ...]:
    """Names of the cues that make this window an emergency, or () when it is not one."""
    has = cues.__contains__
    # --- cancellers
    past = has("past") or has("caught")
    distant = past or has("habitual")
    unreal = has("media") or has("joke") or has("someday")
    iffy = unreal or has("conditional")
    # --- time frame. "He is outside my door" is as present as "right now" for a person; for
    # a crime scene it is only a place ("burned my car in front of my house").
    now_time = has("now")
    strong_now = any(h.entry.words not in _WEAK_NOW for h in cues.get("now", []))
    now = now_time or has("here")
    now_name = "now" if now_time else "here"
    recent = has("recent_mark") or has("still_mark")
    recent_name = "recent_mark" if has("recent_mark") else "still_mark"
    soon, coming, future = has("soon"), has("coming"), has("future")
    # --- danger frame
    strong = [d for d in _STRONG_DANGER if has(d)]
    person = [d for d in strong if d not in (_VIOLENT_CRIME, "gunfire", "weaponword")]
    crime = [h for h in cues.get(_VIOLENT_CRIME, []) if h.entry.target in _PERSON_CRIMES]
    progressive = _overlaps(cues, _PROGRESSIVE, person) or _overlaps(
        {_PROGRESSIVE: cues.get(_PROGRESSIVE, []), _VIOLENT_CRIME: crime},
        _PROGRESSIVE,
        (_VIOLENT_CRIME,),
    )

    # States that are present by their nature: a body in danger, someone held, a child in a
    # hot car, a fire burning.
    if has("ongoing") and (now or not past) and not unreal:
        return ("ongoing",) + ((now_name,) if now else ())
    dead = has("deathword") and not now
    if has("medical") and not (distant or unreal or dead):
        return ("medical",)
    if has("overdose") and not distant:
        return ("overdose",)
    if has("held") and (now_time or recent or progressive) and not (distant or iffy):
        return ("held", "now" if now_time else recent_name if recent else _PROGRESSIVE)
    if has("child_danger") and not past:
        return ("child_danger",)
    if has("child") and has("alone") and not iffy:
        if has("in_vehicle") or has("road"):
            return ("child", "alone", "in_vehicle" if has("in_vehicle") else "road")
        if now or has("still"):
            return ("child", "alone", now_name if now else "still")
    if has("child") and has("neglect") and (now or has("still")) and not iffy:
        return ("child", "neglect", now_name if now else "still")
    if (
        has("missing_now")
        and (has("child") or has("vulnerable"))
        and (now or recent)
        and not (past or iffy)
    ):
        return ("missing_now", now_name if now else recent_name)
    # A drunk, swerving or wrong-way driver: told in the present, it is on the road now.
    if has("impaired") and not (distant or iffy):
        return ("impaired",)
    if has("drunk") and has("driving") and (now or recent or has(_PROGRESSIVE)) and not distant:
        return ("drunk", "driving")
    # Violence, a weapon, someone held: with now, a present-progressive danger verb, or a
    # recent past with the danger still there (the attacker still around, fleeing armed).
    if strong and not iffy:
        if strong_now and not (distant and not has("recent")):
            return (strong[0], "now")
        if now and person and not past:
            return (person[0], now_name)
        if now_time and crime and not past:
            return (_VIOLENT_CRIME, "now")
        if progressive and not distant:
            return (_PROGRESSIVE,)
        if recent and (person or crime) and not (distant or has("conditional")):
            return ((person[0] if person else _VIOLENT_CRIME), recent_name)
        if has("fleeing") and (has("recent_mark") or has("armed")) and not distant:
            return (strong[0], "fleeing")
    if has("help") and not past and any(has(d) for d in _DANGER):
        return ("help", next(d for d in _DANGER if has(d)))
    # The blended classifier says violent crime, and the tip says it is happening now.
    if danger_category and strong_now and not (distant or iffy):
        return ("now",)
    # Imminent: tonight, tomorrow, on his way; or intent with the means in hand, or from
    # someone who has just used violence.
    means = has("armed") or has("weaponword") or has("fuel")
    if has("harm") and (soon or coming) and not unreal:
        return ("harm", "soon" if soon else "coming")
    if has("armed") and (soon or coming) and not unreal:
        return ("armed", "soon" if soon else "coming")
    intent = (future or has("want")) and not (past or iffy)
    # A threat left at the door is one the threatener can carry out, condition or not.
    if (
        has("harm")
        and (future or has("want"))
        and not (past or unreal)
        and (has("here") or (intent and (means or recent or has("lately"))))
    ):
        return ("harm", "future" if future else "want")
    if has("school") and (has("weaponword") or has("harm")) and (soon or (intent and future)):
        return (
            "school",
            "weaponword" if has("weaponword") else "harm",
            "soon" if soon else "future",
        )
    # "There will be a shooting on Friday" written at a school: gunfire foretold for a day.
    if has("school") and has("gunfire") and soon and future and not (past or unreal):
        return ("school", "gunfire", "soon")
    if has("weaponword") and has("bring") and (soon or has("school")) and not (past or iffy):
        return ("weaponword", "bring", "soon" if soon else "school")
    return ()
