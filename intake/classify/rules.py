"""Tip classifier: category, confidence, evidence, language and urgency, by weighted lexicon rules.

Pure functions over the word lists in ``lexicon.py``. Everything heavy (parsing the lists,
building the phrase index) happens once, at first use; a call is a single pass over the tokens.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from intake.classify import lexicon, model, urgency_model
from intake.classify.taxonomy import DEFAULT_CATEGORIES

SUPPORTED_LANGUAGES: frozenset[str] = frozenset({"en", "es"})
OTHER_CATEGORY = "other"

# Below this lexicon score the lexicon claims no category (the model may still find one).
MIN_CATEGORY_SCORE = 1.5
NEGATED_CATEGORY_FACTOR = 0.5
NEGATION_WINDOW = 3

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


class LexiconError(Exception):
    """A word list entry cannot be parsed."""


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


# --------------------------------------------------------------------------- text normalisation

_FOLD = str.maketrans(
    "áàâäãåāéèêëēíìîïīóòôöõøōúùûüūñçýÿ’‘`´",
    "aaaaaaaeeeeeiiiiiooooooouuuuuncyy''''",
)
_TOKEN_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[.!?;\n]+")
_SENTENCE_CHARS = frozenset(".!?;\n")

# Contractions written without an apostrophe, as people type them in texts.
_EXPANSIONS: dict[str, tuple[str, ...]] = {
    "dont": ("do", "not"),
    "doesnt": ("does", "not"),
    "didnt": ("did", "not"),
    "isnt": ("is", "not"),
    "wasnt": ("was", "not"),
    "arent": ("are", "not"),
    "werent": ("were", "not"),
    "cant": ("can", "not"),
    "cannot": ("can", "not"),
    "wont": ("will", "not"),
    "aint": ("not",),
    "havent": ("have", "not"),
    "hasnt": ("has", "not"),
    "shouldnt": ("should", "not"),
    "couldnt": ("could", "not"),
    "wouldnt": ("would", "not"),
    "theyre": ("they", "are"),
    "youre": ("you", "are"),
    "hes": ("he",),
    "shes": ("she",),
    "im": ("i", "am"),
    "q": ("que",),
    "k": ("que",),
    "xq": ("porque",),
    "pq": ("porque",),
    "u": ("you",),
    "ur": ("your",),
}
_APOSTROPHE_SUFFIXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("n't", ("not",)),
    ("'ll", ("will",)),
    ("'re", ("are",)),
    ("'ve", ("have",)),
    ("'m", ("am",)),
    ("'d", ("would",)),
    ("'s", ()),
)
_SPECIAL_NEGATIVE_BASES = {"ca": "can", "wo": "will", "ai": ""}


@dataclass(frozen=True)
class _Token:
    word: str
    start: int
    end: int
    sentence: int


def fold(text: str) -> str:
    """Lowercase and strip Latin accents, keeping the string's length (offsets stay valid)."""
    return text.lower().translate(_FOLD)


def _tokens(text: str) -> tuple[str, list[_Token]]:
    folded = fold(text)
    out: list[_Token] = []
    sentence = 0
    for m in _TOKEN_RE.finditer(folded):
        raw = m.group()
        if raw[0] in _SENTENCE_CHARS:
            sentence += 1
            continue
        start, end = m.span()
        for word in _expand(raw):
            out.append(_Token(word, start, end, sentence))
    return folded, out


def _expand(raw: str) -> tuple[str, ...]:
    if "'" in raw:
        for suffix, extra in _APOSTROPHE_SUFFIXES:
            if raw.endswith(suffix):
                base = raw[: -len(suffix)]
                if suffix == "n't":
                    base = _SPECIAL_NEGATIVE_BASES.get(base, base)
                base = base.replace("'", "")
                return tuple(w for w in (base, *extra) if w)
        return (raw.replace("'", ""),)
    return _EXPANSIONS.get(raw, (raw,))


# --------------------------------------------------------------------------- lexicon index

_CLITICS = ("", "me", "te", "lo", "la", "le", "nos", "los", "las", "les")


@dataclass(frozen=True)
class _Entry:
    words: tuple[str, ...]  # a word ending in "*" is a prefix
    group: str  # "cat" for categories, else the concept name
    target: str  # category code or concept name
    weight: float


