"""The lexicon's phrase index and the scan that finds its phrases in a tip (pure).

The index is built from the word lists in ``lexicon.py`` (Python data, no file) once, at first
use; a scan is a single pass over the tokens.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from intake.classify import lexicon
from intake.classify.text import _Token, fold

NEGATION_WINDOW = 3


class LexiconError(Exception):
    """A word list entry cannot be parsed."""


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