@dataclass
class _Index:
    exact: dict[str, list[_Entry]] = field(default_factory=dict)
    prefix: dict[str, list[_Entry]] = field(default_factory=dict)
    max_prefix: int = 0
    min_prefix: int = 99
    # word -> its candidate phrases; the same words recur in every tip, and the lists never change
    # once the index is built.
    memo: dict[str, list[_Entry]] = field(default_factory=dict)


def _split_items(spec: str) -> Iterable[str]:
    for item in spec.replace("\n", " ").split(";"):
        item = " ".join(item.split())
        if item:
            yield item


def _variants(phrase: str) -> list[tuple[str, ...]]:
    words = fold(phrase).split()
    variants: list[tuple[str, ...]] = [()]
    for word in words:
        stems = [word[:-1] + c for c in _CLITICS] if word.endswith("+") else [word]
        variants = [(*v, s) for v in variants for s in stems]
    return variants


def _add(index: _Index, entry: _Entry) -> None:
    first = entry.words[0]
    if first.endswith("*"):
        key = first[:-1]
        index.prefix.setdefault(key, []).append(entry)
        index.max_prefix = max(index.max_prefix, len(key))
        index.min_prefix = min(index.min_prefix, len(key))
    else:
        index.exact.setdefault(first, []).append(entry)


def _parse_weighted(spec: str, group: str, target: str | None) -> list[_Entry]:
    entries = []
    for item in _split_items(spec):
        phrase, _, weight_text = item.rpartition("=")
        if not phrase:
            raise LexiconError(f"entry without weight in {target!r}: {item!r}")
        if phrase.startswith("@"):
            continue
        try:
            weight = float(weight_text)
        except ValueError as exc:
            raise LexiconError(f"bad weight in {target!r}: {item!r}") from exc
        for words in _variants(phrase):
            entries.append(_Entry(words, group, target or "", weight))
    return entries


def _parse_concept(spec: str, name: str) -> list[_Entry]:
    return [
        _Entry(words, name, name, 0.0) for item in _split_items(spec) for words in _variants(item)
    ]


@lru_cache(maxsize=1)
def _default_index() -> _Index:
    index = _Index()
    for code, spec in lexicon.CATEGORY_TERMS.items():
        for entry in _parse_weighted(spec, "cat", code):
            _add(index, entry)
    for table in (lexicon.CONCEPT_TERMS, lexicon.URGENCY_TERMS):
        for name, spec in table.items():
            for entry in _parse_concept(spec, name):
                _add(index, entry)
    return index


@lru_cache(maxsize=64)
def _extra_index(extra: tuple[tuple[str, tuple[str, ...]], ...]) -> _Index:
    index = _Index()
    for code, words in extra:
        for phrase in words:
            for variant in _variants(phrase):
                if variant:
                    _add(index, _Entry(variant, "cat", code, 3.0))
    return index


@lru_cache(maxsize=1)
def _stopwords() -> dict[str, frozenset[str]]:
    return {lang: frozenset(fold(words).split()) for lang, words in lexicon.STOPWORDS.items()}


@lru_cache(maxsize=1)
def _all_stopwords() -> frozenset[str]:
    return frozenset().union(*_stopwords().values())


def _word_matches(pattern: str, word: str) -> bool:
    if pattern == "#":
        return word.isdigit()
    if pattern.endswith("*"):
        return word.startswith(pattern[:-1])
    return word == pattern or (len(pattern) > 2 and word in (pattern + "s", pattern + "es"))


@lru_cache(maxsize=65536)
def _matcher(pattern: str) -> tuple[str, frozenset[str] | str]:
    """A pattern compiled once: the exact words it accepts, or the prefix it needs."""
    if pattern == "#":
        return ("digit", "")
    if pattern.endswith("*"):
        return ("prefix", pattern[:-1])
    accepted = {pattern}
    if len(pattern) > 2:
        accepted.update((pattern + "s", pattern + "es"))
    return ("exact", frozenset(accepted))


def _rest_matches(patterns: tuple[str, ...], words: list[str], i: int) -> bool:
    """Whether the phrase's words after the first match the text from position ``i``.

    Same answers as :func:`_word_matches` word by word, without a call per word: this runs for
    every candidate phrase at every position, the hot loop of classification.
    """
    for k in range(1, len(patterns)):
        kind, data = _matcher(patterns[k])
        word = words[i + k]
        if kind == "exact":
            if word not in data:
                return False
        elif kind == "prefix":
            if not word.startswith(data):  # type: ignore[arg-type]
                return False
        elif not word.isdigit():
            return False
    return True


def _candidates(index: _Index, word: str) -> list[_Entry]:
    cached = index.memo.get(word)
    if cached is None:
        cached = _find_candidates(index, word)
        if len(index.memo) < 50_000:
            index.memo[word] = cached
    return cached


def _find_candidates(index: _Index, word: str) -> list[_Entry]:
    found: list[_Entry] = []
    hit = index.exact.get(word)
    if hit:
        found.extend(hit)
    # Light plural stemming: "guns" finds "gun", "casquillos" finds "casquillo".
    if len(word) > 3 and word.endswith("s"):
        hit = index.exact.get(word[:-1])
        if hit:
            found.extend(hit)
        if word.endswith("es"):
            hit = index.exact.get(word[:-2])
            if hit:
                found.extend(hit)
    if index.prefix:
        for n in range(index.min_prefix, min(len(word), index.max_prefix) + 1):
            hit = index.prefix.get(word[:n])
            if hit:
                found.extend(hit)
    return found


# --------------------------------------------------------------------------- scanning


@dataclass(frozen=True)
class _Hit:
    entry: _Entry
    first: int  # token positions, inclusive..exclusive
    last: int
    negated: bool


def _scan(tokens: list[_Token], index: _Index) -> list[_Hit]:
    """Longest match per group at each position; later positions inside a match are skipped."""
    hits: list[_Hit] = []
    blocked_until: dict[str, int] = {}
    words = [t.word for t in tokens]
    n = len(words)
    for i in range(n):
        cands = _candidates(index, words[i])
        if not cands:
            continue
        best: dict[str, tuple[int, list[_Entry]]] = {}
        for entry in cands:
            size = len(entry.words)
            if i + size > n or blocked_until.get(entry.group, 0) > i:
                continue
            if size > 1 and not _rest_matches(entry.words, words, i):
                continue
            current = best.get(entry.group)
            if current is None or size > current[0]:
                best[entry.group] = (size, [entry])
            elif size == current[0] and all(e.target != entry.target for e in current[1]):
                # The same phrase found twice (as written and via plural stemming) counts once.
                current[1].append(entry)
        if not best:
            continue
        negated = _is_negated(tokens, i)
        for group, (size, entries) in best.items():
            blocked_until[group] = i + size
            for entry in entries:
                hits.append(_Hit(entry, i, i + size, negated))
    return hits


_NEGATORS = frozenset(fold(lexicon.URGENCY_TERMS["negator"]).replace(";", " ").split()) | {"not"}
_NEGATION_BREAKERS = frozenset({"but", "pero", "and", "y", "though", "aunque", "sino"})


def _is_negated(tokens: list[_Token], i: int) -> bool:
    sentence = tokens[i].sentence
    for j in range(i - 1, max(-1, i - 1 - NEGATION_WINDOW), -1):
        tok = tokens[j]
        if tok.sentence != sentence or tok.word in _NEGATION_BREAKERS:
            return False
        if tok.word in _NEGATORS:
            return True
    return False


def _surface(text: str, tokens: list[_Token], hit: _Hit) -> str:
    return " ".join(text[tokens[hit.first].start : tokens[hit.last - 1].end].lower().split())


# --------------------------------------------------------------------------- language


_SCRIPT_RANGES: tuple[tuple[str, int, int], ...] = (
    ("zh", 0x4E00, 0x9FFF),
    ("ja", 0x3040, 0x30FF),
    ("ko", 0xAC00, 0xD7AF),
    ("ar", 0x0600, 0x06FF),
    ("ru", 0x0400, 0x04FF),
    ("he", 0x0590, 0x05FF),
    ("hi", 0x0900, 0x097F),
    ("th", 0x0E00, 0x0E7F),
    ("el", 0x0370, 0x03FF),
)
_VIETNAMESE_CHARS = frozenset("ơưđạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


def _script_language(text: str) -> str | None:
    letters = 0
    counts: dict[str, int] = {}
    viet = 0
    for ch in text:
        if not ch.isalpha():
            continue
        letters += 1
        code = ord(ch)
        if code < 0x0370:
            continue
        if ch.lower() in _VIETNAMESE_CHARS:
            viet += 1
            continue
        for lang, low, high in _SCRIPT_RANGES:
            if low <= code <= high:
                counts[lang] = counts.get(lang, 0) + 1
                break
    if not letters:
        return None
    if counts:
        lang, count = max(counts.items(), key=lambda kv: kv[1])
        if count * 4 >= letters:
            return lang
    if viet >= 2:
        return "vi"
    return None


def _language_from_tokens(text: str, tokens: list[_Token]) -> str:
    script = _script_language(text)
    if script:
        return script
    stop = _stopwords()
    scores = dict.fromkeys(stop, 0)
    for tok in tokens:
        for lang, words in stop.items():
            if tok.word in words:
                scores[lang] += 1
    en, es = scores.get("en", 0), scores.get("es", 0)
    other_lang, other = max(
        ((lang, s) for lang, s in scores.items() if lang not in SUPPORTED_LANGUAGES),
        key=lambda kv: kv[1],
    )
    # Another language must clearly beat both supported ones, which share many short words.
    if other >= 2 and other > 1.3 * max(en, es):
        return other_lang
    if en == 0 and es == 0:
        return "und"
    return "es" if es > en else "en"


def detect_language(text: str) -> str:
    """Return the tip's language as an ISO-639-1 code, or "und" when it cannot be told."""
    _, tokens = _tokens(text)
    return _language_from_tokens(text, tokens)


# --------------------------------------------------------------------------- categories

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


# --------------------------------------------------------------------------- urgency


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
    # tomorrow; "now he says" reports talk, not danger now; "kill it" is praise.
    for canceller, spans in cancel_spans.items():
        for cues in by_sentence.values():
            for name in _CANCELS[canceller]:
                found = cues.get(name)
                if not found:
                    continue
                kept = [h for h in found if not any(a <= h.first < b for a, b in spans)]
                if kept:
                    cues[name] = kept
                else:
                    del cues[name]
    analysis.cues = by_sentence
    return by_sentence


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
    if any(h.negated and h.entry.target in _NEGATABLE for h in analysis.hits):
        # A denied danger ("he doesn't have a gun", "no está armado"): n-grams cannot see it.
        found.add("r:denied")
    return frozenset(found)


def _learnt_urgency(analysis: _Analysis, features: set[str]) -> tuple[float, tuple[str, ...]]:
    """The learnt model's calibrated P(emergency) and the words that pushed it up."""
    scorer = urgency_model.default_urgency_model()
    signals = urgency_signals(analysis)
    if "r:danger" not in signals and "r:denied" in signals:
        # The only danger is denied ("he doesn't have a gun"): the n-grams cannot see negation.
        return 0.0, ()
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
    """The rules' urgency, raised by the learnt model (never lowered), and its probability."""
    probability, learnt = _learnt_urgency(analysis, features)
    if urgency == URGENCY_EMERGENCY:
        return urgency, evidence, probability
    if probability >= EMERGENCY_PROBABILITY:
        return URGENCY_EMERGENCY, learnt or evidence, probability
    if probability >= POSSIBLE_PROBABILITY:
        return URGENCY_POSSIBLE, _dedupe((*evidence, *learnt)), probability
    return urgency, evidence, probability


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
    "idiom": ("harm", "violent_ing", _PROGRESSIVE),
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
_GERUND_RE = re.compile(
    r"^[a-z]{2,}(?:ing|ando|iendo|yendo)(?:se|me|te|lo|la|le|los|las|les|nos)?$"
)


def _progressive_hits(tokens: list[_Token]) -> list[_Hit]:
    """Gerunds after a present auxiliary ("is beating", "están golpeando"): happening now."""
    found = []
    for i, tok in enumerate(tokens):
        word = tok.word
        if len(word) < 5 or word in _NOT_GERUNDS or not _GERUND_RE.match(word):
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
    if has("weaponword") and has("bring") and (soon or has("school")) and not (past or iffy):
        return ("weaponword", "bring", "soon" if soon else "school")
    return ()


# The learnt urgency model's calibrated P(emergency) bands, chosen by cross-validation on the
# training files only (`python -m intake.classify.train --urgency-cv`), rules OR model: at or
# above EMERGENCY_PROBABILITY it is an emergency; from POSSIBLE_PROBABILITY up the model is unsure
# and the tip is a possible emergency (alerted as urgent, "check now" for staff).
EMERGENCY_PROBABILITY = 0.85
POSSIBLE_PROBABILITY = 0.5


# --------------------------------------------------------------------------- blend with the model


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


def normalised_words(text: str) -> list[str]:
    """The tip's words as the classifier reads them: folded, contractions expanded."""
    _, tokens = _tokens(text)
    return [t.word for t in tokens]


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
    if not known and lex_top is None:
        ranked: list[tuple[str, float]] = []
    else:
        ranked = blend_scores(analysis.scores, lex_top, log_likelihoods, nb.classes)
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
